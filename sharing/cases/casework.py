"""Recording casework: opening cases, adding incidents and actions, closing cases.

Each function checks its input again (the web forms check first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from sharing import clock, stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import agency_actions, erasure, reviews, shares
from sharing.cases.listing import may_own_cases
from sharing.cases.needs import Needs
from sharing.crypto import blind_index
from sharing.crypto.sealing import seal, seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import (
    checked_text,
    is_email_address,
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
)
from sharing.models import (
    Action,
    Agency,
    Case,
    CaseParty,
    CaseReferenceCounter,
    Incident,
    Person,
    User,
    Ward,
)
from sharing.models.base import table_of
from sharing.risk.escalation import escalate
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    CaseCategory,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    EscalationReason,
    Intervention,
    PartyRole,
    Priority,
    ProtectedCharacteristic,
    Triage,
)

#: Longest free text accepted in one field.
MAX_TEXT = 5000
MAX_LINE = 200
#: The longest note on a case's closing.
MAX_CLOSING_NOTE = 2000
#: Incidents may be dated at most this far ahead of the server clock (clock skew).
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_INCIDENT = datetime(1990, 1, 1, tzinfo=UTC)


@dataclass
class PersonInput:
    role: PartyRole
    family_name: str = ""
    given_names: str = ""
    date_of_birth: date | None = None
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""
    support_needs: str = ""
    contact_preferences: str = ""
    prefix: str = ""  # form field prefix for error messages, e.g. "victim-"
    #: Reasonable adjustments and contact needs, structured.
    needs: Needs = field(default_factory=Needs)


@dataclass
class CaseInput:
    category: CaseCategory
    priority: Priority
    triage: Triage
    summary: str
    officer_id: int | None = None
    hate_motivated: bool = False
    protected_characteristic: ProtectedCharacteristic | None = None
    ward_id: int | None = None
    address: str = ""
    postcode: str = ""
    uprn: str = ""
    parties: list[PersonInput] = field(default_factory=list)


@dataclass
class IncidentInput:
    occurred_at: datetime
    description: str
    place: str = ""
    reported_by_id: int | None = None
    received_by_agency_id: int | None = None
    reported_to_police: bool = False
    crime_reference: str = ""
    hate_related: bool = False
    #: The day the report was made, if not the day it is recorded.
    reported_on: date | None = None


@dataclass
class ActionInput:
    kind: ActionKind
    description: str
    owner_agency_id: int | None = None
    owner_user_id: int | None = None
    due_on: date | None = None


#: The oldest age a date of birth may give (an older one is a mistyped year).
MAX_AGE = 120


def _years_before(day: date, years: int) -> date:
    """The same day ``years`` earlier (28 February for a 29 February)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def earliest_date_of_birth(today: date) -> date:
    """The earliest date of birth a form takes: ``MAX_AGE`` years before ``today``."""
    return _years_before(today, MAX_AGE)


def _text(
    field_name: str, value: str, *, what: str, limit: int = MAX_TEXT, required: str = ""
) -> str:
    return checked_text(field_name, value, limit=limit, what=what, required=required)


def open_case(
    session: Session,
    actor: Actor,
    data: CaseInput,
    now: datetime | None = None,
    *,
    review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
) -> Case:
    """Open a case owned by the actor's agency, with its parties; its first review is due
    ``review_days`` (the days between reviews by priority) after the day it opens."""
    if not actor.works_cases:
        reason = "your roles do not include casework"
        raise acts.refused(session, acts.Action.CASE_OPEN, actor=actor, reason=reason)
    now = now or clock.now()
    agency = session.get(Agency, actor.agency_id)
    assert agency is not None  # noqa: S101 - a signed-in user always has an agency
    checked = check_case(session, actor, agency, data, now, review_days)
    case = Case(reference=_next_reference(session, agency, now), **checked.columns)
    session.add(case)
    seal_many(case, checked.sealed)
    blind_index.index_case(
        session, case, postcode=checked.sealed["postcode"], uprn=checked.sealed["uprn"]
    )
    for party in data.parties:
        add_party(session, actor, case, party, now=now)
    session.flush()
    acts.record(session, acts.Action.CASE_OPEN, actor=actor, subject=acts.Subject("case", case.id))
    if case.hate_motivated:
        escalate(session, case, EscalationReason.HATE_INCIDENT, now=now)
    return case


