"""Giving a case to another officer, a manager sees how many open cases each officer
offered holds (demo partnership), as the case list filtered by that officer counts them,
so that a case goes to someone who has room for it. Before, the form offered names alone,
and the manager had to filter the case list officer by officer to see who was overloaded."""

from __future__ import annotations

import re
from html import unescape

from flask import Flask
from sqlalchemy.orm import Session

from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user, open_cases

AGENCY = "larkmoor-ha"


def test_the_officer_form_says_how_many_open_cases_each_officer_holds(
    demo_hub: Flask, demo_session: Session
) -> None:
    manager = demo_user(demo_session, AGENCY, Role.MANAGER)
    client = demo_client(demo_hub, manager)
    case = open_cases(demo_session, AGENCY)[0]

    form = unescape(client.get(f"/cases/{case.id}/officer").get_data(as_text=True))
    offered = dict(re.findall(r'<option value="(\d+)"[^>]*>([^<]+)</option>', form))

    assert offered
    for officer_id, words in offered.items():
        listed = unescape(
            client.get(f"/cases?officer={officer_id}&status=open").get_data(as_text=True)
        )
        found = re.search(r"(\d+) cases?\b", listed)
        held = int(found[1]) if found and "No cases found" not in listed else 0
        plural = "case" if held == 1 else "cases"
        assert words.endswith(f" ({held} open {plural})"), (words, held)
