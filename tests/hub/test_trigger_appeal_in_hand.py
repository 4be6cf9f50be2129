"""While the applicant's appeal is in hand (demo partnership with a real SMTP server on
localhost, one copy for the module): the lead corrects to whom and where the letters go,
so the appeal decision's letter reaches an applicant who moved house or changed their
e-mail address during the appeal (before, every correction was refused once the outcome
went, and the letter went to the old address); the other details stay as the review had
them. And the applicant may withdraw the appeal: "Record that the appeal was withdrawn"
ends it without a decision or a letter, the application is closed again as reviewed, and
nothing more is recommended on appeal; the recommendations made on it and not yet done are
cancelled, their agencies told by e-mail, while the review panel's stand. Bad input is refused at its field, anyone but the
lead refused, each refusal recorded by field or reason, never what was typed."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub import notices as hub_notices
from sharing import clock
from sharing.access.decide import Actor
from sharing.audit.log import integrate
from sharing.errors import InputError
from sharing.models import (
    AuditEntry,
    Notice,
    PublicFormUse,
    TriggerApplication,
    TriggerRecommendation,
)
from sharing.trigger import applications, input_checks, listing, retention, review, review_outcome
from sharing.trigger import review_recommendations as recommendations
from sharing.trigger.workdays import working_day_from
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.forms import form_on
from tests.fixtures.smtp import smtp_server  # noqa: F401 - a fixture
from tests.hub.test_trigger_letters import _apply, _mail_hub, _to
from tests.hub.test_trigger_review import _met, _panel
from tests.sharing.trigger.test_complaints import PROCEDURE

LEAD = "northshire-csp"
OLD_HOME = "Flat 3, 9 Appeal Row"
NEW_HOME = "12 Moving Lane"
_OPENED = re.compile(r'name="opened" value="([0-9a-f]{32})"')


@pytest.fixture(scope="module")
def mail_hub(demo_files: Path, tmp_path_factory, smtp_server) -> Iterator[Flask]:  # noqa: F811
    app = _mail_hub(demo_files, tmp_path_factory.mktemp("appeal-in-hand"), smtp_server[1])
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(mail_hub: Flask) -> Iterator[Session]:
    with mail_hub.extensions["hub.sessions"]() as found:
        found.execute(delete(PublicFormUse))
        found.commit()
        yield found


def _lead_actor(session: Session) -> Actor:
    return Actor.of(demo_user(session, LEAD, Role.TRIGGER_LEAD))


def _lead(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, LEAD, Role.TRIGGER_LEAD))


def _appealed(
    session: Session, application: TriggerApplication | None = None
) -> TriggerApplication:
    """An application (by default taken by phone from a victim with a postal address and
    no e-mail address) decided "not met" today, and the applicant's appeal received today."""
    lead = _lead_actor(session)
    if application is None:
        application = applications.record_application(
            session,
            lead,
            PROCEDURE,
            input_checks.ApplicationInput(
                received_on=clock.today(),
                channel="phone",
                victim_kind="person",
                victim_given_names="Robin",
                victim_family_name="Appealer",
                victim_date_of_birth=date(1961, 4, 2),
                victim_address=OLD_HOME,
                victim_postcode="NS1 1AA",
                problem="Shouting and threats on the stairs",
            ),
        )
        applications.decide(session, lead, PROCEDURE, application.id, "not_met", "One complaint")
    review_outcome.record_appeal(
        session, lead, PROCEDURE, application.id, clock.today(), "Nobody called me back"
    )
    session.commit()
    return application


def _entries(session: Session, action: str, application: TriggerApplication) -> list[AuditEntry]:
    session.expire_all()
    integrate(session)
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == action,
                AuditEntry.object_type == "trigger_application",
                AuditEntry.object_id == str(application.id),
            )
            .order_by(AuditEntry.seq)
        )
    )


def _correct(client: FlaskClient, application: TriggerApplication, **changes: str):
    path = f"/trigger/{application.id}/correct"
    sent = {**form_on(client.get(path).get_data(as_text=True), path), **changes}
    return client.post(path, data=sent)


