"""Subject access to Community Trigger applications (demo partnership): a victim applies
online, then asks the council, the area's lead, for their data. The council's data
protection officer finds the application by the victim's surname and date of birth, phone
or postcode, or by the contact of someone who applied for them, and compiles its report;
the police DPO finds nothing and is told "not found"; nobody else gets in; details that
cannot identify a requester are refused at their field."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.audit import acts, trail
from sharing.audit import subject_access_application_report as sar_report
from sharing.audit import subject_access_applications as sar
from sharing.cases.search import SearchQuery
from sharing.crypto.sealing import unseal
from sharing.errors import InputError, NotAllowed
from sharing.models import AuditEntry, TriggerApplication
from sharing.trigger import applications, input_checks
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.hub.test_public_application import _hidden, _send

LEAD = "northshire-csp"
POLICE = "northshire-police"
PROBLEM = "My neighbour follows me to the bus stop and shouts abuse; I have told the police"
ANSWERS = {
    "on_behalf": "self",
    "victim_kind": "person",
    "victim_given_names": "Hester",
    "victim_family_name": "Applewhite",
    "victim_date_of_birth-day": "14",
    "victim_date_of_birth-month": "3",
    "victim_date_of_birth-year": "1961",
    "victim_address": "4 Quarry Lane",
    "victim_postcode": "nx5 2fq",
    "victim_phone": "07700 900456",
    "problem": PROBLEM,
}
_STEP = re.compile(r'name="step" value="([a-z]+)"')
_FIELD = re.compile(r'name="([a-z_]+(?:-day|-month|-year)?)"')


@pytest.fixture(scope="module")
def dpos(demo_hub: Flask) -> dict[str, FlaskClient]:
    """The council's and the police's DPOs, signed in once for the module (a TOTP code
    cannot be used twice)."""
    with demo_hub.extensions["hub.sessions"]() as session:
        return {a: demo_client(demo_hub, demo_user(session, a, Role.DPO)) for a in (LEAD, POLICE)}


def _apply_online(client: FlaskClient, reported: dict[str, object] | None = None) -> None:
    """The victim answers the public form a page at a time, checks and sends; ``reported``
    answers "Who have you reported it to?" (nothing ticked without it)."""
    response = client.get("/community-trigger/apply")
    while "Check your answers" not in (page := response.get_data(as_text=True)):
        assert response.status_code == 200, page
        assert _STEP.search(page), page
        data: dict[str, object] = dict(_hidden(page))
        for name in dict.fromkeys(_FIELD.findall(page)):
            if name in ANSWERS and name not in data:
                data[name] = ANSWERS[name]
        if 'name="reported_to"' in page:
            data.update(reported or {})
        response = client.post("/community-trigger/apply", data=data)
    sent = _send(client, response)
    assert sent.status_code == 302, sent.get_data(as_text=True)


def _latest(session: Session) -> TriggerApplication:
    session.expire_all()
    return session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()


def _last(session: Session) -> AuditEntry:
    session.expire_all()
    return session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))


def _entries(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(AuditEntry))


def _search(client: FlaskClient, **fields: str):
    return client.post(
        "/audit/subject-access",
        data={"csrf_token": csrf_token(client, "/audit/subject-access"), **fields},
    )


def _appealed(session: Session) -> TriggerApplication:
    """The demo's application reviewed, with recommendations, and appealed."""
    return session.scalars(
        select(TriggerApplication).where(
            TriggerApplication.outcome_on.is_not(None),
            TriggerApplication.appeal_decided_on.is_not(None),
        )
    ).one()


def _surname_and_birth(application: TriggerApplication) -> dict[str, str]:
    born = date.fromisoformat(unseal(application, "victim_date_of_birth"))
    return {
        "kind": "surname_dob",
        "surname": unseal(application, "victim_family_name"),
        "date_of_birth-day": str(born.day),
        "date_of_birth-month": str(born.month),
        "date_of_birth-year": str(born.year),
    }


BY_SURNAME_AND_BIRTH = {
    "kind": "surname_dob",
    "surname": "APPLEWHITE",
    "date_of_birth-day": "14",
    "date_of_birth-month": "3",
    "date_of_birth-year": "1961",
}


