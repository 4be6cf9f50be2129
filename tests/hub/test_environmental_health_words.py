"""An environmental health officer records a noise case in the words of their own work:
noise monitoring, a community protection warning and an abatement notice served for a
statutory nuisance (Environmental Protection Act 1990 s.80), not only a landlord's; and a
case about smoke, fumes, odours or bonfires as such, not as "Other"."""

from __future__ import annotations

import html
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing.demo.mix import ENVIRONMENTAL_HEALTHS
from sharing.demo.notes import closure_note
from sharing.models import Action, Agency, Case, CaseReview
from sharing.vocabulary import ActionKind, AgencyType, ClosureReason, Intervention, Role
from tests.fixtures.app import Partnership, csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_cases import _new_case_form


@pytest.fixture
def environmental_health(db_session: Session, partnership: Partnership) -> Agency:
    eh = Agency(
        code="test-eh",
        name="Testshire Environmental Health",
        type=AgencyType.ENVIRONMENTAL_HEALTH,
        area=partnership.area,
        case_prefix="TEH",
    )
    db_session.add(eh)
    db_session.commit()
    return eh


@pytest.mark.parametrize(
    ("kind", "label", "what"),
    [
        (
            "noise_monitoring",
            "Noise monitoring: equipment installed or an out-of-hours visit",
            "Install noise monitoring equipment in the complainant's bedroom for two weeks.",
        ),
        (
            "community_protection_warning",
            "Community protection warning",
            "Written warning: amplified music after 11pm must stop.",
        ),
        (
            "abatement_notice",
            "Abatement notice (statutory nuisance)",
            "Serve an abatement notice on the occupier of 80 Marl Close.",
        ),
    ],
)
def test_an_environmental_health_officer_records_the_actions_of_a_noise_case(
    as_user, create_user, create_case, environmental_health, kind, label, what
) -> None:
    officer = create_user("case_officer", agency=environmental_health)
    case = create_case(officer)
    client = as_user(user=officer)
    path = f"/cases/{case.id}/actions/new"
    form = html.unescape(client.get(path).get_data(as_text=True))
    assert f'<option value="{kind}">{label}</option>' in form
    due = datetime.now(UTC).date() + timedelta(days=14)
    added = client.post(
        path,
        data={
            "kind": kind,
            "description": what,
            "owner_agency": str(environmental_health.id),
            "due_on-day": str(due.day),
            "due_on-month": str(due.month),
            "due_on-year": str(due.year),
            "csrf_token": csrf_token(client, path),
        },
    )
    assert added.status_code == 302
    page = html.unescape(client.get(f"/cases/{case.id}").get_data(as_text=True))
    assert label in page
    assert what in page


def test_an_environmental_health_officer_opens_a_case_about_a_bonfire_as_smoke_and_odour(
    as_user, create_user, db_session, environmental_health
) -> None:
    officer = create_user("case_officer", agency=environmental_health)
    client = as_user(user=officer)
    form = html.unescape(client.get("/cases/new").get_data(as_text=True))
    assert 'value="smoke_odour"' in form
    assert "Smoke, fumes, odours and bonfires" in form
    summary = "Garden bonfires most evenings; smoke comes in through the windows"
    opened = client.post(
        "/cases/new",
        data=_new_case_form(
            category="smoke_odour",
            summary=summary,
            officer_id=str(officer.id),
            csrf_token=csrf_token(client, "/cases/new"),
        ),
    )
    assert opened.status_code == 302, opened.get_data(as_text=True)
    page = html.unescape(client.get(opened.location).get_data(as_text=True))
    assert "Smoke, fumes, odours and bonfires" in page
    assert summary in page
    case = db_session.scalar(select(Case).where(Case.agency_id == environmental_health.id))
    assert case.category.value == "smoke_odour"


def test_the_benchmark_counts_noise_work_where_housemark_would() -> None:
    """HouseMark's list has no noise monitoring or abatement notice: the partnership's
    figures count them as the early intervention and the legal action they are."""
    assert Intervention.of_action(ActionKind("noise_monitoring")) is (
        Intervention.EARLY_INTERVENTION_OTHER
    )
    assert Intervention.of_action(ActionKind("community_protection_warning")) is (
        Intervention.EARLY_INTERVENTION_OTHER
    )
    assert Intervention.of_action(ActionKind("abatement_notice")) is Intervention.OTHER_LEGAL