@dataclass(frozen=True)
class Checked:
    """A new record's values, checked: its plain columns (all but those the writer
    gives: a case's reference, an incident's case) and the values to seal, by column."""

    columns: dict[str, object]
    sealed: dict[str, str | None]


def check_case(
    session: Session,
    actor: Actor,
    agency: Agency,
    data: CaseInput,
    now: datetime,
    review_days: Mapping[str, int] = reviews.DEFAULT_DAYS,
) -> Checked:
    """Check a new case of ``agency`` opened by ``actor`` at ``now`` (not its parties):
    ``InputError`` at the first field that is not right. Its first review is due its
    priority's interval in ``review_days`` after the day it opens."""
    officer_id = data.officer_id or actor.user_id
    officer = session.get(User, officer_id)
    if officer is None or officer.agency_id != agency.id or not may_own_cases(officer):
        raise InputError("officer_id", "Choose a case officer or manager from your agency")
    if data.ward_id is not None:
        ward = session.get(Ward, data.ward_id)
        if ward is None or ward.area_id != agency.area_id:
            raise InputError("ward_id", "Choose a ward in your area")
    if data.hate_motivated and data.protected_characteristic is None:
        raise InputError(
            "protected_characteristic",
            "Select the protected characteristic the hate incident is about",
        )
    summary = _text(
        "summary", data.summary, what="the description", required="Describe the problem"
    )
    address = _text("address", data.address, limit=MAX_LINE * 3, what="the location")
    postcode, uprn = _postcode("postcode", data.postcode), _uprn("uprn", data.uprn)
    opened_on = clock.day_of(now)
    first_review = timedelta(days=reviews.interval(review_days, data.priority))
    columns: dict[str, object] = {
        "agency_id": agency.id,
        "officer_id": officer_id,
        "created_by_id": actor.user_id,
        "category": data.category,
        "priority": data.priority,
        "triage": data.triage,
        "hate_motivated": data.hate_motivated,
        "protected_characteristic": data.protected_characteristic if data.hate_motivated else None,
        "status": CaseStatus.ACTIVE,
        "opened_at": now,
        "review_due_on": opened_on + first_review,
        # Red cases are risk assessed at the outset (ASB & hate incident procedure 3.4).
        "risk_review_due_on": opened_on if data.priority is not Priority.AMBER else None,
        "ward_id": data.ward_id,
    }
    sealed = {"summary": summary, "address": address, "postcode": postcode, "uprn": uprn}
    return Checked(columns, sealed)


def _next_reference(session: Session, agency: Agency, now: datetime) -> str:
    """The agency's next case reference for the year, e.g. ``NGH-2026-00013``."""
    [reference] = next_references(session, agency, now.year, 1)
    return reference


def next_references(session: Session, agency: Agency, year: int, count: int) -> list[str]:
    """The agency's next ``count`` case references for ``year``, in order: taken from its
    counter row under the row's write lock, so concurrent opens never share one."""
    counter = table_of(CaseReferenceCounter)
    insert = (sqlite_insert if session.get_bind().dialect.name == "sqlite" else pg_insert)(counter)
    session.execute(insert.values(agency_id=agency.id, year=year, last=0).on_conflict_do_nothing())
    last = session.execute(
        update(counter)
        .where(counter.c.agency_id == agency.id, counter.c.year == year)
        .values(last=counter.c.last + count)
        .returning(counter.c.last)
    ).scalar_one()
    return [f"{agency.case_prefix}-{year}-{n:05d}" for n in range(last - count + 1, last + 1)]


def _postcode(field_name: str, value: str) -> str | None:
    if not value.strip():
        return None
    postcode = normalise_postcode(value)
    if postcode is None:
        raise InputError(field_name, "Enter a real postcode, like NG1 5AB")
    return postcode


def _uprn(field_name: str, value: str) -> str | None:
    if not value.strip():
        return None
    uprn = normalise_uprn(value)
    if uprn is None:
        raise InputError(field_name, "A UPRN is a number of up to 12 digits")
    return uprn


