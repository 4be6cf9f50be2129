"""Every demo user of every agency opens every case page they can reach (and each of its
documents' pages and files), the case list,
search, "shared with us", the conferences, actions and meetings lists, every conference page
and pack, and every partnership meeting and sitting: no page shows a value from a category its decision did not allow, and every other
case or conference answers "not found"."""

from __future__ import annotations

import html
import json
import random
import re

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import decide_case
from sharing.access.decide import Act, Actor, Decision
from sharing.access.facts import (
    facts_of,
)
from sharing.crypto.sealed_format import SealedValueError, personal_columns
from sharing.crypto.sealing import unseal
from sharing.meetings import conference_listing
from sharing.models import (
    BreakGlass,
    Case,
    Conference,
    Document,
    MeetingSeries,
    Referral,
    TriggerApplication,
    TriggerRecommendation,
    User,
)
from sharing.models.base import BY_ROW
from sharing.vocabulary import AgencyType, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.decisions import GatheredFacts
from tests.fixtures.demo import demo_client

pytestmark = pytest.mark.long

#: The lead agency's roles that read the Community Trigger figures.
LEAD_READERS = (Role.TRIGGER_LEAD, Role.MANAGER, Role.CONFERENCE_CHAIR)

CONTENT_ROLES = (
    Role.CASE_OFFICER,
    Role.MANAGER,
    Role.PARTNER_VIEWER,
    Role.CONFERENCE_CHAIR,
    Role.TRIGGER_LEAD,
)

#: Roles that take part in conferences (the conferences and meetings pages' roles): the
#: Community Trigger's leads among them, who run the review panel's sittings.
CONFERENCE_ROLES = (
    Role.CASE_OFFICER,
    Role.MANAGER,
    Role.PARTNER_VIEWER,
    Role.CONFERENCE_CHAIR,
    Role.TRIGGER_LEAD,
)

#: Values shorter than this can turn up in a page by coincidence ("Noise", "Flat 2").
MIN_LENGTH = 8


def _values_by_category(session: Session, case: Case) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    referrals = session.scalars(select(Referral).where(Referral.case_id == case.id))
    documents = session.scalars(select(Document).where(Document.case_id == case.id))
    records = [
        case,
        *documents,
        *case.incidents,
        *case.actions,
        *case.reviews,
        *(p.person for p in case.parties),
        *referrals,
    ]
    for record in records:
        for column, category in personal_columns(type(record)).items():
            if category == BY_ROW:
                category = record.category
            try:
                value = unseal(record, column)
            except SealedValueError:
                continue
            if value and len(value) >= MIN_LENGTH:
                found.setdefault(category, set()).update(_texts_in(value))
    return found


def _texts_in(value: str) -> set[str]:
    """The texts a page may show of a sealed value: itself, or, for a structured value (a
    JSON document: a person's adjustments or contact needs), each text in it."""
    if not value.startswith("{"):
        return {value}
    leaves = [v for v in json.loads(value).values() if isinstance(v, str)]
    # Short leaves (a language, a time) could be in any narrative: long ones only.
    return {v for v in leaves if len(v) >= 12}


def _conference_values(conference: Conference) -> dict[str, set[str]]:
    """The sealed values of a conference (its question and agenda, the answers, minutes
    and decisions) by category."""
    found: dict[str, set[str]] = {}
    records = [conference, *conference.requests, *conference.minutes, *conference.decisions]
    for record in records:
        for column, category in personal_columns(type(record)).items():
            value = unseal(record, column)
            if value and len(value) >= MIN_LENGTH:
                found.setdefault(category, set()).add(value)
    return found


def _check_conferences(
    session: Session, client, user: User, values: dict[int, dict[str, set[str]]]
) -> int:
    """The user opens every conference's page and pack: those of their agency's
    conferences and those it is invited to show only what the decision for the
    conference's purpose allows; the rest answer "not found" (403 for roles that never
    see case content). Returns the number of pages checked."""
    checked = 0
    actor = Actor.of(user)
    for conference in session.scalars(select(Conference).order_by(Conference.id)):
        own = conference.case.agency_id == user.agency_id
        at_table = user.agency_id in conference.at_the_table
        purpose = None if own else conference.purpose
        decision = decide_case(
            session,
            actor,
            facts_of(session, [conference.case_id])[conference.case_id],
            purpose=purpose,
        )
        shown_to = decision.allowed and at_table and user.has_role(*CONFERENCE_ROLES)
        # Not invited, or a case the reader may not know of: "not found"; invited but
        # its share has ended (or no clause serves the reader): refused.
        hidden = not at_table or decision.hidden
        expected = (
            200 if shown_to else (404 if user.has_role(*CONFERENCE_ROLES) and hidden else 403)
        )
        allowed_values = {**values[conference.case_id]}
        for category, texts in _conference_values(conference).items():
            allowed_values[category] = allowed_values.get(category, set()) | texts
        for path in (f"/conferences/{conference.id}", f"/conferences/{conference.id}/pack"):
            response = client.get(path)
            assert response.status_code == expected, (user.email, path)
            if response.status_code != 200:
                continue
            checked += 1
            page = response.get_data(as_text=True)
            for category, texts in allowed_values.items():
                if decision.allows(category):
                    continue
                shown = [t for t in texts if t in page]
                assert not shown, f"{user.email} saw {category} on {path}: {shown}"
    return checked


