"""Community Trigger applications as the lead meets them (demo partnership): the Trigger
lead records an application taken by phone for a victim known to several agencies, sees
the threshold check across the relevant bodies (a locked case only as "held by"), and
decides; bad input is refused at its field, nothing written, the refusal audited; nobody
outside the lead agency's leads and managers gets in."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.crypto.sealing import seal_many, unseal
from sharing.models import AuditEntry, Case, Incident, Notice, TriggerApplication
from sharing.trigger import complaints, deadlines, handling, threshold
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import CaseCategory, Role, ThresholdDecision
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.sharing.trigger.test_complaints import (
    PROCEDURE,
    _area,
    _homes_at_one_postcode,
    _repeat_victim,
)

PROBLEM = "Shouting and banging from the flat above every night; threats on the stairs"


def _received(day: date) -> dict[str, str]:
    return {
        "received_on-day": str(day.day),
        "received_on-month": str(day.month),
        "received_on-year": str(day.year),
    }


def _lead(app, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, "northshire-csp", Role.TRIGGER_LEAD))


def _form(client: FlaskClient, session: Session, **overrides: object) -> dict[str, object]:
    applicant, _ = _repeat_victim(session)
    received = clock.today().timetuple()
    born = applicant.date_of_birth
    data: dict[str, object] = {
        "csrf_token": csrf_token(client, "/trigger/new"),
        "received_on-day": str(received.tm_mday),
        "received_on-month": str(received.tm_mon),
        "received_on-year": str(received.tm_year),
        "channel": "phone",
        "victim_kind": "person",
        "victim_given_names": "Pat",
        "victim_family_name": applicant.family_name,
        "victim_date_of_birth-day": str(born.day),
        "victim_date_of_birth-month": str(born.month),
        "victim_date_of_birth-year": str(born.year),
        "victim_address": "Flat 2, 7 Test Row",
        "problem": PROBLEM,
        "on_behalf": "",
    }
    data.update(overrides)
    return data


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(TriggerApplication))


def _entries(session: Session, action: str) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq)
        )
    )


def _record(client: FlaskClient, session: Session, **overrides: object) -> TriggerApplication:
    response = client.post("/trigger/new", data=_form(client, session, **overrides))
    assert response.status_code == 302, response.get_data(as_text=True)
    session.expire_all()
    return session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()


def test_the_lead_records_an_application_sees_the_check_and_decides(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    assert "Community Trigger" in lead.get("/").get_data(as_text=True)  # in the menu
    application = _record(lead, demo_session)
    assert application.reference.startswith(f"ASBR-{clock.today().year}-")
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert PROBLEM in page
    assert "Three qualifying complaints about the same problem" in page
    assert "of 3" in page
    _, cases = _repeat_victim(demo_session)
    agencies = {demo_session.get(Case, c).agency.name for c in cases}
    assert any(name in page for name in agencies)
    assert "Threshold decision due by" in page
    recorded = _entries(demo_session, "trigger.record")[-1]
    viewed = _entries(demo_session, "trigger.view")[-1]
    assert recorded.object_id == viewed.object_id == str(application.id)
    assert recorded.basis == "channel phone; by the victim"
    for entry in (recorded, viewed):
        assert application.reference not in (entry.basis or "")
        assert PROBLEM not in (entry.basis or "")
    decided = lead.post(
        f"/trigger/{application.id}",
        data={
            "csrf_token": csrf_token(lead, "/"),
            "decision": "met",
            "reasons": "Repeated complaints to three agencies without a joined-up response",
        },
    )
    assert decided.status_code == 302, decided.get_data(as_text=True)
    demo_session.expire_all()
    assert application.decision is ThresholdDecision.MET
    assert application.advice.startswith("three-complaints ")
    shown = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Threshold met: the case is reviewed by the partnership" in shown
    assert "without a joined-up response" in shown
    listing = lead.get("/trigger").get_data(as_text=True)
    assert application.reference in listing


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            _received(clock.today() + timedelta(days=1)),
            "received_on",
            "cannot be in the future",
        ),
        (
            {"received_on-day": "1", "received_on-month": "1", "received_on-year": "0001"},
            "received_on",
            "on or after 20 October 2014",
        ),
        (_received(date(2014, 10, 19)), "received_on", "on or after 20 October 2014"),
        (
            {"received_on-day": "1", "received_on-month": "1", "received_on-year": "²⁰²⁶"},
            "received_on",
            "must be a real date, in numbers",
        ),
        (
            {
                "victim_date_of_birth-day": "1",
                "victim_date_of_birth-month": "1",
                "victim_date_of_birth-year": "1066",
            },
            "victim_date_of_birth",
            "date of birth must be within the last 120 years",
        ),
        ({"victim_family_name": " "}, "victim_family_name", "Enter the victim"),
        ({"problem": ""}, "problem", "Describe the anti-social behaviour"),
        ({"problem": "<script>alert(1)</script>"}, "problem", "without HTML"),
        ({"victim_postcode": "not a postcode"}, "victim_postcode", "Enter a real postcode"),
        (
            {"victim_phone": "01632 960123 (mornings)"},
            "victim_phone",
            "with any extension after it, like 01632 960 123 ext 4, or leave it empty",
        ),
        ({"victim_phone": "0163 296"}, "victim_phone", "of 10 or 11 digits"),
        # A victim applying for themselves without an e-mail address: the letters are
        # posted to them, so their address is needed.
        (
            {"victim_address": "", "victim_phone": "07700 900123"},
            "victim_address",
            "Enter the victim&#39;s address, where the letters about the application are posted",
        ),
        (
            {"victim_email": "jane doe@gmail.example"},
            "victim_email",
            "Enter an e-mail address in the correct format, like name@example.org",
        ),
        (
            {"victim_email": "not an address"},
            "victim_email",
            "Enter an e-mail address in the correct format, like name@example.org",
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada Jones",
                "applicant_contact": "01234 567890",
                "applicant_address": "Ward office, Town Hall\nNorthtown NX1 1AA",
            },
            "consent_recorded",
            "needs the victim",
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada Jones",
                "applicant_contact": "01234 567890",
                "consent_recorded": "y",
            },
            "applicant_address",
            "Enter a postal address for the letters about the application, or give an e-mail",
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada Jones",
                "applicant_contact": "01234 567890",
                "applicant_address": "<b>Ward office</b>",
                "consent_recorded": "y",
            },
            "applicant_address",
            "Remove the &lt; sign",
        ),
        (
            {"victim_kind": "business"},
            "victim_date_of_birth",
            "A business or community group has no date of birth: leave it empty",
        ),
    ],
)
def test_an_application_with_bad_input_is_refused_at_its_field_and_audited(
    demo_hub, demo_session, overrides, field, message
) -> None:
    lead = _lead(demo_hub, demo_session)
    before = _count(demo_session)
    response = lead.post("/trigger/new", data=_form(lead, demo_session, **overrides))
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert message in page
    assert f'href="#{field}' in page
    assert _count(demo_session) == before
    if field != "received_on":  # the core saw it (a future date is the form's own check too)
        refused = _entries(demo_session, "trigger.record")[-1]
        assert refused.outcome == "refused"
        assert refused.basis == f"refused input: {field}"


def test_a_victim_applying_for_themselves_with_an_e_mail_address_need_not_give_an_address(
    demo_hub, demo_session
) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(
        lead, demo_session, victim_address="", victim_email="pat.victim@example.org"
    )
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "neither e-mailed nor posted" not in page


def test_a_third_party_with_consent_is_recorded(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(
        lead,
        demo_session,
        on_behalf="carer",
        applicant_name="Sam Carer",
        applicant_contact="07700 900123",
        applicant_address="12 Mill Lane\nNorthtown\nNX1 2AB",
        consent_recorded="y",
        consent_note="Consent given by phone on 1 December",
    )
    assert application.consent_recorded
    assert _entries(demo_session, "trigger.record")[-1].basis == (
        "channel phone; on behalf, consent recorded"
    )
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "Sam Carer" in page
    assert "Letters posted to" in page
    assert "12 Mill Lane<br>Northtown<br>NX1 2AB" in page  # in its lines
    assert "neither e-mailed nor posted" not in page
    letter = lead.get(f"/trigger/{application.id}/letters/acknowledgement").get_data(as_text=True)
    assert "print this letter and post it to" in letter
    assert "Sam Carer<br>12 Mill Lane<br>Northtown<br>NX1 2AB<br>" in letter


def test_a_third_party_with_an_e_mail_address_needs_no_postal_address(
    demo_hub, demo_session
) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(
        lead,
        demo_session,
        on_behalf="carer",
        applicant_name="Sam Carer",
        applicant_contact="sam.carer@example.org",
        consent_recorded="y",
    )
    letter = lead.get(f"/trigger/{application.id}/letters/acknowledgement").get_data(as_text=True)
    assert "This letter is e-mailed to the applicant's address." in letter


def test_the_victims_date_of_birth_is_shown_as_a_uk_date(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(
        lead,
        demo_session,
        **{
            "victim_date_of_birth-day": "7",
            "victim_date_of_birth-month": "3",
            "victim_date_of_birth-year": "1966",
        },
    )
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "7 March 1966" in page
    assert "1966-03-07" not in page


def test_a_decision_needs_a_choice_and_reasons_and_is_made_once(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(lead, demo_session)
    path = f"/trigger/{application.id}"
    no_reasons = lead.post(
        path, data={"csrf_token": csrf_token(lead, "/"), "decision": "not_met", "reasons": ""}
    )
    assert no_reasons.status_code == 400
    assert "Give the reasons for the decision" in no_reasons.get_data(as_text=True)
    assert _entries(demo_session, "trigger.decide")[-1].outcome == "refused"
    demo_session.expire_all()
    assert application.decision is None
    done = lead.post(
        path,
        data={
            "csrf_token": csrf_token(lead, "/"),
            "decision": "not_met",
            "reasons": "One complaint only",
        },
    )
    assert done.status_code == 302
    again = lead.post(
        path,
        data={"csrf_token": csrf_token(lead, "/"), "decision": "met", "reasons": "Changed mind"},
    )
    assert again.status_code == 400
    said = again.get_data(as_text=True)
    assert "The threshold decision is already recorded. Nothing was changed." in said
    assert "govuk-notification-banner" in said  # said on the page, not at a field gone from it
    assert "govuk-error-summary" not in said
    assert 'href="#decision"' not in said
    demo_session.expire_all()
    assert application.decision is ThresholdDecision.NOT_MET


def test_a_locked_case_counts_but_shows_only_who_holds_it(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(lead, demo_session)
    applicant, _ = _repeat_victim(demo_session)
    found = complaints.gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    advice = threshold.assess(found.complaints, PROCEDURE, clock.today())
    counted = sorted(found.held[c.id].case_id for r in advice.rules for c in r.counted)
    assert counted, "the victim has complaints the rules count today"
    locked = demo_session.get(Case, counted[0])
    locked.locked = True
    demo_session.commit()
    try:
        page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
        assert f"One complaint held by {locked.agency.name} that you cannot see" in page
    finally:
        locked.locked = False
        demo_session.commit()


def test_a_postcode_alone_counts_none_of_the_neighbours_complaints(demo_hub, demo_session) -> None:
    postcode, _ = _homes_at_one_postcode(demo_session)
    lead = _lead(demo_hub, demo_session)
    application = _record(
        lead,
        demo_session,
        victim_given_names="Nemo",
        victim_family_name="Unheardof",
        victim_postcode=postcode,
        **{"victim_date_of_birth-day": "", "victim_date_of_birth-month": ""},
        **{"victim_date_of_birth-year": ""},
    )
    page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
    assert "No qualifying complaints were found" in page
    assert "0 of 3" in page
    assert "Advice: the threshold is not met by the rules." in page


def _last_summer_day(before: date) -> date:
    """The latest day before ``before`` (at least a week before) on British Summer Time."""
    day = before - timedelta(days=7)
    while not datetime.combine(day, datetime.min.time(), clock.PARTNERSHIP_ZONE).dst():
        day -= timedelta(days=1)
    return day


def test_a_complaint_made_just_after_midnight_in_summer_shows_its_uk_day(
    demo_hub, demo_session
) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(lead, demo_session)
    applicant, _ = _repeat_victim(demo_session)
    found = complaints.gather(demo_session, PROCEDURE, _area(demo_session), applicant)
    advice = threshold.assess(found.complaints, PROCEDURE, clock.today())
    alone = [i.first.id for i in advice.incidents if len(i.reports) == 1 and not i.first.locked]
    assert alone, "the victim has a complaint the rules count on its own"
    incident = demo_session.get(Incident, alone[0])
    before = incident.occurred_at, incident.recorded_at
    # The behaviour at ten past midnight on a summer night, reported twenty minutes later:
    # the day before in UTC.
    day = _last_summer_day(clock.today())
    incident.occurred_at = clock.uk_moment(day, 0, 10)
    incident.recorded_at = clock.uk_moment(day, 0, 30)
    demo_session.commit()
    try:
        page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
        shown = f"{day.day} {day:%B %Y}"
        assert page.count(f'<td class="govuk-table__cell">{shown}</td>') == 2
        the_day_before = day - timedelta(days=1)
        assert f"{the_day_before.day} {the_day_before:%B %Y}</td>" not in page
    finally:
        incident.occurred_at, incident.recorded_at = before
        demo_session.commit()


UPDATE_CALENDAR = "update the govuk-bank-holidays package"


def test_a_deadline_past_the_bank_holiday_list_is_shown_as_not_countable(
    demo_hub, demo_session
) -> None:
    """Near the end of the shipped bank holiday list (December 2028 with the package as
    shipped) an application's deadline falls past it: the pages say so and still work."""
    known_until = england_and_wales().known_until
    received = known_until - timedelta(days=11)
    others = demo_session.scalars(select(TriggerApplication.reference)).all()
    with clock.pinned(clock.uk_moment(received, 10, 0)):
        lead = _lead(demo_hub, demo_session)
        application = _record(lead, demo_session, **_received(received))
        listing = lead.get("/trigger")
        assert listing.status_code == 200
        shown = listing.get_data(as_text=True)
        assert application.reference in shown
        assert "cannot be counted" in shown
        assert UPDATE_CALENDAR in shown
        assert all(reference in shown for reference in others), "the rest of the list"
        page = lead.get(f"/trigger/{application.id}")
        assert page.status_code == 200
        assert "Threshold decision due by: cannot be counted" in page.get_data(as_text=True)
        assert UPDATE_CALENDAR in page.get_data(as_text=True)
        assert lead.get("/").status_code == 200  # the home page lists deadlines too
        letter = lead.get(f"/trigger/{application.id}/letters/acknowledgement")
        assert letter.status_code == 503
        assert UPDATE_CALENDAR in letter.get_data(as_text=True)


