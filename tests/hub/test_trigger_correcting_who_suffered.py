"""Correcting who suffered the anti-social behaviour a Community Trigger application is
about (a person, a business, a community group), recorded wrongly (demo partnership, one
copy for the module): the lead chooses again on the correction form under the recording
form's rules (one of the three, refused at its field otherwise and recorded by field
name); the audit entry names the field, never the value; the application's History shows
the correction. A business or group has no date of birth: the correction removes the
victim's, says so on the confirmation and in History (the field named, never its value),
and neither the threshold check nor the DPO's search finds the application by it any more.
Before, who suffered it stayed as first recorded, and then the date of birth did."""

from __future__ import annotations

import html
from datetime import date

import pytest
from sqlalchemy.orm import Session

from sharing.access.reveal import reveal
from sharing.audit import subject_access_applications as sar
from sharing.cases.search import SearchQuery
from sharing.models import TriggerApplication
from sharing.trigger import applications, handling
from sharing.vocabulary import Role, VictimKind
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_actor, demo_client, demo_user
from tests.hub.test_trigger_corrections import LEAD, _applied, _form, _last, _lead
from tests.sharing.trigger.test_complaints import PROCEDURE


def _now(session: Session, application: TriggerApplication) -> TriggerApplication:
    session.expire_all()
    return session.get_one(TriggerApplication, application.id)


def _advice(session: Session, application: TriggerApplication) -> str:
    """What the threshold check finds and counts for the application as it stands."""
    details = reveal(handling.LEAD, application, handling.DETAILS)
    advice, _ = applications.advice_for(session, PROCEDURE, application, details)
    return applications.summary(advice)


def _found_by(session: Session, application: TriggerApplication, surname: str, born: date) -> bool:
    """Whether the lead agency's DPO, searching by a surname and date of birth, finds the
    application."""
    dpo = demo_actor(session, LEAD, Role.DPO)
    query = SearchQuery("surname_dob", surname=surname, date_of_birth=born)
    found = sar.find_applications(session, dpo, query).applications
    session.commit()  # the search's audit entry
    return application.id in [c.application_id for c in found]


@pytest.mark.parametrize("kind", ["business", "community_group"])
def test_a_business_or_group_recorded_as_a_person_is_corrected_without_a_date_of_birth(
    demo_hub, demo_session, kind
) -> None:
    application = _applied(demo_session)
    details = reveal(handling.LEAD, application, handling.DETAILS)
    surname = details["victim_family_name"]
    born = date.fromisoformat(details["victim_date_of_birth"])
    counted = _advice(demo_session, application)
    assert counted  # the repeat victim's complaints are found, by surname and date of birth
    assert _found_by(demo_session, application, surname, born)
    lead = _lead(demo_hub, demo_session)
    form = _form(lead, application)
    assert form["victim_kind"] == "person"  # filled as recorded
    assert form["victim_date_of_birth-year"] == str(born.year)

    response = lead.post(f"/trigger/{application.id}/correct", data={**form, "victim_kind": kind})

    assert response.status_code == 302, response.get_data(as_text=True)
    corrected = _now(demo_session, application)
    assert corrected.victim_kind is VictimKind.of(kind)
    kept = reveal(handling.LEAD, corrected, handling.DETAILS)
    assert kept["victim_date_of_birth"] is None
    assert kept["victim_family_name"] == surname  # the rest as it was
    entry = _last(demo_session, "trigger.correct")
    assert entry.basis == "fields victim_kind; removed victim_date_of_birth"
    assert str(born.year) not in entry.basis
    # Nothing finds it by the date of birth any more: not the threshold check, which
    # searched by surname and date of birth, nor the DPO's search.
    assert _advice(demo_session, corrected) != counted
    assert not _found_by(demo_session, corrected, surname, born)
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert (
        "A business or community group has no date of birth, so this was removed: the "
        "victim's date of birth." in page
    )
    assert f"{corrected.victim_kind.label}: Robin" in page
    assert "Date of birth" not in page
    history = page[page.index('id="history"') :][:1500]
    assert (
        "Corrected: who suffered it; Removed, as a business or community group has none: "
        "the victim's date of birth" in history
    )
    assert _form(lead, application)["victim_date_of_birth-year"] == ""


def test_a_date_of_birth_sent_for_a_business_is_not_kept(demo_hub, demo_session) -> None:
    """A form sent with a date of birth for a business (the field filled, as the form
    comes) keeps none: it is removed, not refused."""
    application = _applied(demo_session)
    application.victim_kind = VictimKind.BUSINESS  # recorded so, with a date of birth
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)

    response = lead.post(
        f"/trigger/{application.id}/correct",
        data={
            **_form(lead, application),
            "victim_kind": "business",
            "victim_phone": "07700 900123",
        },
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    corrected = _now(demo_session, application)
    assert reveal(handling.LEAD, corrected, handling.DETAILS)["victim_date_of_birth"] is None
    entry = _last(demo_session, "trigger.correct")
    assert entry.basis == "fields victim_phone; removed victim_date_of_birth"


def test_a_persons_date_of_birth_left_empty_is_a_correction_like_any_other(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)
    form = {
        **_form(lead, application),
        "victim_date_of_birth-day": "",
        "victim_date_of_birth-month": "",
        "victim_date_of_birth-year": "",
    }

    response = lead.post(f"/trigger/{application.id}/correct", data=form)

    assert response.status_code == 302, response.get_data(as_text=True)
    assert _last(demo_session, "trigger.correct").basis == "fields victim_date_of_birth"
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "no date of birth, so this was removed" not in page
    history = page[page.index('id="history"') :][:1500]
    assert "Corrected: the victim's date of birth" in history


def test_who_suffered_it_not_one_of_the_three_is_refused_at_its_field_and_recorded(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    lead = _lead(demo_hub, demo_session)

    for sent in ("household", ""):
        refused = lead.post(
            f"/trigger/{application.id}/correct",
            data={**_form(lead, application), "victim_kind": sent},
        )
        assert refused.status_code == 400
        assert 'href="#victim_kind' in refused.get_data(as_text=True)
        entry = _last(demo_session, "trigger.correct")
        assert (entry.outcome, entry.basis) == ("refused", "refused input: victim_kind")
    assert _now(demo_session, application).victim_kind is VictimKind.PERSON


def test_a_form_opened_before_it_could_be_corrected_keeps_who_suffered_it(
    demo_hub, demo_session
) -> None:
    application = _applied(demo_session)
    application.victim_kind = VictimKind.COMMUNITY_GROUP  # as if recorded so
    demo_session.commit()
    lead = _lead(demo_hub, demo_session)
    sent = {k: v for k, v in _form(lead, application).items() if k != "victim_kind"}

    response = lead.post(
        f"/trigger/{application.id}/correct", data={**sent, "victim_phone": "07700 900123"}
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert _now(demo_session, application).victim_kind is VictimKind.COMMUNITY_GROUP
    # A group has no date of birth: the one recorded with it goes.
    assert _last(demo_session, "trigger.correct").basis == (
        "fields victim_phone; removed victim_date_of_birth"
    )


def test_another_agencys_manager_may_not_correct_who_suffered_it(demo_hub, demo_session) -> None:
    application = _applied(demo_session)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.MANAGER))

    response = police.post(
        f"/trigger/{application.id}/correct",
        data={"csrf_token": csrf_token(police, "/"), "victim_kind": "business"},
    )

    assert response.status_code == 403
    assert _last(demo_session, "trigger.correct").outcome == "refused"
    assert _now(demo_session, application).victim_kind is VictimKind.PERSON
