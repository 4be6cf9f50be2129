"""An audit log's entries as a data protection officer reads them (``rows``): who acted,
by name, or where an act no user did came from (``by_the_hub``), the action's label, the
record by its case's reference as the reader may know it, and the "why" in words; of
another agency's entry, only what concerns the reader's agency.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit import acts, basis_names, basis_reading, listings, reasons
from sharing.audit.part_words import roles_named
from sharing.models import Action, Agency, AuditEntry, Case, Person, Share, User
from sharing.protocols import records as protocol_records


@dataclass(frozen=True)
class LogRow:
    seq: int
    at: datetime
    user: str
    agency: str
    roles: str
    action: str
    outcome: str
    object_type: str | None
    object_id: str | None
    #: The case's reference (an identifier, not personal data) when the object is a case,
    #: or another record of one case (a conference on it, its pack or minutes).
    case_reference: str | None
    purpose: str | None
    basis: str | None
    request_id: str | None
    #: The account's holder and agency when the object is a user account (the staff
    #: member whose roles were changed, say), as the "who" of an entry names them.
    account: str | None = None
    #: The basis in words (``reasons.in_words``), as the DPO's pages show it.
    why: str | None = None
    #: Who acted when no user did (``by_the_hub``): "Command line" or "System".
    hub: str = ""
    #: The agency whose case a refusal of the reader's agency's user was about, named in
    #: place of the case's reference (another agency's): the record's id is shown only
    #: where the reader's agency was ever shared the case (``_refused_on_anothers``).
    case_of: str | None = None


#: Who acted in an entry no user acted in: a command run on the command line (the timers'
#: sweeps are commands too), or the hub itself: answering a request of someone not signed
#: in (a failed sign-in, a partner system's token, the public's form), or at its own work
#: (a checkpoint made on schedule, notices sent after a page). An entry that does not say
#: which reads so (``NOT_RECORDED``).
COMMAND_LINE = "Command line"
SYSTEM = "System"
NOT_RECORDED = "Command line or system (not recorded which)"
#: Each origin an entry records (``acts.ORIGINS``) as its "Who".
_ORIGINS = {
    acts.BY_COMMAND: COMMAND_LINE,
    acts.BY_THE_HUB: SYSTEM,
    acts.ORIGIN_UNSTATED: NOT_RECORDED,
}


#: Acts the hub's own work did outside any request before origins were recorded, as
#: commands do: such an entry of theirs cannot tell which did it.
_EITHER_BEFORE = frozenset({acts.Action.AUDIT_CHECKPOINT.value, acts.Action.TRIGGER_LETTER.value})


def by_the_hub(entry: AuditEntry) -> str:
    """Who acted in an entry no user acted in ("" for a user's), by what it records: the
    origin its session recorded (``acts.BY_COMMAND``...), else the request it answered
    (``SYSTEM``). One written before origins were recorded that answered no request reads
    as then, ``COMMAND_LINE`` (only commands wrote them), but for a checkpoint or a letter
    to a Community Trigger applicant, which the hub also made at its own work then:
    ``NOT_RECORDED``."""
    if entry.actor_user_id is not None:
        return ""
    if entry.actor_roles in _ORIGINS:
        return _ORIGINS[entry.actor_roles]
    if entry.request_id is not None:
        return SYSTEM
    if entry.actor_roles or entry.action in _EITHER_BEFORE:
        return NOT_RECORDED
    return COMMAND_LINE


def rows(
    session: Session,
    entries: list[AuditEntry],
    reader_agency_id: int,
    *,
    rules: Mapping[str, str] | None = None,
) -> list[LogRow]:
    """Entries as a DPO of ``reader_agency_id`` sees them: names of users and agencies,
    labels of actions. A refusal answered "not found" on another agency's case reads, to
    every agency but the owner, exactly as a request for a case that does not exist."""
    accounts = {_account_id(e) for e in entries} - {None}
    users = {
        u.id: u
        for u in session.scalars(
            select(User).where(
                User.id.in_({e.actor_user_id for e in entries if e.actor_user_id} | accounts)
            )
        )
    }
    agencies: dict[int, str] = {
        id_: name
        for id_, name in session.execute(
            select(Agency.id, Agency.name).where(
                Agency.id.in_(
                    {e.actor_agency_id for e in entries if e.actor_agency_id}
                    | {users[i].agency_id for i in accounts if i in users}
                )
            )
        )
    }
    through = {e.seq: listings.case_through(e.basis, e.object_type) for e in entries}
    case_ids = {int(e.object_id) for e in entries if e.object_type == "case" and e.object_id}
    case_ids.update(c for c in through.values() if c is not None)
    cases: dict[int, tuple[str, int]] = {
        id_: (reference, agency_id)
        for id_, reference, agency_id in session.execute(
            select(Case.id, Case.reference, Case.agency_id).where(Case.id.in_(case_ids))
        )
    }
    others = _refused_on_anothers(session, entries, cases, through, reader_agency_id)

    partners = [e for e in entries if e.actor_agency_id != reader_agency_id]
    yours = _yours(session, partners, reader_agency_id)
    labels = {a.value: a.label for a in acts.Action}
    names = _names(session, entries, reader_agency_id, rules or {})
    shown = []
    for e in entries:
        case_id = int(e.object_id) if e.object_type == "case" and e.object_id else through[e.seq]
        case = cases.get(case_id) if case_id is not None else None
        as_if_no_case = (
            case is not None and acts.answered_not_found(e.basis) and case[1] != reader_agency_id
        )
        # Shown as a refusal of a case that does not exist would be recorded: with the id
        # asked for, or, for an act begun from a typed reference, with no subject at all.
        no_subject = as_if_no_case and acts.begun_by_reference(e.action)
        basis = (
            acts.NO_SUCH_CASE
            if as_if_no_case
            else basis_reading.shortened(
                e.basis
                if e.actor_agency_id == reader_agency_id
                else basis_reading.only_yours(e.basis, yours)
            )
        )
        case_of, known = others.get(e.seq, (None, True))
        shown.append(
            LogRow(
                seq=e.seq,
                at=e.at,
                user=users[e.actor_user_id].display_name if e.actor_user_id in users else "",
                agency=agencies.get(e.actor_agency_id, "") if e.actor_agency_id else "",
                roles=roles_named(e.actor_roles) if e.actor_user_id is not None else "",
                action=labels.get(e.action, e.action),
                outcome=e.outcome,
                object_type=None if no_subject else e.object_type,
                object_id=None
                if no_subject or (e.object_type == "case" and not known)
                else e.object_id,
                case_reference=case[0] if case and not (as_if_no_case or case_of) else None,
                purpose=e.purpose,
                basis=basis,
                request_id=e.request_id,
                account=_account(users, agencies, e),
                why=reasons.in_words(basis, names, e.action),
                hub=by_the_hub(e),
                case_of=case_of,
            )
        )
    return shown


def _refused_on_anothers(
    session: Session,
    entries: list[AuditEntry],
    cases: Mapping[int, tuple[str, int]],
    through: Mapping[int, int | None],
    reader_agency_id: int,
) -> dict[int, tuple[str, bool]]:
    """The refusals (by entry number) about another agency's case, with that agency's name
    and whether the reader's agency may know the case's id: it was shared the case once
    (an id the case's page and shares named to it). A refusal is the reader's evidence
    that their user tried; the case's reference is the other agency's, and tells which of
    its cases exists, so it is never shown (one answered "not found" reads as a case that
    does not exist, ``rows``)."""
    refused: dict[int, int] = {}
    for e in entries:
        if e.outcome != acts.Outcome.REFUSED.value or acts.answered_not_found(e.basis):
            continue
        case_id = int(e.object_id) if e.object_type == "case" and e.object_id else through[e.seq]
        if case_id is not None and case_id in cases and cases[case_id][1] != reader_agency_id:
            refused[e.seq] = case_id
    if not refused:
        return {}
    owners: dict[int, str] = {
        case_id: name
        for case_id, name in session.execute(
            select(Case.id, Agency.name)
            .join(Agency, Agency.id == Case.agency_id)
            .where(Case.id.in_(set(refused.values())))
        )
    }
    shared = set(
        session.scalars(
            select(Share.case_id).where(
                Share.agency_id == reader_agency_id, Share.case_id.in_(set(refused.values()))
            )
        )
    )
    return {seq: (owners[case_id], case_id in shared) for seq, case_id in refused.items()}


def _names(
    session: Session, entries: list[AuditEntry], reader_agency_id: int, rules: Mapping[str, str]
) -> basis_names.Names:
    """What the entries' bases name by identifier, for ``reasons.in_words``: protocol
    versions, agencies, and shares with their case (where the reader's agency owns the
    case or was shared it) and the agency each was made to."""
    bases = [e.basis for e in entries]
    share_ids = basis_names.shares_named(bases)
    shares = {
        id_: basis_names.ShareNames(
            reference if reader_agency_id in (owner, to) else None, agency_name
        )
        for id_, reference, owner, to, agency_name in session.execute(
            select(Share.id, Case.reference, Case.agency_id, Share.agency_id, Agency.name)
            .join(Case, Case.id == Share.case_id)
            .join(Agency, Agency.id == Share.agency_id)
            .where(Share.id.in_(share_ids))
        )
    }
    agency_ids = basis_names.agencies_named(bases)
    agencies: dict[int, str] = {
        id_: name
        for id_, name in session.execute(
            select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))
        )
    }
    protocols = protocol_records.versions_by_key(session) if any(bases) else {}
    return basis_names.Names(
        protocols=protocols, agencies=agencies, shares=shares, rules=dict(rules)
    )


def _account_id(entry: AuditEntry) -> int | None:
    """The user account an entry is about, if it is about one."""
    if entry.object_type != "user" or not (entry.object_id or "").isdigit():
        return None
    return int(str(entry.object_id))


def _account(users: dict[int, User], agencies: dict[int, str], entry: AuditEntry) -> str | None:
    """Whose account an entry about a user account is: their name and agency."""
    user = users.get(_account_id(entry) or 0)
    return None if user is None else f"{user.display_name}, {agencies[user.agency_id]}"


def _yours(session: Session, entries: list[AuditEntry], agency_id: int) -> dict[str, set[int]]:
    """Of the cases, people, actions and shares the ``entries`` list, those of the agency
    ``agency_id`` (an action or a share: one on its case)."""
    named: dict[str, set[int]] = {kind: set() for kind in basis_reading.AGENCY_LISTS}
    for entry in entries:
        for kind, ids in basis_reading.named(entry.basis).items():
            named[kind] |= ids
    return {
        "cases": set(
            session.scalars(
                select(Case.id).where(Case.id.in_(named["cases"]), Case.agency_id == agency_id)
            )
        ),
        "persons": set(
            session.scalars(
                select(Person.id).where(
                    Person.id.in_(named["persons"]), Person.agency_id == agency_id
                )
            )
        ),
        "actions": set(
            session.scalars(
                select(Action.id)
                .join(Case, Case.id == Action.case_id)
                .where(Action.id.in_(named["actions"]), Case.agency_id == agency_id)
            )
        ),
        "shares": set(
            session.scalars(
                select(Share.id)
                .join(Case, Case.id == Share.case_id)
                .where(Share.id.in_(named["shares"]), Case.agency_id == agency_id)
            )
        ),
    }
