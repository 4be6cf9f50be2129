"""Every form that makes a record is accepted once: a double click on its button, Back and
send again, or a second click on a slow connection, makes no second incident, case, risk
assessment, action, person, review, conference, meeting, application, answer, document,
letter or referral, and lands on the page of what the first send made, saying so."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from io import BytesIO

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.sent_once import ALREADY_SAVED, SENT_ONCE
from sharing import clock
from sharing.cases import incidents
from sharing.models import (
    Action,
    Case,
    CaseParty,
    CaseReview,
    Conference,
    Document,
    Incident,
    InformationRequest,
    LockRequest,
    MeetingSeries,
    Referral,
    RiskAssessment,
    TriageChange,
    TriggerApplication,
    User,
)
from sharing.risk.matrix import shipped
from sharing.vocabulary import CaseStatus, ConferenceStatus, PartyRole, Priority, Role, Triage
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.files import pdf
from tests.fixtures.forms import FormReader, form_on

MATRIX = shipped().current
YESTERDAY = clock.today() - timedelta(days=1)
NEXT_WEEK = clock.today() + timedelta(days=7)


def _offered(page: str, name: str) -> list[str]:
    """The values the page offers for ``name``, empty ones left out."""
    reader = FormReader()
    reader.feed(page)
    return [v for v in reader.offered.get(name, []) if v]


def _errors(page: str) -> list[str]:
    """The page's error messages (what a refused send was told)."""
    return re.findall(r'govuk-error-message">\s*(?:<span[^>]*>[^<]*</span>)?\s*([^<]+)', page)


def _date(name: str, day) -> dict[str, str]:
    return {
        f"{name}-day": str(day.day),
        f"{name}-month": str(day.month),
        f"{name}-year": str(day.year),
    }


def _moment(name: str, day, hour: int = 10) -> dict[str, str]:
    return {**_date(name, day), f"{name}-hour": str(hour), f"{name}-minute": "30"}


@dataclass
class Journey:
    """A form of the demo: who fills it, where, what they type, and what it makes."""

    user: Callable[[Session], User]
    path: Callable[[Session], str]
    #: What they type and choose, given the page shown.
    answers: Callable[[Session, str], dict[str, object]]
    made: type
    #: Where the page first shown is (if not the form's own address).
    shown_at: Callable[[Session], str] | None = None
    files: dict[str, bytes] = field(default_factory=dict)


def _officer(session: Session) -> User:
    return demo_user(session, "larkmoor-ha", Role.CASE_OFFICER)


def _case(session: Session) -> Case:
    """An open case of the officer's with a victim, not locked."""
    officer = _officer(session)
    return next(
        c
        for c in session.scalars(
            select(Case)
            .where(Case.officer_id == officer.id, Case.locked.is_(False))
            .where(Case.status == CaseStatus.ACTIVE)
            .order_by(Case.id)
        )
        if any(p.role is PartyRole.VICTIM for p in c.parties)
    )


def _victim(session: Session) -> str:
    return str(next(p.person_id for p in _case(session).parties if p.role is PartyRole.VICTIM))


def _on_case(tail: str) -> Callable[[Session], str]:
    return lambda session: f"/cases/{_case(session).id}/{tail}"


def _risk_answers(session: Session, _page: str) -> dict[str, object]:
    return {
        "step": "check",
        "person_id": _victim(session),
        "stage": "initial",
        "version": str(MATRIX.version),
        **{f"answer-{q.id}": q.options[0].value for q in MATRIX.questions},
    }


def _case_to_triage(session: Session) -> Case:
    """An open case of the officer's not already red, high risk and serious (a change to
    what it has is refused): which case that is differs with the day of the demo."""
    officer = _officer(session)
    return session.scalars(
        select(Case)
        .where(Case.officer_id == officer.id, Case.locked.is_(False))
        .where(Case.status == CaseStatus.ACTIVE)
        .where(~((Case.priority == Priority.RED_HIGH) & (Case.triage == Triage.SERIOUS)))
        .order_by(Case.id)
    ).first()


def _unanswered_request(session: Session) -> InformationRequest:
    """One still to answer: of a conference planned and to come (one that has met can no
    longer be answered)."""
    return session.scalars(
        select(InformationRequest)
        .join(Conference, Conference.id == InformationRequest.conference_id)
        .where(
            InformationRequest.answered_at.is_(None),
            Conference.status == ConferenceStatus.PLANNED,
            Conference.starts_at > clock.now(),
        )
        .order_by(InformationRequest.id)
    ).first()