def test_the_lead_is_warned_months_before_the_bank_holiday_list_runs_out(
    demo_hub, demo_session
) -> None:
    known_until = england_and_wales().known_until
    warning = f"Bank holidays are known only to {known_until.day} {known_until:%B %Y}"
    lead = _lead(demo_hub, demo_session)
    assert warning not in lead.get("/trigger").get_data(as_text=True)  # years ahead
    with clock.pinned(clock.uk_moment(known_until - timedelta(days=90), 10, 0)):
        lead = _lead(demo_hub, demo_session)
        listing = lead.get("/trigger").get_data(as_text=True)
    assert warning in listing
    assert UPDATE_CALENDAR in listing


def test_only_the_lead_agencys_trigger_leads_and_managers_get_in(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(lead, demo_session)
    police_manager = demo_client(
        demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER)
    )
    assert police_manager.get("/trigger").status_code == 403
    assert police_manager.get(f"/trigger/{application.id}").status_code == 403
    assert police_manager.get("/trigger/new").status_code == 403
    assert 'href="/trigger"' not in police_manager.get("/").get_data(as_text=True)
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.CASE_OFFICER))
    assert officer.get(f"/trigger/{application.id}").status_code == 403
    csp_manager = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.MANAGER))
    assert csp_manager.get(f"/trigger/{application.id}").status_code == 200
    assert lead.get("/trigger/999999").status_code == 404


