"""Someone applying for a victim on the public Community Trigger form who gives a phone
number abroad is told as much as the lead's form tells the lead (demo partnership): why it
is not taken (the office cannot ring it), what to give instead (an email address, or a UK
number written with a single 0), and, as they cannot write words beside it as the lead
can, how to apply without either (the council's phone number). Nothing is saved, and the
refusal is recorded by field name, never what was typed."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, PublicFormUse
from tests.hub.test_public_application import _count, _walk

#: What every refusal of a number abroad says after what to give.
WHY = (
    "We cannot phone a number outside the UK, so give your email address instead. If you "
    "have no email address either, apply by phone: call the council's community safety "
    "team on 01632 960 250"
)


@pytest.fixture(autouse=True)
def _fresh_limits(demo_session: Session):
    demo_session.execute(delete(PublicFormUse))
    demo_session.commit()


@pytest.mark.parametrize(
    ("contact", "what"),
    [
        ("+353 87 123 4567", "or a UK phone number, like 07700 900 982 or 01632 960 001."),
        ("(+33) 1 23 45 67 89", "or a UK phone number, like 07700 900 982 or 01632 960 001."),
        (
            "0033 1 23 45 67 89",
            "or a UK phone number starting with a single 0, like 07700 900 982.",
        ),
        ("007700 900123", "or a UK phone number starting with a single 0, like 07700 900 982."),
    ],
)
def test_a_number_abroad_is_refused_saying_why_and_what_to_give_instead(
    demo_hub, demo_session, contact, what
) -> None:
    before = _count(demo_session)
    walked, response = _walk(
        demo_hub.test_client(),
        on_behalf="family",
        applicant_name="Sam",
        applicant_contact=contact,
        applicant_address="1 Test Row",
        consent_recorded="y",
    )
    assert response.status_code == 400, walked
    page = html.unescape(response.get_data(as_text=True))
    assert f"Enter your email address, like name@example.org, {what} {WHY}" in page
    assert f'value="{contact}"' in page  # kept, to be put right
    assert "the office" not in page  # the public's words, not the lead's
    assert "e-mail" not in page
    assert _count(demo_session) == before
    refused = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert (refused.outcome, refused.basis) == ("refused", "refused input: applicant_contact")
