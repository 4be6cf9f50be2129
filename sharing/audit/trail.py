"""Reading the audit log, for data protection officers: who did what, to which record,
when and why — identifiers and bases only, never case content.

A DPO sees the entries that concern their own agency as a controller: acts by its users,
acts on its cases and people (a partner's list, search or export that showed its case, or
read of it through a conference, among them), on its staff's accounts and its co-signing
keys, and protocol changes; and the hub's own, which no agency did and which name no
record (the command line's and the system's). Every search of the log is itself an entry.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Select, String, and_, cast, false, func, or_, select
from sqlalchemy.orm import Session, aliased, contains_eager, joinedload

from sharing.access.decide import Actor
from sharing.audit import acts, listings, reasons
from sharing.cases.erasure import cases_naming
from sharing.db import in_rows_of
from sharing.models import (
    Action,
    Agency,
    AuditAgencyKey,
    AuditEntry,
    AuditListing,
    BreakGlass,
    Case,
    Person,
    Share,
    TriggerApplication,
    TriggerRecommendation,
    User,
)
from sharing.protocols import records as protocol_records
from sharing.vocabulary import Role

PAGE_SIZE = 50
#: The most matching entries a search counts: past it a page says "more than" this, so
#: its cost does not grow with the log (which holds millions of entries after some years).
COUNT_CAP = 10_000
#: Days are UK days on the page; entries are stored in UTC.
_UK = ZoneInfo("Europe/London")


@dataclass(frozen=True)
class LogFilters:
    user_id: int | None = None
    agency_id: int | None = None
    #: Only the entries of acts no user did, those whose "Who" says "Command line" or
    #: "System" (``by_the_hub``): the hub's own and those on the reader's agency's records
    #: (an account of its staff created or its roles changed on the command line).
    by_the_hub: bool = False
    case_id: int | None = None
    person_id: int | None = None
    action: acts.Action | None = None
    since: date | None = None
    until: date | None = None

    def describe(self) -> str:
        """The filters as identifiers, for the entry that records the search."""
        parts = [
            f"{name} {value}"
            for name, value in (
                ("user", self.user_id),
                ("agency", self.agency_id),
                ("by", "the hub itself" if self.by_the_hub else None),
                ("case", self.case_id),
                ("person", self.person_id),
                ("action", self.action.value if self.action else None),
                ("from", self.since.isoformat() if self.since else None),
                ("to", self.until.isoformat() if self.until else None),
            )
            if value is not None
        ]
        return "; ".join(parts) or "no filters"


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


@dataclass(frozen=True)
class LogPage:
    rows: list[LogRow]
    #: How many entries match; ``COUNT_CAP`` when more match (``more``).
    total: int
    page: int
    #: The pages ``total`` fills: every page when counted, else the pages the cap reaches.
    pages: int
    #: Whether more entries match than were counted.
    more: bool = False
    #: Whether a page of older entries follows this one.
    has_next: bool = False

    def counted(self) -> str:
        """How many entries match, as the search's audit entry says it."""
        return f"more than {self.total:,} entries" if self.more else f"{self.total} entries"


def require_dpo(
    session: Session,
    actor: Actor,
    action: acts.Action,
    reason: str = "only data protection officers read the audit log",
    purpose: str | None = None,
) -> None:
    """Refuse, recording why, anyone but a data protection officer."""
    if not actor.has(Role.DPO):
        raise acts.refused(session, action, actor=actor, purpose=purpose, reason=reason)


def _ids(ids: Iterable[int]) -> list[str]:
    return [str(i) for i in ids]


def _listing(session: Session, kind: str, wanted: set[int]) -> ColumnElement[bool]:
    """Entries whose basis lists one of ``wanted`` under ``kind`` (the lists, searches and
    exports that showed them), found in the log's index of listings."""
    if not wanted:
        return false()
    listing = select(AuditListing.seq).where(
        AuditListing.kind == kind, AuditListing.listed_id.in_(wanted)
    )
    return in_rows_of(session, AuditEntry.seq, listing)


