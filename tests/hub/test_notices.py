"""Notices by e-mail, sent to a real SMTP server on localhost (aiosmtpd): convening a
conference tells the people expected and the chair, and asks each agency invited what it
holds; agreed minutes reach the attendees; actions falling due reach their owners. No
message holds personal data: what it is about, the case reference and a link. A mail
server that is down never breaks a page, and what it missed goes later."""

from __future__ import annotations

import asyncio
import os
import stat
import threading
from datetime import datetime, time, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from flask import Flask
from flask.cli import ScriptInfo
from sqlalchemy import Engine, delete, select

from hub import notices as hub_notices
from hub.cli import main
from hub.config import load_settings
from hub.notice_messages import ABOUT_A_SITTING, NAMING_NO_CASE, compose
from hub.notices import Delivery, deliver_pending
from hub.settings import ConfigError
from hub.templating import uk_datetime
from sharing import agency_accounts, case_notices, clock, mail_delivery, notices
from sharing.access.decide import Actor
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealing import unseal
from sharing.models import (
    Action,
    Agency,
    Case,
    Conference,
    LockMember,
    MeetingSitting,
    Notice,
    Referral,
    TriggerApplication,
    TriggerLetter,
    User,
)
from sharing.trigger import applications, retention, review_recommendations
from sharing.trigger.input_checks import ApplicationInput
from sharing.vocabulary import ActionKind, Attendance, CaseStatus, NoticeKind, Role
from tests.fixtures.app import csrf_token, make_app
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.fixtures.demo_mail import BASE_URL, mail_hub  # noqa: F401 - a fixture
from tests.fixtures.smtp import (  # noqa: F401 - a fixture
    Inbox,
    Refusing,
    free_port,
    login_with,
    mail_server,
    smtp_server,
)
from tests.hub.test_conferences import QUESTION, _form, _open_case
from tests.hub.test_safeguarding_referral import _case as referral_case
from tests.hub.test_safeguarding_referral import _refer as refer_on


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
    mail_hub,  # noqa: F811
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


