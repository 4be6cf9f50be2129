"""The CSP's meeting pack counts the Community Trigger's appeals beside the Act's four
totals (demo partnership, with applications appealed in a year long before the demo's):
received, decided (and by the appeal body's decision) and withdrawn, in the pack's page,
its PDF and its table's CSV, the same as the Community Trigger figures page counts them;
under the same rules as the four totals (12 months, and only to their readers)."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import UTC, date, datetime

from pypdf import PdfReader
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Agency, TriggerApplication
from sharing.trigger import figures
from sharing.vocabulary import AppealDecision, Role, ThresholdDecision, TriggerChannel, VictimKind
from tests.fixtures.demo import demo_client, demo_user

LEAD = "northshire-csp"
YEAR = "from=2009-01&to=2009-12"
APPEAL_LABELS = [label for _, label in figures.APPEALS]


def _appealed(
    session: Session,
    n: int,
    received_on: date,
    *,
    appeal_on: date | None = None,
    decided: tuple[AppealDecision, date] | None = None,
    withdrawn_on: date | None = None,
    not_met: bool = False,
) -> None:
    """A reviewed application (dates and choices only), or with ``not_met`` one the
    threshold was not met for, and its appeal."""
    lead = session.scalar(select(Agency).where(Agency.code == LEAD))
    session.add(
        TriggerApplication(
            reference=f"ASBR-{received_on.year}-8{n:03d}",
            lead_agency_id=lead.id,
            procedure_key="northshire-asb-case-review",
            procedure_version=1,
            received_on=received_on,
            channel=TriggerChannel.PHONE,
            recorded_at=datetime(received_on.year, received_on.month, received_on.day, tzinfo=UTC),
            victim_kind=VictimKind.PERSON,
            decision=ThresholdDecision.NOT_MET if not_met else ThresholdDecision.MET,
            rules_met=None if not_met else "three-complaints",
            outcome_on=None if not_met else received_on.replace(day=28),
            appeal_received_on=appeal_on,
            appeal_decision=decided[0] if decided else None,
            appeal_decided_on=decided[1] if decided else None,
            appeal_withdrawn_on=withdrawn_on,
        )
    )


def _year_of_appeals(session: Session) -> None:
    """In 2009: two appeals upheld, one partly upheld, one not upheld (received the year
    before), one withdrawn, one still in hand (of a decision not to review: an appeal
    received all the same); and one received in 2009 decided in 2010."""
    up = AppealDecision.UPHELD
    _appealed(
        session, 1, date(2009, 2, 2), appeal_on=date(2009, 3, 2), decided=(up, date(2009, 4, 1))
    )
    _appealed(
        session, 2, date(2009, 2, 3), appeal_on=date(2009, 3, 3), decided=(up, date(2009, 5, 1))
    )
    _appealed(
        session,
        3,
        date(2009, 2, 4),
        appeal_on=date(2009, 3, 4),
        decided=(AppealDecision.PARTLY_UPHELD, date(2009, 6, 1)),
    )
    _appealed(
        session,
        4,
        date(2008, 10, 1),
        appeal_on=date(2008, 11, 1),
        decided=(AppealDecision.NOT_UPHELD, date(2009, 1, 15)),
    )
    _appealed(
        session, 5, date(2009, 2, 5), appeal_on=date(2009, 3, 5), withdrawn_on=date(2009, 4, 5)
    )
    _appealed(session, 6, date(2009, 2, 6), appeal_on=date(2009, 12, 1), not_met=True)
    _appealed(
        session,
        7,
        date(2009, 2, 7),
        appeal_on=date(2009, 11, 1),
        decided=(up, date(2010, 1, 10)),
    )
    session.commit()


def _pack_rows(page: str) -> dict[str, str]:
    """The Community Trigger table of a pack or page: each row's label and figure."""
    section = page.partition('id="table-trigger"')[2].partition("</section>")[0]
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]*)</th>\s*<td[^>]*>([^<]*)</td>', section
    )
    return {html.unescape(label): text for label, text in rows}


def _trigger_figures_rows(page: str) -> dict[str, str]:
    rows = re.findall(
        r'<th scope="row" class="govuk-table__header">([^<]*)</th>\s*'
        r'<td class="govuk-table__cell govuk-table__cell--numeric">([^<]*)</td>',
        page,
    )
    return {html.unescape(label): text for label, text in rows}


