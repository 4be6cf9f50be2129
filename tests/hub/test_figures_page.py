"""The partnership's figures as a CSP coordinator, an analyst and a manager meet them
(demo partnership): the page for a period and an area, each table as CSV and ODS, every
table as one ODS, the meeting pack printable and as PDF; bad periods and areas refused
at their field (400); exact figures forged for another agency refused (403); anyone
else refused (403); every request one audit entry naming the period and area only."""

from __future__ import annotations

import csv
import html
import io
import re
import zipfile
from datetime import date

from pypdf import PdfReader
from sqlalchemy import select

from hub.templating import uk_datetime
from sharing import clock
from sharing.access.decide import Actor
from sharing.figures import meeting_packs
from sharing.figures.months import Months, months_later
from sharing.meetings import series, sittings
from sharing.models import AuditEntry, Ward
from sharing.vocabulary import Role, SittingCancelReason
from tests.fixtures.demo import demo_client, demo_user


def _latest_year_ended() -> dict[str, str]:
    """The year (financial or calendar, the two a reader may choose) that ended last: its
    end at most three months ago, it holds most of the demo's year of casework on any
    day (the last financial year ended lies before most of it in January to March)."""
    today = clock.today()
    if today.month < 4:
        return {"from": f"{today.year - 1}-01", "to": f"{today.year - 1}-12"}
    return {"from": f"{today.year - 1}-04", "to": f"{today.year}-03"}


def _query(**args: str) -> str:
    return "&".join(f"{k}={v}" for k, v in args.items())


def test_a_coordinator_reads_the_year_and_its_downloads_agree(demo_hub, demo_session) -> None:
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    assert 'href="/figures/"' in coordinator.get("/").get_data(as_text=True)
    period = _latest_year_ended()
    response = coordinator.get(f"/figures/?{_query(**period)}")
    assert response.status_code == 200, response.get_data(as_text=True)[:3000]
    page = response.get_data(as_text=True)
    for title in (
        "Cases: this period and a year earlier",
        "Cases each month: the last 13 months",
        "Cases opened, by ward",
        "Community Trigger (ASB Case Review)",
        "How small numbers are protected",
    ):
        assert title in page
    assert "<svg" in page
    assert "hub-ward-map" in page
    table = coordinator.get(f"/figures/tables/wards.csv?{_query(**period)}")
    assert table.status_code == 200
    assert table.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(table.get_data().decode("utf-8-sig"))))
    assert rows[0] == ["Cases opened, by ward"]
    for row in rows[3 : rows.index([])]:  # the table's notes follow an empty row
        assert row[0] in page
        for text in row[1:]:
            assert f">{text}<" in page
    ods = coordinator.get(f"/figures/tables.ods?{_query(**period)}")
    assert ods.status_code == 200
    assert zipfile.ZipFile(io.BytesIO(ods.get_data())).read("mimetype") == (
        b"application/vnd.oasis.opendocument.spreadsheet"
    )
    pdf = coordinator.get(f"/figures/pack.pdf?{_query(**period)}")
    assert pdf.status_code == 200
    assert pdf.mimetype == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert "Cases opened, by ward" in text


def _section(page: str, key: str) -> str:
    return page.partition(f'<section class="hub-figures-table" id="table-{key}"')[2].partition(
        "</section>"
    )[0]


def test_a_table_whose_every_count_is_withheld_draws_no_empty_chart(demo_hub, demo_session) -> None:
    """One ward for one month has fewer than 5 cases involving hate incidents of every kind:
    the table says so, and no chart beside it draws an empty frame ("No figures to draw"
    over axes numbered 0 to 1); a table with figures keeps its chart."""
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    ward = demo_session.scalar(select(Ward).order_by(Ward.name))
    month = f"{months_later(clock.today().replace(day=1), -1):%Y-%m}"
    page = coordinator.get(f"/figures/?{_query(**{'from': month, 'to': month})}&ward={ward.id}")
    assert page.status_code == 200
    hate = _section(page.get_data(as_text=True), "hate")
    cells = hate.split("govuk-table__cell--numeric")[1:]
    assert cells
    assert all(">fewer than 5<" in cell for cell in cells)
    assert "<figure" not in hate
    assert "<svg" not in hate
    year = coordinator.get(f"/figures/?{_query(**_latest_year_ended())}").get_data(as_text=True)
    assert "<figure" in _section(year, "categories")


