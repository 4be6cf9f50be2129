"""Migration 0087: a case may be about smoke, fumes, odours or bonfires. Going down, such
cases are recorded as "Other" (the category the hub had for them) and the database
refuses the new one again; going up, it takes it. On SQLite and PostgreSQL, on a database
holding the demo partnership."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from hub.migrate import downgrade, upgrade
from sharing.crypto.keys import LocalKeyring

_ENVIRONMENTAL_HEALTH_CASE = (
    "SELECT MIN(cases.id) FROM cases JOIN agencies ON agencies.id = cases.agency_id "
    "WHERE agencies.code = 'northshire-eh'"
)


def _categorise(engine: Engine, case_id: int, category: str) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE cases SET category = :c WHERE id = :id"), {"c": category, "id": case_id}
        )


def _category(engine: Engine, case_id: int) -> str:
    with engine.connect() as connection:
        return connection.scalar(text("SELECT category FROM cases WHERE id = :id"), {"id": case_id})


def test_smoke_and_odour_cases_are_other_below_0087_and_their_own_above(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, _ = demo_database
    with engine.connect() as connection:
        case_id = connection.scalar(text(_ENVIRONMENTAL_HEALTH_CASE))
    _categorise(engine, case_id, "smoke_odour")

    downgrade(engine, "0086")
    assert _category(engine, case_id) == "other"
    with pytest.raises(IntegrityError):
        _categorise(engine, case_id, "smoke_odour")

    upgrade(engine)
    _categorise(engine, case_id, "smoke_odour")
    assert _category(engine, case_id) == "smoke_odour"
