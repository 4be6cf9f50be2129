"""The standard letters of an ASB case (acknowledgement, interview invitation, warning,
acceptable behaviour contract, good neighbour agreement, closure): their words are a
reviewed TOML file in ``config/`` (``config/letters.toml``), checked on load like a
protocol, each placeholder checked against the ones the hub fills.

An officer of the case's agency makes a letter for one person on an open case: the
letter's words filled from the case (reading the person's name and address is one view of
the case), in large print or plain language where the person's reasonable adjustments ask
for them. Produced (as a PDF the hub renders), it is kept as a document of the case,
recorded as the action it is (a warning letter, an ABC…) where it is one, and as one
``case.record`` entry naming the letter, the person and the document.
"""

from __future__ import annotations

import os
import re
import string
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.access.reveal import load_data_keys, reveal
from sharing.audit import acts
from sharing.cases import actions, documents
from sharing.cases.agency_actions import close_action
from sharing.cases.needs import RecordedNeeds, adjustments_of
from sharing.errors import InputError
from sharing.files.stores import FileStore
from sharing.formats import checked_text
from sharing.models import CaseParty, Document, Incident
from sharing.protocols.checker import read_header, read_text, read_toml, sorted_problems
from sharing.protocols.fields import Reader, did_you_mean, kind_of, one_of, path_of
from sharing.protocols.problems import FileInvalid, Problem
from sharing.vocabulary import ActionKind, Adjustment, AgencyType, PartyRole

TOP_KEYS = ("id", "title", "version", "contact", "letters", "trigger_letters")
LETTER_KEYS = ("id", "title", "to", "paragraphs", "plain", "details", "hint", "records")
LETTER_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
#: What the hub fills a letter's placeholders with.
PLACEHOLDERS = (
    "name",
    "reference",
    "agency",
    "officer",
    "officer_email",
    "agency_contact",
    "review_date",
    "incidents",
    "details",
)
#: An agency's code, as the ``[contact]`` table names it.
AGENCY_CODE = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
#: The longest contact line of an agency.
MAX_CONTACT = 300
#: The letters to a Community Trigger applicant, and what the hub fills theirs with.
TRIGGER_LETTERS = (
    "acknowledgement",
    "threshold_met",
    "threshold_not_met",
    "outcome",
    "appeal_decision",
    "appeal_offer",
)
TRIGGER_KEYS = ("id", "paragraphs", "with_recommendations", "without_recommendations")
TRIGGER_PLACEHOLDERS = (
    "reference",
    "received",
    "for_whom",
    "decision_due",
    "reasons",
    "panel_by",
    "outcome_days",
    "findings",
    "next_steps",
    "recommendations",
    "appeal_body",
    "appeal_by",
    "appeal_decision",
)
#: The trigger letters that say whether the panel made recommendations.
WITH_RECOMMENDATIONS = ("outcome", "appeal_decision")
#: The actions a letter may be recorded as.
RECORDABLE = (
    ActionKind.WARNING_LETTER,
    ActionKind.ABC,
    ActionKind.GOOD_NEIGHBOUR_AGREEMENT,
    ActionKind.PERPETRATOR_VISIT,
)
_ALLOWED = (
    "a TOML document (https://toml.io) with id, title, version and one [[letters]] table "
    'per letter, as README.md describes ("Letters")'
)
MAX_DETAILS = 4_000
#: In a paragraph that depends on who sends the letter, the words for any other sender.
OTHERS = "others"
#: What a paragraph that depends on who sends the letter may name: a type of agency.
SENDERS = (*(t.value for t in AgencyType), OTHERS)
#: How many of the case's latest incidents a letter names.
INCIDENTS_NAMED = 5


class LettersInvalid(FileInvalid):
    """The letters file has problems, so it is not loaded."""

    what = "letters"


