"""Recording the hub's acts in the audit log: who did what to which object, why, and
whether it was allowed.

Every act the core performs for a person — a case view with the categories disclosed and
their basis, a search, a share, a lock, a break-glass, a protocol change, a sign-in, a
denial — calls ``record`` in the act's own transaction. If the entry cannot be written,
``record`` raises ``AuditUnavailable`` and the act does not happen: a read whose entry
cannot be written is refused.

A refusal changes nothing, so the request that met it is rolled back; its entry must
survive that. ``refuse`` writes the entry and remembers it on the session, and
``roll_back_keeping_refusals`` rolls back and writes the refusals again in a fresh
transaction. A refused form is shown again with what it shows of a case (its people's
names, its open actions): the entries of those views (``SHOWN``) are remembered too, and
kept with the refusals when the page is shown, while the refused act's own are not.

Entries hold identifiers, category names and the basis of a decision, never personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy import event
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, SessionTransaction

from sharing.access.decide import Actor, Decision
from sharing.audit.listings import listed
from sharing.audit.log import enqueue, enqueue_many
from sharing.db import ORIGIN
from sharing.errors import InputError, NotAllowed
from sharing.formats import is_digits
from sharing.protocols.purposes import PURPOSE_ID
from sharing.vocabulary import CATEGORIES, Labelled

#: Where a request's id is kept on its session, so entries can name the request.
REQUEST_ID = "audit.request_id"
#: The refusals and views (``SHOWN``) the session's transaction has recorded, in order.
_KEPT = "audit.kept"
#: Recorded in place of a stated purpose that is not a purpose id.
NOT_A_PURPOSE = "(not a purpose)"
#: The basis of a refused request for a case that does not exist.
NO_SUCH_CASE = "no such case"
#: Begins the basis of a refusal the requester was answered "not found" for, on another
#: agency's case they may not know exists: the owning agency's DPO reads the reason; the
#: requester's DPO reads it as a request for a case that does not exist (``NO_SUCH_CASE``).
NOT_FOUND_TO_REQUESTER = "not found for the requester: "
#: Begins the basis of a command's run refused on the command line, so the DPO reads
#: where it came from.
ON_THE_COMMAND_LINE = "on the command line: "
#: Where an act no user did came from, recorded in its entry's ``actor_roles`` (where a
#: user's roles would be) by the session it was done in (``sharing.db.ORIGIN``): a command
#: run on the command line (the timers' sweeps too), or the hub's own work outside any
#: request (a checkpoint made on schedule, notices sent after a page). A request's entry
#: names the request instead (``REQUEST_ID``); a session that says neither records
#: ``ORIGIN_UNSTATED``. Entries written before origins were recorded hold none.
BY_COMMAND = "command_line"
BY_THE_HUB = "hub"
ORIGIN_UNSTATED = "origin_unstated"
ORIGINS = frozenset({BY_COMMAND, BY_THE_HUB, ORIGIN_UNSTATED})


def begun_by_reference(action: str) -> bool:
    """Whether an act starts from a typed case reference rather than a case's address (a
    reference that names no case is refused with no subject: what was typed is never
    recorded)."""
    return action == Action.BREAK_GLASS.value


def not_found_to_requester(reason: str) -> str:
    """The basis of a refusal answered "not found" on another agency's case."""
    return NOT_FOUND_TO_REQUESTER + reason


def answered_not_found(basis: str | None) -> bool:
    """Whether an entry's basis is a refusal answered "not found" on another agency's case."""
    return bool(basis) and basis.startswith(NOT_FOUND_TO_REQUESTER)  # type: ignore[union-attr]


class Outcome(Labelled):
    ALLOWED = "allowed", "Allowed"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