def test_the_leads_dpo_finds_and_reports_an_application_made_online(
    demo_hub, demo_session, dpos
) -> None:
    _apply_online(demo_hub.test_client())
    application = _latest(demo_session)
    assert unseal(application, "victim_family_name") == "Applewhite"
    dpo = dpos[LEAD]
    for fields in (
        BY_SURNAME_AND_BIRTH,
        {"kind": "phone", "phone": "+44 7700 900456"},
        {"kind": "postcode", "postcode": "NX52FQ"},
    ):
        found = _search(dpo, **fields)
        assert found.status_code == 200, fields
        page = found.get_data(as_text=True)
        assert "Community Trigger application found" in page, fields
        assert application.reference in page
        assert "Hester Applewhite" in page
        assert f"/audit/subject-access/application/{application.id}" in page
        entry = _last(demo_session)
        assert (entry.action, entry.purpose, entry.outcome) == (
            "subject_access.search",
            "subject_access_request",
            "allowed",
        )
        assert f"applications {application.id}" in entry.basis
        assert not re.search(r"applewhite|900456|nx5|1961", entry.basis, re.IGNORECASE)

    report = dpo.get(f"/audit/subject-access/application/{application.id}")
    assert report.status_code == 200
    text = report.get_data(as_text=True)
    assert f"Community Trigger application {application.reference}" in text
    for shown in ("Hester", "Applewhite", "14 March 1961", "07700900456", "NX5 2FQ", PROBLEM):
        assert shown in text, shown
    assert "1961-03-14" not in text  # the day as the person's own report writes it
    assert "Online form" in text
    assert "Not decided yet" in text
    assert "We have received your application, dated" in text
    assert "Recorded a Community Trigger application" in text  # the form's own entry
    assert "Looked for a subject access requester" in text  # the searches that showed it
    entry = _last(demo_session)
    assert (entry.action, entry.purpose, entry.object_type, entry.object_id) == (
        "subject_access.report",
        "subject_access_request",
        "trigger_application",
        str(application.id),
    )
    assert "Applewhite" not in entry.basis


def test_a_reviewed_and_appealed_application_reports_each_stage_and_who_saw_it(
    demo_hub, demo_session, dpos
) -> None:
    application = _appealed(demo_session)
    dpo = dpos[LEAD]
    page = _search(dpo, **_surname_and_birth(application)).get_data(as_text=True)
    assert application.reference in page
    text = dpo.get(f"/audit/subject-access/application/{application.id}").get_data(as_text=True)
    assert application.decision.label in text
    for column in ("decision_reasons", "outcome_findings", "appeal_reasons", "appeal_findings"):
        assert unseal(application, column).split("\n")[0][:40] in text, column
    for recommendation in application.recommendations:
        assert unseal(recommendation, "text")[:40] in text
    assert application.appeal_decision.label.split(":")[0] in text
    for letter in ("Whether your case will be reviewed", "The outcome of your ASB"):
        assert letter in text
    assert "Recorded a Community Trigger appeal" in text
    trigger_lead = demo_user(demo_session, LEAD, Role.TRIGGER_LEAD)
    assert trigger_lead.display_name in text


def _applied_for_by_family(
    app: Flask, session: Session, victim_family_name: str, contact: str
) -> TriggerApplication:
    """An application taken by phone from Rosa Quennell for a victim of her family, who
    gave ``contact``, and her postal address for the letters."""
    return applications.record_application(
        session,
        demo_actor(session, LEAD, Role.TRIGGER_LEAD),
        app.extensions["hub.trigger_procedure"],
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name=victim_family_name,
            problem=PROBLEM,
            on_behalf="family",
            applicant_name="Rosa Quennell",
            applicant_contact=contact,
            applicant_address="12 Larch Row, NX3 4PQ",
            consent_recorded=True,
        ),
    )


