"""What the verifiable audit log costs: appending, verifying, proving.

Run by hand (pytest never collects it), from the repository root::

    .venv/bin/python -m tests.benchmarks.bench_audit [--entries N] [--appends N]

Three measurements on SQLite files, each beside a baseline measured in the same run, each
printed with PASS or MISS against its target (it never fails on time; see README.md here):

1. ``sharing.audit.log.append`` + commit, one entry per transaction, against a plain ORM
   insert of the same row, and of the records it lists (a search, one entry in five, lists
   cases: ``sharing.audit.listings``), + commit (target: ratio at most 1.2): what the tree
   costs beyond storing the same rows; and, for information, an
   entry queued as an act writes it (``enqueue``) + commit, which integrates it after the
   commit in a transaction of its own;
2. ``sharing.audit.verification.verify`` of --entries entries (default 1,000,000) with a checkpoint
   every 10,000 (signatures checked), in entries per second (target: at least 300,000),
   as the hub runs it (stretches checked in one process per core) and in one process,
   beside a plain read of the same rows;
3. inclusion and consistency proofs at --entries entries (``sharing.audit.proofs``), per
   proof (target: under 5 ms), beside one primary-key read of an entry.

The database of part 2 and 3 is built with ``append_many`` (the same leaves and subtrees as
``append``) and cached under .tmp/, keyed by size and migration head.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.migrate import alembic_config, upgrade
from sharing.audit import checkpoints, listings, proofs
from sharing.audit.log import FIELDS, append, append_many, at_text, canonical_values, enqueue
from sharing.audit.merkle import leaf_hash, verify_consistency, verify_inclusion
from sharing.audit.stretches import workers
from sharing.audit.verification import verify
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_engine
from sharing.models import AuditEntry
from sharing.models.audit import AuditCheckpoint
from tests.benchmarks.common import cpu_model, load, percentile, say, settle, verdict, version_of

ROOT = Path(__file__).resolve().parents[2]
TMP = ROOT / ".tmp"
APPEND_TARGET_RATIO = 1.2
VERIFY_TARGET_PER_SECOND = 300_000
PROOF_TARGET_MS = 5.0
CHECKPOINT_EVERY = 10_000
ORIGIN = "bench.example/audit"
#: Bump when the cached database's contents change.
DB_VERSION = 2
ACTIONS = ("case.view", "case.search", "share.create", "sign_in.success", "case.update")


def act(i: int, at: datetime) -> dict[str, Any]:
    """A realistic entry: identifiers and category names, as the hub writes them; a search
    lists the cases and people it showed."""
    action = ACTIONS[i % len(ACTIONS)]
    basis = "identity, contact, location: northshire-asb-case-management v3 clause 4.2"
    if action == "case.search":
        shown = [10_000 + (i + k) % 50_000 for k in range(3)]
        basis = f"by surname: 3 found; cases {','.join(map(str, shown))}; persons {i % 9_000}"
    return {
        "action": action,
        "outcome": "allowed" if i % 17 else "refused",
        "actor_user_id": 100 + i % 300,
        "actor_agency_id": 1 + i % 9,
        "actor_roles": "case_officer,manager" if i % 5 == 0 else "case_officer",
        "object_type": "case",
        "object_id": 10_000 + i % 50_000,
        "purpose": "asb_case_management",
        "basis": basis,
        "request_id": f"{i:016x}",
        "at": at,
    }


def print_machine() -> None:
    say("Audit log benchmark")
    say(f"   CPU {cpu_model()}; Python {sys.version.split()[0]}")
    say(
        f"   SQLAlchemy {version_of('sqlalchemy')}, cryptography {version_of('cryptography')}; "
        f"{load()}"
    )


# --------------------------------------------------------------------------- 1. append


def bench_append(appends: int, folder: Path) -> None:
    say()
    say(
        f"1. Appending an entry against a plain insert of the same rows (the entry and the "
        f"records it lists), {appends:,} each, SQLite file"
    )
    engine = make_engine(f"sqlite:///{folder / 'append.sqlite3'}")
    upgrade(engine)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    next_plain = [10_000_000]  # plain rows live far above the log's own sequence numbers

    def plain(session: Session, i: int) -> None:
        values = act(i, start)
        row = AuditEntry(seq=next_plain[0], **values)
        row.object_id = str(values["object_id"])
        ordered = [getattr(row, name) for name in FIELDS]
        ordered[1] = at_text(start)
        row.leaf = leaf_hash(canonical_values(ordered))
        row.subtrees = b""
        session.add(row)
        session.flush()
        listings.index(
            session.connection(),
            [{"seq": next_plain[0], "object_type": row.object_type, "basis": row.basis}],
        )
        next_plain[0] += 1

    def logged(session: Session, i: int) -> None:
        append(session, **act(i, start))

    def queued(session: Session, i: int) -> None:
        enqueue(session, **act(i, start))

    contenders: dict[str, Callable[[Session, int], None]] = {
        "plain insert": plain,
        "append": logged,
        "queued": queued,
    }
    rounds = 10
    for commit_each, mode in (
        (True, "one transaction per entry"),
        (False, "flushed, committed per 500"),
    ):
        times: dict[str, list[float]] = {name: [] for name in contenders}
        with Session(engine) as session:
            for run in contenders.values():  # warm up
                for i in range(200):
                    run(session, i)
                session.commit()
            settle()
            for r in range(rounds):  # interleaved, so drift in the machine hits both alike
                for name, run in contenders.items():
                    count = appends // rounds
                    t0 = time.perf_counter_ns()
                    for i in range(count):
                        run(session, r * count + i)
                        if commit_each or i % 500 == 499:
                            session.commit()
                    session.commit()
                    times[name].append((time.perf_counter_ns() - t0) / count / 1000)
        plain_us, append_us, queued_us = (statistics.median(times[name]) for name in contenders)
        ratio = append_us / plain_us
        mark = verdict(ratio <= APPEND_TARGET_RATIO) if commit_each else "(info)"
        say(f"   {mode}:")
        say(
            f"      plain insert of the same rows {plain_us:8.1f} us per entry (median of {rounds} rounds)"
        )
        say(
            f"      append (tree locked, grown)   {append_us:8.1f} us per entry  ratio {ratio:.2f}  {mark}"
        )
        say(
            f"      queued, integrated on commit  {queued_us:8.1f} us per entry  ratio "
            f"{queued_us / plain_us:.2f}  (info: the act's transaction holds no lock; the "
            "integration after it does, briefly)"
        )
    engine.dispose()
    say(
        f"   target: ratio at most {APPEND_TARGET_RATIO} for an entry in its act's transaction "
        f"(the first figure; the second shows the statements alone)  ({load()})"
    )


# --------------------------------------------------------------------------- the big log


def big_log(entries: int, rebuild: bool) -> tuple[str, LocalKeyring]:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    stem = TMP / f"bench-audit-v{DB_VERSION}-{head}-{entries}"
    path, keyring_path, meta = (
        stem.with_suffix(".sqlite3"),
        stem.with_suffix(".keyring.json"),
        stem.with_suffix(".json"),
    )
    if rebuild or not meta.exists():
        for p in (path, keyring_path, meta):
            p.unlink(missing_ok=True)
        say(f"   building {path.relative_to(ROOT)} ({entries:,} entries, append_many) ...")
        started = time.monotonic()
        keyring = LocalKeyring.create(keyring_path, index_lengths())
        engine = make_engine(f"sqlite:///{path}")
        upgrade(engine)
        base = datetime(2026, 1, 1, tzinfo=UTC)
        with Session(engine) as session:
            done = 0
            while done < entries:
                step = min(CHECKPOINT_EVERY, entries - done)
                append_many(
                    session,
                    (act(i, base + timedelta(seconds=i)) for i in range(done, done + step)),
                )
                done += step
                checkpoints.make_checkpoint(session, keyring, ORIGIN)
                session.commit()
        engine.dispose()
        meta.write_text(
            json.dumps({"entries": entries, "built_seconds": time.monotonic() - started})
        )
    built = json.loads(meta.read_text())["built_seconds"]
    say(
        f"   database {path.relative_to(ROOT)}, {path.stat().st_size / 2**20:,.0f} MiB (built in {built:.0f} s)"
    )
    return f"sqlite:///{path}", LocalKeyring(keyring_path)


# --------------------------------------------------------------------------- 2. verify


def bench_verify(url: str, keyring: LocalKeyring, entries: int) -> None:
    say()
    say(f"2. Full verification of {entries:,} entries (a checkpoint every {CHECKPOINT_EVERY:,})")
    engine = make_engine(url)
    columns = [getattr(AuditEntry, name) for name in (*FIELDS, "leaf", "subtrees")]
    with Session(engine) as session:
        t0 = time.perf_counter()
        read = 0
        last = -1
        while True:  # the floor: the same rows read, in the same batches, nothing checked
            rows = session.execute(
                select(*columns).where(AuditEntry.seq > last).order_by(AuditEntry.seq).limit(50_000)
            ).all()
            if not rows:
                break
            read += len(rows)
            last = rows[-1][0]
        plain = time.perf_counter() - t0
        settle()
        t0 = time.perf_counter()
        alone = verify(session, public_key=keyring.checkpoint_public_key(), processes=1)
        took_alone = time.perf_counter() - t0
        settle()
        t0 = time.perf_counter()
        result = verify(session, public_key=keyring.checkpoint_public_key())
        took = time.perf_counter() - t0
        settle()
        t0 = time.perf_counter()
        unlike = listings.first_mismatch(session, result.size)
        took_index = time.perf_counter() - t0
    engine.dispose()
    if unlike is not None:
        raise RuntimeError(f"the benchmark log's index of listings differs at entry {unlike}")
    for outcome in (alone, result):
        if not outcome.ok or outcome.size != entries:
            raise RuntimeError(f"the benchmark log does not verify: {outcome.problem}")
    rate = entries / took
    say(
        f"   plain read of every row (all fields)     {read / plain:12,.0f} entries/s  ({plain:.2f} s)"
    )
    say(
        f"   verify in one process                    {entries / took_alone:12,.0f} entries/s  ({took_alone:.2f} s)"
    )
    say(
        f"   verify, {workers()} processes: leaves, subtrees, {result.checkpoints} checkpoints, signatures "
        f"{rate:12,.0f} entries/s  ({took:.2f} s)"
    )
    say(
        f"   the index of listings compared with the entries (a search in five lists cases) "
        f"{entries / took_index:12,.0f} entries/s  ({took_index:.2f} s)"
    )
    say(
        f"   {verdict(rate >= VERIFY_TARGET_PER_SECOND)} (target at least {VERIFY_TARGET_PER_SECOND:,} per second, the tree)  ({load()})"
    )


# --------------------------------------------------------------------------- 3. proofs


def bench_proofs(url: str, entries: int, count: int, seed: int) -> None:
    say()
    say(f"3. Proofs at {entries:,} entries, {count} of each, from the stored subtree hashes")
    engine = make_engine(url)
    rng = random.Random(seed)
    with Session(engine) as session:
        heads = {c.size: c.root for c in session.scalars(select(AuditCheckpoint))}
        sizes = sorted(heads)
        size = sizes[-1]
        figures: dict[str, list[float]] = {
            "one entry read by key": [],
            "inclusion": [],
            "consistency": [],
        }
        for _ in range(count):
            index = rng.randrange(size)
            t0 = time.perf_counter_ns()
            leaf = session.scalar(select(AuditEntry.leaf).where(AuditEntry.seq == index))
            figures["one entry read by key"].append((time.perf_counter_ns() - t0) / 1e6)
            t0 = time.perf_counter_ns()
            proof = proofs.inclusion(session, index, size)
            figures["inclusion"].append((time.perf_counter_ns() - t0) / 1e6)
            if leaf is None or not verify_inclusion(index, size, leaf, proof, heads[size]):
                raise RuntimeError(f"the inclusion proof of entry {index} does not verify")
            old = rng.choice(sizes[:-1]) if len(sizes) > 1 else size
            t0 = time.perf_counter_ns()
            proof = proofs.consistency(session, old, size)
            figures["consistency"].append((time.perf_counter_ns() - t0) / 1e6)
            if not verify_consistency(old, size, heads[old], heads[size], proof):
                raise RuntimeError(f"the consistency proof from {old} does not verify")
    engine.dispose()
    say(f"   {'':26} {'p50':>7} {'p95':>7} {'max':>7}  (ms)")
    for name, ms in figures.items():
        mark = "    " if name.startswith("one") else verdict(percentile(ms, 0.95) < PROOF_TARGET_MS)
        say(
            f"   {name:26} {percentile(ms, 0.5):7.3f} {percentile(ms, 0.95):7.3f} {max(ms):7.3f}  {mark}"
        )
    say(
        f"   target under {PROOF_TARGET_MS:.0f} ms per proof (p95); every proof checked  ({load()})"
    )


# --------------------------------------------------------------------------- main


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_audit", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--entries", type=int, default=1_000_000, help="log size for parts 2 and 3")
    parser.add_argument(
        "--appends", type=int, default=5_000, help="appends per contender in part 1"
    )
    parser.add_argument("--proofs", type=int, default=200, help="proofs of each kind in part 3")
    parser.add_argument("--only", choices=("append", "verify", "proofs"), action="append")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached log")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    parts = set(args.only or ("append", "verify", "proofs"))
    TMP.mkdir(exist_ok=True)
    started = time.monotonic()
    print_machine()
    if "append" in parts:
        with _folder() as folder:
            bench_append(args.appends, folder)
    if parts & {"verify", "proofs"}:
        say()
        url, keyring = big_log(args.entries, args.rebuild)
        if "verify" in parts:
            bench_verify(url, keyring, args.entries)
        if "proofs" in parts:
            bench_proofs(url, args.entries, args.proofs, args.seed)
    say()
    say(f"Total {time.monotonic() - started:.0f} s")
    return 0


class _folder:
    def __enter__(self) -> Path:
        self.path = Path(tempfile.mkdtemp(dir=TMP, prefix="bench-audit-"))
        return self.path

    def __exit__(self, *_exc: object) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
