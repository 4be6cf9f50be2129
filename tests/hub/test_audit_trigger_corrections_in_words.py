"""The DPO's audit log says what a Community Trigger correction changed in the words of
the lead's forms ("who the applicant reported it to", "how to contact whoever applied
for the victim"), as the application's history says it; the entry keeps the fields as
stored, and never their values."""

from __future__ import annotations

import html

from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_trigger_correcting_who_applied import _correct, _for_a_victim
from tests.hub.test_trigger_corrections import _last, _lead
from tests.hub.test_trigger_reported_to import REASON, _path, _sent

ADDRESS = "Ward office, Town Hall\nNorthtown NX1 1AA"
CONTACT = "Through the ward office"


def test_the_dpo_reads_a_trigger_correction_in_the_lead_forms_words(demo_hub, demo_session) -> None:
    application = _for_a_victim(demo_session)
    lead = _lead(demo_hub, demo_session)
    response = lead.post(
        _path(application),
        data=_sent(lead, application, reported_to=["northshire-police"], reason=REASON),
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    assert _last(demo_session, "trigger.correct").basis == "fields reported_to"
    response = _correct(lead, application, applicant_contact=CONTACT, applicant_address=ADDRESS)
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    stored = _last(demo_session, "trigger.correct").basis or ""
    assert stored.startswith("fields applicant_")  # kept as written

    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    log = html.unescape(dpo.get("/audit?action=trigger.correct").get_data(as_text=True))

    assert "Corrected: who the applicant reported it to" in log
    assert "how to contact whoever applied for the victim" in log
    for as_stored in ("reported_to", "applicant_contact", "applicant_address"):
        assert f"fields {as_stored}" not in log
        assert f", {as_stored}" not in log
    for value in (CONTACT, "Ward office", REASON):
        assert value not in log
    # The application's page says it in the same words.
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    history = page[page.index('id="history"') :]
    assert "how to contact whoever applied for the victim" in history
