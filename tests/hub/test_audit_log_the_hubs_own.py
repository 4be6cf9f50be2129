"""The hub's own entries on the DPO's audit log: what no agency's user did (a command run
on the command line, the hub answering someone not signed in) and that names no record is
read by every DPO, labelled "Command line" or "System" where a user would be named, and
found with the agency filter's "The hub itself"; what no agency did to an agency's record
(an account's password reset on the command line) is that agency's alone. Deny by default:
no DPO reads another agency's entries this way. On SQLite and PostgreSQL, whose queries
for the log differ."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, User
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_HASHING
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_client, demo_user

AGENCIES = ("larkmoor-ha", "northshire-police", "northshire-csp")
#: The agency filter's choice of the hub's own entries, in the log's address.
THE_HUB = "agency=hub"
NEW_PASSWORD = "Kestrel-lantern-copper-41"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def app(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The demo hub, on SQLite or PostgreSQL, with ``hub`` commands run on its database."""
    found: Flask = request.getfixturevalue(
        "demo_hub" if request.param == "sqlite" else "hub_on_postgres"
    )
    url = found.extensions["hub.engine"].url.render_as_string(hide_password=False)
    monkeypatch.setenv("HUB_DATABASE_URL", url)
    monkeypatch.setenv("HUB_INSTANCE_PATH", found.instance_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.delenv("HUB_ENVIRONMENT", raising=False)
    for name, value in TEST_HASHING.items():
        monkeypatch.setenv(f"HUB_{name.upper()}", str(value))
    return found


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    with app.extensions["hub.sessions"]() as opened:
        yield opened


def _last_seq(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.max(AuditEntry.seq))) or -1


def _since(session: Session, seq: int) -> list[AuditEntry]:
    session.expire_all()
    return list(session.scalars(select(AuditEntry).where(AuditEntry.seq > seq)))


def _log(app: Flask, session: Session, agency: str, query: str = "") -> str:
    dpo = demo_client(app, demo_user(session, agency, Role.DPO))
    page = dpo.get(f"/audit?{query}")
    assert page.status_code == 200
    return html.unescape(page.get_data(as_text=True))


def _rows(page: str) -> dict[int, str]:
    """The entries a log page shows, each number with its row's text."""
    return {
        int(m["seq"]): re.sub(r"<[^>]+>", " ", m["row"])
        for m in re.finditer(
            r'<tr class="govuk-table__row">\s*<td class="govuk-table__cell">(?P<seq>\d+)</td>'
            r"(?P<row>.*?)</tr>",
            page,
            re.DOTALL,
        )
    }


def _words(text: str) -> str:
    return " ".join(text.split())


def test_the_hubs_own_entries_are_on_every_dpos_log_saying_where_they_came_from(
    app: Flask, session: Session
) -> None:
    before = _last_seq(session)
    assert hub("--bogus").exit_code == 2
    refused = app.test_client().post(
        "/api/v1/token",
        data={"grant_type": "client_credentials"},
        auth=("nobody", "not-a-secret"),
    )
    assert refused.status_code == 401
    found = sorted(_since(session, before), key=lambda e: e.seq)
    command, token = found
    assert (command.action, command.actor_agency_id, command.request_id) == (
        "hub.command",
        None,
        None,
    )
    assert (token.action, token.actor_agency_id) == ("api.token", None)
    assert token.request_id is not None

    for agency in AGENCIES:
        for query in ("", THE_HUB):
            shown = _rows(_log(app, session, agency, query))
            assert command.seq in shown, (agency, query)
            assert token.seq in shown, (agency, query)
            said = _words(shown[command.seq])
            assert " Command line Ran a command" in said
            assert "hub: refused before it ran: an option it does not have" in said
            assert " System Issued an API access token Refused" in _words(shown[token.seq])


