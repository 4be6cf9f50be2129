"""The fictional Northshire partnership: its area, wards, agencies and staff.

Everything here is invented. E-mail domains use the reserved ``.example`` top-level
domain (RFC 2606), so no demo address can ever reach a real mailbox.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass

# Every demo account's password: public by design, refused for any other account.
from sharing.accounts import DEMO_PASSWORD as DEMO_PASSWORD
from sharing.vocabulary import ROLES_REQUIRING_SECOND_FACTOR, AgencyType, Role

#: The seed the demo is built with unless another is given.
DEMO_SEED = 2026

AREA_CODE = "northshire"
AREA_NAME = "Northshire"
AREA_HOMES = 61_240

#: The area's wards, in the order their postcode districts are numbered (NX1, NX2, ...).
WARD_NAMES: tuple[str, ...] = (
    "Ashcombe",
    "Brackenfield",
    "Castlemead",
    "Dunmore Park",
    "Eastwick Vale",
    "Fernhollow",
    "Greyfriars",
    "Kestonbury",
    "Linden Cross",
    "Saltmarsh",
)


@dataclass(frozen=True)
class StaffSpec:
    """A member of staff who signs in to the hub."""

    given_name: str
    family_name: str
    job_title: str
    roles: tuple[Role, ...]
    team: str | None = None

    @property
    def display_name(self) -> str:
        return f"{self.given_name} {self.family_name}"


@dataclass(frozen=True)
class AgencySpec:
    """A partner agency, its staff and how many demo cases it owns."""

    code: str
    name: str
    type: AgencyType
    #: What kind of organisation it is, in more words than the agency type.
    kind: str
    case_prefix: str
    domain: str
    case_count: int
    staff: tuple[StaffSpec, ...]

    def email_of(self, staff: StaffSpec) -> str:
        local = f"{staff.given_name}.{staff.family_name}".lower().replace(" ", "-")
        return f"{local}@{self.domain}"


def _staff(given: str, family: str, job: str, *roles: Role, team: str | None = None) -> StaffSpec:
    return StaffSpec(given, family, job, roles, team)


CO, MGR, PV = Role.CASE_OFFICER, Role.MANAGER, Role.PARTNER_VIEWER

AGENCIES: tuple[AgencySpec, ...] = (
    AgencySpec(
        code="larkmoor-ha",
        name="Larkmoor Housing Association",
        type=AgencyType.LANDLORD,
        kind="Housing association",
        case_prefix="LHA",
        domain="larkmoor-ha.example",
        case_count=115,
        staff=(
            _staff("Priya", "Chaudhry", "ASB officer", CO, team="North neighbourhood team"),
            _staff("Tom", "Whitcombe", "ASB officer", CO, team="North neighbourhood team"),
            _staff("Grace", "Okonjo", "ASB officer", CO, team="South neighbourhood team"),
            _staff("Daniel", "Kerrigan", "Housing officer", CO, team="South neighbourhood team"),
            _staff("Helen", "Marchetti", "ASB manager", MGR),
            _staff("Rachel", "Tennant", "Data protection officer", Role.DPO),
        ),
    ),
    AgencySpec(
        code="northshire-homes",
        name="Northshire Homes",
        type=AgencyType.LANDLORD,
        kind="Council housing (arm's-length management organisation)",
        case_prefix="NSH",
        domain="northshire-homes.example",
        case_count=100,
        staff=(
            _staff("Aisha", "Rahman", "Tenancy enforcement officer", CO, team="East estates"),
            _staff("Lewis", "Brannigan", "Tenancy enforcement officer", CO, team="East estates"),
            _staff("Megan", "Llewellyn", "Tenancy enforcement officer", CO, team="West estates"),
            _staff("Sanjay", "Mistry", "Tenancy enforcement manager", MGR, Role.CONFERENCE_CHAIR),
        ),
    ),
    AgencySpec(
        code="wealdbrook-ht",
        name="Wealdbrook Housing Trust",
        type=AgencyType.LANDLORD,
        kind="Housing association",
        case_prefix="WHT",
        domain="wealdbrook-ht.example",
        case_count=30,
        staff=(
            _staff("Fiona", "Ashdown", "Neighbourhood officer", CO, team="Neighbourhood team"),
            _staff("Kwame", "Asante", "Neighbourhood officer", CO, team="Neighbourhood team"),
            _staff("Joanne", "Pilbeam", "Housing services manager", MGR),
        ),
    ),
    AgencySpec(
        code="northshire-police",
        name="Northshire Police",
        type=AgencyType.POLICE,
        kind="Neighbourhood policing team",
        case_prefix="NXP",
        domain="northshire-police.example",
        case_count=35,
        staff=(
            _staff("Mark", "Ellery", "Neighbourhood sergeant", MGR),
            _staff("Chloe", "Barraclough", "PCSO", CO, team="North neighbourhood team"),
            _staff("Imran", "Siddiqui", "PCSO", CO, team="South neighbourhood team"),
            _staff("Natalie", "Voss", "ASB analyst", Role.ANALYST),
            _staff("Stephen", "Oduya", "Data protection officer", Role.DPO),
        ),
    ),
    AgencySpec(
        code="northshire-eh",
        name="Northshire Council Environmental Health",
        type=AgencyType.ENVIRONMENTAL_HEALTH,
        kind="Council noise and nuisance team",
        case_prefix="NEH",
        domain="northshire-council.example",
        case_count=28,
        staff=(
            _staff("Owen", "Prothero", "Environmental health officer", CO),
            _staff("Bethan", "Coles", "Environmental protection team leader", MGR),
        ),
    ),
    AgencySpec(
        code="northshire-csp",
        name="Northshire Council Community Safety",
        type=AgencyType.COMMUNITY_SAFETY,
        kind="Council ASB team and community safety partnership",
        case_prefix="NCS",
        domain="northshire-council.example",
        case_count=22,
        staff=(
            _staff("Jade", "Whitfield", "ASB officer", CO),
            _staff("Paul", "Hesketh", "Community safety manager", MGR),
            _staff("Martin", "Oyelaran", "CSP coordinator", Role.CONFERENCE_CHAIR),
            _staff("Claire", "Denholm", "Community Trigger lead", Role.TRIGGER_LEAD),
            _staff("Lucy", "Fairbairn", "Community safety analyst", Role.ANALYST),
            _staff("Andrew", "Kimura", "Council data protection officer", Role.DPO),
            _staff("Simon", "Achterberg", "Hub administrator", Role.ADMINISTRATOR),
        ),
    ),
    AgencySpec(
        code="northshire-adults",
        name="Northshire Adult Safeguarding",
        type=AgencyType.ADULT_SAFEGUARDING,
        kind="Council adult social care safeguarding team",
        case_prefix="NAS",
        domain="northshire-council.example",
        case_count=0,
        staff=(
            _staff("Deborah", "Quayle", "Adult safeguarding lead", PV),
            _staff("Olivia", "Brennan", "Head of adult safeguarding", MGR),
        ),
    ),
    AgencySpec(
        code="northshire-children",
        name="Northshire Children's Safeguarding",
        type=AgencyType.CHILDRENS_SAFEGUARDING,
        kind="Council children's services safeguarding team",
        case_prefix="NCSG",
        domain="northshire-council.example",
        case_count=0,
        staff=(
            _staff("Femi", "Adeyemi", "Children's safeguarding lead", PV),
            _staff("Marcus", "Achebe", "Head of children's safeguarding", MGR),
        ),
    ),
    AgencySpec(
        code="northshire-icb",
        name="Northshire Integrated Care Board",
        type=AgencyType.HEALTH,
        kind="Integrated care board",
        case_prefix="NICB",
        domain="northshire-icb.example",
        case_count=0,
        staff=(
            _staff("Harriet", "Lomax", "Safeguarding adults lead", PV),
            _staff("Priti", "Varma", "Designated nurse for safeguarding", MGR),
        ),
    ),
)


def agency_spec(code: str) -> AgencySpec:
    """The demo agency with ``code``."""
    for spec in AGENCIES:
        if spec.code == code:
            return spec
    raise KeyError(code)


def needs_second_factor(staff: StaffSpec) -> bool:
    return any(role in ROLES_REQUIRING_SECOND_FACTOR for role in staff.roles)


def totp_secret_for(email: str, seed: int = DEMO_SEED) -> str:
    """A 32-character base32 TOTP secret derived from the seed and the e-mail address."""
    digest = hashlib.sha256(f"northshire-demo-totp:{seed}:{email}".encode()).digest()
    return base64.b32encode(digest[:20]).decode("ascii")


@dataclass(frozen=True)
class DemoAccount:
    """One demo sign-in, as listed in the README."""

    agency_name: str
    agency_type: str
    display_name: str
    job_title: str
    email: str
    roles: tuple[str, ...]
    totp_secret: str | None


def demo_accounts(seed: int = DEMO_SEED) -> list[DemoAccount]:
    """Every demo account, agency by agency, with its TOTP secret for ``seed``."""
    return [
        DemoAccount(
            agency_name=agency.name,
            agency_type=agency.type.label,
            display_name=staff.display_name,
            job_title=staff.job_title,
            email=agency.email_of(staff),
            roles=tuple(role.label for role in staff.roles),
            totp_secret=(
                totp_secret_for(agency.email_of(staff), seed)
                if needs_second_factor(staff)
                else None
            ),
        )
        for agency in AGENCIES
        for staff in agency.staff
    ]


#: The demo accounts of a demo built with the default seed.
DEMO_ACCOUNTS: list[DemoAccount] = demo_accounts()


def accounts_markdown(seed: int = DEMO_SEED) -> str:
    """A Markdown table of the demo accounts (for the README)."""
    lines = [
        "| Agency | Role(s) | Sign-in e-mail | TOTP secret |",
        "|---|---|---|---|",
    ]
    for account in demo_accounts(seed):
        secret = f"`{account.totp_secret}`" if account.totp_secret else "none"
        roles = ", ".join(account.roles)
        if account.job_title.lower() not in roles.lower():
            roles += f" ({account.job_title})"
        lines.append(f"| {account.agency_name} | {roles} | `{account.email}` | {secret} |")
    return "\n".join(lines) + "\n"
