"""Checking the audit log a stretch at a time, stretches side by side in other processes.

A stretch is the entries ``start`` to ``end - 1`` of a stretch size that is a power of two,
``start`` a multiple of it. Its leaves make perfect subtrees of their own, so a stretch can
be checked with no knowledge of the entries before it: each leaf against the entry's
canonical form, and each stored subtree hash that lies inside the stretch. What reaches
beyond it (the stored hashes of a whole stretch's last entry above the stretch's own root)
and the checkpoints inside it are left to whoever joins the stretches in order
(``sharing.audit.verification.verify``), with the stretch's own subtrees at each point.

The database writes each entry's canonical form (``canonical_sql``) and Python hashes it;
one process is bound by Python's lock, so the stretches are checked in processes of their
own, each reading on its own connection.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
from collections.abc import Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import NullPool, create_engine

#: Rows fetched from the driver at a time.
FETCH = 4096


@dataclass(frozen=True)
class Stretch:
    """What to check: entries ``start`` to ``end - 1`` (``start`` a multiple of ``size``)."""

    start: int
    end: int
    size: int
    #: The query giving (seq, leaf, subtrees, canonical text) of the stretch's entries.
    sql: str
    #: Checkpoint sizes in ``start + 1`` to ``end``: the stretch's subtrees are kept there.
    checkpoint_sizes: tuple[int, ...] = ()


@dataclass(frozen=True)
class Checked:
    """What a stretch's check found."""

    #: The first entry that does not fit, or None.
    first_bad: int | None = None
    problem: str = ""
    #: When the entries stop before the stretch's end: the first one missing (the next one
    #: present, if any, is beyond the stretch).
    missing_from: int | None = None
    #: The stretch's own perfect subtrees, largest first, where the check ended.
    subtrees: list[bytes] = field(default_factory=list)
    #: The same at each checkpoint size reached.
    at_checkpoints: dict[int, list[bytes]] = field(default_factory=dict)
    #: A whole stretch's last entry's stored hashes above the stretch's own root.
    above: bytes = b""


def check(cursor: Any, stretch: Stretch) -> Checked:
    """Check ``stretch`` reading with the DB-API ``cursor``."""
    sha256 = hashlib.sha256
    stack: list[bytes] = []
    push, pop = stack.append, stack.pop
    at_checkpoints: dict[int, list[bytes]] = {}
    sizes = iter(stretch.checkpoint_sizes)
    due = next(sizes, -1)
    start, last = stretch.start, stretch.start + stretch.size - 1
    n = start
    above = b""
    cursor.execute(stretch.sql)
    while rows := cursor.fetchmany(FETCH):
        for seq, leaf, subtrees, text in rows:  # the hot loop
            if seq != n:
                return Checked(n, f"entry {n} is missing (the next one is {seq})", subtrees=stack)
            if sha256(b"\x00" + text.encode()).digest() != leaf:
                return Checked(
                    n, f"entry {n} was altered: it no longer matches its leaf", subtrees=stack
                )
            push(leaf)
            if n & 1:
                made = b""
                carry = n - start  # merges inside the stretch: the local index's trailing ones
                while carry & 1:
                    right = pop()
                    made += (merged := sha256(b"\x01" + pop() + right).digest())
                    push(merged)
                    carry >>= 1
                if n == last:
                    above, subtrees = subtrees[len(made) :], subtrees[: len(made)]
                if subtrees != made:
                    return Checked(n, f"entry {n} has wrong stored subtree hashes", subtrees=stack)
            elif n == last:  # a stretch of one entry: all it stores is above it
                above = subtrees or b""
            elif subtrees:
                return Checked(n, f"entry {n} has wrong stored subtree hashes", subtrees=stack)
            n += 1
            if n == due:
                at_checkpoints[n] = stack.copy()
                due = next(sizes, -1)
    if n < stretch.end:
        return Checked(missing_from=n, subtrees=stack, at_checkpoints=at_checkpoints)
    return Checked(subtrees=stack, at_checkpoints=at_checkpoints, above=bytes(above))


def stretches_of(size: int, stretch: int) -> Iterator[tuple[int, int]]:
    """(start, end) of the stretches of ``stretch`` entries covering a log of ``size``."""
    if stretch < 1 or stretch & (stretch - 1):
        raise ValueError(f"a stretch is a power of two entries, not {stretch}")
    for start in range(0, size, stretch):
        yield start, min(start + stretch, size)


# --------------------------------------------------------------------------- in processes


def in_turn(connection: Any, stretches: Sequence[Stretch]) -> Iterator[tuple[Stretch, Checked]]:
    """Each stretch with its check, in order, read on the DB-API ``connection``."""
    with closing(connection.cursor()) as cursor:
        for stretch in stretches:
            yield stretch, check(cursor, stretch)


def in_order(
    pool: Executor, url: str, stretches: Sequence[Stretch]
) -> Iterator[tuple[Stretch, Checked]]:
    """Each stretch with its check, in order, checked in ``pool``'s processes."""
    futures = [pool.submit(check_alone, url, stretch) for stretch in stretches]
    for stretch, future in zip(stretches, futures, strict=True):
        yield stretch, future.result()


def check_alone(url: str, stretch: Stretch) -> Checked:
    """``check`` on a connection of its own to the database at ``url`` (in a process of
    its own: nothing of the parent's connections is used)."""
    engine = create_engine(url, poolclass=NullPool)
    try:
        with closing(engine.raw_connection()) as connection, closing(connection.cursor()) as cursor:
            return check(cursor, stretch)
    finally:
        engine.dispose()


def workers() -> int:
    """Processes to check stretches in: one per core this process may use."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


@contextmanager
def process_pool(count: int) -> Iterator[Executor | None]:
    """A pool of ``count`` processes, or None when one would do or processes cannot be
    forked here (the caller then checks the stretches in turn itself)."""
    if count < 2 or "fork" not in multiprocessing.get_all_start_methods():
        yield None
        return
    # Forked, the children start at once with this process's modules already imported.
    pool = ProcessPoolExecutor(count, mp_context=multiprocessing.get_context("fork"))
    try:
        yield pool
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
