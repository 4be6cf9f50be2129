"""Closing a case: one of the procedure's reasons, whether the behaviour was resolved and
by what, and a note; its shares for ASB case management end with it, and so do the
actions still open on it (its own, and those its conferences agreed with partners): no one
works a closed case, so nothing of it should wait on anyone's list. Its conferences still
planned are cancelled with it (``sharing.meetings.conference_cancelling``): partners are
no longer invited to meet about a closed case.

The function checks its input again (the web form checks first, for the user), asks
``sharing.access.decide`` whether the actor may act, writes, and flushes. The caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import case_notices, clock, stamps
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.access.reveal import load_data_keys
from sharing.audit import acts
from sharing.cases import more_ending, recording, share_ending
from sharing.cases.actions_shown import ActionView, action_views
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.meetings import conference_cancelling
from sharing.models import Action, Case, Conference, User
from sharing.vocabulary import (
    ActionStatus,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    ConferenceCancelReason,
    ConferenceStatus,
    Intervention,
    MoreRequestEnd,
)

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


@dataclass(frozen=True)
class ConferenceToCancel:
    """A planned conference of the case, as the close form lists it: when and where."""

    id: int
    starts_at: datetime
    where: str


@dataclass(frozen=True)
class ActionsToClose:
    """The case's open actions and planned conferences as the close form lists them, and
    the stamp the form carries so that a closing sent from it closes only the actions,
    and cancels only the conferences, it listed."""

    actions: list[ActionView]
    stamp: str
    conferences: list[ConferenceToCancel]


def open_actions(session: Session, case: Case, *, for_closing: bool = False) -> list[Action]:
    """The case's open actions, its own and its conferences', soonest due first (undated
    last); each locked until the transaction ends ``for_closing``, so that one marked
    done at the same moment is either done first or closed with the case."""
    query = (
        select(Action)
        .where(Action.case_id == case.id, Action.status == ActionStatus.OPEN)
        .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
    )
    if for_closing:
        # Read again, not as the session last saw them: one closed meanwhile is left out.
        return list(
            session.scalars(
                query.with_for_update(of=Action).execution_options(populate_existing=True)
            )
        )
    return list(
        session.scalars(
            query.options(selectinload(Action.owner_agency), selectinload(Action.owner_user))
        )
    )


def planned_conferences(
    session: Session, case: Case, now: datetime | None = None
) -> list[Conference]:
    """The case's conferences still to come, soonest first: they are cancelled with it
    (one whose time has come stays, for its minutes and the actions it agreed)."""
    return list(
        session.scalars(
            select(Conference)
            .where(
                Conference.case_id == case.id,
                Conference.status == ConferenceStatus.PLANNED,
                Conference.minutes_status.is_(None),
                Conference.starts_at > (now or clock.now()),
            )
            .order_by(Conference.starts_at, Conference.id)
        )
    )


def _listed(actions: list[Action], conferences: list[Conference]) -> list[object]:
    """What the close form's stamp holds beside the case: the ids of its open actions and
    of its planned conferences."""
    return [*(a.id for a in actions), *(f"conference {c.id}" for c in conferences)]


def _stamp(session: Session, case: Case, actions: list[Action]) -> str:
    also = _listed(actions, planned_conferences(session, case))
    return stamps.of(session, case, only=("status",), also=also)


def actions_to_close(
    session: Session, authorised: AuthorisedCase, today: date | None = None
) -> ActionsToClose:
    """The open actions the close form lists (what is to be done as the decision allows,
    who holds each and by when), recorded as one view of the actions category when it
    lists any; with the stamp that refuses a closing sent from a form that listed other
    actions than the case has open then."""
    case, decision = authorised.case, authorised.decision
    actions = open_actions(session, case)
    if actions and decision.allows("actions"):
        load_data_keys(session, {case.data_key_id})
        acts.record(
            session,
            acts.Action.CASE_VIEW,
            actor=authorised.actor,
            subject=authorised.subject,
            basis=f"actions: {decision.categories['actions']} "
            f"| sections close form, open actions {acts.ids([a.id for a in actions])}",
        )
    return ActionsToClose(
        action_views(decision, actions, today or clock.today()),
        _stamp(session, case, actions),
        [
            ConferenceToCancel(c.id, c.starts_at, c.place or "By video")
            for c in planned_conferences(session, case)
        ],
    )


def _check_actions_as_listed(session: Session, case: Case, opened: str | None) -> None:
    """``ChangedMeanwhile`` when the case's open actions are not those the close form
    listed (its stamp ``opened``): one added, or one marked done or cancelled, after it
    was opened, naming who did the latest of those and when."""
    try:
        stamps.check(
            session,
            opened,
            case,
            only=("status",),
            also=lambda: _listed(open_actions(session, case), planned_conferences(session, case)),
        )
    except ChangedMeanwhile:
        raise ChangedMeanwhile(*_latest_change_of_actions(session, case)) from None


def _latest_change_of_actions(session: Session, case: Case) -> tuple[datetime | None, str | None]:
    """When an action of the case was last added or closed, or a conference of it
    convened or cancelled, and who by."""
    moments: list[tuple[datetime, int | None]] = [
        (at, by)
        for a in session.scalars(select(Action).where(Action.case_id == case.id))
        for at, by in ((a.created_at, a.created_by_id), (a.closed_at, a.closed_by_id))
        if at is not None
    ] + [
        (at, by)
        for c in session.scalars(select(Conference).where(Conference.case_id == case.id))
        for at, by in ((c.convened_at, c.convened_by_id), (c.cancelled_at, c.cancelled_by_id))
        if at is not None
    ]
    if not moments:
        return None, None
    at, user_id = max(moments, key=lambda m: m[0])
    user = session.get(User, user_id) if user_id is not None else None
    return at, user.display_name if user else None


def close_case(
    session: Session,
    authorised: AuthorisedCase,
    reason: ClosureReason,
    note: str = "",
    now: datetime | None = None,
    *,
    outcome: ClosureOutcome | None,
    resolved_by: Intervention | None = None,
    opened: str | None = None,
) -> Case:
    """Close a case (authorised for ``Act.CLOSE``) with one of the procedure's reasons,
    whether the behaviour was resolved and, if it was, the main action that resolved it
    (HouseMark's list). Refused, with the field, nothing written and the refusal audited:
    a case already closed, no outcome, a resolved case without its main action, or an
    action given for one not resolved. Its live shares for ASB case management end with it
    (``share_ending.end_at_closing``), and its open actions close with it: each cancelled,
    marked ``closed_with_case``, at the closing and by the closer, named in the closing's
    one audit entry; the partners that held any are told (``case_notices.actions_closed_with_case``).
    Its conferences still planned are cancelled with it, each as one cancelled on its own
    (``conference_cancelling.with_case``), named in the closing's entry too.
    Its partners' requests for more still waiting end with it, unanswered
    (``more_ending``). ``ChangedMeanwhile`` if the case's open actions or planned
    conferences are not those the close form listed (its stamp ``opened``), so none is
    closed unseen."""
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
            raise InputError("resolved_by", "Select the main action that resolved it")
        if resolved_by is not None and resolved_by not in Intervention.open_to(case.agency.type):
            raise InputError(
                "resolved_by", f"{resolved_by.label} is a landlord's action: select another"
            )
        if outcome is ClosureOutcome.NOT_RESOLVED and resolved_by is not None:
            raise InputError(
                "resolved_by", "Leave the main action empty: the behaviour was not resolved"
            )
        if reason is ClosureReason.RESOLVED and outcome is ClosureOutcome.NOT_RESOLVED:
            raise InputError(
                "outcome",
                "The reason says the anti-social behaviour has been resolved: select "
                "resolved, or another reason",
            )
        if reason is ClosureReason.NO_REPORTS_28_DAYS:
            _require_quiet_days(case, clock.day_of(now or clock.now()))
        text = recording.text("note", note, limit=MAX_CLOSING_NOTE, what="the note")
    _check_actions_as_listed(session, case, opened)
    case.status = CaseStatus.CLOSED
    case.closure_reason = reason
    case.closure_outcome = outcome
    case.resolved_by = resolved_by
    case.closed_at = closed_at = now or clock.now()
    case.review_due_on = None
    case.risk_review_due_on = None
    seal(case, "closure_note", text)
    closed_actions = _close_open_actions(session, case, actor.user_id, closed_at)
    # Before its shares end (with its conferences, or at closing): the case closed them.
    more_ending.with_case(session, actor, case, MoreRequestEnd.CASE_CLOSED, closed_at)
    # First, so that the notices of its actions link where their holders may still look.
    cancelled = conference_cancelling.with_case(
        session, actor, case, ConferenceCancelReason.CASE_CLOSED, now=closed_at
    )
    session.flush()
    case_notices.actions_closed_with_case(session, case, closed_actions, actor, closed_at)
    acts.record(
        session,
        acts.Action.CASE_CLOSE,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=f"reason {reason.value}; {outcome.value}"
        + (f" by {resolved_by.value}" if resolved_by else "")
        + f"; closed with it: actions {acts.ids([a.id for a in closed_actions])}"
        + (f"; conferences {acts.ids([c.id for c in cancelled])} cancelled" if cancelled else ""),
    )
    share_ending.end_at_closing(session, actor, case, closed_at)
    return case


def _close_open_actions(
    session: Session, case: Case, closer_id: int, closed_at: datetime
) -> list[Action]:
    """Close the case's open actions with it: cancelled, not by a decision on each but
    because the case closed (``closed_with_case``), at the closing, by the closer."""
    closed = open_actions(session, case, for_closing=True)
    for action in closed:
        action.status = ActionStatus.CANCELLED
        action.closed_with_case = True
        action.closed_at = closed_at
        action.closed_by_id = closer_id
    return closed