def test_someone_who_applied_for_the_victim_is_found_by_the_contact_they_gave(
    demo_hub, demo_session
) -> None:
    recorded = _applied_for_by_family(
        demo_hub, demo_session, "Quennell", "Mobile 07700 900 777, or 12 Larch Row, NX3 4PQ"
    )
    demo_session.commit()
    dpo = demo_actor(demo_session, LEAD, Role.DPO)
    for query in (
        SearchQuery("phone", phone="07700900777"),
        SearchQuery("postcode", postcode="NX3 4PQ"),
    ):
        (found,) = [
            c
            for c in sar.find_applications(demo_session, dpo, query).applications
            if c.application_id == recorded.id
        ]
        assert (found.name, found.matched) == ("Rosa Quennell", sar.APPLICANT)
    nobody = SearchQuery("phone", phone="07700900778")
    assert recorded.id not in [
        c.application_id for c in sar.find_applications(demo_session, dpo, nobody).applications
    ]
    demo_session.rollback()


def _found_for(session: Session, query: SearchQuery) -> dict[int, str]:
    """The applications the lead's DPO finds, each with whom it matched."""
    dpo = demo_actor(session, LEAD, Role.DPO)
    return {
        c.application_id: c.matched for c in sar.find_applications(session, dpo, query).applications
    }


@pytest.mark.parametrize(
    "contact",
    [
        "Work 01632 960 123 ext 4, or 12 Larch Row, NX3 4PQ",
        "Office 01632.960.123 x4",
        "Work (01632) 960123, extension 4; evenings only",
    ],
)
def test_someone_who_gave_a_number_with_an_extension_is_found_by_it_and_not_by_the_switchboard(
    demo_hub, demo_session, contact
) -> None:
    recorded = _applied_for_by_family(demo_hub, demo_session, "Quennell", contact)
    demo_session.commit()
    for written in ("01632 960 123 ext 4", "01632960123 x4", "+44 (0)1632 960123 ext. 4"):
        found = _found_for(demo_session, SearchQuery("phone", phone=written))
        assert found.get(recorded.id) == sar.APPLICANT, written
    # Others share the switchboard, and another extension is someone else's.
    for other in ("01632 960 123", "01632 960 123 ext 5", "01632 960 123 ext 44"):
        assert recorded.id not in _found_for(demo_session, SearchQuery("phone", phone=other))
    demo_session.rollback()


def test_the_police_dpo_finds_no_application_and_cannot_open_one(
    demo_hub, demo_session, dpos
) -> None:
    application = _appealed(demo_session)
    police = dpos[POLICE]
    page = _search(police, **_surname_and_birth(application)).get_data(as_text=True)
    assert not re.search(r"Community Trigger applications? found", page)
    assert "/audit/subject-access/application/" not in page
    assert application.reference not in page
    assert police.get(f"/audit/subject-access/application/{application.id}").status_code == 404
    refused = _last(demo_session)
    assert (refused.action, refused.outcome, refused.object_type, refused.object_id) == (
        "subject_access.report",
        "refused",
        "trigger_application",
        str(application.id),
    )


@pytest.mark.parametrize("role", [Role.TRIGGER_LEAD, Role.MANAGER, Role.CASE_OFFICER])
def test_only_the_dpo_may_look_for_or_report_an_application(demo_hub, demo_session, role) -> None:
    application = demo_session.scalars(select(TriggerApplication)).first()
    user = demo_user(demo_session, LEAD, role)
    client = demo_client(demo_hub, user)
    assert client.get("/audit/subject-access").status_code == 403
    assert client.get(f"/audit/subject-access/application/{application.id}").status_code == 403
    actor = demo_actor(demo_session, LEAD, role)
    query = SearchQuery("phone", phone="07700 900456")
    with pytest.raises(NotAllowed):
        sar.find_applications(demo_session, actor, query)
    acts.roll_back_keeping_refusals(demo_session)
    assert (_last(demo_session).action, _last(demo_session).outcome) == (
        "subject_access.search",
        "refused",
    )
    with pytest.raises(NotAllowed):
        sar_report.compile_application_report(demo_session, actor, application.id)
    acts.roll_back_keeping_refusals(demo_session)
    assert (_last(demo_session).action, _last(demo_session).outcome) == (
        "subject_access.report",
        "refused",
    )