def test_a_manager_sees_their_agency_exactly_and_a_ward_on_the_map(demo_hub, demo_session) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    page = manager.get("/figures/").get_data(as_text=True)
    assert "Northshire Homes (exact)" in page
    assert "Other agencies" in page
    ward = demo_session.scalar(select(Ward).order_by(Ward.name))
    page = manager.get(f"/figures/?ward={ward.id}").get_data(as_text=True)
    assert f"{ward.name} ward" in page
    assert 'stroke-width="3"' in page  # the chosen ward outlined on the map
    own = manager.get("/figures/?agency=northshire-homes&exact=yes")
    assert own.status_code == 200
    assert "Other agencies" not in own.get_data(as_text=True)


def test_bad_periods_and_areas_are_refused_at_their_field(demo_hub, demo_session) -> None:
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    for query, anchor, message in (
        ("from=2026-06&to=2026-03", "to", "The last month must be the same as or after the first"),
        ("from=2019-01&to=2026-03", "to", "Choose one month, a quarter (January to March"),
        ("from=2026-05&to=2026-07", "to", "a financial year (April to March) or a calendar year"),
        ("from=soon", "from", "Enter the first month as a year and month"),
        ("from=0000-04&to=2026-06", "from", "The first month must be January 2000 or later"),
        ("to=0000-12", "to", "The last month must be January 2000 or later"),
        ("ward=123456", "ward", "Select one of the partnership&#39;s wards"),
        ("ward=%C2%B2", "ward", "Select one of the partnership&#39;s wards"),  # a superscript 2
        (f"ward={'9' * 20}", "ward", "Select one of the partnership&#39;s wards"),
        ("agency=nobody", "agency", "Select one of the partnership&#39;s agencies"),
    ):
        for path in (
            "/figures/",
            "/figures/tables/wards.csv",
            "/figures/tables.ods",
            "/figures/pack.pdf",
        ):
            response = analyst.get(f"{path}?{query}")
            assert response.status_code == 400, (path, query)
            page = response.get_data(as_text=True)
            assert message in page
            assert f'href="#{anchor}"' in page
    assert analyst.get("/figures/tables/no-such-table.csv").status_code == 404


def test_forged_exact_figures_and_other_roles_are_refused(demo_hub, demo_session) -> None:
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    forged = manager.get("/figures/?agency=northshire-police&exact=yes")
    assert forged.status_code == 403
    assert "only for an agency&#39;s own managers" in forged.get_data(as_text=True)
    assert (
        manager.get("/figures/tables/summary.csv?agency=northshire-police&exact=1").status_code
        == 403
    )
    officer = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.CASE_OFFICER))
    for path in (
        "/figures/",
        "/figures/tables/summary.csv",
        "/figures/tables.ods",
        "/figures/pack",
        "/figures/pack.pdf",
    ):
        assert officer.get(path).status_code == 403
    assert 'href="/figures/"' not in officer.get("/").get_data(as_text=True)
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "figures.view")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.outcome == "refused"


def test_a_meeting_pack_for_a_chosen_sitting_covers_the_months_before_it(
    demo_hub, demo_session
) -> None:
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    sittings = meeting_packs.meetings(
        demo_session,
        demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR).agency_id,
        clock.today(),
    )
    assert sittings  # the demo's partnership meetings sit through the year
    # The latest sitting whose months have ended (a pack covers only ended months).
    sitting = [s for s in sittings if meeting_packs.meeting_period(s).end <= clock.today()][-1]
    page = coordinator.get("/figures/").get_data(as_text=True)
    assert f'<option value="{sitting.id}">{sitting.series.name}' in page
    pack = coordinator.get(f"/figures/pack?meeting={sitting.id}").get_data(as_text=True)
    first, last = meeting_packs.meeting_months(sitting)
    assert f"Figures for {sitting.series.name}" in pack
    assert (
        Months(
            date.fromisoformat(f"{first}-01"), months_later(date.fromisoformat(f"{last}-01"), 1)
        ).title
        in pack
    )
    pdf = coordinator.get(f"/figures/pack.pdf?meeting={sitting.id}")
    assert pdf.status_code == 200
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.get_data())).pages)
    assert sitting.series.name in " ".join(text.split())
    for odd in ("999999", "%C2%B2", "9" * 20):  # no sitting, a superscript 2, too large
        refused = coordinator.get(f"/figures/pack?meeting={odd}")
        assert refused.status_code == 400
        assert "Select one of the partnership&#39;s meetings" in refused.get_data(as_text=True)


def test_unknown_query_parameters_change_nothing(demo_hub, demo_session) -> None:
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    response = analyst.get("/figures/?kind=pdf&key=summary&title=x")
    assert response.status_code == 200
    assert "kind=pdf" not in response.get_data(as_text=True)
    table = analyst.get("/figures/tables/summary.ods?kind=csv")
    assert table.status_code == 200
    assert table.mimetype == "application/vnd.oasis.opendocument.spreadsheet"
    assert b"Cases opened" in zipfile.ZipFile(io.BytesIO(table.get_data())).read("content.xml")


