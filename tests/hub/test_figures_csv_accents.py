"""The figures' CSV downloads open in a spreadsheet with accented names as written (demo
partnership): each file starts with a byte order mark, as the case export does and Excel's
own "CSV UTF-8" does, without which Excel shows a ward or a landlord called Siân as
SiÃ¢n: a table of the partnership's figures, the regulator's measures, and the Community
Trigger figures."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Agency, Ward
from sharing.vocabulary import Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_figures_page import _latest_year_ended, _query
from tests.hub.test_regulator_page import _year

BYTE_ORDER_MARK = b"\xef\xbb\xbf"


def _rows(response) -> list[list[str]]:
    """The file as a spreadsheet reads it: UTF-8, after the byte order mark."""
    return list(csv.reader(io.StringIO(response.get_data().decode("utf-8-sig"))))


@contextmanager
def _named(session: Session, record: Agency | Ward, name: str) -> Iterator[None]:
    """``record`` called ``name`` for the while, then as it was."""
    was = record.name
    record.name = name
    session.commit()
    try:
        yield
    finally:
        record.name = was
        session.commit()


def _get(app: Flask, session: Session, code: str, role: Role, path: str):
    response = demo_client(app, demo_user(session, code, role)).get(path)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    assert response.mimetype == "text/csv"
    return response


def test_a_ward_named_with_accents_reads_as_written_in_the_tables_csv(
    demo_hub, demo_session
) -> None:
    path = f"/figures/tables/wards.csv?{_query(**_latest_year_ended())}"
    listed = _rows(_get(demo_hub, demo_session, "northshire-csp", Role.CONFERENCE_CHAIR, path))
    ward_name = listed[3][0]
    ward = demo_session.scalar(select(Ward).where(Ward.name == ward_name))
    with _named(demo_session, ward, "Llanfair Siân Prŷs"):
        response = _get(demo_hub, demo_session, "northshire-csp", Role.CONFERENCE_CHAIR, path)
    assert response.get_data().startswith(BYTE_ORDER_MARK + b'"Cases opened, by ward"')
    assert "Llanfair Siân Prŷs" in [row[0] for row in _rows(response) if row]


def test_a_landlord_named_with_accents_reads_as_written_in_the_regulators_csv(
    demo_hub, demo_session
) -> None:
    landlord = demo_session.scalar(select(Agency).where(Agency.code == "larkmoor-ha"))
    with _named(demo_session, landlord, "Cartrefi Siân Prŷs"):
        response = _get(
            demo_hub,
            demo_session,
            "northshire-csp",
            Role.ANALYST,
            f"/figures/regulator.csv?year={_year()}",
        )
    assert response.get_data().startswith(BYTE_ORDER_MARK + b"year,landlord,")
    assert "Cartrefi Siân Prŷs" in [row[1] for row in _rows(response)]


@pytest.mark.parametrize(
    ("path", "first"),
    [
        ("/trigger/figures.csv?from=2025-04", b"from,to,table,"),
        ("/figures/tables/summary.csv", b""),
    ],
)
def test_every_figures_csv_starts_with_a_byte_order_mark(
    demo_hub, demo_session, path, first
) -> None:
    response = _get(demo_hub, demo_session, "northshire-csp", Role.ANALYST, path)
    assert response.get_data().startswith(BYTE_ORDER_MARK + first)
    assert not response.get_data()[3:].startswith(BYTE_ORDER_MARK)  # one, not two