def _check_meetings(session: Session, client, user: User) -> int:
    """The user opens every partnership meeting and sitting: people of the conference
    roles see them, each sitting listing only the cases whose conference their agency may
    open; other roles are refused (403). Returns the number of pages checked."""
    checked = 0
    actor = Actor.of(user)
    expected = 200 if user.has_role(*CONFERENCE_ROLES) else 403
    for group in session.scalars(select(MeetingSeries).order_by(MeetingSeries.id)):
        paths = [f"/meetings/{group.id}"]
        paths += [f"/meetings/{group.id}/sittings/{s.id}" for s in group.sittings]
        for path in paths:
            response = client.get(path)
            assert response.status_code == expected, (user.email, path)
            if response.status_code != 200:
                continue
            checked += 1
            page = response.get_data(as_text=True)
            for sitting in group.sittings:
                for conference in sitting.conferences:
                    if not conference_listing.visible(session, actor, conference):
                        assert conference.case.reference not in page, (user.email, path)
    return checked


def _check_trigger(session: Session, client, user: User) -> int:
    """Community Trigger applications are the lead agency's leads' and managers' only:
    everyone else is refused the list and every application (403)."""
    handles = user.agency.code == "northshire-csp" and user.has_role(
        Role.TRIGGER_LEAD, Role.MANAGER
    )
    paths = ["/trigger", "/trigger/new"]
    # Every kind of page: an application at each stage (waiting, decided, reviewed and
    # appealed) and each of its letters.
    found = list(session.scalars(select(TriggerApplication).order_by(TriggerApplication.id)))
    stages = {
        (a.decision is not None, a.outcome_on is not None, a.appeal_decided_on is not None): a
        for a in found
    }
    for application in stages.values():
        paths += [
            f"/trigger/{application.id}",
            f"/trigger/{application.id}/letters/acknowledgement",
        ]
        if application.decision:
            paths.append(f"/trigger/{application.id}/letters/threshold")
        if application.outcome_on:
            paths.append(f"/trigger/{application.id}/letters/outcome")
        if application.appeal_decided_on:
            paths.append(f"/trigger/{application.id}/letters/appeal_decision")
    for path in paths:
        assert client.get(path).status_code == (200 if handles else 403), (user.email, path)
    # A relevant body's managers (and trigger leads) follow the recommendations made to
    # their agency, and no other agency's.
    follows = user.has_role(Role.TRIGGER_LEAD, Role.MANAGER)
    response = client.get("/trigger/recommendations")
    assert response.status_code == (200 if follows else 403), user.email
    page = response.get_data(as_text=True)
    for recommendation in session.scalars(select(TriggerRecommendation)):
        listed = f'id="recommendation-{recommendation.id}"' in page
        assert listed == (follows and recommendation.owner_agency_id == user.agency_id), (
            user.email,
            recommendation.id,
        )
    return (len(paths) if handles else 0) + (1 if follows else 0)


def _check_trigger_figures(session: Session, client, user: User) -> int:
    """The Community Trigger figures are the lead agency's leads', managers' and CSP
    coordinators', the relevant bodies' managers' and the analysts': everyone else is
    refused (403). They name no case."""
    code = user.agency.code
    relevant = code in ("northshire-csp", "northshire-police", "northshire-icb") or (
        user.agency.type is AgencyType.LANDLORD
    )
    reads = (
        (code == "northshire-csp" and user.has_role(*LEAD_READERS))
        or (relevant and user.has_role(Role.MANAGER))
        or user.has_role(Role.ANALYST)
    )
    references = list(session.scalars(select(Case.reference))) + list(
        session.scalars(select(TriggerApplication.reference))
    )
    for path in ("/trigger/figures", "/trigger/figures.csv"):
        response = client.get(path)
        assert response.status_code == (200 if reads else 403), (user.email, path)
        page = response.get_data(as_text=True)
        assert not [r for r in references if r in page], (user.email, path)
    return 2 if reads else 0


