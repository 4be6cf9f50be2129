"""Key-encryption key rotation: a new KEK version, and every data key rewrapped with it.

Online and resumable: data keys are rewrapped in batches, each committed on its own, and
every key records the KEK version that wraps it, so reads work throughout (both versions
are held until the end) and a rotation that was interrupted simply carries on when run
again. An old version is retired (destroyed) only once no live data key uses it.

Rotation is also what makes an erasure final. Erasing a record destroys its data key's
row, but a backup taken before, a dead row or the write-ahead log may still hold that key
wrapped by the KEK version of the day; as long as the key store holds that version, the
erased record can be read from them. A destroyed key keeps the version that wrapped it,
so the erasures still waiting are those whose version is held (``KeyStatus``); the next
rotation retires it, and from then on nothing wrapped by it can be opened.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, func, select, update
from sqlalchemy.orm import Session, sessionmaker

from sharing.audit import acts
from sharing.crypto.data_keys import keep_new_keys_out, wrap_context
from sharing.crypto.keys import KeyProvider, KeyringError
from sharing.models import DataKey


@dataclass(frozen=True)
class KeyStatus:
    active: int
    #: KEK version → number of live data keys it wraps (every held version is listed).
    wrapping: dict[int, int]
    destroyed: int
    #: Destroyed data keys whose wrapping version the key store still holds (erasures a
    #: backup taken before them could still undo), and when the oldest was destroyed.
    erasures_waiting: int = 0
    oldest_waiting: datetime | None = None

    @property
    def pending(self) -> int:
        """Live data keys not yet wrapped with the active version."""
        return sum(n for v, n in self.wrapping.items() if v != self.active)


def key_status(session: Session, provider: KeyProvider) -> KeyStatus:
    counts = dict(
        session.execute(
            select(DataKey.kek_version, func.count())
            .where(DataKey.wrapped.is_not(None))
            .group_by(DataKey.kek_version)
        ).all()
    )
    destroyed = (
        session.scalar(select(func.count()).select_from(DataKey).where(DataKey.wrapped.is_(None)))
        or 0
    )
    waiting, oldest = session.execute(
        select(func.count(), func.min(DataKey.destroyed_at)).where(
            DataKey.wrapped.is_(None), DataKey.kek_version.in_(provider.versions())
        )
    ).one()
    return KeyStatus(
        active=provider.active_version(),
        wrapping={v: counts.get(v, 0) for v in sorted(set(provider.versions()) | set(counts))},
        destroyed=destroyed,
        erasures_waiting=waiting or 0,
        oldest_waiting=oldest,
    )


@dataclass(frozen=True)
class KeyCoverage:
    """Which key versions a database's live data keys are wrapped by, how many each, and
    whether the key store holds each and opened one of its keys (after a restore)."""

    versions: dict[int, int]
    held: set[int]
    opened: set[int]
    destroyed: int

    @property
    def unopened(self) -> int:
        """Live data keys no version the key store holds can open."""
        return sum(n for v, n in self.versions.items() if v not in self.opened)

    def problem(self) -> str | None:
        """Why the key store cannot open some live data keys, and what to do (one line);
        None when it opens them all."""
        missing = {v: n for v, n in self.versions.items() if v not in self.held}
        if missing:
            return (
                f"{sum(missing.values())} data keys are wrapped by key version "
                f"{_listed(missing)}, which this key store does not hold: restore "
                "the key store copy that has it"
            )
        foreign = {v: n for v, n in self.versions.items() if v not in self.opened}
        if foreign:
            return (
                f"{sum(foreign.values())} data keys are wrapped by key version "
                f"{_listed(foreign)}, which this key store holds but whose key does "
                "not open them (another hub's key store, or a mixed-up copy): restore the "
                "key store copy taken with this database"
            )
        return None


def _listed(versions: dict[int, int]) -> str:
    return ", ".join(str(v) for v in sorted(versions))


def key_coverage(session: Session, provider: KeyProvider) -> KeyCoverage:
    """For each key version the live data keys use: how many, and whether the key store
    unwraps one of them (the key is dropped at once; nothing sealed is opened)."""
    status = key_status(session, provider)
    versions = {v: n for v, n in status.wrapping.items() if n}
    held = set(provider.versions())
    opened = set()
    for version in versions.keys() & held:
        one = session.execute(
            select(DataKey.id, DataKey.wrapped)
            .where(DataKey.kek_version == version, DataKey.wrapped.is_not(None))
            .limit(1)
        ).one()
        try:
            provider.unwrap(version, one.wrapped or b"", wrap_context(one.id, version))
        except KeyringError:
            continue
        opened.add(version)
    return KeyCoverage(versions, held, opened, status.destroyed)


@dataclass(frozen=True)
class RotationReport:
    version: int
    resumed: bool
    rewrapped: int
    retired: list[int]
    #: Data keys erased while the rotation was rewrapping them: left destroyed.
    skipped: int = 0


def rotate(
    sessions: sessionmaker[Session],
    provider: KeyProvider,
    *,
    batch_size: int = 500,
    pause: float = 0.0,
    progress: Callable[[int, int], None] = lambda done, left: None,
) -> RotationReport:
    """Rewrap every data key with a new KEK version, or finish an interrupted rotation.

    ``progress(rewrapped so far, left)`` is called after each committed batch. Raises
    KeyringError, before changing anything, when the key store cannot open some live data
    keys (``KeyCoverage.problem``).
    """
    if batch_size < 1:
        raise ValueError("batch size must be at least 1")
    with sessions() as session:
        problem = key_coverage(session, provider).problem()
        if problem:  # refused before a version is added to a key store that cannot serve
            raise KeyringError(problem)
        resumed = key_status(session, provider).pending > 0
    version = provider.active_version() if resumed else provider.add_version()
    with sessions() as session:
        _audit(session, f"{'resumed' if resumed else 'started'}: rewrapping with version {version}")
    done = skipped = 0
    while True:
        with sessions() as session:
            rewrapped, erased, left = _rewrap_batch(session, provider, version, batch_size)
        if not rewrapped and not erased:
            break
        done += rewrapped
        skipped += erased
        progress(done, left)
        if pause:
            time.sleep(pause)
    retired = _retire_unused(sessions, provider)
    with sessions() as session:
        _audit(
            session,
            f"finished: {done} data keys rewrapped with version {version}; "
            f"versions retired {acts.ids(retired)}"
            + (f"; {skipped} erased meanwhile, left destroyed" if skipped else ""),
        )
    return RotationReport(
        version=version, resumed=resumed, rewrapped=done, retired=retired, skipped=skipped
    )


def _rewrap_batch(
    session: Session, provider: KeyProvider, version: int, batch_size: int
) -> tuple[int, int, int]:
    """Rewrap the next ``batch_size`` live data keys with ``version`` and commit: how many
    were rewrapped, how many were erased meanwhile (left destroyed), and how many are left.

    The keys are read without a lock, so a record may be erased between the read and the
    write: each key is written only if it is still live and wrapped as it was read (on
    PostgreSQL the UPDATE waits for the erasure's lock, then looks again), so a destroyed
    key is never written back."""
    batch = session.execute(
        select(DataKey.id, DataKey.kek_version, DataKey.wrapped)
        .where(*_live_under_another(version))
        .order_by(DataKey.id)
        .limit(batch_size)
    ).all()
    if not batch:
        return 0, 0, 0
    rows = []
    for key_id, old_version, wrapped in batch:
        key = provider.unwrap(old_version, wrapped or b"", wrap_context(key_id, old_version))
        rewrapped = provider.wrap(version, key, wrap_context(key_id, version))
        rows.append({"key_id": key_id, "old_version": old_version, "new_wrapped": rewrapped})
    # on the connection: one statement for the batch, its rowcount the rows it changed
    written = session.connection().execute(
        update(DataKey)
        .where(
            DataKey.id == bindparam("key_id"),
            DataKey.kek_version == bindparam("old_version"),
            DataKey.wrapped.is_not(None),
        )
        .values(wrapped=bindparam("new_wrapped"), kek_version=version),
        rows,
    )
    session.commit()
    left = (
        session.scalar(
            select(func.count()).select_from(DataKey).where(*_live_under_another(version))
        )
        or 0
    )
    return written.rowcount, len(rows) - written.rowcount, left


@dataclass(frozen=True)
class Finalised:
    """What ``finalise_erasures`` did: its rotations (none when every erasure was final),
    the erasures they made final, and those still waiting (made while it ran)."""

    rotations: list[RotationReport]
    made_final: int
    still_waiting: int


def finalise_erasures(
    sessions: sessionmaker[Session], provider: KeyProvider, *, batch_size: int = 500
) -> Finalised:
    """Make every waiting erasure final: rotate, so the versions that wrapped destroyed
    keys are retired.

    A rotation that was interrupted is finished first, keeping its version; a key it had
    already rewrapped with that version and that was erased since is still wrapped by a
    held version, so a second rotation (a new version) then retires it too. Erasures
    made while this runs may still wait: ``still_waiting`` counts them. Raises
    KeyringError when the key store cannot open some live data keys, as ``rotate`` does,
    even with nothing waiting: the next erasure could not be made final either."""
    rotations: list[RotationReport] = []
    with sessions() as session:
        problem = key_coverage(session, provider).problem()
        if problem:
            raise KeyringError(problem)
        waiting = key_status(session, provider).erasures_waiting
    while waiting and (not rotations or rotations[-1].resumed):
        rotations.append(rotate(sessions, provider, batch_size=batch_size))
        with sessions() as session:
            waiting = key_status(session, provider).erasures_waiting
    retired = [v for report in rotations for v in report.retired]
    with sessions() as session:
        made_final = session.scalar(
            select(func.count())
            .select_from(DataKey)
            .where(DataKey.wrapped.is_(None), DataKey.kek_version.in_(retired))
        )
    return Finalised(rotations, made_final or 0, waiting)


def _audit(session: Session, what: str) -> None:
    """Rotation is run by an administrator at the console: the entry names no user."""
    acts.record(session, acts.Action.KEYS_ROTATE, subject=acts.Subject("key_store"), basis=what)
    session.commit()


def _live_under_another(version: int) -> tuple[ColumnElement[bool], ...]:
    """Live data keys wrapped by another version than ``version`` (destroyed ones keep
    theirs: it says which version must go for their erasure to be final)."""
    return (DataKey.kek_version != version, DataKey.wrapped.is_not(None))


def _retire_unused(sessions: sessionmaker[Session], provider: KeyProvider) -> list[int]:
    """Retire the held versions no live data key uses (making final the erasures of the
    keys they wrapped). A data key being made meanwhile under an older version is waited
    for and counted (``keep_new_keys_out``): its version stays, for the next rotation."""
    with sessions() as session:
        keep_new_keys_out(session)
        used = set(
            session.scalars(
                select(DataKey.kek_version).where(DataKey.wrapped.is_not(None)).distinct()
            )
        )
        retired = [
            v for v in provider.versions() if v != provider.active_version() and v not in used
        ]
        for version in retired:
            provider.retire(version)
        session.commit()
    return retired
