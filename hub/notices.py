"""Sending notices by e-mail: each queued notice (``sharing.notices``) becomes a short
message naming what it is about, the case reference and a link into the hub
(``hub.notice_messages``), sent over SMTP, written to a file (development and the demo)
or logged, as ``mail_transport`` says.

Notices queued by a request are sent once its response has gone (so a slow mail server
never slows a page), in a session of their own; ``hub notices send`` sends any left
waiting. A failure is recorded on the notice by its type alone and tried again next time;
only a refusal of the message itself counts towards giving it up.
"""

from __future__ import annotations

import logging
import os
import smtplib
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.message import EmailMessage

from flask import Flask, Response, g
from sqlalchemy.orm import Session, sessionmaker

from hub.notice_messages import compose, compose_letter, topic
from hub.settings import MailSettings, Settings
from sharing import case_notices, mail_delivery, notices
from sharing.cases.trigger_wording import TriggerWording
from sharing.models import Notice, TriggerLetter
from sharing.trigger import letters as trigger_letters
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 15


class _Transport:
    """Sends messages one way or another; ``smtp`` keeps one connection for a batch."""

    def __init__(self, mail: MailSettings) -> None:
        self.mail = mail
        self.smtp: smtplib.SMTP | None = None

    def ready(self) -> None:
        """Connect to the mail server, if mail goes by SMTP and not yet connected."""
        if self.mail.transport == "smtp":
            self._connected()

    def send(self, name: str, message: EmailMessage, to: str) -> None:
        """Send ``message`` to the address ``to`` and no other (the mail server is told it
        whole, never recipients read back from the message's headers); ``name`` (e.g.
        ``notice-00000012``) names its file or log line."""
        if self.mail.transport == "smtp":
            self._connected().send_message(message, to_addrs=[to])
        elif self.mail.transport == "file":
            self.mail.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
            path = self.mail.folder / f"{name}.eml"
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(descriptor, "wb") as file:
                file.write(bytes(message))
        elif self.mail.transport == "log":
            log.info("mail %s sent", name)

    def _connected(self) -> smtplib.SMTP:
        if self.smtp is None:
            self.smtp = self._connect()
        return self.smtp

    def _connect(self) -> smtplib.SMTP:
        """A connection ready to send: after STARTTLS and the login, if any (closed again
        if either fails)."""
        smtp = smtplib.SMTP(self.mail.smtp_host, self.mail.smtp_port, timeout=SMTP_TIMEOUT_SECONDS)
        try:
            if self.mail.smtp_starttls:
                smtp.starttls()
            if self.mail.smtp_username:
                smtp.login(self.mail.smtp_username, self.mail.password())
        except (OSError, smtplib.SMTPException):
            smtp.close()
            raise
        return smtp

    def close(self) -> None:
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (OSError, smtplib.SMTPException):
                self.smtp.close()


@contextmanager
def _transport(mail: MailSettings) -> Iterator[_Transport]:
    transport = _Transport(mail)
    try:
        yield transport
    finally:
        transport.close()


def send_now(mail: MailSettings, name: str, message: EmailMessage, to: str) -> str | None:
    """Send one message at once, not queued (a link to set a password, whose token the
    hub does not keep); None once sent, else why not, by the failure's type alone (the
    hub set to send no e-mail: ``NoMailTransport``)."""
    if mail.transport == "none":
        return "NoMailTransport"
    try:
        with _transport(mail) as transport:
            transport.send(name, message, to)
    except (OSError, smtplib.SMTPException) as e:
        log.warning("%s not sent: %s", name, type(e).__name__)
        return type(e).__name__
    return None


@dataclass
class Delivery:
    """What a delivery run did: how many went, how many the mail server refused (each
    counted against its mail), the mail given up on in this run after its last refusal
    (named without an address), and why the run stopped early if the server as a whole
    could not be used (the rest wait, nothing counted against them)."""

    sent: int = 0
    failed: int = 0
    given_up: list[str] = field(default_factory=list)
    stopped: str | None = None


