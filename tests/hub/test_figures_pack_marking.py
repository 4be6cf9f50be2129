"""The partnership meeting pack is marked as the Government Security Classifications
would mark what it holds, the same on its page, on every page of its PDF and on the
figures page it is made from: OFFICIAL
for the partnership's figures, whose small counts are withheld or rounded, so that no
figure is personal data; OFFICIAL-SENSITIVE only for a manager's pack of their own
agency's exact figures, whose small counts are shown as they are. The Community Trigger
figures, which the relevant bodies publish, are OFFICIAL too (demo partnership)."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile

import pytest
from pypdf import PdfReader

from sharing import clock
from sharing.figures.months import months_later
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user

OFFICIAL = "OFFICIAL: partnership figures, no personal data"
SENSITIVE = "OFFICIAL-SENSITIVE: exact figures, small counts not withheld"


def _last_quarter() -> str:
    this_quarter = months_later(clock.today().replace(day=1), -((clock.today().month - 1) % 3))
    return f"from={months_later(this_quarter, -3):%Y-%m}&to={months_later(this_quarter, -1):%Y-%m}"


def _banner(page: str) -> str:
    return " ".join(page.partition('govuk-phase-banner__text">')[2].partition("</")[0].split())


def _footer(page: str) -> str:
    return " ".join(page.partition("govuk-footer")[2].split())


@pytest.mark.parametrize(
    ("agency", "role", "extra", "marking"),
    [
        ("northshire-csp", Role.CONFERENCE_CHAIR, "", OFFICIAL),
        ("northshire-homes", Role.MANAGER, "&agency={agency}&exact=yes", SENSITIVE),
    ],
    ids=["partnership figures", "own agency exactly"],
)
def test_the_pack_page_and_every_page_of_its_pdf_carry_the_same_marking(
    demo_hub, demo_session, agency, role, extra, marking
) -> None:
    reader = demo_client(demo_hub, demo_user(demo_session, agency, role))
    query = _last_quarter() + extra.format(agency=agency)
    response = reader.get(f"/figures/pack?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    page = html.unescape(response.get_data(as_text=True))
    assert _banner(page).startswith(marking), _banner(page)
    assert marking in _footer(page)
    if marking == OFFICIAL:
        assert "OFFICIAL-SENSITIVE" not in page
    # The figures page the pack is made from says the same.
    figures = html.unescape(reader.get(f"/figures/?{query}").get_data(as_text=True))
    assert _banner(figures).startswith(marking), _banner(figures)
    assert marking in _footer(figures)
    pdf = reader.get(f"/figures/pack.pdf?{query}")
    assert pdf.status_code == 200
    pages = [p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages]
    assert len(pages) >= 2
    for text in pages:
        assert marking in re.sub(r"\s+", " ", text), text[-300:]  # the head of each page
        if marking == OFFICIAL:
            assert "OFFICIAL-SENSITIVE" not in text


def test_the_community_trigger_figures_for_publication_are_marked_official(
    demo_hub, demo_session
) -> None:
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    page = html.unescape(coordinator.get("/trigger/figures").get_data(as_text=True))
    marking = "OFFICIAL: Community Trigger figures for publication, no personal data"
    assert _banner(page).startswith(marking), _banner(page)
    assert marking in _footer(page)
    assert "OFFICIAL-SENSITIVE" not in page


def _csv_rows(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_a_managers_file_of_their_own_exact_figures_is_marked_as_the_pack_is(
    demo_hub, demo_session
) -> None:
    """A table downloaded, or every table as one spreadsheet, holds the same small exact
    counts as the pack: its first line carries the pack's marking and how to handle it,
    so that the file alone, sent on, says so too."""
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    query = f"{_last_quarter()}&agency=northshire-homes&exact=yes"
    rows = _csv_rows(manager.get(f"/figures/tables/summary.csv?{query}"))
    assert rows[0][0].startswith(f"{SENSITIVE}. Your agency's counts are exact"), rows[0]
    assert rows[1] == ["Cases: this period, the period before and a year earlier"]
    workbook = manager.get(f"/figures/tables.ods?{query}").get_data()
    with zipfile.ZipFile(io.BytesIO(workbook)) as ods:
        content = ods.read("content.xml").decode()
    sheets = content.count("<table:table ")
    assert sheets > 1
    assert content.count(SENSITIVE) == sheets


def test_rounded_figures_files_start_with_their_title_as_before(demo_hub, demo_session) -> None:
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    rows = _csv_rows(analyst.get(f"/figures/tables/summary.csv?{_last_quarter()}"))
    assert rows[0] == ["Cases: this period, the period before and a year earlier"]
    assert "OFFICIAL" not in " ".join(" ".join(row) for row in rows)
