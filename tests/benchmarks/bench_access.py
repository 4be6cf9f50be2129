"""What access decisions cost: sharing.access.decide.decide against pycasbin, and the case list.

Run by hand (pytest never collects it), from the repository root::

    .venv/bin/python -m tests.benchmarks.bench_access [--cases N] [--requests N]

Two measurements, each printed with PASS or MISS against its target (it never fails on
time; see README.md here):

1. sharing.access.decide.decide for a partnership of 12 agencies, 6 protocols and 100,000 cases
   with shares, on a realistic mix of requests: per-decision latency (p50/p99) and
   throughput, against pycasbin enforcing an equivalent model in the same run (the
   answers are compared: the agreement rate is printed);
2. the case list page (50 cases) at 100,000 cases on SQLite: list_cases directly and
   GET /cases?page=N through the Flask test client (the database is cached under .tmp/,
   keyed by size).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import random
import re
import secrets
import shutil
import sqlite3
import sys
import tempfile
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pyotp
from alembic.script import ScriptDirectory
from flask.testing import FlaskClient
from sqlalchemy import Engine, event, insert, update
from sqlalchemy.orm import Session

from hub.app import create_app
from hub.config import load_settings
from hub.migrate import alembic_config, upgrade
from sharing import accounts
from sharing.access.decide import (
    CATEGORIES,
    Act,
    Actor,
    BreakGlassFacts,
    CaseFacts,
    ShareFacts,
    decide,
)
from sharing.cases import listing
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, Area, Case, Incident, LockMember, User, Ward
from sharing.protocols import ProtocolDocument, parse_protocol
from sharing.protocols.policy import AgencyRef, Policy
from sharing.vocabulary import (
    AgencyType,
    CaseCategory,
    CaseStatus,
    ClosureReason,
    Priority,
    Role,
    Triage,
)
from tests.benchmarks.common import cpu_model, load, percentile, say, settle, verdict, version_of

ROOT = Path(__file__).resolve().parents[2]
TMP = ROOT / ".tmp"

#: Targets from the issue.
THROUGHPUT_TARGET = 10.0  # x pycasbin's decisions per second
P99_TARGET_US = 50.0
LIST_P95_TARGET_MS = 50.0
LIST_PAGE_SIZE = 50

#: Every decision is made at this moment (all protocols are in force on its date).
NOW = datetime(2026, 6, 15, 11, 30, tzinfo=UTC)
TODAY = NOW.date()
#: Bump when the list database's contents change, so a cached file is not reused.
LIST_DB_VERSION = 1
PASSWORD = "bench-only-password-not-secret"
CO, MGR, PV = Role.CASE_OFFICER, Role.MANAGER, Role.PARTNER_VIEWER
CHAIR, LEAD, ANALYST, DPO, ADMIN = (
    Role.CONFERENCE_CHAIR,
    Role.TRIGGER_LEAD,
    Role.ANALYST,
    Role.DPO,
    Role.ADMINISTRATOR,
)
#: Roles that may open a case page at all (hub/cases/views.py's require_roles).
READER_ROLES = frozenset({CO, MGR, PV, CHAIR, LEAD})


def now_ns() -> int:
    return time.perf_counter_ns()


# --------------------------------------------------------------------------- reporting


def print_machine() -> None:
    say("Access decision and case list benchmark")
    say(f"  CPU            {cpu_model()} ({os.cpu_count()} logical CPUs), {platform.machine()}")
    say(f"  Python         {platform.python_version()} ({platform.python_implementation()})")
    say(f"  pycasbin       {version_of('pycasbin')} (simpleeval {version_of('simpleeval')})")
    say(f"  SQLAlchemy     {version_of('SQLAlchemy')}")
    say(f"  Flask          {version_of('Flask')}")
    say(f"  SQLite         {sqlite3.sqlite_version}")
    say(f"  started        {datetime.now(UTC).isoformat(timespec='seconds')}, {load()}")


# --------------------------------------------------------------------------- the partnership


StaffGroup = tuple[frozenset[Role], int, tuple[str | None, ...]]


@dataclass(frozen=True)
class AgencySpec:
    code: str
    name: str
    type: AgencyType
    prefix: str
    #: Share of the partnership's cases this agency owns.
    weight: float
    #: (roles, how many staff hold them, their teams in turn); a team of None: no team.
    staff: tuple[StaffGroup, ...]


def _s(count: int, *roles: Role, teams: tuple[str | None, ...] = (None,)) -> StaffGroup:
    return (frozenset(roles), count, teams)


_LANDLORD_STAFF = (
    _s(9, CO, teams=("North team", "South team", "Central team")),
    _s(1, CO),
    _s(1, MGR),
    _s(1, MGR, CHAIR),
    _s(1, ANALYST),
    _s(1, DPO),
)
#: Five landlords, the police, three council teams, two safeguarding boards, the ICB and
#: probation. Codes are the demo partnership's (its protocol files name them).
AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec("larkmoor-ha", "Larkmoor Housing Association", AgencyType.LANDLORD, "LHA", 0.22, _LANDLORD_STAFF),
    AgencySpec("northshire-homes", "Northshire Homes", AgencyType.LANDLORD, "NSH", 0.12, _LANDLORD_STAFF),
    AgencySpec("wealdbrook-ht", "Wealdbrook Housing Trust", AgencyType.LANDLORD, "WHT", 0.08, _LANDLORD_STAFF),
    AgencySpec("hollin-homes", "Hollinfield Homes", AgencyType.LANDLORD, "HFH", 0.06, _LANDLORD_STAFF),
    AgencySpec("sedge-housing", "Sedgecombe Housing Co-operative", AgencyType.LANDLORD, "SHC", 0.04, _LANDLORD_STAFF),
    AgencySpec(
        "northshire-police", "Northshire Police", AgencyType.POLICE, "NP", 0.14,
        (_s(12, CO, teams=("Larkmoor NPT", "Wealdbrook NPT", "Northgate NPT")), _s(2, MGR),
         _s(1, MGR, CHAIR), _s(2, ANALYST), _s(1, DPO)),
    ),
    AgencySpec(
        "northshire-eh", "Northshire Council Environmental Health", AgencyType.ENVIRONMENTAL_HEALTH,
        "NEH", 0.09, (_s(5, CO, teams=("Noise team",)), _s(1, MGR)),
    ),
    AgencySpec(
        "northshire-csp", "Northshire Council Community Safety", AgencyType.COMMUNITY_SAFETY,
        "NCS", 0.12,
        (_s(6, CO, teams=("ASB team",)), _s(1, MGR), _s(1, CHAIR), _s(1, LEAD), _s(1, ANALYST),
         _s(1, DPO), _s(1, ADMIN)),
    ),
    AgencySpec(
        "northshire-adults", "Northshire Adult Safeguarding", AgencyType.ADULT_SAFEGUARDING, "NAS",
        0.03, (_s(3, PV), _s(2, CO, teams=("Safeguarding hub",)), _s(1, MGR)),
    ),
    AgencySpec(
        "northshire-children", "Northshire Children's Safeguarding",
        AgencyType.CHILDRENS_SAFEGUARDING, "NCSG", 0.03,
        (_s(3, PV), _s(2, CO, teams=("MASH",)), _s(1, MGR)),
    ),
    AgencySpec(
        "northshire-icb", "Northshire Integrated Care Board", AgencyType.HEALTH, "ICB", 0.01,
        (_s(2, PV), _s(1, MGR)),
    ),
    AgencySpec(
        "northshire-probation", "Probation Service, Northshire", AgencyType.OTHER, "PDU", 0.06,
        (_s(6, CO, teams=("IOM team", "Public protection")), _s(1, MGR)),
    ),
)  # fmt: skip

#: Two protocols beyond the demo partnership's four (protocols/*.toml): integrated offender
#: management (two purposes, an open clause for red cases) and safeguarding referrals.
EXTRA_PROTOCOLS: tuple[str, ...] = (
    '''
id = "northshire-offender-management"
title = "Northshire integrated offender management information sharing protocol"
version = 1
handling = "OFFICIAL-SENSITIVE"
start = 2025-10-01
end = 2028-09-30
review = 2027-09-30
retention = """Recipients keep copies under their own retention schedules."""

[[parties]]
agency = "northshire-police"
signatory_role = "manager"

[[parties]]
agency = "northshire-probation"
signatory_role = "manager"

[[parties]]
agency = "northshire-csp"
signatory_role = "manager"

[[parties]]
agency_type = "landlord"
signatory_role = "manager"

[[purposes]]
id = "offender_management"
title = "Integrated offender management"
article6 = "public_task"
article10 = "authorised_by_law"
schedule1 = ["10"]
statutory_power = "s.115 Crime and Disorder Act 1998; s.325 Criminal Justice Act 2003"

[[purposes]]
id = "risk_management"
title = "Managing the risk to and from people on red cases"
article6 = "public_task"
article9 = "substantial_public_interest"
schedule1 = ["10", "18"]
article10 = "authorised_by_law"

[[clauses]]
id = "8.1"
purpose = "offender_management"
recipients = ["northshire-probation"]
roles = ["case_officer", "manager"]
categories = ["identity", "location", "narrative", "risk", "offending", "actions"]

[[clauses]]
id = "8.2"
purpose = "offender_management"
recipients = ["northshire-police"]
roles = ["case_officer", "manager"]
categories = ["identity", "contact", "location", "risk", "offending"]
requires_share = false
priorities = ["red_urgent", "red_high"]

[[clauses]]
id = "8.3"
purpose = "offender_management"
recipients = ["type:landlord"]
roles = ["manager"]
categories = ["risk", "actions"]

[[clauses]]
id = "8.4"
purpose = "risk_management"
recipients = ["northshire-probation"]
roles = ["manager"]
categories = ["risk", "vulnerability"]
priorities = ["red_urgent"]

[[clauses]]
id = "8.5"
purpose = "risk_management"
recipients = ["northshire-csp"]
roles = ["manager", "conference_chair"]
categories = ["identity", "risk", "vulnerability", "offending"]
priorities = ["red_urgent", "red_high"]

[[clauses]]
id = "8.6"
purpose = "risk_management"
recipients = ["northshire-police"]
roles = ["manager"]
categories = ["identity", "contact", "risk", "vulnerability"]
requires_share = false
priorities = ["red_urgent"]
''',
    '''
id = "northshire-safeguarding-referral"
title = "Northshire safeguarding referrals from ASB cases information sharing protocol"
version = 1
handling = "OFFICIAL-SENSITIVE"
start = 2025-04-01
end = 2028-03-31
review = 2027-03-31
retention = """Recipients keep referrals under their own safeguarding records schedules."""

[[parties]]
agency_type = "landlord"
signatory_role = "manager"

[[parties]]
agency = "northshire-police"
signatory_role = "manager"

[[parties]]
agency = "northshire-eh"
signatory_role = "manager"

[[parties]]
agency = "northshire-csp"
signatory_role = "manager"

[[parties]]
agency = "northshire-adults"
signatory_role = "manager"

[[parties]]
agency = "northshire-children"
signatory_role = "manager"

[[parties]]
agency = "northshire-icb"
signatory_role = "manager"

[[purposes]]
id = "safeguarding_referral"
title = "Safeguarding referral"
article6 = "public_task"
article9 = "substantial_public_interest"
schedule1 = ["18"]
statutory_power = "s.42 Care Act 2014; s.47 Children Act 1989"

[[clauses]]
id = "9.1"
purpose = "safeguarding_referral"
recipients = ["northshire-adults", "northshire-children"]
roles = ["partner_viewer", "manager", "case_officer"]
categories = ["identity", "contact", "location", "narrative", "risk", "vulnerability"]

[[clauses]]
id = "9.2"
purpose = "safeguarding_referral"
recipients = ["northshire-icb"]
roles = ["partner_viewer", "manager"]
categories = ["identity", "contact", "risk", "vulnerability"]

[[clauses]]
id = "9.3"
purpose = "safeguarding_referral"
recipients = ["type:landlord"]
roles = ["case_officer", "manager"]
categories = ["risk", "actions", "outcome"]

[[clauses]]
id = "9.4"
purpose = "safeguarding_referral"
recipients = ["northshire-csp"]
roles = ["manager"]
categories = ["identity", "risk", "vulnerability", "actions"]
priorities = ["red_urgent", "red_high"]
''',
)

#: How often shares are made for each (protocol, purpose).
SHARE_MIX: tuple[tuple[str, str, float], ...] = (
    ("northshire-asb-case-management", "asb_case_management", 0.45),
    ("northshire-case-conference", "case_conference", 0.15),
    ("northshire-community-trigger", "community_trigger", 0.06),
    ("northshire-offender-management", "offender_management", 0.10),
    ("northshire-offender-management", "risk_management", 0.05),
    ("northshire-safeguarding-referral", "safeguarding_referral", 0.19),
)
PRIORITY_MIX = ((Priority.AMBER, 0.72), (Priority.RED_HIGH, 0.19), (Priority.RED_URGENT, 0.09))


def agency_refs() -> list[AgencyRef]:
    return [AgencyRef(n, a.code, a.type) for n, a in enumerate(AGENCIES, start=1)]


def protocol_documents() -> list[ProtocolDocument]:
    """The demo partnership's four protocol files and the two above, parsed and checked
    against this partnership's agencies (as the hub reads them)."""
    known = {a.code: a.type for a in AGENCIES}
    documents = [
        parse_protocol(path.read_text(), str(path.relative_to(ROOT)), known)
        for path in sorted((ROOT / "protocols").glob("*.toml"))
    ]
    documents += [
        parse_protocol(text, f"bench protocol {n}", known)
        for n, text in enumerate(EXTRA_PROTOCOLS, 1)
    ]
    return documents


