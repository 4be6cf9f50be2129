"""Benchmark: importing a landlord's cases from CSV, on PostgreSQL.

Starts a throwaway PostgreSQL server (as the tests do), migrates a database and builds the
demo partnership in it, then writes a CSV file of ``--rows`` cases (default 100,000) for
Larkmoor Housing: each with a victim (one in five already held by the agency from an
earlier row, so matched through the blind index), one in three with a reported person, and
a first incident. It measures, in rows a second:

- reading and checking the file alone (``read_cases``), the baseline;
- the import itself (``import_cases``: every case opened through the casework, sealed,
  indexed and audited, in one transaction). Target: at least 2,000 rows a second.

and the process's resident memory as the import goes (it streams the file: memory
should stay flat, whatever the number of rows).

    .venv/bin/python -m tests.benchmarks.bench_import [--rows 100000]
"""

from __future__ import annotations

import argparse
import csv
import random
import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from pathlib import Path
from typing import IO

from sqlalchemy import func, select

from sharing import clock
from sharing.access.decide import Actor
from sharing.imports.case_rows import Report, read_cases
from sharing.imports.cases import import_cases
from sharing.imports.columns import COLUMNS
from sharing.models import Agency, Case, User, Ward
from sharing.vocabulary import Role
from tests.benchmarks.common import demo_on_postgres, load, say

TARGET_ROWS_PER_SECOND = 2_000
AGENCY = "larkmoor-ha"
SURNAMES = ("Archer", "Baker", "Cole", "Dale", "Evans", "Ford", "Gray", "Hill", "Iqbal", "Jones")


def write_file(path: Path, rows: int, wards: list[str], rng: random.Random) -> None:
    """A CSV file of ``rows`` cases opened over the last year."""
    today = clock.today()
    with path.open("w", newline="", encoding="utf-8") as f:
        out = csv.DictWriter(f, [c.name for c in COLUMNS])
        out.writeheader()
        for n in range(rows):
            opened = today - timedelta(days=rng.randrange(1, 365))
            victim = n - n % 5 if n % 5 == 4 else n  # one in five: someone already held
            row = {
                "reference": f"LH-{n:07d}",
                "opened_on": opened.isoformat(),
                "category": rng.choice(("noise", "verbal_abuse", "damage", "drugs")),
                "priority": rng.choice(("amber", "amber", "red_high")),
                "triage": "low_level",
                "summary": f"Report {n}: noise and shouting from a neighbouring flat at night",
                "ward": rng.choice(wards),
                "postcode": "TS1 4AB",
                "victim_given_names": "Sam",
                "victim_family_name": f"{SURNAMES[victim % len(SURNAMES)]}-{victim}",
                "victim_date_of_birth": f"19{50 + victim % 50:02d}-0{1 + victim % 9}-1{victim % 9}",
                "victim_phone": f"07700 9{victim % 100000:05d}",
                "incident_at": f"{opened.isoformat()} 22:15",
                "incident_description": "Music and shouting until 2am",
            }
            if n % 3 == 0:
                row["reported_given_names"] = "Alex"
                row["reported_family_name"] = f"Reported-{n}"
            out.writerow(row)


class Watched:
    """The file, read line by line, noting the process's resident memory every
    ``every`` lines of the import's writing pass."""

    def __init__(self, f: IO[bytes], every: int) -> None:
        self.f, self.every, self.memory = f, every, []

    def seekable(self) -> bool:
        return True

    def seek(self, position: int) -> int:
        """Back to ``position`` (the import reads the file through once before writing):
        the memory noted so far was the reading's, not the import's."""
        self.memory.clear()
        return self.f.seek(position)

    def __iter__(self) -> Iterator[bytes]:
        for number, line in enumerate(self.f):
            if number % self.every == 0:
                self.memory.append((number, resident_mb()))
            yield line


def resident_mb() -> float:
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * 4096 / 1024 / 1024


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args(argv)
    with demo_on_postgres("bench-import-") as (app, folder):
        say(f"PostgreSQL; {load()}")
        with app.extensions["hub.sessions"]() as session:
            agency = session.scalar(select(Agency).where(Agency.code == AGENCY))
            manager = next(
                u
                for u in session.scalars(select(User).where(User.agency_id == agency.id))
                if Role.MANAGER in u.roles
            )
            actor = Actor.of(manager)
            wards = list(session.scalars(select(Ward.name).where(Ward.area_id == agency.area_id)))
            before = session.scalar(select(func.count()).select_from(Case))
        path = folder / "cases.csv"
        write_file(path, args.rows, wards, random.Random(17))
        say(f"{args.rows:,} rows, {path.stat().st_size / 1024 / 1024:.1f} MB")

        started = time.perf_counter()
        report = Report()
        with path.open("rb") as f:
            checked = sum(
                1 for _ in read_cases(f, wards={w.lower(): 1 for w in wards}, report=report)
            )
        check_rate = checked / (time.perf_counter() - started)
        say(f"reading and checking alone (baseline): {check_rate:,.0f} rows/s")

        with app.extensions["hub.sessions"]() as session, path.open("rb") as f:
            watched = Watched(f, max(1, args.rows // 10))
            started = time.perf_counter()
            result = import_cases(session, actor, watched, dry_run=False)  # type: ignore[arg-type]
            seconds = time.perf_counter() - started
            after = session.scalar(select(func.count()).select_from(Case))
        rate = args.rows / seconds
        verdict = "PASS" if rate >= TARGET_ROWS_PER_SECOND else "MISS"
        say(
            f"import: {result.opened:,} cases opened, {result.people_matched:,} people matched, "
            f"{result.rejected:,} refused, in {seconds:.1f} s: {rate:,.0f} rows/s "
            f"({rate / check_rate:.2f} of the baseline; target {TARGET_ROWS_PER_SECOND:,}: "
            f"{verdict})"
        )
        say(f"cases in the database: {before:,} before, {after:,} after")
        memory = ", ".join(f"{line:,}: {mb:.0f} MB" for line, mb in watched.memory)
        say(f"resident memory at line {memory}")
        say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
