"""What a notice's e-mail says: for each kind, a short message naming what it is about
(a case's or an application's reference, or a partnership meeting's sitting) and a link
into the hub, never personal data; and the e-mail of a letter to a Community Trigger
applicant. ``hub.notices`` sends them.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from hub.settings import MailSettings
from hub.templating import uk_date, uk_datetime
from sharing import clock, meeting_notices, trigger_notices
from sharing.models import Notice
from sharing.trigger.letters import Letter
from sharing.vocabulary import NoticeKind

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
    NoticeKind.EMERGENCY_ACCESS: (
        "A partner agency opened your agency's case {reference} with emergency (break-glass) "
        "access, for a risk to life. Who opened it, when and why are in the hub's emergency "
        "reviews, for a manager to review."
    ),
    NoticeKind.LOCK_REQUESTED: (
        "An officer asks for case {reference} to be locked or unlocked, for a manager to "
        "decide. The request and its explanation are in the hub's lock requests."
    ),
    NoticeKind.MORE_ASKED: (
        "A partner agency asks your agency for more of case {reference} than its share "
        "gives. What it asks for, why and by when are in the hub, for the case's officer "
        "or a manager to answer: share more, or decline, saying why."
    ),
    NoticeKind.MORE_ANSWERED: (
        "The agency that holds case {reference} answered your agency's request for more of "
        "it. The case's page in the hub says what they answered."
    ),
    NoticeKind.TRIGGER_ANSWERED: (
        "{agency} has answered your question about its case for ASB Case Review "
        "(Community Trigger) application {reference}. The application's page in the hub "
        "says what it answered, and which agencies you are still waiting for."
    ),
    NoticeKind.TRIGGER_ALL_ANSWERED: (
        "{agency} has answered your question about its case for ASB Case Review "
        "(Community Trigger) application {reference}: all the agencies asked have now "
        "answered. The application's page in the hub says what each answered."
    ),
    NoticeKind.MORE_CLOSED: (
        "The agency that holds case {reference} closed it before answering your agency's "
        "request for more of it: the request has ended, and a closed case is shared no "
        "further. Your home page in the hub says so."
    ),
    NoticeKind.MORE_SHARE_ENDED: (
        "The share of case {reference} that your agency asked for more of it through has "
        "ended, so the request has ended unanswered. Your home page in the hub says so; ask "
        "the case's agency again if your agency still needs it."
    ),
    NoticeKind.MORE_RESTRICTED: (
        "A request your agency made for more of a partner agency's case has ended "
        "unanswered: the case is no longer open to your agency."
    ),
    NoticeKind.LOCK_DECIDED: (
        "A manager decided your request to lock or unlock case {reference}. The case's page "
        "in the hub says what they decided and, for a refusal, why."
    ),
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
    NoticeKind.APOLOGIES: (
        "Someone expected at the case conference on case {reference}{when} has sent their "
        "apologies: they cannot come. Its page in the hub says who, among the people "
        "expected."
    ),
    NoticeKind.APOLOGIES_TAKEN_BACK: (
        "Someone who sent their apologies for the case conference on case {reference}"
        "{when} has taken them back: they can come after all. Its page in the hub says who, "
        "among the people expected."
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
    NoticeKind.TRIGGER_ANSWERED: "application",
    NoticeKind.TRIGGER_ALL_ANSWERED: "application",
}
#: Notices about a partnership meeting's sitting (``Notice.sitting``), not a case.
ABOUT_A_SITTING = {NoticeKind.SITTING_MOVED, NoticeKind.SITTING_CANCELLED}
#: Notices that name no case, whatever they hold: the case is locked, and for their
#: reader no longer exists.
NAMING_NO_CASE = {NoticeKind.ACTION_RESTRICTED, NoticeKind.MORE_RESTRICTED}


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
        agency=trigger_notices.answering_agency(notice) or "An agency",
    )
    message.set_content(
        f"{said}\n\n"
        f"Open it in the hub (you will be asked to sign in):\n{mail.base_url}{notice.path}\n\n"
        f"This message holds no personal data: the {what} is in the hub only.\n"
        f"{service_name}\n"
    )
    return message


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
