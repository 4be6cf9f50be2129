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

from sqlalchemy import ColumnElement, Select, String, and_, cast, false, or_, select
from sqlalchemy.orm import Session, aliased

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.audit.log_rows import LogRow, rows
from sharing.cases.erasure import cases_naming
from sharing.db import in_rows_of
from sharing.models import (
    AuditAgencyKey,
    AuditEntry,
    AuditListing,
    Case,
    Person,
    TriggerApplication,
    TriggerRecommendation,
    User,
)
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


def day_start(day: date) -> datetime:
    """The start of a UK day, as the log's dates filter it."""
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
        conditions.append(AuditEntry.at >= day_start(filters.since))
    if filters.until is not None and filters.until < date.max:  # the last day: no bound
        conditions.append(AuditEntry.at < day_start(filters.until + timedelta(days=1)))
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
