"""The case page and the case list of two trees of the hub, side by side in one run.

Run by hand from the repository root, with a worktree of each commit (the new tree defaults
to this one, but a working tree someone is editing can break mid-run: pin a commit)::

    git worktree add --detach /tmp/hub-old-main 7e15127
    git worktree add --detach /tmp/hub-new-main HEAD
    ln -s "$PWD/hub/static" /tmp/hub-old-main/hub/static    # built assets, not in git
    ln -s "$PWD/hub/static" /tmp/hub-new-main/hub/static
    .venv/bin/python -m tests.benchmarks.compare_trees --old /tmp/hub-old-main \
        --new /tmp/hub-new-main [--rounds N]

Each tree is measured by its own benchmark scripts, in a subprocess whose working directory
and PYTHONPATH are that tree (so ``sharing``, ``hub`` and ``tests.benchmarks`` are its own):
``bench_encryption.bench_page`` (GET /cases/<id>, real decryption and the plaintext copy) and
``bench_access.bench_list`` (list_cases and GET /cases at 50 cases a page on its cached
100,000-case database). The trees take turns, old, new, new, old, ..., so that other work
on the machine slows both alike; the samples of all rounds are pooled. It prints one table:
p50 of each tree, new/old, the range of the per-round ratios (how steady it is), and p95.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from tests.benchmarks.common import cpu_model, load, percentile, say, version_of

ROOT = Path(__file__).resolve().parents[2]

#: Run in each tree: its own benchmark functions, their figures as JSON on stdout (what the
#: benchmarks print goes to stderr). ``bench_list`` prints its figures, so its Variant is
#: subclassed to keep them; its page size is set on the module that defines ``list_cases``
#: (``sharing.disclosure`` before the regrouping, ``sharing.cases.listing`` after).
SNIPPET = r"""
import contextlib, importlib, json, sys
from pathlib import Path

tree, page_requests, list_requests, cases, seed = sys.argv[1], *map(int, sys.argv[2:])
import hub, sharing
for module in (sharing, hub):
    if not Path(module.__file__).resolve().is_relative_to(Path(tree).resolve()):
        raise SystemExit(f"{module.__name__} is {module.__file__}, not from {tree}")
from tests.benchmarks import bench_access as acc, bench_encryption as enc

for name in ("sharing.cases.listing", "sharing.disclosure"):
    try:
        listing = importlib.import_module(name)
        break
    except ImportError:
        pass

@contextlib.contextmanager
def page_size(size):
    original_size, original_rows = listing.PAGE_SIZE, listing._rows
    def rows(session, query, page, size=size, **kwargs):
        return original_rows(session, query, page, size, **kwargs)
    listing.PAGE_SIZE, listing._rows = size, rows
    try:
        yield
    finally:
        listing.PAGE_SIZE, listing._rows = original_size, original_rows

variants = []
class Kept(acc.Variant):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        variants.append(self)

acc.Variant, acc.page_size = Kept, page_size
out = {}
with contextlib.redirect_stdout(sys.stderr):
    enc.TMP.mkdir(exist_ok=True)
    if page_requests:
        page = enc.bench_page(page_requests)
        out["case page, GET /cases/<id>"] = page.sealed_ms
        out["case page, plaintext copy (info)"] = page.plain_ms
    if list_requests:
        acc.bench_list(cases, list_requests, seed, False)
        for n, v in enumerate(variants):
            out[f"case list {n + 1}, list_cases: {v.label}"] = v.direct_ms
            out[f"case list {n + 1}, GET /cases: {v.label}"] = v.page_ms