class Action(Labelled):
    """What an entry records. The value is stored; the label is for the DPO's pages."""

    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in.failed", "Failed to sign in"
    SIGN_OUT = "sign_out", "Signed out"
    PASSWORD_RESET = "password.reset", "Password reset"
    SECOND_FACTOR_RESET = "second_factor.reset", "Authenticator app reset"
    SECOND_FACTOR_ENROL = "second_factor.enrol", "Set up an authenticator app"
    ACCOUNT_CREATE = "account.create", "Created an account"
    AREA_CREATE = "area.create", "Added a partnership area and its wards"
    AREA_WARD_ADD = "area.ward_add", "Added a ward to a partnership area"
    AGENCY_CREATE = "agency.create", "Added an agency to the partnership"
    AGENCY_RENAME = "agency.rename", "Renamed an agency"
    SESSIONS_END = "sessions.end", "Ended a user's sessions"
    ACCOUNT_DISABLE = "account.disable", "Disabled an account"
    ACCOUNT_ENABLE = "account.enable", "Enabled an account"
    ACCOUNT_UNLOCK = "account.unlock", "Lifted an account's lock-out"
    ACCOUNT_ROLES = "account.roles", "Changed an account's roles or team"
    PASSWORD_LINK_SEND = "password_link.send", "Sent a link to set a password"
    PASSWORD_LINK_USE = "password_link.use", "Set a password with a link"
    CASE_VIEW = "case.view", "Viewed a case"
    CASE_OPEN = "case.open", "Opened a case"
    CASE_RECORD = "case.record", "Recorded on a case"
    CASE_CLOSE = "case.close", "Closed a case"
    CASE_OFFICER = "case.officer", "Gave a case to another officer"
    CASE_REVIEW = "case.review", "Recorded a case review"
    CASE_ERASE = "case.erase", "Erased a case"
    PERSON_ERASE = "person.erase", "Erased a person"
    SEARCH = "search", "Searched for a person"
    SHARE = "share.create", "Shared a case"
    SHARE_REVOKE = "share.revoke", "Revoked a share"
    ACTIONS_LIST = "actions.list", "Listed the actions for an agency"
    ACTIONS_CLOSED_LIST = "actions.closed", "Listed the actions an agency closed lately"
    CASES_EXPORT = "cases.export", "Exported the agency's cases"
    CASES_IMPORT = "cases.import", "Imported cases from the agency's own system"
    API_CLIENT_ADD = "api_client.add", "Registered a partner system's API client"
    API_CLIENT_REVOKE = "api_client.revoke", "Revoked a partner system's API client"
    API_TOKEN = "api.token", "Issued an API access token"
    CASES_SHARED_LIST = "cases.shared", "Listed the cases shared with an agency"
    ACTION_CLOSE = "action.close", "Marked an action done or cancelled"
    CONFERENCE_CONVENE = "conference.convene", "Convened a case conference"
    CONFERENCE_VIEW = "conference.view", "Viewed a case conference"
    INFORMATION_ANSWER = "information.answer", "Answered a conference information request"
    CONFERENCE_WITHDRAW = "conference.withdraw", "Withdrew a conference invitation"
    CONFERENCE_PACK = "conference.pack", "Read a conference pack"
    CONFERENCE_CANCEL = "conference.cancel", "Cancelled a case conference"
    CONFERENCE_CHANGE = "conference.change", "Changed a case conference"
    MINUTES_RECORD = "minutes.record", "Recorded a conference's attendance, minutes or decisions"
    MINUTES_CIRCULATE = "minutes.circulate", "Circulated a conference's minutes"
    MINUTES_AGREE = "minutes.agree", "Agreed a conference's minutes"
    MEETING_SET_UP = "meeting.set_up", "Set up a partnership meeting"
    MEETING_SCHEDULE = "meeting.schedule", "Scheduled a partnership meeting's sitting"
    MEETING_BRING = "meeting.bring", "Brought a case to a partnership meeting"
    MEETING_CHANGE = "meeting.change", "Changed a partnership meeting"
    MEETING_MOVE = "meeting.move", "Moved a partnership meeting's sitting"
    MEETING_CANCEL = "meeting.cancel", "Cancelled a partnership meeting's sitting"
    MEETING_AGENDA = "meeting.agenda", "Read a partnership meeting sitting's agenda"
    MEETING_AGENDA_CHANGE = "meeting.agenda_change", "Changed a sitting's agenda"
    TRIGGER_RECORD = "trigger.record", "Recorded a Community Trigger application"
    TRIGGER_VIEW = "trigger.view", "Viewed a Community Trigger application"
    TRIGGER_DECIDE = "trigger.decide", "Decided a Community Trigger threshold"
    TRIGGER_FIGURES = "trigger.figures", "Viewed the Community Trigger figures"
    FIGURES_VIEW = "figures.view", "Viewed the partnership's figures"
    TRIGGER_ASK = (
        "trigger.ask",
        "Asked agencies to confirm complaints counted for a Community Trigger",
    )
    TRIGGER_REVIEW = "trigger.review", "Convened a Community Trigger review panel"
    TRIGGER_RECOMMEND = "trigger.recommend", "Recorded a Community Trigger recommendation"
    TRIGGER_RECOMMENDATIONS = (
        "trigger.recommendations",
        "Viewed the Community Trigger recommendations for an agency",
    )
    TRIGGER_RECOMMENDATION_DONE = (
        "trigger.recommendation_done",
        "Marked a Community Trigger recommendation done",
    )
    TRIGGER_OUTCOME = "trigger.outcome", "Recorded a Community Trigger review's outcome"
    TRIGGER_LETTER = "trigger.letter", "Produced or sent a letter to a Community Trigger applicant"
    TRIGGER_APPEAL = "trigger.appeal", "Recorded a Community Trigger appeal"
    TRIGGER_APPEAL_DECIDE = "trigger.appeal_decide", "Recorded a Community Trigger appeal decision"
    TRIGGER_APPEAL_WITHDRAW = (
        "trigger.appeal_withdraw",
        "Recorded a Community Trigger appeal withdrawn by the applicant",
    )
    TRIGGER_LETTER_POSTED = (
        "trigger.letter_posted",
        "Marked a letter to a Community Trigger applicant as posted",
    )
    TRIGGER_ERASE = "trigger.erase", "Erased a Community Trigger application's personal data"
    TRIGGER_WITHDRAW = "trigger.withdraw", "Recorded a Community Trigger application withdrawn"
    TRIGGER_DUPLICATE = (
        "trigger.duplicate",
        "Recorded a Community Trigger application as a duplicate of another",
    )
    TRIGGER_CORRECT = "trigger.correct", "Corrected a Community Trigger application's details"
    LOCK_REQUEST = "lock.request", "Asked to lock a case"
    UNLOCK_REQUEST = "unlock.request", "Asked to unlock a case"
    LOCK_DECIDE = "lock.decide", "Decided a lock request"
    LOCK_REQUESTS_VIEW = "lock.requests_view", "Viewed lock requests"
    ALERTS_VIEW = "alerts.view", "Viewed their alerts"
    ALERT_DISMISS = "alert.dismiss", "Dismissed an alert"
    BREAK_GLASS = "break_glass", "Used emergency access"
    BREAK_GLASS_REVIEW = "break_glass.review", "Reviewed an emergency access"
    BREAK_GLASS_LIST_VIEW = "break_glass.list_view", "Viewed emergency accesses to review"
    BREAK_GLASS_ERASE = (
        "break_glass.erase",
        "Erased an emergency access's reason and review at the end of its retention",
    )
    PROTOCOL_IMPORT = "protocol.import", "Imported a protocol"
    PROTOCOL_SIGN = "protocol.sign", "Signed a protocol"
    PROTOCOL_STATUS = "protocol.status", "Changed a protocol's status"
    KEYS_ROTATE = "keys.rotate", "Rotated the key-encryption key"
    KEYS_SEAL_SECRETS = "keys.seal_secrets", "Sealed the authenticator secrets kept in plain"
    KEYS_REINDEX = "keys.reindex", "Indexed records again for search, under new rules"
    HUB_BACKUP = "hub.backup", "Took a backup of the hub"
    HUB_RESTORE = "hub.restore", "Restored the hub from a backup"
    #: A command the command line refused before it ran (an option unknown, missing or
    #: with a bad value); its own refusals are recorded under the action it does.
    HUB_COMMAND = "hub.command", "Ran a command on the command line"
    PAGE_REFUSED = "page.refused", "Was refused a page their roles do not open"
    AUDIT_SEARCH = "audit.search", "Searched the audit log"
    AUDIT_EXPORT = "audit.export", "Exported the audit log"
    AUDIT_CHECKPOINT = "audit.checkpoint", "Made an audit checkpoint"
    AUDIT_COSIGN = "audit.cosign", "Co-signed an audit checkpoint"
    AUDIT_KEY_REGISTER = "audit.key_register", "Registered an agency's co-signing key"
    AUDIT_KEY_REVOKE = "audit.key_revoke", "Revoked an agency's co-signing key"
    RISK_RECORD = "risk.record", "Recorded a risk assessment"
    RISK_VIEW = "risk.view", "Viewed risk assessments"
    SHARED_RISK_LIST = "shared.list", "Viewed risk shared with their agency"
    TRIAGE_CHANGE = "triage.change", "Changed a case's triage"
    ESCALATION_DECIDE = "escalation.decide", "Decided on an escalation prompt"
    KNOWN_CHECK = "known.check", "Checked who else knows a case's people"
    SUBJECT_ACCESS_SEARCH = "subject_access.search", "Looked for a subject access requester"
    SUBJECT_ACCESS = "subject_access.report", "Compiled a subject access report"