def test_the_list_puts_the_overdue_first(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    old_day = (clock.today() - timedelta(days=40)).timetuple()
    old = _record(
        lead,
        demo_session,
        **{
            "received_on-day": str(old_day.tm_mday),
            "received_on-month": str(old_day.tm_mon),
            "received_on-year": str(old_day.tm_year),
        },
    )
    listing = lead.get("/trigger").get_data(as_text=True)
    assert "Overdue by" in listing
    first_row = listing.index("/trigger/", listing.index("<tbody"))
    assert listing[first_row:].startswith(f"/trigger/{old.id}")


def test_a_deadline_missed_on_a_friday_is_overdue_over_the_weekend(demo_hub, demo_session) -> None:
    """The threshold decision due on a Friday and not made: on the Saturday it is overdue
    on the application's page, the list and the lead's home page, though no working day
    has passed since."""
    lead = _lead(demo_hub, demo_session)
    application = _record(lead, demo_session)
    calendar = england_and_wales()
    days = PROCEDURE.timescales.threshold_decision
    # Received on the latest day whose decision was due on a Friday.
    application.received_on = next(
        day
        for day in (clock.today() - timedelta(days=k) for k in range(7, 40))
        if calendar.add(day, days).weekday() == 4
    )
    demo_session.commit()
    due = deadlines.decision_due(application, PROCEDURE)
    saturday = due + timedelta(days=1)
    with clock.pinned(clock.uk_moment(saturday, 10, 0)):
        lead = _lead(demo_hub, demo_session)
        page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
        listing = lead.get("/trigger").get_data(as_text=True)
        home = lead.get("/").get_data(as_text=True)
    assert "Overdue</strong> Threshold decision due by" in page
    assert "(passed, no working day since)" in page
    body = listing[listing.index("<tbody") : listing.index("</tbody>")]
    rows = body.split("</tr>")
    ours = next(i for i, row in enumerate(rows) if f'/trigger/{application.id}"' in row)
    assert '<strong class="govuk-tag govuk-tag--red">Overdue</strong>' in rows[ours]
    assert all("Overdue" in row for row in rows[:ours]), "with the overdue, before the rest"
    assert "0 working days left" not in home


def test_home_pages_list_what_the_community_trigger_has_due(demo_hub, demo_session) -> None:
    """The lead's home page lists the applications with a deadline, overdue first; a
    landlord's manager sees its agency's open review recommendations, counted."""
    lead = _lead(demo_hub, demo_session)
    home = lead.get("/").get_data(as_text=True)
    assert "Community Trigger applications by time left" in home
    waiting = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.decision.is_(None))
    ).first()
    assert waiting.reference in home
    assert "Threshold decision" in home
    homes = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    page = homes.get("/").get_data(as_text=True)
    assert "ASB Case Review recommendations for your agency" in page
    assert "1 overdue" in page
    assert "Community Trigger applications by time left" not in page
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER))
    assert "ASB Case Review recommendations" not in officer.get("/").get_data(as_text=True)