def test_details_that_cannot_identify_a_requester_are_refused_at_their_field(
    demo_hub, demo_session, dpos
) -> None:
    dpo = dpos[LEAD]
    before = _entries(demo_session)
    for fields, message in (
        ({"kind": "surname", "surname": "Applewhite"}, "Select what to search by"),
        ({"kind": "surname_dob", "surname": "Applewhite"}, "Enter a date of birth"),
        ({"kind": "postcode", "postcode": "ZZ"}, "Enter a real postcode"),
        ({"kind": "phone", "phone": "call me"}, "Enter a phone number, like"),
        ({"kind": "phone", "phone": "\u202e07700"}, "Enter a phone number"),
    ):
        refused = _search(dpo, **fields)
        assert refused.status_code == 400, fields
        assert message in refused.get_data(as_text=True), fields
    # Each refusal is recorded, as every refused form is, naming the field, never what
    # was typed.
    assert _entries(demo_session) == before + 5
    refusals = demo_session.scalars(
        select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(5)
    ).all()
    assert {e.outcome for e in refusals} == {"refused"}
    logged = " ".join(f"{e.object_id} {e.basis}" for e in refusals)
    assert not [typed for typed in ("Applewhite", "ZZ", "call me", "07700") if typed in logged]
    for application_id in ("0", "99999", "99999999999999999999"):
        assert dpo.get(f"/audit/subject-access/application/{application_id}").status_code == 404
    actor = demo_actor(demo_session, LEAD, Role.DPO)
    with pytest.raises(InputError) as uprn:
        sar.find_applications(demo_session, actor, SearchQuery("uprn", uprn="100012345678"))
    assert uprn.value.field == "kind"
    demo_session.rollback()


def test_the_lead_dpos_log_shows_the_publics_application_and_no_other_dpos_does(
    demo_hub, demo_session
) -> None:
    """A victim applies online (an act with no user of any agency): the entry is about an
    application the council holds as the lead, so the council's DPO finds it in their log;
    the police's DPO does not."""
    _apply_online(demo_hub.test_client())
    application = _latest(demo_session)
    found = {}
    for agency in (LEAD, POLICE):
        page = trail.search_log(
            demo_session, demo_actor(demo_session, agency, Role.DPO), trail.LogFilters()
        )
        found[agency] = {
            row.object_id for row in page.rows if row.object_type == "trigger_application"
        }
    assert str(application.id) in found[LEAD]
    assert str(application.id) not in found[POLICE]


def test_a_search_matching_more_applications_than_it_lists_says_so(
    demo_hub, demo_session, dpos
) -> None:
    """One family applying again and again for a neighbour's victims, with the same
    phone: more applications hold it than the search lists, so the DPO is told to search
    by something more particular, and the search's entry says how many it found."""
    for n in range(sar.MAX_CANDIDATES + 1):
        _applied_for_by_family(demo_hub, demo_session, f"Neighbour {n}", "Mobile 07700 900 779")
    demo_session.commit()
    page = _search(dpos[LEAD], kind="phone", phone="07700900779").get_data(as_text=True)
    assert f"More than {sar.MAX_CANDIDATES} of the Community Trigger applications" in page
    assert f"{sar.MAX_CANDIDATES} Community Trigger applications found" in page
    entry = _last(demo_session)
    assert entry.action == "subject_access.search"
    assert f"{sar.MAX_CANDIDATES + 1} found, {sar.MAX_CANDIDATES} listed" in entry.basis