def add_party(
    session: Session, actor: Actor, case: Case, data: PersonInput, now: datetime | None = None
) -> CaseParty:
    """Record a new person on the case in the given role."""
    now = now or clock.now()
    values = check_person(data, now)
    person = Person(agency_id=case.agency_id, created_at=now)
    session.add(person)
    _fill(session, person, data, values)
    party = CaseParty(case=case, person=person, role=data.role)
    session.add(party)
    return party


def check_person(data: PersonInput, now: datetime) -> dict[str, str | None]:
    """A person's details checked and normalised, by sealed column; ``InputError`` at the
    field (with the form's prefix) for the first that is not right."""
    p = data.prefix
    family = _text(p + "family_name", data.family_name, limit=MAX_LINE, what="the last name")
    given = _text(p + "given_names", data.given_names, limit=MAX_LINE, what="the first names")
    if not family and not given:
        raise InputError(p + "family_name", "Enter the person's name, or leave the section out")
    today = clock.day_of(now)
    if data.date_of_birth and data.date_of_birth > today:
        raise InputError(p + "date_of_birth", "Date of birth must be in the past")
    if data.date_of_birth and data.date_of_birth < earliest_date_of_birth(today):
        raise InputError(
            p + "date_of_birth", f"Date of birth must be within the last {MAX_AGE} years"
        )
    phone = None
    if data.phone.strip():
        phone = normalise_phone(data.phone)
        if phone is None:
            raise InputError(
                p + "phone",
                "Enter a phone number, like 07700 900 982 (a number abroad: + and its country code)",
            )
    email = _text(p + "email", data.email, limit=254, what="the e-mail address")
    if email and not is_email_address(email):
        raise InputError(
            p + "email", "Enter an e-mail address in the correct format, like name@example.org"
        )
    needs = data.needs.checked()
    return {
        "family_name": family,
        "given_names": given,
        "date_of_birth": data.date_of_birth.isoformat() if data.date_of_birth else None,
        "phone": phone,
        "email": email,
        "address": _text(p + "address", data.address, limit=MAX_LINE * 3, what="the address"),
        "postcode": _postcode(p + "postcode", data.postcode),
        "support_needs": _text(
            p + "support_needs", data.support_needs, what="the vulnerability and support needs"
        ),
        "contact_preferences": _text(
            p + "contact_preferences",
            data.contact_preferences,
            limit=1000,
            what="the contact preferences",
        ),
        "adjustments": needs.adjustments_document(),
        "contact_needs": needs.contact_document(),
    }


def _fill(
    session: Session, person: Person, data: PersonInput, values: dict[str, str | None]
) -> bool:
    """Seal ``values`` into the person and index them for the already-known check; whether
    any of them changed."""
    changed = bool(seal_many(person, values))
    blind_index.index_person(
        session,
        person,
        family_name=values["family_name"],
        date_of_birth=data.date_of_birth,
        postcode=values["postcode"],
        phone=values["phone"],
    )
    return changed


def change_person(
    session: Session,
    authorised: AuthorisedCase,
    party_id: int,
    data: PersonInput,
    now: datetime | None = None,
    *,
    opened: str | None = None,
) -> bool:
    """Change the details, adjustments and contact needs of someone on an open case, and
    their part in it (authorised for ``Act.RECORD``): the agency keeps one record of the
    person, so their other cases show the change too. Whether anything changed: nothing
    is recorded for a form saved as it was. ``NotFound`` for a party of another case;
    ``InputError`` at the field, recorded, with nothing changed; ``ChangedMeanwhile``,
    naming who changed them last and when, if the person or their part changed after
    the form was opened (its stamp ``opened``)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    party = next((p for p in case.parties if p.id == party_id), None)
    if party is None or party.person.erased_at is not None:
        raise NotFound("no such person on this case")
    stamps.check(session, opened, party.person, party)
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=actor, subject=authorised.subject
    ):
        values = check_person(data, now or clock.now())
        if data.role is not party.role:
            _not_yet_in_part(case, party.person_id, data.role, "role")
    changed = _fill(session, party.person, data, values) or data.role is not party.role
    party.role = data.role
    if not changed:
        return False
    party.person.changed_by_user(actor.user_id, now or clock.now())
    session.flush()
    _recorded(session, actor, case, f"person {party.person_id} changed ({data.role.value})")
    return True


def _not_yet_in_part(case: Case, person_id: int, role: PartyRole, field: str) -> None:
    """``InputError`` at ``field`` when the person already is on the case in ``role``
    (a person holds each part on a case once)."""
    if any(p.person_id == person_id and p.role is role for p in case.parties):
        raise InputError(field, f"They are already on this case as {role.label.lower()}")


def add_person(
    session: Session,
    authorised: AuthorisedCase,
    data: PersonInput,
    known_person_id: int | None = None,
    now: datetime | None = None,
) -> CaseParty:
    """Add someone to an open case after it was opened (authorised for ``Act.RECORD``): a
    new person from ``data``, or, with ``known_person_id``, a person the agency already
    holds (found by the blind-index check), in ``data.role``. Refused at the field, with
    the refusal audited and nothing written: a known person who is not the agency's, or
    who is already on the case in that role; a new person without a name."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=actor, subject=authorised.subject
    ):
        if known_person_id is not None:
            person = session.get(Person, known_person_id)
            if person is None or person.agency_id != case.agency_id or person.erased_at:
                raise InputError("known_person", "Choose a person your agency holds")
            _not_yet_in_part(case, person.id, data.role, "known_person")
            party = CaseParty(case=case, person=person, role=data.role)
            session.add(party)
        else:
            party = add_party(session, actor, case, data, now)
    session.flush()
    _recorded(
        session,
        actor,
        case,
        f"person {party.person_id} added as {data.role.value}"
        + (" (already known)" if known_person_id is not None else ""),
    )
    return party