def _day(prefix: str, day: date) -> dict[str, str]:
    return {
        f"{prefix}-day": str(day.day),
        f"{prefix}-month": str(day.month),
        f"{prefix}-year": str(day.year),
    }


def _withdraw(client: FlaskClient, application: TriggerApplication, day: date | None, **more: str):
    path = f"/trigger/{application.id}/appeal-withdrawn"
    sent = {**form_on(client.get(path).get_data(as_text=True), path), **more}
    if day is not None:
        sent.update(_day("withdrawn_on", day))
    return client.post(path, data=sent)


def _decide(client: FlaskClient, application: TriggerApplication):
    page = f"/trigger/{application.id}"
    response = client.post(
        f"{page}/appeal-decision",
        data={
            "csrf_token": csrf_token(client, page),
            "appeal_decision": "not_upheld",
            "findings": "The threshold was applied properly.",
            **_day("decided_on", clock.today()),
        },
    )
    response.close()  # as a server does once the response has gone: the letters go now
    return response


def test_a_victim_who_moves_house_during_the_appeal_gets_its_decision_at_the_new_address(
    mail_hub, session
) -> None:
    application = _appealed(session)
    lead = _lead(mail_hub, session)
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Correct the details the letters use" in page

    form = lead.get(f"/trigger/{application.id}/correct").get_data(as_text=True)
    assert 'name="victim_address"' in form
    assert 'name="victim_email"' in form
    for kept in ("victim_date_of_birth-day", "victim_phone", "victim_uprn", "problem", "channel"):
        assert f'name="{kept}"' not in form, kept
    assert "The other details stay as the review had them" in form

    moved = _correct(lead, application, victim_address=NEW_HOME, victim_postcode="NS2 2BB")

    assert moved.status_code == 302, moved.get_data(as_text=True)
    corrected = _entries(session, "trigger.correct", application)[-1]
    assert (corrected.outcome, corrected.basis) == (
        "allowed",
        "fields victim_address, victim_postcode",
    )
    assert _decide(lead, application).status_code == 302
    letter = html.unescape(
        lead.get(f"/trigger/{application.id}/letters/appeal_decision").get_data(as_text=True)
    )
    assert NEW_HOME in letter
    assert "NS2 2BB" in letter
    assert OLD_HOME not in letter
    # Decided: the applicant has had their answer, so nothing is corrected any more.
    refused = lead.get(f"/trigger/{application.id}/correct")
    assert refused.status_code == 400
    assert "no appeal is in hand, so its details can no longer be corrected" in html.unescape(
        refused.get_data(as_text=True)
    )


def test_only_the_letters_details_are_corrected_while_an_appeal_is_in_hand(
    mail_hub, session
) -> None:
    """The form has only the letters' details; a form sent with the others anyway (an old
    tab, a crafted request) changes none of them: the appeal is of the review as it was."""
    application = _appealed(session)
    lead = _lead(mail_hub, session)

    sent = _correct(
        lead,
        application,
        victim_given_names="Robyn",
        problem="Something else entirely",
        victim_phone="07700900123",
        channel="letter",
        **_day("victim_date_of_birth", date(1970, 1, 1)),
    )

    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert _entries(session, "trigger.correct", application)[-1].basis == (
        "fields victim_given_names"
    )
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "Shouting and threats on the stairs" in page
    assert "Something else entirely" not in page
    assert "07700900123" not in page
    assert "Robyn Appealer" in page


def test_a_mistyped_address_during_the_appeal_is_refused_at_its_field(mail_hub, session) -> None:
    application = _appealed(session)
    lead = _lead(mail_hub, session)

    refused = _correct(lead, application, victim_email="robin@@example.org", victim_address="")

    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert 'href="#victim_email"' in page
    assert "Enter an e-mail address in the correct format" in page
    entry = _entries(session, "trigger.correct", application)[-1]
    assert entry.outcome == "refused"
    assert "victim_email" in entry.basis
    assert "robin@@" not in entry.basis