def _concerning_cases(session: Session, case_ids: set[int]) -> ColumnElement[bool]:
    if not case_ids:
        return false()
    return or_(
        and_(AuditEntry.object_type == "case", AuditEntry.object_id.in_(_ids(case_ids))),
        _listing(session, "cases", case_ids),
    )


def concerning_person(session: Session, person_id: int) -> ColumnElement[bool]:
    """Entries about a person: their record, the cases they are on or whose records name
    them (taken off a case, they stay in the incidents they reported, their assessments),
    and the searches that showed them."""
    cases = cases_naming(session, person_id)
    return or_(
        and_(AuditEntry.object_type == "person", AuditEntry.object_id == str(person_id)),
        _concerning_cases(session, cases),
        _listing(session, "persons", {person_id}),
    )


def concerning_application(session: Session, application_id: int) -> ColumnElement[bool]:
    """Entries about a Community Trigger application: the acts on it, the searches that
    showed it, and the lists that named its recommendations."""
    recommendations = set(
        session.scalars(
            select(TriggerRecommendation.id).where(
                TriggerRecommendation.application_id == application_id
            )
        )
    )
    return or_(
        and_(
            AuditEntry.object_type == "trigger_application",
            AuditEntry.object_id == str(application_id),
        ),
        _listing(session, "applications", {application_id}),
        _listing(session, "recommendations", recommendations),
    )


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


def _no_user_acting() -> ColumnElement[bool]:
    """Entries of acts no user did, whatever agency's record they were on: those whose
    "Who" says "Command line" or "System" (``by_the_hub``)."""
    return AuditEntry.actor_user_id.is_(None)


def _no_one_acting() -> ColumnElement[bool]:
    """Entries of acts no agency's user did: the command line's and the system's."""
    return and_(AuditEntry.actor_agency_id.is_(None), AuditEntry.actor_user_id.is_(None))


def _the_hubs_own() -> ColumnElement[bool]:
    """The hub's own entries, which every DPO reads: no agency acted and no record is
    named (the hub, its keys and its log; a command or form refused naming none: what was
    typed named nothing). Deny by default: an entry no agency acted in that names a record
    (a case erased by a sweep, an account's password reset on the command line) is the
    record's agency's, in its scope, and no other's."""
    return and_(_no_one_acting(), AuditEntry.object_id.is_(None))


def _scope(session: Session, agency_id: int) -> ColumnElement[bool]:
    """What concerns one agency as a controller, and the hub's own entries. Each branch
    can be looked up in an index (``in_rows_of``), so an agency with few entries among
    many is found without reading the whole log."""
    own_cases = select(cast(Case.id, String)).where(Case.agency_id == agency_id)
    own_people = select(cast(Person.id, String)).where(Person.agency_id == agency_id)
    own_applications = select(cast(TriggerApplication.id, String)).where(
        TriggerApplication.lead_agency_id == agency_id
    )
    own_accounts = select(cast(User.id, String)).where(User.agency_id == agency_id)
    own_keys = select(cast(AuditAgencyKey.id, String)).where(AuditAgencyKey.agency_id == agency_id)
    return or_(
        AuditEntry.actor_agency_id == agency_id,
        _the_hubs_own(),
        # Its staff's accounts and its co-signing keys, on the command line too.
        and_(
            AuditEntry.object_type == "user",
            in_rows_of(session, AuditEntry.object_id, own_accounts),
        ),
        and_(
            AuditEntry.object_type == "agency_key",
            in_rows_of(session, AuditEntry.object_id, own_keys),
        ),
        and_(
            AuditEntry.object_type == "case",
            in_rows_of(session, AuditEntry.object_id, own_cases),
        ),
        in_rows_of(session, AuditEntry.seq, _others_listing_cases_of(agency_id)),
        and_(
            AuditEntry.object_type == "person",
            in_rows_of(session, AuditEntry.object_id, own_people),
        ),
        # Applications it holds as the Community Trigger's lead, the public's sends too.
        and_(
            AuditEntry.object_type == "trigger_application",
            in_rows_of(session, AuditEntry.object_id, own_applications),
        ),
        AuditEntry.object_type == "protocol",
    )