def _check_regulator_measures(session: Session, client, user: User) -> int:
    """The regulator's measures are for analysts, managers and conference chairs (any
    agency); everyone else is refused (403). They name no case, and only a landlord's own
    managers see exact counts, for their own landlord."""
    reads = user.has_role(Role.ANALYST, Role.MANAGER, Role.CONFERENCE_CHAIR)
    references = list(session.scalars(select(Case.reference)))
    for path in ("/figures/regulator", "/figures/regulator.csv"):
        response = client.get(path)
        assert response.status_code == (200 if reads else 403), (user.email, path)
        page = response.get_data(as_text=True)
        assert not [r for r in references if r in page], (user.email, path)
    if reads:
        page = client.get("/figures/regulator").get_data(as_text=True)
        own = user.agency.type is AgencyType.LANDLORD and user.has_role(Role.MANAGER)
        assert page.count("Your agency: exact") == (1 if own else 0), user.email
    return 2 if reads else 0


def _check_partnership_figures(session: Session, client, user: User) -> int:
    """The partnership's figures are for analysts, managers and conference chairs; everyone
    else is refused (403). They name no case, and only a manager sees exact counts, in a
    column for their own agency."""
    reads = user.has_role(Role.ANALYST, Role.MANAGER, Role.CONFERENCE_CHAIR)
    response = client.get("/figures/")
    assert response.status_code == (200 if reads else 403), user.email
    if not reads:
        return 0
    references = list(session.scalars(select(Case.reference)))
    page = response.get_data(as_text=True)
    table = client.get("/figures/tables/agencies.csv").get_data(as_text=True)
    for text in (page, table):
        assert not [r for r in references if r in text], user.email
    # Each text between tags that ends " (exact)" (anchored at its ">", so the search
    # stays linear in the page's length).
    exact = {html.unescape(name) for name in re.findall(r">([^<>]+) \(exact\)", page)}
    assert exact == ({user.agency.name} if user.has_role(Role.MANAGER) else set()), user.email
    return 2


def _kind(session: Session, case: Case, user: User, purposes: list[str]) -> str:
    """Which kind of case this is for this user (``purposes``: those of its live shares
    with the user's agency): the kinds a sample must cover."""
    if case.erased_at is not None:
        return "erased"
    if case.locked:
        return "locked"
    if case.agency_id == user.agency_id:
        return "own"
    if purposes:
        return "shared"
    if session.scalar(
        select(BreakGlass.id).where(BreakGlass.case_id == case.id, BreakGlass.user_id == user.id)
    ):
        return "break-glass"
    return "other agency's"


def _check_documents(
    client, case: Case, decision, query: str, documents: list[Document], values
) -> int:
    """Each document of a case the reader opened: its page and file are there when the
    decision allows the document's category, "not found" when not; its page shows no value
    of a category the decision does not allow."""
    for document in documents:
        expected = 200 if decision.allows(document.category) else 404
        base = f"/cases/{case.id}/documents/{document.id}"
        page = client.get(base + query)
        assert page.status_code == expected, (case.reference, document.id, query)
        assert client.get(f"{base}/file{query}").status_code == expected
        text = page.get_data(as_text=True)
        for category, texts in values.items():
            if not decision.allows(category):
                shown = [t for t in texts if t in text]
                assert not shown, f"document {document.id} of {case.reference} showed {category}"
    return len(documents)


class _Decisions:
    """One user's decisions on the demo's cases, each made once per case and purpose from
    facts read once (opening pages changes no case's facts, shares, break-glass or
    protocols: it only adds to the audit log)."""

    def __init__(self, facts: GatheredFacts, actor: Actor) -> None:
        self.facts, self.actor = facts, actor
        self.made: dict[tuple[int, str | None], Decision] = {}

    def on(self, case_id: int, purpose: str | None) -> Decision:
        if (case_id, purpose) not in self.made:
            self.made[case_id, purpose] = self.facts.decide(
                self.actor, case_id, Act.VIEW, purpose, now=clock.now()
            )
        return self.made[case_id, purpose]


def _live_purposes(facts: GatheredFacts, case_id: int, agency_id: int) -> list[str]:
    """The purposes of the case's live shares with the agency, in order."""
    today = clock.today()
    return sorted({s.purpose for s in facts.shares(case_id, agency_id) if s.live(today)})


