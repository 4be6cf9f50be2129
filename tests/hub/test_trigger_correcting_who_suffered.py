"""Correcting who suffered the anti-social behaviour a Community Trigger application is
about (a person, a business, a community group), recorded wrongly (demo partnership, one
copy for the module): the lead chooses again on the correction form under the recording
form's rules (one of the three, refused at its field otherwise and recorded by field
name); the audit entry names the field, never the value; the application's History shows
the correction. The threshold check searches by the victim's name and details, so the
complaints it counts are the same, and the letters (which name the victim as recorded)
are written the same. Before, who suffered it stayed as first recorded."""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy.orm import Session

from sharing.access.reveal import reveal
from sharing.models import TriggerApplication
from sharing.trigger import applications, handling
from sharing.vocabulary import Role, VictimKind
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.hub.test_trigger_corrections import _applied, _form, _last, _lead
from tests.sharing.trigger.test_complaints import PROCEDURE


@pytest.fixture(scope="module")
def demo(demo_files: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path_factory.mktemp("trigger-who-suffered"))
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(demo: Flask) -> Iterator[Session]:
    with demo.extensions["hub.sessions"]() as found:
        yield found


def _now(session: Session, application: TriggerApplication) -> TriggerApplication:
    session.expire_all()
    return session.get_one(TriggerApplication, application.id)


def _advice(session: Session, application: TriggerApplication) -> str:
    """What the threshold check finds and counts for the application as it stands."""
    details = reveal(handling.LEAD, application, handling.DETAILS)
    advice, _ = applications.advice_for(session, PROCEDURE, application, details)
    return applications.summary(advice)


def test_a_business_recorded_as_a_person_is_corrected_and_the_history_says_so(
    demo, session
) -> None:
    application = _applied(session)
    counted = _advice(session, application)
    assert counted  # the repeat victim's complaints are found
    lead = _lead(demo, session)
    assert _form(lead, application)["victim_kind"] == "person"  # filled as recorded

    response = lead.post(
        f"/trigger/{application.id}/correct",
        data={**_form(lead, application), "victim_kind": "business"},
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    corrected = _now(session, application)
    assert corrected.victim_kind is VictimKind.BUSINESS
    assert _last(session, "trigger.correct").basis == "fields victim_kind"
    assert _advice(session, corrected) == counted
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "A business: Robin" in page
    history = page[page.index('id="history"') :][:1500]
    assert "Corrected: who suffered it" in history


def test_who_suffered_it_not_one_of_the_three_is_refused_at_its_field_and_recorded(
    demo, session
) -> None:
    application = _applied(session)
    lead = _lead(demo, session)

    for sent in ("household", ""):
        refused = lead.post(
            f"/trigger/{application.id}/correct",
            data={**_form(lead, application), "victim_kind": sent},
        )
        assert refused.status_code == 400
        assert 'href="#victim_kind' in refused.get_data(as_text=True)
        entry = _last(session, "trigger.correct")
        assert (entry.outcome, entry.basis) == ("refused", "refused input: victim_kind")
    assert _now(session, application).victim_kind is VictimKind.PERSON


def test_a_form_opened_before_it_could_be_corrected_keeps_who_suffered_it(demo, session) -> None:
    application = _applied(session)
    application.victim_kind = VictimKind.COMMUNITY_GROUP  # as if recorded so
    session.commit()
    lead = _lead(demo, session)
    sent = {k: v for k, v in _form(lead, application).items() if k != "victim_kind"}

    response = lead.post(
        f"/trigger/{application.id}/correct", data={**sent, "victim_phone": "07700 900123"}
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    assert _now(session, application).victim_kind is VictimKind.COMMUNITY_GROUP
    assert _last(session, "trigger.correct").basis == "fields victim_phone"


def test_another_agencys_manager_may_not_correct_who_suffered_it(demo, session) -> None:
    application = _applied(session)
    police = demo_client(demo, demo_user(session, "northshire-police", Role.MANAGER))

    response = police.post(
        f"/trigger/{application.id}/correct",
        data={"csrf_token": csrf_token(police, "/"), "victim_kind": "business"},
    )

    assert response.status_code == 403
    assert _last(session, "trigger.correct").outcome == "refused"
    assert _now(session, application).victim_kind is VictimKind.PERSON