def test_no_action_due_notice_names_a_locked_case_outside_its_lock_or_an_erased_case(
    demo_session,
) -> None:
    session = demo_session
    landlord = session.scalar(select(Agency).where(Agency.code == "larkmoor-ha"))
    cases = session.scalars(
        select(Case)
        .where(
            Case.agency_id == landlord.id,
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    ).all()
    locked, erased, plain = cases[:3]
    police_manager = demo_user(session, "northshire-police", Role.MANAGER)
    # A police action due in 3 days on each case, and one named to the officer in the lock.
    locked.locked = True
    session.add(
        LockMember(case_id=locked.id, user_id=locked.officer_id, named_by_id=locked.officer_id)
    )
    erased.erased_at = clock.now()
    actions = {}
    for case, owner in ((locked, None), (erased, None), (plain, None), (locked, locked.officer)):
        action = Action(
            case=case,
            kind=ActionKind.WARNING_LETTER,
            owner_agency_id=owner.agency_id if owner else police_manager.agency_id,
            owner_user=owner,
            due_on=clock.today() + timedelta(days=3),
            created_by_id=case.officer_id,
        )
        session.add(action)
        session.flush()
        actions[(case.id, owner is not None)] = action
    case_notices.actions_due(session, within_days=3)
    session.flush()

    def told(action: Action) -> set[int]:
        path = f"/actions#action-{action.id}"
        return set(session.scalars(select(Notice.user_id).where(Notice.path == path)))

    assert police_manager.id in told(actions[(plain.id, False)])
    assert told(actions[(locked.id, False)]) == set()  # the police are outside the lock
    assert told(actions[(erased.id, False)]) == set()
    assert told(actions[(locked.id, True)]) == {locked.officer_id}  # in the lock
    session.rollback()


def test_an_action_named_to_someone_who_has_left_is_told_to_their_agencys_managers(
    demo_session,
) -> None:
    session = demo_session
    landlord = session.scalar(select(Agency).where(Agency.code == "larkmoor-ha"))
    plain, locked = session.scalars(
        select(Case)
        .where(
            Case.agency_id == landlord.id,
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    ).all()[:2]
    leaver = session.get(User, plain.officer_id)
    managers = {u.id for u in notices.managers(session, landlord.id)}
    assert managers
    # A locked case whose lock names its officer alone: the managers are outside it.
    locked.locked = True
    session.add(
        LockMember(case_id=locked.id, user_id=locked.officer_id, named_by_id=locked.officer_id)
    )
    officers = {case.id: session.get(User, case.officer_id) for case in (plain, locked)}
    actions = [
        Action(
            case=case,
            kind=ActionKind.WARNING_LETTER,
            owner_agency_id=landlord.id,
            owner_user=officers[case.id],
            due_on=clock.today() + timedelta(days=1),
            created_by_id=case.officer_id,
        )
        for case in (plain, locked)
    ]
    session.add_all(actions)
    session.flush()
    agency_accounts.set_active(session, leaver, False)  # they left; the action stays theirs
    agency_accounts.set_active(session, session.get(User, locked.officer_id), False)
    case_notices.actions_due(session, within_days=2)
    session.flush()

    def told(action: Action) -> set[int]:
        path = f"/actions#action-{action.id}"
        return set(session.scalars(select(Notice.user_id).where(Notice.path == path)))

    assert told(actions[0]) == managers
    assert told(actions[1]) == set()  # for them the case does not exist
    session.rollback()


#: The notices about a Community Trigger application, naming its reference.
ABOUT_AN_APPLICATION = (
    NoticeKind.RECOMMENDATION,
    NoticeKind.RECOMMENDATION_CANCELLED,
    NoticeKind.TRIGGER_ANSWERED,
    NoticeKind.TRIGGER_ALL_ANSWERED,
)


@pytest.mark.parametrize(
    ("kind", "reference", "names"),
    [
        *[
            (k, "NH-2026-00012", "case")
            for k in NoticeKind
            if k
            not in (
                *ABOUT_AN_APPLICATION,
                *ABOUT_A_SITTING,
                *NAMING_NO_CASE,
            )
        ],
        *[(k, "ASBR-2026-7K3Q", "application") for k in ABOUT_AN_APPLICATION],
    ],
)
def test_each_notice_names_its_reference_as_what_it_is(
    kind, reference, names, demo_hub, demo_session
) -> None:
    """A recommendation of a Community Trigger review, and an agency's answer told to its
    lead, are about an application, whose reference finds nothing among the cases; every
    other notice is about a case."""
    settings = demo_hub.config["HUB_SETTINGS"]
    notice = Notice(
        kind=kind,
        user=demo_user(demo_session, "northshire-police", Role.MANAGER),
        reference=reference,
        path="/somewhere",
        about=clock.now(),
        created_at=clock.now(),
    )
    message = compose(notice, settings.mail, settings.service_name)
    assert message["Subject"] == f"{kind.label}: {names} {reference}"
    text = message.get_content()
    assert f"{names} {reference}" in text
    assert f"the {names} is in the hub only" in text
    other = "case" if names == "application" else "application"
    assert f"{other} {reference}" not in text
    assert f"the {other} is in the hub only" not in text


def test_a_notice_of_an_action_now_on_a_restricted_case_names_no_case(
    demo_hub, demo_session
) -> None:
    """Its reader's agency holds an action on a case since locked, which no longer exists
    for them: even a notice holding a reference names none, in its subject or its text."""
    settings = demo_hub.config["HUB_SETTINGS"]
    notice = Notice(
        kind=NoticeKind.ACTION_RESTRICTED,
        user=demo_user(demo_session, "northshire-police", Role.MANAGER),
        reference="NH-2026-00012",
        path="/actions?restricted=7#restricted-7",
        created_at=clock.now(),
    )
    message = compose(notice, settings.mail, settings.service_name)
    assert message["Subject"] == "Your agency's action is now on a restricted case"
    assert "NH-2026-00012" not in message.as_string()
    assert "/actions?restricted=7#restricted-7" in message.get_content()


@pytest.mark.parametrize("kind", sorted(ABOUT_A_SITTING))
def test_a_notice_of_a_sitting_moved_or_cancelled_names_its_time_and_no_case(
    kind, demo_hub, demo_session
) -> None:
    """A sitting moved or cancelled is told to its members, some of whom may open none of
    the cases on its agenda: the notice names the meeting and when it sits (or sat), never
    a case; it points at its sitting, with no case reference."""
    settings = demo_hub.config["HUB_SETTINGS"]
    moment = clock.now() + timedelta(days=3)
    sitting = demo_session.scalars(select(MeetingSitting).order_by(MeetingSitting.id)).first()
    path = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    notice = Notice(
        kind=kind,
        user=demo_user(demo_session, "northshire-police", Role.MANAGER),
        sitting=sitting,
        path=path,
        about=moment,
        created_at=clock.now(),
    )
    assert notice.reference is None
    message = compose(notice, settings.mail, settings.service_name)
    assert message["Subject"] == f"{kind.label}: {sitting.series.name}"
    text = message.get_content()
    assert f"A sitting of {sitting.series.name}, a partnership meeting" in text
    assert f"on {uk_datetime(moment)}" in text
    assert "the sitting is in the hub only" in text
    assert "case " not in text.replace("case conferences", "")
    assert path in text


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
        assert {n.failed_why for n in waiting if n.failed_why} == {"ConnectionRefusedError"}
        assert {n.attempts for n in waiting} == {0}  # not the notices' fault
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
    mail_hub,  # noqa: F811
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
        agency_accounts.set_active(session, leaver, False)  # they left before it went
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


def _outage_hub(demo_files: Path, folder: Path, port: int, **settings: object) -> Flask:
    """A demo hub whose mail server is on ``port``, with one notice waiting for each of
    the police's case officer, manager and analyst; the hub and their addresses."""
    app = demo_copy(
        demo_files,
        folder,
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url=BASE_URL,
        **settings,
    )
    with app.extensions["hub.sessions"]() as session:
        people = [
            demo_user(session, "northshire-police", role)
            for role in (Role.CASE_OFFICER, Role.MANAGER, Role.ANALYST)
        ]
        notices.queue(
            session, NoticeKind.INVITATION, people, reference="NH-2026-00002", path="/outage"
        )
        session.commit()
    return app


def _waiting(app: Flask) -> list[Notice]:
    with app.extensions["hub.sessions"]() as session:
        return list(session.scalars(select(Notice).where(Notice.path == "/outage")))


def test_notices_wait_out_a_mail_server_outage_however_many_runs_it_lasts(
    demo_files: Path, tmp_path_factory
) -> None:
    port = free_port()
    app = _outage_hub(demo_files, tmp_path_factory.mktemp("outage"), port)
    for _ in range(mail_delivery.MAX_ATTEMPTS + 2):  # the timer runs on while the server is down
        result = _hub(app, "notices", "send")
        assert result.exit_code == 1
        assert "The mail server could not be used (ConnectionRefusedError)" in result.output
        assert "the notices and letters waiting are tried again next time" in result.output
    assert [n.attempts for n in _waiting(app)] == [0, 0, 0]
    with mail_server(Inbox(), port) as inbox:  # it is back
        result = _hub(app, "notices", "send")
        assert result.exit_code == 0, result.output
        assert "Sent 3 notices; 0 failed" in result.output
        assert len(inbox.wait_for(3)) == 3
    assert all(n.sent_at for n in _waiting(app))
    app.extensions["hub.engine"].dispose()


def test_notices_wait_while_the_mail_server_refuses_the_hubs_login(
    demo_files: Path, tmp_path_factory
) -> None:
    port, folder = free_port(), tmp_path_factory.mktemp("login")
    secret = folder / "smtp-password"
    secret.write_text("an old password\n")
    app = _outage_hub(demo_files, folder, port, smtp_username="hub", smtp_password_file=str(secret))
    server = {"authenticator": login_with("the new password"), "auth_require_tls": False}
    with mail_server(Inbox(), port, **server) as inbox:
        for _ in range(mail_delivery.MAX_ATTEMPTS + 1):
            result = _hub(app, "notices", "send")
            assert result.exit_code == 1
            assert "could not be used (SMTPAuthenticationError)" in result.output
        assert [n.attempts for n in _waiting(app)] == [0, 0, 0]
        assert inbox.messages == []
        secret.write_text("the new password\n")  # the operator puts the right one in
        result = _hub(app, "notices", "send")
        assert "Sent 3 notices; 0 failed" in result.output
        assert len(inbox.wait_for(3)) == 3
    app.extensions["hub.engine"].dispose()


def test_a_notice_the_mail_server_refuses_for_good_is_given_up_and_named(
    demo_files: Path, tmp_path_factory
) -> None:
    port = free_port()
    app = _outage_hub(demo_files, tmp_path_factory.mktemp("refused"), port)
    with app.extensions["hub.sessions"]() as session:
        manager = demo_user(session, "northshire-police", Role.MANAGER)
        address = manager.email
    with mail_server(Refusing(address), port) as inbox:
        for run in range(1, mail_delivery.MAX_ATTEMPTS + 1):
            result = _hub(app, "notices", "send")
            assert result.exit_code == 1
            assert f"Sent {2 if run == 1 else 0} notices; 1 failed" in result.output
        (refused,) = [n for n in _waiting(app) if n.sent_at is None]
        assert refused.attempts == mail_delivery.MAX_ATTEMPTS
        assert refused.failed_why == "SMTPRecipientsRefused"
        assert (
            f"Given up on notice-{refused.id:08d} (user {manager.id}, case NH-2026-00002) "
            f"after {mail_delivery.MAX_ATTEMPTS} refusals (SMTPRecipientsRefused)"
        ) in result.output
        assert address not in result.output
        again = _hub(app, "notices", "send")
        assert again.exit_code == 0, again.output
        assert "Sent 0 notices; 0 failed" in again.output
        assert len(inbox.messages) == 2
    app.extensions["hub.engine"].dispose()


class _Slow(Inbox):
    """An inbox whose server takes a moment to accept each message, as a real one does:
    long enough for a second delivery to start while the first is still sending."""

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:  # noqa: N802 - aiosmtpd's hook name
        await asyncio.sleep(0.2)
        return await super().handle_DATA(server, session, envelope)


def test_two_deliveries_at_the_same_moment_send_each_notice_and_letter_once(
    demo_database: tuple[Engine, LocalKeyring], tmp_path: Path
) -> None:
    """As when two pages each queue notices under gunicorn, or a page's delivery meets
    the `hub notices send` timer: each message arrives once, on SQLite and PostgreSQL."""
    engine, _ = demo_database
    port = free_port()
    app = make_app(
        tmp_path,
        engine.url.render_as_string(hide_password=False),
        key_store=str(tmp_path / "keyring.json"),
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url=BASE_URL,
    )
    sessions = app.extensions["hub.sessions"]
    procedure = app.extensions["hub.trigger_procedure"]
    with sessions() as session:
        people = [
            demo_user(session, "northshire-police", role)
            for role in (Role.CASE_OFFICER, Role.MANAGER, Role.ANALYST)
        ]
        notices.queue(
            session, NoticeKind.ACTION_DUE, people, reference="NH-2026-00003", path="/actions"
        )
        applications.submit_online(
            session,
            procedure,
            ApplicationInput(
                received_on=None,
                channel="",
                victim_kind="person",
                victim_family_name="Orme",
                victim_email="j.orme@example.org",
                problem="Loud music every night",
            ),
        )
        session.commit()
        addresses = [p.email for p in people] + ["j.orme@example.org"]
    start = threading.Barrier(2, timeout=60)
    runs: list[Delivery] = []

    def delivery() -> None:
        start.wait()
        runs.append(
            deliver_pending(
                sessions,
                app.config["HUB_SETTINGS"],
                procedure,
                app.extensions["hub.letters"].trigger,
            )
        )

    with mail_server(_Slow(), port) as inbox:
        threads = [threading.Thread(target=delivery) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(runs) == 2, "a delivery failed"
        assert sorted(m["To"] for m in inbox.messages) == sorted(addresses)
    assert sum(run.sent for run in runs) == len(addresses)
    assert [run.failed for run in runs] == [0, 0]
    with sessions() as session:
        waiting = session.scalars(select(Notice).where(Notice.path == "/actions")).all()
        letters = session.scalars(
            select(TriggerLetter).where(TriggerLetter.by_post.is_(False))
        ).all()
        assert [(m.sent_at is not None, m.attempts) for m in [*waiting, *letters]] == [
            (True, 1)
        ] * len(addresses)
    app.extensions["hub.engine"].dispose()


def test_a_delivery_stopped_half_way_leaves_the_notice_it_had_taken_waiting(
    demo_files: Path, tmp_path_factory, monkeypatch
) -> None:
    """As when a server process is killed while the mail server answers: the notice it
    had taken is neither lost nor counted against; another delivery leaves it alone while
    the claim's lease runs (the process might still be sending it), then sends it."""
    port = free_port()
    app = _outage_hub(demo_files, tmp_path_factory.mktemp("stopped"), port)
    settings = app.config["HUB_SETTINGS"]
    procedure, wording = app.extensions["hub.trigger_procedure"], app.extensions["hub.letters"]

    def killed(*_: object) -> None:
        raise SystemExit(1)

    with mail_server(Inbox(), port) as inbox:
        with monkeypatch.context() as stopped:
            stopped.setattr("hub.notices._Transport.send", killed)
            with pytest.raises(SystemExit):
                deliver_pending(
                    app.extensions["hub.sessions"], settings, procedure, wording.trigger
                )
        assert [(n.sent_at, n.attempts) for n in _waiting(app)] == [(None, 0)] * 3
        at_once = deliver_pending(
            app.extensions["hub.sessions"], settings, procedure, wording.trigger
        )
        assert at_once.sent == 2  # the one taken waits for its claim's lease
        with clock.pinned(clock.now() + mail_delivery.CLAIM_LEASE + timedelta(minutes=1)):
            after = deliver_pending(
                app.extensions["hub.sessions"], settings, procedure, wording.trigger
            )
        assert after.sent == 1
        assert len(inbox.wait_for(3)) == 3
    assert all(n.sent_at and n.attempts == 1 for n in _waiting(app))
    app.extensions["hub.engine"].dispose()


def test_while_a_notice_is_sent_the_hub_writes_and_a_notice_dropped_meanwhile_is_passed_by(
    demo_files: Path, tmp_path_factory, monkeypatch
) -> None:
    """The mail server answers slowly; meanwhile a page saves something (on SQLite too, no
    write lock is held while the server answers) and the last notice waiting is dropped
    (its case locked, its account disabled): the delivery passes it by and carries on."""
    port = free_port()
    app = _outage_hub(demo_files, tmp_path_factory.mktemp("meanwhile"), port)
    settings = app.config["HUB_SETTINGS"]
    procedure, wording = app.extensions["hub.trigger_procedure"], app.extensions["hub.letters"]
    last = max(n.id for n in _waiting(app))
    sending = hub_notices._Transport.send
    written: list[str] = []

    def slowly(transport: object, name: str, message: object, to: str) -> None:
        if not written:
            with app.extensions["hub.sessions"]() as page:
                page.execute(delete(Notice).where(Notice.id == last))
                page.commit()
            written.append(name)
        sending(transport, name, message, to)  # type: ignore[arg-type]

    with mail_server(Inbox(), port) as inbox:
        monkeypatch.setattr("hub.notices._Transport.send", slowly)
        delivery = deliver_pending(
            app.extensions["hub.sessions"], settings, procedure, wording.trigger
        )
        assert delivery.sent == 2
        assert delivery.stopped is None
        assert len(inbox.wait_for(2)) == 2
    assert written
    assert [n.id for n in _waiting(app) if n.sent_at] == sorted(
        n.id for n in _waiting(app) if n.id != last
    )
    app.extensions["hub.engine"].dispose()


def test_a_referral_notice_whose_share_has_ended_is_dropped_unsent(
    mail_hub,  # noqa: F811
    smtp_server,  # noqa: F811
) -> None:
    """The safeguarding team is told of a referral only while it may still open the case
    for it: a referral whose share the officer revoked before the notice went is not told
    (its link would lead to "not found"), and the notice is dropped; another referral's
    notice, whose share stands, goes."""
    inbox, _ = smtp_server
    with mail_hub.extensions["hub.sessions"]() as session:
        ended_case = referral_case(session)
        officer = demo_client(mail_hub, session.get(User, ended_case.officer_id))
        assert refer_on(officer, ended_case).status_code == 302  # not closed: not yet sent
        standing_case = referral_case(session)
        other = demo_client(mail_hub, session.get(User, standing_case.officer_id))
        assert refer_on(other, standing_case).status_code == 302
        session.expire_all()
        ended = session.scalar(select(Referral).where(Referral.case_id == ended_case.id))
        revoked = officer.post(
            f"/shares/{ended.share_id}/revoke",
            data={"csrf_token": csrf_token(officer, f"/shares/{ended.share_id}/revoke")},
        )
        assert revoked.status_code == 302, revoked.get_data(as_text=True)
        lead = demo_user(session, "northshire-adults", Role.PARTNER_VIEWER)
        before, total = len(inbox.to(lead.email)), len(inbox.messages)
        result = _hub(mail_hub, "notices", "send")
        assert result.exit_code == 0, result.output
        inbox.wait_for(total + 2)  # the standing referral's: the team's lead and manager
        subjects = [m["Subject"] for m in inbox.to(lead.email)[before:]]
        assert any(s.endswith(f"case {standing_case.reference}") for s in subjects), subjects
        assert not any(s.endswith(f"case {ended_case.reference}") for s in subjects), subjects
        session.expire_all()
        assert (
            session.scalars(
                select(Notice).where(
                    Notice.kind == NoticeKind.SAFEGUARDING_REFERRAL,
                    Notice.reference == ended_case.reference,
                    Notice.sent_at.is_(None),
                )
            ).all()
            == []
        )


def _waiting_about(session, application: TriggerApplication) -> list[Notice]:
    """The notices still waiting about the application: its recommendations', those
    telling its lead of agencies' answers, and those asking agencies about its counted
    complaints."""
    return [
        n
        for n in session.scalars(select(Notice).where(Notice.sent_at.is_(None)))
        if (n.kind in ABOUT_AN_APPLICATION and n.reference == application.reference)
        or n.path.endswith(f"#trigger-{application.id}")
    ]


@pytest.mark.parametrize("erased_by", ["an erasure request", "the retention sweep"])
def test_notices_waiting_about_an_erased_trigger_application_are_never_sent(
    demo_files: Path, tmp_path: Path, erased_by: str
) -> None:
    """Notices about a Community Trigger application still waiting when it is erased (the
    mail server was down): those telling agencies of its recommendations, which name its
    reference and link to them, those telling its lead of an agency's answer, and those that
    asked agencies about its complaints, are given up with its letters, whether a manager erases it or its retention ends. Once the
    mail server is back, nothing about it is sent, and other notices go as before. Before,
    they were sent after it was erased."""
    port = free_port()  # the mail server is down until the end
    app = demo_copy(
        demo_files,
        tmp_path,
        mail_transport="smtp",
        smtp_host="127.0.0.1",
        smtp_port=port,
        base_url=BASE_URL,
        mail_from="asb-hub@northshire.example",
    )
    try:
        with app.extensions["hub.sessions"]() as session:
            # The demo's application whose appeal was decided: concluded, with recommendations.
            application = next(
                a
                for a in session.scalars(
                    select(TriggerApplication).where(
                        TriggerApplication.appeal_decision.is_not(None)
                    )
                )
                if a.recommendations
            )
            reference, application_id = application.reference, application.id
            about = session.scalars(
                select(Notice).where(
                    (Notice.reference == reference)
                    | Notice.path.endswith(f"#trigger-{application_id}")
                )
            ).all()
            assert {n.kind for n in about} == {
                NoticeKind.RECOMMENDATION,
                NoticeKind.TRIGGER_REVIEW,
            }
            for notice in about:  # as if the mail server had been down since
                notice.sent_at = None
            # An agency's answer told to the lead, waiting too.
            lead = demo_user(session, "northshire-csp", Role.TRIGGER_LEAD)
            answered = notices.queue(
                session,
                NoticeKind.TRIGGER_ANSWERED,
                [lead],
                reference=reference,
                path=f"/trigger/{application_id}#asked-{application.requests[0].id}",
            )
            assert answered == 1
            police = demo_user(session, "northshire-police", Role.MANAGER)
            other = notices.queue(
                session, NoticeKind.ACTION_DUE, [police], reference="NH-2026-00003", path="/actions"
            )
            assert other == 1
            for recommendation in application.recommendations:
                if recommendation.completed_on is None:
                    review_recommendations.complete(
                        session,
                        Actor.of(notices.managers(session, recommendation.owner_agency_id)[0]),
                        recommendation.id,
                        "Done as recommended.",
                    )
            session.commit()
            kept_until = retention.kept_until(
                application, app.extensions["hub.trigger_procedure"], clock.today()
            )
            lead_manager = demo_user(session, "northshire-csp", Role.MANAGER)

        if erased_by == "an erasure request":
            manager = demo_client(app, lead_manager)
            path = f"/trigger/{application_id}/erase"
            erased = manager.post(
                path, data={"csrf_token": csrf_token(manager, path), "reference": reference}
            )
            assert erased.status_code == 302, erased.get_data(as_text=True)
        else:
            assert kept_until is not None
            with clock.pinned(datetime.combine(kept_until, time(12), clock.PARTNERSHIP_ZONE)):
                swept = _hub(app, "trigger", "sweep")
            assert swept.exit_code == 0, swept.output
        with app.extensions["hub.sessions"]() as session:
            application = session.get_one(TriggerApplication, application_id)
            assert application.erased_at is not None
            assert _waiting_about(session, application) == []

        with mail_server(Inbox(), port) as inbox:
            sent = _hub(app, "notices", "send")
        assert sent.exit_code == 0, sent.output
        assert [m["To"] for m in inbox.messages if "/actions" in m.get_content()] == [police.email]
        for message in inbox.messages:
            assert reference not in message["Subject"]
            assert reference not in message.get_content()
            assert f"#trigger-{application_id}" not in message.get_content()
    finally:
        app.extensions["hub.engine"].dispose()
