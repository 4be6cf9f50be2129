"""Sending notices by e-mail: each queued notice (``sharing.notices``) becomes a short
message naming what it is about, the case reference and a link into the hub, sent over
SMTP, written to a file (development and the demo) or logged, as ``mail_transport`` says.

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
from email.utils import format_datetime, make_msgid

from flask import Flask, Response, g
from sqlalchemy.orm import Session, sessionmaker

from hub.settings import MailSettings, Settings
from hub.templating import uk_date, uk_datetime
from sharing import case_notices, clock, mail_delivery, meeting_notices, notices
from sharing.cases.trigger_wording import TriggerWording
from sharing.models import Notice, TriggerLetter
from sharing.trigger import letters as trigger_letters
from sharing.trigger.letters import Letter
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import NoticeKind

log = logging.getLogger(__name__)
SMTP_TIMEOUT_SECONDS = 15

_WHAT = {
    NoticeKind.INVITATION: "You are invited to a case conference on case {reference}{when}.",
    NoticeKind.INFORMATION_REQUEST: (
        "A case conference on case {reference}{when} asks what your agency holds about "
        "the case. Please answer in the hub {answer_by}."
    ),
    NoticeKind.MINUTES_CIRCULATED: (
        "The minutes of the case conference on case {reference}{when} are circulated for "
        "you to read."
    ),
    NoticeKind.MINUTES_AGREED: (
        "The chair has agreed the minutes of the case conference on case {reference}{when}."
    ),
    NoticeKind.ACTION_DUE: "An action for your agency on case {reference} is due{due}.",
    NoticeKind.TRIGGER_REVIEW: (
        "An ASB Case Review (Community Trigger) application counts a complaint your agency "
        "holds on case {reference}. Please confirm it to the Community Trigger lead{bring}."
    ),
    NoticeKind.RECOMMENDATION: (
        "An ASB Case Review (Community Trigger) on application {reference} made a "
        "recommendation for your agency, due{due}."
    ),
    NoticeKind.RECOMMENDATION_CANCELLED: (
        "A recommendation for your agency made on the appeal of the ASB Case Review "
        "(Community Trigger) on application {reference} is cancelled: the applicant withdrew "
        "the appeal. It is no longer to be done; the review's own recommendations stand."
    ),
    NoticeKind.CASE_GIVEN: "You are now the case officer of case {reference}: a manager gave it to you.",
    NoticeKind.SITTING_MOVED: (
        "A sitting of {meeting}, a partnership meeting you take part in, has moved: it now "
        "sits{on}{where}. The case conferences on its agenda move with it."
    ),
    NoticeKind.SAFEGUARDING_REFERRAL: (
        "Someone on case {reference} was referred to your safeguarding team. Open the case "
        "in the hub to read why, and record the outcome of the referral there."
    ),
    NoticeKind.SITTING_CANCELLED: (
        "A sitting of {meeting}, a partnership meeting you take part in{when}, is "
        "cancelled, and the case conferences on its agenda with it. Its page in the hub "
        "says why."
    ),
    NoticeKind.CLOSED_WITH_CASE: (
        "The agency that holds case {reference} closed it, and the actions your agency "
        "held on it closed with it: they are no longer to be done, and have left your "
        "agency's actions list. Ask the case's agency if your work on it should go on."
    ),
    NoticeKind.CONFERENCE_CANCELLED: (
        "The case conference on case {reference}{day} is cancelled: you are no longer "
        "expected at it, and the agencies invited can no longer open the case for it."
    ),
    NoticeKind.CHAIR_CHANGED: (
        "The case conference on case {reference}{when} has a new chair: the chair of its "
        "partnership meeting changed, and the meeting's new chair now chairs it and agrees "
        "its minutes."
    ),
    NoticeKind.NEW_CHAIR: (
        "The case conference on case {reference}{when} has a new chair, chosen on the "
        "conference's page: whoever chairs it now leads it and agrees its minutes. Its page "
        "in the hub says who."
    ),
    NoticeKind.CONFERENCE_MOVED: (
        "The case conference on case {reference} has changed when or where it meets: it "
        "now meets{on}. Its page in the hub says where, and gives any video link."
    ),
    NoticeKind.ACTION_RESTRICTED: (
        "An action your agency holds on a partner agency's case is now on a restricted "
        "case: the case is locked to named people. The action stays in your agency's "
        "actions list, marked Restricted, with the agency to contact about it; you may "
        "still mark it done or cancel it."
    ),
    NoticeKind.TAKEN_OFF: (
        "The case conference on case {reference}{when} is taken off its partnership "
        "meeting's sitting and cancelled: what it was to review has ended. The sitting goes "
        "on with the rest of its agenda."
    ),
}
#: What a notice's reference is, where it is not a case's: a Community Trigger
#: application's reference (ASBR-...), which finds nothing among the cases.
_REFERENCE_OF = {
    NoticeKind.RECOMMENDATION: "application",
    NoticeKind.RECOMMENDATION_CANCELLED: "application",
}
#: Notices about a partnership meeting's sitting (``Notice.sitting``), not a case.
ABOUT_A_SITTING = {NoticeKind.SITTING_MOVED, NoticeKind.SITTING_CANCELLED}
#: Notices that name no case, whatever they hold: the case is locked, and for their
#: reader no longer exists.
NAMING_NO_CASE = {NoticeKind.ACTION_RESTRICTED}


def topic(notice: Notice) -> tuple[str, str]:
    """What the notice is about, by kind and identifier (its sitting's id, or the case's
    or application's reference), for its message and the delivery's log: never personal
    data."""
    if notice.sitting is not None:
        return "sitting", str(notice.sitting.id)
    if notice.kind in NAMING_NO_CASE:
        return "case", ""
    return _REFERENCE_OF.get(notice.kind, "case"), notice.reference or ""


def compose(notice: Notice, mail: MailSettings, service_name: str) -> EmailMessage:
    """The message for a notice: the reference, named as a case's or an application's,
    or the partnership meeting whose sitting it is about (nothing of the case for a notice
    ``NAMING_NO_CASE``: its subject is its kind alone), and a link, nothing personal."""
    when = f", on {uk_datetime(notice.about)}" if notice.about else ""
    due = f" on {uk_date(notice.about)}" if notice.about else ""
    on = f" on {uk_datetime(notice.about)}" if notice.about else ""
    day = f" of {uk_date(notice.about)}" if notice.about else ""
    bring = (
        f", and bring the case to the review panel's sitting{on}"
        if notice.about
        else ". You will be asked to bring the case to the review panel once its sitting is chosen"
    )
    answer_due = meeting_notices.request_due(notice)
    answer_by = f"by {uk_date(answer_due)}" if answer_due else "before the conference"
    what, reference = topic(notice)
    subject = f"{notice.kind.label}: {what} {reference}" if reference else notice.kind.label
    meeting = where = ""
    if notice.sitting is not None:
        meeting = notice.sitting.series.name
        subject = f"{notice.kind.label}: {meeting}"
        where = f", at {notice.sitting.place}" if notice.sitting.place else ", by video"
    message = EmailMessage()
    message["Subject"] = subject
    message["From"] = mail.sender
    message["To"] = notice.user.email
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2])
    said = _WHAT[notice.kind].format(
        reference=reference,
        meeting=meeting,
        where=where,
        when=when,
        due=due,
        on=on,
        day=day,
        bring=bring,
        answer_by=answer_by,
    )
    message.set_content(
        f"{said}\n\n"
        f"Open it in the hub (you will be asked to sign in):\n{mail.base_url}{notice.path}\n\n"
        f"This message holds no personal data: the {what} is in the hub only.\n"
        f"{service_name}\n"
    )
    return message


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


def compose_letter(letter: Letter, mail: MailSettings) -> EmailMessage:
    """The e-mail of a letter to a Community Trigger applicant: the letter itself."""
    message = EmailMessage()
    message["Subject"] = letter.subject
    message["From"] = mail.sender
    message["To"] = letter.email or ""
    message["Date"] = format_datetime(clock.now())
    message["Message-ID"] = make_msgid(domain=mail.sender.rpartition("@")[2])
    message.set_content(letter.as_text())
    return message


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
