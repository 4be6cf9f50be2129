"""A manager's link to their own agency's exact figures keeps the area and period they
were reading."""

from __future__ import annotations

import csv
import html
import io
import statistics
from datetime import date

from sqlalchemy import select

from sharing import clock
from sharing.figures.months import months_later
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


def _rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_a_managers_median_days_to_closure_agree_with_their_exports_dates(
    demo_hub, demo_session
) -> None:
    """The days from opening to closure are counted between the days a case was opened and
    closed, as the case page and the agency's export give them (and as days to first
    contact are), so a manager who works the median out from their export gets the figure:
    a case opened at 4pm and closed at 10am three days later took three days, not two."""
    manager = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    cases = list(csv.DictReader(io.StringIO(_export(manager))))
    checked = 0
    for first, last in _quarters_ended():
        query = f"from={first:%Y-%m}&to={last:%Y-%m}&agency=larkmoor-ha&exact=yes"
        times = _rows(manager.get(f"/figures/tables/times.csv?{query}"))
        shown = next(
            row[1] for row in times if row and row[0].startswith("From opening to closure")
        )
        days = [
            (date.fromisoformat(c["Closed on"]) - date.fromisoformat(c["Opened on"])).days
            for c in cases
            if c["Closed on"] and f"{first:%Y-%m}" <= c["Closed on"][:7] <= f"{last:%Y-%m}"
        ]
        if days:
            assert shown == f"{statistics.median(days):g} days", (query, sorted(days))
            checked += 1
    assert checked >= 2


def _export(client) -> str:
    return client.get("/cases/export.csv").get_data().decode("utf-8-sig")


def _quarters_ended() -> list[tuple[date, date]]:
    """The four calendar quarters ended last, each as its first and last month."""
    start = months_later(clock.today().replace(day=1), -((clock.today().month - 1) % 3))
    return [(months_later(start, -3 * n), months_later(start, -3 * n + 2)) for n in range(1, 5)]
