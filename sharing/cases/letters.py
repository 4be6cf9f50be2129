"""The complainant's action plan letter (CIH guidance, 000: "a realistic action plan,
with clear timescales and agreed communication methods ... give them a copy"; 003 §3.8):
what we will do (the open actions the officer chooses), what we ask of them, and how we
keep in touch, addressed to a victim or reporter on the case, to print and sign.

Only the case's own agency writes it, on an open case; making one is recorded as one view
of the case naming the person and the actions it showed. Its PDF is kept with the case's
documents (``keep_letter``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.access.reveal import load_data_keys, reveal, reveal_rows
from sharing.audit import acts
from sharing.cases import documents, people_shown
from sharing.cases.needs import RecordedNeeds, adjustments_of
from sharing.cases.standard_letters import officer_left
from sharing.clock import day_text
from sharing.errors import InputError
from sharing.files.stores import FileStore
from sharing.formats import checked_text
from sharing.models import Action, CaseParty, Document
from sharing.vocabulary import ActionStatus, Adjustment, PartyRole

MAX_PART = 2_000
#: Who a letter may be addressed to.
ADDRESSEES = (PartyRole.VICTIM, PartyRole.REPORTER)
#: What the procedures ask of a complainant, offered as the starting text.
USUAL_ASKS = (
    "Keep a diary of what happens, with dates and times (ask us for diary sheets to write it on). "
    "Report new incidents to us as soon as you can, and to the police on 101, or 999 if "
    "you are in danger. Tell us if anything changes, or if you no longer want us to act."
)


@dataclass(frozen=True)
class Addressee:
    person_id: int
    label: str


@dataclass(frozen=True)
class PlannedAction:
    id: int
    kind: str
    owner: str
    due_on: date | None
    description: str | None
    #: Due on a day already gone: the letter promises no day for it, and the form says so.
    overdue: bool = False

    @property
    def promised_by(self) -> date | None:
        """The day the letter says it will be done by: its due day, unless that is gone."""
        return None if self.overdue else self.due_on


@dataclass(frozen=True)
class LetterInput:
    person_id: int | None
    action_ids: Sequence[int]
    asks: str
    keeping_in_touch: str
    #: Large print: None to follow the person's reasonable adjustments.
    large_print: bool | None = None


@dataclass(frozen=True)
class Letter:
    person_id: int
    agency: str
    officer: str
    #: How to reach the officer and their agency (as on the standard letters).
    officer_email: str
    agency_contact: str | None
    reference: str
    dated: date
    name: str | None
    address: str | None
    postcode: str | None
    we_will: list[PlannedAction]
    asks: str
    keeping_in_touch: str
    review_due_on: date | None
    #: Their adjustments and how to contact them, for the officer to arrange.
    needs: RecordedNeeds = RecordedNeeds()
    #: In large print (16 point), and why, when their adjustments ask for it.
    large_print: bool = False
    because: str | None = None

    @property
    def variant(self) -> str:
        """ "large print", or "standard", as a standard letter's."""
        return "large print" if self.large_print else "standard"


def addressees(session: Session, authorised: AuthorisedCase) -> list[Addressee]:
    """The victims and reporters on the case, each once with their parts ("Name (victim
    and reporter)"), by name where the decision allows."""
    parties = session.scalars(
        select(CaseParty)
        .where(CaseParty.case_id == authorised.id, CaseParty.role.in_(ADDRESSEES))
        .order_by(CaseParty.id)
    ).all()
    people = people_shown.by_person(parties)
    load_data_keys(session, [held[0].person.data_key_id for held in people.values()])
    names = reveal_rows(
        authorised.decision,
        [held[0].person for held in people.values()],
        people_shown.NAME_PARTS,
    )
    return [
        Addressee(
            person_id,
            f"{' '.join(v for v in values.values() if v) or 'Name not recorded'} "
            f"({people_shown.parts_text([p.role for p in held])})",
        )
        for (person_id, held), values in zip(people.items(), names, strict=True)
    ]


