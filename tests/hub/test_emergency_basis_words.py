"""What a partner reads under "Why you can see this" while using emergency access."""

from __future__ import annotations

from sqlalchemy import select

from sharing.models import BreakGlass, Case, ProtocolRecord, Share
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user, police_in_emergency


def test_emergency_access_names_the_emergency_protocol_by_its_title_and_links_its_clause(
    demo_hub, demo_session
) -> None:
    """Under emergency access the case page says which protocol and clause let the reader
    in as every shared case does: the protocol by its title, linked to the clause on its
    page, and the purpose by its title, never the protocol's key and the purpose's id."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    protocol = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-emergency")
    )
    police, opened = police_in_emergency(demo_hub, demo_session, case)
    assert opened.status_code == 302
    page = police.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Protocol northshire-emergency" not in page
    assert "purpose emergency" not in page
    assert (
        f'<a class="govuk-link" href="/protocols/{protocol.id}#clause-7.1">'
        f"{protocol.title} (version {protocol.version}), clause 7.1</a>, "
        "purpose: Emergency: risk to life"
    ) in page
    assert "Why you can see this" in page
    assert "Emergency access until " in page


def test_the_emergency_review_names_the_protocol_and_links_its_clause(
    demo_hub, demo_session
) -> None:
    """The manager reviewing an emergency access reads under which protocol's clause the
    partner opened the case, the protocol by its title and the clause a link to it, where
    the page said only "under protocol clause 7.1"."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
        .offset(1)
    )
    protocol = demo_session.scalar(
        select(ProtocolRecord).where(ProtocolRecord.key == "northshire-emergency")
    )
    police, _ = police_in_emergency(demo_hub, demo_session, case)
    glass = demo_session.scalar(select(BreakGlass).where(BreakGlass.case_id == case.id))
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    page = manager.get(f"/emergency/reviews/{glass.id}").get_data(as_text=True)
    assert "under protocol clause" not in page
    assert f"<title>Review emergency access to {case.reference} – " in page  # one tab each
    assert (
        f'under <a class="govuk-link" href="/protocols/{protocol.id}#clause-7.1">clause 7.1 of '
        f"{protocol.title} (version {protocol.version})</a>."
    ) in page
    assert manager.get(f"/protocols/{protocol.id}").status_code == 200
