"""Letters to a Community Trigger applicant: the acknowledgement, the threshold decision,
the outcome of the review and the appeal decision. One letter is made from the
application as it stands, for the lead's page, its PDF and the e-mail alike, so the three
never differ; an e-mail is queued (``TriggerLetter``) only when the applicant gave an
address, and its words are made when it is sent, so nothing personal waits in the queue.
The words are the reviewed letters file's (``config/letters.toml``, its
``[[trigger_letters]]``), filled from the application (``sharing.trigger.letter_words``);
which letters it has reached, the day each is dated and the appeal each offers are
``sharing.trigger.letter_days``.

Making a letter reveals the application's details under the lead's own decision and is
one audit entry, naming the application and the letter's kind.

A letter with no e-mail address to go to is kept as one to post (``by_post``), as is
one the mail server refused, until the lead marks it posted (``sharing.trigger.posting``).

A letter already e-mailed or posted is never sent again by itself: after a correction of
who applied or their contact (``sharing.trigger.corrections``), it is marked as gone to
the details as they were, the application's page says so, and the lead may send a
corrected copy, made and e-mailed as any letter, to the details as they stand: one copy
each time the details it went to were corrected (``sharing.trigger.corrected_letters``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import mail_delivery, notices
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.cases.trigger_wording import TriggerWording
from sharing.clock import day_text
from sharing.formats import is_email_address
from sharing.models import TriggerApplication, TriggerLetter
from sharing.trigger import handling, letter_days, letter_words
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import LetterKind

#: No agency's contact line (a letters file without ``[contact]``).
NO_CONTACT: Mapping[str, str] = MappingProxyType({})


@dataclass(frozen=True)
class Recommendation:
    agency: str
    text: str
    due_on: date


@dataclass(frozen=True)
class Letter:
    kind: LetterKind
    reference: str
    dated: date
    addressee: str
    #: Where a printed letter is posted, line by line: () when the applicant gave none.
    address: tuple[str, ...]
    paragraphs: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    #: The appeal body and the last day to ask it, when the letter offers an appeal.
    appeal: tuple[str, date] | None
    sender: str
    #: Where an e-mail of it goes, if the applicant gave an address.
    email: str | None
    #: The sentence offering the appeal, if the letter offers one, and how to reach the
    #: appeal body (its name, address lines, e-mail, phone), printed under it.
    appeal_sentence: str = ""
    appeal_contact: tuple[str, ...] = ()
    #: A corrected copy of a letter that went to the details as they were.
    corrected_copy: bool = False
    #: How the applicant reaches the sender (its office, its phone), printed under its
    #: name: the letters file's contact line for the lead, if it has one.
    sender_contact: str = ""

    @property
    def subject(self) -> str:
        copy = "Corrected copy: " if self.corrected_copy else ""
        return f"{copy}{self.kind.label} (reference {self.reference})"

    def as_text(self) -> str:
        """The letter as plain text, for the e-mail."""
        lines = [f"Reference: {self.reference}", day_text(self.dated), ""]
        lines += [f"Dear {self.addressee},", ""]
        for paragraph in self.paragraphs:
            lines += [paragraph, ""]
        for r in self.recommendations:
            lines += [f"- {r.agency}, by {day_text(r.due_on)}: {r.text}"]
        if self.recommendations:
            lines.append("")
        if self.appeal:
            lines += [self.appeal_sentence, ""]
            if self.appeal_contact:
                lines += [*self.appeal_contact, ""]
        lines += ["Yours sincerely,", "", self.sender]
        if self.sender_contact:
            lines.append(self.sender_contact)
        return "\n".join(lines) + "\n"


def email_of(details: dict[str, str | None], on_behalf: bool) -> str | None:
    """The applicant's e-mail address: the third party's, if the contact they gave is
    one, else the victim's. Only an address stored whole: no part of other text (one
    stored before the forms checked addresses) is taken for one."""
    contact = (details.get("applicant_contact") if on_behalf else details.get("victim_email")) or ""
    return contact if is_email_address(contact) else None


def addressee(details: dict[str, str | None], on_behalf: bool) -> str:
    """Whom a letter is addressed to: whoever applied for the victim, or the victim."""
    if on_behalf:
        return details.get("applicant_name") or ""
    names = (details.get("victim_given_names"), details.get("victim_family_name"))
    return " ".join(n for n in names if n)


def recipient(
    details: dict[str, str | None], on_behalf: bool
) -> tuple[str, str | None, tuple[str, ...]]:
    """Whom and where the letters go: the addressee, the e-mail and the postal address."""
    return (
        addressee(details, on_behalf),
        email_of(details, on_behalf),
        postal_address(details, on_behalf),
    )


def postal_address(details: dict[str, str | None], on_behalf: bool) -> tuple[str, ...]:
    """Where a printed letter is posted, line by line: the third party's postal address,
    or the victim's address and postcode; () when there is none to post it to."""
    if on_behalf:
        given = details.get("applicant_address") or ""
    else:
        given = "\n".join(
            filter(None, (details.get("victim_address"), details.get("victim_postcode")))
        )
    return tuple(stripped for line in given.splitlines() if (stripped := line.strip()))