@dataclass(frozen=True)
class Paragraph:
    """One paragraph of a letter: the same words from any agency, or words that depend on
    the type of agency sending it (a landlord may speak of a tenancy; the police have no
    tenants)."""

    #: The words by the type of agency sending the letter, ``OTHERS`` for any other type;
    #: a type given no words (and no ``OTHERS``) leaves the paragraph out.
    by_sender: Mapping[str, str]

    def words(self, sender: AgencyType) -> str | None:
        """The paragraph as a letter from an agency of type ``sender`` says it, if it does."""
        return self.by_sender.get(sender.value, self.by_sender.get(OTHERS))


@dataclass(frozen=True)
class LetterTemplate:
    id: str
    title: str
    #: The parts on a case the letter may be addressed to.
    to: tuple[PartyRole, ...]
    paragraphs: tuple[Paragraph, ...]
    #: The same letter in plain language.
    plain: tuple[Paragraph, ...]
    #: What the officer writes for this letter (None: nothing), and the hint under it.
    details: str | None = None
    hint: str | None = None
    #: The action the letter is, recorded as done when it is produced.
    records: ActionKind | None = None


@dataclass(frozen=True)
class TriggerWording:
    """A letter to a Community Trigger applicant: its paragraphs, and for the outcome and
    the appeal decision, the sentence for recommendations made and for none."""

    paragraphs: tuple[str, ...]
    with_recommendations: str = ""
    without_recommendations: str = ""


@dataclass(frozen=True)
class LetterBook:
    id: str
    title: str
    version: int
    letters: tuple[LetterTemplate, ...]
    #: The Community Trigger's letters, by id (``TRIGGER_LETTERS``).
    trigger: Mapping[str, TriggerWording]
    #: How residents reach each agency (its office, phone), by the agency's code: printed
    #: under its name on its letters.
    contact: Mapping[str, str] = field(default_factory=dict)

    def get(self, letter_id: str) -> LetterTemplate | None:
        return next((t for t in self.letters if t.id == letter_id), None)


def parse_letters(text: str, source: str, known: Collection[str] | None = None) -> LetterBook:
    """The letters in ``text``; ``LettersInvalid`` listing every problem if it has any
    (with ``known``, the partnership's agency codes, a ``[contact]`` line of any other)."""
    read = read_toml(text, source, _ALLOWED)
    if isinstance(read, Problem):
        raise LettersInvalid([read])
    data, reader = read
    book = _read(reader, data, known)
    if reader.problems or book is None:
        raise LettersInvalid(sorted_problems(reader.problems))
    return book