def recipients(document: ProtocolDocument, selectors: Sequence[str]) -> set[int]:
    """Agency ids a clause's recipients name (agency codes and ``type:`` selectors)."""
    found = set()
    for agency_id, spec in enumerate(AGENCIES, start=1):
        if spec.code in selectors or f"type:{spec.type.value}" in selectors:
            found.add(agency_id)
    return found


@dataclass
class Staff:
    user_id: int
    agency_id: int
    roles: frozenset[Role]
    team: str | None
    name: str
    email: str

    def actor(self) -> Actor:
        return Actor(self.user_id, self.agency_id, self.roles, self.team)


def staff_list() -> list[Staff]:
    """Every member of staff of every agency, numbered from 1 in agency order."""
    made: list[Staff] = []
    for agency_id, spec in enumerate(AGENCIES, start=1):
        for roles, count, teams in spec.staff:
            for n in range(count):
                user_id = len(made) + 1
                role_word = "-".join(sorted(r.value for r in roles))
                made.append(
                    Staff(
                        user_id=user_id,
                        agency_id=agency_id,
                        roles=roles,
                        team=teams[n % len(teams)],
                        name=f"{spec.prefix} {role_word.replace('_', ' ')} {user_id}",
                        email=f"{role_word}.{user_id}@{spec.code}.bench.example",
                    )
                )
    return made