#: What a page shows when it is read: a view of a record, a list, a search. A refused
#: form's page, shown again, keeps these entries of what it showed (``roll_back_keeping_refusals``
#: with ``shown``); entries of acts (a share, a close) are not kept.
SHOWN = frozenset(
    {
        Action.CASE_VIEW,
        Action.SEARCH,
        Action.ACTIONS_LIST,
        Action.ACTIONS_CLOSED_LIST,
        Action.CASES_SHARED_LIST,
        Action.CONFERENCE_VIEW,
        Action.CONFERENCE_PACK,
        Action.MEETING_AGENDA,
        Action.TRIGGER_VIEW,
        Action.TRIGGER_FIGURES,
        Action.FIGURES_VIEW,
        Action.TRIGGER_RECOMMENDATIONS,
        Action.LOCK_REQUESTS_VIEW,
        Action.ALERTS_VIEW,
        Action.BREAK_GLASS_LIST_VIEW,
        Action.AUDIT_SEARCH,
        Action.RISK_VIEW,
        Action.SHARED_RISK_LIST,
        Action.KNOWN_CHECK,
        Action.SUBJECT_ACCESS_SEARCH,
    }
)


class AuditUnavailable(RuntimeError):
    """The audit log could not be written, so the act it would record was not done."""

    def __init__(self) -> None:
        super().__init__("the audit log could not be written")


