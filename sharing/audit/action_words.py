"""The parts of an audit entry's basis that read one way only in the entries of one action,
for the DPO's "Why" (``sharing.audit.reasons``): a stored choice's code by its label, a
case's closure and review, a lock request and its decision, a Community Trigger decision,
how someone signed in, why their sessions ended, an emergency access. A value this does
not know is shown as stored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

from sharing import clock
from sharing.audit import acts
from sharing.audit.basis_names import Names, with_names
from sharing.audit.part_words import (
    Rules,
    clause_in_words,
    day_in_words,
    label_of,
    lowered,
    part_in_words,
)
from sharing.trigger import corrected_fields
from sharing.trigger.handling import DECIDED_AGAIN_BASIS
from sharing.vocabulary import (
    AppealDecision,
    ClosureOutcome,
    ClosureReason,
    ConferenceCancelReason,
    Intervention,
    Labelled,
    LockReason,
    LockStatus,
    ReviewDecision,
    SessionEnd,
    SittingCancelReason,
    ThresholdDecision,
)


def _choice(kind: type[Labelled], said: str = "{}") -> Callable[[re.Match[str], Names], str]:
    """A part that is one of ``kind``'s values (the match's first group), said by its label
    in ``said``; a value that is none of them is shown as stored."""

    def words(m: re.Match[str], _: Names) -> str:
        label = label_of(kind, m[1])
        if label is None:
            return m[0]
        return said.format(label if said.startswith("{}") else lowered(label))

    return words


def _closed_as(m: re.Match[str], _: Names) -> str:
    """A closed case's outcome (``not_resolved``; ``resolved by warning_letter``)."""
    outcome = label_of(ClosureOutcome, m["outcome"])
    if outcome is None:
        return m[0]
    if not m["by"]:
        return outcome
    by = label_of(Intervention, m["by"])
    return f"{outcome}; what resolved it: {lowered(by) if by else m['by']}"


#: Why a user's sessions were ended, as the DPO reads it (the sign-in page tells the user).
_SESSIONS_ENDED_BECAUSE = {
    SessionEnd.SIGNED_OUT: "they signed out",
    SessionEnd.IDLE: "they had not used the hub for a while",
    SessionEnd.SIGNED_OUT_EVERYWHERE: "they chose to sign out everywhere",
    SessionEnd.ENDED_BY_MANAGER: "their roles or team changed, or whoever acted signed them out",
    SessionEnd.PASSWORD_RESET: "their password was reset",
    SessionEnd.SECOND_FACTOR_RESET: "their authenticator app was reset",
    SessionEnd.ACCOUNT_DISABLED: "their account was disabled",
}


def _sessions_ended(m: re.Match[str], _: Names) -> str:
    """ "password_reset: 2 sessions ended": why, and how many were open."""
    why = SessionEnd.of(m["why"])
    if why is None:
        return m[0]
    count = int(m["count"])
    ended = {0: "none was open", 1: "1 session ended"}.get(count, f"{count} sessions ended")
    return f"Signed out because {_SESSIONS_ENDED_BECAUSE[why]}: {ended}"


#: How a sign-in's first step was recorded: the hub's password, or the agency's identity
#: provider by the name its staff know their account by ("Larkmoor Housing account").
_SIGNED_IN = re.compile(r"(?P<how>password|(?P<provider>.+) account)(?P<code> and security code)?")


def _signed_in(m: re.Match[str], _: Names) -> str:
    """ "password and security code", "Larkmoor Housing account": how who signed in was
    established, in words (the security code is the hub's own, from an authenticator app;
    one a provider asked for itself is the provider's, not recorded)."""
    if m["provider"]:
        said = f"Through their agency's identity provider (their {m['provider']} account)"
        return said + (", then a security code from their authenticator app" if m["code"] else "")
    if m["code"]:
        return "With a password and a security code from their authenticator app"
    return "With a password only (no security code)"


def _lock_requested(m: re.Match[str], _: Names) -> str:
    """ "request 12, reason sensitive": the request and why, in the form's words."""
    label = label_of(LockReason, m["reason"])
    return f"Lock request {m['id']}: {lowered(label)}" if label else m[0]


def _lock_decided(m: re.Match[str], _: Names) -> str:
    """ "lock request 12 approved": the request and how it was decided, in words."""
    decided = {LockStatus.APPROVED.value: "approved", LockStatus.REFUSED.value: "refused"}
    if m["status"] not in decided:
        return m[0]
    return f"{m['kind'].capitalize()} request {m['id']} {decided[m['status']]}"


def _emergency_access(m: re.Match[str], names: Names) -> str:
    """ "emergency access 7 until 2026-12-06T19:47+00:00: <clause>": the access, until when
    in UK time, and the emergency protocol's clause by its title."""
    try:
        until = clock.moment_text(datetime.fromisoformat(m["until"]))
    except ValueError:
        until = m["until"]
    grant = clause_in_words(m["grant"], names) or with_names(m["grant"], names)
    return f"Emergency access {m['id']} until {until}: {grant}"