# --------------------------------------------------------------------------- 1. decisions


@dataclass
class World:
    """The partnership in memory: what sharing.access.facts would load for each request."""

    documents: list[ProtocolDocument]
    policy: Policy
    staff: list[Staff]
    cases: list[CaseFacts]
    #: Shares of each case (index = case id - 1).
    shares: list[list[ShareFacts]]
    #: (protocol key, purpose) -> the agencies its clauses that need a share name
    share_recipients: dict[tuple[str, str], list[int]]
    emergency_protocol_id: int


def build_world(case_count: int, rng: random.Random) -> World:
    documents = protocol_documents()
    policy = Policy.compile(enumerate(documents, start=1), agency_refs())
    by_key = {d.id: d for d in documents}
    emergency_id = next(n for n, d in enumerate(documents, start=1) if d.emergency_clauses)
    staff = staff_list()
    by_agency: dict[int, list[Staff]] = defaultdict(list)
    for member in staff:
        by_agency[member.agency_id].append(member)
    team_of = {s.user_id: s.team for s in staff}
    officers = {
        a: [s for s in members if CO in s.roles] or [s for s in members if MGR in s.roles]
        for a, members in by_agency.items()
    }
    # Who may be shared with for each (protocol, purpose): the recipients of its clauses.
    share_recipients: dict[tuple[str, str], list[int]] = {}
    for key, purpose, _ in SHARE_MIX:
        document = by_key[key]
        named: set[int] = set()
        for clause in document.clauses:
            if clause.purpose == purpose and clause.requires_share:
                named |= recipients(document, clause.recipients)
        share_recipients[(key, purpose)] = sorted(named)

    agency_ids = list(range(1, len(AGENCIES) + 1))
    agency_weights = [a.weight for a in AGENCIES]
    priorities = [p for p, _ in PRIORITY_MIX]
    priority_weights = [w for _, w in PRIORITY_MIX]
    mix = [(k, p) for k, p, _ in SHARE_MIX]
    mix_weights = [w for *_, w in SHARE_MIX]
    cases: list[CaseFacts] = []
    shares: list[list[ShareFacts]] = []
    share_id = 0
    owners = rng.choices(agency_ids, agency_weights, k=case_count)
    for case_id, agency_id in enumerate(owners, start=1):
        officer = rng.choice(officers[agency_id])
        locked = rng.random() < 0.01
        members: frozenset[int] = frozenset()
        if locked:
            managers = [s.user_id for s in by_agency[agency_id] if MGR in s.roles]
            extra = rng.sample([s.user_id for s in by_agency[agency_id]], rng.randint(0, 2))
            members = frozenset({officer.user_id, rng.choice(managers), *extra})
        cases.append(
            CaseFacts(
                id=case_id,
                agency_id=agency_id,
                officer_id=officer.user_id,
                officer_team=team_of[officer.user_id],
                priority=rng.choices(priorities, priority_weights)[0],
                locked=locked,
                lock_members=members,
                closed=rng.random() < 0.5,
            )
        )
        made: list[ShareFacts] = []
        for _ in range(rng.choices((0, 1, 2, 3), (0.45, 0.32, 0.16, 0.07))[0]):
            key, purpose = rng.choices(mix, mix_weights)[0]
            partners = [a for a in share_recipients[(key, purpose)] if a != agency_id]
            if not partners:
                continue
            share_id += 1
            fate = rng.random()
            until = (
                TODAY - timedelta(days=rng.randint(1, 300))  # expired
                if fate < 0.12
                else TODAY + timedelta(days=rng.randint(0, 365))
            )
            made.append(
                ShareFacts(
                    share_id, rng.choice(partners), key, purpose, until, revoked=0.12 <= fate < 0.18
                )
            )
        shares.append(made)
    return World(documents, policy, staff, cases, shares, share_recipients, emergency_id)


@dataclass(frozen=True)
class Request:
    kind: str
    actor: Actor
    case: CaseFacts
    purpose: str | None
    #: What sharing.access.facts passes: the case's shares to the actor's agency.
    shares: tuple[ShareFacts, ...]
    break_glass: tuple[BreakGlassFacts, ...]


#: The request mix: (kind, weight).
REQUEST_MIX: tuple[tuple[str, float], ...] = (
    ("partner, purpose of a live share", 0.55),
    ("own agency", 0.20),
    ("partner, forged or unshared purpose", 0.07),
    ("partner, share expired or revoked", 0.05),
    ("partner, no purpose stated", 0.04),
    ("locked case", 0.06),
    ("break-glass", 0.03),
)