def test_the_lead_is_told_when_the_applicant_can_be_sent_letters_neither_way(
    demo_hub, demo_session
) -> None:
    """A victim recorded with a phone number only (before an address was asked of every
    applicant): the page and the letter say plainly that its letters can be neither
    e-mailed nor posted; one who gave an address is posted to."""
    lead = _lead(demo_hub, demo_session)
    phoned = _record(lead, demo_session, victim_phone="07700 900123")
    seal_many(phoned, {"victim_address": None})
    demo_session.commit()
    page = lead.get(f"/trigger/{phoned.id}").get_data(as_text=True)
    assert "their letters can be neither e-mailed nor posted" in page
    assert "neither e-mailed nor posted: no address given" in page
    letter = lead.get(f"/trigger/{phoned.id}/letters/acknowledgement").get_data(as_text=True)
    assert "this letter can be neither e-mailed nor posted" in letter
    assert "print this letter and post it" not in letter

    housed = _record(
        lead, demo_session, victim_address="Flat 3, 9 Quay Street", victim_postcode="NX1 1AA"
    )
    page = lead.get(f"/trigger/{housed.id}").get_data(as_text=True)
    assert "neither e-mailed nor posted" not in page
    letter = lead.get(f"/trigger/{housed.id}/letters/acknowledgement").get_data(as_text=True)
    assert "print this letter and post it to" in letter
    assert "Flat 3, 9 Quay Street<br>NX1 1AA<br>" in letter


