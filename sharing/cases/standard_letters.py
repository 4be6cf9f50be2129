"""The standard letters of an ASB case (acknowledgement, interview invitation, warning,
acceptable behaviour contract, good neighbour agreement, closure), made for one person on
an open case.

An officer of the case's agency makes a letter for one person on an open case: the
letter's words filled from the case (reading the person's name and address is one view of
the case), in large print or plain language where the person's reasonable adjustments ask
for them. Produced (as a PDF the hub renders), it is kept as a document of the case,
recorded as the action it is (a warning letter, an ABC…) where it is one, and as one
``case.record`` entry naming the letter, the person and the document.

The letters' words are the reviewed letters file, ``sharing.cases.letters_file``; a
letter's paragraphs and their placeholders ``sharing.cases.letter_words``; the Community
Trigger's letters in that file ``sharing.cases.trigger_wording``; who a letter may be
addressed to, and how it reads them, ``sharing.cases.letter_addressees``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import actions, documents, first_contact
from sharing.cases.agency_actions import works_actions
from sharing.cases.closing_actions import close_action
from sharing.cases.letter_addressees import Recipient
from sharing.cases.letters_file import LetterBook, LetterTemplate
from sharing.cases.needs import RecordedNeeds
from sharing.errors import InputError
from sharing.files.stores import FileStore
from sharing.formats import checked_text
from sharing.models import Case, CaseParty, Document, Incident
from sharing.vocabulary import AgencyType

MAX_DETAILS = 4_000

#: How many of the case's latest incidents a letter names.
INCIDENTS_NAMED = 5


@dataclass(frozen=True)
class LetterRequest:
    letter_id: str
    person_id: int | None
    details: str
    #: Large print and plain language: None to follow the person's adjustments.
    large_print: bool | None = None
    plain: bool | None = None


@dataclass(frozen=True)
class MadeLetter:
    template: LetterTemplate
    person_id: int
    #: The person's parts on the case the letter is addressed in ("reported person";
    #: "victim and reporter" for someone who holds both and a letter that goes to both).
    part: str
    agency: str
    officer: str
    #: How to reach the officer and their agency: the officer's work e-mail, and the
    #: agency's contact line from the letters file (None: the file gives it none).
    officer_email: str
    agency_contact: str | None
    reference: str
    dated: date
    name: str | None
    address: tuple[str, ...]
    paragraphs: tuple[str, ...]
    details: str
    large_print: bool
    plain: bool
    #: Why the letter is in large print or plain language, when it is (their adjustments).
    because: str | None
    #: Their adjustments and how to contact them, for the officer to arrange before sending
    #: (the letter's words are not changed by them).
    needs: RecordedNeeds = RecordedNeeds()

    @property
    def variant(self) -> str:
        """ "large print, plain language", or "standard"."""
        parts = [
            p for p, on in (("large print", self.large_print), ("plain language", self.plain)) if on
        ]
        return ", ".join(parts) or "standard"


def officer_left(case: Case) -> str | None:
    """Why no letter of the case is written while its officer has left (every letter
    names its officer as the one dealing with the case, and their work e-mail, which no
    one reads once they left); None while they are here. A manager gives the case to
    another officer (``sharing.cases.officers``), and the letters name that officer."""
    officer = case.officer
    if officer.active:
        return None
    return (
        f"{officer.display_name}, the case officer, has left, and a letter names the case "
        "officer and their e-mail as the person to contact: a manager must give the case "
        "to another officer before a letter is written"
    )


def make_letter(
    session: Session,
    authorised: AuthorisedCase,
    book: LetterBook,
    request: LetterRequest,
    *,
    first_contact_days: int = first_contact.DEFAULT_WORKING_DAYS,
) -> MadeLetter:
    """The letter for one person on the case (authorised for ``Act.RECORD``), its words
    filled from the case; refused at its field for a letter not in the book, a case whose
    officer has left (``officer_left``), a person the letter may not be addressed to, or
    details missing or too long, each refusal recorded (a refused ``case.record``).
    Recorded as one view of the case naming the letter and the person."""
    authorised.require(Act.RECORD)
    template = _template(session, authorised, book, request.letter_id)
    held = _held(session, authorised, template, request.person_id)
    details = _details(session, authorised, template, request.details)
    to = Recipient.of(
        session, authorised, held, large_print=request.large_print, plain=request.plain
    )
    case, contact = authorised.case, book.contact.get(authorised.case.agency.code)
    filled = _filled(session, case, to.name, contact, details, first_contact_days)
    paragraphs = _paragraphs(template, case.agency.type, filled, plain=to.plain)
    _record_view(session, authorised, template, to.person_id)
    return MadeLetter(
        template=template,
        person_id=to.person_id,
        part=to.part,
        agency=case.agency.name,
        officer=case.officer.display_name,
        officer_email=case.officer.email,
        agency_contact=contact,
        reference=case.reference,
        dated=clock.today(),
        name=to.name,
        address=to.address,
        paragraphs=paragraphs,
        details=details,
        large_print=to.large_print,
        plain=to.plain,
        because=to.because,
        needs=to.needs,
    )


def _template(
    session: Session, authorised: AuthorisedCase, book: LetterBook, letter_id: str
) -> LetterTemplate:
    """The letter of the book asked for, refused (and recorded) when the book has none
    such or the case's officer has left."""
    template = book.get(letter_id)
    if template is None:
        raise _refused(
            session, authorised, "letter", "Select the letter to write", "no such letter"
        )
    if left := officer_left(authorised.case):
        why = f"letter {template.id}: the case officer has left"
        raise _refused(session, authorised, "letter", left, why)
    return template