def planned_actions(session: Session, authorised: AuthorisedCase) -> list[PlannedAction]:
    """The case's open actions, soonest due first, as the officer may choose them (those
    past their due day marked overdue: a letter promises no day gone)."""
    actions = session.scalars(
        select(Action)
        .where(Action.case_id == authorised.id, Action.status == ActionStatus.OPEN)
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    ).all()
    load_data_keys(session, [authorised.case.data_key_id])
    texts = reveal_rows(authorised.decision, actions, ("description",))
    today = clock.today()
    return [
        PlannedAction(
            a.id,
            a.kind.label,
            a.owner_agency.name,
            a.due_on,
            t["description"],
            overdue=a.due_on is not None and a.due_on < today,
        )
        for a, t in zip(actions, texts, strict=True)
    ]


def complainant_letter(
    session: Session,
    authorised: AuthorisedCase,
    data: LetterInput,
    contact: Mapping[str, str] | None = None,
) -> Letter:
    """The letter for a victim or reporter on the case (authorised for ``Act.RECORD``), in
    large print where their reasonable adjustments ask for it (unless ``data`` says
    otherwise): refused with its field for anyone else, an action not open on the case,
    or what we ask and how we keep in touch missing or too long, and while the case's
    officer has left (the letter names them: ``standard_letters.officer_left``), each
    refusal recorded (a refused ``case.record`` naming the field); recorded as one view.
    ``contact``: the agencies' contact lines (the letters file's), by agency code."""
    authorised.require(Act.RECORD)
    case = authorised.case
    with acts.refusing_input(
        session,
        acts.Action.CASE_RECORD,
        actor=authorised.actor,
        subject=authorised.subject,
        what="action plan letter",
    ):
        if left := officer_left(case):
            raise InputError("person", left)
        party = session.scalar(
            select(CaseParty).where(
                CaseParty.case_id == case.id,
                CaseParty.person_id == (data.person_id or 0),
                CaseParty.role.in_(ADDRESSEES),
            )
        )
        if party is None:
            raise InputError("person", "Select the victim or reporter the letter is for")
        plan = {p.id: p for p in planned_actions(session, authorised)}
        if any(i not in plan for i in data.action_ids):
            raise InputError("actions", "Select open actions of this case")
        asks = checked_text(
            "asks",
            data.asks,
            limit=MAX_PART,
            what="what we ask of them",
            required="Say what you ask of them",
        )
        keeping_in_touch = checked_text(
            "keeping_in_touch",
            data.keeping_in_touch,
            limit=MAX_PART,
            what="how we will keep in touch",
            required="Say how and how often you will keep in touch",
        )
    person = party.person
    load_data_keys(session, [person.data_key_id])
    values = reveal(
        authorised.decision,
        person,
        (*people_shown.NAME_PARTS, "address", "postcode", "adjustments", "contact_needs"),
    )
    chosen = [plan[i] for i in plan if i in set(data.action_ids)]
    asked = Adjustment.LARGE_PRINT in adjustments_of(values["adjustments"])
    large = asked if data.large_print is None else data.large_print
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        basis=(
            f"{acts.disclosed(authorised.decision)} | sections complainant letter"
            f"{' (large print)' if large else ''}; "
            f"person {person.id}; actions {acts.ids([a.id for a in chosen])}"
        ),
    )
    return Letter(
        person_id=person.id,
        agency=case.agency.name,
        officer=case.officer.display_name,
        officer_email=case.officer.email,
        agency_contact=(contact or {}).get(case.agency.code),
        reference=case.reference,
        dated=clock.today(),
        name=people_shown.name(authorised.decision, person, values),
        address=values["address"],
        postcode=values["postcode"],
        we_will=chosen,
        asks=asks,
        keeping_in_touch=keeping_in_touch,
        # An overdue review's day is gone: the letter promises no review by it.
        review_due_on=case.review_due_on
        if case.review_due_on and case.review_due_on >= clock.today()
        else None,
        needs=RecordedNeeds.of(values["adjustments"], values["contact_needs"]),
        large_print=large,
        because="their reasonable adjustments ask for large print" if asked and large else None,
    )


def keep_letter(
    session: Session, authorised: AuthorisedCase, store: FileStore, letter: Letter, pdf: bytes
) -> Document:
    """Keep the letter's PDF as a document of the case, addressed to its person: read
    only by those given the actions it lists too, as well as its addressee's name and
    address."""
    return documents.keep_letter(
        session,
        authorised,
        store,
        person_id=letter.person_id,
        description=f"Action plan letter ({letter.variant}), {day_text(letter.dated)}",
        filename="action-plan-letter.pdf",
        pdf=pdf,
        also_holds=("actions",),
    )
