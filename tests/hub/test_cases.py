"""The case journey through the pages: open, view, record, close; and bad input."""

from __future__ import annotations

import html
import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.templating import UK
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import actions
from sharing.errors import InputError
from sharing.models import Action, Agency, Case, Incident, LockMember, Person
from sharing.vocabulary import ActionKind, AgencyType, CaseStatus, Priority
from tests.fixtures.app import csrf_token


def _new_case_form(**overrides: str) -> dict[str, str]:
    form = {
        "category": "noise",
        "priority": "red_high",
        "triage": "serious",
        "summary": "Repeated shouting and banging through the night",
        "address": "Flat 2, 10 Mill Lane",
        "postcode": "ts1 4ab",
        "uprn": "100012345678",
        "ward_id": "",
        "first_party_role": "victim",
        "first_party-given_names": "Ruth",
        "first_party-family_name": "Okonkwo-Testcase",
        "first_party-date_of_birth-day": "3",
        "first_party-date_of_birth-month": "4",
        "first_party-date_of_birth-year": "1950",
        "first_party-phone": "07700 900 321",
        "first_party-support_needs": "Uses a wheelchair",
    }
    form.update(overrides)
    return form


def _count(db_session: Session, model: type) -> int:
    db_session.expire_all()
    return db_session.scalar(select(func.count()).select_from(model)) or 0


def test_officer_opens_a_case_and_sees_it_with_its_people(as_user, create_user, db_session) -> None:
    officer = create_user("case_officer")
    client = as_user(user=officer)
    data = _new_case_form(officer_id=str(officer.id), csrf_token=csrf_token(client, "/cases/new"))
    response = client.post("/cases/new", data=data)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "Case TH-" in page
    assert "Ruth Okonkwo-Testcase" in page
    assert "3 April 1950" in page  # stored ISO, shown as people write it
    assert "TS1 4AB" in page  # postcode normalised
    assert "Uses a wheelchair" in page
    assert "07700 900321" in page  # stored as digits, grouped for reading
    assert "Why you can see this" in page
    assert "Your agency&#39;s own case" in page
    # Two sentences of the risk section, not run together as "yet.Risk".
    assert re.search(r"risk assessed yet\.\s+Risk assessment review due", page)