def _answerer(session: Session) -> User:
    request = _unanswered_request(session)
    return next(
        u
        for u in session.scalars(select(User).order_by(User.id))
        if u.agency_id == request.agency_id and u.active and u.has_role(Role.CASE_OFFICER)
    )


def _convening(session: Session) -> tuple[User, Conference]:
    conference = session.scalars(
        select(Conference).where(Conference.starts_at > clock.now()).order_by(Conference.id)
    ).first()
    return session.get(Case, conference.case_id).officer, conference


JOURNEYS = {
    "add an incident": Journey(
        _officer,
        _on_case("incidents/new"),
        lambda s, page: {**_moment("occurred_at", YESTERDAY), "description": "Music until 2am"},
        Incident,
    ),
    "open a new case": Journey(
        _officer,
        lambda s: "/cases/new",
        lambda s, page: {
            "category": "noise",
            "priority": "red_high",
            "triage": "serious",
            "summary": "Shouting through the night",
            "first_party-family_name": "Accepted-Once",
        },
        Case,
    ),
    "assess the risk": Journey(_officer, _on_case("risk/new"), _risk_answers, RiskAssessment),
    "add an action": Journey(
        _officer,
        _on_case("actions/new"),
        lambda s, page: {
            "kind": "warning_letter",
            "description": "Send it",
            **_date("due_on", NEXT_WEEK),
        },
        Action,
    ),
    "add a person": Journey(
        _officer,
        _on_case("people/new"),
        lambda s, page: {"role": "witness", "person-family_name": "Onceonly", "known_person": ""},
        CaseParty,
    ),
    "review the case": Journey(
        _officer,
        _on_case("review"),
        lambda s, page: {
            "contact_method": "phone",
            **_date("contacted_on", clock.today()),
            "contact_note": "Spoke to them",
            "progress": "Warning letter sent",
            # Needed when no assessment was made since the last review (which one the case
            # has depends on the day's demo, and on the journeys run before this one).
            "risk_note": "No change since the last assessment",
            "decision": "continue",
        },
        CaseReview,
    ),
    "refer to the hate incident service": Journey(
        _officer,
        _on_case("referrals/new"),
        lambda s, page: {"person": _victim(s), "reason": "Racist graffiti"},
        Referral,
    ),
    "convene a conference": Journey(
        _officer,
        _on_case("conferences/new"),
        lambda s, page: {
            "question": "What should we do next?",
            "agencies": _offered(page, "agencies")[:1],
            "chair": _offered(page, "chair")[0],
            **_moment("starts_at", NEXT_WEEK),
            "place": "Town hall",
        },
        Conference,
    ),
    "set up a partnership meeting": Journey(
        lambda s: demo_user(s, "northshire-csp", Role.CONFERENCE_CHAIR),
        lambda s: "/meetings/new",
        lambda s, page: {
            "name": "Accepted once panel",
            "chair": _offered(page, "chair")[0],
            "members": _offered(page, "members"),
            "cadence": "monthly",
            # In the afternoon: its chair may chair the conference convened that morning.
            **_moment("first_at", NEXT_WEEK, hour=14),
            "place": "Civic centre",
        },
        MeetingSeries,
    ),
    "record a Community Trigger application": Journey(
        lambda s: demo_user(s, "northshire-csp", Role.TRIGGER_LEAD),
        lambda s: "/trigger/new",
        lambda s, page: {
            "channel": "phone",
            "victim_kind": "person",
            "victim_family_name": "Once",
            "victim_address": "Flat 2, 7 Test Row",
            "problem": "Noise every night for months",
            **_date("received_on", clock.today()),
        },
        TriggerApplication,
    ),
    "answer an information request": Journey(
        _answerer,
        lambda s: (
            f"/conferences/{_unanswered_request(s).conference_id}"
            f"/requests/{_unanswered_request(s).id}"
        ),
        lambda s, page: {"known": "yes", "incidents_note": "Two call-outs last month"},
        InformationRequest,
    ),
    "attach a document": Journey(
        _officer,
        _on_case("documents/new"),
        lambda s, page: {
            "kind": "photo",
            "description": "The graffiti",
            "category": "narrative",
            "marking": "official_sensitive",
        },
        Document,
        files={"file": pdf("Photo of the graffiti")},
    ),
    "produce the action plan letter": Journey(
        _officer, _on_case("letter"), lambda s, page: {"as": "pdf"}, Document
    ),
    "change the triage": Journey(
        _officer,
        lambda s: f"/cases/{_case_to_triage(s).id}/triage",
        lambda s, page: {"priority": "red_high", "triage": "serious", "reason": "Threats made"},
        TriageChange,
    ),
    "refer to safeguarding": Journey(
        _officer,
        _on_case("safeguarding/new"),
        lambda s, page: {
            "kind": _offered(page, "kind")[0],
            "person": _victim(s),
            "reason": "Lives alone and is frightened",
        },
        Referral,
    ),
    "ask to lock the case": Journey(
        _officer,
        _on_case("lock"),
        lambda s, page: {"reason": "sensitive", "note": "A councillor's relative"},
        LockRequest,
    ),
}


