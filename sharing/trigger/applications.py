"""Community Trigger applications as the lead agency handles them: recording one taken by
phone, letter, e-mail or in person; the applications waiting, by working days left; one
application with the threshold check across the relevant bodies; and the lead's decision.

Only the lead agency's Community Trigger leads and managers handle applications; anyone
else is refused (``NotAllowed``), and an application they ask for by number is "not
found". Every read of an application's details is one audit entry, every write one more,
naming ids and counts, never the details.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, and_, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from sharing import clock, notices
from sharing.access.decide import Actor, Decision
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.cases import casework
from sharing.cases.listing import PAGE_SIZE
from sharing.clock import day_text
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import (
    checked_text,
    is_email_address,
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
)
from sharing.models import Agency, TriggerApplication, TriggerBodyCount, TriggerLetter
from sharing.trigger import complaints, letters, threshold
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted, WorkingDays, england_and_wales
from sharing.vocabulary import (
    CATEGORIES,
    Labelled,
    LetterKind,
    OnBehalf,
    Role,
    ThresholdDecision,
    TriggerChannel,
    VictimKind,
)

#: How a letter's e-mail went.
Emailing = Literal["sent", "waiting", "refused"]

T = TypeVar("T")

#: Who handles applications at the lead agency.
HANDLERS = frozenset({Role.TRIGGER_LEAD, Role.MANAGER})
#: The Community Trigger (the ASB Case Review) began on 20 October 2014 (Anti-social
#: Behaviour, Crime and Policing Act 2014, sections 104 and 105): no application is older.
EARLIEST_RECEIVED = date(2014, 10, 20)
MAX_NAME = 200
MAX_TEXT = 5_000
MAX_REASONS = 3_000
MAX_ADDRESS = 500
MAX_CONSENT_NOTE = 1_000
#: Markup is refused in what applicants say: an application is read, never rendered.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]")
#: The field an act on an erased application is refused at (recorded as "refused input:
#: erased"): no form has it, so the page says it on its own.
ERASED = "erased"
#: The field a step already taken is refused at when its form is sent again (Back, a
#: second tab): its form is no longer on the page, so the page says it on its own.
ALREADY_DONE = "already done"


def erased_on(application: TriggerApplication) -> date | None:
    """The day the application's personal data was erased, if it was."""
    return clock.day_of(application.erased_at) if application.erased_at else None


def refuse_if_erased(application: TriggerApplication, what: str) -> None:
    """``InputError`` at ``ERASED``, saying ``what`` cannot be done, for an application
    whose personal data was erased: nothing sealed under its key can be read or written."""
    day = erased_on(application)
    if day is not None:
        raise InputError(
            ERASED,
            f"The personal data of application {application.reference} was erased on "
            f"{day_text(day)}: {what}",
        )


def handling_agency(session: Session, actor: Actor, procedure: Procedure) -> Agency | None:
    """The lead agency, if the actor handles its applications (for a page to decide what
    to offer: nothing is recorded); else None."""
    agency = session.get(Agency, actor.agency_id)
    if agency is None or agency.code != procedure.lead or not actor.has(*HANDLERS):
        return None
    return agency


def lead_agency(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    action: acts.Action,
    application_id: int | None = None,
) -> Agency:
    """The lead agency, if the actor handles its applications; else ``NotAllowed``, the
    attempt to do ``action`` (to the application, if one is named) recorded as refused,
    so the lead's DPO sees any other agency's attempts on the applications."""
    agency = handling_agency(session, actor, procedure)
    if agency is None:
        why = "only the lead agency's Community Trigger leads and managers"
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("trigger_application", application_id),
            reason=why,
        )
    return agency


@dataclass(frozen=True)
class ApplicationInput:
    received_on: date | None
    channel: str
    victim_kind: str
    victim_family_name: str
    victim_given_names: str = ""
    victim_date_of_birth: date | None = None
    victim_phone: str = ""
    victim_email: str = ""
    victim_address: str = ""
    victim_postcode: str = ""
    victim_uprn: str = ""
    problem: str = ""
    #: Who applied for the victim ("" when the victim applied), their name and contact.
    on_behalf: str = ""
    applicant_name: str = ""
    applicant_contact: str = ""
    consent_recorded: bool = False
    consent_note: str = ""


def plain_text(field: str, value: str, limit: int, *, what: str, required: str = "") -> str:
    """``value`` checked as ``checked_text`` does, and without markup; ``what`` names it."""
    text = checked_text(field, value, limit=limit, what=what, required=required)
    if _MARKUP.search(text):
        raise InputError(field, "Remove the < sign: write it in plain words, without HTML")
    return text


