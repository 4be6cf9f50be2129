"""The audit log's action filter: every action in words under its area's heading, the
values in the address as they were, so saved links still work."""

from __future__ import annotations

import re

from sharing.audit.act_kinds import Action
from sharing.audit.areas import AREAS, area_of
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user


def _groups(page: str) -> dict[str, list[tuple[str, str]]]:
    select = page.split('id="action"', 1)[1].split("</select>", 1)[0]
    return {
        label: re.findall(r'<option value="([^"]+)"[^>]*>([^<]+)</option>', body)
        for label, body in re.findall(r'<optgroup label="([^"]+)">(.*?)</optgroup>', select, re.S)
    }


def test_every_action_belongs_to_one_area_in_the_order_the_filter_offers() -> None:
    names = [name for name, _ in AREAS]
    assert names == [
        "Cases",
        "Sharing",
        "Conferences and meetings",
        "Community Trigger",
        "Figures",
        "Accounts and administration",
        "Sign-in",
        "Audit and keys",
    ]
    assert area_of(Action.TRIGGER_FIGURES) == "Figures"  # the longest prefix decides
    assert area_of(Action.TRIGGER_DECIDE) == "Community Trigger"
    assert area_of(Action.BREAK_GLASS_REVIEW) == "Sharing"
    assert area_of(Action.ACCOUNT_ROLES) == "Accounts and administration"


def test_the_dpo_chooses_an_action_under_its_area_and_an_old_link_still_filters(
    demo_hub, demo_session
) -> None:
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.DPO))
    page = dpo.get("/audit").get_data(as_text=True)
    groups = _groups(page)
    assert list(groups) == [name for name, _ in AREAS]
    offered = [value for options in groups.values() for value, _ in options]
    assert sorted(offered) == sorted(a.value for a in Action)  # each once, none lost
    assert ("trigger.decide", "Decided a Community Trigger threshold") in groups[
        "Community Trigger"
    ]
    assert ("account.roles", "Changed an account&#39;s roles or team") in groups[
        "Accounts and administration"
    ]
    assert '<option value="" selected>Any action</option>' in page

    saved = dpo.get("/audit?action=protocol.import")  # a link saved before the groups
    assert saved.status_code == 200
    kept = saved.get_data(as_text=True)
    assert '<option value="protocol.import" selected>Imported a protocol</option>' in kept
    assert "Imported a protocol" in kept.split("<tbody", 1)[1]
    assert dpo.get("/audit?action=no.such").status_code == 400