@dataclass(frozen=True)
class Subject:
    """The object of an act: its type and id (never a name or other personal value)."""

    type: str
    id: int | str | None = None


def record(
    session: Session,
    action: Action,
    *,
    actor: Actor | None = None,
    outcome: Outcome = Outcome.ALLOWED,
    subject: Subject | None = None,
    purpose: str | None = None,
    basis: str | None = None,
    user_id: int | None = None,
    agency_id: int | None = None,
) -> None:
    """Write the entry for an act in the session's transaction (queued: added to the log
    once the transaction commits, see ``sharing.audit.log.enqueue``).

    ``user_id`` and ``agency_id`` name the actor when there is no ``Actor`` yet (a sign-in).
    Raises ``AuditUnavailable`` when the entry cannot be written; the caller's transaction
    must then be rolled back, and the act not done.
    """
    try:
        enqueue(
            session,
            action=action.value,
            outcome=outcome.value,
            actor_user_id=actor.user_id if actor else user_id,
            actor_agency_id=actor.agency_id if actor else agency_id,
            actor_roles=_roles(actor) if actor or user_id else _origin(session),
            object_type=subject.type if subject else None,
            object_id=subject.id if subject else None,
            purpose=_purpose(purpose),
            basis=basis,
            request_id=session.info.get(REQUEST_ID),
        )
    except SQLAlchemyError as error:
        raise AuditUnavailable() from error
    if outcome is Outcome.ALLOWED and action in SHOWN:
        fields = {
            "actor": actor,
            "subject": subject,
            "purpose": purpose,
            "basis": basis,
            "user_id": user_id,
            "agency_id": agency_id,
        }
        session.info.setdefault(_KEPT, []).append((action, outcome, fields))


