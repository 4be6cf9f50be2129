"""Notices by e-mail, sent to a real SMTP server on localhost (aiosmtpd): convening a
conference tells the people expected and the chair, and asks each agency invited what it
holds; agreed minutes reach the attendees; actions falling due reach their owners. No
message holds personal data: what it is about, the case reference and a link. A mail
server that is down never breaks a page, and what it missed goes later."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import select

from hub.cli import main
from hub.config import ConfigError, load_settings
from sharing import accounts, clock, notices
from sharing.crypto.sealing import unseal
from sharing.models import Conference, Notice, User
from sharing.vocabulary import Attendance, NoticeKind, Role
from tests.fixtures.app import csrf_token, make_app
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.fixtures.smtp import free_port, smtp_server  # noqa: F401 - a fixture
from tests.hub.test_conferences import QUESTION, _form, _open_case

BASE_URL = "https://asb-hub.northshire.example"


@pytest.fixture(scope="module")
def mail_hub(demo_files: Path, tmp_path_factory, smtp_server) -> Iterator[Flask]:  # noqa: F811
    _, port = smtp_server
    app = demo_copy(
        demo_files,
        tmp_path_factory.mktemp("mail"),
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url=BASE_URL,
        mail_from="asb-hub@northshire.example",
    )
    yield app
    app.extensions["hub.engine"].dispose()


def _hub(app: Flask, *args: str) -> Result:
    """``hub ARGS`` run in-process against ``app``."""
    return CliRunner().invoke(main, list(args), obj=ScriptInfo(create_app=lambda: app))


def _convene(app: Flask, session, **overrides) -> Conference:
    case = _open_case(session)
    officer = demo_client(app, session.get(User, case.officer_id))
    data = _form(officer, session, case, **overrides)
    response = officer.post(f"/cases/{case.id}/conferences/new", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    response.close()  # as a server does once the response has gone
    session.expire_all()
    return session.scalar(select(Conference).order_by(Conference.id.desc()))


def _personal_values(conference: Conference) -> list[str]:
    values = [
        QUESTION,
        unseal(conference.case, "summary") or "",
        unseal(conference.case, "address") or "",
    ]
    for party in conference.case.parties:
        for column in ("given_names", "family_name", "phone", "email"):
            values.append(unseal(party.person, column) or "")
    return [v for v in values if len(v) >= 6]


def test_convening_invites_the_people_expected_and_asks_each_agency(
    mail_hub,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
        before = len(inbox.messages)
        conference = _convene(mail_hub, session, attendees=[str(pcso.id)])
        chair = conference.chair
        adults_managers = [
            u
            for u in session.scalars(select(User))
            if u.agency.code == "northshire-adults" and Role.MANAGER in u.roles
        ]
        expected = 1 + 1 + 1 + len(adults_managers)  # pcso: invitation and request; chair
        received = inbox.wait_for(before + expected)[before:]
        link = f"{BASE_URL}/conferences/{conference.id}"
        invitation = next(m for m in inbox.to(pcso.email) if "invited" in m["Subject"])
        assert invitation["Subject"] == (
            f"You are invited to a case conference: case {conference.case.reference}"
        )
        assert invitation["From"] == "asb-hub@northshire.example"
        assert link in invitation.get_content()
        request = next(m for m in inbox.to(pcso.email) if "asks what" in m["Subject"])
        assert f"{link}/requests/" in request.get_content()
        assert inbox.to(chair.email)
        for manager in adults_managers:
            assert any("asks what" in m["Subject"] for m in inbox.to(manager.email))
        convenor = session.get(User, conference.convened_by_id)
        assert not [m for m in received if m["To"] == convenor.email]
        for message in received:
            text = message.as_string()
            for value in _personal_values(conference):
                assert value not in text, f"{message['Subject']} holds personal data"
        session.expire_all()
        waiting = session.scalars(
            select(Notice).where(Notice.path.startswith(link), Notice.sent_at.is_(None))
        ).all()
        assert waiting == []


def test_agreed_minutes_reach_every_attendee(mail_hub, smtp_server) -> None:  # noqa: F811
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        pcso = demo_user(session, "northshire-police", Role.CASE_OFFICER)
        conference = _convene(mail_hub, session, attendees=[str(pcso.id)])
        conference.starts_at = clock.now() - timedelta(hours=1)
        session.commit()
        officer = demo_client(mail_hub, session.get(User, conference.convened_by_id))
        chair = demo_client(mail_hub, conference.chair)
        base = f"/conferences/{conference.id}"
        token = csrf_token(officer, "/")
        attendee = conference.attendees[0]
        for path, data in (
            (f"{base}/attendance", {f"attendance_{attendee.id}": Attendance.PRESENT.value}),
            (f"{base}/minutes/new", {"heading": "1. Incidents", "discussion": "Discussed"}),
            (f"{base}/minutes/circulate", {}),
        ):
            officer.post(path, data={"csrf_token": token, **data}).close()
        before = len(inbox.messages)
        chair.post(f"{base}/minutes/agree", data={"csrf_token": csrf_token(chair, "/")}).close()
        received = inbox.wait_for(before + 2)[before:]
        agreed = [m for m in received if m["Subject"].startswith("Case conference minutes agreed")]
        assert {m["To"] for m in agreed} == {
            pcso.email,
            session.get(User, conference.convened_by_id).email,
        }
        assert any("minutes" in m["Subject"] for m in inbox.to(pcso.email))


def test_owners_of_actions_falling_due_are_told_once(mail_hub, smtp_server) -> None:  # noqa: F811
    inbox, _ = smtp_server
    before = len(inbox.messages)
    first = _hub(mail_hub, "notices", "due", "--days", "3")
    assert first.exit_code == 0, first.output
    assert "Queued" in first.output
    queued = int(first.output.split("Queued ")[1].split()[0])
    assert queued > 0
    received = inbox.wait_for(before + queued)[before:]
    assert all(m["Subject"].startswith("An action falls due: case ") for m in received)
    assert all(f"{BASE_URL}/actions#action-" in m.get_content() for m in received)
    again = _hub(mail_hub, "notices", "due", "--days", "3")
    assert "Queued 0 notices" in again.output


def test_a_mail_server_that_is_down_never_breaks_a_page(
    demo_files: Path,
    tmp_path_factory,
    smtp_server,  # noqa: F811
) -> None:
    inbox, port = smtp_server
    folder = tmp_path_factory.mktemp("down")
    mail = {"mail_transport": "smtp", "smtp_host": "127.0.0.1", "base_url": BASE_URL}
    app = demo_copy(demo_files, folder, smtp_port=free_port(), **mail)  # nothing listens
    with app.extensions["hub.sessions"]() as session:
        conference = _convene(app, session)  # the page answers as ever
        session.expire_all()
        waiting = session.scalars(
            select(Notice).where(Notice.path.startswith(f"/conferences/{conference.id}"))
        ).all()
        assert waiting
        assert all(n.sent_at is None for n in waiting)
        assert {n.failed_why for n in waiting if n.attempts} == {"ConnectionRefusedError"}
    app.extensions["hub.engine"].dispose()
    # The mail server is back: `hub notices send` sends what waited.
    back = make_app(folder, smtp_port=port, **mail)
    before = len(inbox.messages)
    result = _hub(back, "notices", "send")
    assert result.exit_code == 0, result.output
    assert f"Sent {len(waiting)} notices; 0 failed" in result.output
    assert len(inbox.wait_for(before + len(waiting))) - before == len(waiting)
    back.extensions["hub.engine"].dispose()


def test_the_demo_writes_notices_to_files_only_its_owner_reads(demo_hub, demo_session) -> None:
    conference = _convene(demo_hub, demo_session)
    case = conference.case
    settings = demo_hub.config["HUB_SETTINGS"]
    files = sorted(settings.mail.folder.glob("notice-*.eml"))
    assert files
    for path in files:
        assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    text = "\n".join(p.read_text() for p in files)
    assert f"/conferences/{conference.id}" in text
    assert case.reference in text


@pytest.mark.parametrize(
    ("setting", "value", "message"),
    [
        ("mail_transport", "pigeon", "mail_transport must be one of smtp, file, log, none"),
        ("base_url", "ftp://hub", "base_url must start with https:// (or http:// in development)"),
        ("mail_from", "not an address", "mail_from must be an e-mail address"),
        ("smtp_port", "99999", "smtp_port must be between 1 and 65535"),
        ("smtp_starttls", "perhaps", "smtp_starttls must be true or false"),
    ],
)
def test_mail_settings_that_cannot_work_are_refused_in_one_line(setting, value, message) -> None:
    with pytest.raises(ConfigError) as refused:
        load_settings({f"HUB_{setting.upper()}": value})
    assert str(refused.value) == message


def test_a_notice_waiting_for_someone_disabled_since_is_dropped_unsent(
    mail_hub,
    smtp_server,  # noqa: F811
) -> None:
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        leaver = demo_user(session, "northshire-police", Role.CASE_OFFICER)
        stays = demo_user(session, "northshire-police", Role.MANAGER)
        path = "/actions#action-leaver"
        notices.queue(
            session, NoticeKind.ACTION_DUE, [leaver, stays], reference="NH-2026-00001", path=path
        )
        session.commit()
        accounts.set_active(session, leaver, False)  # they left before it went
        session.commit()
        before, leaver_had = len(inbox.messages), len(inbox.to(leaver.email))
        result = _hub(mail_hub, "notices", "send")
        assert result.exit_code == 0, result.output
        inbox.wait_for(before + 1)
        assert [m["Subject"] for m in inbox.to(stays.email)][-1].endswith("case NH-2026-00001")
        assert len(inbox.to(leaver.email)) == leaver_had
        session.expire_all()
        waiting = session.scalars(select(Notice).where(Notice.path == path)).all()
        assert [n.user_id for n in waiting] == [stays.id]
