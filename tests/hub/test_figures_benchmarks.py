"""The national benchmark beside the partnership's own figures reads as its source
published it: a coordinator who sets the "Cases closed as resolved, by the main
intervention" table beside HouseMark's 2012/13 table (quoted in Derby Homes' ASB review,
``shared/domain/004``, §3.8) finds the same share on every row, on the page and in the
table's CSV."""

from __future__ import annotations

import csv
import io

from sharing import clock
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

#: HouseMark's "Proportion of total (%)", 2012/13, row by row as published.
PUBLISHED = {
    "Perpetrator visit or interview": "29.3%",
    "Warning letter": "21%",
    "Other early intervention by housing management staff": "19.8%",
    "Other early intervention, enforcement, or perpetrator supportive action or referral": (
        "10.2%"
    ),
    "Early intervention by referral to an agency other than the police": "4.5%",
    "Referral to police": "4.0%",
    "Notice seeking possession": "2.7%",
    "Referral to or provision of a family intervention project": "2.2%",
    "Mediation": "2.0%",
    "Management transfer of the complainant or the perpetrator": "1.3%",
    "Other legal action": "1.3%",
    "Eviction": "0.9%",
    "Surrender of property by a complainant": "0.7%",
}


def test_the_national_shares_are_housemarks_as_published(demo_hub, demo_session) -> None:
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    year = f"from={clock.today().year - 1}-01&to={clock.today().year - 1}-12"
    page = coordinator.get(f"/figures/?{year}").get_data(as_text=True)
    table = page.partition('id="table-resolved_by"')[2].partition("</section>")[0]
    for label, share in PUBLISHED.items():
        row = table.partition(f">{label}</th>")[2].partition("</tr>")[0]
        assert row, label
        assert row.rstrip().endswith(f">{share}</td>"), (label, row)
    assert "as HouseMark published them" in table
    download = coordinator.get(f"/figures/tables/resolved_by.csv?{year}")
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    table_rows = rows[3 : rows.index([])]  # the table's notes follow an empty row
    assert {row[0]: row[-1] for row in table_rows} == PUBLISHED