@pytest.mark.parametrize(
    ("kind", "label"),
    [
        ("eviction", "Eviction"),
        ("notice_seeking_possession", "Notice seeking possession"),
        ("management_transfer", "Management transfer"),
        ("surrender", "Surrender of property"),
        ("early_intervention_housing", "Other early intervention by housing management staff"),
    ],
)
def test_a_landlords_action_is_given_only_to_a_landlord(
    as_user, create_user, create_case, environmental_health, partnership, db_session, kind, label
) -> None:
    """An environmental health officer may record that the landlord will serve a notice
    seeking possession, but not that environmental health will: the action is refused at
    its field, keeping what was typed, and nothing is stored."""
    officer = create_user("case_officer", agency=environmental_health)
    case = create_case(officer)
    client = as_user(user=officer)
    path = f"/cases/{case.id}/actions/new"
    typed = "Tenancy enforcement after the abatement notice was breached."
    data = {
        "kind": kind,
        "description": typed,
        "owner_agency": str(environmental_health.id),
        "csrf_token": csrf_token(client, path),
    }
    refused = client.post(path, data=data)
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert 'href="#kind"' in page
    assert (
        f"{label} is a landlord's action: select a landlord as the agency responsible, "
        "or another action"
    ) in page
    assert typed in page
    assert db_session.scalar(select(func.count(Action.id))) == 0
    given_to_the_landlord = client.post(
        path,
        data={
            **data,
            "owner_agency": str(partnership.landlord.id),
            "csrf_token": csrf_token(client, path),
        },
    )
    assert given_to_the_landlord.status_code == 302
    assert db_session.scalar(select(func.count(Action.id))) == 1


def test_the_demos_environmental_health_records_its_own_work_not_a_landlords(
    demo_hub, demo_session
) -> None:
    """Someone trying the hub as the demo's environmental health officer finds the team's
    own work among its actions (noise monitoring, community protection warnings, abatement
    notices: whichever the day's demo drew), never "Other action" or other early
    intervention in their place, and no warning letter "setting out the tenancy conditions
    breached"; a case it closed says why in its own words ("No statutory nuisance found",
    noting that monitoring found none), never a "breach of tenancy"."""
    eh = demo_session.scalar(select(Agency).where(Agency.code == "northshire-eh"))
    kinds = set(
        demo_session.scalars(
            select(Action.kind)
            .join(Case, Case.id == Action.case_id)
            .where(Case.agency_id == eh.id, Action.owner_agency_id == eh.id)
        )
    )
    assert kinds & set(ENVIRONMENTAL_HEALTHS.values())
    assert not kinds & set(ENVIRONMENTAL_HEALTHS)
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    actions = html.unescape(officer.get("/actions").get_data(as_text=True))
    assert "tenancy" not in actions
    assert ClosureReason.NO_BREACH.said_by(AgencyType.ENVIRONMENTAL_HEALTH) == (
        "No statutory nuisance found"
    )
    assert closure_note(ClosureReason.NO_BREACH, AgencyType.ENVIRONMENTAL_HEALTH) == (
        "Noise monitoring found no statutory nuisance."
    )
    # One of its closed cases, found no statutory nuisance where the demo has one.
    closed = demo_session.scalars(
        select(Case)
        .where(Case.agency_id == eh.id, Case.closure_reason.is_not(None))
        .order_by((Case.closure_reason == ClosureReason.NO_BREACH).desc(), Case.id)
    ).first()
    page = html.unescape(officer.get(f"/cases/{closed.id}").get_data(as_text=True))
    assert closed.closure_reason.said_by(AgencyType.ENVIRONMENTAL_HEALTH) in page
    assert closure_note(closed.closure_reason, AgencyType.ENVIRONMENTAL_HEALTH) in page
    assert "breach of tenancy" not in page


def test_the_demos_environmental_health_reviews_speak_of_its_own_work(
    demo_hub, demo_session
) -> None:
    """The reviews on environmental health's cases say what a noise team did (an
    out-of-hours visit, noise monitoring, a community protection warning), never a
    "reported tenant" or a "referral for tenancy support"."""
    eh = demo_session.scalar(select(Agency).where(Agency.code == "northshire-eh"))
    reviewed = demo_session.scalars(
        select(CaseReview.case_id).join(Case).where(Case.agency_id == eh.id).distinct()
    ).all()
    assert reviewed
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    pages = [
        html.unescape(officer.get(f"/cases/{case_id}").get_data(as_text=True))
        for case_id in reviewed
    ]
    reviews = [page[page.index('id="reviews"') : page.index('id="actions"')] for page in pages]
    assert not [review for review in reviews if "tenan" in review]
    assert any("noise monitoring equipment installed" in review for review in reviews)
