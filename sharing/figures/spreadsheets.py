"""Published figures as files a spreadsheet opens: CSV, and OpenDocument spreadsheets
(ODS, the format the Government's open standards name for spreadsheets), by odfpy.

A count shown as a number is written as a number; "fewer than 5", "withheld", rates and
percentages as the same text the page shows. No cell starts with a character a
spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from sharing.formats import runs_as_formula

ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
#: What a CSV file to download starts with: the byte order mark, without which a
#: spreadsheet opens it in another encoding (Siân shown as SiÃ¢n); what Excel writes as
#: "CSV UTF-8".
BYTE_ORDER_MARK = "\ufeff"
_NUMBER = re.compile(r"-?[0-9][0-9,]*")
#: Characters a sheet name may not hold (ODF follows the spreadsheet programs' rule).
_NOT_IN_NAME = re.compile(r"[\[\]*?:/\\']")


@dataclass(frozen=True)
class Sheet:
    """One table: its name (a tab), lines of text above it, its rows of texts, and lines
    of text below it (its notes: what it counts, and how its small numbers are shown),
    after an empty row, so that neither a reader nor a formula takes a note for a row."""

    name: str
    heading: Sequence[str]
    rows: Sequence[Sequence[str]]
    notes: Sequence[str] = ()


def safe(text: str) -> str:
    """A cell a spreadsheet will not run as a formula: one that would (=, +, - or @ first,
    their full-width forms, or any of them after spaces, a tab or a carriage return) is
    written after an apostrophe, which the spreadsheet shows as text."""
    return f"'{text}" if runs_as_formula(text) else text


def csv_text(sheet: Sheet) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    for line in sheet.heading:
        writer.writerow([safe(line)])
    for row in sheet.rows:
        writer.writerow([safe(text) for text in row])
    if sheet.notes:
        writer.writerow([])
    for line in sheet.notes:
        writer.writerow([safe(line)])
    return out.getvalue()


def ods_bytes(sheets: Iterable[Sheet]) -> bytes:
    """The sheets as one OpenDocument spreadsheet, a tab each."""
    document = OpenDocumentSpreadsheet()
    used: set[str] = set()
    for sheet in sheets:
        table = Table(name=_sheet_name(sheet.name, used))
        for line in sheet.heading:
            table.addElement(_row([line]))
        for row in sheet.rows:
            table.addElement(_row(row))
        if sheet.notes:
            table.addElement(_row([""]))
        for line in sheet.notes:
            table.addElement(_row([line]))
        document.spreadsheet.addElement(table)
    out = io.BytesIO()
    document.write(out)
    return out.getvalue()


def _row(texts: Sequence[str]) -> TableRow:
    row = TableRow()
    for text in texts:
        if _NUMBER.fullmatch(text):
            cell = TableCell(valuetype="float", value=int(text.replace(",", "")))
        else:
            cell = TableCell(valuetype="string")
        cell.addElement(P(text=safe(text)))
        row.addElement(cell)
    return row


def _sheet_name(name: str, used: set[str]) -> str:
    base = _NOT_IN_NAME.sub(" ", name).strip()[:31] or "Sheet"
    found, n = base, 2
    while found in used:
        found = f"{base[:28]} {n}"
        n += 1
    used.add(found)
    return found
