"""A manager's link to their own agency's exact figures keeps the area and period they
were reading."""

from __future__ import annotations

import html

from sqlalchemy import select

from sharing.models import Ward
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def test_a_managers_own_exact_figures_keep_the_ward_they_chose(demo_hub, demo_session) -> None:
    """A landlord's ASB manager reading the police's figures in one ward follows "See …
    own figures exactly" to their own agency's figures for that same ward and period,
    where the link dropped the ward and showed their agency across every ward."""
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    ward = demo_session.scalar(select(Ward).order_by(Ward.name))
    page = html.unescape(
        manager.get(f"/figures/?agency=northshire-police&ward={ward.id}").get_data(as_text=True)
    )
    link = page.partition("See Northshire Homes's own figures exactly")[0].rpartition('href="')[2]
    assert f"ward={ward.id}" in link
    assert "agency=northshire-homes" in link
    assert "exact=yes" in link
    own = html.unescape(manager.get(link.partition('"')[0]).get_data(as_text=True))
    assert f"Northshire Homes in {ward.name} ward" in own