def test_an_e_mail_address_corrected_during_the_appeal_gets_the_decision_and_offers_copies(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """The letters already e-mailed went to the earlier address: they are marked so, and
    the lead may send a corrected copy of each, as for a correction before the outcome;
    the appeal decision goes to the new address only."""
    inbox, _ = smtp_server
    earlier, now = "robin.appeal.old@example.org", "robin.appeal.new@example.org"
    application = _apply(mail_hub, session, victim_email=earlier)
    lead = _lead(mail_hub, session)
    page = f"/trigger/{application.id}"
    decided = lead.post(
        page,
        data={"csrf_token": csrf_token(lead, page), "decision": "not_met", "reasons": "One."},
    )
    decided.close()
    assert len(_to(inbox, earlier, 2)) == 2  # the acknowledgement and the decision
    _appealed(session, session.get_one(TriggerApplication, application.id))

    moved = _correct(lead, application, victim_email=now)

    assert moved.status_code == 302, moved.get_data(as_text=True)
    assert _entries(session, "trigger.correct", application)[-1].basis == (
        "fields victim_email; letters sent to the earlier details 2"
    )
    shown = html.unescape(lead.get(page).get_data(as_text=True))
    assert "they went to the earlier details" in shown
    copy = lead.post(f"{page}/letters/threshold/copy", data={"csrf_token": csrf_token(lead, page)})
    copy.close()
    assert copy.status_code == 302
    assert _decide(lead, application).status_code == 302
    got = _to(inbox, now, 2)
    assert sorted(m["Subject"].split(" (")[0] for m in got) == sorted(
        [
            f"Corrected copy: {LetterKind.THRESHOLD.label}",
            LetterKind.APPEAL_DECISION.label,
        ]
    )
    assert len(inbox.to(earlier)) == 2  # nothing more went to the earlier address


def test_the_applicant_withdraws_their_appeal(mail_hub, session, smtp_server) -> None:  # noqa: F811
    inbox, _ = smtp_server
    application = _appealed(session)
    lead = _lead(mail_hub, session)
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "record that the appeal was withdrawn" in page
    form = lead.get(f"/trigger/{application.id}/appeal-withdrawn").get_data(as_text=True)
    assert "then ends without a decision, and no letter goes" in html.unescape(form)
    title = f"Record that the applicant withdrew the appeal: application {application.reference}"
    assert f"<title>{title} – " in form  # one tab each
    sent_before = len(inbox.messages)
    path = f"/trigger/{application.id}/appeal-withdrawn"
    same_form = {**form_on(form, path), **_day("withdrawn_on", clock.today())}

    done = lead.post(path, data=same_form)

    assert done.status_code == 302, done.get_data(as_text=True)
    session.expire_all()
    application = session.get_one(TriggerApplication, application.id)
    assert application.appeal_withdrawn_on == clock.today()
    assert application.appeal_decision is None
    (entry,) = _entries(session, "trigger.appeal_withdraw", application)
    assert (entry.outcome, entry.basis) == (
        "allowed",
        f"withdrawn {clock.today().isoformat()}; notices dropped 0",
    )
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert f"The applicant withdrew the appeal on {clock.today().day}" in page
    assert "Record the appeal decision" not in page
    assert "record that the appeal was withdrawn" not in page
    assert "Correct the details the letters use" not in page  # no appeal in hand now
    assert len(inbox.messages) == sent_before  # no letter goes
    # Closed again as reviewed: "decided and closed" in the list, concluded for retention.
    decided = session.scalar(
        select(func.count())
        .select_from(TriggerApplication)
        .where(TriggerApplication.id == application.id, listing.STATES["decided"][0])
    )
    assert decided == 1
    assert retention.told_on(application, PROCEDURE, clock.today()) == clock.today()
    listed = html.unescape(
        lead.get(f"/trigger?reference={application.reference}").get_data(as_text=True)
    )
    row = listed[listed.index(f">{application.reference}</a>") :]
    row = row[: row.index("</tr>")]
    today = clock.today()
    assert f"withdrawn by the applicant on {today.day} {today:%B %Y}" in row
    assert "waiting for its decision" not in row
    listed = lead.get("/trigger?state=decided").get_data(as_text=True)
    assert application.reference in listed
    # Nothing more is decided or recommended on the appeal.
    lead_actor = _lead_actor(session)
    with pytest.raises(InputError, match="withdrew the appeal"):
        review_outcome.decide_appeal(
            session, lead_actor, PROCEDURE, application.id, "upheld", "Late.", clock.today()
        )
    session.rollback()
    police = demo_user(session, "northshire-police", Role.MANAGER).agency
    with pytest.raises(InputError, match="withdrew the appeal"):
        recommendations.recommend(
            session,
            lead_actor,
            PROCEDURE,
            application.id,
            recommendations.RecommendationInput(
                police.id, working_day_from(clock.today() + timedelta(days=9)), "X"
            ),
            on_appeal=True,
        )
    session.rollback()
    # Sent twice (Back, a second tab): refused on the application's page.
    again = lead.post(path, data=same_form)
    assert again.status_code == 400
    assert "withdrawal of the appeal is already recorded" in html.unescape(
        again.get_data(as_text=True)
    )
    refused = _entries(session, "trigger.appeal_withdraw", application)[-1]
    assert (refused.outcome, refused.basis) == ("refused", "refused input: changed meanwhile")
    assert len(_entries(session, "trigger.appeal_withdraw", application)) == 2


@pytest.mark.parametrize(
    ("day", "message"),
    [
        (None, "Enter the date the applicant withdrew the appeal"),
        (1, "The date the applicant withdrew the appeal must be today or before"),
        (-1, "must be on or after the day it was received"),
    ],
)
def test_a_withdrawal_date_missing_to_come_or_before_the_appeal_is_refused_at_its_field(
    mail_hub, session, day: int | None, message: str
) -> None:
    application = _appealed(session)
    lead = _lead(mail_hub, session)

    refused = _withdraw(lead, application, None if day is None else clock.today() + timedelta(day))

    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert message in page
    assert 'href="#withdrawn_on' in page
    session.expire_all()
    assert session.get_one(TriggerApplication, application.id).appeal_withdrawn_on is None
    entry = _entries(session, "trigger.appeal_withdraw", application)[-1]
    assert (entry.outcome, entry.basis) == ("refused", "refused input: withdrawn_on")


def test_a_decided_appeal_cannot_be_withdrawn_and_a_form_opened_before_says_so(
    mail_hub, session
) -> None:
    application = _appealed(session)
    lead = _lead(mail_hub, session)
    path = f"/trigger/{application.id}/appeal-withdrawn"
    stale = form_on(lead.get(path).get_data(as_text=True), path)
    assert _OPENED.search(lead.get(path).get_data(as_text=True))
    assert _decide(lead, application).status_code == 302

    refused = lead.post(path, data={**stale, **_day("withdrawn_on", clock.today())})

    assert refused.status_code == 400
    assert "a decided appeal can no longer be withdrawn" in html.unescape(
        refused.get_data(as_text=True)
    )
    session.expire_all()
    assert session.get_one(TriggerApplication, application.id).appeal_withdrawn_on is None
    entry = _entries(session, "trigger.appeal_withdraw", application)[-1]
    assert (entry.outcome, entry.basis) == ("refused", "refused input: changed meanwhile")
    page = html.unescape(lead.get(path).get_data(as_text=True))
    assert "a decided appeal can no longer be withdrawn" in page
    assert "Record the appeal as withdrawn" not in page


def test_an_application_with_no_appeal_has_none_to_withdraw(mail_hub, session) -> None:
    lead_actor = _lead_actor(session)
    application = applications.record_application(
        session,
        lead_actor,
        PROCEDURE,
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name="Noappeal",
            victim_address=OLD_HOME,
            problem="Shouting",
        ),
    )
    session.commit()
    lead = _lead(mail_hub, session)
    page = html.unescape(
        lead.get(f"/trigger/{application.id}/appeal-withdrawn").get_data(as_text=True)
    )
    assert "No appeal is recorded, so there is none to withdraw" in page
    assert "Record the appeal as withdrawn" not in page