def test_the_report_for_whoever_applied_for_the_victim_leaves_out_the_victims_details(
    demo_hub, demo_session, dpos
) -> None:
    """The DPO finds the person who applied for a victim by the phone they gave: the link
    to the report is theirs, and it shows the application's stages, dates and who read it,
    with their own details, not the victim's name, phone, address or how the victim
    consented, and says so; the victim's report leaves out the applicant's contact and
    address instead. Each report's audit entry says whom it was for, naming no one."""
    recorded = applications.record_application(
        demo_session,
        demo_actor(demo_session, LEAD, Role.TRIGGER_LEAD),
        demo_hub.extensions["hub.trigger_procedure"],
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_given_names="Winifred",
            victim_family_name="Oakenshaw",
            victim_phone="07700 900 313",
            victim_address="9 Mill Yard",
            victim_postcode="NX2 7RT",
            problem=PROBLEM,
            on_behalf="family",
            applicant_name="Rosa Quennell",
            applicant_contact="Mobile 07700 900 787",
            applicant_address="12 Larch Row, NX3 4PQ",
            consent_recorded=True,
            consent_note="Mrs Oakenshaw agreed on the phone with her daughter beside her",
        ),
    )
    demo_session.commit()
    dpo = dpos[LEAD]
    found = _search(dpo, kind="phone", phone="07700900787").get_data(as_text=True)
    path = f"/audit/subject-access/application/{recorded.id}/applicant"
    assert f'href="{path}"' in found

    report = dpo.get(path)
    text = report.get_data(as_text=True)
    assert report.status_code == 200
    assert "for the person who applied for the victim" in text
    assert "Left out of this report: the victim&#39;s name" in text
    for victims in ("Winifred", "Oakenshaw", "07700 900 313", "9 Mill Yard", "NX2 7RT"):
        assert victims not in text
    assert "Date of birth" not in text  # not even as a row "Not recorded"
    assert "Rosa Quennell" in text
    assert "07700 900 787" in text
    assert "12 Larch Row" in text
    assert recorded.reference in text
    assert "Who has seen the application" in text
    entry = _last(demo_session)
    assert entry.basis.startswith(
        "Community Trigger application for the person who applied for the victim"
    )
    assert "Quennell" not in entry.basis
    assert "Oakenshaw" not in entry.basis

    victims_report = dpo.get(f"/audit/subject-access/application/{recorded.id}")
    text = victims_report.get_data(as_text=True)
    assert "Winifred" in text
    assert "9 Mill Yard" in text
    assert "07700 900 787" not in text
    assert "12 Larch Row" not in text
    assert "the contact and postal address of the person who applied for the victim" in text


def test_an_application_the_victim_made_has_no_report_for_someone_applying_for_them(
    demo_hub, demo_session, dpos
) -> None:
    _apply_online(demo_hub.test_client())
    application = _latest(demo_session)
    assert application.on_behalf is None
    path = f"/audit/subject-access/application/{application.id}/applicant"
    assert dpos[LEAD].get(path).status_code == 404


def test_the_report_says_who_the_applicant_reported_it_to_as_the_leads_page_does(
    demo_hub, demo_session, dpos
) -> None:
    """The victim answered "Who have you reported it to?" on the public form: the report
    shows it as the lead's page does, opened with the application's other details; its
    audit entry names no one. An application made for the victim gives it in both the
    victim's report and the report for whoever applied for them (it is the application's
    own account, as the behaviour is)."""
    month = (clock.today().replace(day=1) - timedelta(days=1)).replace(day=1)
    _apply_online(
        demo_hub.test_client(),
        {
            "reported_to": ["northshire-police", "other"],
            "reported_when-northshire-police-month": str(month.month),
            "reported_when-northshire-police-year": str(month.year),
            "reported_other": "The GP surgery",
        },
    )
    application = _latest(demo_session)
    police = "Northshire Police"
    said = f"{police}, {month:%B %Y}<br>Someone else: The GP surgery"
    dpo = dpos[LEAD]
    text = dpo.get(f"/audit/subject-access/application/{application.id}").get_data(as_text=True)
    assert "Reported it to (the applicant says)" in text
    assert said in text
    assert "GP surgery" not in _last(demo_session).basis

    unsaid = _applied_for_by_family(demo_hub, demo_session, "Quennell", "07700 900 414")
    for_them = applications.record_application(
        demo_session,
        demo_actor(demo_session, LEAD, Role.TRIGGER_LEAD),
        demo_hub.extensions["hub.trigger_procedure"],
        input_checks.ApplicationInput(
            received_on=clock.today(),
            channel="phone",
            victim_kind="person",
            victim_family_name="Oakenshaw",
            problem=PROBLEM,
            on_behalf="family",
            applicant_name="Rosa Quennell",
            applicant_contact="07700 900 415",
            applicant_address="12 Larch Row, NX3 4PQ",
            consent_recorded=True,
            reported_to=(input_checks.ReportedTo("northshire-police", police, month),),
        ),
    )
    ids = unsaid.id, for_them.id
    demo_session.commit()
    text = dpo.get(f"/audit/subject-access/application/{ids[0]}").get_data(as_text=True)
    assert "Reported it to" not in text  # not answered: no row
    for whom in ("", "/applicant"):
        page = dpo.get(f"/audit/subject-access/application/{ids[1]}{whom}")
        assert page.status_code == 200, whom
        assert f"{police}, {month:%B %Y}" in page.get_data(as_text=True), whom