def remove_person(session: Session, authorised: AuthorisedCase, party_id: int) -> bool:
    """Take someone off an open case (authorised for ``Act.RECORD``): the person stays on
    the agency's other cases and in what was recorded about them (incidents they
    reported, their risk assessments); a person then held by no case is erased. Whether
    they were. ``NotFound`` for a party of another case."""
    authorised.require(Act.RECORD)
    case = authorised.case
    party = next((p for p in case.parties if p.id == party_id), None)
    if party is None:
        raise NotFound("no such person on this case")
    case.parties.remove(party)
    session.flush()
    _recorded(
        session,
        authorised.actor,
        case,
        f"person {party.person_id} removed as {party.role.value}",
    )
    return erasure.erase_if_held_by_no_case(session, authorised.actor, party.person)


def add_incident(
    session: Session, authorised: AuthorisedCase, data: IncidentInput, now: datetime | None = None
) -> Incident:
    """Record an incident on a case the actor works (authorised for ``Act.RECORD``)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    checked = check_incident(
        session, actor, case.agency.area_id, {p.person_id for p in case.parties}, data, now
    )
    incident = Incident(case=case, **checked.columns)
    session.add(incident)
    seal_many(incident, checked.sealed)
    if case.status is CaseStatus.INACTIVE:
        case.status = CaseStatus.ACTIVE
    session.flush()
    _recorded(session, actor, case, f"incident {incident.id}")
    if incident.hate_related:
        escalate(session, case, EscalationReason.HATE_INCIDENT, incident_id=incident.id, now=now)
    return incident


def check_incident(
    session: Session,
    actor: Actor,
    area_id: int,
    party_ids: Collection[int],
    data: IncidentInput,
    now: datetime,
) -> Checked:
    """Check an incident recorded by ``actor`` at ``now`` on a case of the area
    ``area_id`` whose people are ``party_ids``: ``InputError`` at the first field that is
    not right."""
    if data.occurred_at.tzinfo is None:
        raise InputError("occurred_at", "Enter the date and time the incident happened")
    if data.occurred_at > now + FUTURE_TOLERANCE:
        raise InputError("occurred_at", "The date of the incident must be today or in the past")
    if data.occurred_at < EARLIEST_INCIDENT:
        raise InputError("occurred_at", "The date of the incident must be after 1 January 1990")
    if data.reported_on is not None:
        if data.reported_on > clock.day_of(now):
            raise InputError("reported_on", "The date it was reported must be today or in the past")
        if data.reported_on < clock.day_of(data.occurred_at):
            raise InputError(
                "reported_on", "The date it was reported must be on or after the day it happened"
            )
    if data.reported_by_id is not None and data.reported_by_id not in party_ids:
        raise InputError("reported_by_id", "Choose who reported it from the people on the case")
    received_by = data.received_by_agency_id or actor.agency_id
    agency = session.get(Agency, received_by)
    if agency is None or agency.area_id != area_id:
        raise InputError("received_by_agency_id", "Choose an agency in the partnership")
    description = _text(
        "description", data.description, what="the description", required="Describe what happened"
    )
    place = _text("place", data.place, limit=MAX_LINE, what="the place")
    crime_reference = _text(
        "crime_reference", data.crime_reference, limit=40, what="the crime reference"
    )
    if crime_reference and not data.reported_to_police:
        raise InputError(
            "crime_reference",
            "A crime reference is only given for incidents reported to the police",
        )
    columns: dict[str, object] = {
        "occurred_at": data.occurred_at,
        "recorded_at": now,
        "recorded_by_id": actor.user_id,
        "reported_on": data.reported_on
        if data.reported_on is not None and data.reported_on != clock.day_of(now)
        else None,
        "reported_by_id": data.reported_by_id,
        "received_by_agency_id": received_by,
        "reported_to_police": data.reported_to_police,
        "hate_related": data.hate_related,
    }
    sealed: dict[str, str | None] = {
        "description": description,
        "place": place,
        "crime_reference": crime_reference,
    }
    return Checked(columns, sealed)


def _recorded(session: Session, actor: Actor, case: Case, what: str) -> None:
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=what,
    )


def _checked_owner(
    session: Session, case: Case, data: ActionInput, default_agency_id: int
) -> tuple[int, int | None]:
    """The owning agency (of the case's area) and named person (of that agency, one who
    works actions) of an action, or ``InputError`` at the field that is wrong."""
    owner_agency_id = data.owner_agency_id or default_agency_id
    agency = session.get(Agency, owner_agency_id)
    if agency is None or agency.area_id != case.agency.area_id:
        raise InputError("owner_agency_id", "Choose an agency in the partnership")
    if data.owner_user_id is not None:
        owner = session.get(User, data.owner_user_id)
        if owner is None or not owner.active or owner.agency_id != owner_agency_id:
            raise InputError(
                "owner_user_id", "Choose a person from the agency that owns the action"
            )
        if not agency_actions.works_actions(owner):
            raise InputError("owner_user_id", agency_actions.NOT_ACTION_OWNER)
    return owner_agency_id, data.owner_user_id


def _check_due(due_on: date | None, today: date) -> None:
    if due_on is not None and not (today <= due_on <= today + timedelta(days=730)):
        raise InputError("due_on", "The due date must be today or later, and within two years")


def add_action(
    session: Session, authorised: AuthorisedCase, data: ActionInput, now: datetime | None = None
) -> Action:
    """Record an action or intervention on a case, owned by a partner agency (authorised
    for ``Act.RECORD``)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    owner_agency_id, owner_user_id = _checked_owner(session, case, data, actor.agency_id)
    _check_due(data.due_on, clock.day_of(now))
    action = Action(
        case=case,
        kind=data.kind,
        owner_agency_id=owner_agency_id,
        owner_user_id=owner_user_id,
        due_on=data.due_on,
        created_by_id=actor.user_id,
        created_at=now,
    )
    session.add(action)
    seal(
        action,
        "description",
        _text(
            "description", data.description, what="the description", required="Describe the action"
        ),
    )
    session.flush()
    _recorded(session, actor, case, f"action {action.id}")
    return action


