"""Migration 0059 moves what a sitting's notice points at out of the case reference
column: a notice of a sitting moved or cancelled queued before it ("sitting 12" as its
reference) points at that sitting afterwards, with no reference, and reads the same going
down again. Run on a copy of the demo partnership (real rows, SQLite's foreign keys on)."""

from __future__ import annotations

import shutil
from pathlib import Path

from sqlalchemy import text

from hub.migrate import downgrade, upgrade
from sharing.db import make_engine


def test_a_sitting_notice_queued_before_0059_points_at_its_sitting(
    demo_files: Path, tmp_path: Path
) -> None:
    for database_file in demo_files.glob("hub.sqlite3*"):
        shutil.copy(database_file, tmp_path / database_file.name)
    engine = make_engine(f"sqlite:///{tmp_path / 'hub.sqlite3'}")
    downgrade(engine, "0058")
    with engine.begin() as connection:
        sitting_id = connection.scalar(text("SELECT min(id) FROM meeting_sittings"))
        user_id = connection.scalar(text("SELECT min(id) FROM users"))
        for kind, reference, path in (
            ("sitting_moved", f"sitting {sitting_id}", "/meetings/1/sittings/x#moved-1"),
            ("sitting_cancelled", f"sitting {sitting_id}", "/meetings/1/sittings/x"),
            ("sitting_moved", "sitting 999999", "/meetings/1/sittings/999999"),
            ("case_given", "NH-2026-00012", "/cases/1"),
        ):
            connection.execute(
                text(
                    "INSERT INTO notices (kind, user_id, reference, path, created_at, attempts)"
                    " VALUES (:kind, :user, :reference, :path, CURRENT_TIMESTAMP, 0)"
                ),
                {"kind": kind, "user": user_id, "reference": reference, "path": path},
            )
    upgrade(engine)

    def notices() -> list[tuple[str, str | None, int | None]]:
        with engine.connect() as connection:
            return [
                tuple(row)
                for row in connection.execute(
                    text(
                        "SELECT kind, reference, sitting_id FROM notices "
                        "WHERE path LIKE '/meetings/1/sittings/%' OR path = '/cases/1' "
                        "ORDER BY id"
                    )
                )
            ]

    # A notice of a sitting no longer there goes with it, as the foreign key would have it.
    assert notices() == [
        ("sitting_moved", None, sitting_id),
        ("sitting_cancelled", None, sitting_id),
        ("case_given", "NH-2026-00012", None),
    ]
    downgrade(engine, "0058")
    with engine.connect() as connection:
        references = connection.scalars(
            text("SELECT reference FROM notices WHERE path LIKE '/meetings/1/sittings/%'")
        ).all()
    assert references == [f"sitting {sitting_id}"] * 2
    upgrade(engine)
    engine.dispose()
