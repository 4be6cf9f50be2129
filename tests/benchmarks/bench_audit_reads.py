"""Benchmark: pages that read the audit log about one case, as the log grows.

Run by hand (pytest never collects it), from the repository root::

    .venv/bin/python -m tests.benchmarks.bench_audit_reads [--entries 500000] [--runs 15]

Builds the demo partnership on a throwaway PostgreSQL server, locks a Larkmoor case (a
police officer's attempt to open it is refused and recorded), has a police officer open
another in an emergency, and times, with the demo's own log (the baseline) and again once
the log holds ``--entries`` more entries about other cases:

- the locked case's page for its officer (it lists the refused attempts, from the log);
- Larkmoor's DPO reviewing emergency access (each access with the case views under it);
- Larkmoor's DPO reading the log of the locked case;
- Larkmoor's DPO opening their log (its first page: none of the extra entries is theirs).

The extra entries are added as ``append_many`` adds them (their leaves and the tree grown,
the log whole): case officers' views of 500 other cases. Targets (issue 21: a case page that
costs the same whatever the log holds): the locked case's page and the emergency access
review within 1.5 times their baseline; the DPO's two searches are reported, not held to it.
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from sharing.audit.log import append_many
from sharing.cases import emergency
from sharing.models import AuditEntry, Case, User
from sharing.vocabulary import Role
from tests.benchmarks.common import demo_on_postgres, load, percentile, say, timed_get, verdict
from tests.fixtures.demo import demo_actor, demo_client, demo_user, lock_demo_case

TARGET_RATIO = 1.5


def prepare(app: Flask) -> list[tuple[str, FlaskClient, str]]:
    """Lock a case (and have the police refused it) and open another in an emergency: the
    three pages timed, each with a client signed in as whom it is for."""
    with app.extensions["hub.sessions"]() as session:
        locked = lock_demo_case(session)
        police = demo_user(session, "northshire-police", Role.CASE_OFFICER)
        demo_client(app, police).get(f"/cases/{locked.id}")  # refused: it is locked
        opened = session.scalar(
            select(Case)
            .where(Case.agency.has(code="larkmoor-ha"), Case.locked.is_(False))
            .order_by(Case.id)
        )
        assert opened is not None
        emergency.break_glass(
            session,
            demo_actor(session, "northshire-police", Role.CASE_OFFICER),
            opened.reference,
            "A threat to life was reported tonight by a neighbour",
        )
        session.commit()
        demo_client(app, police).get(f"/cases/{opened.id}")
        officer = demo_client(app, session.get(User, locked.officer_id))
        dpo = demo_client(app, demo_user(session, "larkmoor-ha", Role.DPO))
        return [
            ("locked case page (officer)", officer, f"/cases/{locked.id}"),
            ("emergency access review (DPO)", dpo, "/audit/emergency-access"),
            ("the case's log (DPO)", dpo, f"/audit?case={locked.reference}"),
            ("the agency's log (DPO)", dpo, "/audit"),
        ]


def grow_log(app: Flask, count: int) -> int:
    """Add ``count`` entries to the log (with ``append_many``: leaves and tree as acts add
    them), case officers' views of 500 other cases; the log's size after."""
    with app.extensions["hub.sessions"]() as session:
        officer = demo_user(session, "northshire-homes", Role.CASE_OFFICER)
        others = list(
            session.scalars(select(Case.id).where(Case.agency_id == officer.agency_id).limit(500))
        )
        append_many(
            session,
            (
                {
                    "actor_user_id": officer.id,
                    "actor_agency_id": officer.agency_id,
                    "actor_roles": "case_officer",
                    "action": "case.view",
                    "object_type": "case",
                    "object_id": str(others[n % len(others)]),
                    "basis": "categories identity, case | sections details, people",
                    "outcome": "allowed",
                }
                for n in range(count)
            ),
        )
        session.commit()
        session.execute(text("ANALYZE audit_entries"))
        session.commit()
        return int(session.scalar(select(func.count()).select_from(AuditEntry)) or 0)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args(argv)
    say(f"PostgreSQL; {load()}")
    with demo_on_postgres("bench-audit-reads-") as (app, _):
        pages = prepare(app)
        with app.extensions["hub.sessions"]() as session:
            size = session.scalar(select(func.count()).select_from(AuditEntry))
        before = [timed_get(client, path, args.runs)[0] for _, client, path in pages]
        grown = grow_log(app, args.entries)
        after = [timed_get(client, path, args.runs)[0] for _, client, path in pages]
    say(f"the log: {size:,} entries (baseline), then {grown:,}")
    held = (True, True, False, False)
    for (name, _, _), kept, small, big in zip(pages, held, before, after, strict=True):
        base, grew = percentile(small, 0.5), percentile(big, 0.5)
        ratio = grew / base
        target = f"target {TARGET_RATIO}x {verdict(ratio <= TARGET_RATIO)}" if kept else "(info)"
        say(
            f"{name:<32} median {base:7.1f} ms -> {grew:7.1f} ms  p90 "
            f"{percentile(big, 0.9):7.1f} ms  {ratio:5.2f}x  {target}"
        )
    say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