print(json.dumps(out))
"""


def run_tree(
    tree: Path, page_requests: int, list_requests: int, cases: int, seed: int
) -> dict[str, list[float]]:
    """One subprocess of ``tree``: its figures (milliseconds) by measure."""
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            SNIPPET,
            str(tree),
            str(page_requests),
            str(list_requests),
            str(cases),
            str(seed),
        ],
        cwd=tree,
        env={**os.environ, "PYTHONPATH": str(tree)},
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.stderr.write(done.stderr)
        raise SystemExit(f"the benchmarks of {tree} failed ({done.returncode})")
    figures: dict[str, list[float]] = json.loads(done.stdout.strip().splitlines()[-1])
    return figures


def describe(tree: Path) -> str:
    """The tree's commit, and whether it has changes not committed."""
    head = subprocess.run(
        ["git", "-C", str(tree), "log", "-1", "--format=%h %s"], capture_output=True, text=True
    ).stdout.strip()
    dirty = subprocess.run(
        ["git", "-C", str(tree), "status", "--porcelain", "--untracked-files=no"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    head = head if len(head) <= 80 else head[:79] + "…"
    return f"{head}{' (+ changes not committed)' if dirty else ''}"


def short(label: str) -> str:
    """A measure's label, shorter."""
    return label.replace(" (each in turn)", "").replace("all the agency's cases, ", "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.compare_trees", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--old", type=Path, required=True, help="the older tree (a worktree)")
    parser.add_argument("--new", type=Path, default=ROOT, help="the newer tree (this one)")
    parser.add_argument("--rounds", type=int, default=8, help="rounds, each tree once a round (8)")
    parser.add_argument(
        "--page-requests",
        type=int,
        default=200,
        help="case page requests a round, per variant (200)",
    )
    parser.add_argument(
        "--list-requests", type=int, default=40, help="case list requests a round, per variant (40)"
    )
    parser.add_argument("--cases", type=int, default=100_000, help="cases in the list database")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    trees = {"old": args.old.resolve(), "new": args.new.resolve()}
    for tree in trees.values():
        if not (tree / "hub" / "static" / "govuk").is_dir():
            raise SystemExit(f"{tree}/hub/static has no built assets: link this tree's there")
    started = time.monotonic()
    say("Case page and case list, two trees side by side")
    say(f"  CPU            {cpu_model()} ({os.cpu_count()} logical CPUs), {platform.machine()}")
    say(
        f"  Python         {platform.python_version()}, SQLAlchemy {version_of('SQLAlchemy')}, "
        f"Flask {version_of('Flask')}, SQLite {sqlite3.sqlite_version}"
    )
    for name, tree in trees.items():
        say(f"  {name:14} {tree}: {describe(tree)}")
    say(f"  started        {datetime.now(UTC).isoformat(timespec='seconds')}, {load()}")

    # A short run of each tree first: builds its list database if missing, warms the disk.
    for tree in trees.values():
        run_tree(tree, 20, 2, args.cases, args.seed)
    samples: dict[str, dict[str, list[float]]] = {"old": {}, "new": {}}
    ratios: dict[str, list[float]] = {}
    for round_ in range(args.rounds):
        order = ("old", "new") if round_ % 2 == 0 else ("new", "old")
        this_round = {
            name: run_tree(
                trees[name], args.page_requests, args.list_requests, args.cases, args.seed
            )
            for name in order
        }
        for name, figures in this_round.items():
            for measure, ms in figures.items():
                samples[name].setdefault(measure, []).extend(ms)
        for measure in this_round["new"]:
            if measure in this_round["old"]:
                ratios.setdefault(measure, []).append(
                    percentile(this_round["new"][measure], 0.5)
                    / percentile(this_round["old"][measure], 0.5)
                )
        page = "case page, GET /cases/<id>"
        say(
            f"  round {round_ + 1}/{args.rounds} ({' then '.join(order)}): case page p50 "
            f"old {percentile(this_round['old'][page], 0.5):.2f} ms, "
            f"new {percentile(this_round['new'][page], 0.5):.2f} ms; {load()}"
        )

    say()
    say(
        f"  {'ms, all rounds pooled':72} {'old p50':>8} {'new p50':>8} {'new/old':>8} "
        f"{'rounds':>11} {'old p95':>8} {'new p95':>8}"
    )
    for measure, old in samples["old"].items():
        new = samples["new"].get(measure)
        if new is None:
            say(f"  {short(measure):72} {percentile(old, 0.5):8.2f}  (not in the new tree)")
            continue
        per_round = ratios[measure]
        say(
            f"  {short(measure):72} {percentile(old, 0.5):8.2f} {percentile(new, 0.5):8.2f} "
            f"{percentile(new, 0.5) / percentile(old, 0.5):8.2f} "
            f"{min(per_round):5.2f}-{max(per_round):<5.2f} "
            f"{percentile(old, 0.95):8.2f} {percentile(new, 0.95):8.2f}"
        )
    samples_per = {m: len(v) for m, v in samples["new"].items()}
    say(
        f"  {args.rounds} rounds; {min(samples_per.values())}-{max(samples_per.values())} "
        f"samples per measure and tree; 'rounds' is the range of the per-round new/old p50 "
        f"({time.monotonic() - started:.0f} s, {load()})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
