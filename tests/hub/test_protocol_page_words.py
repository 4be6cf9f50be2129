"""A protocol's page names who receives what as the parties know them: each agency by its
name, an agency type by the partnership's agencies it covers, and each purpose by its
title, in the clauses and in what a new version changes. Before, the clauses read
"type:landlord" and "northshire-police", and the purposes "asb case management", as the
file spells them, which an administrator or a DPO reading the page had to decode."""

from __future__ import annotations

import html

from flask import Flask
from sqlalchemy.orm import Session

from sharing.protocols import lifecycle as protocol_lifecycle
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_actor, demo_client, demo_user, next_version, signed_protocol

KEY = "northshire-asb-case-management"
LANDLORDS = "Larkmoor Housing Association, Northshire Homes, Wealdbrook Housing Trust"


def _page(app: Flask, session: Session, protocol_id: int, role: Role) -> str:
    client = demo_client(app, demo_user(session, "northshire-csp", role))
    response = client.get(f"/protocols/{protocol_id}")
    assert response.status_code == 200
    return html.unescape(response.get_data(as_text=True))


def test_the_clauses_name_agencies_and_purposes_not_the_files_codes(
    demo_hub: Flask, demo_session: Session
) -> None:
    record = signed_protocol(demo_session, KEY)
    for role in (Role.ADMINISTRATOR, Role.DPO):
        page = _page(demo_hub, demo_session, record.id, role)
        assert f"<li>Every social landlord agency: {LANDLORDS}</li>" in page
        assert "<li>Northshire Police</li>" in page
        assert "Roles: Case officer, Manager" in page
        assert '<td class="govuk-table__cell">ASB case management</td>' in page
        for code in ("type:landlord", "northshire-police", "asb case management"):
            assert code not in page.split('<h2 class="govuk-heading-m">Clauses</h2>')[1]

    emergency = signed_protocol(demo_session, "northshire-emergency")
    page = _page(demo_hub, demo_session, emergency.id, Role.DPO)
    assert "<li>Every health agency: Northshire Integrated Care Board</li>" in page
    assert "Emergency: risk to life</td>" in page


def test_what_a_new_version_changes_names_the_purpose_by_its_title(
    demo_hub: Flask, demo_session: Session
) -> None:
    eh_before = '"identity", "contact", "location", "narrative", "risk", "actions", "outcome"'
    eh_after = '"identity", "location", "narrative", "actions", "outcome"'
    text = next_version(demo_session, KEY)
    clause = text.index('recipients = ["northshire-eh"]')
    text = text[:clause] + text[clause:].replace(eh_before, eh_after, 1)
    dpo = demo_actor(demo_session, "northshire-police", Role.DPO)
    draft = protocol_lifecycle.import_protocol(demo_session, dpo, text, source="v2")
    demo_session.commit()
    page = _page(demo_hub, demo_session, draft.id, Role.ADMINISTRATOR)
    changes = page.split("What activating this version changes")[1].split("Signatures")[0]
    assert "Northshire Council Environmental Health" in changes
    assert '<td class="govuk-table__cell">ASB case management</td>' in changes
    assert "contact, risk" in changes
    assert "asb case management" not in changes