def record_many(
    session: Session, actor: Actor, done: Sequence[tuple[Action, Subject, str | None]]
) -> None:
    """``record`` several allowed acts of ``actor``, each an action on a subject with its
    basis, in one statement and in order (what an import does to the cases it opens)."""
    roles = _roles(actor)
    try:
        enqueue_many(
            session,
            [
                {
                    "action": action.value,
                    "outcome": Outcome.ALLOWED.value,
                    "actor_user_id": actor.user_id,
                    "actor_agency_id": actor.agency_id,
                    "actor_roles": roles,
                    "object_type": subject.type,
                    "object_id": subject.id,
                    "basis": basis,
                    "request_id": session.info.get(REQUEST_ID),
                }
                for action, subject, basis in done
            ],
        )
    except SQLAlchemyError as error:
        raise AuditUnavailable() from error


def _origin(session: Session) -> str:
    """Where an act no user did comes from (``BY_COMMAND``...), for its entry; "" in a
    request, whose id the entry names."""
    if session.info.get(REQUEST_ID):
        return ""
    return str(session.info.get(ORIGIN) or ORIGIN_UNSTATED)


def _roles(actor: Actor | None) -> str:
    return ",".join(sorted(r.value for r in actor.roles)) if actor else ""


def _purpose(purpose: str | None) -> str | None:
    """A stated purpose as a protocol purpose id; anything else (it arrives in an address,
    so it could be any text) is recorded as not one, never as typed."""
    if purpose is None or (len(purpose) <= 60 and PURPOSE_ID.fullmatch(purpose)):
        return purpose
    return NOT_A_PURPOSE


def refuse(
    session: Session,
    action: Action,
    *,
    actor: Actor | None = None,
    subject: Subject | None = None,
    purpose: str | None = None,
    reason: str,
    user_id: int | None = None,
    agency_id: int | None = None,
) -> None:
    """Record a refused act; the entry outlives the rollback of the refused request.
    ``user_id`` and ``agency_id`` name who was refused when there is no ``Actor`` (a link
    to set a password, opened before signing in)."""
    fields: dict[str, object] = {
        "actor": actor,
        "subject": subject,
        "purpose": purpose,
        "basis": reason,
    }
    if user_id is not None or agency_id is not None:
        fields |= {"user_id": user_id, "agency_id": agency_id}
    session.info.setdefault(_KEPT, []).append((action, Outcome.REFUSED, fields))
    record(session, action, outcome=Outcome.REFUSED, **fields)  # type: ignore[arg-type]


Answer = TypeVar("Answer", bound=Exception)


def refused(
    session: Session,
    action: Action,
    *,
    actor: Actor | None = None,
    subject: Subject | None = None,
    purpose: str | None = None,
    reason: str,
    answer: Answer | None = None,
    user_id: int | None = None,
    agency_id: int | None = None,
) -> Answer | NotAllowed:
    """Record a refused act as ``refuse`` does, and return what to raise for it: ``answer``
    (a ``NotFound``, say), else ``NotAllowed(reason)``. One statement at the refusal:
    ``raise acts.refused(session, action, actor=actor, reason=reason)``."""
    refuse(
        session,
        action,
        actor=actor,
        subject=subject,
        purpose=purpose,
        reason=reason,
        user_id=user_id,
        agency_id=agency_id,
    )
    return NotAllowed(reason) if answer is None else answer


def input_refused(fields: Iterable[str], record: str = "") -> str:
    """The basis of a form refused for what was typed in it: the fields named (never what
    was typed), each once, ", " between them (a field's name holds no comma, so the "Why"
    reads each back as it was; entries before this put a space between them), after the
    ``record`` the form was on ("action 12"), if any; "form" when no field is named."""
    named = ", ".join(dict.fromkeys(fields)) or "form"
    return f"refused input: {record} {named}" if record else f"refused input: {named}"


@contextmanager
def refusing_input(
    session: Session,
    action: Action,
    *,
    actor: Actor | None,
    subject: Subject,
    what: str = "",
) -> Iterator[None]:
    """Record an ``InputError`` raised in the block as a refused ``action`` naming the
    field ("refused input: <what> <field>", never the value), and let it go on."""
    try:
        yield
    except InputError as refused:
        field = f"{what} {refused.field}" if what else refused.field
        refuse(session, action, actor=actor, subject=subject, reason=f"refused input: {field}")
        raise