def open_action(session: Session, authorised: AuthorisedCase, action_id: int) -> Action:
    """An open action of the authorised case (``NotFound`` for any other)."""
    action = session.get(Action, action_id)
    if action is None or action.case_id != authorised.id:
        raise NotFound(action_id)
    if action.status is not ActionStatus.OPEN:
        raise InputError("description", f"This action is already {action.status.label.lower()}")
    return action


def change_action(
    session: Session,
    authorised: AuthorisedCase,
    action_id: int,
    data: ActionInput,
    *,
    at_the_table: set[int] | None = None,
    now: datetime | None = None,
    opened: str | None = None,
) -> bool:
    """Change an open action of the case (authorised for ``Act.RECORD``): what, who owns
    it and by when; whether anything changed (nothing is recorded for a form saved as it
    was). An action a conference agreed stays with an agency at its table
    (``at_the_table``); a due date already passed may stay as it is, a new one must be
    from today on. ``ChangedMeanwhile``, naming who changed it last and when, if the
    action changed after the form was opened (its stamp ``opened``)."""
    authorised.require(Act.RECORD)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    action = open_action(session, authorised, action_id)
    stamps.check(session, opened, action)
    owner_agency_id, owner_user_id = _checked_owner(session, case, data, action.owner_agency_id)
    if at_the_table is not None and owner_agency_id not in at_the_table:
        raise InputError(
            "owner_agency_id",
            "The conference agreed this action: choose an agency at the conference",
        )
    if data.due_on != action.due_on:
        _check_due(data.due_on, clock.day_of(now))
    description = _text(
        "description", data.description, what="the description", required="Describe the action"
    )
    as_it_was = (action.kind, action.owner_agency_id, action.owner_user_id, action.due_on)
    action.kind = data.kind
    action.owner_agency_id = owner_agency_id
    action.owner_user_id = owner_user_id
    action.due_on = data.due_on
    described = seal(action, "description", description)
    if not described and as_it_was == (data.kind, owner_agency_id, owner_user_id, data.due_on):
        return False
    action.changed_by_user(actor.user_id, now)
    session.flush()
    _recorded(session, actor, case, f"action {action.id} changed")
    return True


