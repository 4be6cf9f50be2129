"""One Community Trigger application as the lead agency sees it: its details, the
threshold check across the relevant bodies (each rule's count and the complaints counted,
a locked case's only by its agency), where its review stands
(``sharing.trigger.review_page``), and the letters the applicant has been sent. Every
view is one audit entry naming the complaints counted by id, never the details; an erased
application shows only what stays for the figures.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.models import TriggerApplication, User
from sharing.trigger import closing, corrections, history, letters, panel, posting
from sharing.trigger.applications import advice_for, may_ask, summary
from sharing.trigger.deadlines import Clock, next_clock
from sharing.trigger.handling import (
    DETAILS,
    LEAD,
    closed_on,
    closure,
    erased_on,
    handled,
    to_decide_again,
)
from sharing.trigger.procedure import Procedure
from sharing.trigger.review_page import (
    CaseAsked,
    Review,
    answers_awaited,
    cases_asked,
    review_of,
)
from sharing.vocabulary import CaseCategory, LetterKind, ThresholdDecision


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
    #: Once the threshold was decided again after an appeal: when the first ("not met")
    #: decision was made, and by whom (its reasons: ``details["first_decision_reasons"]``).
    first_decided_at: datetime | None = None
    first_decided_by: str | None = None
    #: Whether the lead is to decide the threshold again (an appeal sent "not met" back).
    decide_again: bool = False
    #: The letters the applicant has been, or can be, sent, each with how it went:
    #: e-mailed, posted, waiting to be e-mailed, or still to post (``posting``).
    letters: list[posting.Delivery] = field(default_factory=list)
    #: The kinds whose latest e-mail is a corrected copy of the letter.
    copied: frozenset[LetterKind] = frozenset()
    #: The letters e-mailed or posted before a correction of whom or where they go, each
    #: with the day it went and how ("e-mailed", "posted"): the lead may send a corrected
    #: copy of each.
    to_earlier_details: tuple[tuple[LetterKind, date, str], ...] = ()
    #: Once its personal data is erased: the day, and what stays for the figures (the
    #: rules met at the decision, by title, and each relevant body's count then).
    erased_on: date | None = None
    rules_met: tuple[str, ...] = ()
    counts: tuple[tuple[str, int], ...] = ()
    #: Whether the lead may close it as withdrawn or a duplicate (it is live).
    may_close: bool = False
    #: Whether the lead may correct its details: while it is live, and (the letters'
    #: details only) while an appeal is in hand.
    may_correct: bool = False
    closed: Closed | None = None
    #: The agencies asked to confirm their complaints, and their answers, for the page
    #: before the decision (after it, ``review`` gives them).
    asked: list[CaseAsked] = field(default_factory=list)
    #: How many agencies asked have answered, and which the lead waits for ("" when none
    #: is waited for: ``review_page.answers_awaited``).
    answers_awaited: str = ""
    #: The applications recorded as duplicates of this one: (id, reference).
    duplicates: tuple[tuple[int, str], ...] = ()
    #: Its recording and each correction of its details, oldest first.
    history: tuple[history.Event, ...] = ()

    @property
    def posted_to(self) -> tuple[str, ...]:
        """Where its printed letters are posted, line by line; () when nowhere."""
        return letters.postal_address(self.details, self.on_behalf is not None)

    @property
    def emailed(self) -> bool:
        """Whether its letters are e-mailed: the applicant gave an e-mail address."""
        return letters.email_of(self.details, self.on_behalf is not None) is not None

    @property
    def unreachable(self) -> bool:
        """Whether its letters can be neither e-mailed nor posted: the applicant gave no
        e-mail address and no postal address."""
        emailed = letters.email_of(self.details, self.on_behalf is not None)
        return self.erased_on is None and emailed is None and not self.posted_to


@dataclass(frozen=True)
class Closed:
    """How an application was closed without a decision or review of its own."""

    on: date
    #: In a sentence's words: "withdrawn by the applicant", "a duplicate of ASBR-…".
    how: str
    by: str | None
    #: The day the applicant withdrew it (None: a duplicate).
    withdrawn_on: date | None
    #: The application it duplicates: (id, reference).
    duplicate_of: tuple[int, str] | None
    #: What became of the panel's sitting it was before, if any.
    sitting: panel.Left | None = None


def _closed(application: TriggerApplication) -> Closed | None:
    on, how = closed_on(application), closure(application)
    if on is None or how is None:
        return None
    original = application.duplicate_of
    return Closed(
        on=on,
        how=how,
        by=application.closed_by.display_name if application.closed_by else None,
        withdrawn_on=application.withdrawn_on,
        duplicate_of=(original.id, original.reference) if original else None,
        sitting=panel.left(application),
    )


def _duplicates(session: Session, application: TriggerApplication) -> tuple[tuple[int, str], ...]:
    return tuple((d.id, d.reference) for d in closing.duplicates_of(session, application))


def _to_earlier_details(
    session: Session, application: TriggerApplication
) -> tuple[tuple[LetterKind, date, str], ...]:
    """The letters whose latest went to the details as they were before a correction,
    each with the day it went and how, in the order of the letters."""
    found = letters.latest(session, application)
    return tuple(
        (kind, clock.day_of(went), "posted" if letter.posted_at else "e-mailed")
        for kind in LetterKind
        if (letter := found.get(kind)) is not None
        and letter.superseded_at is not None
        and (went := letter.posted_at or letter.sent_at) is not None
    )


def _copied(session: Session, application: TriggerApplication) -> frozenset[LetterKind]:
    return frozenset(k for k, letter in letters.latest(session, application).items() if letter.copy)


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
    if application.closed_at is not None:
        return _closed_page(session, actor, procedure, application)
    details = reveal(LEAD, application, DETAILS)
    advice, gathered = advice_for(session, procedure, application, details)
    counted_ids = sorted({c.id for r in advice.rules for c in r.counted})
    acts.record(
        session,
        acts.Action.TRIGGER_VIEW,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"{summary(advice)}; complaints {acts.ids(counted_ids)}",
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
                category=None if held.locked else category_name(first.category),
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
        decided_by=_name(application.decided_by),
        decided_at=application.decided_at,
        review=review_of(session, application, procedure),
        asked=cases_asked(application),
        answers_awaited=answers_awaited(application),
        first_decided_at=application.first_decided_at,
        first_decided_by=_name(application.first_decided_by),
        letters=posting.deliveries(session, application, procedure),
        copied=_copied(session, application),
        to_earlier_details=_to_earlier_details(session, application),
        decide_again=to_decide_again(application),
        may_close=closing.live(application),
        may_correct=corrections.correctable_now(application),
        duplicates=_duplicates(session, application),
        history=history.history(session, application),
    )


def _name(user: User | None) -> str | None:
    return user.display_name if user is not None else None


def _closed_page(
    session: Session, actor: Actor, procedure: Procedure, application: TriggerApplication
) -> ApplicationPage:
    """A closed application: its details and how it was closed, without the threshold
    check (nothing more is decided on it, so no agency's records are searched)."""
    details = reveal(LEAD, application, DETAILS)
    return _unchecked_page(
        session,
        actor,
        procedure,
        application,
        "closed: threshold not checked",
        details,
        letters=posting.deliveries(session, application, procedure),
    )


def _erased_page(
    session: Session, actor: Actor, procedure: Procedure, application: TriggerApplication
) -> ApplicationPage:
    titles = {r.id: r.title for r in procedure.rules}
    met = (application.rules_met or "").split(",")
    return _unchecked_page(
        session,
        actor,
        procedure,
        application,
        "personal data erased: nothing read",
        dict.fromkeys(DETAILS),
        erased_on=erased_on(application),
        rules_met=tuple(titles.get(rule, rule) for rule in met if rule),
        counts=tuple(sorted((c.agency.name, c.complaints) for c in application.counts)),
    )


def _unchecked_page(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application: TriggerApplication,
    basis: str,
    details: dict[str, str | None],
    *,
    letters: list[posting.Delivery] | None = None,
    erased_on: date | None = None,
    rules_met: tuple[str, ...] = (),
    counts: tuple[tuple[str, int], ...] = (),
) -> ApplicationPage:
    """The page of an application nothing more is decided on (closed, or its personal
    data erased): recorded as viewed with ``basis``; no threshold check, no forms."""
    acts.record(
        session,
        acts.Action.TRIGGER_VIEW,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=basis,
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
        clock=None,
        rules=[],
        counted=[],
        excluded=[],
        advice_met=False,
        may_ask=False,
        decision=application.decision,
        decided_by=_name(application.decided_by),
        decided_at=application.decided_at,
        review=review_of(session, application, procedure),
        first_decided_at=application.first_decided_at,
        first_decided_by=_name(application.first_decided_by),
        closed=_closed(application),
        duplicates=_duplicates(session, application),
        history=history.history(session, application),
        letters=letters or [],
        erased_on=erased_on,
        rules_met=rules_met,
        counts=counts,
    )


def category_name(value: str) -> str:
    """A complaint's category as the hub names it everywhere ("Vehicle nuisance"), not
    its code ("vehicles")."""
    found = CaseCategory.of(value)
    return found.label if found else value.replace("_", " ").capitalize()