def make_requests(world: World, count: int, rng: random.Random) -> list[Request]:
    """Requests as the case page makes them: mostly partners (in the roles that may open a
    case page) opening a case shared with them for the purpose of the share; own-agency
    staff in every role; forged and stale purposes; locked cases (members and not);
    break-glass (live and expired)."""
    readers: dict[int, list[Staff]] = defaultdict(list)
    staff_of: dict[int, list[Staff]] = defaultdict(list)
    for member in world.staff:
        staff_of[member.agency_id].append(member)
        if member.roles & READER_ROLES:
            readers[member.agency_id].append(member)
    caseworkers = {a: [s for s in m if s.roles & {CO, MGR}] for a, m in readers.items()}
    by_id = {s.user_id: s for s in world.staff}
    live: list[tuple[CaseFacts, ShareFacts]] = []
    dead: list[tuple[CaseFacts, ShareFacts]] = []
    for case, shares in zip(world.cases, world.shares, strict=True):
        for share in shares:
            (live if share.live(TODAY) else dead).append((case, share))
    locked = [c for c in world.cases if c.locked]
    open_cases = [c for c in world.cases if not c.locked]
    purposes = sorted({p for _, p, _ in SHARE_MIX}) + ["marketing", "emergency"]
    agencies = list(range(1, len(AGENCIES) + 1))
    kinds = [k for k, _ in REQUEST_MIX]
    weights = [w for _, w in REQUEST_MIX]
    glass_id = 0
    glass_by: dict[tuple[int, int], list[BreakGlassFacts]] = defaultdict(list)

    def own_shares(case: CaseFacts, agency_id: int) -> tuple[ShareFacts, ...]:
        return tuple(s for s in world.shares[case.id - 1] if s.agency_id == agency_id)

    made: list[Request] = []
    for kind in rng.choices(kinds, weights, k=count):
        purpose: str | None
        if kind == "partner, purpose of a live share":
            case, share = rng.choice(live)
            member = rng.choice(readers[share.agency_id])
            purpose = share.purpose
        elif kind == "partner, share expired or revoked":
            case, share = rng.choice(dead)
            member = rng.choice(readers[share.agency_id])
            purpose = share.purpose
        elif kind == "own agency":
            case = rng.choice(open_cases)
            team = [s for s in readers[case.agency_id] if s.team == case.officer_team]
            pick = rng.random()
            if pick < 0.4:
                member = by_id[case.officer_id]
            elif pick < 0.7 and team:
                member = rng.choice(team)
            else:  # anyone in the agency, analysts and data protection officers too
                member = rng.choice(staff_of[case.agency_id])
            purpose = None if rng.random() < 0.8 else rng.choice(purposes)
        elif kind == "locked case":
            case = rng.choice(locked)
            if rng.random() < 0.5:
                member = by_id[rng.choice(sorted(case.lock_members))]
            else:
                member = rng.choice(readers[rng.choice(agencies)])
            purpose = rng.choice([None, *purposes])
        else:
            case = rng.choice(open_cases)
            agency_id = rng.choice([a for a in agencies if a != case.agency_id])
            if kind == "partner, forged or unshared purpose":
                member = rng.choice(readers[agency_id])
                held = {s.purpose for s in own_shares(case, agency_id) if s.live(TODAY)}
                purpose = rng.choice([p for p in purposes if p not in held])
            elif kind == "partner, no purpose stated":
                member = rng.choice(readers[agency_id])
                purpose = None
            else:  # break-glass: a caseworker of a partner, live (3 in 4) or expired
                while not caseworkers[agency_id]:
                    agency_id = rng.choice([a for a in agencies if a != case.agency_id])
                member = rng.choice(caseworkers[agency_id])
                glass_id += 1
                expires = NOW + timedelta(hours=rng.randint(1, 6))
                if rng.random() < 0.25:
                    expires = NOW - timedelta(hours=rng.randint(1, 48))
                glass_by[(member.user_id, case.id)].append(
                    BreakGlassFacts(
                        glass_id, member.user_id, world.emergency_protocol_id, "7.1", expires
                    )
                )
                purpose = rng.choice([None, "emergency"])
        actor = member.actor()
        made.append(Request(kind, actor, case, purpose, own_shares(case, actor.agency_id), ()))
    # Break-glass is the partnership's state, as the shares are: every request of that user
    # for that case sees it (as sharing.access.facts would load it), not only the one that made it.
    return [
        replace(r, break_glass=tuple(glass_by.get((r.actor.user_id, r.case.id), ()))) for r in made
    ]


def our_categories(world: World, request: Request) -> frozenset[str]:
    decision = decide(
        request.actor,
        request.case,
        Act.VIEW,
        request.purpose,
        policy=world.policy,
        shares=request.shares,
        break_glass=request.break_glass,
        now=NOW,
    )
    return frozenset(decision.categories) if decision.allowed else frozenset()


# --------------------------------------------------------------------------- pycasbin

#: RBAC with domains (g: user, role, agency) plus ABAC on the request's subject and case.
#: One policy line per (receiving agency, category, kind, purpose, role, protocol, clause):
#: kind "own" (the owning agency's casework roles), "share" (a clause that needs a live
#: share: g2 holds one line per live share, case -> "agency protocol purpose"), "open" (a
#: clause without a share) and "glass" (an emergency clause: g3 holds one line per live
#: break-glass, user -> "case protocol-record clause").
CASBIN_MODEL = """
[request_definition]
r = agency, cat, purpose, sub, case, day

[policy_definition]
p = agency, cat, kind, purpose, role, proto, clause, prios, start, end

[role_definition]
g = _, _, _
g2 = _, _
g3 = _, _

[policy_effect]
e = some(where (p.eft == allow))

[matchers]
m = r.agency == p.agency && r.cat == p.cat \
  && (!r.case.locked || r.sub.uid in r.case.members) \
  && g(r.sub.uid, p.role, r.agency) \
  && ((p.kind == "own" && r.case.agency == r.agency \
       && (p.role == "manager" || r.case.officer == r.sub.uid \
           || (r.sub.team != "" && r.sub.team == r.case.team))) \
   || (r.case.agency != r.agency && p.start <= r.day && r.day <= p.end \
       && (p.prios == "*" || r.case.priority in p.prios) \
       && ((p.kind == "open" && p.purpose == r.purpose) \
        || (p.kind == "share" && p.purpose == r.purpose \
            && g2(r.case.key, r.agency + " " + p.proto + " " + r.purpose)) \
        || (p.kind == "glass" && g3(r.sub.uid, r.case.key + " " + p.proto + " " + p.clause)))))
"""


class CasbinSubject:
    __slots__ = ("uid", "team")

    def __init__(self, actor: Actor) -> None:
        self.uid = f"u{actor.user_id}"
        self.team = actor.team or ""


class CasbinCase:
    __slots__ = ("key", "agency", "officer", "team", "priority", "locked", "members")

    def __init__(self, case: CaseFacts) -> None:
        self.key = f"c{case.id}"
        self.agency = f"a{case.agency_id}"
        self.officer = f"u{case.officer_id}"
        self.team = case.officer_team or ""
        self.priority = case.priority.value
        self.locked = case.locked
        self.members = frozenset(f"u{m}" for m in case.lock_members)


def casbin_lines(world: World, requests: Sequence[Request]) -> dict[str, list[list[str]]]:
    """The casbin policy, translated from the protocol documents (not from ``Policy``):
    every clause expanded to its recipient agencies, roles and categories."""
    p: set[tuple[str, ...]] = set()
    for agency_id in range(1, len(AGENCIES) + 1):
        for role in (CO, MGR):
            for category in CATEGORIES:
                p.add((f"a{agency_id}", category, "own", "", role.value, "", "", "*", "", ""))
    for record_id, document in enumerate(world.documents, start=1):
        for clause in document.clauses:
            kind = "glass" if clause.emergency else "share" if clause.requires_share else "open"
            proto = str(record_id) if clause.emergency else document.id
            prios = " ".join(sorted(clause.priorities)) if clause.priorities else "*"
            for agency_id in recipients(document, clause.recipients):
                for role in clause.roles:
                    for category in clause.categories:
                        p.add(
                            (
                                f"a{agency_id}", category, kind, clause.purpose, role.value,
                                proto, clause.id, prios, document.start.isoformat(),
                                document.end.isoformat(),
                            )
                        )  # fmt: skip
    g = [[f"u{s.user_id}", r.value, f"a{s.agency_id}"] for s in world.staff for r in s.roles]
    # Live shares and break-glass only: revoking or expiring one removes its line.
    g2 = [
        [f"c{case.id}", f"a{s.agency_id} {s.protocol_key} {s.purpose}"]
        for case, shares in zip(world.cases, world.shares, strict=True)
        for s in shares
        if s.live(TODAY)
    ]
    g3 = [
        [f"u{b.user_id}", f"c{r.case.id} {b.protocol_id} {b.clause}"]
        for r in requests
        for b in r.break_glass
        if b.expires_at > NOW
    ]
    return {"p": [list(line) for line in sorted(p)], "g": g, "g2": g2, "g3": g3}