#: What an e-mail field that is not an address says (as the case and account forms do).
EMAIL_FORMAT = "Enter an e-mail address in the correct format, like name@example.org"


def email_text(field: str, value: str) -> str | None:
    """An optional e-mail address, whole, or None when left empty: the letters go to it,
    so a mistyped one (a space, two @) is refused rather than sent to part of it."""
    text = checked_text(field, value, limit=MAX_NAME, what="the victim's e-mail address")
    if text and not is_email_address(text):
        raise InputError(field, EMAIL_FORMAT)
    return text or None


def contact_text(field: str, value: str, *, what: str, required: str) -> str:
    """How to reach whoever applied for the victim: a phone number or other words, or an
    e-mail address on its own (the letters go to it), never text around an address."""
    text = plain_text(field, value, MAX_NAME, what=what, required=required)
    if "@" in text and not is_email_address(text):
        raise InputError(field, f"{EMAIL_FORMAT}, on its own (or give a phone number)")
    return text


def record_application(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    data: ApplicationInput,
    *,
    now: datetime | None = None,
    codes: random.Random | None = None,
) -> TriggerApplication:
    """Record an application the lead received. Refused with the field and reason,
    nothing written and the refusal audited, for: no date or one in the future, no
    channel, no victim's name, a third party without the victim's consent recorded, a
    postcode or UPRN that is not one, markup, or text too long. ``codes`` draws its
    reference's code (the system's randomness when None; the demo passes its seeded one,
    so that the same seed builds the same demo)."""
    agency = lead_agency(session, actor, procedure, acts.Action.TRIGGER_RECORD)
    return _create(session, procedure, agency, data, actor, now or clock.now(), codes=codes)


def submit_online(
    session: Session,
    procedure: Procedure,
    data: ApplicationInput,
    *,
    sent_with: str | None = None,
    now: datetime | None = None,
) -> TriggerApplication:
    """An application made on the public form (no account): received today, online, for
    the procedure's lead agency. Refused, and the refusal audited, as ``record_application``
    refuses. ``sent_with`` is the token of the "check your answers" page it was sent from:
    that page sent again (a double click, Back and send) is the application already made,
    with nothing more recorded or sent, even when the two sends race."""
    now = now or clock.now()
    if sent_with is not None and (earlier := _sent_with(session, sent_with)) is not None:
        return earlier
    agency = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    if agency is None:
        raise NotFound(procedure.lead)
    online = replace(data, received_on=clock.day_of(now), channel=TriggerChannel.ONLINE.value)
    return _create(session, procedure, agency, online, None, now, sent_with=sent_with)


def _sent_with(session: Session, token: str) -> TriggerApplication | None:
    return session.scalar(select(TriggerApplication).where(TriggerApplication.sent_with == token))


def refuse_online(session: Session, fields: list[str]) -> None:
    """Record that the public form refused its answers at ``fields`` (names only)."""
    acts.refuse(
        session,
        acts.Action.TRIGGER_RECORD,
        actor=None,
        subject=acts.Subject("trigger_application"),
        reason=f"refused input: {', '.join(dict.fromkeys(fields))}",
    )


def _create(
    session: Session,
    procedure: Procedure,
    agency: Agency,
    data: ApplicationInput,
    actor: Actor | None,
    now: datetime,
    *,
    sent_with: str | None = None,
    codes: random.Random | None = None,
) -> TriggerApplication:
    with acts.refusing_input(
        session,
        acts.Action.TRIGGER_RECORD,
        actor=actor,
        subject=acts.Subject("trigger_application"),
    ):
        values, choices = _checked(data, now)
    application = TriggerApplication(
        reference=new_reference(session, data.received_on or clock.day_of(now), codes),
        lead_agency_id=agency.id,
        procedure_key=procedure.id,
        procedure_version=procedure.version,
        received_on=data.received_on,
        recorded_by_id=actor.user_id if actor else None,
        recorded_at=now,
        consent_recorded=data.consent_recorded,
        sent_with=sent_with,
        **choices,
    )
    added = _added(session, application)
    if added is not application:
        return added
    seal_many(application, values)
    session.flush()
    letters.queue(session, application, LetterKind.ACKNOWLEDGEMENT, values, now)
    acts.record(
        session,
        acts.Action.TRIGGER_RECORD,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"channel {application.channel.value}; "
        + ("on behalf, consent recorded" if application.on_behalf else "by the victim"),
    )
    return application