def test_a_victims_phone_written_with_its_extension_or_plus_44_nought_is_kept(
    demo_hub, demo_session
) -> None:
    """The victim's work number as they gave it ("+44 (0)1632 960 123 ext 4"): kept as
    the number and its extension, the (0) not dialled."""
    lead = _lead(demo_hub, demo_session)
    phoned = _record(lead, demo_session, victim_phone="+44 (0)1632 960 123 ext 4")
    assert unseal(phoned, "victim_phone") == "01632960123 ext 4"
    page = lead.get(f"/trigger/{phoned.id}").get_data(as_text=True)
    assert "01632 960123 ext 4" in page  # grouped for reading


def _row_of(listing: str, application: TriggerApplication) -> str:
    body = listing[listing.index("<tbody") : listing.index("</tbody>")]
    return next(row for row in body.split("</tr>") if f'/trigger/{application.id}"' in row)


def test_the_list_says_which_decided_applications_were_reviewed_and_appealed(
    demo_hub, demo_session
) -> None:
    """A reviewed application is listed with its outcome letter's day and any appeal, not
    as a threshold decision alone ("the case is reviewed"), so the lead can see from the
    list which reviews are done and which were appealed."""
    lead = _lead(demo_hub, demo_session)
    listing = "".join(lead.get(f"/trigger?page={n}").get_data(as_text=True) for n in range(1, 4))
    decided = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.decision.is_not(None))
    ).all()
    reviewed = [a for a in decided if a.outcome_on]
    appealed = [a for a in reviewed if a.appeal_decision]
    assert reviewed, "the demo has reviews carried out"
    assert appealed, "the demo has a review appealed"
    for application in decided:
        under_review = application.decision is not ThresholdDecision.NOT_MET
        if handling.to_decide_again(application) or (under_review and not application.outcome_on):
            continue  # still under review, or to be decided again: its row is its next deadline
        row = _row_of(listing, application)
        assert application.decision.label in row
        if application.outcome_on:
            day = f"{application.outcome_on.day} {application.outcome_on:%B %Y}"
            assert f"Reviewed: outcome letter {day}" in row
        else:
            assert "Reviewed" not in row
        if application.appeal_received_on is None:
            assert "Appeal" not in row
    for application in appealed:
        received = application.appeal_received_on
        assert (
            f"Appeal received {received.day} {received:%B %Y}: "
            f"{application.appeal_decision.label.lower()}"
        ) in _row_of(listing, application)