def casbin_enforcer(lines: dict[str, list[list[str]]], indexed: bool) -> Any:
    """pycasbin's Enforcer (every policy line is evaluated for every request), or its
    FastEnforcer with the policy indexed by (agency, category), loaded through an adapter
    as a database adapter would load it."""
    import casbin
    from casbin.model import FastModel, Model
    from casbin.persist.adapter import Adapter

    class MemoryAdapter(Adapter):  # type: ignore[misc]
        def load_policy(self, model: Any) -> None:
            for key, rules in lines.items():
                section = model.model["p" if key == "p" else "g"][key]
                for rule in rules:
                    section.policy.append(rule)

    class IndexedModel(FastModel):  # type: ignore[misc]
        # pycasbin 2.8's FastModel.add_def drops Model.add_def's answer, so loading the
        # model stops after the first role definition (g2 and g3 would be missing).
        def add_def(self, sec: str, key: str, value: Any) -> bool | None:
            super().add_def(sec, key, value)
            return True if value else None

    model = IndexedModel([0, 1]) if indexed else Model()
    model.load_model_from_text(CASBIN_MODEL)
    if indexed:
        return casbin.FastEnforcer(model, MemoryAdapter(), cache_key_order=[0, 1])
    return casbin.Enforcer(model, MemoryAdapter())


@dataclass
class CasbinFigures:
    requests: int
    per_call_ns: list[int]
    per_decision_ns: list[int]
    calls_per_s: float
    decisions_per_s: float
    agree: int


@dataclass
class DecideFigures:
    cases: int = 0
    shares: int = 0
    live_shares: int = 0
    requests: int = 0
    protocols: str = ""
    kinds: dict[str, int] = field(default_factory=dict)
    request_kinds: list[str] = field(default_factory=list)
    allowed: float = 0.0
    timer_ns: float = 0.0
    ours_ns: list[int] = field(default_factory=list)
    ours_rate: float = 0.0
    casbin_lines: dict[str, int] = field(default_factory=dict)
    casbin: dict[str, CasbinFigures] = field(default_factory=dict)
    disagreements: list[str] = field(default_factory=list)
    seconds: float = 0.0


def _timer_overhead() -> float:
    """What one perf_counter_ns pair adds to a timed call, in ns."""
    best = float("inf")
    for _ in range(5):
        t0 = now_ns()
        for _ in range(100_000):
            a = now_ns()
            now_ns() - a
        best = min(best, (now_ns() - t0) / 100_000)
    return best