def _check_every_page(demo_hub, sample_per_kind: int | None) -> int:
    """Every demo user opens the case pages of their sample of cases (all of them without
    ``sample_per_kind``) for every purpose they hold, and the list, search and "shared
    with us" pages; no page shows a value from a category its decision did not allow.
    Returns the number of case pages checked."""
    rng = random.Random(7)
    checked_pages = 0
    with demo_hub.extensions["hub.sessions"]() as session:
        cases = session.scalars(select(Case).order_by(Case.id)).all()
        values = {case.id: _values_by_category(session, case) for case in cases}
        facts = GatheredFacts(session, [case.id for case in cases])
        users = session.scalars(select(User).order_by(User.id)).all()
        attached: dict[int, list[Document]] = {}
        for document in session.scalars(select(Document).order_by(Document.id)):
            attached.setdefault(document.case_id, []).append(document)
        figures_read: set[tuple[int, frozenset[Role]]] = set()
        documents_read: set[tuple[object, ...]] = set()
        for user in users:
            actor = Actor.of(user)
            decisions = _Decisions(facts, actor)
            client = demo_client(demo_hub, user)
            chosen = list(cases)
            if sample_per_kind is not None:
                by_kind: dict[str, list[Case]] = {}
                for case in cases:
                    purposes = _live_purposes(facts, case.id, user.agency_id)
                    by_kind.setdefault(_kind(session, case, user, purposes), []).append(case)
                chosen = [
                    case
                    for kind in sorted(by_kind)
                    for case in rng.sample(by_kind[kind], min(sample_per_kind, len(by_kind[kind])))
                ]
                # And cases with files, whatever their kind, so their pages are opened too.
                with_files = [c for c in cases if c.id in attached and c not in chosen]
                chosen += rng.sample(with_files, min(sample_per_kind, len(with_files)))
            hidden = []
            for case in chosen:
                for purpose in [None, *_live_purposes(facts, case.id, user.agency_id)]:
                    decision = decisions.on(case.id, purpose)
                    if not decision.allowed:
                        if decision.hidden and purpose is None:
                            hidden.append(case.id)
                        continue
                    query = f"?purpose={purpose}" if purpose else ""
                    response = client.get(f"/cases/{case.id}{query}")
                    assert response.status_code == 200, (user.email, case.reference, purpose)
                    page = response.get_data(as_text=True)
                    checked_pages += 1
                    for category, texts in values[case.id].items():
                        if decision.allows(category):
                            continue
                        shown = [t for t in texts if t in page]
                        assert not shown, (
                            f"{user.email} saw {category} of {case.reference} ({purpose}): {shown}"
                        )
                    # A document's decision is the case's, which depends on the reader's
                    # agency, roles and team (a lock or break-glass names users: those are
                    # checked for each user), so each kind of reader opens them once.
                    reader_of_case = (
                        (user.agency_id, frozenset(user.roles), user.team, case.id, purpose)
                        if not (case.locked or decision.break_glass)
                        else (user.id, case.id, purpose)
                    )
                    if reader_of_case not in documents_read:
                        documents_read.add(reader_of_case)
                        checked_pages += _check_documents(
                            client,
                            case,
                            decision,
                            query,
                            attached.get(case.id, []),
                            values[case.id],
                        )
            # Roles that never see case content are refused the case pages as a whole (403).
            expected = 404 if user.has_role(*CONTENT_ROLES) else 403
            for case_id in rng.sample(hidden, min(15, len(hidden))):
                assert client.get(f"/cases/{case_id}").status_code == expected, (
                    user.email,
                    case_id,
                )
            checked_pages += _check_conferences(session, client, user, values)
            checked_pages += _check_meetings(session, client, user)
            checked_pages += _check_trigger(session, client, user)
            checked_pages += _check_trigger_figures(session, client, user)
            checked_pages += _check_regulator_measures(session, client, user)
            # The figures depend only on the reader's agency and roles (nothing in them is
            # the user's own), so each agency and set of roles reads them once.
            reader = (user.agency_id, frozenset(user.roles))
            if reader not in figures_read:
                figures_read.add(reader)
                checked_pages += _check_partnership_figures(session, client, user)
            pages = {
                path: client.get(path)
                for path in ("/", "/cases", "/shared", "/conferences", "/actions", "/meetings")
            }
            pages["/search"] = client.post(
                "/search",
                data={
                    "csrf_token": csrf_token(client, "/"),
                    "kind": "postcode",
                    "postcode": "NX1 1AA",
                },
            )
            for path, response in pages.items():
                page = response.get_data(as_text=True)
                for case in cases:
                    if case.reference in page:
                        assert decisions.on(case.id, None).allowed or _live_purposes(
                            facts, case.id, user.agency_id
                        ), f"{user.email} saw {case.reference} listed on {path}"
    return checked_pages


@pytest.mark.sampled
def test_no_page_shows_a_category_its_decision_did_not_allow_in_a_sample_of_every_kind(
    demo_hub,
) -> None:
    # Every user, every listing page, and for each user up to three cases of each kind
    # (own, shared, other agency's, locked, erased, break-glass); --exhaustive (and CI)
    # also runs the same checks on every case.
    assert _check_every_page(demo_hub, sample_per_kind=3) > 50


@pytest.mark.exhaustive
def test_no_page_shows_a_category_its_decision_did_not_allow(demo_hub) -> None:
    assert _check_every_page(demo_hub, sample_per_kind=None) > 300