def test_the_community_trigger_table_follows_the_rules_of_the_published_figures(
    demo_hub, demo_session
) -> None:
    """The four Community Trigger totals are exact, so /figures/ shows them as
    /trigger/figures does: for 12 months, and only to those who may read those figures.
    A month, or a reader /trigger/figures refuses, gets a sentence saying where they are
    published instead."""
    title = "Community Trigger (ASB Case Review)"
    year = f"from={clock.today().year - 1}-01&to={clock.today().year - 1}-12"
    last = months_later(clock.today().replace(day=1), -1)
    month = f"from={last:%Y-%m}&to={last:%Y-%m}"
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    page = analyst.get(f"/figures/?{year}").get_data(as_text=True)
    assert f'id="title-trigger">{title}' in page
    assert analyst.get(f"/figures/tables/trigger.csv?{year}").status_code == 200
    page = analyst.get(f"/figures/?{month}").get_data(as_text=True)
    assert 'id="title-trigger"' not in page
    assert "published for 12 months at a time" in page
    first = months_later(last, -11)
    assert f'href="/trigger/figures?from={first:%Y-%m}"' in page
    assert analyst.get(f"/figures/tables/trigger.csv?{month}").status_code == 404
    assert "published for 12 months at a time" in analyst.get(f"/figures/pack?{month}").get_data(
        as_text=True
    )
    adults = demo_client(demo_hub, demo_user(demo_session, "northshire-adults", Role.MANAGER))
    assert adults.get("/trigger/figures").status_code == 403
    for period in (year, month):
        page = adults.get(f"/figures/?{period}").get_data(as_text=True)
        assert 'id="title-trigger"' not in page
        assert "published for 12 months at a time by Northshire" in page
        assert 'href="/trigger/figures' not in page
        assert adults.get(f"/figures/tables/trigger.csv?{period}").status_code == 404
        ods = adults.get(f"/figures/tables.ods?{period}").get_data()
        assert b"Community Trigger" not in zipfile.ZipFile(io.BytesIO(ods)).read("content.xml")


def test_an_analysts_home_page_leads_to_the_figures(demo_hub, demo_session) -> None:
    """An analyst works with figures, not cases: their home page links the figures they
    may read and no longer says "No cases are shared with you" of a list they may not open;
    a partner viewer's home page still counts the cases shared with them, with no figures."""
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    home = analyst.get("/").get_data(as_text=True)
    figures = home.partition('id="figures"')[2].partition("</ul>")[0]
    assert 'href="/figures/"' in figures
    assert 'href="/figures/regulator"' in figures
    assert 'href="/trigger/figures"' in figures
    assert "Shared with you" not in home
    for link in ("/figures/", "/figures/regulator", "/trigger/figures"):
        assert analyst.get(link).status_code == 200
    viewer = demo_client(
        demo_hub, demo_user(demo_session, "northshire-adults", Role.PARTNER_VIEWER)
    )
    home = viewer.get("/").get_data(as_text=True)
    assert "Shared with you" in home
    assert 'id="figures"' not in home


def test_each_charts_legend_names_its_series_in_full(demo_hub, demo_session) -> None:
    """pygal cut a series' name to fit its column of the legend ("All agencies: ca…",
    "Northshire Homes…"): each is named in full, one a row when too long to sit beside
    another."""
    coordinator = demo_client(
        demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    )
    for path in ("/figures/", "/figures/?agency=northshire-homes"):
        page = coordinator.get(path).get_data(as_text=True)
        legends = [chart.partition("</svg>")[0] for chart in page.split('class="legends"')[1:]]
        assert legends, path
        names = [n for legend in legends for n in re.findall(r"<text[^>]*>([^<]*)</text>", legend)]
        assert any(
            n.startswith("All agencies: ") or n.startswith("Northshire Homes") for n in names
        )
        assert not [n for n in names if n.endswith("…")], path


