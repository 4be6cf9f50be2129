"""The Community Trigger's published figures: for any 12 months, the four figures the Act
requires (s.104(10), Anti-social Behaviour, Crime and Policing Act 2014), and the same per
relevant body and per threshold rule, as a page a community safety partnership can
publish as it is, and as CSV (``sharing.trigger.figure_csv``), for the 12 months asked
for (``sharing.trigger.figure_period``), from the applications as
``sharing.trigger.figure_rows`` reads them.

The four totals count applications, not people, and are published exactly, as the Act
requires them. An application recorded as a duplicate of another (the same victim
applying by phone and online, two of a household about the same problem) is not a second
application received: it is counted nowhere but its own line. An application the
applicant withdrew was received, so it counts among those received, but it has no
threshold decision, so it is never a time the threshold was not met (nor a review, unless
one was carried out); it has a line of its own too. The tables per relevant body and per
rule (``sharing.trigger.figure_tables``) withhold small counts. Nothing personal is read:
the counts come from dates, decisions, rule ids and agency ids, never from a sealed
column.

Who may read them: the lead agency's Community Trigger leads, managers and CSP
coordinators (conference chairs or coordinators), every relevant body's managers, and the
area's analysts. Every request is an audit entry naming the period; a refusal is recorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import NotAllowed
from sharing.figures.suppression import THRESHOLD
from sharing.models import Agency
from sharing.trigger import figure_rows, figure_tables
from sharing.trigger.figure_period import Period, period_from
from sharing.trigger.figure_rows import Counted
from sharing.trigger.figure_tables import Table
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import AppealDecision, Role, ThresholdDecision

#: The lead agency's roles that read the figures; any relevant body's managers and any
#: analyst of the area read them too.
LEAD_READERS = frozenset({Role.TRIGGER_LEAD, Role.MANAGER, Role.CONFERENCE_CHAIR})


# Who may read them


def _lead(session: Session, procedure: Procedure) -> Agency:
    lead = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    if lead is None:
        raise NotAllowed("the procedure's lead agency is not in the hub")
    return lead


def may_read(session: Session, actor: Actor, procedure: Procedure) -> bool:
    """Whether the actor may read the figures."""
    agency = session.get(Agency, actor.agency_id)
    lead = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    if agency is None or lead is None or agency.area_id != lead.area_id:
        return False
    return (
        (agency.id == lead.id and actor.has(*LEAD_READERS))
        or (actor.has(Role.MANAGER) and procedure.is_relevant(agency.code, agency.type))
        or actor.has(Role.ANALYST)
    )


# The figures


@dataclass(frozen=True)
class Totals:
    """The four figures the Act requires, and more the page shows beside them."""

    applications: int
    not_met: int
    reviews: int
    with_recommendations: int
    #: Received in the period and not yet decided (nor withdrawn, nor a duplicate).
    pending: int
    #: Appeals received in the period.
    appeals: int
    #: Received in the period and withdrawn by the applicant (counted as received).
    withdrawn: int = 0
    #: Received in the period and recorded as a duplicate of another (not counted as
    #: received).
    duplicates: int = 0
    #: Appeals the appeal body decided in the period, and appeals the applicant withdrew in
    #: the period (ending without a decision), whenever they were received.
    appeals_decided: int = 0
    appeals_withdrawn: int = 0
    #: Of the appeals decided in the period, those the appeal body upheld, partly upheld
    #: and did not uphold.
    appeals_upheld: int = 0
    appeals_partly_upheld: int = 0
    appeals_not_upheld: int = 0
    #: Of the applications received in the period: those whose threshold was decided
    #: again after an appeal against "not met" (counted in the four by the decision made
    #: again), of those the ones decided not met again, and those whose "not met" the
    #: appeal body sent back, still to be decided again (counted as waiting).
    decided_again: int = 0
    decided_again_not_met: int = 0
    to_decide_again: int = 0
    #: The appeals received, and decided, in the period, of a "not met" decision and of
    #: how a review was carried out.
    appeals_of_not_met: int = 0
    appeals_of_review: int = 0
    appeals_decided_of_not_met: int = 0
    appeals_decided_of_review: int = 0


@dataclass(frozen=True)
class Figures:
    """The figures as they may be published: exact totals, tables with small counts
    withheld."""

    period: Period
    procedure: str
    area: str
    totals: Totals
    bodies: Table
    rules: Table
    threshold: int
    #: The period has not ended: the figures are to this day.
    to_date: date | None


TOTALS = (
    ("applications", "Applications for an ASB Case Review received"),
    ("not_met", "Times the threshold for a review was not met"),
    ("reviews", "ASB Case Reviews carried out"),
    ("with_recommendations", "ASB Case Reviews that resulted in recommendations"),
)
ALSO = (
    ("pending", "Applications received in the period still waiting for a threshold decision"),
    (
        "to_decide_again",
        'Of those waiting: a "not met" decision the appeal body sent back, to be decided again',
    ),
    (
        "decided_again",
        'Of the applications received: threshold decided again after an appeal against "not '
        'met" (counted above by the decision made again)',
    ),
    ("decided_again_not_met", "Of those decided again: threshold not met again"),
    ("appeals", "Appeals received, of a decision not to review or of how a review was carried out"),
    (
        "appeals_of_not_met",
        "Of the appeals received: against a decision that the threshold was not met",
    ),
    ("appeals_of_review", "Of the appeals received: against how a review was carried out"),
    ("appeals_decided", "Appeals decided by the appeal body"),
    ("appeals_decided_of_not_met", 'Of the appeals decided: against a "not met" decision'),
    ("appeals_decided_of_review", "Of the appeals decided: against how a review was carried out"),
    ("appeals_upheld", "Of the appeals decided: upheld"),
    ("appeals_partly_upheld", "Of the appeals decided: partly upheld"),
    ("appeals_not_upheld", "Of the appeals decided: not upheld"),
    ("appeals_withdrawn", "Appeals the applicant withdrew before they were decided"),
    ("withdrawn", "Applications received in the period that the applicant withdrew"),
    ("duplicates", "Applications received in the period that duplicate another application"),
)
#: The appeals among ``ALSO``: received and decided (each by what was appealed, and the
#: decided by the decision), and withdrawn.
APPEALS = tuple((name, label) for name, label in ALSO if name.startswith("appeals"))
#: What the partnership's figures (``sharing.figures.partnership``) show: the Act's four
#: and the appeals, counted as this page counts them.
PARTNERSHIP = (*TOTALS, *APPEALS)
#: Why the totals are published as they are, for a page or file showing them beside
#: figures whose small numbers are rounded or withheld.
EXACT_COUNTED = (
    "Small numbers are neither rounded nor withheld in these figures: the Act requires "
    "its four totals to be published exactly, and the appeals beside them are counted the "
    "same way, so they are given for the whole partnership and 12 months at a time."
)
#: How withdrawn and duplicate applications are counted, for a page showing the totals.
CLOSED_COUNTED = (
    "An application the applicant withdrew counts as received, never as a time the "
    "threshold was not met; one recorded as a duplicate of another is not a second "
    "application received, so it is not counted."
)
#: How an application whose threshold was decided again is counted, for a page showing
#: the totals.
DECIDED_AGAIN_COUNTED = (
    'An application whose "not met" decision the appeal body sent back is counted once, by '
    "the decision made again (met and reviewed, or not met), never as both; until it is "
    "decided again it counts as waiting for a decision."
)
#: How appeals are counted, for a page showing them beside the totals.
APPEALS_COUNTED = (
    "The first four figures are those the Act requires. Appeals are counted in the months "
    "they were received, and in the months they ended, decided by the appeal body or "
    "withdrawn by the applicant, whenever they were received: an appeal is counted as "
    "decided or as withdrawn, never both. Each is counted as against a decision that the "
    "threshold was not met, or against how a review was carried out."
)


def figures(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    month: str | None,
    today: date,
    *,
    as_csv: bool = False,
) -> Figures:
    """The figures for the 12 months from ``month`` (default: the last 12 complete
    months), as they may be published; audited. ``NotAllowed`` (recorded) for anyone who
    may not read them; ``InputError`` (recorded) for a month that is not one."""
    subject = acts.Subject("trigger_figures")
    if not may_read(session, actor, procedure):
        raise acts.refused(
            session,
            acts.Action.TRIGGER_FIGURES,
            actor=actor,
            subject=subject,
            reason="not a reader of the Community Trigger figures",
            answer=NotAllowed("only the Community Trigger's leads, managers and analysts"),
        )
    with acts.refusing_input(session, acts.Action.TRIGGER_FIGURES, actor=actor, subject=subject):
        period = period_from(month, today)
    lead = _lead(session, procedure)
    result = count(session, procedure, lead, period, today)
    acts.record(
        session,
        acts.Action.TRIGGER_FIGURES,
        actor=actor,
        subject=acts.Subject("trigger_figures", period.month),
        basis=f"period {period.start} to {period.last_day}; {'csv' if as_csv else 'page'}",
    )
    return result


def count(
    session: Session, procedure: Procedure, lead: Agency, period: Period, today: date
) -> Figures:
    """The figures for ``period`` from the lead agency's applications (no audit entry:
    ``figures`` is the way in)."""
    everything = figure_rows.applications(session, lead, period)
    duplicates = [a for a in everything if a.duplicate and period.holds(a.received_on)]
    applications = [a for a in everything if not a.duplicate]
    received = [a for a in applications if period.holds(a.received_on)]
    reviewed = [a for a in applications if period.holds(a.outcome_on)]
    ids = [a.id for a in applications]
    recommended = figure_rows.recommended(session, ids)
    held = figure_rows.held(session, ids)
    totals = Totals(
        applications=len(received),
        not_met=sum(a.decision is ThresholdDecision.NOT_MET for a in received),
        reviews=len(reviewed),
        with_recommendations=sum(a.id in recommended for a in reviewed),
        pending=sum(a.decision is None and not a.withdrawn for a in received),
        appeals=sum(period.holds(a.appeal_received_on) for a in applications),
        appeals_of_not_met=_appeals(applications, period, of_not_met=True),
        appeals_of_review=_appeals(applications, period, of_not_met=False),
        appeals_decided_of_not_met=_appeals(applications, period, of_not_met=True, decided=True),
        appeals_decided_of_review=_appeals(applications, period, of_not_met=False, decided=True),
        decided_again=sum(a.decided_again for a in received),
        decided_again_not_met=sum(
            a.decided_again and a.decision is ThresholdDecision.NOT_MET for a in received
        ),
        to_decide_again=sum(a.sent_back and not a.withdrawn for a in received),
        withdrawn=sum(a.withdrawn for a in received),
        duplicates=len(duplicates),
        appeals_decided=sum(period.holds(a.appeal_decided_on) for a in applications),
        appeals_withdrawn=sum(period.holds(a.appeal_withdrawn_on) for a in applications),
        appeals_upheld=_appeals_decided(applications, period, AppealDecision.UPHELD),
        appeals_partly_upheld=_appeals_decided(applications, period, AppealDecision.PARTLY_UPHELD),
        appeals_not_upheld=_appeals_decided(applications, period, AppealDecision.NOT_UPHELD),
    )
    return Figures(
        period=period,
        procedure=procedure.title,
        area=lead.area.name,
        totals=totals,
        bodies=figure_tables.per_body(
            session, procedure, lead.area_id, (received, reviewed), held, recommended
        ),
        rules=figure_tables.per_rule(procedure, (received, reviewed), recommended),
        threshold=THRESHOLD,
        to_date=today if period.end > today else None,
    )


def _appeals_decided(applications: list[Counted], period: Period, decision: AppealDecision) -> int:
    """The appeals the appeal body decided in ``period`` as ``decision``."""
    return sum(
        period.holds(a.appeal_decided_on) and a.appeal_decision is decision for a in applications
    )


def _appeals(
    applications: list[Counted], period: Period, *, of_not_met: bool, decided: bool = False
) -> int:
    """The appeals received (``decided``: decided) in ``period`` of a "not met" decision
    (or, with ``of_not_met`` False, of how a review was carried out)."""
    return sum(
        period.holds(a.appeal_decided_on if decided else a.appeal_received_on)
        and a.appeal_of_not_met is of_not_met
        for a in applications
    )


def totals_between(
    session: Session,
    procedure: Procedure,
    start: date,
    end: date,
    today: date,
    names: Iterable[tuple[str, str]] = TOTALS,
) -> list[tuple[str, int]]:
    """The figures ``names`` names (by default the four the Act requires) for the months
    from ``start`` up to ``end`` (1sts of months), labelled, counted as this page counts
    them, for another page of figures to show (the caller audits)."""
    found = count(session, procedure, _lead(session, procedure), Period(start, end), today)
    return labelled(found.totals, names)


def labelled(totals: Totals, names: Iterable[tuple[str, str]]) -> list[tuple[str, int]]:
    """The totals named in ``names`` with their labels, in order, for the page."""
    return [(label, getattr(totals, name)) for name, label in names]