def test_each_letters_pdf_link_names_its_letter_as_written(demo_hub, demo_session) -> None:
    """A screen reader hears which letter each "PDF" link gives, with "ASB" read as the
    letters it is, not as the word "asb"."""
    lead = _lead(demo_hub, demo_session)
    reviewed = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.outcome_on.is_not(None))
    ).first()
    page = lead.get(f"/trigger/{reviewed.id}").get_data(as_text=True)
    hidden = '<span class="govuk-visually-hidden"> of '
    assert f"{hidden}the outcome of your ASB Case Review</span>" in page
    assert f"{hidden}we have received your application</span>" in page
    assert "asb case review" not in page


def _error_summary(page: str) -> str:
    start = page.index('class="govuk-error-summary"')
    return page[start : page.index("</ul>", start)]


def test_an_application_sent_with_nothing_filled_in_says_everything_missing_at_once(
    demo_hub, demo_session
) -> None:
    """Taking an application by phone, the lead learns from one send every answer still
    needed (how it came, who suffered it, the date, the surname, the address, the
    behaviour), not one field a send; nothing is recorded and one refusal is audited."""
    lead = _lead(demo_hub, demo_session)
    before = _count(demo_session)
    refusals = len(_entries(demo_session, "trigger.record"))
    response = lead.post("/trigger/new", data={"csrf_token": csrf_token(lead, "/trigger/new")})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = _error_summary(page)
    for field, message in [
        ("received_on-day", "Enter the date the application was received"),
        ("channel", "Select how the application was received"),
        ("victim_kind", "Select who suffered the anti-social behaviour"),
        ("victim_family_name", "Enter the victim&#39;s surname"),
        ("victim_address", "Enter the victim&#39;s address"),
        ("problem", "Describe the anti-social behaviour and its effect"),
    ]:
        assert f'href="#{field}"' in summary, field
        assert message in summary, message
    assert summary.count("<li>") == 6, "each field once"
    assert _count(demo_session) == before
    entries = _entries(demo_session, "trigger.record")
    assert len(entries) == refusals + 1
    assert entries[-1].outcome == "refused"
    assert entries[-1].basis.startswith("refused input: ")
    assert "problem" in entries[-1].basis.removeprefix("refused input: ").split(", ")


