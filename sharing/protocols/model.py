"""A parsed information sharing protocol: what one valid protocol file says.

Only ``sharing.protocols.checker`` builds these, and only from a file with no problems,
so every value here has passed the checks in ``protocols/README.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sharing.vocabulary import AgencyType, Priority, Role

#: Prefix of a recipient that names every party agency of a type, e.g. ``type:landlord``.
TYPE_PREFIX = "type:"


@dataclass(frozen=True)
class Party:
    """One party to a protocol: a named agency, or every agency of a type in the area."""

    #: The agency's code (``Agency.code``), or None when the party is an agency type.
    agency: str | None
    #: The agency type whose every agency is a party, or None when the party is an agency.
    agency_type: AgencyType | None
    #: The role whose holder signs the protocol for the party (for a type, in each agency).
    signatory_role: Role

    @property
    def selector(self) -> str:
        """How clauses name this party: its agency code, or ``type:<agency type>``."""
        if self.agency is not None:
            return self.agency
        if self.agency_type is None:
            raise ValueError("a party names an agency or an agency type")
        return TYPE_PREFIX + self.agency_type.value

    def covers(self, agency_code: str, agency_type: AgencyType) -> bool:
        """Whether the agency with this code and type is this party."""
        if self.agency is not None:
            return self.agency == agency_code
        return self.agency_type == agency_type


@dataclass(frozen=True)
class Purpose:
    """A purpose the protocol shares data for, with its lawful basis."""

    #: Short stable name used by clauses and shares, e.g. ``asb_case_management``.
    id: str
    #: What a reader sees, e.g. "ASB case management".
    title: str
    #: UK GDPR Article 6(1) lawful basis, e.g. ``public_task`` (``lawful.ARTICLE6``).
    article6: str
    #: UK GDPR Article 9(2) condition for special category data, if any (``lawful.ARTICLE9``).
    article9: str | None
    #: DPA 2018 Schedule 1 paragraph numbers the purpose relies on, e.g. ``("10", "18")``.
    schedule1: tuple[str, ...]
    #: Article 10 condition for criminal offence data, if any (``lawful.ARTICLE10``).
    article10: str | None
    #: The statutory power relied on, e.g. "s.115 Crime and Disorder Act 1998".
    statutory_power: str | None

    @property
    def allows_special_category(self) -> bool:
        """Whether the purpose has an Article 9 condition (so ``vulnerability`` may go)."""
        return self.article9 is not None

    @property
    def allows_criminal_offence(self) -> bool:
        """Whether the purpose has an Article 10 condition (so ``offending`` may go)."""
        return self.article10 is not None


@dataclass(frozen=True)
class Clause:
    """What some parties' roles may receive for one purpose, and on what conditions."""

    #: The clause's number in the protocol, e.g. "4.1".
    id: str
    #: The id of the purpose the clause serves.
    purpose: str
    #: Who receives: party agency codes or ``type:<agency type>`` selectors.
    recipients: tuple[str, ...]
    #: The recipients' roles that may receive the data.
    roles: frozenset[Role]
    #: The data categories they may receive (``lawful.CATEGORIES``).
    categories: frozenset[str]
    #: Only through a live share of the case by its owning agency.
    requires_share: bool = True
    #: Only for cases at one of these priorities; None means any priority.
    priorities: frozenset[Priority] | None = None
    #: A break-glass clause (risk to life), used only through emergency access.
    emergency: bool = False

    def names(self, party: Party) -> bool:
        """Whether the clause gives data to ``party``."""
        return party.selector in self.recipients


@dataclass(frozen=True)
class ProtocolDocument:
    """One version of an information sharing protocol, parsed from its file."""

    #: Stable id, the file's name without ``.toml``, e.g. ``northshire-asb-case-management``.
    id: str
    #: What a reader sees.
    title: str
    #: Version number, from 1; a changed protocol is a new version, signed again.
    version: int
    #: Handling marking, e.g. "OFFICIAL-SENSITIVE".
    handling: str
    #: First day the protocol may be used.
    start: date
    #: Last day the protocol may be used.
    end: date
    #: Date by which the parties review the protocol.
    review: date
    #: How long recipients keep what they receive, and how it is destroyed.
    retention: str
    #: The parties, in the file's order.
    parties: tuple[Party, ...]
    #: The purposes, in the file's order.
    purposes: tuple[Purpose, ...]
    #: The clauses, in the file's order.
    clauses: tuple[Clause, ...]
    #: Where the protocol was read from (a file path or a description).
    source: str

    def party_selectors(self) -> tuple[str, ...]:
        """Each party as clauses name it, in order."""
        return tuple(p.selector for p in self.parties)

    def party_for(self, agency_code: str, agency_type: AgencyType) -> Party | None:
        """The party the agency with this code and type is, if it is one."""
        return next((p for p in self.parties if p.covers(agency_code, agency_type)), None)

    def purpose(self, purpose_id: str) -> Purpose:
        """The purpose with this id; KeyError if there is none."""
        for purpose in self.purposes:
            if purpose.id == purpose_id:
                return purpose
        raise KeyError(purpose_id)

    def clause(self, clause_id: str) -> Clause:
        """The clause with this id; KeyError if there is none."""
        for clause in self.clauses:
            if clause.id == clause_id:
                return clause
        raise KeyError(clause_id)

    def clauses_for(self, agency_code: str, agency_type: AgencyType) -> tuple[Clause, ...]:
        """The clauses that give data to the agency with this code and type."""
        party = self.party_for(agency_code, agency_type)
        if party is None:
            return ()
        return tuple(c for c in self.clauses if c.names(party))

    @property
    def emergency_clauses(self) -> tuple[Clause, ...]:
        """The break-glass clauses."""
        return tuple(c for c in self.clauses if c.emergency)
