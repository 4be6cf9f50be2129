"""Benchmark: what co-signing by the partners' witnesses adds to a checkpoint.

Run by hand (pytest never collects it), from the repository root::

    .venv/bin/python -m tests.benchmarks.bench_witnesses [--runs 30] [--entries 50]

On a migrated SQLite file, starts three ``hub-witness serve`` processes on localhost (as
partners would run them), then, ``--runs`` times, appends ``--entries`` audit entries and
measures, one after the other on the same log:

- a checkpoint alone: ``make_checkpoint`` and its commit (the baseline);
- the witnessing that follows it: the checkpoint sent to the three witnesses in parallel
  with a consistency proof each, their co-signatures checked and kept, and the commit
  (``sharing.audit.witnessing.witness_checkpoint``). Target: under 50 ms (median).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sharing.audit import checkpoints, notes, witnessing
from sharing.audit.verify_audit import read_cosigner_key
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_engine, make_session_factory
from tests.benchmarks.common import load, percentile, say, verdict
from tests.fixtures.databases import copy_migrated_sqlite
from tests.fixtures.witnesses import running_witnesses
from tests.sharing.audit.conftest import write_log

ORIGIN = "bench.example/asb-hub-audit"
TARGET_MS = 50.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--entries", type=int, default=50)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-witnesses-") as name:
        folder = Path(name)
        copy_migrated_sqlite(folder / "hub.sqlite3")
        engine = make_engine(f"sqlite:///{folder / 'hub.sqlite3'}")
        keys = LocalKeyring.create(folder / "keyring.json", index_lengths())
        log_key = notes.verifier_key(ORIGIN, keys.checkpoint_public_key())
        with running_witnesses(folder, 3, log_key) as running:
            witnesses = [
                witnessing.Witness(w.name, w.url, read_cosigner_key(w.verifier_key, w.name))
                for w in running
            ]
            say(f"SQLite; three witnesses on localhost; {load()}")
            alone, witnessed = [], []
            with make_session_factory(engine, keys)() as session:
                for _ in range(args.runs + 1):
                    write_log(session, args.entries)
                    started = time.perf_counter()
                    made = checkpoints.make_checkpoint(session, keys, ORIGIN)
                    session.commit()
                    signed = time.perf_counter()
                    outcomes = witnessing.witness_checkpoint(session, made, witnesses)
                    session.commit()
                    done = time.perf_counter()
                    assert all(o.cosigned for o in outcomes), outcomes
                    alone.append((signed - started) * 1000)
                    witnessed.append((done - signed) * 1000)
            alone, witnessed = alone[1:], witnessed[1:]  # the first warms the connections
        engine.dispose()
    median = statistics.median(witnessed)
    say(
        f"checkpoint alone (baseline)        median {statistics.median(alone):7.1f} ms  "
        f"p90 {percentile(alone, 0.9):7.1f} ms"
    )
    say(
        f"co-signing by 3 witnesses, added   median {median:7.1f} ms  "
        f"p90 {percentile(witnessed, 0.9):7.1f} ms  "
        f"{median / statistics.median(alone):.1f}x the checkpoint  "
        f"target {TARGET_MS:.0f} ms {verdict(median < TARGET_MS)}"
    )
    say(load())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
