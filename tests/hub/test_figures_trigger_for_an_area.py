"""The Community Trigger's totals are the whole partnership's: a coordinator who chooses
one agency or one ward for a year no longer finds the Community Trigger section gone
without a word; the page and the pack say the totals are counted for the whole
partnership and link to the same year's figures for it, where they are; a reader who may
not read them is told where they are published, as for the whole partnership."""

from __future__ import annotations

import html

from sqlalchemy import select

from sharing import clock
from sharing.models import Ward
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

SAID = "counted for the whole partnership, not for one agency or ward"


def test_an_agency_or_a_ward_says_where_the_trigger_totals_are(demo_hub, demo_session) -> None:
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    year = clock.today().year - 1
    period = f"from={year}-01&to={year}-12"
    ward = demo_session.scalar(select(Ward).order_by(Ward.name))
    for area in ("agency=northshire-homes", f"ward={ward.id}"):
        page = html.unescape(coordinator.get(f"/figures/?{period}&{area}").get_data(as_text=True))
        assert 'id="title-trigger"' not in page
        assert SAID in page
        assert f'href="/figures/?from={year}-01&to={year}-12#table-trigger"' in page
        pack = html.unescape(
            coordinator.get(f"/figures/pack?{period}&{area}").get_data(as_text=True)
        )
        assert SAID in pack
    whole = coordinator.get(f"/figures/?{period}").get_data(as_text=True)
    assert 'id="title-trigger"' in whole
    assert SAID not in html.unescape(whole)

    adults = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.MANAGER))
    page = html.unescape(
        adults.get(f"/figures/?{period}&agency=northshire-adults").get_data(as_text=True)
    )
    assert "published for 12 months at a time by Northshire" in page
    assert 'href="/figures/?from=' not in page.partition('id="trigger-left-out"')[2]