def test_a_refused_form_keeps_what_was_typed_and_saves_nothing(
    as_user, create_user, db_session
) -> None:
    officer = create_user("case_officer")
    client = as_user(user=officer)
    data = _new_case_form(
        officer_id=str(officer.id),
        postcode="not a postcode",
        **{"first_party-date_of_birth-month": "13"},
        csrf_token=csrf_token(client, "/cases/new"),
    )
    response = client.post("/cases/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "date of birth must be a real date" in page
    assert "Repeated shouting and banging through the night" in page  # kept
    assert 'value="Okonkwo-Testcase"' in page
    assert _count(db_session, Case) == 0
    assert _count(db_session, Person) == 0


def test_a_case_opened_for_an_officer_of_another_team_says_where_it_went(
    as_user, create_user, db_session
) -> None:
    north, south = create_user("case_officer"), create_user("case_officer")
    north.team, south.team = "North neighbourhood team", "South neighbourhood team"
    db_session.commit()
    client = as_user(user=north)
    form = client.get("/cases/new").get_data(as_text=True)
    # Offered under their team's heading, after the officer's own team.
    assert form.index('<optgroup label="North neighbourhood team">') < form.index(
        '<optgroup label="South neighbourhood team">'
    )
    assert form.index('<optgroup label="South neighbourhood team">') < form.index(
        f'<option value="{south.id}">{south.display_name}</option>'
    )
    response = client.post(
        "/cases/new",
        data=_new_case_form(officer_id=str(south.id), csrf_token=csrf_token(client, "/cases/new")),
    )
    case = db_session.scalar(select(Case).where(Case.officer_id == south.id))
    assert case is not None
    # Not to the case, which a case officer of another team cannot open ("page not found").
    assert response.status_code == 302
    assert response.location == "/cases"
    listing = client.get(response.location).get_data(as_text=True)
    assert f"Case {case.reference} opened for {south.display_name}." in listing
    assert "so it is not in your case list" in listing
    assert client.get(f"/cases/{case.id}").status_code == 404


def test_digits_other_than_0_to_9_are_refused_at_their_field(
    as_user, create_user, db_session
) -> None:
    # Superscripts pass str.isdigit but not int; other scripts' digits int would misread.
    officer = create_user("case_officer")
    client = as_user(user=officer)
    for field, typed, message in (
        ("first_party-date_of_birth-year", "¹⁹⁵⁰", "date of birth must be a real date, in numbers"),
        ("first_party-date_of_birth-day", "٣", "date of birth must be a real date, in numbers"),
        ("uprn", "²", "UPRN"),
    ):
        data = _new_case_form(
            officer_id=str(officer.id),
            csrf_token=csrf_token(client, "/cases/new"),
            **{field: typed},
        )
        response = client.post("/cases/new", data=data)
        assert response.status_code == 400, field
        page = response.get_data(as_text=True)
        assert message in page
        assert f'href="#{field}' in page
    assert _count(db_session, Case) == 0
    assert _count(db_session, Person) == 0


def test_only_case_officers_and_managers_are_offered_or_taken_as_a_cases_officer(
    as_user, create_user, db_session
) -> None:
    # Finding 7 of the access review: every active user was offered, and choosing the DPO
    # opened a case nobody could then find ("opened", then "Page not found").
    manager = create_user("manager")
    dpo = create_user("dpo")
    admin = create_user("administrator")
    officer = create_user("case_officer")
    client = as_user(user=manager)
    form = client.get("/cases/new").get_data(as_text=True)
    assert f'value="{officer.id}"' in form
    assert f'value="{manager.id}"' in form
    assert dpo.display_name not in form
    assert admin.display_name not in form
    for not_an_officer in (dpo, admin):
        data = _new_case_form(
            officer_id=str(not_an_officer.id), csrf_token=csrf_token(client, "/cases/new")
        )
        response = client.post("/cases/new", data=data)
        assert response.status_code == 400
        assert 'href="#officer_id"' in response.get_data(as_text=True)
    assert _count(db_session, Case) == 0


def test_bad_postcode_found_by_the_core_is_shown_on_its_field(
    as_user, create_user, db_session
) -> None:
    officer = create_user("case_officer")
    client = as_user(user=officer)
    data = _new_case_form(
        officer_id=str(officer.id), postcode="ZZZ", csrf_token=csrf_token(client, "/cases/new")
    )
    page = client.post("/cases/new", data=data).get_data(as_text=True)
    assert "Enter a real postcode, like NG1 5AB" in page
    assert 'href="#postcode"' in page
    assert _count(db_session, Case) == 0


def _summary(page: str) -> list[str]:
    """The lines of the page's error summary, as a screen reader reads them."""
    listed = re.search(r"govuk-error-summary__list.*?</ul>", page, re.S).group(0)
    return [html.unescape(text) for text in re.findall(r'<a href="[^"]+">([^<]+)</a>', listed)]


def test_bad_postcodes_and_e_mails_of_each_person_are_all_shown_saying_whose_box(
    as_user, create_user, db_session
) -> None:
    officer = create_user("case_officer")
    client = as_user(user=officer)
    data = _new_case_form(
        officer_id=str(officer.id),
        postcode="NOT A POSTCODE AT ALL",
        csrf_token=csrf_token(client, "/cases/new"),
        **{
            "first_party-postcode": "ZZZ",
            "first_party-email": "nope",
            "reported-given_names": "Bob",
            "reported-family_name": "Reported",
            "reported-postcode": "NOT A POSTCODE AT ALL",
            "reported-email": "nope",
        },
    )
    response = client.post("/cases/new", data=data)
    assert response.status_code == 400
    lines = _summary(response.get_data(as_text=True))
    assert lines == [
        "The location's postcode must be 10 characters or fewer (you entered 21)",
        "Enter the victim's e-mail address in the correct format, like name@example.org",
        "Enter a real postcode for the victim, like NG1 5AB",
        "Enter the reported person's e-mail address in the correct format, like name@example.org",
        "The reported person's postcode must be 10 characters or fewer (you entered 21)",
    ]
    data["first_party_role"] = "reporter"
    lines = _summary(client.post("/cases/new", data=data).get_data(as_text=True))
    assert "Enter a real postcode for the reporter, like NG1 5AB" in lines
    assert _count(db_session, Case) == 0


def test_over_long_text_is_refused_with_its_limit(as_user, create_user, db_session) -> None:
    officer = create_user("case_officer")
    client = as_user(user=officer)
    data = _new_case_form(
        officer_id=str(officer.id), summary="x" * 5001, csrf_token=csrf_token(client, "/cases/new")
    )
    page = client.post("/cases/new", data=data).get_data(as_text=True)
    assert "The description must be 5,000 characters or fewer" in page
    assert _count(db_session, Case) == 0


def test_forged_officer_from_another_agency_is_refused(
    as_user, create_user, partnership, db_session
) -> None:
    officer = create_user("case_officer")
    police = create_user("case_officer", agency=partnership.police)
    client = as_user(user=officer)
    data = _new_case_form(officer_id=str(police.id), csrf_token=csrf_token(client, "/cases/new"))
    page = client.post("/cases/new", data=data).get_data(as_text=True)
    assert "Select the case officer" in page
    assert _count(db_session, Case) == 0


def _incident(client, case_id: int, when: datetime, **overrides: str):
    when = when.astimezone(UK)  # the form is in UK time
    data = {
        "occurred_at-day": str(when.day),
        "occurred_at-month": str(when.month),
        "occurred_at-year": str(when.year),
        "occurred_at-hour": str(when.hour),
        "occurred_at-minute": str(when.minute),
        "description": "Music at full volume until 3am; the victim could not sleep",
        "place": "Stairwell",
        "reported_by": "",
        "received_by": overrides.pop("received_by", ""),
        "csrf_token": csrf_token(client, f"/cases/{case_id}/incidents/new"),
    }
    data.update(overrides)
    return client.post(f"/cases/{case_id}/incidents/new", data=data)


def test_officer_adds_an_incident_and_sees_it_on_the_timeline(
    as_user, create_user, create_case, partnership
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    when = datetime.now(UTC) - timedelta(days=1)
    response = _incident(
        client,
        case.id,
        when,
        received_by=str(partnership.police.id),
        reported_to_police="y",
        crime_reference="TP/1234/26",
        hate_related="y",
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Music at full volume until 3am" in page
    assert "Testshire Police" in page
    # Reported to the police, who received it: said once, by naming them.
    assert "Reported to the police" not in page
    # The sentence ends before the hate incident's tag: not "TP/1234/26.Hate incident".
    assert re.search(r"Crime reference TP/1234/26\.\s+<strong[^>]*>Hate incident</strong>", page)
    assert "Incidents (1)" in page
    # Received by the landlord and reported to the police too: both are said.
    again = _incident(
        client,
        case.id,
        when,
        received_by=str(officer.agency_id),
        reported_to_police="y",
        crime_reference="TP/5678/26",
    )
    assert again.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Reported to the police, crime reference TP/5678/26." in page


def test_a_report_written_up_later_keeps_the_day_it_was_made(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    when = datetime.now(UTC) - timedelta(days=20)
    made = clock.day_of(when) + timedelta(days=2)

    def day_fields(day: date) -> dict[str, str]:
        return {
            "reported_on-day": str(day.day),
            "reported_on-month": str(day.month),
            "reported_on-year": str(day.year),
        }

    before = _incident(
        client,
        case.id,
        when,
        received_by=str(officer.agency_id),
        **day_fields(clock.day_of(when) - timedelta(days=1)),
    )
    assert before.status_code == 400
    page = before.get_data(as_text=True)
    assert "The date it was reported must be on or after the day it happened" in page
    assert 'href="#reported_on-day"' in page
    assert _count(db_session, Incident) == 0

    added = _incident(client, case.id, when, received_by=str(officer.agency_id), **day_fields(made))
    assert added.status_code == 302
    timeline = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f"on {made.day} {made:%B %Y}." in timeline
    assert db_session.scalar(select(Incident)).reported_day == made


@pytest.mark.parametrize(
    ("when", "message"),
    [
        (
            datetime.now(UTC) + timedelta(days=2),
            "The date of the incident must be today or in the past",
        ),
        (datetime(1985, 1, 1, tzinfo=UTC), "The date of the incident must be after 1 January 1990"),
    ],
)
def test_incident_dates_outside_the_allowed_range_are_refused(
    as_user, create_user, create_case, db_session, when, message
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    response = _incident(client, case.id, when, received_by=str(officer.agency_id))
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _count(db_session, Incident) == 0


def test_impossible_incident_date_is_refused(as_user, create_user, create_case, db_session) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    response = _incident(
        client,
        case.id,
        datetime(2026, 1, 1, tzinfo=UTC),
        received_by=str(officer.agency_id),
        **{"occurred_at-day": "31", "occurred_at-month": "2"},
    )
    page = response.get_data(as_text=True)
    assert "The date and time the incident happened must be a real date and time" in page
    assert 'value="31"' in page
    assert _count(db_session, Incident) == 0


def test_a_time_the_clocks_skipped_is_refused_and_for_a_repeated_one_the_form_asks_which(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    skipped = {"occurred_at-day": "29", "occurred_at-month": "3", "occurred_at-year": "2026"}
    response = _incident(
        client,
        case.id,
        datetime(2026, 3, 29, tzinfo=UTC),
        received_by=str(officer.agency_id),
        **skipped,
        **{"occurred_at-hour": "1", "occurred_at-minute": "30"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "the clocks went forward an hour at 1am that day" in page
    assert 'href="#occurred_at-hour"' in page
    assert _count(db_session, Incident) == 0

    # An ordinary time is not asked about.
    ordinary = client.get(f"/cases/{case.id}/incidents/new").get_data(as_text=True)
    assert "occurred_which" not in ordinary
    # 1.30am on 25 October 2026 happened twice: the form asks which, in the words the
    # conference and meeting forms use, and records nothing until told.
    at_1_30 = {"occurred_at-hour": "1", "occurred_at-minute": "30"}
    october = datetime(2026, 10, 25, tzinfo=UTC)
    response = _incident(client, case.id, october, received_by=str(officer.agency_id), **at_1_30)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert (
        "The date and time the incident happened is a time the clocks show twice: they go back "
        "an hour at 2am that day (from 1am to 2am comes twice). Select which it was"
    ) in page
    assert 'href="#occurred_which"' in page
    assert 'name="occurred_which" type="radio" value="first"' in page
    assert 'name="occurred_which" type="radio" value="second"' in page
    assert 'value="30"' in page  # what was typed is kept
    assert _count(db_session, Incident) == 0
    for which, utc_hour, shown in (("second", 1, "1:30am GMT"), ("first", 0, "1:30am BST")):
        response = _incident(
            client,
            case.id,
            october,
            received_by=str(officer.agency_id),
            occurred_which=which,
            **at_1_30,
        )
        assert response.status_code == 302, response.get_data(as_text=True)
        incident = db_session.scalar(
            select(Incident).where(Incident.case_id == case.id).order_by(Incident.id.desc())
        )
        assert incident.occurred_at == datetime(2026, 10, 25, utc_hour, 30, tzinfo=UTC)
        assert shown in client.get(f"/cases/{case.id}").get_data(as_text=True)
    # A choice that is not one is refused.
    response = _incident(
        client,
        case.id,
        october,
        received_by=str(officer.agency_id),
        occurred_which="third",
        **at_1_30,
    )
    assert response.status_code == 400
    assert "Select which it was" in response.get_data(as_text=True)


def test_crime_reference_without_police_report_is_refused(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    response = _incident(
        client,
        case.id,
        datetime.now(UTC) - timedelta(hours=2),
        received_by=str(officer.agency_id),
        crime_reference="ABC/1",
    )
    assert "only given for incidents reported to the police" in response.get_data(as_text=True)
    assert _count(db_session, Incident) == 0


def test_officer_adds_an_action_owned_by_a_partner(
    as_user, create_user, create_case, partnership
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    due = datetime.now(UTC).date() + timedelta(days=14)
    response = client.post(
        f"/cases/{case.id}/actions/new",
        data={
            "kind": "warning_letter",
            "description": "Send a first warning letter about noise",
            "owner_agency": str(partnership.police.id),
            "due_on-day": str(due.day),
            "due_on-month": str(due.month),
            "due_on-year": str(due.year),
            "csrf_token": csrf_token(client, f"/cases/{case.id}/actions/new"),
        },
    )
    assert response.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Warning letter" in page
    assert "Send a first warning letter about noise" in page


@pytest.mark.parametrize("role", ["analyst", "dpo", "administrator"])
def test_an_action_is_named_only_to_someone_who_works_actions(
    role, as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    cannot = create_user(role, agency=officer.agency)
    colleague = create_user("case_officer", agency=officer.agency)
    case = create_case(officer)
    client = as_user(user=officer)
    url = f"/cases/{case.id}/actions/new"
    form = client.get(url).get_data(as_text=True)
    assert f">{colleague.display_name}, " in form
    assert f">{cannot.display_name}, " not in form
    due = clock.today() + timedelta(days=14)
    data = {
        "kind": "mediation",
        "description": "Refer to mediation",
        "owner_agency": str(officer.agency_id),
        "owner_user": str(cannot.id),
        "due_on-day": str(due.day),
        "due_on-month": str(due.month),
        "due_on-year": str(due.year),
        "csrf_token": csrf_token(client, url),
    }
    refused = client.post(url, data=data)
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert 'href="#owner_user"' in page
    assert "Name a case officer or manager: only they see and close their agency's actions" in page
    assert _count(db_session, Action) == 0
    named = client.post(url, data={**data, "owner_user": str(colleague.id)})
    assert named.status_code == 302
    # The core refuses it too, whatever the page offered.
    with pytest.raises(InputError) as wrong:
        actions.add_action(
            db_session,
            authorise(db_session, Actor.of(officer), case.id, Act.RECORD),
            actions.ActionInput(
                kind=ActionKind.MEDIATION,
                description="Refer to mediation",
                owner_agency_id=officer.agency_id,
                owner_user_id=cannot.id,
                due_on=due,
            ),
        )
    assert wrong.value.field == "owner_user_id"


def test_action_with_a_past_due_date_is_refused(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    response = client.post(
        f"/cases/{case.id}/actions/new",
        data={
            "kind": "mediation",
            "description": "Refer to mediation",
            "owner_agency": str(officer.agency_id),
            "due_on-day": "1",
            "due_on-month": "1",
            "due_on-year": "2020",
            "csrf_token": csrf_token(client, f"/cases/{case.id}/actions/new"),
        },
    )
    assert "The due date must be today or later" in response.get_data(as_text=True)
    assert _count(db_session, Action) == 0


def test_close_case_with_a_reason_then_no_more_recording(as_user, create_user, create_case) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    no_reason = client.post(
        f"/cases/{case.id}/close",
        data={"csrf_token": csrf_token(client, f"/cases/{case.id}/close")},
    )
    assert "Select why you are closing the case" in no_reason.get_data(as_text=True)
    # 003 §3.13: a reporter who cannot be spoken to first is written to, before closing.
    form = client.get(f"/cases/{case.id}/close").get_data(as_text=True)
    assert f"/cases/{case.id}/letters/new?letter=closure" in form
    closing = {
        "reason": "no_reports_28_days",
        "note": "Quiet since the visit",
        "csrf_token": csrf_token(client, f"/cases/{case.id}/close"),
    }
    for extra, message in (
        ({}, "Say whether the anti-social behaviour was resolved"),
        ({"outcome": "resolved"}, "Select the main action that resolved it"),
        (
            {"outcome": "not_resolved", "resolved_by": "warning_letter"},
            "Leave the main action empty",
        ),
    ):
        refused = client.post(f"/cases/{case.id}/close", data={**closing, **extra})
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
    closed = client.post(
        f"/cases/{case.id}/close",
        data={**closing, "outcome": "resolved", "resolved_by": "warning_letter"},
    )
    assert closed.status_code == 302
    assert closed.location.endswith(f"/cases/{case.id}/survey")  # offer the survey next
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "There have been no reports of ASB for 28 days" in page
    assert "Resolved: the anti-social behaviour has stopped: Warning letter" in page
    assert f'href="/cases/{case.id}/survey"' in page
    assert "Add an incident" not in page
    assert client.get(f"/cases/{case.id}/incidents/new").status_code == 403
    # The behaviour starting again: a new case, its people linked, this one named.
    started_again = html.unescape(page[page.index('id="started-again"') :])
    assert (
        'If the behaviour starts again, <a class="govuk-link" href="/cases/new">' in started_again
    )
    assert f"give this case's reference, {case.reference}, in what is happening" in started_again


def test_environmental_health_closes_a_case_in_its_own_words_not_a_landlords(
    as_user, create_user, create_case, partnership, db_session
) -> None:
    """The procedure's reasons speak of a tenancy and a housing team; environmental
    health closes a noise case where it found no statutory nuisance, and did not resolve
    it by an eviction or a notice seeking possession."""
    eh = Agency(
        code="test-eh",
        name="Testshire Environmental Health",
        type=AgencyType.ENVIRONMENTAL_HEALTH,
        area=partnership.area,
        case_prefix="TEH",
    )
    db_session.add(eh)
    db_session.commit()
    officer = create_user("case_officer", agency=eh)
    case = create_case(officer)
    client = as_user(user=officer)
    path = f"/cases/{case.id}/close"
    form = client.get(path).get_data(as_text=True)
    assert "No statutory nuisance found" in form
    assert "Significant improvement; we will keep monitoring it" in form
    for landlords in ("tenancy", "housing team", "Notice seeking possession", "Eviction"):
        assert landlords not in form, landlords
    closing = {
        "reason": "no_breach",
        "outcome": "resolved",
        "csrf_token": csrf_token(client, path),
    }
    forged = client.post(path, data={**closing, "resolved_by": "eviction"})
    assert forged.status_code == 400
    assert "Eviction is a landlord&#39;s action: select another" in forged.get_data(as_text=True)
    closed = client.post(path, data={**closing, "resolved_by": "other_legal"})
    assert closed.status_code == 302
    page = client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "No statutory nuisance found" in page
    landlord = create_user("case_officer")
    own = as_user(user=landlord).get(f"/cases/{create_case(landlord).id}/close")
    landlords_form = own.get_data(as_text=True)
    assert "Unable to determine a breach of tenancy by the person reported" in landlords_form
    assert ">Eviction<" in landlords_form


@pytest.mark.parametrize(
    ("field", "control"),
    [
        ("description", "\x00"),
        ("description", "\x1b[31m"),
        ("place", "\x07"),
        ("description", "\x85"),
    ],
)
def test_control_characters_in_text_are_refused_with_a_field_error_and_nothing_stored(
    as_user, create_user, create_case, partnership, db_session: Session, field: str, control: str
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    when = datetime.now(UTC) - timedelta(days=1)
    response = _incident(
        client,
        case.id,
        when,
        received_by=str(partnership.landlord.id),
        **{field: f"Shouting at the door{control} again"},
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "must not contain control characters" in page
    assert f'href="#{field}"' in page
    assert _count(db_session, Incident) == 0


def test_tabs_and_new_lines_are_kept_in_text(
    as_user, create_user, create_case, partnership, db_session: Session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    response = _incident(
        client,
        case.id,
        datetime.now(UTC) - timedelta(days=1),
        received_by=str(partnership.landlord.id),
        description="First line\r\nSecond line\twith a tab",
    )
    assert response.status_code == 302
    assert _count(db_session, Incident) == 1


def test_case_of_another_agency_is_not_found(
    as_user, create_user, create_case, partnership
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    police = as_user("manager", agency=partnership.police)
    for path in (f"/cases/{case.id}", f"/cases/{case.id}/incidents/new", f"/cases/{case.id}/close"):
        response = police.get(path)
        assert response.status_code == 404, path
        assert "Page not found" in response.get_data(as_text=True)
    assert case.reference not in police.get("/cases").get_data(as_text=True)


def test_case_that_does_not_exist_is_not_found(as_user) -> None:
    assert as_user("case_officer").get("/cases/999999").status_code == 404


def test_case_list_filters_and_pages(as_user, create_user, create_case) -> None:
    officer = create_user("case_officer")
    for n in range(30):
        create_case(
            officer,
            priority=Priority.RED_URGENT if n % 3 == 0 else Priority.AMBER,
            summary=f"Case number {n}",
        )
    client = as_user(user=officer)
    page = client.get("/cases").get_data(as_text=True)
    assert "30 cases (page 1 of 2)" in page
    assert "30 cases (page 2 of 2)" in client.get("/cases?page=2").get_data(as_text=True)
    urgent = client.get("/cases?priority=red_urgent").get_data(as_text=True)
    assert "10 cases" in urgent
    assert "Amber</strong>" not in urgent


def test_the_officer_filter_offers_a_managers_officers_under_their_teams_and_filters(
    as_user, create_user, create_case, db_session
) -> None:
    manager, north, south, loner = (create_user(r) for r in ("manager", *["case_officer"] * 3))
    manager.team = north.team = "North neighbourhood team"
    south.team = "South neighbourhood team"
    db_session.commit()
    create_case(south, summary="Noise from the flat above")
    create_case(north, summary="Graffiti on the garages")
    client = as_user(user=manager)
    page = client.get("/cases").get_data(as_text=True)
    headings = re.findall(r'<optgroup label="([^"]+)">', page)
    assert headings == ["North neighbourhood team", "South neighbourhood team", "No team"]
    assert page.index(">Any officer</option>") < page.index("<optgroup")
    assert page.index(f">{loner.display_name}</option>") > page.index('label="No team"')
    south_only = client.get(f"/cases?officer={south.id}").get_data(as_text=True)
    assert "1 case" in south_only
    assert f'<option value="{south.id}" selected>' in south_only


def test_an_agency_without_teams_offers_its_officers_in_one_list(as_user, create_user) -> None:
    manager, officer = create_user("manager"), create_user("case_officer")
    page = as_user(user=manager).get("/cases").get_data(as_text=True)
    assert "<optgroup" not in page
    assert f">{officer.display_name}</option>" in page


def test_case_list_with_a_forged_filter_value_says_what_is_wrong(as_user) -> None:
    response = as_user("case_officer").get("/cases?priority=purple&officer=abc")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Select a priority" in page
    assert "Select a case officer" in page


def test_an_officer_finds_a_case_by_the_reference_a_resident_quotes(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    cases = [create_case(officer, summary=f"Case number {n}") for n in range(3)]
    wanted = cases[1]
    wanted.external_reference = "HMS-88812"
    db_session.commit()
    prefix, year, number = wanted.reference.split("-")
    client = as_user(user=officer)
    for typed in (wanted.reference, f" {prefix.lower()}-{year}-{int(number)} ", "HMS-88812"):
        page = client.get("/cases", query_string={"reference": typed}).get_data(as_text=True)
        assert "1 case" in page, typed
        assert wanted.reference in page, typed
        assert cases[0].reference not in page, typed
        assert cases[2].reference not in page, typed
    kept = client.get("/cases", query_string={"reference": "hms-88812"}).get_data(as_text=True)
    assert wanted.reference in kept
    assert 'value="hms-88812"' in kept  # the filter shows what was typed


def test_a_reference_of_a_case_the_officer_may_not_open_finds_nothing(
    as_user, create_user, create_case, partnership, db_session
) -> None:
    officer, colleague = create_user("case_officer"), create_user("case_officer")
    police_case = create_case(create_user("case_officer", agency=partnership.police))
    locked = create_case(colleague)
    locked.locked = True
    db_session.add(LockMember(case_id=locked.id, user_id=colleague.id, named_by_id=colleague.id))
    db_session.commit()
    client = as_user(user=officer)
    for case in (police_case, locked):
        response = client.get("/cases", query_string={"reference": case.reference.lower()})
        page = response.get_data(as_text=True)
        assert response.status_code == 200
        assert "No cases found" in page
        assert f"No case you may open has the reference {case.reference}." in page
        assert 'href="/shared"' in page
        assert f"/cases/{case.id}" not in page


def test_a_reference_longer_than_any_is_refused_at_its_filter(as_user) -> None:
    response = as_user("case_officer").get("/cases", query_string={"reference": "X" * 61})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert '<a href="#reference">The case reference must be 60 characters or fewer' in page


def test_home_shows_my_cases_reviews_due_and_counts_by_priority(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    due = create_case(officer, priority=Priority.RED_URGENT)
    create_case(officer)
    due.review_due_on = datetime.now(UTC).date() - timedelta(days=1)
    db_session.commit()
    page = as_user(user=officer).get("/").get_data(as_text=True)
    assert "Your cases due for review" in page
    assert due.reference in page
    assert "Your open cases by priority" in page


def _listed(client, href: str) -> int:
    """How many cases the case list at ``href`` says it shows."""
    page = client.get(html.unescape(href)).get_data(as_text=True)
    if "No cases found" in page:
        return 0
    return int(re.search(r"(\d+) cases?\b", page).group(1))


def test_each_home_count_is_what_its_link_lists_for_an_officer_and_a_manager(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    manager = create_user("manager")
    colleague = create_user("case_officer")
    statuses = [CaseStatus.ACTIVE, CaseStatus.INACTIVE, CaseStatus.CLOSED]
    for owner in (officer, colleague):
        for status in statuses:
            for priority in (Priority.RED_URGENT, Priority.AMBER):
                case = create_case(owner, priority=priority)
                case.status = status
    db_session.commit()
    for user in (officer, manager):
        client = as_user(user=user)
        page = client.get("/").get_data(as_text=True)
        counts = re.findall(
            r'govuk-heading-xl[^"]*">(\d+)</p>\s*<p class="govuk-body"><a class="govuk-link" '
            r'href="([^"]+)">See ',
            page,
        )
        assert len(counts) == len(Priority)
        for count, href in counts:
            assert int(count) == _listed(client, href), (user.roles, href)
        urgent = int(counts[0][0])  # active and inactive, not closed
        assert urgent == 2 if user is officer else urgent >= 4
    # "Your open cases" links to all of them, inactive ones too.
    page = as_user(user=officer).get("/").get_data(as_text=True)
    mine = re.search(r'href="([^"]+)">See all your open cases</a>', page)
    assert mine is not None
    assert _listed(as_user(user=officer), mine.group(1)) == 4


def test_home_says_how_many_cases_are_due_for_review_and_links_to_them_all(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    for n in range(13):
        case = create_case(officer)
        case.review_due_on = clock.today() - timedelta(days=n)
    create_case(officer).review_due_on = clock.today() + timedelta(days=1)  # not yet due
    closed = create_case(officer)
    closed.review_due_on, closed.status = clock.today(), CaseStatus.CLOSED
    db_session.commit()
    client = as_user(user=officer)
    page = client.get("/").get_data(as_text=True)
    assert "Your cases due for review: 13" in page
    link = re.search(r'href="([^"]+)">See all 13 of your cases due for review</a>', page)
    assert link is not None
    assert _listed(client, link.group(1)) == 13


def test_already_known_says_only_what_is_true_of_cases_the_officer_cannot_see(
    as_user, create_user, create_case
) -> None:
    other_team = create_user("case_officer")
    create_case(other_team)  # victim Amelia Testperson, 07700 900111
    officer = create_user("case_officer")
    client = as_user(user=officer)

    def check(**person: str) -> str:
        data = _new_case_form(
            officer_id=str(officer.id),
            csrf_token=csrf_token(client, "/cases/new"),
            check_known="y",
            **{
                "first_party-date_of_birth-day": "",
                "first_party-date_of_birth-month": "",
                "first_party-date_of_birth-year": "",
                "first_party-phone": "",
            },
        )
        data.update({f"first_party-{k}": v for k, v in person.items()})
        response = client.post("/cases/new", data=data)
        assert response.status_code == 200
        return html.unescape(response.get_data(as_text=True))

    held = check(family_name="Testperson")
    assert "Not known to your agency" not in held
    assert "Not on any case you can see." in held
    assert "also held on a case of another team in your agency: ask your manager" in held
    assert "Amelia" not in held  # a flag, nothing of the case
    assert "TH-" not in held
    nobody = check(family_name="Nobody-Heldanywhere", phone="07700 900999")
    assert "Not on any case you can see." in nobody
    assert "another team" not in nobody


def test_a_date_of_birth_more_than_120_years_ago_is_refused_at_its_field(
    as_user, create_user, db_session
) -> None:
    officer = create_user("case_officer")
    client = as_user(user=officer)
    before = _count(db_session, Case)
    data = _new_case_form(
        officer_id=str(officer.id),
        csrf_token=csrf_token(client, "/cases/new"),
        **{"first_party-date_of_birth-day": "1", "first_party-date_of_birth-month": "1"},
    )
    refused = client.post("/cases/new", data={**data, "first_party-date_of_birth-year": "1800"})
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert "Date of birth must be within the last 120 years" in page
    assert 'href="#first_party-date_of_birth' in page
    assert _count(db_session, Case) == before
    oldest = clock.today().year - 119
    data["csrf_token"] = csrf_token(client, "/cases/new")
    accepted = client.post(
        "/cases/new", data={**data, "first_party-date_of_birth-year": str(oldest)}
    )
    assert accepted.status_code == 302


def test_a_case_officers_list_says_whose_cases_and_offers_only_officers_of_cases_it_holds(
    as_user, create_user, create_case, db_session
) -> None:
    north, colleague, south = (create_user("case_officer") for _ in range(3))
    north.team = colleague.team = "North neighbourhood team"
    south.team = "South neighbourhood team"
    db_session.commit()
    create_case(colleague, summary="Graffiti on the garages")
    create_case(south, summary="Noise from the flat above")
    page = as_user(user=north).get("/cases").get_data(as_text=True)
    assert "Your cases and your team&#39;s (North neighbourhood team)." in page
    assert "Your agency&#39;s cases" not in page
    assert f">{colleague.display_name}</option>" in page
    assert f">{north.display_name}</option>" in page
    # An officer of another team: filtering by them could only ever find nothing.
    assert f">{south.display_name}</option>" not in page
    assert "1 case" in page


def test_a_managers_list_says_it_holds_the_agencys_cases(as_user, create_user) -> None:
    manager = create_user("manager")
    page = as_user(user=manager).get("/cases").get_data(as_text=True)
    assert "Your agency&#39;s cases." in page
    # The reference box's hint shows how a reference begins, never a whole one (which
    # could be a real case of another officer's).
    assert re.search(r"As its letters give it \([A-Z]+-\d{4}- and its number\)", page)