def _added(session: Session, application: TriggerApplication) -> TriggerApplication:
    """``application`` added; or the application sent from the same page meanwhile, once
    that send has ended (the page's token is taken)."""
    savepoint = session.begin_nested()
    try:
        session.add(application)
        session.flush()  # waits here while the same page's send is under way
    except IntegrityError:
        savepoint.rollback()
        earlier = _sent_with(session, application.sent_with) if application.sent_with else None
        if earlier is None:
            raise
        return earlier
    savepoint.commit()
    return application


def _checked(
    data: ApplicationInput, now: datetime
) -> tuple[dict[str, str | None], dict[str, object]]:
    """The sealed values and the choices of ``data``; its first problem, if it has any."""
    problems, values, choices = _examined(data, now)
    if problems:
        raise problems[0]
    return values, choices


def problems_in(data: ApplicationInput, now: datetime) -> list[InputError]:
    """Every problem ``data`` has, in the order of the form's fields (nothing recorded:
    the public form asks one thing a page and shows the page's own problems)."""
    return _examined(data, now)[0]


def _examined(
    data: ApplicationInput, now: datetime
) -> tuple[list[InputError], dict[str, str | None], dict[str, object]]:
    problems: list[InputError] = []

    def attempt(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except InputError as problem:
            problems.append(problem)
            return None

    def received() -> None:
        if data.received_on is None:
            raise InputError("received_on", "Enter the date the application was received")
        if data.received_on > clock.day_of(now):
            raise InputError("received_on", "The date received cannot be in the future")
        if data.received_on < EARLIEST_RECEIVED:
            raise InputError(
                "received_on",
                "The date received must be on or after 20 October 2014, when the Community "
                "Trigger began",
            )

    def chosen(field: str, kind: type[Labelled], message: str) -> Callable[[], object]:
        def check() -> object:
            found = kind.of(getattr(data, field))
            if found is None:
                raise InputError(field, message)
            return found

        return check

    def born() -> None:
        born_on, today = data.victim_date_of_birth, clock.day_of(now)
        if born_on is not None and born_on >= today:
            raise InputError("victim_date_of_birth", "The date of birth must be in the past")
        if born_on is not None and born_on < casework.earliest_date_of_birth(today):
            raise InputError(
                "victim_date_of_birth",
                f"The victim's date of birth must be within the last {casework.MAX_AGE} years",
            )

    def behalf() -> OnBehalf | None:
        if not data.on_behalf:
            return None
        on_behalf = OnBehalf.of(data.on_behalf)
        if on_behalf is None:
            raise InputError("on_behalf", "Choose who applied for the victim")
        return on_behalf

    def consent() -> None:
        if data.on_behalf and not data.consent_recorded:
            raise InputError(
                "consent_recorded",
                "Someone applying for the victim needs the victim's consent: record it, or "
                "ask the victim to apply",
            )

    attempt(received)
    channel = attempt(chosen("channel", TriggerChannel, "Choose how the application was received"))
    on_behalf = attempt(behalf)
    values: dict[str, str | None] = {"applicant_name": None, "applicant_contact": None}
    if on_behalf is not None:
        values["applicant_name"] = attempt(
            lambda: plain_text(
                "applicant_name",
                data.applicant_name,
                MAX_NAME,
                what="the name of the person applying",
                required="Enter the name of the person applying",
            )
        )
        values["applicant_contact"] = attempt(
            lambda: contact_text(
                "applicant_contact",
                data.applicant_contact,
                what="how to contact the person applying",
                required="Enter how to contact the person applying",
            )
        )
    attempt(consent)
    values["consent_note"] = (
        attempt(
            lambda: (
                plain_text(
                    "consent_note", data.consent_note, MAX_CONSENT_NOTE, what="the note on consent"
                )
                or None
            )
        )
        if on_behalf is not None
        else None
    )
    victim_kind = attempt(
        chosen("victim_kind", VictimKind, "Choose who suffered the anti-social behaviour")
    )
    values["victim_given_names"] = attempt(
        lambda: (
            plain_text(
                "victim_given_names",
                data.victim_given_names,
                MAX_NAME,
                what="the victim's given names",
            )
            or None
        )
    )
    values["victim_family_name"] = attempt(
        lambda: plain_text(
            "victim_family_name",
            data.victim_family_name,
            MAX_NAME,
            what="the victim's surname",
            required="Enter the victim's surname (or the business's or group's name)",
        )
    )
    attempt(born)
    values["victim_date_of_birth"] = (
        data.victim_date_of_birth.isoformat() if data.victim_date_of_birth else None
    )
    values["victim_address"] = attempt(
        lambda: (
            plain_text(
                "victim_address", data.victim_address, MAX_ADDRESS, what="the victim's address"
            )
            or None
        )
    )
    values["victim_postcode"] = attempt(
        lambda: _optional(
            data.victim_postcode,
            normalise_postcode,
            "victim_postcode",
            "a real postcode, like NX1 1AA",
        )
    )
    values["victim_uprn"] = attempt(
        lambda: _optional(
            data.victim_uprn, normalise_uprn, "victim_uprn", "a UPRN of up to 12 digits"
        )
    )
    values["victim_phone"] = attempt(
        lambda: _optional(data.victim_phone, normalise_phone, "victim_phone", "a UK phone number")
    )
    values["victim_email"] = attempt(lambda: email_text("victim_email", data.victim_email))
    values["problem"] = attempt(
        lambda: plain_text(
            "problem",
            data.problem,
            MAX_TEXT,
            what="the description of the anti-social behaviour",
            required="Describe the anti-social behaviour and its effect",
        )
    )
    choices = {"channel": channel, "victim_kind": victim_kind, "on_behalf": on_behalf}
    return problems, values, choices


def _optional(
    value: str, normalise: Callable[[str], str | None], field: str, what: str
) -> str | None:
    if not value.strip():
        return None
    normalised = normalise(value)
    if normalised is None:
        raise InputError(field, f"Enter {what}, or leave it empty")
    return normalised


#: The characters of a reference's code: capitals and digits, less those read or heard as
#: others (0 and O, 1, I and L, U and V), so that it can be given over the phone.
REFERENCE_CHARACTERS = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_CODE_LENGTH = 6


def new_reference(session: Session, received_on: date, codes: random.Random | None) -> str:
    """A reference no application has, e.g. ``ASBR-2026-7KQ4MX``: the year received and a
    random code (29 characters to the power 6: about 600 million codes a year), never a
    count, so that nobody can tell from their references how many others applied between
    them, or whether a neighbour did."""
    draw = codes or _SYSTEM_RANDOM
    while True:
        code = "".join(draw.choice(REFERENCE_CHARACTERS) for _ in range(REFERENCE_CODE_LENGTH))
        reference = f"ASBR-{received_on.year}-{code}"
        taken = select(TriggerApplication.id).where(TriggerApplication.reference == reference)
        if session.scalar(taken) is None:
            return reference


_SYSTEM_RANDOM = random.SystemRandom()


@dataclass(frozen=True)
class Clock:
    """A stage's deadline in working days."""

    stage: str
    #: None when it cannot be counted (see ``uncountable``).
    due_on: date | None
    #: Working days from today to the deadline (negative: overdue by that many).
    days_left: int | None
    #: Why the deadline cannot be counted: it falls past the bank holiday list ("" when
    #: it is counted).
    uncountable: str = ""
    #: The deadline has passed: from the day after it, working day or not (a Friday's
    #: deadline missed is overdue on the Saturday, when no working day has yet passed).
    overdue: bool = False


def next_clock(
    application: TriggerApplication,
    procedure: Procedure,
    today: date,
    calendar: WorkingDays | None = None,
) -> Clock | None:
    """The application's next deadline, in working days: the threshold decision (of
    receipt); once met, the panel's meeting (of the decision), also while the sitting
    chosen for it is still to come; from the day of that sitting, the outcome letter (of
    the sitting). None when nothing is due of the lead: not met, or the outcome sent (an
    appeal is the appeal body's to time). A deadline past the bank holiday list is a
    clock saying why it cannot be counted."""
    calendar = calendar or england_and_wales()
    sitting = application.review_sitting
    due: Callable[[], date]
    if application.erased_at is not None:
        return None
    if application.decision is None:
        stage, due = "Threshold decision", lambda: decision_due(application, procedure, calendar)
    elif application.decision is ThresholdDecision.NOT_MET or application.outcome_on:
        return None
    elif sitting is None or clock.day_of(sitting.starts_at) > today:
        stage, due = "Review panel meets", lambda: review_due(application, procedure, calendar)
    else:
        sat_on, days = clock.day_of(sitting.starts_at), procedure.timescales.outcome
        stage, due = "Outcome letter", lambda: calendar.add(sat_on, days)
    try:
        due_on = due()
        return Clock(stage, due_on, calendar.between(today, due_on), overdue=due_on < today)
    except CalendarExhausted as exhausted:
        return Clock(stage, None, None, str(exhausted))


def counted_or_not(day: Callable[[], T]) -> tuple[T | None, str]:
    """``day()``, or None and why it cannot be counted (a day past the bank holiday
    list), for a page that shows the rest whatever the calendar."""
    try:
        return day(), ""
    except CalendarExhausted as exhausted:
        return None, str(exhausted)


def decision_due(
    application: TriggerApplication, procedure: Procedure, calendar: WorkingDays | None = None
) -> date:
    """The day the threshold decision is due by: working days after receipt."""
    calendar = calendar or england_and_wales()
    return calendar.add(application.received_on, procedure.timescales.threshold_decision)


def review_due(
    application: TriggerApplication, procedure: Procedure, calendar: WorkingDays | None = None
) -> date:
    """The day the panel should meet by: working days after the decision (or after
    today, before one)."""
    calendar = calendar or england_and_wales()
    decided = clock.day_of(application.decided_at or clock.now())
    return calendar.add(decided, procedure.timescales.review_meeting)


def may_ask(application: TriggerApplication) -> bool:
    """Whether the agencies holding the counted complaints may be asked to confirm them
    and bring their cases to the review panel: before the threshold decision (their
    confirming is part of it) and once it is met, not once it is not met (there is no
    review to bring them to)."""
    return application.decision is not ThresholdDecision.NOT_MET


@dataclass(frozen=True)
class ApplicationRow:
    id: int
    reference: str
    received_on: date
    channel: str
    clock: Clock | None
    decision: ThresholdDecision | None
    #: The day its personal data was erased, if it was.
    erased_on: date | None = None


@dataclass(frozen=True)
class ApplicationsPage:
    rows: list[ApplicationRow]
    total: int
    page: int
    pages: int
    #: How many applications have a deadline (they come first).
    open: int


#: An application with a deadline of the lead's (``next_clock`` gives it one): not
#: erased, and either undecided or met with its outcome still to send.
_OPEN = and_(
    TriggerApplication.erased_at.is_(None),
    or_(
        TriggerApplication.decision.is_(None),
        and_(
            TriggerApplication.decision != ThresholdDecision.NOT_MET,
            TriggerApplication.outcome_on.is_(None),
        ),
    ),
)
_NEWEST_FIRST = (TriggerApplication.received_on.desc(), TriggerApplication.id.desc())


def waiting(
    session: Session, actor: Actor, procedure: Procedure, page: int = 1, size: int = PAGE_SIZE
) -> ApplicationsPage:
    """A page of the lead agency's applications: those with a deadline first (overdue
    first, then by working days left), then the decided ones, newest first. The decided
    ones are paged in the database; those with a deadline (the lead's open work) are
    ordered by their working days, so all are read when a page shows any. References and
    dates only: no audit entry."""
    agency = lead_agency(session, actor, procedure, acts.Action.TRIGGER_VIEW)
    today = clock.today()
    of_lead = TriggerApplication.lead_agency_id == agency.id
    open_count, total = session.execute(
        select(func.count().filter(_OPEN), func.count()).where(of_lead)
    ).one()
    pages = max(1, -(-total // size))
    page = min(max(page, 1), pages)
    start, end = (page - 1) * size, page * size
    rows = _open_rows(session, of_lead, procedure, today)[start:end] if start < open_count else []
    if end > open_count:
        rows += [
            _application_row(a, procedure, today)
            for a in session.scalars(
                select(TriggerApplication)
                .where(of_lead, ~_OPEN)
                .order_by(*_NEWEST_FIRST)
                .limit(end - max(start, open_count))
                .offset(max(start - open_count, 0))
            )
        ]
    return ApplicationsPage(rows, total, page, pages, open_count)


def _open_rows(
    session: Session, of_lead: ColumnElement[bool], procedure: Procedure, today: date
) -> list[ApplicationRow]:
    """Every application with a deadline, overdue first, the longest overdue first; then
    the soonest due (newest first between equals)."""
    rows = [
        _application_row(a, procedure, today)
        for a in session.scalars(
            select(TriggerApplication)
            .where(of_lead, _OPEN)
            .options(selectinload(TriggerApplication.review_sitting))
            .order_by(*_NEWEST_FIRST)
        )
    ]
    return sorted(
        rows,
        key=lambda r: (
            r.clock is None or r.clock.days_left is None,
            r.clock is None or not r.clock.overdue,
            (r.clock and r.clock.days_left) or 0,
            (r.clock and r.clock.due_on) or date.max,
        ),
    )


def _application_row(
    application: TriggerApplication, procedure: Procedure, today: date
) -> ApplicationRow:
    return ApplicationRow(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        channel=application.channel.label,
        clock=next_clock(application, procedure, today),
        decision=application.decision,
        erased_on=erased_on(application),
    )


@dataclass(frozen=True)
class CountedComplaint:
    """A complaint the rules counted, as the lead may see it: the agency always; the
    dates and category unless it is held on a locked case."""

    agency: str
    locked: bool
    occurred_on: date | None
    reported_on: date | None
    category: str | None
    #: Other agencies that held a report of the same incident.
    also_reported_to: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleLine:
    title: str
    kind: str
    met: bool | None
    found: int
    needed: int | None


@dataclass(frozen=True)
class ApplicationPage:
    id: int
    reference: str
    received_on: date
    channel: str
    victim_kind: str
    on_behalf: str | None
    consent_recorded: bool
    details: dict[str, str | None]
    clock: Clock | None
    rules: list[RuleLine]
    counted: list[CountedComplaint]
    excluded: list[tuple[str, str]]
    advice_met: bool
    #: Whether the holding agencies may be asked to confirm their complaints (``may_ask``).
    may_ask: bool
    decision: ThresholdDecision | None
    decided_by: str | None
    decided_at: datetime | None
    review: Review | None = None
    #: The letters the applicant has been, or can be, sent, each with how its e-mail went:
    #: sent, waiting, or refused (the mail server refused it until it was given up); None:
    #: not queued for e-mail (no address).
    letters: list[tuple[LetterKind, Emailing | None]] = field(default_factory=list)
    #: Once its personal data is erased: the day, and what stays for the figures (the
    #: rules met at the decision, by title, and each relevant body's count then).
    erased_on: date | None = None
    rules_met: tuple[str, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class CaseAsked:
    """An agency asked to confirm a counted complaint and bring its case to the panel."""

    agency: str
    locked: bool
    asked_on: date
    #: Whether its case is on the panel's agenda yet.
    brought: bool


@dataclass(frozen=True)
class RecommendationLine:
    id: int
    agency: str
    text: str
    due_on: date
    on_appeal: bool
    completed_on: date | None
    completion_note: str | None


@dataclass(frozen=True)
class Review:
    """Where the review stands, from the panel to the appeal."""

    meet_by: date | None
    sitting_id: int | None
    series_id: int | None
    panel: str | None
    sits_at: datetime | None
    place: str | None
    sat: bool
    asked: list[CaseAsked]
    recommendations: list[RecommendationLine]
    outcome_on: date | None
    appeal_by: date | None
    appeal_received_on: date | None
    appeal_decision: str | None
    appeal_decided_on: date | None
    #: Whether the application goes to a review (met, or met by discretion).
    to_review: bool = False
    #: Whether the applicant may appeal (after the outcome letter or a "not met" decision).
    appeal_offered: bool = False
    #: Why a day above (``meet_by``, ``appeal_by``) cannot be counted, if one cannot.
    uncountable: str = ""


def _review(
    session: Session, application: TriggerApplication, procedure: Procedure
) -> Review | None:
    if application.decision is None:
        return None
    sitting = application.review_sitting
    on_agenda = {c.case_id for c in sitting.conferences} if sitting else set()
    texts = [reveal(LEAD, r, ("text", "completion_note")) for r in application.recommendations]
    to_review = application.decision is not ThresholdDecision.NOT_MET
    meet_by, meet_problem = (
        counted_or_not(lambda: review_due(application, procedure)) if to_review else (None, "")
    )
    appeal_by, appeal_problem = counted_or_not(lambda: letters.appeal_by(application, procedure))
    return Review(
        meet_by=meet_by,
        sitting_id=sitting.id if sitting else None,
        series_id=sitting.series_id if sitting else None,
        panel=sitting.series.name if sitting else None,
        sits_at=sitting.starts_at if sitting else None,
        place=(sitting.place or sitting.video_link) if sitting else None,
        sat=bool(sitting and sitting.starts_at <= clock.now()),
        asked=[
            CaseAsked(r.agency.name, r.locked, clock.day_of(r.asked_at), r.case_id in on_agenda)
            for r in application.requests
        ],
        recommendations=[
            RecommendationLine(
                id=r.id,
                agency=r.owner_agency.name,
                text=values["text"] or "",
                due_on=r.due_on,
                on_appeal=r.on_appeal,
                completed_on=r.completed_on,
                completion_note=values["completion_note"],
            )
            for r, values in zip(application.recommendations, texts, strict=True)
        ],
        outcome_on=application.outcome_on,
        appeal_by=appeal_by,
        appeal_received_on=application.appeal_received_on,
        appeal_decision=application.appeal_decision.label if application.appeal_decision else None,
        appeal_decided_on=application.appeal_decided_on,
        to_review=to_review,
        appeal_offered=letters.appeal_from(application) is not None,
        uncountable=meet_problem or appeal_problem,
    )


def _letters(
    session: Session, application: TriggerApplication
) -> list[tuple[LetterKind, Emailing | None]]:
    """The letters the application has reached, each with how its e-mail went."""
    emailed = {
        letter.kind: _emailing(letter)
        for letter in session.scalars(
            select(TriggerLetter).where(TriggerLetter.application_id == application.id)
        )
    }
    return [(kind, emailed.get(kind)) for kind, _ in letters.reached(application)]


def _emailing(letter: TriggerLetter) -> Emailing:
    if letter.sent_at is not None:
        return "sent"
    return "refused" if notices.gave_up(letter) else "waiting"


#: The lead agency's Trigger leads and managers see all of their own applications.
LEAD = Decision(
    allowed=True,
    categories=dict.fromkeys(CATEGORIES, "The lead agency's own Community Trigger application"),
    own_agency=True,
)

DETAILS = (
    "victim_given_names",
    "victim_family_name",
    "victim_date_of_birth",
    "victim_phone",
    "victim_email",
    "victim_address",
    "victim_postcode",
    "victim_uprn",
    "problem",
    "applicant_name",
    "applicant_contact",
    "consent_note",
    "decision_reasons",
    "outcome_findings",
    "outcome_next_steps",
    "appeal_reasons",
    "appeal_findings",
)


def handled(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    action: acts.Action = acts.Action.TRIGGER_VIEW,
) -> TriggerApplication:
    """The lead agency's application, for the actor to do ``action`` to; ``NotAllowed``
    or ``NotFound``, the refused ``action`` recorded, otherwise."""
    agency = lead_agency(session, actor, procedure, action, application_id)
    application = session.get(TriggerApplication, application_id)
    if application is None or application.lead_agency_id != agency.id:
        raise acts.refused(
            session,
            action,
            actor=actor,
            subject=acts.Subject("trigger_application", application_id),
            reason="no such application at the lead agency",
            answer=NotFound(application_id),
        )
    return application


def advice_for(
    session: Session,
    procedure: Procedure,
    application: TriggerApplication,
    details: dict[str, str | None],
) -> tuple[threshold.Advice, complaints.Gathered]:
    dob = details["victim_date_of_birth"]
    applicant = complaints.Applicant(
        family_name=details["victim_family_name"] or "",
        date_of_birth=date.fromisoformat(dob) if dob else None,
        phone=details["victim_phone"] or "",
        postcode=details["victim_postcode"] or "",
        uprn=details["victim_uprn"] or "",
        address=details["victim_address"] or "",
    )
    gathered = complaints.gather(session, procedure, application.lead_agency.area_id, applicant)
    return threshold.assess(gathered.complaints, procedure, application.received_on), gathered


def application_page(
    session: Session, actor: Actor, procedure: Procedure, application_id: int
) -> ApplicationPage:
    """The application with the threshold check across the relevant bodies, recorded as
    one audit entry naming the complaints counted (by id) and each rule's count. An
    erased application shows what stays, without the check (nothing personal is left to
    search by)."""
    application = handled(session, actor, procedure, application_id)
    if application.erased_at is not None:
        return _erased_page(session, actor, procedure, application)
    details = reveal(LEAD, application, DETAILS)
    advice, gathered = advice_for(session, procedure, application, details)
    counted_ids = sorted({c.id for r in advice.rules for c in r.counted})
    acts.record(
        session,
        acts.Action.TRIGGER_VIEW,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"{_summary(advice)}; complaints {acts.ids(counted_ids)}",
    )
    by_first = {i.first.id: i for i in advice.incidents}
    counted = []
    for complaint_id in dict.fromkeys(
        c.id for r in advice.rules if r.rule.kind != "community" for c in r.counted
    ):
        incident = by_first[complaint_id]
        held = gathered.held[complaint_id]
        first = incident.first
        counted.append(
            CountedComplaint(
                agency=held.agency,
                locked=held.locked,
                occurred_on=None if held.locked else clock.day_of(first.occurred_at),
                reported_on=None if held.locked else first.reported_on,
                category=None if held.locked else first.category.replace("_", " "),
                also_reported_to=tuple(gathered.held[r.id].agency for r in incident.reports[1:]),
            )
        )
    return ApplicationPage(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        channel=application.channel.label,
        victim_kind=application.victim_kind.label,
        on_behalf=application.on_behalf.label if application.on_behalf else None,
        consent_recorded=application.consent_recorded,
        details=details,
        clock=next_clock(application, procedure, clock.today()),
        rules=[RuleLine(r.rule.title, r.rule.kind, r.met, r.found, r.needed) for r in advice.rules],
        counted=sorted(counted, key=lambda c: (c.occurred_on or date.max, c.agency)),
        excluded=[
            (gathered.held[e.complaint.id].agency, e.reason)
            for e in advice.excluded
            if e.reason != "after the application"
        ],
        advice_met=advice.met,
        may_ask=may_ask(application),
        decision=application.decision,
        decided_by=application.decided_by.display_name if application.decided_by else None,
        decided_at=application.decided_at,
        review=_review(session, application, procedure),
        letters=_letters(session, application),
    )


def _erased_page(
    session: Session, actor: Actor, procedure: Procedure, application: TriggerApplication
) -> ApplicationPage:
    acts.record(
        session,
        acts.Action.TRIGGER_VIEW,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis="personal data erased: nothing read",
    )
    titles = {r.id: r.title for r in procedure.rules}
    met = (application.rules_met or "").split(",")
    return ApplicationPage(
        id=application.id,
        reference=application.reference,
        received_on=application.received_on,
        channel=application.channel.label,
        victim_kind=application.victim_kind.label,
        on_behalf=application.on_behalf.label if application.on_behalf else None,
        consent_recorded=application.consent_recorded,
        details=dict.fromkeys(DETAILS),
        clock=None,
        rules=[],
        counted=[],
        excluded=[],
        advice_met=False,
        may_ask=False,
        decision=application.decision,
        decided_by=application.decided_by.display_name if application.decided_by else None,
        decided_at=application.decided_at,
        review=_review(session, application, procedure),
        erased_on=erased_on(application),
        rules_met=tuple(titles.get(rule, rule) for rule in met if rule),
        counts=tuple(sorted((c.agency.name, c.complaints) for c in application.counts)),
    )


def _summary(advice: threshold.Advice) -> str:
    """Each counting rule's count, for the audit log and the decision record."""
    return "; ".join(
        f"{r.rule.id} {r.found} of {r.needed}" for r in advice.rules if r.needed is not None
    )


def decide(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    decision: str,
    reasons: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """The lead's threshold decision, with reasons, recorded once with the rules' advice
    (counts only). "Met by discretion" needs the procedure to allow it. Refused with the
    field and reason, nothing written, the refusal audited."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # sent twice at once: the second waits, then sees it
    with acts.refusing_input(
        session,
        acts.Action.TRIGGER_DECIDE,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
    ):
        refuse_if_erased(application, "the threshold can no longer be checked or decided")
        if application.decision is not None:
            raise InputError(
                ALREADY_DONE, "The threshold decision is already recorded. Nothing was changed."
            )
        chosen = ThresholdDecision.of(decision)
        if chosen is None:
            raise InputError("decision", "Choose whether the threshold is met")
        if chosen is ThresholdDecision.DISCRETION and not any(
            r.kind == "discretion" for r in procedure.rules
        ):
            raise InputError("decision", "The area's procedure has no discretion to review")
        text = plain_text(
            "reasons",
            reasons,
            MAX_REASONS,
            what="the reasons for the decision",
            required="Give the reasons for the decision",
        )
    details = reveal(LEAD, application, DETAILS)
    advice, gathered = advice_for(session, procedure, application, details)
    now = now or clock.now()
    application.decision = chosen
    application.advice = _summary(advice)[:500]
    met = [r.rule.id for r in advice.rules if r.met]
    if chosen is ThresholdDecision.DISCRETION:
        met += [r.id for r in procedure.rules if r.kind == "discretion"]
    application.rules_met = ",".join(met)[:200] or None
    application.decided_at = now
    application.decided_by_id = actor.user_id
    seal_many(application, {"decision_reasons": text})
    counted = {c.id for r in advice.rules for c in r.counted}
    for agency_id, count in complaints.complaints_by_agency(gathered, counted).items():
        session.add(
            TriggerBodyCount(application_id=application.id, agency_id=agency_id, complaints=count)
        )
    session.flush()
    acts.record(
        session,
        acts.Action.TRIGGER_DECIDE,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"{chosen.value}; advice {'met' if advice.met else 'not met'}: {application.advice}",
    )
    details["decision_reasons"] = text
    letters.queue(session, application, LetterKind.THRESHOLD, details, now)
    return application