def _others_listing_cases_of(agency_id: int) -> Select[int]:
    """The entries of other agencies' users (and of no agency's) whose basis lists one of
    the agency's cases: a partner's list, search or export that showed it, a conference's
    page, pack or minutes read at its table. The agency's own acts are in its scope
    anyway, so its exports of every case it holds are not gathered again."""
    listing = aliased(AuditEntry)
    return (
        select(AuditListing.seq)
        .join(listing, listing.seq == AuditListing.seq)
        .where(
            AuditListing.kind == "cases",
            AuditListing.listed_id.in_(select(Case.id).where(Case.agency_id == agency_id)),
            or_(listing.actor_agency_id.is_(None), listing.actor_agency_id != agency_id),
        )
    )


def _owned(
    session: Session, model: type[Case] | type[Person], id_: int | None, agency_id: int
) -> bool:
    """Whether ``id_`` names a case or person of the agency ``agency_id``."""
    if id_ is None:
        return False
    return session.scalar(select(model.agency_id).where(model.id == id_)) == agency_id


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time.min, tzinfo=_UK)


def case_in_log(session: Session, actor: Actor, reference: str) -> int | None:
    """The case a DPO may filter their log by: one of their own agency's, or one their log
    already names (an act of their agency's users on it that was not answered "not
    found"). None for any other case, exactly as for a reference no case has."""
    found = session.execute(
        select(Case.id, Case.agency_id).where(Case.reference == reference.strip().upper())
    ).first()
    if found is None:
        return None
    case_id, agency_id = found
    if agency_id == actor.agency_id:
        return case_id
    named = session.scalar(
        select(AuditEntry.seq)
        .where(
            AuditEntry.actor_agency_id == actor.agency_id,
            AuditEntry.object_type == "case",
            AuditEntry.object_id == str(case_id),
            or_(
                AuditEntry.basis.is_(None),
                ~AuditEntry.basis.startswith(acts.NOT_FOUND_TO_REQUESTER, autoescape=True),
            ),
        )
        .limit(1)
    )
    return case_id if named is not None else None