@pytest.mark.parametrize(
    ("agency", "role"),
    [("northshire-police", Role.MANAGER), (LEAD, Role.CASE_OFFICER)],
)
def test_only_the_lead_may_record_an_appeal_withdrawn(
    mail_hub, session, agency: str, role: Role
) -> None:
    application = _appealed(session)
    other = demo_client(mail_hub, demo_user(session, agency, role))
    path = f"/trigger/{application.id}/appeal-withdrawn"

    assert other.get(path).status_code == 403
    refused = other.post(
        path, data={"csrf_token": csrf_token(other, "/"), **_day("withdrawn_on", clock.today())}
    )

    assert refused.status_code == 403
    session.expire_all()
    assert session.get_one(TriggerApplication, application.id).appeal_withdrawn_on is None
    if role is Role.MANAGER:  # another agency's manager: refused by the lead's rules
        entries = _entries(session, "trigger.appeal_withdraw", application)
        assert [e.outcome for e in entries] == ["refused", "refused"]
    manager = demo_client(mail_hub, demo_user(session, LEAD, Role.MANAGER))
    assert manager.get(path).status_code == 200
    assert manager.get("/trigger/999999/appeal-withdrawn").status_code == 404


def _recommend(
    session: Session, application: TriggerApplication, agency: str, text: str, *, on_appeal: bool
) -> TriggerRecommendation:
    made = recommendations.recommend(
        session,
        _lead_actor(session),
        PROCEDURE,
        application.id,
        recommendations.RecommendationInput(
            demo_user(session, agency, Role.MANAGER).agency_id,
            working_day_from(clock.today() + timedelta(days=30)),
            text,
        ),
        on_appeal=on_appeal,
    )
    session.commit()
    return made


