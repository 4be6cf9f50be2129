"""The Community Trigger lead told of each agency's answer about its case (demo
partnership, a real SMTP server on localhost): the lead who asked is e-mailed, once, naming
the application's reference and the agency that answered, never the case's reference nor
who answered, with a link to the agency's row on the application's page; the last answer
awaited says that all agencies asked have answered. A lead who has left is not told: the
lead agency's Community Trigger leads are. An answer refused tells nobody. The
application's page says how many agencies asked have answered and which it waits for.

Each test has its own copy of the demo, and asks one more agency about a case of its own
(so that one answer is awaited after the demo's, whatever the day's demo holds)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import TriggerCaseRequest, User
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user, open_cases
from tests.fixtures.demo_mail import BASE_URL
from tests.fixtures.smtp import Inbox, smtp_server  # noqa: F401 - a fixture
from tests.fixtures.trigger_answers import (  # noqa: F401 - a fixture
    another_lead,
    answer,
    answers_hub,
    asked_about,
    awaited,
    officer_of,
    received,
    text,
    told,
)


@pytest.fixture
def hub(answers_hub: Flask) -> Flask:  # noqa: F811
    return answers_hub


@pytest.fixture
def inbox(smtp_server) -> Inbox:  # noqa: F811
    return smtp_server[0]


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def test_an_answer_e_mails_the_lead_who_asked_naming_the_application_and_the_agency(
    hub, session, inbox
) -> None:
    asked = asked_about(session)
    second = another_lead(session, asked.application)
    officer = session.get(User, asked.first.case.officer_id)
    link = f"/trigger/{asked.application.id}#asked-{asked.first.id}"
    before = len(inbox.messages)

    assert (
        answer(officer_of(hub, session, asked.first), asked.first, "confirmed").status_code == 302
    )

    [mail] = received(inbox, before, 1, asked.lead.email)
    assert mail["Subject"] == (
        f"{NoticeKind.TRIGGER_ANSWERED.label}: application {asked.application.reference}"
    )
    body = mail.get_content()
    assert (
        f"{asked.first.agency.name} has answered your question about its case for ASB Case "
        f"Review (Community Trigger) application {asked.application.reference}."
    ) in " ".join(body.split())
    assert "which agencies you are still waiting for" in body
    assert f"{BASE_URL}{link}" in body
    assert asked.first.case.reference not in body, "the case is not named"
    assert officer.display_name not in body, "nor who answered"
    assert told(session) == {asked.lead.id: [(NoticeKind.TRIGGER_ANSWERED, link)]}, (
        "the lead who asked, once; not the lead agency's other Community Trigger lead"
    )
    assert second.id not in told(session)
    lead_page = text(demo_client(hub, asked.lead).get(f"/trigger/{asked.application.id}"))
    assert f'id="asked-{asked.first.id}"' in lead_page, "the link lands on the agency's row"
    assert awaited(lead_page).endswith(
        f"agencies asked have answered; waiting for {asked.extra.agency.name}."
    ), "the agency that answered is no longer waited for"


def test_the_last_answer_awaited_tells_the_lead_all_agencies_asked_have_answered(
    hub, session, inbox
) -> None:
    asked = asked_about(session)
    agencies = len({r.agency_id for r in asked.application.requests})
    page = f"/trigger/{asked.application.id}"
    lead = demo_client(hub, asked.lead)
    assert asked.extra.agency.name in awaited(text(lead.get(page)))
    assert answer(officer_of(hub, session, asked.first), asked.first, "not_asb").status_code == 302
    before = len(inbox.messages)

    assert (
        answer(officer_of(hub, session, asked.extra), asked.extra, "confirmed").status_code == 302
    )

    [mail] = received(inbox, before, 1, asked.lead.email)
    assert mail["Subject"] == (
        f"{NoticeKind.TRIGGER_ALL_ANSWERED.label}: application {asked.application.reference}"
    )
    body = " ".join(mail.get_content().split())
    assert f"{asked.extra.agency.name} has answered your question about its case" in body
    assert "all the agencies asked have now answered" in body
    assert f"{BASE_URL}{page}#asked-{asked.extra.id}" in body
    assert [kind for kinds in told(session).values() for kind, _ in kinds] == [
        NoticeKind.TRIGGER_ANSWERED,
        NoticeKind.TRIGGER_ALL_ANSWERED,
    ]
    assert awaited(text(lead.get(page))) == f"All {agencies} agencies asked have answered."


def test_a_lead_who_has_left_is_not_told_the_lead_agency_s_trigger_leads_are(hub, session) -> None:
    asked = asked_about(session)
    second = another_lead(session, asked.application)
    asked.lead.active = False
    session.commit()

    assert (
        answer(officer_of(hub, session, asked.first), asked.first, "confirmed").status_code == 302
    )

    told_now = told(session)
    assert asked.lead.id not in told_now
    assert second.id in told_now
    leads = {
        u.id
        for u in session.scalars(select(User).where(User.agency_id == asked.lead.agency_id))
        if u.active and u.has_role(Role.TRIGGER_LEAD)
    }
    assert set(told_now) == leads, "the lead agency's active Community Trigger leads, no one else"


def test_an_answer_refused_tells_nobody(hub, session) -> None:
    """No answer chosen, someone not asked, and an answer sent again: nothing is told;
    the one answer given is told once."""
    asked = asked_about(session)
    officer = officer_of(hub, session, asked.first)
    outsider = demo_user(
        session,
        "northshire-police" if asked.first.agency.code != "northshire-police" else "larkmoor-ha",
        Role.MANAGER,
    )

    assert answer(officer, asked.first, "").status_code == 400
    assert demo_client(hub, outsider).get(f"/trigger/asked/{asked.first.id}").status_code == 404
    assert told(session) == {}

    assert answer(officer, asked.first, "in_error").status_code == 302
    assert answer(officer, asked.first, "confirmed").status_code == 302  # refused: answered
    assert sum(len(n) for n in told(session).values()) == 1


def test_an_application_no_longer_waiting_is_not_told_of_and_says_nothingawaited(
    hub, session
) -> None:
    asked = asked_about(session)
    asked.application.outcome_on = asked.application.received_on  # its review is over
    asked.application.appeal_received_on = None
    session.commit()

    answer(officer_of(hub, session, asked.first), asked.first, "confirmed")

    assert told(session) == {}
    page = text(demo_client(hub, asked.lead).get(f"/trigger/{asked.application.id}"))
    assert awaited(page) == "", "nothing is awaited once the review is over"


def test_cases_of_one_agency_are_waited_for_until_both_are_answered(hub, session) -> None:
    """An agency asked about two cases is waited for until it answered about both."""
    asked = asked_about(session)
    case = next(
        (
            c
            for c in open_cases(session, asked.extra.agency.code)
            if c.id != asked.extra.case_id and c.officer is not None and c.officer.active
        ),
        None,
    )
    if case is None:
        pytest.fail(f"{asked.extra.agency.name} has no second open case in the demo")
    session.add(
        TriggerCaseRequest(
            application=asked.application,
            case_id=case.id,
            agency_id=case.agency_id,
            locked=False,
            asked_at=clock.now(),
            asked_by_id=asked.lead.id,
        )
    )
    session.commit()
    answer(officer_of(hub, session, asked.first), asked.first, "confirmed")
    answer(officer_of(hub, session, asked.extra), asked.extra, "confirmed")

    page = text(demo_client(hub, asked.lead).get(f"/trigger/{asked.application.id}"))
    assert awaited(page).endswith(f"waiting for {asked.extra.agency.name}.")
    assert told(session)[asked.lead.id][-1][0] is NoticeKind.TRIGGER_ANSWERED, "not the last"


def test_a_lead_agency_manager_who_asked_and_answers_is_not_told_of_their_own_answer(
    hub, session
) -> None:
    """The lead agency holds a case too: its manager, who asked, answers about it as its
    manager, and is not e-mailed of their own answer."""
    asked = asked_about(session)
    lead_agency = asked.application.lead_agency
    manager = demo_user(session, lead_agency.code, Role.MANAGER)
    case = next(iter(open_cases(session, lead_agency.code)), None)
    if case is None:
        pytest.fail(f"{lead_agency.name} has no open case in the demo")
    own = TriggerCaseRequest(
        application=asked.application,
        case_id=case.id,
        agency_id=case.agency_id,
        locked=False,
        asked_at=clock.now(),
        asked_by_id=manager.id,
    )
    session.add(own)
    session.commit()

    assert answer(demo_client(hub, manager), own, "confirmed").status_code == 302

    assert told(session) == {}