def bench_decide(
    case_count: int, request_count: int, fast_requests: int, plain_requests: int, seed: int
) -> DecideFigures:
    started = time.monotonic()
    rng = random.Random(seed)
    figures = DecideFigures(cases=case_count, requests=request_count)
    world = build_world(case_count, rng)
    figures.protocols = (
        f"{len(world.documents)} protocols, "
        f"{sum(len(d.clauses) for d in world.documents)} clauses over "
        f"{len({c.purpose for d in world.documents for c in d.clauses})} purposes"
    )
    figures.shares = sum(map(len, world.shares))
    figures.live_shares = sum(s.live(TODAY) for shares in world.shares for s in shares)
    requests = make_requests(world, request_count, rng)
    figures.kinds = {k: sum(r.kind == k for r in requests) for k, _ in REQUEST_MIX}
    figures.timer_ns = _timer_overhead()
    policy = world.policy

    # Ours: each call timed, then tight loops for throughput (the faster of two).
    calls = [(r.actor, r.case, r.purpose, r.shares, r.break_glass) for r in requests]
    view = Act.VIEW
    for actor, case, purpose, shares, glass in calls[:5000]:  # warm up
        decide(actor, case, view, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW)
    settle()
    times = []
    append = times.append
    allowed = 0
    for actor, case, purpose, shares, glass in calls:
        t0 = now_ns()
        d = decide(
            actor, case, view, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW
        )
        append(now_ns() - t0)
        allowed += d.allowed
    figures.ours_ns = times
    figures.allowed = allowed / len(calls)
    for _ in range(2):
        t0 = now_ns()
        for actor, case, purpose, shares, glass in calls:
            decide(
                actor, case, view, purpose, policy=policy, shares=shares, break_glass=glass, now=NOW
            )
        figures.ours_rate = max(figures.ours_rate, len(calls) / ((now_ns() - t0) / 1e9))
    gc.unfreeze()

    # pycasbin: the first requests of the same sample, one enforce call per category.
    lines = casbin_lines(world, requests)
    figures.casbin_lines = {k: len(v) for k, v in lines.items()}
    day = TODAY.isoformat()
    for label, indexed, count in (
        ("FastEnforcer, indexed by (agency, category)", True, fast_requests),
        ("Enforcer, no index", False, plain_requests),
    ):
        if count <= 0:
            continue
        enforce = casbin_enforcer(lines, indexed).enforce
        sample = requests[:count]
        args = [
            (f"a{r.actor.agency_id}", r.purpose or "", CasbinSubject(r.actor), CasbinCase(r.case))
            for r in sample
        ]
        for agency, purpose, sub, case in args[:200]:  # warm up
            for category in CATEGORIES:
                enforce(agency, category, purpose, sub, case, day)
        settle()
        per_call: list[int] = []
        per_decision: list[int] = []
        agree = 0
        for request, (agency, purpose, sub, case) in zip(sample, args, strict=True):
            got = set()
            d0 = now_ns()
            for category in CATEGORIES:
                t0 = now_ns()
                ok = enforce(agency, category, purpose, sub, case, day)
                per_call.append(now_ns() - t0)
                if ok:
                    got.add(category)
            per_decision.append(now_ns() - d0)
            ours = our_categories(world, request)
            if got == ours:
                agree += 1
            elif len(figures.disagreements) < 5:
                figures.disagreements.append(
                    f"{label}: {request.kind}: ours {sorted(ours)}, pycasbin {sorted(got)}"
                )
        loop = args[: max(1, count // 2)]  # throughput: full decisions in a tight loop
        t0 = now_ns()
        for agency, purpose, sub, case in loop:
            for category in CATEGORIES:
                enforce(agency, category, purpose, sub, case, day)
        elapsed = (now_ns() - t0) / 1e9
        gc.unfreeze()
        figures.casbin[label] = CasbinFigures(
            count,
            per_call,
            per_decision,
            len(loop) * len(CATEGORIES) / elapsed,
            len(loop) / elapsed,
            agree,
        )
    figures.seconds = time.monotonic() - started
    figures.request_kinds = [r.kind for r in requests]
    return figures


def _latency_row(label: str, ns: Sequence[float], rate: float | None) -> str:
    us = [t / 1_000 for t in ns]
    rate_text = f"{rate:12,.0f}" if rate is not None else f"{'':12}"
    return (
        f"   {label:52} {percentile(us, 0.5):8.2f} {percentile(us, 0.9):8.2f} "
        f"{percentile(us, 0.99):8.2f} {percentile(us, 0.999):8.2f} {max(us):9.1f} {rate_text}"
    )


def report_decide(f: DecideFigures) -> None:
    say()
    say(
        f"1. Access decisions: {len(AGENCIES)} agencies, {f.protocols}; {f.cases:,} cases with "
        f"{f.shares:,} shares ({f.live_shares:,} live); {f.requests:,} requests, "
        f"{f.allowed:.0%} allowed"
    )
    say("   request mix: " + "; ".join(f"{k} {v / f.requests:.0%}" for k, v in f.kinds.items()))
    say(
        f"   {'µs per call (timer overhead ' + format(f.timer_ns, '.0f') + ' ns included)':52} "
        f"{'p50':>8} {'p90':>8} {'p99':>8} {'p99.9':>8} {'max':>9} {'per second':>12}"
    )
    say(_latency_row("sharing.access.decide.decide: one full decision", f.ours_ns, f.ours_rate))
    for label, c in f.casbin.items():
        say(f"   pycasbin {label} ({c.requests:,} requests):")
        say(_latency_row("  one category (1 enforce call)", c.per_call_ns, c.calls_per_s))
        say(
            _latency_row(
                f"  full decision ({len(CATEGORIES)} enforce calls)",
                c.per_decision_ns,
                c.decisions_per_s,
            )
        )
    by_kind: dict[str, list[int]] = defaultdict(list)
    for kind, ns in zip(f.request_kinds, f.ours_ns, strict=True):
        by_kind[kind].append(ns)
    say(
        "   decide p50/p99 by request kind (µs): "
        + "; ".join(
            f"{k} {percentile(v, 0.5) / 1000:.1f}/{percentile(v, 0.99) / 1000:.1f}"
            for k, v in by_kind.items()
        )
    )
    say(
        "   pycasbin policy: "
        + ", ".join(f"{k} {v:,} lines" for k, v in f.casbin_lines.items())
        + " (g2 and g3 hold live shares and live break-glass only, as a sync job would keep them)"
    )
    for label, c in f.casbin.items():
        say(
            f"   agreement with pycasbin {label}: {c.agree:,} of {c.requests:,} requests "
            f"({c.agree / c.requests:.2%}) give the same categories"
        )
    for line in f.disagreements:
        say(f"     differs: {line}")
    say("   targets:")
    if f.casbin:
        label, best = max(f.casbin.items(), key=lambda kv: kv[1].decisions_per_s)
        ratio = f.ours_rate / best.decisions_per_s
        say(
            f"   throughput, full decisions, vs pycasbin {label}: {ratio:,.0f}x "
            f"(>= {THROUGHPUT_TARGET:.0f}x) {verdict(ratio >= THROUGHPUT_TARGET)}"
        )
        say(
            f"     the fair comparison: one decide call answers every category with its basis (what "
            f"the case page needs); pycasbin needs {len(CATEGORIES)} enforce calls for the "
            "categories alone"
        )
        per_call = f.ours_rate / best.calls_per_s
        say(
            f"     (stricter, a full decision of ours vs one enforce call: {per_call:,.0f}x "
            f"{verdict(per_call >= THROUGHPUT_TARGET)})"
        )
    p99 = percentile(f.ours_ns, 0.99) / 1_000
    say(f"   decide p99 {p99:.2f} µs (< {P99_TARGET_US:.0f} µs) {verdict(p99 < P99_TARGET_US)}")
    say(f"   ({f.seconds:.0f} s, {load()})")


# --------------------------------------------------------------------------- 2. case list


@dataclass
class ListDatabase:
    url: str
    meta: dict[str, Any]
    built_seconds: float | None


def _list_paths(cases: int) -> tuple[Path, Path]:
    """Where the list database of ``cases`` cases is cached: named by the build's format
    and the schema's migration head, so a new migration means a new database."""
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    stem = f"bench-access-v{LIST_DB_VERSION}-{head}-{cases}"
    return TMP / f"{stem}.sqlite3", TMP / f"{stem}.json"


def list_database(case_count: int, seed: int, rebuild: bool) -> ListDatabase:
    """The cached case list database of ``case_count`` cases, built if missing: the hub's
    schema (hub.migrate.upgrade), the 12 agencies and their staff (sharing.accounts), then
    cases, incidents and lock members by Core executemany (sealed columns left NULL: the
    list shows no sealed values)."""
    db, meta_file = _list_paths(case_count)
    if not rebuild and db.exists() and meta_file.exists():
        return ListDatabase(f"sqlite:///{db}", json.loads(meta_file.read_text()), None)
    for leftover in (meta_file, db, Path(f"{db}-wal"), Path(f"{db}-shm")):
        leftover.unlink(missing_ok=True)
    started = time.monotonic()
    rng = random.Random(seed)
    engine = make_engine(f"sqlite:///{db}")
    upgrade(engine)
    password_hash = accounts.hash_password(PASSWORD)
    staff = staff_list()
    secrets_by_user: dict[int, str] = {}
    with make_session_factory(engine)() as session:
        area = Area(code="benchshire", name="Benchshire", homes=180_000)
        wards = [Ward(area=area, name=f"Ward {n:02d}") for n in range(1, 25)]
        agencies = [
            Agency(code=a.code, name=a.name, type=a.type, area=area, case_prefix=a.prefix)
            for a in AGENCIES
        ]
        session.add_all([area, *wards, *agencies])
        session.flush()
        for member in staff:
            totp = pyotp.random_base32() if member.roles & {MGR, DPO, ADMIN} else None
            user = accounts.create_user(
                session,
                agency=agencies[member.agency_id - 1],
                email=member.email,
                display_name=member.name,
                roles=set(member.roles),
                password_hash=password_hash,
                team=member.team,
                totp_secret=totp,
            )
            if user.id != member.user_id:
                raise RuntimeError("users were not numbered as staff_list() numbers them")
            if totp:
                secrets_by_user[user.id] = totp
        session.commit()
        ward_ids = [w.id for w in wards]
        agency_ids = [a.id for a in agencies]

    officers = {
        a: [s.user_id for s in staff if s.agency_id == a and CO in s.roles] for a in agency_ids
    }
    managers = {
        a: [s.user_id for s in staff if s.agency_id == a and MGR in s.roles] for a in agency_ids
    }
    for agency_id, ids in officers.items():
        if not ids:
            officers[agency_id] = managers[agency_id]
    categories = list(CaseCategory)
    triages = list(Triage)
    priorities = [p for p, _ in PRIORITY_MIX]
    priority_weights = [w for _, w in PRIORITY_MIX]
    reasons = list(ClosureReason)
    span = 6 * 365 * 86_400
    counts = [0] * (len(agency_ids) + 1)
    cases: list[dict[str, Any]] = []
    incidents: list[dict[str, Any]] = []
    members: list[dict[str, Any]] = []
    owners = rng.choices(agency_ids, [a.weight for a in AGENCIES], k=case_count)
    for case_id, agency_id in enumerate(owners, start=1):
        counts[agency_id] += 1
        officer = rng.choice(officers[agency_id])
        opened = NOW - timedelta(seconds=rng.randrange(span))
        age = (NOW - opened).days
        closed = rng.random() < (0.9 if age > 365 else 0.35 if age > 60 else 0.1)
        closed_at = min(NOW, opened + timedelta(days=rng.randint(14, 200))) if closed else None
        status = (
            CaseStatus.CLOSED
            if closed
            else CaseStatus.INACTIVE
            if rng.random() < 0.1
            else CaseStatus.ACTIVE
        )
        locked = rng.random() < 0.005
        cases.append(
            {
                "id": case_id,
                "reference": f"{AGENCIES[agency_id - 1].prefix}-{opened.year}-{case_id:06d}",
                "agency_id": agency_id,
                "officer_id": officer,
                "category": rng.choice(categories),
                "priority": rng.choices(priorities, priority_weights)[0],
                "triage": rng.choice(triages),
                "hate_motivated": rng.random() < 0.04,
                "status": status,
                "closure_reason": rng.choice(reasons) if closed else None,
                "opened_at": opened,
                "closed_at": closed_at,
                "review_due_on": None if closed else TODAY + timedelta(days=rng.randint(-10, 28)),
                "ward_id": rng.choice(ward_ids),
                "created_by_id": officer,
                "updated_at": closed_at or opened,
                "locked": locked,
            }
        )
        if locked:
            for user_id in {officer, rng.choice(managers[agency_id])}:
                members.append(
                    {
                        "case_id": case_id,
                        "user_id": user_id,
                        "named_by_id": user_id,
                        "named_at": opened,
                    }
                )
        if rng.random() < 0.6:
            end = closed_at or NOW
            seconds = max(1, int((end - opened).total_seconds()))
            for _ in range(rng.choice((1, 1, 2, 2, 3, 4, 6))):
                occurred = opened + timedelta(seconds=rng.randrange(seconds))
                incidents.append(
                    {
                        "case_id": case_id,
                        "occurred_at": occurred,
                        "recorded_at": occurred + timedelta(hours=rng.randint(1, 72)),
                        "recorded_by_id": officer,
                        "received_by_agency_id": agency_id,
                        "reported_to_police": rng.random() < 0.2,
                        "hate_related": False,
                    }
                )
    with engine.connect() as connection:
        connection.exec_driver_sql("PRAGMA synchronous = OFF")  # a throwaway file
        for table, rows in (
            (Case.__table__, cases),
            (Incident.__table__, incidents),
            (LockMember.__table__, members),
        ):
            for start in range(0, len(rows), 20_000):
                connection.execute(insert(table), rows[start : start + 20_000])
        connection.exec_driver_sql("ANALYZE")
        connection.commit()
    largest = max(agency_ids, key=lambda a: counts[a])
    team_officer = next(
        s for s in staff if s.agency_id == largest and CO in s.roles and s.team is not None
    )
    manager = next(s for s in staff if s.agency_id == largest and s.roles == frozenset({MGR}))
    meta = {
        "cases": case_count,
        "incidents": len(incidents),
        "locked": sum(c["locked"] for c in cases),
        "agency": AGENCIES[largest - 1].name,
        "agency_cases": counts[largest],
        "manager": {
            "id": manager.user_id,
            "email": manager.email,
            "totp": secrets_by_user[manager.user_id],
        },
        "officer": {
            "id": team_officer.user_id,
            "email": team_officer.email,
            "team": team_officer.team,
        },
    }
    engine.dispose()  # checkpoints the write-ahead log into the file
    meta["built_seconds"] = time.monotonic() - started
    meta_file.write_text(json.dumps(meta))  # last: its presence means the build finished
    return ListDatabase(f"sqlite:///{db}", meta, meta["built_seconds"])


@contextmanager
def page_size(size: int) -> Iterator[None]:
    """The case list at ``size`` cases a page (sharing.cases.listing's is 25), in this
    process only: its PAGE_SIZE, and the size list_cases gives _rows (whose default was
    fixed when the module was imported)."""
    original_size, original_rows = listing.PAGE_SIZE, listing._rows

    def rows(session: Session, query: Any, page: int, size: int = size, **kwargs: Any) -> Any:
        return original_rows(session, query, page, size, **kwargs)

    listing.PAGE_SIZE, listing._rows = size, rows  # type: ignore[assignment]
    try:
        yield
    finally:
        listing.PAGE_SIZE, listing._rows = original_size, original_rows  # type: ignore[assignment]


@dataclass
class Variant:
    label: str
    who: str  # "manager" or "officer"
    #: (query string without page, CaseFilters) for the n-th request
    filters: Callable[[int], tuple[dict[str, str], listing.CaseFilters]]
    page: int
    direct_ms: list[float] = field(default_factory=list)
    page_ms: list[float] = field(default_factory=list)
    totals: set[int] = field(default_factory=set)


_CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _csrf(client: FlaskClient, path: str) -> str:
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    if not match:
        raise RuntimeError(f"no CSRF token on {path}")
    return match.group(1)


def _sign_in(client: FlaskClient, email: str, totp: str | None) -> None:
    """Through the real sign-in pages, with the security code step for a manager."""
    response = client.post(
        "/sign-in",
        data={"email": email, "password": PASSWORD, "csrf_token": _csrf(client, "/sign-in")},
    )
    if response.status_code == 302 and response.location.endswith("/sign-in/code") and totp:
        response = client.post(
            "/sign-in/code",
            data={"code": pyotp.TOTP(totp).now(), "csrf_token": _csrf(client, "/sign-in/code")},
        )
    if response.status_code != 302 or "/sign-in" in response.location:
        raise RuntimeError(f"sign-in failed: {response.status_code} {response.location}")


def _plans(engine: Engine, factory: Any, actor: Actor) -> list[tuple[str, str]]:
    """SQLite's plan for each query list_cases sends (the count and the page)."""
    sent: list[tuple[str, Any]] = []

    def remember(
        _conn: Any, _cursor: Any, statement: str, parameters: Any, _context: Any, _many: bool
    ) -> None:
        if "FROM cases" in statement:
            sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", remember)
    try:
        with factory() as session:
            listing.list_cases(session, actor, listing.CaseFilters(), page=1)
    finally:
        event.remove(engine, "before_cursor_execute", remember)
    plans = []
    with engine.connect() as connection:
        for statement, parameters in sent:
            rows = connection.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            what = "count" if statement.lstrip().upper().startswith("SELECT COUNT") else "page"
            plans.append((what, "; ".join(str(row[-1]) for row in rows)))
    return plans


def bench_list(case_count: int, requests: int, seed: int, rebuild: bool) -> None:
    """Part 2: one page of 50 cases, directly and through the Flask test client."""
    started = time.monotonic()
    say()
    say(f"2. Case list: {LIST_PAGE_SIZE} cases a page at {case_count:,} cases on SQLite")
    database = list_database(case_count, seed, rebuild)
    meta = database.meta
    db_file = Path(database.url.removeprefix("sqlite:///"))
    built = (
        f"built in {database.built_seconds:.0f} s"
        if database.built_seconds is not None
        else f"cached (built in {meta['built_seconds']:.0f} s; --rebuild to rebuild)"
    )
    say(
        f"   database {db_file.relative_to(ROOT)}, {db_file.stat().st_size / 2**20:,.0f} MiB, "
        f"{built}: {meta['cases']:,} cases ({meta['locked']} locked), {meta['incidents']:,} "
        f"incidents; {meta['agency']} owns {meta['agency_cases']:,}"
    )
    tmp = Path(tempfile.mkdtemp(dir=TMP, prefix="bench-list-"))
    engine: Engine | None = None
    manager_id, officer_id = meta["manager"]["id"], meta["officer"]["id"]
    try:
        app = create_app(
            load_settings(
                environ={},
                instance_path=str(tmp / "instance"),
                database_url=database.url,
                secret_key=secrets.token_urlsafe(32),
            )
        )
        engine = app.extensions["hub.engine"]
        factory = app.extensions["hub.sessions"]
        with factory() as session:
            # a security code is accepted once: forget the last one used by an earlier run
            session.execute(update(User).where(User.id == manager_id).values(totp_last_step=None))
            session.commit()
            actors = {
                "manager": Actor.of(session.get_one(User, manager_id)),
                "officer": Actor.of(session.get_one(User, officer_id)),
            }
        clients = {"manager": app.test_client(), "officer": app.test_client()}
        _sign_in(clients["manager"], meta["manager"]["email"], meta["manager"]["totp"])
        _sign_in(clients["officer"], meta["officer"]["email"], None)
        priorities = list(Priority)

        def none(_: int) -> tuple[dict[str, str], listing.CaseFilters]:
            return {}, listing.CaseFilters()

        def by_priority(n: int) -> tuple[dict[str, str], listing.CaseFilters]:
            priority = priorities[n % len(priorities)]
            return {"priority": priority.value}, listing.CaseFilters(priority=priority)

        deep = int(meta["agency_cases"] * 0.8) // LIST_PAGE_SIZE
        variants = [
            Variant("manager, all the agency's cases, page 1", "manager", none, 1),
            Variant("manager, priority filter (each in turn), page 1", "manager", by_priority, 1),
            Variant(
                f"case officer ({meta['officer']['team']}), own + team, page 1", "officer", none, 1
            ),
            Variant(f"manager, deep page ({deep})", "manager", none, deep),
        ]
        with page_size(LIST_PAGE_SIZE):
            say("   query plans (manager, unfiltered):")
            plans = _plans(engine, factory, actors["manager"])
            for what, plan in plans:
                say(f"     {what}: {plan}")
            for variant in variants:
                actor, client = actors[variant.who], clients[variant.who]
                for n in range(requests + 5):
                    args, filters = variant.filters(n)
                    with factory() as session:
                        t0 = now_ns()
                        page = listing.list_cases(session, actor, filters, page=variant.page)
                        elapsed = (now_ns() - t0) / 1e6
                    if len(page.rows) != min(LIST_PAGE_SIZE, page.total):
                        raise RuntimeError(f"{variant.label}: {len(page.rows)} rows on a page")
                    variant.totals.add(page.total)
                    url = "/cases?" + "&".join(
                        f"{k}={v}" for k, v in {**args, "page": str(variant.page)}.items()
                    )
                    t0 = now_ns()
                    response = client.get(url)
                    page_elapsed = (now_ns() - t0) / 1e6
                    if response.status_code != 200:
                        raise RuntimeError(f"GET {url} answered {response.status_code}")
                    if n == 0 and page.rows[0].reference not in response.get_data(as_text=True):
                        raise RuntimeError(f"GET {url} does not show {page.rows[0].reference}")
                    if n >= 5:  # the first five warm up
                        variant.direct_ms.append(elapsed)
                        variant.page_ms.append(page_elapsed)
    finally:
        if engine is not None:
            engine.dispose()
        shutil.rmtree(tmp, ignore_errors=True)

    say(f"   {'':50} {'cases seen':>12}  {'list_cases (ms)':>17}  {'GET /cases (ms)':>17}")
    say(f"   {'':50} {'':>12}  {'p50':>8} {'p95':>8}  {'p50':>8} {'p95':>8}")
    worst = 0.0
    for v in variants:
        p95_direct, p95_page = percentile(v.direct_ms, 0.95), percentile(v.page_ms, 0.95)
        worst = max(worst, p95_direct, p95_page)
        cases = f"{min(v.totals):,}" + (f"-{max(v.totals):,}" if len(v.totals) > 1 else "")
        say(
            f"   {v.label:50} {cases:>12}  {percentile(v.direct_ms, 0.5):8.2f} {p95_direct:8.2f}  "
            f"{percentile(v.page_ms, 0.5):8.2f} {p95_page:8.2f}  "
            f"{verdict(p95_direct < LIST_P95_TARGET_MS)}/{verdict(p95_page < LIST_P95_TARGET_MS)}"
        )
    say(
        f"   target p95 < {LIST_P95_TARGET_MS:.0f} ms (list_cases/page): worst p95 {worst:.1f} ms "
        f"{verdict(worst < LIST_P95_TARGET_MS)}; {requests} requests per variant "
        f"({time.monotonic() - started:.0f} s, {load()})"
    )
    page_plan = " ".join(plan for what, plan in plans if what == "page")
    if worst >= LIST_P95_TARGET_MS:
        if "SCAN incidents" in page_plan:
            say(
                "   why: the page query groups every incident in the database (SCAN incidents, "
                "MATERIALIZE) to find each case's last incident, before LIMIT"
            )
        if "TEMP B-TREE FOR ORDER BY" in page_plan:
            say("   why: every matching case of the agency is sorted (TEMP B-TREE) before LIMIT")
        say("   proposed fix: tests/benchmarks/README.md, section 2 of bench_access.py")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.benchmarks.bench_access", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--cases", type=int, default=100_000, help="cases (100,000)")
    parser.add_argument("--requests", type=int, default=200_000, help="decisions timed (200,000)")
    parser.add_argument(
        "--casbin-requests", type=int, default=20_000, help="requests for pycasbin FastEnforcer"
    )
    parser.add_argument(
        "--plain-casbin-requests", type=int, default=300, help="requests for pycasbin Enforcer"
    )
    parser.add_argument("--page-requests", type=int, default=100, help="per list variant")
    parser.add_argument("--only", choices=("decide", "list"), action="append")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the cached list database")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args(argv)
    parts = set(args.only or ("decide", "list"))
    TMP.mkdir(exist_ok=True)
    started = time.monotonic()
    print_machine()
    if "decide" in parts:
        report_decide(
            bench_decide(
                args.cases,
                args.requests,
                args.casbin_requests,
                args.plain_casbin_requests,
                args.seed,
            )
        )
    if "list" in parts:
        bench_list(args.cases, args.page_requests, args.seed, args.rebuild)
    say()
    say(f"Total {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
