"""The active protocols, compiled for fast access decisions.

A ``Policy`` holds every clause of every active protocol version as ``Grant``s, indexed
by receiving agency and purpose, with agency-type selectors already expanded to the
agencies of that type. Each grant carries its version's parties: a protocol is an
agreement between them, so it discloses only their cases (``Grant.binds``). It is rebuilt
when any protocol's status changes (``changed_at``).

Which version is in force on a day is decided from dates when a decision is made, never
by a job that changes statuses at midnight: a version is in force from its start to its
end, or to the day before a later version signed by every party starts (``last_days``).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta

from sharing.protocols import Clause, ProtocolDocument
from sharing.vocabulary import AgencyType, Priority, Role


@dataclass(frozen=True)
class Grant:
    """One clause of one active protocol version, as a decision uses it."""

    protocol_id: int
    protocol_key: str
    version: int
    clause: str
    purpose: str
    roles: frozenset[Role]
    categories: frozenset[str]
    requires_share: bool
    priorities: frozenset[Priority] | None
    emergency: bool
    start: date
    end: date
    #: The agencies the protocol version binds (its parties, types expanded), by id: an
    #: agency that did not sign it has not agreed to disclose under it.
    parties: frozenset[int]

    def binds(self, agency_id: int) -> bool:
        """Whether the case of this agency may be disclosed under the grant: the agency is
        a party to its protocol version."""
        return agency_id in self.parties

    def applies(self, roles: frozenset[Role], priority: Priority, today: date) -> bool:
        return (
            self.start <= today <= self.end
            and not self.roles.isdisjoint(roles)
            and (self.priorities is None or priority in self.priorities)
        )

    @property
    def basis(self) -> str:
        return f"Protocol {self.protocol_key} version {self.version}, clause {self.clause}, purpose {self.purpose}"


#: A basis as ``Grant.basis`` writes it, at the start of a decision's basis (which may go
#: on with the share or the conference it came through).
_BASIS = re.compile(
    r"Protocol (?P<key>\S+) version (?P<version>\d+), clause (?P<clause>[^,\s]+), "
    r"purpose (?P<purpose>\w+)"
)


@dataclass(frozen=True)
class BasisParts:
    """A decision's basis read back: the clause of a protocol version it names, for a
    page to name the protocol by its title; ``rest`` is what the decision added after it
    ("; share 12 until 3 March 2027")."""

    key: str
    version: int
    clause: str
    purpose: str
    rest: str


def basis_parts(basis: str) -> BasisParts | None:
    """The parts of a basis that begins with a protocol clause; None for any other basis
    (an agency's own case, a lock)."""
    found = _BASIS.match(basis)
    if found is None:
        return None
    return BasisParts(
        found["key"], int(found["version"]), found["clause"], found["purpose"], basis[found.end() :]
    )


@dataclass(frozen=True)
class AgencyRef:
    id: int
    code: str
    type: AgencyType


class Policy:
    """Grants by (receiving agency id, purpose), and emergency grants by agency id."""

    def __init__(
        self,
        grants: Mapping[tuple[int, str], tuple[Grant, ...]],
        emergency: Mapping[int, tuple[Grant, ...]],
    ):
        self._grants = dict(grants)
        self._emergency = dict(emergency)
        self._purposes = frozenset(purpose for (_agency, purpose) in self._grants)

    @classmethod
    def empty(cls) -> Policy:
        return cls({}, {})

    @classmethod
    def compile(
        cls,
        active: Iterable[tuple[int, ProtocolDocument]],
        agencies: Iterable[AgencyRef],
        last_day: Mapping[tuple[str, int], date] | None = None,
    ) -> Policy:
        """From (protocol record id, parsed document) of each active version; ``last_day``
        (from ``last_days``) ends a version the day before a later one takes over."""
        last_day = last_day or {}
        agencies = list(agencies)
        by_code = {a.code: a.id for a in agencies}
        by_type: dict[AgencyType, list[int]] = defaultdict(list)
        for agency in agencies:
            by_type[agency.type].append(agency.id)
        grants: dict[tuple[int, str], list[Grant]] = defaultdict(list)
        emergency: dict[int, list[Grant]] = defaultdict(list)
        for record_id, document in active:
            parties = frozenset(_agencies(document.party_selectors(), by_code, by_type))
            for clause in document.clauses:
                grant = _grant(record_id, document, clause, last_day, parties)
                for agency_id in _agencies(clause.recipients, by_code, by_type):
                    (
                        emergency[agency_id]
                        if grant.emergency
                        else grants[(agency_id, grant.purpose)]
                    ).append(grant)
        return cls(
            {k: tuple(v) for k, v in grants.items()}, {k: tuple(v) for k, v in emergency.items()}
        )

    def grants(self, agency_id: int, purpose: str) -> tuple[Grant, ...]:
        return self._grants.get((agency_id, purpose), ())

    def emergency_grants(self, agency_id: int) -> tuple[Grant, ...]:
        return self._emergency.get(agency_id, ())

    def purposes(self) -> frozenset[str]:
        """Every purpose an active protocol gives any agency case data for."""
        return self._purposes

    def purposes_for(self, agency_id: int) -> set[str]:
        return {purpose for (agency, purpose) in self._grants if agency == agency_id}


def last_days(versions: Iterable[tuple[str, int, date, date]]) -> dict[tuple[str, int], date]:
    """The last day each version is in force, from (protocol key, version, start, end) of
    every version signed by every party: its end, or the day before a later version of the
    same protocol starts, whichever comes first."""
    versions = list(versions)
    last: dict[tuple[str, int], date] = {}
    for key, version, _start, end in versions:
        later = [s for k, v, s, _e in versions if k == key and v > version]
        last[(key, version)] = min([end, *(s - timedelta(days=1) for s in later)])
    return last


def _grant(
    record_id: int,
    document: ProtocolDocument,
    clause: Clause,
    last_day: Mapping[tuple[str, int], date],
    parties: frozenset[int],
) -> Grant:
    return Grant(
        protocol_id=record_id,
        protocol_key=document.id,
        version=document.version,
        clause=clause.id,
        purpose=clause.purpose,
        roles=frozenset(clause.roles),
        categories=frozenset(clause.categories),
        requires_share=clause.requires_share,
        priorities=frozenset(clause.priorities) if clause.priorities is not None else None,
        emergency=clause.emergency,
        start=document.start,
        end=last_day.get((document.id, document.version), document.end),
        parties=parties,
    )


_AGENCY_TYPES = {t.value: t for t in AgencyType}


def _agencies(
    selectors: Iterable[str], by_code: Mapping[str, int], by_type: Mapping[AgencyType, list[int]]
) -> set[int]:
    found: set[int] = set()
    for selector in selectors:
        if selector.startswith("type:"):
            found.update(by_type.get(_AGENCY_TYPES[selector.removeprefix("type:")], []))
        elif selector in by_code:
            found.add(by_code[selector])
    return found