#: Parts that read one way only in the entries of one action: a stored choice's code, a
#: Community Trigger decision, a case's closure. Tried before the parts of any action.
BY_ACTION: dict[str, Rules] = {
    acts.Action.CASE_CLOSE.value: [
        (re.compile(r"reason (\w+)"), _choice(ClosureReason, "Closed because {}")),
        (re.compile(r"(?P<outcome>\w+)(?: by (?P<by>\w+))?"), _closed_as),
        (re.compile(r"closed with it: actions none"), lambda m, _: "no open action to close"),
        (
            re.compile(r"closed with it: actions (?P<ids>[\d,]+)"),
            lambda m, _: f"open actions closed with it: {m['ids'].replace(',', ', ')}",
        ),
    ],
    acts.Action.CASE_REVIEW.value: [
        (re.compile(r"review (\d+)"), lambda m, _: f"Review {m[1]}"),
        (re.compile(r"(\w+)"), _choice(ReviewDecision, "decided: {}")),
        (
            re.compile(r"next review (\d{4}-\d\d-\d\d)"),
            lambda m, _: f"next review {day_in_words(m[1])}",
        ),
    ],
    acts.Action.CONFERENCE_CANCEL.value: [
        (re.compile(r"reason (\w+)"), _choice(ConferenceCancelReason, "cancelled because {}")),
    ],
    acts.Action.MEETING_CANCEL.value: [
        (re.compile(r"reason (\w+)"), _choice(SittingCancelReason, "Cancelled because {}")),
    ],
    acts.Action.LOCK_REQUEST.value: [
        (re.compile(r"request (?P<id>\d+), reason (?P<reason>\w+)"), _lock_requested),
    ],
    acts.Action.UNLOCK_REQUEST.value: [
        (re.compile(r"request (\d+)"), lambda m, _: f"Unlock request {m[1]}"),
    ],
    acts.Action.LOCK_DECIDE.value: [
        (
            re.compile(r"(?P<kind>lock|unlock) request (?P<id>\d+) (?P<status>\w+)"),
            _lock_decided,
        ),
        (
            re.compile(r"named users ([\d,]+)"),
            lambda m, _: f"locked to users {m[1].replace(',', ', ')}",
        ),
    ],
    acts.Action.TRIGGER_DECIDE.value: [
        (
            re.compile(re.escape(DECIDED_AGAIN_BASIS)),
            lambda m, _: "Decided again after the appeal",
        ),
        (re.compile(r"(\w+)"), _choice(ThresholdDecision)),
        (
            re.compile(r"advice (?P<advice>met|not met): ?(?P<counts>.*)"),
            lambda m, names: (
                f"the rules advised the threshold was {m['advice']}"
                + (f": {part_in_words(m['counts'], names)}" if m["counts"] else "")
            ),
        ),
    ],
    acts.Action.TRIGGER_REVIEW.value: [
        (re.compile(r"sitting (\d+)"), lambda m, _: f"Review panel convened for sitting {m[1]}"),
    ],
    acts.Action.TRIGGER_OUTCOME.value: [
        (
            re.compile(r"no recommendations"),
            lambda m, _: "Outcome recorded with no recommendations",
        ),
        (
            re.compile(r"recommendations ([\d,]+)"),
            lambda m, _: f"Outcome recorded with recommendations {m[1].replace(',', ', ')}",
        ),
    ],
    acts.Action.TRIGGER_APPEAL.value: [
        (
            re.compile(r"received (\d{4}-\d\d-\d\d)"),
            lambda m, _: f"Appeal received on {day_in_words(m[1])}",
        ),
    ],
    acts.Action.TRIGGER_CORRECT.value: [
        (re.compile(r"fields (.+)"), lambda m, _: corrected_fields.corrected(m[1])),
        (re.compile(r"removed (.+)"), lambda m, _: corrected_fields.removed(m[1])),
        (
            re.compile(r"letters to go again (\d+)"),
            lambda m, _: f"letters not yet sent to go to the corrected address: {m[1]}",
        ),
        (
            re.compile(r"letters sent to the earlier details (\d+)"),
            lambda m, _: f"letters already sent to the earlier details: {m[1]}",
        ),
    ],
    acts.Action.TRIGGER_APPEAL_DECIDE.value: [
        (re.compile(r"(\w+)"), _choice(AppealDecision, "Appeal decided: {}")),
    ],
    acts.Action.SIGN_IN.value: [(_SIGNED_IN, _signed_in)],
    acts.Action.BREAK_GLASS.value: [
        (
            re.compile(r"emergency access (?P<id>\d+) until (?P<until>\S+): (?P<grant>.+)"),
            _emergency_access,
        ),
    ],
    acts.Action.SESSIONS_END.value: [
        (re.compile(r"(?P<why>\w+): (?P<count>\d+) sessions ended"), _sessions_ended),
    ],
}
