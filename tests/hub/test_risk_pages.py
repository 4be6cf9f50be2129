"""Risk pages as users meet them on the demo partnership: the assessment journey with its
refusals, the case page's risk section, triage changes, escalation prompts, the risk
shared with a partner, "also known to", reviews due on the home page, and who may reach
which page."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from hub.templating import uk_date
from sharing import clock
from sharing.access.authorise import authorise, decision_on
from sharing.access.decide import Act, Actor
from sharing.audit import listings
from sharing.cases import incidents, share_lists
from sharing.models import (
    Agency,
    Alert,
    Case,
    CaseParty,
    Escalation,
    Incident,
    RiskAssessment,
    Share,
    TriageChange,
    User,
)
from sharing.risk.assessments import ASSESSED_ROLES
from sharing.risk.assessments import latest as latest_assessment
from sharing.risk.matrix import shipped
from sharing.vocabulary import (
    AgencyType,
    AlertKind,
    CaseStatus,
    PartyRole,
    Priority,
    RiskBand,
    Role,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import (
    demo_client,
    demo_user,
    lock_demo_case,
    open_cases,
    share_demo_case,
)
from tests.fixtures.statements import entries_of_pages, statements_of_get, walk_pages

PURPOSE = "asb_case_management"
MATRIX = shipped().current
#: Answers scoring the most on every question: high risk.
HIGHEST = {f"answer-{q.id}": max(q.options, key=lambda o: o.score).value for q in MATRIX.questions}
#: Answers scoring nothing: low risk.
LOWEST = {f"answer-{q.id}": min(q.options, key=lambda o: o.score).value for q in MATRIX.questions}


def _shared_with_police(session) -> Case:
    """A case of a landlord shared with the police for ASB case management (and for
    nothing else: its shared risk names that protocol), with a victim and no lock, whose
    victim is not already at high risk (so a high assessment is a rise)."""
    shares = session.scalars(
        select(Share)
        .join(Case, Case.id == Share.case_id)
        .where(
            Share.revoked_at.is_(None),
            Case.locked.is_(False),
            Case.status == "active",
            Share.agency.has(code="northshire-police"),
        )
        .order_by(Share.id)
    ).all()
    purposes: dict[int, set[str]] = {}
    for share in shares:
        purposes.setdefault(share.case_id, set()).add(share.purpose)
    for share in shares:
        case = session.get(Case, share.case_id)
        if (
            purposes[case.id] == {"asb_case_management"}
            and any(p.role is PartyRole.VICTIM for p in case.parties)
            and not _high(session, case)
        ):
            return case
    raise AssertionError("the demo has no shared case with a victim")


def _high(session, case: Case) -> bool:
    latest = latest_assessment(session, case.id, _victim(case))
    return latest is not None and latest.band is RiskBand.HIGH


def _victim(case: Case) -> int:
    return next(p.person_id for p in case.parties if p.role is PartyRole.VICTIM)


def _post(client, path: str, data: dict[str, str]):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def _assessments(session, case_id: int) -> int:
    session.expire_all()
    return session.scalar(
        select(func.count()).select_from(RiskAssessment).where(RiskAssessment.case_id == case_id)
    )


def test_officer_assesses_a_victim_page_by_page_and_a_police_officer_sees_the_band(
    demo_hub, demo_session
) -> None:
    case = _shared_with_police(demo_session)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/risk/new"
    first = officer.get(path)
    assert first.status_code == 200
    assert "Who are you assessing?" in first.get_data(as_text=True)
    base = {"version": str(MATRIX.version), "csrf_token": csrf_token(officer, path)}

    nobody = officer.post(path, data={**base, "step": "person"})
    assert nobody.status_code == 400
    assert "Select the victim, witness or reporter on this case to assess" in nobody.get_data(
        as_text=True
    )

    who = {"person_id": str(_victim(case)), "stage": "review"}
    history = officer.post(path, data={**base, **who, "step": "person"})
    assert history.status_code == 200
    assert '<h1 class="govuk-heading-l">History</h1>' in history.get_data(as_text=True)

    unanswered = officer.post(path, data={**base, **who, "step": "history"})
    assert unanswered.status_code == 400
    text = unanswered.get_data(as_text=True)
    assert "There is a problem" in text
    assert "Answer question 1: Other than this occasion" in text
    assert 'href="#answer-frequency"' in text

    answers = {**who, **HIGHEST}
    band = officer.post(path, data={**base, **answers, "step": "support"})
    assert "Score <strong>40</strong>" in band.get_data(as_text=True)

    no_reason = officer.post(path, data={**base, **answers, "band": "medium", "step": "band"})
    assert no_reason.status_code == 400
    assert "Give the reason for changing the band from high (from the score) to medium" in (
        no_reason.get_data(as_text=True)
    )

    check = officer.post(
        path, data={**base, **answers, "support_needs": "Panic alarm", "step": "band"}
    )
    page = check.get_data(as_text=True)
    assert "Check your answers before saving the assessment" in page
    assert "Every day (scores 4)" in page
    before = _assessments(demo_session, case.id)
    saved = officer.post(
        path, data={**base, **answers, "support_needs": "Panic alarm", "step": "check"}
    )
    assert saved.status_code == 302
    assert _assessments(demo_session, case.id) == before + 1

    shown = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "High risk" in shown
    assert (  # shared with the police already: not asked to share it with them
        "Consider a case conference and a safeguarding referral "
        "(the case is already shared with the police)" in shown
    )
    assert "Panic alarm" in shown
    assert re.search(r"</strong>\s*score \d+, ", shown)
    assert (
        "<li>1. Other than this occasion, how often do you have problems? <strong>Every day</strong> (scores 4)</li>"
        in shown
    )

    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    listing = police.get("/risk/shared").get_data(as_text=True)
    row = listing[
        listing.index(f"Case {case.reference}") - 600 : listing.index(f"Case {case.reference}")
        + 1500
    ]
    assert "High risk" in row
    assert "Panic alarm" in row  # support needs: "risk", in the police clause
    assert "Not shared with your agency" in row  # vulnerability answers are not
    assert case.agency.name in row
    assert "Northshire ASB case management information sharing protocol (version 1)" in row
    alerts = police.get("/alerts").get_data(as_text=True)
    assert case.reference in alerts
    partner_page = police.get(f"/cases/{case.id}?purpose={PURPOSE}").get_data(as_text=True)
    assert "High risk" in partner_page
    assert "Vulnerability answers: not shared with your agency." in partner_page
    assert "(its score is not shared with your agency), " in partner_page
    assert "Extremely affected" not in partner_page  # a vulnerability answer


def test_answers_from_an_old_version_or_with_an_unknown_option_are_refused_and_nothing_saved(
    demo_hub, demo_session
) -> None:
    case = _shared_with_police(demo_session)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/risk/new"
    before = _assessments(demo_session, case.id)
    who = {"person_id": str(_victim(case)), "stage": "review", "step": "check"}
    old = _post(officer, path, {**who, **LOWEST, "version": str(MATRIX.version - 1)})
    assert old.status_code == 400
    page = old.get_data(as_text=True)
    assert f"The Risk Assessment Matrix has changed to version {MATRIX.version}" in page
    # The questions again from the first page, for the version in use, the person kept.
    assert 'href="#person_id"' in page
    assert f'name="version" value="{MATRIX.version}"' in page
    assert f'value="{who["person_id"]}" checked' in page
    for version in ("x", ""):  # a form whose version was lost or changed by hand
        unsaid = _post(officer, path, {**who, **LOWEST, "version": version})
        assert unsaid.status_code == 400
        page = unsaid.get_data(as_text=True)
        assert "These answers do not say which version of the Risk Assessment Matrix" in page
        assert "None" not in page
        assert 'href="#person_id"' in page
    unknown = _post(
        officer,
        path,
        {**who, **LOWEST, "version": str(MATRIX.version), "answer-frequency": "hourly"},
    )
    assert unknown.status_code == 400
    assert "that answer is not in version 1 of the matrix" in unknown.get_data(as_text=True)
    stranger = _post(officer, path, {**who, **LOWEST, "version": "1", "person_id": "999999"})
    assert stranger.status_code == 400
    assert "Select the victim, witness or reporter on this case" in stranger.get_data(as_text=True)
    assert _assessments(demo_session, case.id) == before


def test_both_boxes_of_the_band_step_too_long_are_named_each_at_its_box(
    demo_hub, demo_session
) -> None:
    case = _shared_with_police(demo_session)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/risk/new"
    before = _assessments(demo_session, case.id)
    base = {"version": str(MATRIX.version), "csrf_token": csrf_token(officer, path)}
    answers = {"person_id": str(_victim(case)), "stage": "review", **HIGHEST}
    page = officer.post(
        path,
        data={
            **base,
            **answers,
            "band": "medium",
            "adjustment_reason": "x" * 2_100,
            "support_needs": "y" * 2_001,
            "step": "band",
        },
    )
    assert page.status_code == 400
    text = page.get_data(as_text=True)
    summary = text.split("govuk-error-summary__list")[1].split("</ul>")[0]
    assert (
        "The reason for changing the band must be 2,000 characters or fewer (you entered 2,100)"
        in summary
    )
    assert (
        "The support and protection needed must be 2,000 characters or fewer (you entered 2,001)"
        in summary
    )
    assert 'href="#adjustment_reason"' in summary
    assert 'href="#support_needs"' in summary
    assert "Must be 2,000" not in text
    assert text.count("You can enter up to 2,000 characters") == 2
    assert _assessments(demo_session, case.id) == before


def test_a_band_not_offered_is_refused_and_only_those_who_may_be_assessed_are_offered(
    demo_hub, demo_session
) -> None:
    case = _shared_with_police(demo_session)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/risk/new"
    before = _assessments(demo_session, case.id)
    base = {"version": str(MATRIX.version), "csrf_token": csrf_token(officer, path)}
    answers = {"person_id": str(_victim(case)), "stage": "review", **HIGHEST}
    bogus = officer.post(
        path,
        data={
            **base,
            **answers,
            "band": "critical",
            "adjustment_reason": "Very high",
            "step": "check",
        },
    )
    assert bogus.status_code == 400
    assert "Select the band, or leave it as the score gives" in bogus.get_data(as_text=True)
    assert _assessments(demo_session, case.id) == before
    # Household members, businesses and groups are not for the matrix: not offered.
    offered = officer.get(path).get_data(as_text=True)
    for party in case.parties:
        shown = f'value="{party.person_id}"' in offered
        assert shown == (party.role in ASSESSED_ROLES), party.role
    # The only victim or witness is chosen already; of several, none is.
    assessable = {p.person_id for p in case.parties if p.role in ASSESSED_ROLES}
    chosen = re.findall(r'name="person_id" type="radio" value="(\d+)" checked', offered)
    assert chosen == ([str(*assessable)] if len(assessable) == 1 else [])


def test_triage_change_is_recorded_with_who_and_why_and_makes_a_review_due(
    demo_hub, demo_session, monkeypatch
) -> None:
    case = demo_session.scalar(
        select(Case)
        .where(Case.priority == Priority.AMBER, Case.status == "active", Case.locked.is_(False))
        .order_by(Case.id)
    )
    case.review_due_on = clock.today() + timedelta(days=25)
    demo_session.commit()
    settings = replace(demo_hub.config["HUB_SETTINGS"], review_days_red_high=10)
    monkeypatch.setitem(demo_hub.config, "HUB_SETTINGS", settings)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/triage"
    no_reason = _post(officer, path, {"priority": "red_high", "triage": "serious"})
    assert no_reason.status_code == 400
    assert "Say why you are changing the triage" in no_reason.get_data(as_text=True)
    done = _post(
        officer,
        path,
        {"priority": "red_high", "triage": "serious", "reason": "Threats made at the door"},
    )
    assert done.status_code == 302
    demo_session.expire_all()
    change = demo_session.scalar(select(TriageChange).where(TriageChange.case_id == case.id))
    assert change.changed_by_id == case.officer_id
    # A red high case is reviewed within the partnership's 10 days: the review comes forward.
    in_ten_days = clock.today() + timedelta(days=10)
    assert demo_session.get(Case, case.id).review_due_on == in_ten_days
    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"the case review is due by {uk_date(in_ten_days)}" in page
    assert "Threats made at the door" in page
    assert "Red: high risk, serious or high risk" in page
    home = officer.get("/").get_data(as_text=True)
    assert case.reference in home[home.index("Risk assessment reviews due") :]


def test_the_officer_records_a_decision_on_an_escalation(demo_hub, demo_session) -> None:
    escalation = demo_session.scalar(
        select(Escalation)
        .join(Case, Case.id == Escalation.case_id)
        .where(Escalation.considered_at.is_(None), Case.status == "active", Case.locked.is_(False))
        .order_by(Escalation.id)
    )
    case = demo_session.get(Case, escalation.case_id)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/escalations/{escalation.id}"
    assert "Record what you decided" in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    empty = _post(officer, path, {"note": " "})
    assert empty.status_code == 400
    done = _post(officer, path, {"note": "Conference requested for Tuesday"})
    assert done.status_code == 302
    assert _post(officer, f"/cases/{case.id}/escalations/999999", {"note": "x"}).status_code == 404
    # A prompt on another case, under this case's address: not found, to look at or answer.
    other = demo_session.scalar(
        select(Escalation).where(Escalation.case_id != case.id).order_by(Escalation.id)
    )
    assert officer.get(f"/cases/{case.id}/escalations/{other.id}").status_code == 404
    assert officer.get(f"/cases/{case.id}/escalations/999999").status_code == 404


def _open_escalation(session, police: bool) -> Escalation:
    """An open escalation prompt on an active, unlocked case with a hate incident, of the
    police (``police``) or of another agency: the demo's first, or, on a day the demo has
    none, the prompt a hate incident recorded here by the officer of such a case raises."""
    owner = Case.agency.has(Agency.type == AgencyType.POLICE)
    where = (Case.status == "active", Case.locked.is_(False), owner if police else ~owner)
    found = session.scalar(
        select(Escalation)
        .join(Case, Case.id == Escalation.case_id)
        .where(
            Escalation.considered_at.is_(None), Case.incidents.any(Incident.hate_related), *where
        )
        .order_by(Escalation.id)
    )
    if found is not None:
        return found
    case = session.scalars(select(Case).where(*where).order_by(Case.id)).first()
    incidents.add_incident(
        session,
        authorise(session, Actor.of(case.officer), case.id, Act.RECORD),
        incidents.IncidentInput(
            occurred_at=clock.now() - timedelta(days=1),
            description="Racist abuse shouted at the victim's door",
            hate_related=True,
        ),
    )
    session.commit()
    return session.scalars(
        select(Escalation)
        .where(Escalation.case_id == case.id, Escalation.considered_at.is_(None))
        .order_by(Escalation.id.desc())
    ).first()


def test_the_polices_own_case_is_not_prompted_to_be_shared_with_the_police(
    demo_hub, demo_session
) -> None:
    escalation = _open_escalation(demo_session, police=True)
    case = demo_session.get(Case, escalation.case_id)
    officer = demo_client(demo_hub, case.officer)
    page = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    assert "Consider a case conference and a safeguarding referral." in page
    assert "sharing with the police" not in page
    assert "The police are aware: it is their case" in page
    assert "The police are not aware" not in page
    asked = officer.get(f"/cases/{case.id}/escalations/{escalation.id}").get_data(as_text=True)
    assert re.findall(r"<li>([^<]+)</li>", asked) == [
        "a case conference",
        "a safeguarding referral",
    ]

    landlords = _open_escalation(demo_session, police=False)
    theirs = demo_session.get(Case, landlords.case_id)
    landlord = demo_client(demo_hub, theirs.officer)
    page = html.unescape(landlord.get(f"/cases/{theirs.id}").get_data(as_text=True))
    assert (
        "Consider a case conference, a safeguarding referral and sharing with the police." in page
    )


def test_known_to_other_agencies_shows_the_flag_not_the_record(demo_hub, demo_session) -> None:
    pages = []
    for case in demo_session.scalars(
        select(Case)
        .where(Case.locked.is_(False), Case.agency.has(code="larkmoor-ha"))
        .order_by(Case.id)
    ):
        officer = demo_client(demo_hub, case.officer)
        page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
        if "Also known to:" in page:
            pages.append(page)
            break
    assert pages, "no Larkmoor case is known to another agency in the demo"
    flag = re.search(r"Also known to: <strong>([^<]+)</strong>, ([a-z ]+) \(matched on", pages[0])
    assert flag
    assert flag.group(1) != "Larkmoor Housing Association"


@pytest.mark.parametrize("role", ["analyst", "dpo", "administrator"])
def test_roles_without_case_content_are_refused_risk_pages(as_user, role: str) -> None:
    client = as_user(role)
    for path in ("/risk/shared", "/cases/1/risk/new", "/cases/1/triage", "/cases/1/escalations/1"):
        assert client.get(path).status_code == 403, path


def test_partners_cannot_assess_or_change_triage_on_a_case_they_do_not_own(
    demo_hub, demo_session
) -> None:
    case = _shared_with_police(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(f"/cases/{case.id}/risk/new").status_code == 403  # shared: refused
    assert police.get(f"/cases/{case.id}/triage").status_code == 403
    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    unshared = demo_session.scalar(
        select(Case)
        .where(~Case.id.in_(select(Share.case_id).where(Share.agency.has(code="northshire-eh"))))
        .where(Case.agency.has(code="larkmoor-ha"))
        .order_by(Case.id)
    )
    assert eh.get(f"/cases/{unshared.id}/risk/new").status_code == 404


def test_locked_cases_never_appear_in_shared_risk(demo_hub, demo_session) -> None:
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    locked = demo_session.scalars(select(Case).where(Case.locked.is_(True))).all()
    if not locked:  # the day's demo locked none (4 May 2027): one locked as its staff would
        locked = [lock_demo_case(demo_session)]
    listing = police.get("/risk/shared").get_data(as_text=True)
    for case in locked:
        assert case.reference not in listing
    # A case the police see in the list leaves it the moment it is locked.
    shown = next(
        case
        for case in demo_session.scalars(select(Case).where(Case.locked.is_(False)))
        if case.reference in listing
    )
    shown.locked = True
    demo_session.commit()
    try:
        assert shown.reference not in police.get("/risk/shared").get_data(as_text=True)
    finally:
        shown.locked = False
        demo_session.commit()


def test_partners_with_a_live_share_are_alerted_of_a_hate_incident(demo_hub, demo_session) -> None:
    case = _shared_with_police(demo_session)
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/incidents/new"
    before = demo_session.scalar(
        select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.RISK_ESCALATION)
    )
    response = _post(
        officer,
        path,
        {
            "occurred_at-day": "1",
            "occurred_at-month": "1",
            "occurred_at-year": "2025",
            "occurred_at-hour": "10",
            "occurred_at-minute": "0",
            "description": "Racist graffiti on the door",
            "received_by": str(case.agency_id),
            "hate_related": "y",
        },
    )
    assert response.status_code == 302
    demo_session.expire_all()
    after = demo_session.scalar(
        select(func.count()).select_from(Alert).where(Alert.kind == AlertKind.RISK_ESCALATION)
    )
    assert after > before
    assert demo_session.scalar(select(CaseParty).where(CaseParty.case_id == case.id)) is not None


def _rows_of_shared_risk(page: str) -> list[tuple[int, str]]:
    """Each row of a page of shared risk: the case it links to and the band shown."""
    rows = []
    for row in re.findall(r'<tr class="govuk-table__row">(.*?)</tr>', page, re.S):
        case = re.search(r'href="/cases/(\d+)\?purpose=[^"]*#risk"', row)
        band = re.search(r"govuk-tag[^>]*>\s*(\w+) risk", row)
        if case and band:
            rows.append((int(case[1]), band[1]))
    return rows


def _assessed_people(session, cases: set[int]) -> int:
    """How many people of ``cases`` have a risk assessment (a person counted once a case)."""
    return session.scalar(
        select(
            func.count(func.distinct(RiskAssessment.case_id * 1_000_000 + RiskAssessment.person_id))
        ).where(RiskAssessment.case_id.in_(cases))
    )


def _cases_whose_risk_the_police_see(session, officer: User) -> set[int]:
    """The open cases shared with the police that hold a risk assessment and whose share's
    purpose lets the officer see their risk, decided one by one."""
    actor = Actor.of(officer)
    seen = set()
    for share in share_lists.shared_with(session, actor):
        case = session.get(Case, share.case_id)
        assessed = session.scalar(
            select(RiskAssessment.id).where(RiskAssessment.case_id == case.id)
        )
        decision = decision_on(session, actor, case.id, Act.VIEW, share.purpose)
        if case.status is not CaseStatus.CLOSED and assessed and decision.allows("risk"):
            seen.add(case.id)
    session.rollback()
    return seen


def test_shared_risk_comes_25_a_page_highest_first_and_each_page_names_the_cases_it_showed(
    demo_hub, demo_session
) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    expected = _cases_whose_risk_the_police_see(demo_session, officer)
    # More than two pages of them, whatever the day the demo was built for: on a day it
    # shares fewer, Northshire Homes shares more of its assessed cases with the police.
    assessed = [
        case.id
        for case in open_cases(demo_session, "northshire-homes")
        if case.id not in expected
        and demo_session.scalar(select(RiskAssessment.id).where(RiskAssessment.case_id == case.id))
    ]
    while (people := _assessed_people(demo_session, expected)) <= 2 * 25 and assessed:
        share_demo_case(demo_session, demo_session.get(Case, assessed.pop(0)), "northshire-police")
        expected = _cases_whose_risk_the_police_see(demo_session, officer)
    assert people > 2 * 25, "the police see more than two pages of assessed people"

    pages = walk_pages(demo_client(demo_hub, officer), "/risk/shared")
    assert len(pages) == -(-people // 25)
    entries = entries_of_pages(demo_session, "shared.list", officer.id, len(pages))
    ranks = {band.label: band.rank for band in RiskBand}
    shown: list[tuple[int, str]] = []
    for number, (page, entry) in enumerate(zip(pages, entries, strict=True), start=1):
        rows = _rows_of_shared_risk(page)
        assert 0 < len(rows) <= 25
        assert f"{people} people assessed (page {number} of {len(pages)})" in page
        assert 'class="govuk-pagination"' in page
        # The page's one entry names exactly the cases it showed, and for each of them
        # which categories it showed.
        cases = {case for case, _ in rows}
        assert listings.listed(entry.basis, "cases") == cases
        for case in cases:
            assert f"; case {case}: " in entry.basis + "; "
        shown += rows
    assert len(shown) == people  # every person once over the pages
    assert {case for case, _ in shown} == expected
    bands = [ranks[band] for _, band in shown]
    assert bands == sorted(bands, reverse=True)  # highest risk first, across the pages


def test_a_page_of_shared_risk_costs_the_same_however_many_cases_are_shared(
    demo_hub, demo_session
) -> None:
    officer = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    client = demo_client(demo_hub, officer)
    before = statements_of_get(demo_hub, client, "/risk/shared")
    # More cases shared with the police, with and without risk assessments.
    for case in open_cases(demo_session, "northshire-homes")[:30]:
        share_demo_case(demo_session, case, "northshire-police")
    assert statements_of_get(demo_hub, client, "/risk/shared") == before
    assert statements_of_get(demo_hub, client, "/risk/shared?page=2") <= before