def test_a_filled_in_application_with_two_problems_the_form_cannot_see_says_both(
    demo_hub, demo_session
) -> None:
    """Past the form's own checks, the core's problems too are said together: a date of
    birth to come and no address (nor e-mail) for the letters."""
    lead = _lead(demo_hub, demo_session)
    born = clock.today() + timedelta(days=3)
    response = lead.post(
        "/trigger/new",
        data=_form(
            lead,
            demo_session,
            victim_address="",
            **{
                "victim_date_of_birth-day": str(born.day),
                "victim_date_of_birth-month": str(born.month),
                "victim_date_of_birth-year": str(born.year),
            },
        ),
    )
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    summary = _error_summary(page)
    assert 'href="#victim_date_of_birth' in summary
    assert "The date of birth must be in the past" in summary
    assert 'href="#victim_address"' in summary


def test_a_recommendation_sent_empty_says_all_three_answers_it_needs_at_once(
    demo_hub, demo_session
) -> None:
    """The panel's recommendation sent with nothing filled in names the body, the due date
    and the recommendation together, not one a send; nothing is recorded."""
    lead = _lead(demo_hub, demo_session)
    under_review = next(
        a
        for a in demo_session.scalars(
            select(TriggerApplication).where(
                TriggerApplication.review_sitting_id.is_not(None),
                TriggerApplication.outcome_on.is_(None),
            )
        )
    )
    page = f"/trigger/{under_review.id}"
    before = len(under_review.recommendations)
    response = lead.post(
        f"{page}/recommendations", data={"csrf_token": csrf_token(lead, page), "text": "  "}
    )
    assert response.status_code == 400
    summary = _error_summary(response.get_data(as_text=True))
    assert 'href="#owner_agency_id' in summary
    assert "Select which relevant body will carry it out" in summary
    assert 'href="#due_on' in summary
    assert "Enter the date it is due" in summary
    assert 'href="#text"' in summary
    assert "Enter the recommendation" in summary
    demo_session.expire_all()
    assert len(under_review.recommendations) == before
    refused = _entries(demo_session, "trigger.recommend")[-1]
    assert (refused.outcome, refused.basis) == (
        "refused",
        "refused input: due_on, owner_agency_id, text",
    )