def _held(
    session: Session, authorised: AuthorisedCase, template: LetterTemplate, person_id: int | None
) -> Sequence[CaseParty]:
    """The parts the person holds on the case that the letter goes to (it is addressed to
    them in those), refused (and recorded) when they hold none."""
    held = session.scalars(
        select(CaseParty)
        .where(
            CaseParty.case_id == authorised.case.id,
            CaseParty.person_id == (person_id or 0),
            CaseParty.role.in_(template.to),
        )
        .order_by(CaseParty.id)
    ).all()
    if not held:
        raise _refused(
            session,
            authorised,
            "person",
            f"Select who the letter is for: a {_any_of(r.label.lower() for r in template.to)} "
            "on this case",
            f"letter {template.id}: not to a {' or '.join(r.value for r in template.to)} "
            "on the case",
        )
    return held


def _details(
    session: Session, authorised: AuthorisedCase, template: LetterTemplate, given: str
) -> str:
    """The details the officer writes for a letter that asks for them ("" for one that
    does not), refused (and recorded) when missing or too long."""
    if not template.details:
        return ""
    try:
        return checked_text(
            "details",
            given,
            limit=MAX_DETAILS,
            what="the details for the letter",
            required=f"Write {template.details[:1].lower()}{template.details[1:]}",
        )
    except InputError as e:
        why = f"letter {template.id}: its details"
        raise _refused(session, authorised, e.field, e.message, why) from None


def _filled(
    session: Session,
    case: Case,
    name: str | None,
    contact: str | None,
    details: str,
    first_contact_days: int,
) -> dict[str, str]:
    """The values of the letters' placeholders, from the case and the person's name."""
    return {
        "name": name or "resident",
        "reference": case.reference,
        "agency": case.agency.name,
        "officer": case.officer.display_name,
        "officer_email": case.officer.email,
        "agency_contact": contact or case.agency.name,
        # An overdue review's day is gone: the letter promises no review by it.
        "review_date": clock.day_text(case.review_due_on)
        if case.review_due_on and case.review_due_on >= clock.today()
        else "the date of its next review",
        "incidents": _incident_days(session, case.id),
        # The promise the case's first contact is tracked against (one setting for both).
        "first_contact_days": first_contact.in_words(first_contact_days)
        + (" working day" if first_contact_days == 1 else " working days"),
        "details": details,
    }


def _paragraphs(
    template: LetterTemplate, sender: AgencyType, filled: dict[str, str], *, plain: bool
) -> tuple[str, ...]:
    """The letter's paragraphs (in plain language, or not) that its sender's type of
    agency sends, their placeholders filled."""
    return tuple(
        words.format_map(filled)
        for p in (template.plain if plain else template.paragraphs)
        if (words := p.words(sender)) is not None
    )


def _record_view(
    session: Session, authorised: AuthorisedCase, template: LetterTemplate, person_id: int
) -> None:
    """One view of the case, naming the letter and the person it is for."""
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"{acts.disclosed(authorised.decision)} | sections {template.id} letter; person {person_id}",
    )


def _any_of(parts: Iterable[str]) -> str:
    """ "reported person", "victim or reporter", or "victim, reporter, or witness"."""
    *first, last = parts
    if not first:
        return last
    return f"{', '.join(first)}{',' if len(first) > 1 else ''} or {last}"


def _refused(
    session: Session, authorised: AuthorisedCase, field: str, message: str, why: str
) -> InputError:
    """A letter refused at ``field``, recorded as a refused ``case.record`` naming the
    field, the letter and why in identifiers (never a person, nor what was typed)."""
    acts.refuse(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        reason=f"refused input: {field} ({why})",
    )
    return InputError(field, message)


def _incident_days(session: Session, case_id: int) -> str:
    """The days of the case's latest incidents, earliest first: "3 March 2026, 6 March
    2026 and 9 March 2026"."""
    latest = session.scalars(
        select(Incident.occurred_at)
        .where(Incident.case_id == case_id)
        .order_by(Incident.occurred_at.desc())
        .limit(INCIDENTS_NAMED)
    ).all()
    days = sorted({clock.day_of(at) for at in latest})
    if not days:
        return "the dates we have recorded"
    named = [clock.day_text(d) for d in days]
    return named[0] if len(named) == 1 else f"{', '.join(named[:-1])} and {named[-1]}"


def record_letter(
    session: Session, authorised: AuthorisedCase, store: FileStore, letter: MadeLetter, pdf: bytes
) -> Document:
    """Keep a produced letter (its PDF) as a document of the case, addressed to its
    person; record it as the action it is, done today, where it is one; one
    ``case.record`` entry names the letter, the person, the document and the action. The
    action is named to the case's officer while they may own one (not once they left:
    their account disabled, no one is named)."""
    authorised.require(Act.RECORD)
    template = letter.template
    document = documents.keep_letter(
        session,
        authorised,
        store,
        person_id=letter.person_id,
        description=f"{template.title} ({letter.variant}), {clock.day_text(letter.dated)}",
        filename=f"{template.id}-letter.pdf",
        pdf=pdf,
    )
    what = f"letter {template.id} for person {letter.person_id} ({letter.variant}); document {document.id}"
    if template.records is not None:
        officer = authorised.case.officer
        action = actions.add_action(
            session,
            authorised,
            actions.ActionInput(
                kind=template.records,
                description=f"{template.title}: letter sent to "
                + (f"{letter.name} as the {letter.part}" if letter.name else f"the {letter.part}"),
                owner_user_id=officer.id if works_actions(officer) else None,
                due_on=letter.dated,
            ),
        )
        close_action(
            session,
            authorised.actor,
            action.id,
            done=True,
            note=f"Letter produced and kept with the case's documents ({letter.variant})",
        )
        what += f"; action {action.id} done"
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=what,
    )
    return document
