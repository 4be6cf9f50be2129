"""The Community Trigger figures' page and CSV (demo partnership): the lead, relevant
bodies' managers and analysts read them, in the menu; anyone else is refused (403, the
refusal recorded); a month that is not one is refused at its field (400), never a 500."""

from __future__ import annotations

import csv
import html
import io
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import AuditEntry
from sharing.trigger import figure_csv, figure_period, figures
from sharing.vocabulary import AppealDecision, Role, ThresholdDecision
from tests.fixtures.demo import demo_client, demo_user
from tests.sharing.trigger.test_figures import _application


def _client(app, session: Session, code: str, role: Role):
    return demo_client(app, demo_user(session, code, role))


def _last_entry(session: Session) -> AuditEntry:
    session.expire_all()
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.figures")
        .order_by(AuditEntry.seq.desc())
    ).first()


def test_the_lead_reads_the_figures_for_the_last_12_complete_months(demo_hub, demo_session) -> None:
    lead = _client(demo_hub, demo_session, "northshire-csp", Role.TRIGGER_LEAD)
    assert "Community Trigger figures" in lead.get("/").get_data(as_text=True)  # the menu
    response = lead.get("/trigger/figures")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    period = figure_period.period_from(None, clock.today())
    assert f"The figures the Act requires, {period.title}" in page
    for _, label in figures.TOTALS:
        assert label in page
    assert 'value="' + period.month + '"' in page
    assert "Per relevant body" in page
    assert "Northshire Police" in page
    assert "Per threshold rule" in page
    assert "How these figures are counted" in page
    assert "Small numbers" in page
    assert "fewer than 5" in page
    assert f"/trigger/figures.csv?from={period.month}" in page
    entry = _last_entry(demo_session)
    assert (entry.outcome, entry.object_id) == ("allowed", period.month)
    assert entry.basis == f"period {period.start} to {period.last_day}; page"


def test_this_months_figures_say_they_are_to_date(demo_hub, demo_session) -> None:
    lead = _client(demo_hub, demo_session, "northshire-csp", Role.MANAGER)
    month = f"{clock.today():%Y-%m}"
    page = lead.get(f"/trigger/figures?from={month}").get_data(as_text=True)
    assert "These 12 months have not ended" in page


