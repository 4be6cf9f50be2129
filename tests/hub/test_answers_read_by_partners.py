"""Another agency's answer to a conference's information request, as the others read it."""

from __future__ import annotations

from sqlalchemy import select

from sharing.models import InformationRequest
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def test_an_agencys_answer_is_labelled_as_that_agencys_to_the_other_agencies(
    demo_hub, demo_session
) -> None:
    """The safeguarding lead reads what the police hold under the police's name: "Risk of
    harm it knows of", "Its current actions or involvement", on the conference's page and
    in its pack (page and PDF), where the form's own words ("Risk of harm you know of",
    "Your current actions") seemed to ask the reader."""
    answer = demo_session.scalar(
        select(InformationRequest)
        .where(
            InformationRequest.answered_at.is_not(None),
            InformationRequest.agency.has(code="northshire-police"),
        )
        .order_by(InformationRequest.id)
    )
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER))
    base = f"/conferences/{answer.conference_id}"
    for path in (base, f"{base}/pack"):
        page = lead.get(path).get_data(as_text=True)
        assert "Northshire Police" in page
        assert "Incidents and reports it holds" in page
        assert "Risk of harm it knows of" in page
        assert "Its current actions or involvement" in page
        assert "you hold" not in page
        assert "you know of" not in page
        assert "Your current actions" not in page