def deliver_pending(
    sessions: sessionmaker[Session],
    settings: Settings,
    procedure: Procedure,
    wording: Mapping[str, TriggerWording],
    contact: Mapping[str, str] = trigger_letters.NO_CONTACT,
) -> Delivery:
    """Send every notice waiting, then every letter to a Community Trigger applicant (made
    under ``procedure``, in the letters file's ``wording``, signed with the lead's line of
    its ``contact``). Notices waiting for an account
    disabled since are dropped first, and those of safeguarding referrals their readers
    may no longer open the case for. Each message is taken before it is sent
    (``mail_delivery.claim``, committed at once, so no lock is held while the mail server
    answers) and its result committed as it comes, so two deliveries at the same moment
    (two pages' under several server processes, a page's and ``hub notices send``) never
    both send it, and one that dies half way leaves what it took to the next after the
    claim's lease. A refusal of one message counts against it alone;
    when the server cannot be used at all (not there, our login refused, a temporary
    failure), the run stops and the rest wait, nothing counted against them."""
    delivery = Delivery()
    if settings.mail.transport == "none":
        return delivery
    with sessions() as session, _transport(settings.mail) as transport:
        dropped = mail_delivery.drop_for_disabled(session)
        session.commit()
        if dropped:
            log.info("%d notices to disabled accounts dropped unsent", dropped)
        ended = case_notices.drop_for_ended_referrals(session)
        session.commit()
        if ended:
            log.info("%d notices of referrals no longer open to their readers dropped", ended)
        for notice in mail_delivery.pending(session):
            message = compose(notice, settings.mail, settings.service_name)
            about = "user {}, {} {}".format(notice.user_id, *topic(notice))
            name = f"notice-{notice.id:08d}"
            to = notice.user.email
            if not _send(session, transport, name, about, notice, message, to, delivery):
                return delivery
        for waiting in trigger_letters.pending(session):
            try:
                letter = trigger_letters.compose(
                    session,
                    waiting.application,
                    waiting.kind,
                    procedure,
                    wording,
                    actor=None,
                    corrected_copy=waiting.copy > 0,
                    contact=contact,
                )
            except CalendarExhausted as exhausted:
                session.rollback()  # the letter waits until the calendar is updated
                log.warning("letter-%08d waits: %s", waiting.id, exhausted)
                continue
            if letter is None or letter.email is None:
                mail_delivery.given_up(waiting, "nothing to send")
                session.commit()
                continue
            message = compose_letter(letter, settings.mail)
            about = f"application {waiting.application.reference}, {waiting.kind.value} letter"
            name = f"letter-{waiting.id:08d}"
            to = letter.email
            if not _send(session, transport, name, about, waiting, message, to, delivery):
                return delivery
    return delivery


def _send(
    session: Session,
    transport: _Transport,
    name: str,
    about: str,
    mail: Notice | TriggerLetter,
    message: EmailMessage,
    to: str,
    delivery: Delivery,
) -> bool:
    """Send one message to ``to`` unless another delivery has taken it meanwhile, and
    record the attempt on ``mail`` and in ``delivery``, committed; False if the mail
    server cannot be used at all (try the rest later)."""
    try:
        transport.ready()  # before taking the mail, so that no slow server holds it taken
    except (OSError, smtplib.SMTPException) as e:
        return _cannot_be_used(session, name, mail, e, delivery)
    taken = mail_delivery.claim(session, mail)
    session.commit()  # taken (or passed by: another delivery's), and no lock held
    if not taken:
        return True
    try:
        transport.send(name, message, to)
    except (OSError, smtplib.SMTPException) as e:
        if not _refuses_the_message(e):
            return _cannot_be_used(session, name, mail, e, delivery)
        why = type(e).__name__
        mail_delivery.refused(mail, why)
        session.commit()
        delivery.failed += 1
        if mail_delivery.gave_up(mail):
            log.warning("%s given up after %d refusals: %s", name, mail_delivery.MAX_ATTEMPTS, why)
            delivery.given_up.append(
                f"{name} ({about}) after {mail_delivery.MAX_ATTEMPTS} refusals ({why})"
            )
        else:
            log.warning("%s refused by the mail server: %s", name, why)
        return True
    mail_delivery.sent(mail)
    session.commit()
    delivery.sent += 1
    return True


def _cannot_be_used(
    session: Session,
    name: str,
    mail: Notice | TriggerLetter,
    error: OSError | smtplib.SMTPException,
    delivery: Delivery,
) -> bool:
    """Record that the mail server could not be used at all: ``mail`` waits as it was,
    and so does the rest. False, to stop the run."""
    why = type(error).__name__
    mail_delivery.waits(mail, why)
    session.commit()
    log.warning("%s not sent, the mail server cannot be used: %s", name, why)
    delivery.stopped = why
    return False


def _refuses_the_message(error: OSError | smtplib.SMTPException) -> bool:
    """Whether the mail server refused this message for good (its recipient, its content),
    rather than failing as a whole: not there, our login or sender refused, or a temporary
    (4xx) answer, none of which is the message's fault."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPDataError):
        return error.smtp_code >= 500
    return False


def init_notices(app: Flask, settings: Settings) -> None:
    """Send the notices a request queued once its response has gone."""

    def after_request(response: Response) -> Response:
        session: Session | None = g.get("db")
        if session is not None and session.info.get(notices.QUEUED) and response.status_code < 400:
            response.call_on_close(lambda: _deliver_quietly(app, settings))
        return response

    app.after_request(after_request)


def _deliver_quietly(app: Flask, settings: Settings) -> None:
    try:
        deliver_pending(
            app.extensions["hub.sessions"],
            settings,
            app.extensions["hub.trigger_procedure"],
            app.extensions["hub.letters"].trigger,
            app.extensions["hub.letters"].contact,
        )
    except Exception as e:  # never let a notice break the server; the CLI tries again
        log.warning("notices not sent: %s", type(e).__name__)