def load_letters(path: str | os.PathLike[str], known: Collection[str] | None = None) -> LetterBook:
    """The letters at ``path``; ``LettersInvalid`` if they cannot be read or have problems."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        raise LettersInvalid([text])
    return parse_letters(text, os.fspath(path), known)


def check_file(path: str | os.PathLike[str], known: Collection[str] | None = None) -> list[Problem]:
    """Every problem in the letters file at ``path`` (with ``known``, the partnership's
    agency codes, a contact line of an agency that is not one); empty when it is valid."""
    try:
        load_letters(path, known)
    except LettersInvalid as invalid:
        return invalid.problems
    return []


def _read(
    reader: Reader, data: Mapping[str, Any], known: Collection[str] | None
) -> LetterBook | None:
    reader.unknown_keys(data, TOP_KEYS, "")
    book_id, title, version = read_header(reader, data, "northshire-asb-letters")
    letters: list[LetterTemplate] = []
    for index, table in reader.tables(data, "letters", "one [[letters]] table a letter"):
        letter = _letter(reader, table, f"letters[{index}]")
        if letter is not None and any(t.id == letter.id for t in letters):
            reader.add(f"letters[{index}].id", f'"{letter.id}" is already a letter of the file')
        elif letter is not None:
            letters.append(letter)
    if not letters and not reader.problems:
        reader.add("letters", "the file has no letters", "at least one [[letters]]")
    trigger = _trigger_letters(reader, data)
    contact = _contacts(reader, data, known)
    if reader.problems:
        return None
    return LetterBook(book_id or "", title or "", version or 0, tuple(letters), trigger, contact)


def _contacts(
    reader: Reader, data: Mapping[str, Any], known: Collection[str] | None
) -> dict[str, str]:
    """The ``[contact]`` table: a line of text for each agency code (one of ``known``,
    when given)."""
    table = data.get("contact", {})
    allowed = '[contact] with a line for each agency: northshire-homes = "1 Market Street…"'
    if not isinstance(table, dict):
        reader.add("contact", f"expected a table, found {kind_of(table)}", allowed)
        return {}
    found: dict[str, str] = {}
    for code in table:
        if not AGENCY_CODE.fullmatch(code):
            reader.add(path_of("contact", code), f'"{code}" is not an agency\'s code', allowed)
            continue
        if known is not None and code not in known:
            reader.add(
                path_of("contact", code),
                f'"{code}" is not an agency of the partnership{did_you_mean(code, sorted(known))}',
                one_of(sorted(known)),
            )
            continue
        line = reader.text(table, code, "contact", max_length=MAX_CONTACT)
        if line is not None:
            found[code] = " ".join(line.split())
    return found


def _trigger_letters(reader: Reader, data: Mapping[str, Any]) -> dict[str, TriggerWording]:
    """The Community Trigger's letters: each of ``TRIGGER_LETTERS`` once."""
    found: dict[str, TriggerWording] = {}
    tables = reader.tables(data, "trigger_letters", "one [[trigger_letters]] table a letter")
    for index, table in tables:
        prefix = f"trigger_letters[{index}]"
        reader.unknown_keys(table, TRIGGER_KEYS, prefix)
        letter_id = reader.choice(table, "id", prefix, TRIGGER_LETTERS, "Community Trigger letter")
        paragraphs = reader.strings(
            table,
            "paragraphs",
            prefix,
            required=True,
            allowed="a list of paragraphs, each in quotes",
        )
        if letter_id is None or paragraphs is None:
            continue
        if letter_id in found:
            reader.add(path_of(prefix, "id"), f'"{letter_id}" is already a letter of the file')
        used = _placeholders(
            reader, path_of(prefix, "paragraphs"), paragraphs, TRIGGER_PLACEHOLDERS
        )
        sentences = {
            key: reader.text(table, key, prefix, required=letter_id in WITH_RECOMMENDATIONS)
            for key in ("with_recommendations", "without_recommendations")
        }
        if letter_id in WITH_RECOMMENDATIONS and "recommendations" not in used:
            reader.add(
                path_of(prefix, "paragraphs"),
                "never uses {recommendations}, which says whether any were made",
                "{recommendations} in one of its paragraphs",
            )
        found[letter_id] = TriggerWording(
            tuple(paragraphs),
            sentences["with_recommendations"] or "",
            sentences["without_recommendations"] or "",
        )
    for letter_id in TRIGGER_LETTERS:
        if letter_id not in found and not reader.problems:
            reader.add(
                "trigger_letters",
                f'the file has no Community Trigger letter "{letter_id}"',
                one_of(TRIGGER_LETTERS),
            )
    return found


def _letter(reader: Reader, table: Mapping[str, Any], prefix: str) -> LetterTemplate | None:
    reader.unknown_keys(table, LETTER_KEYS, prefix)
    before = len(reader.problems)
    letter_id = reader.text(
        table,
        "id",
        prefix,
        pattern=LETTER_ID,
        allowed="lower-case letters, digits and underscores, up to 40",
    )
    title = reader.text(table, "title", prefix, max_length=200)
    roles = reader.choices(table, "to", prefix, [r.value for r in PartyRole], "part")
    details = reader.text(table, "details", prefix, required=False, max_length=200)
    hint = reader.text(table, "hint", prefix, required=False, max_length=500)
    records = reader.choice(table, "records", prefix, [k.value for k in RECORDABLE], "action")
    versions = {}
    for key in ("paragraphs", "plain"):
        paragraphs = _paragraphs(reader, table, key, prefix)
        if paragraphs is not None:
            texts = [text for p in paragraphs for text in p.by_sender.values()]
            used = _placeholders(reader, path_of(prefix, key), texts, PLACEHOLDERS)
            if details and "details" not in used:
                reader.add(
                    path_of(prefix, key),
                    "never uses {details}, though the letter asks the officer for details",
                    "{details} in one of its paragraphs",
                )
            if not details and "details" in used:
                reader.add(
                    path_of(prefix, key),
                    "uses {details}, but the letter does not say what the officer writes",
                    'a details = "…" line saying what to write',
                )
            versions[key] = tuple(paragraphs)
    if len(reader.problems) > before:
        return None
    return LetterTemplate(
        id=letter_id or "",
        title=title or "",
        to=tuple(r for r in (PartyRole.of(v) for v in roles or ()) if r is not None),
        paragraphs=versions["paragraphs"],
        plain=versions["plain"],
        details=details,
        hint=hint,
        records=ActionKind.of(records) if records else None,
    )


