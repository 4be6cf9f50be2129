"""The Community Trigger's published figures as CSV: one figure a line, with the same
values as the page."""

from __future__ import annotations

import csv
import io
from datetime import date

from sharing.figures.spreadsheets import safe
from sharing.trigger.figures import ALSO, TOTALS, Figures

CSV_HEADER = ("from", "to", "table", "row", "figure", "value")


def csv_text(published: Figures) -> str:
    """The figures as CSV, one figure a line, with the same values as the page (withheld
    counts as "fewer than 5" or "withheld")."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    period = (published.period.start.isoformat(), _counted_to(published).isoformat())
    for name, label in (*TOTALS, *ALSO):
        writer.writerow((*period, "totals", "", label, getattr(published.totals, name)))
    for table in (published.bodies, published.rules):
        for row in table.rows:
            for column, cell in zip(table.columns, row.cells, strict=True):
                writer.writerow((*period, table.caption, safe(row.name), column, cell.text))
    return out.getvalue()


def csv_name(published: Figures) -> str:
    period = published.period
    if published.to_date:
        return f"community-trigger-figures-{period.month}-to-{published.to_date}.csv"
    return f"community-trigger-figures-{period.month}-to-{period.last_day:%Y-%m}.csv"


def _counted_to(published: Figures) -> date:
    """The last day the figures count: the period's, or today's while it has not ended,
    so that a file kept or published says what it covers."""
    return published.to_date or published.period.last_day
