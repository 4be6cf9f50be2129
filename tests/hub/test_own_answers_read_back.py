"""An agency reads back the whole of its own answer to a conference's information request
(demo partnership): the police wrote the vulnerability they know of, adult safeguarding the
offending, though the conference's protocol gives neither of them that category of the
case. The other agencies at the table still read each answer only as their clauses allow,
and the page's audit entry names the answers read whole by id, never their words."""

from __future__ import annotations

import html

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import OWN_ANSWER
from sharing.models import AuditEntry, Conference, User
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conferences import _convened

POLICE_VULNERABILITY = "Welfare checks twice this year: lives alone, hard of hearing"
POLICE_OFFENDING = "Reported person cautioned for criminal damage in 2024"
ADULTS_VULNERABILITY = "Has a care package, four calls a day"
ADULTS_OFFENDING = "Our client says her son was convicted of assault last year"
WHY = f"Why you can see all of it: {OWN_ANSWER}."


def _answer(client: FlaskClient, conference: Conference, code: str, **parts: str) -> None:
    request = next(r for r in conference.requests if r.agency.code == code)
    path = f"/conferences/{conference.id}/requests/{request.id}"
    sent = client.post(path, data={"csrf_token": csrf_token(client, path), "known": "yes", **parts})
    assert sent.status_code == 302, sent.get_data(as_text=True)


def _answered(app: Flask, session: Session) -> tuple[Conference, FlaskClient, dict[str, object]]:
    """A conference the police and adult safeguarding have each answered, with a part
    their clauses do not give them: the conference, its convenor and the agencies'
    clients by code."""
    conference, officer = _convened(app, session)
    police = demo_client(app, demo_user(session, "northshire-police", Role.CASE_OFFICER))
    adults = demo_client(app, demo_user(session, "northshire-adults", Role.PARTNER_VIEWER))
    _answer(
        police,
        conference,
        "northshire-police",
        vulnerability_note=POLICE_VULNERABILITY,
        offending_note=POLICE_OFFENDING,
    )
    _answer(
        adults,
        conference,
        "northshire-adults",
        vulnerability_note=ADULTS_VULNERABILITY,
        offending_note=ADULTS_OFFENDING,
    )
    return conference, officer, {"northshire-police": police, "northshire-adults": adults}


def _text(client: FlaskClient, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def _answer_of(page: str, agency: str) -> str:
    """The part of a conference page (or pack) under one agency's answer."""
    held = page.partition("What each agency holds")[2]
    return held.partition(f">{agency}</h3>")[2].partition("</h3>")[0]


def test_an_agency_reads_back_the_parts_of_its_own_answer_its_clauses_do_not_give_it(
    demo_hub, demo_session
) -> None:
    conference, _, clients = _answered(demo_hub, demo_session)
    police, adults = clients["northshire-police"], clients["northshire-adults"]
    for path in (f"/conferences/{conference.id}", f"/conferences/{conference.id}/pack"):
        police_page = _text(police, path)
        own = _answer_of(police_page, "Northshire Police")
        assert POLICE_VULNERABILITY in own  # no clause gives the police vulnerability
        assert POLICE_OFFENDING in own
        assert WHY in own
        other = _answer_of(police_page, "Northshire Adult Safeguarding")
        assert ADULTS_VULNERABILITY not in police_page  # another agency's: by the clauses
        assert ADULTS_OFFENDING in other  # clause 5.4 gives the police offending
        assert WHY not in other

        adults_page = _text(adults, path)
        own = _answer_of(adults_page, "Northshire Adult Safeguarding")
        assert ADULTS_OFFENDING in own  # no clause gives adult safeguarding offending
        assert ADULTS_VULNERABILITY in own
        assert WHY in own
        assert POLICE_OFFENDING not in adults_page
        assert POLICE_VULNERABILITY in adults_page  # clause 5.2 gives them vulnerability
        assert adults_page.count(WHY) == 1


def test_everyone_of_the_answering_agency_at_the_table_reads_it_whole_and_no_one_else(
    demo_hub, demo_session
) -> None:
    """A police manager (who did not write it) reads the police answer whole; a case
    officer of an agency not invited is told the conference does not exist."""
    conference, officer, _ = _answered(demo_hub, demo_session)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))
    page = _text(manager, f"/conferences/{conference.id}")
    assert POLICE_VULNERABILITY in _answer_of(page, "Northshire Police")
    assert ADULTS_VULNERABILITY not in page
    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    assert eh.get(f"/conferences/{conference.id}").status_code == 404
    convenor = _text(officer, f"/conferences/{conference.id}")  # the case's own agency
    assert POLICE_VULNERABILITY in convenor
    assert ADULTS_OFFENDING in convenor
    assert WHY not in convenor


def test_the_audit_entry_names_the_answers_read_whole_by_id_and_never_their_words(
    demo_hub, demo_session
) -> None:
    conference, officer, clients = _answered(demo_hub, demo_session)
    by_code = {r.agency.code: r.id for r in conference.requests}
    for client in clients.values():
        assert client.get(f"/conferences/{conference.id}").status_code == 200
        assert client.get(f"/conferences/{conference.id}/pack").status_code == 200
    assert officer.get(f"/conferences/{conference.id}").status_code == 200

    demo_session.expire_all()
    entries = demo_session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action.in_(("conference.view", "conference.pack")),
            AuditEntry.object_id == str(conference.id),
        )
        .order_by(AuditEntry.seq)
    ).all()
    first = {}
    for entry in entries:
        first.setdefault((entry.actor_user_id, entry.action), entry.basis or "")
    whole = f"(narrative,risk,vulnerability,offending,actions: {OWN_ANSWER})"
    for code in clients:
        reader = _reader(demo_session, code)
        for action in ("conference.view", "conference.pack"):
            basis = first[(reader.id, action)]
            assert f"own answers {by_code[code]} {whole}" in basis, basis
    convenor = first[(conference.case.officer_id, "conference.view")]
    assert "own answers none" in convenor
    for entry in entries:
        for words in (POLICE_VULNERABILITY, POLICE_OFFENDING, ADULTS_VULNERABILITY):
            assert words not in (entry.basis or "")
        assert ADULTS_OFFENDING not in (entry.basis or "")


def _reader(session: Session, code: str) -> User:
    role = Role.CASE_OFFICER if code == "northshire-police" else Role.PARTNER_VIEWER
    return demo_user(session, code, role)