_PARAGRAPHS = (
    "a list of paragraphs, each in quotes, or one that depends on who sends the letter: "
    '{ landlord = "…", others = "…" }'
)


def _paragraphs(
    reader: Reader, table: Mapping[str, Any], key: str, prefix: str
) -> list[Paragraph] | None:
    """A letter's paragraphs: each text in quotes, or a table of texts by the type of
    agency sending the letter (``SENDERS``); None when absent or unusable."""
    path = path_of(prefix, key)
    if key not in table:
        reader.add(path, f'missing required key "{key}"', _PARAGRAPHS)
        return None
    value = table[key]
    if not isinstance(value, list) or not value:
        found = "an empty list" if value == [] else kind_of(value)
        reader.add(path, f"expected a list of paragraphs, found {found}", _PARAGRAPHS)
        return None
    paragraphs: list[Paragraph] = []
    for item in value:
        if isinstance(item, str) and any(p.by_sender == {OTHERS: item} for p in paragraphs):
            reader.add(path, f'"{_start(item)}" is listed twice', _PARAGRAPHS)
        elif isinstance(item, str):
            paragraphs.append(Paragraph({OTHERS: item}))
        elif isinstance(item, dict) and item and all(isinstance(t, str) for t in item.values()):
            for sender in item:
                if sender not in SENDERS:
                    hint = did_you_mean(sender, SENDERS)
                    reader.add(path, f'unknown type of agency "{sender}"{hint}', one_of(SENDERS))
            paragraphs.append(Paragraph(dict(item)))
        else:
            reader.add(path, f"expected a paragraph, found {kind_of(item)}", _PARAGRAPHS)
    return paragraphs


def _placeholders(
    reader: Reader, path: str, paragraphs: Sequence[str], known: Sequence[str]
) -> set[str]:
    """The placeholders the paragraphs use; a problem for each one not ``known`` (what
    the hub fills), and for a brace that opens nothing or closes nothing."""
    used: set[str] = set()
    for paragraph in paragraphs:
        try:
            fields = [
                (name, spec, conversion)
                for _, name, spec, conversion in string.Formatter().parse(paragraph)
                if name is not None
            ]
        except ValueError:
            reader.add(
                path,
                f'"{_start(paragraph)}" has a brace that opens or closes nothing',
                "{name} placeholders; {{ and }} for a brace itself",
            )
            continue
        for name, spec, conversion in fields:
            if name not in known:
                hint = did_you_mean(name, known)
                reader.add(
                    path,
                    f"unknown placeholder {{{name}}}{hint}",
                    one_of([f"{{{p}}}" for p in known]),
                )
            elif spec or conversion:
                reader.add(
                    path,
                    f"placeholder {{{name}}} has a format: write it as {{{name}}}",
                    one_of([f"{{{p}}}" for p in known]),
                )
            else:
                used.add(name)
    return used


def _start(text: str) -> str:
    return text if len(text) <= 40 else text[:40] + "…"


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
    #: The person's part on the case the letter is addressed in ("reported person").
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


def addressees(
    session: Session, authorised: AuthorisedCase, template: LetterTemplate | None
) -> list[tuple[int, str, str]]:
    """The people on the case a letter may be addressed to (any letter's, without
    ``template``): (person id, part, "Name (part)"), by name where the decision allows.
    No audit entry: the form that lists them records its view."""
    roles = template.to if template else tuple(PartyRole)
    parties = session.scalars(
        select(CaseParty)
        .where(CaseParty.case_id == authorised.id, CaseParty.role.in_(roles))
        .order_by(CaseParty.id)
    ).all()
    load_data_keys(session, [p.person.data_key_id for p in parties])
    found = []
    for party in parties:
        values = reveal(authorised.decision, party.person, ("given_names", "family_name"))
        name = " ".join(v for v in (values["given_names"], values["family_name"]) if v)
        found.append(
            (
                party.person_id,
                party.role.value,
                f"{name or 'Name not recorded'} ({party.role.label.lower()})",
            )
        )
    return found