def test_the_pack_counts_the_appeals_as_the_community_trigger_figures_do(
    demo_hub, demo_session
) -> None:
    """The pack's page, its PDF and the table's CSV give, beside the Act's four, the
    appeals received and decided (each of a "not met" decision or of a review), decided
    (upheld, partly upheld, not upheld) and withdrawn in the year, each the same number as /trigger/figures gives for the same 12 months."""
    _year_of_appeals(demo_session)
    coordinator = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.CONFERENCE_CHAIR))

    published = _trigger_figures_rows(
        coordinator.get("/trigger/figures?from=2009-01").get_data(as_text=True)
    )
    response = coordinator.get(f"/figures/pack?{YEAR}")
    assert response.status_code == 200
    pack = _pack_rows(response.get_data(as_text=True))

    expected = {
        "Appeals received, of a decision not to review or of how a review was carried out": "6",
        "Of the appeals received: against a decision that the threshold was not met": "1",
        "Of the appeals received: against how a review was carried out": "5",
        "Appeals decided by the appeal body": "4",
        'Of the appeals decided: against a "not met" decision': "0",
        "Of the appeals decided: against how a review was carried out": "4",
        "Of the appeals decided: upheld": "2",
        "Of the appeals decided: partly upheld": "1",
        "Of the appeals decided: not upheld": "1",
        "Appeals the applicant withdrew before they were decided": "1",
    }
    assert {label: published[label] for label in APPEAL_LABELS} == expected
    assert {label: pack[label] for label in APPEAL_LABELS} == expected
    for _, label in figures.TOTALS:  # the Act's four, as before
        assert pack[label] == published[label]

    table = coordinator.get(f"/figures/tables/trigger.csv?{YEAR}")
    assert table.status_code == 200
    rows = list(csv.reader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert {row[0]: row[1] for row in rows[3:] if row and row[0] in expected} == expected
    by_figure = {
        r[4]: r[5]
        for r in csv.reader(
            io.StringIO(
                coordinator.get("/trigger/figures.csv?from=2009-01").get_data().decode("utf-8-sig")
            )
        )
        if r[2] == "totals"
    }
    assert {label: by_figure[label] for label in APPEAL_LABELS} == expected

    pdf = coordinator.get(f"/figures/pack.pdf?{YEAR}")
    assert pdf.status_code == 200
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages).split()
    )
    for label, number in expected.items():
        assert f"{label} {number}" in text


def test_the_appeals_follow_the_rules_of_the_four_totals(demo_hub, demo_session) -> None:
    """A quarter shows neither the four totals nor the appeals (they are exact, published
    for 12 months); a reader the Community Trigger figures refuse sees neither for a year."""
    coordinator = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.CONFERENCE_CHAIR))
    quarter = coordinator.get("/figures/pack?from=2009-04&to=2009-06").get_data(as_text=True)
    assert 'id="table-trigger"' not in quarter
    assert "Appeals decided" not in quarter
    assert "the four the Act requires, and the appeals" in quarter
    adults = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.MANAGER))
    page = adults.get(f"/figures/pack?{YEAR}").get_data(as_text=True)
    assert 'id="table-trigger"' not in page
    assert "Appeals decided" not in page
    assert adults.get(f"/figures/tables/trigger.csv?{YEAR}").status_code == 404


def _ods_lines(ods: bytes) -> list[str]:
    """The texts of an OpenDocument spreadsheet's cells, one a line, in order."""
    content = zipfile.ZipFile(io.BytesIO(ods)).read("content.xml").decode()
    return [html.unescape(t) for t in re.findall(r"<text:p>([^<]*)</text:p>", content)]


def test_the_trigger_tables_files_say_why_its_small_numbers_are_not_withheld(
    demo_hub, demo_session
) -> None:
    """A reader of the CSV or the spreadsheet alone learns, as the page says, that the
    Trigger's figures are exact because the Act requires its totals published so, where
    the other tables' small numbers are shown as "fewer than 5"; the other tables' files
    carry their notes too."""
    coordinator = demo_client(demo_hub, demo_user(demo_session, LEAD, Role.CONFERENCE_CHAIR))
    said = figures.EXACT_COUNTED
    assert "neither rounded nor withheld" in said
    assert "the Act requires" in said
    page = html.unescape(coordinator.get(f"/figures/pack?{YEAR}").get_data(as_text=True))
    assert said in page

    table = coordinator.get(f"/figures/tables/trigger.csv?{YEAR}")
    rows = list(csv.reader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert [bool(row) and said in row[0] for row in rows].index(True) == len(rows) - 1
    assert rows[-2] == []  # below the table, apart from its rows
    one = coordinator.get(f"/figures/tables/trigger.ods?{YEAR}").get_data()
    assert any(said in line for line in _ods_lines(one))
    every = _ods_lines(coordinator.get(f"/figures/tables.ods?{YEAR}").get_data())
    assert any(said in line for line in every)
    assert any(line.startswith("Each case is counted in days between two days") for line in every)

    wards = coordinator.get(f"/figures/tables/wards.csv?{YEAR}").get_data().decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(wards)))[-1] == [
        "Households per ward are from the ward boundaries file."
    ]