def _send_waiting(app: Flask) -> None:
    """Send the notices waiting, as ``hub notices send`` does."""
    hub_notices.deliver_pending(
        app.extensions["hub.sessions"],
        app.config["HUB_SETTINGS"],
        app.extensions["hub.trigger_procedure"],
        app.extensions["hub.letters"].trigger,
    )


def test_recommendations_made_on_an_appeal_withdrawn_are_cancelled_and_their_agencies_told(
    mail_hub,
    session,
    smtp_server,  # noqa: F811
) -> None:
    """Reviewed with a recommendation of the panel; appealed, and two recommendations made
    on the appeal, one of them done; then the applicant withdraws the appeal. The open one
    made on appeal is cancelled, its agency's managers told by e-mail (naming the
    application's reference, never the words); the one done stays done; the panel's stands."""
    inbox, _ = smtp_server
    application = _met(session)
    sitting = _panel(session, days=2)
    review.convene(session, _lead_actor(session), PROCEDURE, application.id, sitting.id)
    session.commit()
    panels = _recommend(session, application, "northshire-homes", "Visit monthly", on_appeal=False)
    police_manager = demo_user(session, "northshire-police", Role.MANAGER)
    with clock.pinned(sitting.starts_at + timedelta(hours=2)):
        review_outcome.record_outcome(
            session, _lead_actor(session), PROCEDURE, application.id, "Found.", "Next."
        )
        _appealed(session, application)
        patrol = _recommend(
            session, application, "northshire-police", "Patrol the stairs", on_appeal=True
        )
        done = _recommend(session, application, "northshire-police", "Call back", on_appeal=True)
        recommendations.complete(session, Actor.of(police_manager), done.id, "Called on Monday")
        session.commit()
        lead = _lead(mail_hub, session)
        _send_waiting(mail_hub)
        told_before = len(_to(inbox, police_manager.email, 2))
        form = html.unescape(
            lead.get(f"/trigger/{application.id}/appeal-withdrawn").get_data(as_text=True)
        )
        assert (
            "1 recommendation made on appeal is not done yet: it is cancelled with the appeal, "
            "and its agency is told by e-mail. The review panel's recommendations stand."
        ) in form

        withdrawn = _withdraw(lead, application, clock.today())
        withdrawn.close()  # the response gone: its notices go now

        assert withdrawn.status_code == 302, withdrawn.get_data(as_text=True)
        today = clock.today()
        session.expire_all()
        states = {
            r.id: (r.completed_on, r.cancelled_on, r.cancelled_why)
            for r in session.get_one(TriggerApplication, application.id).recommendations
        }
        assert states == {
            panels.id: (None, None, None),
            patrol.id: (None, today, recommendations.CANCELLED_WITH_APPEAL),
            done.id: (today, None, None),
        }
        (entry,) = _entries(session, "trigger.appeal_withdraw", application)
        assert entry.basis.startswith(f"withdrawn {today.isoformat()}; notices dropped ")
        assert entry.basis.endswith(f"; recommendations on appeal cancelled {patrol.id}")
        told = _to(inbox, police_manager.email, told_before + 1)[told_before:]
        assert [m["Subject"] for m in told] == [
            "A Community Trigger recommendation for your agency is cancelled: application "
            f"{application.reference}"
        ]
        body = told[0].get_content()
        assert "the applicant withdrew the appeal" in body
        assert f"/trigger/recommendations#recommendation-{patrol.id}" in body
        assert "Patrol the stairs" not in body  # no words of the recommendation
        homes = demo_user(session, "northshire-homes", Role.MANAGER).email
        assert not [m for m in inbox.to(homes) if "cancelled" in m["Subject"]]

        page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
        assert "1 recommendation made on appeal and not yet done was cancelled" in page
        assert "The review panel's recommendations stand." in page
        assert f"Cancelled: {recommendations.CANCELLED_WITH_APPEAL}" in page
        police = demo_client(mail_hub, police_manager)
        listed = html.unescape(police.get("/trigger/recommendations").get_data(as_text=True))
        card = listed[listed.index(f'id="recommendation-{patrol.id}"') :]
        card = card[: card.find('id="recommendation-', 1)]
        assert "Cancelled" in card
        assert "It is no longer to be done" in card
        assert "Mark done" not in card
        assert recommendations.open_for_agency(session, Actor.of(police_manager))[0] == sum(
            1
            for r in session.scalars(
                select(TriggerRecommendation).where(
                    TriggerRecommendation.owner_agency_id == police_manager.agency_id,
                    TriggerRecommendation.completed_on.is_(None),
                    TriggerRecommendation.cancelled_on.is_(None),
                )
            )
        )
        refused = police.post(
            "/trigger/recommendations",
            data={
                "csrf_token": csrf_token(police, "/trigger/recommendations"),
                "recommendation_id": str(patrol.id),
                "note": "Did it anyway",
            },
        )
        assert refused.status_code == 400
        assert "This recommendation was cancelled on" in html.unescape(
            refused.get_data(as_text=True)
        )
        session.expire_all()
        assert session.get_one(TriggerRecommendation, patrol.id).completed_on is None