def search_log(
    session: Session,
    actor: Actor,
    filters: LogFilters,
    page: int = 1,
    *,
    size: int = PAGE_SIZE,
    rules: Mapping[str, str] | None = None,
) -> LogPage:
    """One page of the entries concerning the DPO's agency that match, newest first;
    ``rules`` the Community Trigger's threshold rules' titles by id, for the "why"."""
    require_dpo(session, actor, acts.Action.AUDIT_SEARCH)
    conditions: list[ColumnElement[bool]] = []
    # Everything concerning the agency's own case or person concerns the agency, a
    # partner's list that named it too; otherwise only what the agency's scope holds.
    if not (
        _owned(session, Case, filters.case_id, actor.agency_id)
        or _owned(session, Person, filters.person_id, actor.agency_id)
    ):
        conditions.append(_scope(session, actor.agency_id))
    if filters.user_id is not None:
        conditions.append(AuditEntry.actor_user_id == filters.user_id)
    if filters.agency_id is not None:
        conditions.append(AuditEntry.actor_agency_id == filters.agency_id)
    if filters.by_the_hub:
        conditions.append(_no_user_acting())
    if filters.action is not None:
        conditions.append(AuditEntry.action == filters.action.value)
    if filters.since is not None:
        conditions.append(AuditEntry.at >= _day_start(filters.since))
    if filters.until is not None and filters.until < date.max:  # the last day: no bound
        conditions.append(AuditEntry.at < _day_start(filters.until + timedelta(days=1)))
    if filters.case_id is not None:
        conditions.append(_concerning_cases(session, {filters.case_id}))
    if filters.person_id is not None:
        conditions.append(concerning_person(session, filters.person_id))
    matching = _matching(session, conditions)
    total, more = min(len(matching), COUNT_CAP), len(matching) > COUNT_CAP
    if more:  # the last page is not known: a page past the end is empty
        pages, page = total // size + 1, max(page, 1)
        newest = (
            select(AuditEntry)
            .where(*conditions)
            .order_by(AuditEntry.seq.desc())
            .limit(size + 1)  # one more: whether a next page holds any
            .offset((page - 1) * size)
        )
    else:  # the page's entries are found by their numbers, wherever they lie in the log
        pages = max(1, -(-total // size))
        page = min(max(page, 1), pages)
        chosen = sorted(matching, reverse=True)[(page - 1) * size : page * size + 1]
        newest = (
            select(AuditEntry).where(AuditEntry.seq.in_(chosen)).order_by(AuditEntry.seq.desc())
        )
    entries = list(session.scalars(newest))
    found = LogPage(
        rows(session, entries[:size], actor.agency_id, rules=rules),
        total,
        page,
        pages,
        more=more,
        has_next=len(entries) > size,
    )
    acts.record(
        session,
        acts.Action.AUDIT_SEARCH,
        actor=actor,
        subject=acts.Subject("audit_log"),
        basis=f"{filters.describe()}: {found.counted()}",
    )
    return found


def _matching(session: Session, conditions: list[ColumnElement[bool]]) -> list[int]:
    """The numbers of the entries that match, in no order, no more than ``COUNT_CAP`` + 1
    (one more: whether more match than the cap). Matches are gathered through the log's
    indexes, so an agency whose entries are few and old is found without walking the whole
    log back from its newest entry."""
    return list(session.scalars(select(AuditEntry.seq).where(*conditions).limit(COUNT_CAP + 1)))


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
            else acts.shortened(
                e.basis
                if e.actor_agency_id == reader_agency_id
                else acts.only_yours(e.basis, yours)
            )
        )
        case_of, known = others.get(e.seq, (None, True))
        shown.append(
            LogRow(
                seq=e.seq,
                at=e.at,
                user=users[e.actor_user_id].display_name if e.actor_user_id in users else "",
                agency=agencies.get(e.actor_agency_id, "") if e.actor_agency_id else "",
                roles=", ".join(r.replace("_", " ") for r in e.actor_roles.split(",") if r)
                if e.actor_user_id is not None
                else "",
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
) -> reasons.Names:
    """What the entries' bases name by identifier, for ``reasons.in_words``: protocol
    versions, agencies, and shares with their case (where the reader's agency owns the
    case or was shared it) and the agency each was made to."""
    bases = [e.basis for e in entries]
    share_ids = reasons.shares_named(bases)
    shares = {
        id_: reasons.ShareNames(reference if reader_agency_id in (owner, to) else None, agency_name)
        for id_, reference, owner, to, agency_name in session.execute(
            select(Share.id, Case.reference, Case.agency_id, Share.agency_id, Agency.name)
            .join(Case, Case.id == Share.case_id)
            .join(Agency, Agency.id == Share.agency_id)
            .where(Share.id.in_(share_ids))
        )
    }
    agency_ids = reasons.agencies_named(bases)
    agencies: dict[int, str] = {
        id_: name
        for id_, name in session.execute(
            select(Agency.id, Agency.name).where(Agency.id.in_(agency_ids))
        )
    }
    protocols = protocol_records.versions_by_key(session) if any(bases) else {}
    return reasons.Names(protocols=protocols, agencies=agencies, shares=shares, rules=dict(rules))


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
    named: dict[str, set[int]] = {kind: set() for kind in acts.AGENCY_LISTS}
    for entry in entries:
        for kind, ids in acts.named(entry.basis).items():
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


@dataclass(frozen=True)
class EmergencyAccessRow:
    id: int
    case_id: int
    case_reference: str
    user: str
    agency: str
    protocol: str
    clause: str
    started_at: datetime
    expires_at: datetime
    reviewed_at: datetime | None
    reviewed_by: str | None
    #: Times the user opened the case under this emergency access (its page, a document,
    #: a conference's page or pack on it), from the log.
    views: int


def emergency_accesses(
    session: Session, actor: Actor, since: date, until: date
) -> list[EmergencyAccessRow]:
    """Every emergency access to the DPO's agency's cases that started in the period, with
    its review and how many times the case was opened under it (newest first)."""
    require_dpo(session, actor, acts.Action.BREAK_GLASS_LIST_VIEW)
    accesses = list(
        session.scalars(
            select(BreakGlass)
            .join(Case, Case.id == BreakGlass.case_id)
            .where(
                Case.agency_id == actor.agency_id,
                BreakGlass.started_at >= _day_start(since),
                BreakGlass.started_at < _day_start(until + timedelta(days=1)),
            )
            .options(
                contains_eager(BreakGlass.case),  # the case joined above
                joinedload(BreakGlass.user).joinedload(User.agency),
                joinedload(BreakGlass.protocol),
                joinedload(BreakGlass.reviewed_by),
            )
            .order_by(BreakGlass.started_at.desc(), BreakGlass.id.desc())
        )
    )
    counts = _views_under(session, [g.id for g in accesses])
    result = []
    for glass in accesses:
        views = counts.get(glass.id, 0)
        result.append(
            EmergencyAccessRow(
                id=glass.id,
                case_id=glass.case_id,
                case_reference=glass.case.reference,
                user=glass.user.display_name,
                agency=glass.user.agency.name,
                protocol=f"{glass.protocol.title} (version {glass.protocol.version})",
                clause=glass.clause,
                started_at=glass.started_at,
                expires_at=glass.expires_at,
                reviewed_at=glass.reviewed_at,
                reviewed_by=glass.reviewed_by.display_name if glass.reviewed_by else None,
                views=views or 0,
            )
        )
    acts.record(
        session,
        acts.Action.BREAK_GLASS_LIST_VIEW,
        actor=actor,
        subject=acts.Subject("break_glass"),
        basis=f"from {since.isoformat()} to {until.isoformat()}: emergency accesses "
        f"{acts.ids([r.id for r in result])}",
    )
    return result


def _views_under(session: Session, glass_ids: list[int]) -> dict[int, int]:
    """How many times each emergency access's user opened its case under it (its page, a
    document, or a conference's page or pack on it), in one query."""
    if not glass_ids:
        return {}
    case_id = cast(BreakGlass.case_id, String)
    opened = or_(
        and_(
            AuditEntry.action == acts.Action.CASE_VIEW.value,
            AuditEntry.object_type == "case",
            AuditEntry.object_id == case_id,
        ),
        and_(
            AuditEntry.action.in_(
                [acts.Action.CONFERENCE_VIEW.value, acts.Action.CONFERENCE_PACK.value]
            ),
            AuditEntry.object_type == "conference",
            AuditEntry.basis.like("case " + case_id + ";%"),
        ),
    )
    found = session.execute(
        select(BreakGlass.id, func.count(AuditEntry.seq))
        .join(
            AuditEntry,
            and_(
                AuditEntry.actor_user_id == BreakGlass.user_id,
                AuditEntry.at >= BreakGlass.started_at,
                AuditEntry.at <= BreakGlass.expires_at,
            ),
        )
        .where(
            BreakGlass.id.in_(glass_ids),
            opened,
            AuditEntry.outcome == acts.Outcome.ALLOWED.value,
            AuditEntry.basis.like("%Emergency access%"),
        )
        .group_by(BreakGlass.id)
    )
    return {glass_id: count for glass_id, count in found}