def make_letter(
    session: Session, authorised: AuthorisedCase, book: LetterBook, request: LetterRequest
) -> MadeLetter:
    """The letter for one person on the case (authorised for ``Act.RECORD``), its words
    filled from the case; refused at its field for a letter not in the book, a person the
    letter may not be addressed to, or details missing or too long. Recorded as one view
    of the case naming the letter and the person."""
    authorised.require(Act.RECORD)
    case = authorised.case
    template = book.get(request.letter_id)
    if template is None:
        raise InputError("letter", "Choose the letter to write")
    party = session.scalar(
        select(CaseParty).where(
            CaseParty.case_id == case.id,
            CaseParty.person_id == (request.person_id or 0),
            CaseParty.role.in_(template.to),
        )
    )
    if party is None:
        parts = " or ".join(r.label.lower() for r in template.to)
        raise InputError("person", f"Choose who the letter is for: a {parts} on this case")
    details = ""
    if template.details:
        details = checked_text(
            "details",
            request.details,
            limit=MAX_DETAILS,
            what="the details for the letter",
            required=template.details,
        )
    person = party.person
    load_data_keys(session, [person.data_key_id, case.data_key_id])
    values = reveal(
        authorised.decision,
        person,
        ("given_names", "family_name", "address", "postcode", "adjustments", "contact_needs"),
    )
    asked = adjustments_of(values["adjustments"])
    large = Adjustment.LARGE_PRINT in asked if request.large_print is None else request.large_print
    plain = Adjustment.PLAIN_LANGUAGE in asked if request.plain is None else request.plain
    reasons = [
        a.label.lower() for a in asked if a in (Adjustment.LARGE_PRINT, Adjustment.PLAIN_LANGUAGE)
    ]
    name = " ".join(v for v in (values["given_names"], values["family_name"]) if v) or None
    contact = book.contact.get(case.agency.code)
    filled = {
        "name": name or "resident",
        "reference": case.reference,
        "agency": case.agency.name,
        "officer": case.officer.display_name,
        "officer_email": case.officer.email,
        "agency_contact": contact or case.agency.name,
        "review_date": clock.day_text(case.review_due_on)
        if case.review_due_on
        else "the date of its next review",
        "incidents": _incident_days(session, case.id),
        "details": details,
    }
    sender = case.agency.type
    paragraphs = tuple(
        words.format_map(filled)
        for p in (template.plain if plain else template.paragraphs)
        if (words := p.words(sender)) is not None
    )
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=f"{acts.disclosed(authorised.decision)} | sections {template.id} letter; person {person.id}",
    )
    address = tuple(line for line in (values["address"] or "").splitlines() if line.strip())
    return MadeLetter(
        template=template,
        person_id=person.id,
        part=party.role.label.lower(),
        agency=case.agency.name,
        officer=case.officer.display_name,
        officer_email=case.officer.email,
        agency_contact=contact,
        reference=case.reference,
        dated=clock.today(),
        name=name,
        address=address + ((values["postcode"],) if values["postcode"] else ()),
        paragraphs=paragraphs,
        details=details,
        large_print=large,
        plain=plain,
        because=f"their reasonable adjustments ask for {' and '.join(reasons)}"
        if reasons
        else None,
        needs=RecordedNeeds.of(values["adjustments"], values["contact_needs"]),
    )


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
    ``case.record`` entry names the letter, the person, the document and the action."""
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
        action = actions.add_action(
            session,
            authorised,
            actions.ActionInput(
                kind=template.records,
                description=f"{template.title}: letter sent to the {letter.part}",
                owner_user_id=authorised.case.officer_id,
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