def test_a_cancelled_recommendation_whose_notice_had_not_gone_tells_no_one(
    mail_hub, session
) -> None:
    """Made on appeal and withdrawn before its notice went (the mail server down): the
    managers were never told of it, so the notice is dropped and no cancellation goes."""
    application = _appealed(session)
    made = _recommend(session, application, "northshire-police", "Patrol", on_appeal=True)
    path = f"/trigger/recommendations#recommendation-{made.id}"
    assert session.scalars(select(Notice).where(Notice.path == path)).all()

    review_outcome.withdraw_appeal(
        session, _lead_actor(session), PROCEDURE, application.id, clock.today()
    )
    session.commit()

    assert session.scalars(select(Notice).where(Notice.path == path)).all() == []
    session.expire_all()
    assert session.get_one(TriggerRecommendation, made.id).cancelled_on == clock.today()


def test_recommendations_cancelled_with_the_appeal_do_not_hold_an_erasure_request(
    mail_hub, session
) -> None:
    application = _appealed(session)
    _recommend(session, application, "northshire-police", "Patrol", on_appeal=True)
    before = retention.standing(session, _lead_actor(session), PROCEDURE, application.id)
    assert before.open_recommendations == 1

    review_outcome.withdraw_appeal(
        session, _lead_actor(session), PROCEDURE, application.id, clock.today()
    )
    session.commit()

    manager = Actor.of(demo_user(session, LEAD, Role.MANAGER))
    after = retention.standing(session, manager, PROCEDURE, application.id)
    assert (after.concluded, after.open_recommendations, after.may_erase) == (True, 0, True)
    handling = session.scalar(
        select(func.count())
        .select_from(TriggerApplication)
        .where(TriggerApplication.id == application.id, listing.STATES["handling"][0])
    )
    assert handling == 0  # nothing left to follow up: decided and closed
