"""The figures' row headings say what they count in words a CSP member reads the same way
as the hub counts: a repeat victim is one also the victim in another of the same agency's
cases opened in the period or the 12 months before it, not "in the last 12 months" (which
a member reads as the 12 months to the meeting, and across the partnership)."""

from __future__ import annotations

import csv
import html
import io

from sharing import clock
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

REPEAT = (
    "Repeat victims: also the victim in another of the same agency's cases opened in the "
    "period or the 12 months before it"
)


def test_the_repeat_victims_row_says_what_it_counts(demo_hub, demo_session) -> None:
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    year = f"from={clock.today().year - 1}-01&to={clock.today().year - 1}-12"
    page = html.unescape(coordinator.get(f"/figures/?{year}").get_data(as_text=True))
    table = page.partition('id="table-victims"')[2].partition("</section>")[0]
    assert f">{REPEAT}</th>" in table
    assert "in the last 12 months" not in table
    download = coordinator.get(f"/figures/tables/victims.csv?{year}")
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert REPEAT in [row[0] for row in rows if row]
