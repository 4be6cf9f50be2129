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
The acts an entry may record and their outcomes are ``sharing.audit.act_kinds`` (its
``Action`` and ``Outcome`` are named here too, as every act recorded names them); how a
basis written here reads to a DPO is ``sharing.audit.basis_reading``.
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
from sharing.audit.act_kinds import SHOWN
from sharing.audit.act_kinds import Action as Action  # named by every act recorded
from sharing.audit.act_kinds import Outcome as Outcome  # named by every act recorded
from sharing.audit.log import enqueue, enqueue_many
from sharing.db import ORIGIN
from sharing.errors import InputError, NotAllowed
from sharing.protocols.purposes import PURPOSE_ID
from sharing.vocabulary import CATEGORIES

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


def disclosed(decision: Decision) -> str:
    """The basis of a disclosure: each basis with the categories it allows, in order."""
    grouped = decision.bases_for(*CATEGORIES)
    return " | ".join(f"{','.join(categories)}: {basis}" for basis, categories in grouped.items())