def test_figures_for_12_months_not_ended_say_they_run_to_today_not_to_the_periods_end(
    demo_hub, demo_session
) -> None:
    """The 12 months from this month: the page's opening line and the CSV (its
    ``to`` and its file's name) give the day the figures were counted to, so that a file
    kept or published does not claim a year that has not ended."""
    lead = _client(demo_hub, demo_session, "northshire-csp", Role.TRIGGER_LEAD)
    today = clock.today()
    start = f"{today:%Y-%m}"
    period = figure_period.period_from(start, today)
    assert period.last_day > today
    page = lead.get(f"/trigger/figures?from={start}").get_data(as_text=True)
    assert f"1 {today:%B %Y} to {today.day} {today:%B %Y}." in page
    assert f"to {period.last_day.day} {period.last_day:%B %Y}." not in page
    response = lead.get(f"/trigger/figures.csv?from={start}")
    assert response.headers["Content-Disposition"] == (
        f'attachment; filename="community-trigger-figures-{start}-to-{today}.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert {(row[0], row[1]) for row in rows[1:]} == {(f"{period.start}", f"{today}")}
    ended = list(
        csv.reader(io.StringIO(lead.get("/trigger/figures.csv").get_data().decode("utf-8-sig")))
    )
    last_12 = figure_period.period_from(None, today)
    assert {(row[0], row[1]) for row in ended[1:]} == {(f"{last_12.start}", f"{last_12.last_day}")}


def test_the_csv_has_a_header_and_one_figure_a_line_with_small_counts_as_words(
    demo_hub, demo_session
) -> None:
    analyst = _client(demo_hub, demo_session, "northshire-police", Role.ANALYST)
    response = analyst.get("/trigger/figures.csv?from=2025-04")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="community-trigger-figures-2025-04-to-2026-03.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))
    assert rows[0] == list(figure_csv.CSV_HEADER)
    assert rows[1][:5] == [
        "2025-04-01",
        "2026-03-31",
        "totals",
        "",
        "Applications for an ASB Case Review received",
    ]
    assert rows[1][5].isdigit()
    tables = {row[2] for row in rows[1:]}
    assert tables == {"totals", "Per relevant body", "Per threshold rule"}
    for row in rows[1:]:
        if row[2] != "totals":
            assert row[5] in ("fewer than 5", "withheld") or int(row[5]) >= 5, row
    assert _last_entry(demo_session).basis == "period 2025-04-01 to 2026-03-31; csv"


@pytest.mark.parametrize(
    ("code", "role"),
    [
        ("northshire-csp", Role.CONFERENCE_CHAIR),
        ("northshire-csp", Role.ANALYST),
        ("northshire-police", Role.MANAGER),
        ("larkmoor-ha", Role.MANAGER),
    ],
)
def test_relevant_bodies_managers_coordinators_and_analysts_read_them(
    demo_hub, demo_session, code, role
) -> None:
    client = _client(demo_hub, demo_session, code, role)
    assert client.get("/trigger/figures").status_code == 200
    assert client.get("/trigger/figures.csv").status_code == 200
    assert "Community Trigger figures" in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("code", "role", "audited"),
    [
        ("northshire-adults", Role.MANAGER, True),  # a manager, not of a relevant body
        ("northshire-eh", Role.MANAGER, True),
        ("northshire-csp", Role.CASE_OFFICER, False),  # refused by the blueprint's guard
        ("northshire-csp", Role.DPO, False),
        ("northshire-adults", Role.PARTNER_VIEWER, False),
    ],
)
def test_anyone_else_is_refused(demo_hub, demo_session, code, role, audited) -> None:
    user = demo_user(demo_session, code, role)
    client = demo_client(demo_hub, user)
    for path in ("/trigger/figures", "/trigger/figures.csv?from=2025-04"):
        response = client.get(path)
        assert response.status_code == 403, path
        assert "2025-04-01" not in response.get_data(as_text=True)
        if audited:
            entry = _last_entry(demo_session)
            assert (entry.outcome, entry.actor_user_id) == ("refused", user.id)
    assert "Community Trigger figures" not in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("banana", "Enter the first month as a year and month, for example 2025-04"),
        ("2026-13", "Enter the first month as a year and month"),
        ("9999-01", "The first month cannot be in the future"),
        ("1999-12", "The first month must be January 2000 or later"),
        ("0000-01", "The first month must be January 2000 or later"),
        ("0000-04", "The first month must be January 2000 or later"),
        ("%3Cscript%3E", "Enter the first month as a year and month"),
    ],
)
def test_a_month_that_is_not_one_is_refused_at_its_field(
    demo_hub, demo_session, asked, message
) -> None:
    lead = _client(demo_hub, demo_session, "northshire-csp", Role.TRIGGER_LEAD)
    for path in ("/trigger/figures", "/trigger/figures.csv"):
        response = lead.get(f"{path}?from={asked}")
        assert response.status_code == 400, path
        page = response.get_data(as_text=True)
        assert "There is a problem" in page
        assert 'href="#from"' in page
        assert message in page
        assert "<script>" not in page
        refused = _last_entry(demo_session)
        assert (refused.outcome, refused.basis) == ("refused", "refused input: from")


def test_the_page_gives_the_applications_decided_again_beside_the_four(
    demo_hub, demo_session
) -> None:
    """April 2006 to March 2007: one application decided "not met", its appeal upheld and
    the threshold decided again, not met again. The page counts it once as not met, says
    beside that it was decided again, counts its appeal as one of a "not met" decision,
    and says how it counted; the CSV gives the same lines."""
    again = _application(demo_session, date(2006, 5, 1), ThresholdDecision.NOT_MET)
    again.first_decided_at = datetime(2006, 5, 20, tzinfo=UTC)
    again.appeal_received_on = date(2006, 6, 1)
    again.appeal_decision = AppealDecision.UPHELD
    again.appeal_decided_on = date(2006, 7, 1)
    demo_session.commit()
    lead = _client(demo_hub, demo_session, "northshire-csp", Role.TRIGGER_LEAD)

    page = html.unescape(lead.get("/trigger/figures?from=2006-04").get_data(as_text=True))

    rows = dict(
        re.findall(r'scope="row" class="govuk-table__header">([^<]*)</th>\s*<td[^>]*>(\d+)<', page)
    )
    assert rows["Times the threshold for a review was not met"] == "1"
    assert rows["Of those decided again: threshold not met again"] == "1"
    assert rows["Of the appeals received: against a decision that the threshold was not met"] == "1"
    assert rows["Of the appeals received: against how a review was carried out"] == "0"
    assert "Each application is counted once, by the decision that stands" in page
    text = lead.get("/trigger/figures.csv?from=2006-04").get_data().decode("utf-8-sig")
    totals = {r[4]: r[5] for r in csv.reader(io.StringIO(text)) if r[2] == "totals"}
    assert totals['Of the appeals decided: against a "not met" decision'] == "1"
    assert totals["Of those decided again: threshold not met again"] == "1"