def refused_in(session: Session) -> bool:
    """Whether the session's transaction has recorded a refusal (``refuse``)."""
    return any(outcome is Outcome.REFUSED for _, outcome, _ in session.info.get(_KEPT, []))


def roll_back_keeping_refusals(session: Session, *, shown: bool = False) -> None:
    """Roll back the session's transaction, then commit the refusals it recorded and, with
    ``shown`` (a refused form's page, shown again), its entries of what the page showed
    (``SHOWN``), in the order they were recorded."""
    kept = [
        (action, outcome, fields)
        for action, outcome, fields in session.info.pop(_KEPT, [])
        if outcome is Outcome.REFUSED or shown
    ]
    session.rollback()
    if not kept:
        return
    try:
        for action, outcome, fields in kept:
            record(session, action, outcome=outcome, **fields)
        session.commit()
    except (AuditUnavailable, SQLAlchemyError) as error:
        session.rollback()
        raise AuditUnavailable() from error


@event.listens_for(Session, "after_commit")
def _forget_committed_refusals(session: Session) -> None:
    session.info.pop(_KEPT, None)


@event.listens_for(Session, "after_soft_rollback")
def _forget_views_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """A transaction rolled back in the request (a dry run, say) takes its views with it,
    as it would from a commit: its refusals are still kept."""
    kept = session.info.get(_KEPT)
    if kept and previous.parent is None:
        session.info[_KEPT] = [entry for entry in kept if entry[1] is Outcome.REFUSED]


def ids(values: list[int]) -> str:
    """Identifiers for an entry's basis, e.g. ``12,15,40`` (``none`` when empty)."""
    return ",".join(map(str, values)) or "none"


#: The kinds of list a basis names records of an agency under: cases, people, and the
#: actions on cases and the shares of them.
AGENCY_LISTS = ("cases", "persons", "actions", "shares")


def named(basis: str | None) -> dict[str, set[int]]:
    """The records a basis lists (``AGENCY_LISTS``), a case named on its own in
    a part "case N: …" (the shared risk's categories of each case) among the cases."""
    found = {kind: listed(basis, kind) for kind in AGENCY_LISTS}
    for part in (basis or "").split("; "):
        label, _, rest = part.partition(" ")
        number = rest.partition(":")[0]
        if label == "case" and ":" in rest and is_digits(number):
            found["cases"].add(int(number))
    return found


def only_yours(basis: str | None, yours: dict[str, set[int]]) -> str | None:
    """Another agency's basis as a reader sees it: each list of ``AGENCY_LISTS`` keeps only
    the reader's own records (``yours``: their cases and people, and the actions on their
    cases) and says how many others it named, and a part
    "case N: …" of a case not theirs is left out. What another agency's list showed of
    other agencies' records is not the reader's to read."""
    if basis is None:
        return None
    parts = []
    for part in basis.split("; "):
        label, _, rest = part.partition(" ")
        number = rest.partition(":")[0]
        if label == "case" and ":" in rest and is_digits(number):
            if int(number) in yours["cases"]:
                parts.append(part)
            continue
        values = rest.split(",")
        if label in AGENCY_LISTS and all(is_digits(v) for v in values):
            kept = [v for v in values if int(v) in yours[label]]
            others = len(values) - len(kept)
            part = f"{label} {','.join(kept) or 'none of yours'}"
            if others:
                part += f" (and {others} of other agencies)"
        parts.append(part)
    return "; ".join(parts)


def shortened(basis: str | None, most: int = 20) -> str | None:
    """A basis as a reader sees it: each list of more than ``most`` identifiers shows its
    first ``most`` and how many it names ("cases 3,4,…,51,… (401 in all)"); the entry
    itself keeps them all."""
    if basis is None:
        return None
    parts = []
    for part in basis.split("; "):
        label, _, values = part.partition(" ")
        found = values.split(",")
        if len(found) > most and all(is_digits(v) for v in found):
            part = f"{label} {','.join(found[:most])},… ({len(found)} in all)"
        parts.append(part)
    return "; ".join(parts)


def disclosed(decision: Decision) -> str:
    """The basis of a disclosure: each basis with the categories it allows, in order."""
    grouped = decision.bases_for(*CATEGORIES)
    return " | ".join(f"{','.join(categories)}: {basis}" for basis, categories in grouped.items())