#: The closure reason "no reports of ASB for 28 days" (003 §3.13) needs that many days.
QUIET_DAYS = 28


def _require_quiet_days(case: Case, today: date) -> None:
    """``InputError`` at the reason when a report was made within ``QUIET_DAYS``."""
    latest = max((i.reported_day for i in case.incidents), default=None)
    if latest is not None and latest > today - timedelta(days=QUIET_DAYS):
        raise InputError(
            "reason",
            f"The latest report was made on {latest:%-d %B %Y}: this reason needs "
            f"{QUIET_DAYS} days without reports (from "
            f"{latest + timedelta(days=QUIET_DAYS):%-d %B %Y})",
        )


def close_case(
    session: Session,
    authorised: AuthorisedCase,
    reason: ClosureReason,
    note: str = "",
    now: datetime | None = None,
    *,
    outcome: ClosureOutcome | None,
    resolved_by: Intervention | None = None,
) -> Case:
    """Close a case (authorised for ``Act.CLOSE``) with one of the procedure's reasons,
    whether the behaviour was resolved and, if it was, the main action that resolved it
    (HouseMark's list). Refused, with the field, nothing written and the refusal audited:
    a case already closed, no outcome, a resolved case without its main action, or an
    action given for one not resolved. Its live shares for ASB case management end with it
    (``shares.end_at_closing``)."""
    authorised.require(Act.CLOSE)
    case, actor = authorised.case, authorised.actor
    with acts.refusing_input(
        session, acts.Action.CASE_CLOSE, actor=actor, subject=authorised.subject
    ):
        read_for_change(session, case)  # closed twice at once: the second waits, then sees it
        if case.status is CaseStatus.CLOSED:
            raise InputError("reason", "This case is already closed")
        if outcome is None:
            raise InputError("outcome", "Say whether the anti-social behaviour was resolved")
        if outcome is ClosureOutcome.RESOLVED and resolved_by is None:
            raise InputError("resolved_by", "Choose the main action that resolved it")
        if outcome is ClosureOutcome.NOT_RESOLVED and resolved_by is not None:
            raise InputError(
                "resolved_by", "Leave the main action empty: the behaviour was not resolved"
            )
        if reason is ClosureReason.RESOLVED and outcome is ClosureOutcome.NOT_RESOLVED:
            raise InputError(
                "outcome",
                "The reason says the anti-social behaviour has been resolved: choose "
                "resolved, or another reason",
            )
        if reason is ClosureReason.NO_REPORTS_28_DAYS:
            _require_quiet_days(case, clock.day_of(now or clock.now()))
        text = _text("note", note, limit=MAX_CLOSING_NOTE, what="the note")
    case.status = CaseStatus.CLOSED
    case.closure_reason = reason
    case.closure_outcome = outcome
    case.resolved_by = resolved_by
    case.closed_at = closed_at = now or clock.now()
    case.review_due_on = None
    case.risk_review_due_on = None
    seal(case, "closure_note", text)
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_CLOSE,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=f"reason {reason.value}; {outcome.value}"
        + (f" by {resolved_by.value}" if resolved_by else ""),
    )
    shares.end_at_closing(session, actor, case, closed_at)
    return case