def test_once_the_reviews_outcome_went_no_agency_is_asked_to_bring_its_case_to_it(
    demo_hub, demo_session
) -> None:
    """A concluded review's page no longer offers to ask the agencies to bring their cases
    to the panel, and the request sent anyway (a page left open) is refused, saying the
    review is over: no case asked, no notice, the refusal audited."""
    lead = _lead(demo_hub, demo_session)
    concluded = [
        a
        for a in demo_session.scalars(
            select(TriggerApplication).where(TriggerApplication.outcome_on.is_not(None))
        )
        if a.appeal_received_on is None or a.appeal_decided_on is not None
    ]
    assert concluded
    for application in concluded:
        page = f"/trigger/{application.id}"
        shown = lead.get(page).get_data(as_text=True)
        assert "Ask the agencies to confirm their complaints" not in shown
        asked = {r.id for r in application.requests}
        notices = demo_session.scalar(select(func.count()).select_from(Notice))
        response = lead.post(f"{page}/ask", data={"csrf_token": csrf_token(lead, page)})
        assert response.status_code == 400
        day = application.outcome_on
        assert (
            f"The review&#39;s outcome went to the applicant on {day.day} {day:%B %Y}"
            in response.get_data(as_text=True)
        )
        demo_session.expire_all()
        assert {r.id for r in application.requests} == asked
        assert demo_session.scalar(select(func.count()).select_from(Notice)) == notices
        refused = _entries(demo_session, "trigger.ask")[-1]
        assert (refused.outcome, refused.object_id) == ("refused", str(application.id))


def test_a_case_not_brought_to_a_panel_that_has_sat_is_not_brought_not_not_yet(
    demo_hub, demo_session
) -> None:
    """Once the panel has sat (or the outcome has gone), an agency asked that did not bring
    its case reads "Not brought": "Not yet" would say it still could be."""
    lead = _lead(demo_hub, demo_session)
    concluded = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.outcome_on.is_not(None))
    ).all()
    unbrought = [a for a in concluded if a.requests]
    assert unbrought, "the demo has concluded reviews whose holders were asked"
    for application in unbrought:
        page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
        asked = page[
            page.index("Agencies asked to confirm") : page.index(
                "</table>", page.index("Agencies asked to confirm")
            )
        ]
        assert "Not yet" not in asked
    assert any(
        "Not brought" in lead.get(f"/trigger/{a.id}").get_data(as_text=True) for a in unbrought
    )
    waiting = demo_session.scalars(
        select(TriggerApplication).where(
            TriggerApplication.review_sitting_id.is_not(None),
            TriggerApplication.outcome_on.is_(None),
        )
    ).all()
    for application in waiting:
        if (
            application.requests
            and clock.day_of(application.review_sitting.starts_at) > clock.today()
        ):
            page = lead.get(f"/trigger/{application.id}").get_data(as_text=True)
            assert "Not brought" not in page


def test_the_incidents_counted_are_named_by_category_as_everywhere_else(
    demo_hub, demo_session
) -> None:
    """The threshold check's incidents give their category as the case list and the
    figures name it ("Verbal abuse, harassment or intimidation"), not its code."""
    lead = _lead(demo_hub, demo_session)
    decided = demo_session.scalars(
        select(TriggerApplication).where(TriggerApplication.outcome_on.is_not(None))
    ).first()
    page = lead.get(f"/trigger/{decided.id}").get_data(as_text=True)
    start = page.index("The incidents counted")
    counted = page[start : page.index("</table>", start)]
    cells = [
        cell.split("<")[0].strip()
        for row in counted.split("<tr")[2:]
        for cell in row.split('<td class="govuk-table__cell">')[4:5]
    ]
    labels = {c.label for c in CaseCategory}
    assert cells, "the demo's reviewed application counted incidents"
    assert all(cell in labels for cell in cells), cells
