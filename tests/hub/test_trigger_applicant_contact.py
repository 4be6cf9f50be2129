"""How to reach someone who applied for the victim, as the Trigger lead records it from a
phone call or a letter (demo partnership): written as an e-mail address or a phone number
alone, it is checked as the public form checks it (an address on its own, a UK number),
refused at the field naming it, nothing written and the refusal recorded by field name;
in other words ("through the ward office", a postal address) it stays as written. A
correction of it is checked the same way; anyone but the lead agency's leads and
managers is refused."""

from __future__ import annotations

import html

import pytest

from sharing.access.reveal import reveal
from sharing.trigger import corrections, handling
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_trigger_applications import _count, _entries, _form, _lead, _record
from tests.hub.test_trigger_correcting_who_applied import _correct, _for_a_victim, _now

ADDRESS = "Ward office, Town Hall\nNorthtown NX1 1AA"
PHONE = "as a UK phone number of 10 or 11 digits"
EMAIL = "as an e-mail address in the correct format"
#: A number abroad alone: what to write instead, and why (the office cannot ring it).
ABROAD = (
    "as a UK phone number, like 07700 900 982 or 01632 960 001, or an e-mail address: the "
    "office cannot ring a number abroad, so one on its own is not taken. If it must be one, "
    'say so in words beside it, like "in France: +33 1 23 45 67 89"'
)
#: Dialled with 00: a number abroad, or a UK number with a 0 too many.
DIALLED = (
    "as a UK phone number starting with one 0, like 07700 900 982, or an e-mail address: "
    "the office cannot ring a number abroad"
)


def _for_them(contact: str) -> dict[str, str]:
    return {
        "on_behalf": "councillor",
        "applicant_name": "Cllr Ada Jones",
        "applicant_contact": contact,
        "applicant_address": ADDRESS,
        "consent_recorded": "y",
    }


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        ("07700 9001", PHONE),  # a digit short
        ("0163 296 0123 4567", PHONE),  # too long
        ("+353 87 123 4567", ABROAD),  # a number abroad, which the office cannot ring
        ("+33 1 23 45 67 89", ABROAD),  # 11 digits, but not a UK number's
        ("(+33) 1 23 45 67 89", ABROAD),
        ("0033 1 23 45 67 89", DIALLED),
        ("007700 900123", DIALLED),  # as often a UK number with a 0 too many
        ("ada@@example.org", EMAIL),
        ("ada jones@example.org", EMAIL),
        ("Ward office, ada@example.org", EMAIL),  # an address goes on its own
    ],
)
def test_a_contact_written_as_a_phone_number_or_e_mail_that_is_not_one_is_refused(
    demo_hub, demo_session, contact, message
) -> None:
    lead = _lead(demo_hub, demo_session)
    before = _count(demo_session)
    response = lead.post("/trigger/new", data=_form(lead, demo_session, **_for_them(contact)))
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"Enter how to contact the person applying {message}" in page
    assert 'href="#applicant_contact"' in page
    assert _count(demo_session) == before
    refused = _entries(demo_session, "trigger.record")[-1]
    assert refused.outcome == "refused"
    assert refused.basis == "refused input: applicant_contact"
    assert contact not in (refused.basis or "")


@pytest.mark.parametrize(
    "contact",
    [
        "07700 900 123",
        "(01632) 960-123 ext 4",
        "+44 7700 900123",
        "ada.jones@example.org",
        "Through the ward office at the Town Hall",
        "Leave a message with Cllr Jones's caseworker, mornings only",
        "01632 960123 (mornings)",  # a number with words is words
        "(01632) 960 001",
        "01632-960-001",
        "+44 (0)1632 960 001",
        "0044 7700 900123",
        "In France: +33 1 23 45 67 89",  # a number abroad, said so in words
    ],
)
def test_a_uk_phone_number_an_e_mail_address_or_words_are_recorded_as_written(
    demo_hub, demo_session, contact
) -> None:
    lead = _lead(demo_hub, demo_session)
    application = _record(lead, demo_session, **_for_them(contact))
    details = reveal(handling.LEAD, application, corrections.CORRECTED)
    assert details["applicant_contact"] == contact


def test_a_correction_of_the_contact_is_checked_the_same_way(demo_hub, demo_session) -> None:
    application = _for_a_victim(demo_session)
    lead = _lead(demo_hub, demo_session)
    before = _now(demo_session, application).applicant_contact

    response = _correct(
        lead, application, applicant_contact="0770 090 01", applicant_address=ADDRESS
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"Enter how to contact the person applying {PHONE}" in page
    assert _now(demo_session, application).applicant_contact == before
    refused = _entries(demo_session, "trigger.correct")[-1]
    assert (refused.outcome, refused.basis) == ("refused", "refused input: applicant_contact")

    response = _correct(
        lead, application, applicant_contact="0033 1 23 45 67 89", applicant_address=ADDRESS
    )
    assert response.status_code == 400
    page = html.unescape(response.get_data(as_text=True))
    assert f"Enter how to contact the person applying {DIALLED}" in page
    assert 'value="0033 1 23 45 67 89"' in page  # kept, to be put right
    assert _now(demo_session, application).applicant_contact == before

    response = _correct(
        lead, application, applicant_contact="Through the ward office", applicant_address=ADDRESS
    )
    assert response.status_code == 302, response.get_data(as_text=True)
    corrected = reveal(handling.LEAD, _now(demo_session, application), corrections.CORRECTED)
    assert corrected["applicant_contact"] == "Through the ward office"


@pytest.mark.parametrize(
    ("agency", "role"),
    [("northshire-police", Role.MANAGER), ("northshire-csp", Role.CASE_OFFICER)],
)
def test_nobody_else_records_an_application(demo_hub, demo_session, agency, role) -> None:
    other = demo_client(demo_hub, demo_user(demo_session, agency, role))
    data = {**_form(_lead(demo_hub, demo_session), demo_session, **_for_them("07700 900 123"))}
    data["csrf_token"] = csrf_token(other, "/")
    before = _count(demo_session)
    response = other.post("/trigger/new", data=data)
    assert response.status_code == 403
    assert _count(demo_session) == before
    refused = _entries(demo_session, "trigger.record")[-1]
    assert refused.outcome == "refused"
