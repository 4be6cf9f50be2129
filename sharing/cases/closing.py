"""Closing a case: one of the procedure's reasons, whether the behaviour was resolved and
by what, and a note; its shares for ASB case management end with it.

The function checks its input again (the web form checks first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import recording, shares
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import Case
from sharing.vocabulary import CaseStatus, ClosureOutcome, ClosureReason, Intervention

#: The longest note on a case's closing.
MAX_CLOSING_NOTE = 2000


#: The closure reason "no reports of ASB for 28 days" (003 §3.13) needs that many days.
QUIET_DAYS = 28


def _require_quiet_days(case: Case, today: date) -> None:
    """``InputError`` at the reason when a report was made within ``QUIET_DAYS``."""
    latest = max((i.reported_day for i in case.incidents), default=None)
    if latest is not None and latest > today - timedelta(days=QUIET_DAYS):
        raise InputError(
            "reason",
            f"The latest report was made on {latest:%-d %B %Y}: this reason needs "
            f"{QUIET_DAYS} days without reports (from "
            f"{latest + timedelta(days=QUIET_DAYS):%-d %B %Y})",
        )


def close_case(
    session: Session,
    authorised: AuthorisedCase,
    reason: ClosureReason,
    note: str = "",
    now: datetime | None = None,
    *,
    outcome: ClosureOutcome | None,
    resolved_by: Intervention | None = None,
) -> Case:
    """Close a case (authorised for ``Act.CLOSE``) with one of the procedure's reasons,
    whether the behaviour was resolved and, if it was, the main action that resolved it
    (HouseMark's list). Refused, with the field, nothing written and the refusal audited:
    a case already closed, no outcome, a resolved case without its main action, or an
    action given for one not resolved. Its live shares for ASB case management end with it
    (``shares.end_at_closing``)."""
    authorised.require(Act.CLOSE)
    case, actor = authorised.case, authorised.actor
    with acts.refusing_input(
        session, acts.Action.CASE_CLOSE, actor=actor, subject=authorised.subject
    ):
        read_for_change(session, case)  # closed twice at once: the second waits, then sees it
        if case.status is CaseStatus.CLOSED:
            raise InputError("reason", "This case is already closed")
        if outcome is None:
            raise InputError("outcome", "Say whether the anti-social behaviour was resolved")
        if outcome is ClosureOutcome.RESOLVED and resolved_by is None:
            raise InputError("resolved_by", "Choose the main action that resolved it")
        if outcome is ClosureOutcome.NOT_RESOLVED and resolved_by is not None:
            raise InputError(
                "resolved_by", "Leave the main action empty: the behaviour was not resolved"
            )
        if reason is ClosureReason.RESOLVED and outcome is ClosureOutcome.NOT_RESOLVED:
            raise InputError(
                "outcome",
                "The reason says the anti-social behaviour has been resolved: choose "
                "resolved, or another reason",
            )
        if reason is ClosureReason.NO_REPORTS_28_DAYS:
            _require_quiet_days(case, clock.day_of(now or clock.now()))
        text = recording.text("note", note, limit=MAX_CLOSING_NOTE, what="the note")
    case.status = CaseStatus.CLOSED
    case.closure_reason = reason
    case.closure_outcome = outcome
    case.resolved_by = resolved_by
    case.closed_at = closed_at = now or clock.now()
    case.review_due_on = None
    case.risk_review_due_on = None
    seal(case, "closure_note", text)
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_CLOSE,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=f"reason {reason.value}; {outcome.value}"
        + (f" by {resolved_by.value}" if resolved_by else ""),
    )
    shares.end_at_closing(session, actor, case, closed_at)
    return case