def test_a_cancelled_sitting_is_not_offered_for_a_meeting_pack_nor_made_one(
    demo_hub, demo_session
) -> None:
    """A sitting cancelled will not sit: the coordinator is not offered it for a meeting
    pack, and a pack asked for it is refused at the meeting's field, saying why."""
    chair = demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    coordinator = demo_client(demo_hub, chair)
    sitting = next(  # (refused as cancelled whether or not its months have ended)
        s
        for s in meeting_packs.meetings(demo_session, chair.agency_id, clock.today())
        if s.starts_at > clock.now()
    )
    offered = (
        f'<option value="{sitting.id}">{sitting.series.name}, {uk_datetime(sitting.starts_at)}'
    )
    assert offered in coordinator.get("/figures/").get_data(as_text=True)
    sittings.cancel(
        demo_session,
        Actor.of(sitting.series.chair),
        sitting.series_id,
        sitting.id,
        SittingCancelReason.CHAIR_UNAVAILABLE.value,
    )
    demo_session.commit()

    page = coordinator.get("/figures/").get_data(as_text=True)
    refused = coordinator.get(f"/figures/pack?meeting={sitting.id}")

    assert offered not in page
    assert refused.status_code == 400
    said = html.unescape(refused.get_data(as_text=True))
    assert "That sitting is cancelled: select a sitting the meeting holds" in said
    assert f"Figures for {sitting.series.name}" not in said


def test_figures_that_change_as_work_is_done_say_the_day_they_were_counted(
    demo_hub, demo_session
) -> None:
    """A case not yet contacted, or an action still open past its date, may be done later,
    and then counts as done late: those two tables of an ended period read differently
    from one month's pack to the next, so each says on which day it was counted, in the
    file as on the page (the file alone has no other date)."""
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    period = _latest_year_ended()
    today = clock.today()
    counted = f"Counted on {today.day} {today:%B %Y}"
    page = html.unescape(analyst.get(f"/figures/?{_query(**period)}").get_data(as_text=True))
    for table in ("first_contact", "meetings"):
        response = analyst.get(f"/figures/tables/{table}.csv?{_query(**period)}")
        rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
        note = next(row[0] for row in rows if row and row[0].startswith("Counted on"))
        assert note.startswith(counted), note
        assert note in page
    summary = analyst.get(f"/figures/tables/summary.csv?{_query(**period)}")
    assert "Counted on" not in summary.get_data(as_text=True)


ROUNDED = (
    'Counts are rounded to a multiple of 5, and a count from 0 to 4 is shown as "fewer '
    'than 5", so rows may not add up to the total shown; rates and percentages are '
    "worked out from the rounded counts."
)


def test_a_file_of_rounded_figures_says_they_are_rounded_as_the_page_does(
    demo_hub, demo_session
) -> None:
    """A reader summing a downloaded table's categories finds they do not make its total:
    the file says why, as the page does above the tables; a manager's file says their own
    agency's counts are not rounded, and a file of their agency alone says nothing of it."""
    analyst = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.ANALYST))
    period = _query(**_latest_year_ended())
    for table in ("categories", "agencies", "summary"):
        rows = _rows(analyst.get(f"/figures/tables/{table}.csv?{period}"))
        assert rows[rows.index([]) + 1] == [ROUNDED], table  # the first note below it
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    rows = _rows(manager.get(f"/figures/tables/categories.csv?{period}"))
    assert ["Your agency's counts are exact; the other counts " + ROUNDED[7:]] in rows
    exact = _rows(
        manager.get(f"/figures/tables/categories.csv?{period}&agency=northshire-homes&exact=yes")
    )
    assert "rounded" not in " ".join(" ".join(row) for row in exact)


def _rows(response) -> list[list[str]]:
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


def test_each_sitting_offered_for_a_pack_says_the_months_it_covers_and_when_it_is_ready(
    demo_hub, demo_session
) -> None:
    """The coordinator choosing a sitting sees which months its pack covers, and for a
    sitting next month, from which day the pack can be made, before a refusal says so."""
    chair = demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR)
    coordinator = demo_client(demo_hub, chair)
    group = next(
        s.series for s in meeting_packs.meetings(demo_session, chair.agency_id, clock.today())
    )
    first = clock.today().replace(day=1)
    next_month = months_later(first, 1)
    later = series.schedule(
        demo_session,
        Actor.of(group.chair),
        group.id,
        clock.uk_moment(next_month.replace(day=24), 10, 0),
    )
    demo_session.commit()
    page = html.unescape(coordinator.get("/figures/").get_data(as_text=True))
    page = page.partition('name="meeting"')[2].partition("</select>")[0]
    option = page.partition(f'<option value="{later.id}">')[2].partition("</option>")[0]
    assert option.endswith(f": covering {first:%B %Y}, ready from 1 {next_month:%B %Y}"), option
    offered = meeting_packs.meetings(demo_session, chair.agency_id, clock.today())
    held = next(s for s in offered if s.starts_at < clock.now())
    option = page.partition(f'<option value="{held.id}">')[2].partition("</option>")[0]
    covered = months_later(clock.day_of(held.starts_at).replace(day=1), -1)
    assert option.endswith(f": covering {covered:%B %Y}"), option