def _made(session: Session, model: type) -> int:
    session.expire_all()
    if model is InformationRequest:
        where = InformationRequest.answered_at.is_not(None)
        return session.scalar(select(func.count()).select_from(model).where(where)) or 0
    return session.scalar(select(func.count()).select_from(model)) or 0


def _sent(client, journey: Journey, session: Session, path: str, page: str) -> object:
    data = {**form_on(page, path), **journey.answers(session, page)}
    for name, content in journey.files.items():
        data[name] = (BytesIO(content), "evidence.pdf")
    return client.post(path, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize("name", list(JOURNEYS))
def test_a_form_sent_twice_makes_one_record_and_lands_on_it(
    demo_hub: Flask, demo_session: Session, name: str
) -> None:
    journey = JOURNEYS[name]
    client = demo_client(demo_hub, journey.user(demo_session))
    path = journey.path(demo_session)
    page = client.get(journey.shown_at(demo_session) if journey.shown_at else path)
    assert page.status_code == 200
    shown = page.get_data(as_text=True)
    assert form_on(shown, path).get(SENT_ONCE), "the form carries its one-time token"
    before = _made(demo_session, journey.made)

    first = _sent(client, journey, demo_session, path, shown)
    assert first.status_code in (200, 302), _errors(first.get_data(as_text=True))
    assert _made(demo_session, journey.made) == before + 1
    again = _sent(client, journey, demo_session, path, shown)

    assert _made(demo_session, journey.made) == before + 1, "nothing made twice"
    assert again.status_code == 302
    if first.status_code == 302:
        assert again.location == first.location
    landed = client.get(again.location).get_data(as_text=True)
    assert ALREADY_SAVED in landed


def test_after_producing_a_letter_back_to_the_form_produces_a_different_one(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A letter produced goes to its document page; the officer goes back to the form
    (shown afresh: pages are never kept by the browser) and produces another, different
    letter, which is kept too, not taken for the first sent again."""
    client = demo_client(demo_hub, _officer(demo_session))
    path = _on_case("letter")(demo_session)
    before = _made(demo_session, Document)
    first = client.post(
        path, data={**form_on(client.get(path).get_data(as_text=True), path), "as": "pdf"}
    )
    assert first.status_code == 302
    form = form_on(client.get(path).get_data(as_text=True), path)
    second = client.post(
        path, data={**form, "as": "pdf", "asks": "Ring us after each incident, day or night"}
    )
    assert second.status_code == 302
    assert second.location != first.location
    assert _made(demo_session, Document) == before + 2
    assert ALREADY_SAVED not in client.get(second.location).get_data(as_text=True)


def test_a_form_shown_again_with_its_errors_keeps_its_token_and_is_then_accepted_once(
    demo_hub: Flask, demo_session: Session
) -> None:
    client = demo_client(demo_hub, _officer(demo_session))
    path = _on_case("incidents/new")(demo_session)
    form = form_on(client.get(path).get_data(as_text=True), path)
    before = _made(demo_session, Incident)
    refused = client.post(path, data={**form, "description": ""})
    assert refused.status_code == 400
    assert form_on(refused.get_data(as_text=True), path)[SENT_ONCE] == form[SENT_ONCE]
    answers = {**form, **_moment("occurred_at", YESTERDAY), "description": "Banging"}
    assert client.post(path, data=answers).status_code == 302
    assert client.post(path, data=answers).status_code == 302
    assert _made(demo_session, Incident) == before + 1


def test_back_and_send_again_with_other_text_gives_that_text_back_unsaved(
    demo_hub: Flask, demo_session: Session
) -> None:
    """The officer saves an incident, presses Back, writes another incident over the form
    and sends it: nothing more is saved, and the page says so and gives back what they
    wrote the second time (escaped), to copy or add, with a link to what was saved. The
    first answers sent again (a double click) still just land on what was saved."""
    client = demo_client(demo_hub, _officer(demo_session))
    path = _on_case("incidents/new")(demo_session)
    form = form_on(client.get(path).get_data(as_text=True), path)
    first = {**form, **_moment("occurred_at", YESTERDAY), "description": "Music until 2am"}
    before = _made(demo_session, Incident)
    saved = client.post(path, data=first)
    assert saved.status_code == 302

    written = "Threatened in the lift by the same man <b>twice</b> & spat at"
    second = {**first, "occurred_at-hour": "23", "description": written}
    answer = client.post(path, data=second)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert '<h1 class="govuk-heading-l">This was already saved</h1>' in page
    assert "What you typed the second time was not saved" in page
    assert html.escape(written, quote=False) in page
    assert "<b>twice</b>" not in page
    assert f'href="{saved.location}"' in page
    assert _made(demo_session, Incident) == before + 1

    again = client.post(path, data=first)
    assert (again.status_code, again.location) == (302, saved.location)
    assert ALREADY_SAVED in client.get(again.location).get_data(as_text=True)
    assert _made(demo_session, Incident) == before + 1


def test_a_form_from_a_page_shown_before_tokens_is_accepted_as_before(
    demo_hub: Flask, demo_session: Session
) -> None:
    """A page left open across the update that brought the tokens: it has no token, and
    what it sends is saved (as any send before the update was), not refused."""
    client = demo_client(demo_hub, _officer(demo_session))
    path = _on_case("incidents/new")(demo_session)
    form = form_on(client.get(path).get_data(as_text=True), path)
    del form[SENT_ONCE]
    before = _made(demo_session, Incident)
    answers = {**form, **_moment("occurred_at", YESTERDAY), "description": "Old page"}
    assert client.post(path, data=answers).status_code == 302
    assert _made(demo_session, Incident) == before + 1


def test_another_users_token_is_no_use_to_them(demo_hub: Flask, demo_session: Session) -> None:
    officer = _officer(demo_session)
    client = demo_client(demo_hub, officer)
    path = _on_case("incidents/new")(demo_session)
    form = form_on(client.get(path).get_data(as_text=True), path)
    answers = {**form, **_moment("occurred_at", YESTERDAY), "description": "Shouting"}
    before = _made(demo_session, Incident)
    assert client.post(path, data=answers).status_code == 302
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    theirs = form_on(manager.get(path).get_data(as_text=True), path)
    sent = {**answers, "csrf_token": theirs["csrf_token"]}
    assert manager.post(path, data=sent).status_code == 302
    assert _made(demo_session, Incident) == before + 2


def test_two_sends_at_once_make_one_incident(
    demo_hub: Flask, demo_session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A double click whose two sends reach the hub together (on SQLite): one incident;
    the other send waits for the first, then goes to the case."""
    officer = _officer(demo_session)
    path = _on_case("incidents/new")(demo_session)
    clients = [demo_client(demo_hub, officer) for _ in range(2)]
    form = form_on(clients[0].get(path).get_data(as_text=True), path)
    answers = {**form, **_moment("occurred_at", YESTERDAY), "description": "Together"}
    recording = incidents.add_incident

    def slowly(*args, **kwargs):
        time.sleep(0.3)  # long enough for the other send to arrive meanwhile
        return recording(*args, **kwargs)

    monkeypatch.setattr(incidents, "add_incident", slowly)
    before = _made(demo_session, Incident)
    start = threading.Barrier(2, timeout=30)
    answered: list[str] = []

    def send(client) -> None:
        own = form_on(client.get(path).get_data(as_text=True), path)["csrf_token"]
        start.wait()
        response = client.post(path, data={**answers, "csrf_token": own})
        answered.append(f"{response.status_code} {response.location}")

    threads = [threading.Thread(target=send, args=(c,)) for c in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert _made(demo_session, Incident) == before + 1
    assert answered == [f"302 {path.removesuffix('/incidents/new')}#incidents"] * 2
    assert any(
        ALREADY_SAVED in c.get(path.removesuffix("/incidents/new")).get_data(as_text=True)
        for c in clients
    )
