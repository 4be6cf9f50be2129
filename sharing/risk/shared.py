"""The victims (and witnesses) whose risk assessments are shared with a user's agency, a
page at a time, highest risk first: only the people on those cases now (someone taken off
a case is not listed), and only the shared open cases holding an assessment of one of
them are found and decided (at once), and only the page's are opened. Each page is one audit entry
naming its cases and what it showed of each. A page is asked for by number, or read on
from where the page before's last person stood (``Place``), so that people assessed or
shares made or ended meanwhile make a reading skip or repeat no one else.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import paging
from sharing.access.authorise import CaseDecisions
from sharing.access.decide import Act, Actor, Decision
from sharing.access.reveal import load_data_keys
from sharing.audit import acts
from sharing.cases import share_lists
from sharing.cases.share_lists import ShareRow
from sharing.models import Case, RiskAssessment
from sharing.risk.acts import audit
from sharing.risk.disclose import PersonRisk, of_someone_on_the_case, person_risks
from sharing.risk.matrix import Matrices
from sharing.vocabulary import CaseStatus, Priority, RiskBand

#: How many people a page of shared risk holds.
PAGE_SIZE = 25


@dataclass(frozen=True)
class SharedRisk:
    """One victim (or witness) whose risk assessment is shared with the user's agency."""

    case_id: int
    case_reference: str
    priority: Priority
    share: ShareRow
    person: PersonRisk
    #: Categories of this case the user may see, each with its basis.
    categories: dict[str, str] = field(default_factory=dict)

    @property
    def sees_vulnerability(self) -> bool:
        return "vulnerability" in self.categories


@dataclass(frozen=True)
class Place:
    """Where a person stood in the list's order when it was listed: their latest band, the
    score they were ordered by (0 for a score withheld from the reader), their case's
    reference and their number. A list read on from it continues where they stood,
    whatever has become of them since (assessed again, their share ended)."""

    band: RiskBand
    score: int
    reference: str
    person_id: int

    @property
    def order(self) -> tuple[int, int, str, int]:
        """Highest band first; within a band by score, then by case reference and person."""
        return (-self.band.rank, -self.score, self.reference, self.person_id)


@dataclass(frozen=True)
class SharedRiskPage:
    """One page of the people whose risk is shared with the agency."""

    rows: list[SharedRisk]
    total: int
    page: int
    pages: int
    #: Whether people come after this page's (the list as it stands now).
    more: bool = False
    #: Where the page's last person stood, to read on from (None: an empty page).
    last: Place | None = None


@dataclass(frozen=True)
class _Assessed:
    """A person's latest assessment on a shared case, as plain columns: what the list is
    ordered by, before anything is opened."""

    case_id: int
    person_id: int
    band: RiskBand
    #: The score as the reader sees it: None when some answers are withheld from them.
    score: int | None
    reference: str

    @property
    def place(self) -> Place:
        # Within a band by score where the reader sees it (a withheld score orders nothing).
        return Place(self.band, self.score or 0, self.reference, self.person_id)


