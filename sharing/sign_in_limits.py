"""How many failed sign-ins one source may make (an IPv4 address, or an IPv6 /64: see
``sharing.sources``): a wrong password, a wrong security code, an unknown address. Past
``per_source`` in the last ``window``, the source's attempts are refused before any
password or code is checked, whichever account they name, so one sender cannot try a few
passwords against every account of every agency, nor re-lock accounts at will. Sign-ins
from other sources are never refused for it (there is no limit of everyone together).

Each attempt is a row (a keyed hash of the source and the time) from before its password
is checked, kept only if it fails, so the limit holds across every worker of the hub and
for attempts at the same moment; a refused attempt is not kept, and rows older than the
window are deleted (at the next attempt, and by the hub's housekeeping). The first refusal of each window is one audit entry (never the
address); the rest of the window's are refused without one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.models import SignInFailure


@dataclass(frozen=True)
class Limits:
    #: Failed sign-ins allowed from one source per ``window``.
    per_source: int = 30
    window: timedelta = timedelta(hours=1)


def attempt(session: Session, key: str, now: datetime, limits: Limits = Limits()) -> int:
    """Count an attempt to sign in from the source hashed to ``key`` as failed, until it
    proves right (``succeeded``); returns its row's id. The caller commits it before
    asking ``refused_until``, so that attempts at the same moment, in any worker, each
    see the others. Failures older than the window are forgotten."""
    forget_old(session, now, limits)
    row = SignInFailure(key=key, at=now, refused=False)
    session.add(row)
    session.flush()
    return row.id


def refused_until(
    session: Session, attempt_id: int, now: datetime, limits: Limits = Limits()
) -> datetime | None:
    """None when the attempt ``attempt_id`` is within its source's limit; otherwise when
    the source may try again (its oldest failure in the window leaves it). A refused
    attempt is not counted; the first refusal of the window is recorded."""
    row = session.get(SignInFailure, attempt_id)
    if row is None:
        return None
    since = now - limits.window
    if failures(session, row.key, since) <= limits.per_source:
        return None
    session.delete(row)
    oldest = session.scalar(
        select(func.min(SignInFailure.at)).where(
            SignInFailure.key == row.key,
            SignInFailure.at >= since,
            SignInFailure.refused.is_(False),
        )
    )
    _record_first_refusal(session, row.key, now, since)
    session.flush()
    return (oldest or now) + limits.window


def _record_first_refusal(session: Session, key: str, now: datetime, since: datetime) -> None:
    recorded = session.scalar(
        select(func.count())
        .select_from(SignInFailure)
        .where(SignInFailure.key == key, SignInFailure.at >= since, SignInFailure.refused)
    )
    if recorded:
        return
    session.add(SignInFailure(key=key, at=now, refused=True))
    acts.record(
        session,
        acts.Action.SIGN_IN_FAILED,
        outcome=acts.Outcome.REFUSED,
        basis="too many failed sign-ins from one source: the rest of the window's are "
        "refused without an entry each",
    )


def forget_old(session: Session, now: datetime, limits: Limits = Limits()) -> int:
    """Forget every failure (and noted refusal) older than the window: each attempt does
    it, and the hub's housekeeping (``hub users sweep``) does it on a quiet hub; how many
    were forgotten."""
    forgotten: int = session.execute(  # type: ignore[attr-defined]  # a DELETE's CursorResult
        delete(SignInFailure)
        .where(SignInFailure.at < now - limits.window)
        .execution_options(synchronize_session=False)
    ).rowcount
    return forgotten


def succeeded(session: Session, attempt_id: int) -> None:
    """The attempt ``attempt_id`` proved right (a password before its security code, or
    a whole sign-in): it is not a failure."""
    session.execute(delete(SignInFailure).where(SignInFailure.id == attempt_id))


def failures(session: Session, key: str, since: datetime) -> int:
    """The failures counted against ``key`` since ``since``."""
    return (
        session.scalar(
            select(func.count())
            .select_from(SignInFailure)
            .where(
                SignInFailure.key == key,
                SignInFailure.at >= since,
                SignInFailure.refused.is_(False),
            )
        )
        or 0
    )


def count_failure(session: Session, key: str, now: datetime) -> None:
    """Count a failure against ``key`` (a browser that has signed in before: see
    ``sharing.known_browsers``); forgotten with the source's, after the window."""
    session.add(SignInFailure(key=key, at=now, refused=False))
    session.flush()
