"""Case pages: everything an actor may see of one case, read through the reveal bound to
the decision that let them in (``sharing.access.reveal``), and the page view recorded as
one audit entry naming each category and section it showed.

``case_view`` is what the case page and its forms show of the case itself;
``case_page`` adds the sections (risk, "also known to", shares, the lock, partners'
requests for more) and records the view. Both take an ``AuthorisedCase``: nothing here decides again.

What a case page shows of the people on a case is ``sharing.cases.people_shown``; its
incidents timeline ``sharing.cases.timeline``; its actions ``sharing.cases.actions_shown``;
what a form on a case shows of it ``sharing.cases.case_forms``; a case or an incident read
outside its page (the API, an export) ``sharing.cases.disclosure``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload, selectinload

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Decision
from sharing.access.reveal import load_data_keys, reveal, reveal_rows
from sharing.audit import acts
from sharing.cases import first_contact, listing, more_requests, officers, timeline
from sharing.cases.actions_shown import ActionView, action_views
from sharing.cases.documents_shown import DocumentLine, documents
from sharing.cases.first_contact import FirstContact
from sharing.cases.lock_decisions import LockDecision, last_decision
from sharing.cases.locks import HeldOutside, RefusedAttempt, held_outside_lock, refused_attempts
from sharing.cases.more_requests import RequestRow
from sharing.cases.needs import adjustments_sentence, contact_sentence
from sharing.cases.officers import OfficerChangeView
from sharing.cases.people_shown import (
    PERSON_COLUMNS,
    PersonView,
    kept_apart,
    name,
    other_names_line,
)
from sharing.cases.referrals import HatePathway, ReferralLine, hate_pathway
from sharing.cases.reviews import ReviewView
from sharing.cases.reviews import reviews as case_reviews
from sharing.cases.safeguarding_referrals import safeguarding_referrals
from sharing.cases.share_lists import ShareRow, case_shares
from sharing.cases.timeline import INCIDENTS_PER_PAGE, IncidentView
from sharing.formats import other_names
from sharing.models import (
    Action,
    Case,
    CaseParty,
    CaseReview,
    ClosureSurvey,
    Incident,
    LockRequest,
)
from sharing.risk.disclose import CaseRisk, case_risk
from sharing.risk.known import KnownTo, known_to_others
from sharing.risk.matrix import Matrices
from sharing.vocabulary import (
    AgencyType,
    CaseCategory,
    CaseStatus,
    LockStatus,
    Priority,
    SurveyChannel,
)

#: The sealed columns of an incident a page shows.
INCIDENT_COLUMNS = ("place", "description", "crime_reference")


@dataclass(frozen=True)
class CaseView:
    """What the actor may see of one case, with the decision that allowed it."""

    id: int
    reference: str
    agency: str
    officer: str
    category: CaseCategory
    priority: Priority
    triage: str
    hate_motivated: bool
    protected_characteristic: str | None
    status: CaseStatus
    closure_reason: str | None
    #: Whether the behaviour was resolved at closure, and the main action that did it.
    closure_outcome: str | None
    resolved_by: str | None
    opened_at: datetime
    closed_at: datetime | None
    review_due_on: date | None
    ward: str | None
    address: str | None
    postcode: str | None
    uprn: str | None
    summary: str | None
    closure_note: str | None
    decision: Decision
    may_record: bool
    erased: bool
    #: Whether the user may set or change its documents' protective markings (its own
    #: agency's case officers and managers, open or closed, not erased).
    may_mark: bool
    parties: list[PersonView] = field(default_factory=list)
    incidents: list[IncidentView] = field(default_factory=list)
    actions: list[ActionView] = field(default_factory=list)
    #: The closure survey as the owning agency sees it ("Answered by phone: very
    #: satisfied overall"), and whether it is still to be recorded.
    survey: str | None = None
    may_survey: bool = False
    #: The case reviews, newest first, and the last day of contact they recorded.
    reviews: list[ReviewView] = field(default_factory=list)
    last_contact_on: date | None = None
    #: When first contact with the complainant was due and made (the owning agency's only).
    first_contact: FirstContact | None = None
    #: The case's reference in the owning agency's own system (for that agency only).
    external_reference: str | None = None
    #: How many incidents the case has, and which page of them ``incidents`` is (latest
    #: first, ``INCIDENTS_PER_PAGE`` a page); page 0: all of them (a pack, an export).
    incidents_total: int = 0
    incidents_page: int = 0
    #: Whether the case officer has left (their account disabled), and the case's changes
    #: of officer, latest first (for the owning agency only).
    officer_left: bool = False
    officer_moved: bool = False  # still at the agency, in roles that work no cases
    officer_changes: list[OfficerChangeView] = field(default_factory=list)
    #: When the case was erased (None: it was not).
    erased_at: datetime | None = None

    @property
    def incident_pages(self) -> int:
        return max(1, -(-self.incidents_total // INCIDENTS_PER_PAGE))

    @property
    def incidents_from(self) -> int:
        """The number (latest first, from 1) of the first incident shown."""
        return (max(1, self.incidents_page) - 1) * INCIDENTS_PER_PAGE + 1


def _loaded(session: Session, case_id: int) -> Case:
    """The case with everything its page lists but its incidents, in four queries: the
    case with its ward, then its people, actions and reviews, each list joined to the
    rows it names (a person, an owning agency and user, a reviewer)."""
    case = session.scalar(
        select(Case)
        .where(Case.id == case_id)
        .options(
            joinedload(Case.ward),
            selectinload(Case.parties).joinedload(CaseParty.person),
            selectinload(Case.actions).options(
                joinedload(Action.owner_agency), joinedload(Action.owner_user)
            ),
            selectinload(Case.reviews).joinedload(CaseReview.reviewed_by),
        )
        .execution_options(populate_existing=True)
    )
    assert case is not None  # noqa: S101 - authorised a moment ago, in this transaction
    return case


def case_view(session: Session, authorised: AuthorisedCase, incidents_page: int = 0) -> CaseView:
    """Everything the authorised actor may see of the case itself (no audit entry: the
    page that shows it records one, ``case_page`` or a form's ``record_form_view``); its
    incidents all, or page ``incidents_page`` of them (latest first)."""
    decision = authorised.decision
    case = _loaded(session, authorised.id)
    today = clock.today()
    load_data_keys(
        session, {k for k in [case.data_key_id, *(p.person.data_key_id for p in case.parties)] if k}
    )
    parties = case.parties
    people = dict(
        zip(
            (p.person_id for p in parties),
            reveal_rows(decision, [p.person for p in parties], PERSON_COLUMNS),
            strict=True,
        )
    )
    if case.erased_at is not None:  # their records were kept apart from the case
        people = {pid: kept_apart(values) for pid, values in people.items()}
    incidents, incidents_total = timeline.incidents(session, case.id, incidents_page)
    incident_values = reveal_rows(decision, incidents, INCIDENT_COLUMNS)
    names = {p.person_id: name(decision, p.person, people[p.person_id]) for p in parties}
    own = reveal(decision, case, ("address", "postcode", "uprn", "summary", "closure_note"))
    # The closure survey is taken once a case is closed (a closed case is never reopened):
    # an open case has none to look for.
    closed = case.status is CaseStatus.CLOSED
    survey = _survey_line(session, case) if decision.own_agency and closed else None
    return CaseView(
        id=case.id,
        reference=case.reference,
        agency=case.agency.name,
        officer=case.officer.display_name,
        officer_left=not case.officer.active,
        officer_moved=listing.moved_role(case.officer),
        officer_changes=officers.changes(session, case.id) if decision.own_agency else [],
        category=case.category,
        priority=case.priority,
        triage=case.triage.label,
        hate_motivated=case.hate_motivated,
        protected_characteristic=(
            case.protected_characteristic.label if case.protected_characteristic else None
        ),
        status=case.status,
        closure_reason=(
            case.closure_reason.said_by(case.agency.type) if case.closure_reason else None
        ),
        closure_outcome=case.closure_outcome.label if case.closure_outcome else None,
        resolved_by=case.resolved_by.label if case.resolved_by else None,
        opened_at=case.opened_at,
        closed_at=case.closed_at,
        review_due_on=case.review_due_on,
        ward=case.ward.name if case.ward else None,
        address=own["address"],
        postcode=own["postcode"],
        uprn=own["uprn"],
        summary=own["summary"],
        closure_note=own["closure_note"],
        decision=decision,
        may_record=decision.own_agency
        and case.status is not CaseStatus.CLOSED
        and case.erased_at is None,
        erased=case.erased_at is not None,
        may_mark=decision.own_agency and case.erased_at is None,
        erased_at=case.erased_at,
        parties=[
            PersonView(
                person_id=p.person_id,
                party_id=p.id,
                role=p.role.label,
                erased=p.person.erased_at is not None,
                erased_at=p.person.erased_at,
                name=names[p.person_id],
                date_of_birth=people[p.person_id]["date_of_birth"],
                phone=people[p.person_id]["phone"],
                email=people[p.person_id]["email"],
                address=people[p.person_id]["address"],
                postcode=people[p.person_id]["postcode"],
                contact_preferences=people[p.person_id]["contact_preferences"],
                support_needs=people[p.person_id]["support_needs"],
                adjustments=adjustments_sentence(people[p.person_id]["adjustments"]),
                contact_needs=contact_sentence(people[p.person_id]["contact_needs"]),
                other_names=other_names_line(people[p.person_id]["other_names"]),
                other_names_listed=tuple(other_names(people[p.person_id]["other_names"])),
            )
            for p in case.parties
        ],
        incidents=[
            incident_view(i, values, names.get(i.reported_by_id) if i.reported_by_id else None)
            for i, values in zip(incidents, incident_values, strict=True)
        ],
        actions=action_views(decision, case.actions, today),
        survey=survey,
        reviews=case_reviews(decision, case),
        last_contact_on=case.last_contact_on,
        first_contact=first_contact.of_case(case, today) if decision.own_agency else None,
        external_reference=case.external_reference if decision.own_agency else None,
        incidents_total=incidents_total,
        incidents_page=incidents_page,
        may_survey=decision.own_agency
        and case.status is CaseStatus.CLOSED
        and case.erased_at is None
        and survey is None,
    )


def _survey_line(session: Session, case: Case) -> str | None:
    """How the closure survey went, in a line, for the owning agency (None: not yet)."""
    survey = session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    if survey is None:
        return None
    if survey.overall is None:
        waiting = survey.channel is SurveyChannel.LINK
        return survey.channel.label + ("; not answered yet" if waiting else "")
    how = {SurveyChannel.IN_PERSON: "in person", SurveyChannel.PHONE: "by phone"}
    line = f"Answered {how.get(survey.channel, 'online')}: "
    line += f"{survey.overall.label.lower()} overall"
    if survey.follow_up is not None:
        line += f"; follow-up action {survey.follow_up.status.label.lower()}"
    return line


@dataclass(frozen=True)
class CasePage:
    """A case page: the case as the actor may see it, and its sections."""

    view: CaseView
    risk: CaseRisk
    #: The owning agency's sections (None for partners).
    known_to: list[KnownTo] | None = None
    shares: list[ShareRow] | None = None
    locked: bool = False
    #: The lock or unlock request waiting for a manager, if any.
    lock_pending: LockRequest | None = None
    #: The latest decided lock or unlock request, if any.
    lock_decision: LockDecision | None = None
    #: On a locked case: requests for it refused because of the lock.
    refused_attempts: list[RefusedAttempt] | None = None
    #: On a locked case: its open actions held by agencies or people outside the lock.
    held_outside: list[HeldOutside] | None = None
    #: On a hate case: the procedure's pathway and its referrals.
    hate: HatePathway | None = None
    #: The safeguarding referrals the reader may see (None: the section is not theirs).
    safeguarding: list[ReferralLine] | None = None
    #: The documents attached to the case that the reader may see, newest first.
    documents: list[DocumentLine] = field(default_factory=list)
    #: Partners' requests for more of the case the reader may see (``more_requests``).
    more: list[RequestRow] = field(default_factory=list)


def case_page(
    session: Session, authorised: AuthorisedCase, matrices: Matrices, incidents_page: int = 1
) -> CasePage:
    """The case page, with page ``incidents_page`` of its incidents, recorded as one audit
    entry: the categories disclosed with their basis, and the sections shown."""
    view = case_view(session, authorised, incidents_page=max(1, incidents_page))
    if view.incidents_page > view.incident_pages:  # past the last page: the last
        view = case_view(session, authorised, incidents_page=view.incident_pages)
    risk = case_risk(session, authorised, matrices)
    incidents = "incidents" if view.incident_pages == 1 else f"incidents page {view.incidents_page}"
    sections = ["details", "people", incidents, "actions"]
    if risk.shown:
        sections.append("risk")
    safeguarding = safeguarding_referrals(session, authorised)
    if safeguarding is not None:
        sections.append("safeguarding referrals")
    attached = documents(session, authorised.decision, authorised.case)
    if attached:
        sections.append("documents")
    more = more_requests.on_case(session, authorised)
    if more:
        sections.append(f"requests for more {acts.ids([r.id for r in more])}")
    page = CasePage(view, risk, safeguarding=safeguarding, documents=attached, more=more)
    if authorised.decision.own_agency:
        case = authorised.case
        page = CasePage(
            view,
            risk,
            known_to=known_to_others(session, authorised),
            shares=case_shares(session, case),
            locked=case.locked,
            lock_pending=session.scalar(
                select(LockRequest).where(
                    LockRequest.case_id == case.id, LockRequest.status == LockStatus.REQUESTED
                )
            ),
            lock_decision=last_decision(session, authorised),
            refused_attempts=refused_attempts(session, authorised) if case.locked else None,
            held_outside=held_outside_lock(session, authorised) if case.locked else None,
            hate=hate_pathway(session, authorised),
            safeguarding=safeguarding,
            documents=attached,
            more=more,
        )
        sections += ["shares"] if case.erased_at else ["known to others", "shares"]
        if page.hate is not None:
            sections.append("hate pathway")
        if page.lock_decision is not None:
            sections.append("lock decision")
        if case.locked:
            sections.append("refused attempts")
    record_view(session, authorised, sections)
    return page


def record_view(session: Session, authorised: AuthorisedCase, sections: list[str]) -> None:
    """The one audit entry of a page that shows the case: its sections, and the categories
    disclosed with the basis of each; its purpose, "emergency" under emergency access."""
    acts.record(
        session,
        acts.Action.CASE_VIEW,
        actor=authorised.actor,
        subject=authorised.subject,
        purpose=authorised.purpose_recorded,
        basis=f"{acts.disclosed(authorised.decision)} | sections {', '.join(sections)}",
    )


def incident_view(
    incident: Incident, values: dict[str, str | None], reported_by: str | None
) -> IncidentView:
    """An incident for a page: its sealed ``values`` as revealed (``INCIDENT_COLUMNS``)
    and its reporter's name as the reader may see it."""
    return IncidentView(
        id=incident.id,
        occurred_at=incident.occurred_at,
        recorded_at=incident.recorded_at,
        reported_on=incident.reported_on,
        recorded_by=incident.recorded_by.display_name,
        received_by=incident.received_by.name,
        received_by_police=incident.received_by.type is AgencyType.POLICE,
        reported_by=reported_by,
        reported_to_police=incident.reported_to_police,
        hate_related=incident.hate_related,
        **values,
    )