def shared_risk(
    session: Session,
    actor: Actor,
    matrices: Matrices,
    today: date,
    page: int = 1,
    size: int = PAGE_SIZE,
    *,
    after: Place | None = None,
) -> SharedRiskPage:
    """One page of the victims whose risk assessments are shared with the actor's agency
    under a live share of an active protocol, highest risk first, each with only what the
    decision allows; recorded as one audit entry naming the page's cases and what it
    showed of each. Locked and erased cases never appear. Only the shared open cases
    holding an assessment are decided (at once), and only the page's are opened.
    ``after`` (the ``last`` place of the page before) asks for the people who come after
    that place instead of a page by number, so that people assessed again, or shares
    made or ended, while a list is read page by page never make it skip or repeat the
    others (one who moves to before the place is not on this reading)."""
    chosen = _shared_assessed(session, actor)
    assessed = _latest(session, chosen)
    total = len(assessed)
    if after is None:
        page, pages = paging.numbered(total, size, page)
        following = assessed[(page - 1) * size :]
    else:
        following = [a for a in assessed if a.place.order > after.order]
        page, pages = paging.read_on(total, size, total - len(following))
    more, shown = paging.more_than(following, size)
    cases = {
        c.id: c
        for c in session.scalars(
            select(Case)
            .where(Case.id.in_({a.case_id for a in shown}))
            .options(selectinload(Case.parties))
        )
    }
    history = session.scalars(
        select(RiskAssessment)
        .where(RiskAssessment.case_id.in_(cases))
        .options(selectinload(RiskAssessment.assessed_by), selectinload(RiskAssessment.person))
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
    ).all()
    load_data_keys(
        session,
        {
            k
            for k in [
                *(c.data_key_id for c in cases.values()),
                *(a.person.data_key_id for a in history),
            ]
            if k
        },
    )
    by_case: dict[int, list[RiskAssessment]] = defaultdict(list)
    for assessment in history:
        by_case[assessment.case_id].append(assessment)
    share_rows = share_lists.share_rows(session, {chosen[case_id][0] for case_id in cases})
    people: dict[tuple[int, int], PersonRisk] = {}
    listed: dict[int, list[str]] = {}
    for case_id, case in cases.items():
        decision = chosen[case_id][1]
        wanted = {a.person_id for a in shown if a.case_id == case_id}
        found = [a for a in by_case[case_id] if a.person_id in wanted]
        for person in person_risks(case, found, decision, matrices):
            people[(case_id, person.person_id)] = person
    rows = []
    for a in shown:
        case, (share_id, decision) = cases[a.case_id], chosen[a.case_id]
        categories = sorted(c for c in ("risk", "vulnerability", "identity") if decision.allows(c))
        listed.setdefault(case.id, categories)
        rows.append(
            SharedRisk(
                case.id,
                case.reference,
                case.priority,
                share_rows[share_id],
                people[(a.case_id, a.person_id)],
                {c: decision.categories[c] for c in categories},
            )
        )
    audit(
        session,
        actor,
        acts.Action.SHARED_RISK_LIST,
        object_type="agency",
        object_id=actor.agency_id,
        basis="; ".join(
            [
                f"risk assessments shared; cases {acts.ids(list(listed))}",
                *(f"case {case_id}: {','.join(given)}" for case_id, given in listed.items()),
            ]
        ),
    )
    return SharedRiskPage(rows, total, page, pages, more, shown[-1].place if shown else None)


def _shared_assessed(session: Session, actor: Actor) -> dict[int, tuple[int, Decision]]:
    """The open cases shared with the actor's agency that hold a risk assessment and whose
    risk the actor may see, each with the newest live share that lets them and its
    decision: found in SQL, decided for all of them at once."""
    found = share_lists.live_shares(
        session,
        actor,
        Case.status != CaseStatus.CLOSED,
        Case.id.in_(select(RiskAssessment.case_id).where(of_someone_on_the_case())),
    )
    decisions = CaseDecisions(session, actor, {case_id for _, case_id, _ in found})
    chosen: dict[int, tuple[int, Decision]] = {}
    for share_id, case_id, purpose in found:
        if case_id in chosen:
            continue
        decision = decisions.on(case_id, Act.VIEW, purpose)
        if decision is not None and decision.allowed and decision.allows("risk"):
            chosen[case_id] = (share_id, decision)
    return chosen


def _latest(session: Session, chosen: dict[int, tuple[int, Decision]]) -> list[_Assessed]:
    """Each person's latest assessment on these cases, highest risk first: plain columns
    in one query, nothing opened."""
    if not chosen:
        return []
    query = (
        select(
            RiskAssessment.case_id,
            RiskAssessment.person_id,
            RiskAssessment.band,
            RiskAssessment.score,
            RiskAssessment.vulnerability_answers.is_not(None),
            Case.reference,
        )
        .join(Case, Case.id == RiskAssessment.case_id)
        .where(RiskAssessment.case_id.in_(chosen), of_someone_on_the_case())
        .order_by(RiskAssessment.assessed_at.desc(), RiskAssessment.id.desc())
    )
    latest: dict[tuple[int, int], _Assessed] = {}
    for case_id, person_id, band, score, has_vulnerability, reference in session.execute(query):
        if (case_id, person_id) in latest:
            continue
        sees_all = not has_vulnerability or chosen[case_id][1].allows("vulnerability")
        latest[(case_id, person_id)] = _Assessed(
            case_id, person_id, band, score if sees_all else None, reference
        )
    return sorted(latest.values(), key=lambda a: a.place.order)