def queue(
    session: Session,
    application: TriggerApplication,
    kind: LetterKind,
    details: dict[str, str | None],
    now: datetime,
) -> bool:
    """Queue the letter for e-mail if the applicant gave an address, else keep it as one
    to post (once per kind); whether it was queued for e-mail. Nothing is queued for an
    application closed as withdrawn or a duplicate."""
    if application.closed_at is not None:
        return False
    by_post = email_of(details, application.on_behalf is not None) is None
    exists = session.scalar(
        select(TriggerLetter.id).where(
            TriggerLetter.application_id == application.id, TriggerLetter.kind == kind
        )
    )
    if exists is not None:
        return False
    session.add(
        TriggerLetter(application_id=application.id, kind=kind, created_at=now, by_post=by_post)
    )
    session.flush()
    if not by_post:
        session.info[notices.QUEUED] = True
    return not by_post


def give_up(session: Session, application: TriggerApplication, why: str) -> int:
    """Leave every letter of the application still waiting (to be e-mailed, or to post)
    unsent for good; how many."""
    waiting = list(
        session.scalars(
            select(TriggerLetter).where(
                TriggerLetter.application_id == application.id,
                TriggerLetter.sent_at.is_(None),
                TriggerLetter.posted_at.is_(None),
            )
        )
    )
    for letter in waiting:
        mail_delivery.given_up(letter, why)
    session.flush()
    return len(waiting)


def latest(session: Session, application: TriggerApplication) -> dict[LetterKind, TriggerLetter]:
    """Each kind's latest letter (to e-mail or to post): the letter, or its last corrected
    copy."""
    found: dict[LetterKind, TriggerLetter] = {}
    for letter in session.scalars(
        select(TriggerLetter)
        .where(TriggerLetter.application_id == application.id)
        .order_by(TriggerLetter.copy)
    ):
        found[letter.kind] = letter
    return found


def compose(
    session: Session,
    application: TriggerApplication,
    kind: LetterKind,
    procedure: Procedure,
    wording: Mapping[str, TriggerWording],
    *,
    actor: Actor | None,
    corrected_copy: bool = False,
    contact: Mapping[str, str] = NO_CONTACT,
) -> Letter | None:
    """The letter of ``kind`` as it stands, in the words of the letters file
    (``wording``), signed by the lead with its line of the file's ``contact`` (how the
    applicant reaches it), or None if the application has not reached it (no decision, no
    outcome, no appeal decision). One audit entry. ``InputError`` (the refusal recorded)
    once the application's personal data is erased: there is nothing to write it from."""
    with acts.refusing_input(
        session,
        acts.Action.TRIGGER_LETTER,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
    ):
        handling.refuse_if_erased(application, "its letters can no longer be made or sent")
    dated = letter_days.dated(application, kind)
    if dated is None:
        return None
    details = reveal(handling.LEAD, application, handling.DETAILS)
    recommendations: list[Recommendation] = []
    if kind in (LetterKind.OUTCOME, LetterKind.APPEAL_DECISION):
        on_appeal = kind is LetterKind.APPEAL_DECISION
        wanted = [r for r in application.recommendations if r.on_appeal == on_appeal]
        texts = [reveal(handling.LEAD, r, ("text",))["text"] or "" for r in wanted]
        recommendations = [
            Recommendation(r.owner_agency.name, text, r.due_on)
            for r, text in zip(wanted, texts, strict=True)
        ]
    acts.record(
        session,
        acts.Action.TRIGGER_LETTER,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"{kind.value} letter" + (", corrected copy" if corrected_copy else ""),
    )
    on_behalf = application.on_behalf is not None
    victim = addressee(details, False)
    appeal = None
    start = letter_days.offers_appeal_from(application, kind)
    if start is not None:
        last = england_and_wales().add(start, procedure.appeal.within_working_days)
        appeal = (procedure.appeal.body, last)
    offer = ""
    if appeal is not None:
        (offer,) = letter_words.filled(
            wording["appeal_offer"], {"appeal_body": appeal[0], "appeal_by": day_text(appeal[1])}
        )
    return Letter(
        kind=kind,
        reference=application.reference,
        dated=dated,
        addressee=addressee(details, on_behalf),
        address=postal_address(details, on_behalf),
        paragraphs=letter_words.paragraphs(application, kind, procedure, details, victim, wording),
        recommendations=tuple(recommendations),
        appeal=appeal,
        sender=application.lead_agency.name,
        email=email_of(details, on_behalf),
        appeal_sentence=offer,
        appeal_contact=procedure.appeal.contact_lines() if appeal is not None else (),
        corrected_copy=corrected_copy,
        sender_contact=contact.get(application.lead_agency.code, ""),
    )


def pending(session: Session, limit: int = 100) -> list[TriggerLetter]:
    """Letters waiting to be e-mailed and not given up on, oldest first (none of an
    erased or closed application: erasing or closing gives its letters up)."""
    return list(
        session.scalars(
            select(TriggerLetter)
            .join(TriggerApplication)
            .where(
                TriggerLetter.sent_at.is_(None),
                TriggerLetter.attempts < mail_delivery.MAX_ATTEMPTS,
                TriggerLetter.by_post.is_(False),
                TriggerLetter.posted_at.is_(None),
                TriggerApplication.erased_at.is_(None),
                TriggerApplication.closed_at.is_(None),
            )
            .order_by(TriggerLetter.id)
            .limit(limit)
        )
    )