def test_the_hub_itself_shows_only_what_no_agencys_user_did(app: Flask, session: Session) -> None:
    officer = demo_user(session, "larkmoor-ha", Role.CASE_OFFICER)
    assert demo_client(app, officer).get("/cases").status_code == 200
    assert hub("--bogus").exit_code == 2

    shown = _rows(_log(app, session, "larkmoor-ha", THE_HUB))

    assert shown
    entries = session.scalars(select(AuditEntry).where(AuditEntry.seq.in_(shown))).all()
    assert {e.actor_user_id for e in entries} == {None}
    # The hub's own, and the command line's on the agency's records (its accounts made).
    assert {e.actor_agency_id for e in entries} == {None, officer.agency_id}
    for text in shown.values():
        assert re.search(r"\b(Command line|System)\b", text)


def test_a_command_on_an_agencys_account_is_that_agencys_alone(
    app: Flask, session: Session
) -> None:
    police_officer = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    before = _last_seq(session)

    result = hub("users", "reset-password", police_officer.email, input=f"{NEW_PASSWORD}\n")

    assert result.exit_code == 0, result.output
    [reset] = [e for e in _since(session, before) if e.action == "password.reset"]
    assert (reset.actor_user_id, reset.actor_agency_id) == (None, None)
    assert (reset.object_type, reset.object_id) == ("user", str(police_officer.id))
    for query in ("", THE_HUB):
        police = _rows(_log(app, session, "northshire-police", query))
        assert reset.seq in police, query
        said = _words(police[reset.seq])
        assert " Command line Password reset " in said
        assert police_officer.display_name in said  # whose account, as for any account
        for agency in ("larkmoor-ha", "northshire-csp"):
            assert reset.seq not in _rows(_log(app, session, agency, query)), (agency, query)


def test_the_hub_itself_holds_an_account_changed_on_the_command_line_for_its_agency_alone(
    app: Flask, session: Session
) -> None:
    """A DPO choosing "The hub itself" to see what was done on the command line finds
    their own staff's roles changed there, as its "Who" says "Command line"."""
    police_officer = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    before = _last_seq(session)

    result = hub(
        "users", "set-roles", police_officer.email, "--role", "case_officer", "--role", "manager"
    )

    assert result.exit_code == 0, result.output
    [changed] = [e for e in _since(session, before) if e.action == "account.roles"]
    assert (changed.actor_user_id, changed.actor_agency_id) == (None, police_officer.agency_id)
    police = _rows(_log(app, session, "northshire-police", THE_HUB))
    assert changed.seq in police
    assert " Command line Changed an account's roles or team " in _words(police[changed.seq])
    for agency in ("larkmoor-ha", "northshire-csp"):
        for query in ("", THE_HUB):
            assert changed.seq not in _rows(_log(app, session, agency, query)), (agency, query)


def test_another_agencys_acts_are_never_among_the_hubs_own(app: Flask, session: Session) -> None:
    police = demo_user(session, "northshire-police", Role.CASE_OFFICER)
    before = _last_seq(session)
    assert demo_client(app, police).get("/search").status_code == 200
    assert demo_client(app, police).get("/cases/999999").status_code == 404
    seen = _since(session, before)
    assert seen
    assert {e.actor_agency_id for e in seen} == {police.agency_id}

    for query in ("", THE_HUB):
        shown = _rows(_log(app, session, "larkmoor-ha", query))
        assert not {e.seq for e in seen} & set(shown), query
    assert {e.seq for e in seen} <= set(_rows(_log(app, session, "northshire-police")))
    assert not {e.seq for e in seen} & set(_rows(_log(app, session, "northshire-police", THE_HUB)))


def test_the_search_of_the_hubs_own_is_recorded_naming_the_filter(
    app: Flask, session: Session
) -> None:
    _log(app, session, "larkmoor-ha", THE_HUB)

    session.expire_all()
    search = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "audit.search")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert search is not None
    assert search.basis.startswith("by the hub itself: ")
    assert session.get(User, search.actor_user_id).agency.code == "larkmoor-ha"
