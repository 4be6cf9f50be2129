"""The demo partnership's protocols in ``protocols/`` parse cleanly and say what we mean."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

import sharing.access.decide
from sharing.protocols import (
    CATEGORIES,
    EMERGENCY_PURPOSE,
    ProtocolDocument,
    check_file,
    load_directory,
    parse_protocol,
)
from sharing.protocols.checker import TOP_KEYS
from sharing.protocols.lawful import ARTICLE6, ARTICLE9, ARTICLE10, SCHEDULE1
from sharing.vocabulary import AgencyType, Priority, Role
from tests.sharing.protocols.samples import DEMO_AGENCIES, SHIPPED

NAMES = [
    "northshire-asb-case-management",
    "northshire-case-conference",
    "northshire-community-trigger",
    "northshire-emergency",
    "northshire-safeguarding-referral",
]


def _load(name: str) -> ProtocolDocument:
    path = SHIPPED / f"{name}.toml"
    return parse_protocol(path.read_text(encoding="utf-8"), str(path), DEMO_AGENCIES)


@pytest.mark.parametrize("name", NAMES)
def test_shipped_protocol_has_no_problems(name: str) -> None:
    assert check_file(SHIPPED / f"{name}.toml", DEMO_AGENCIES) == []


@pytest.mark.parametrize("name", NAMES)
def test_shipped_protocol_is_named_by_its_id_and_reviewed_in_2027(name: str) -> None:
    document = _load(name)
    assert document.id == name
    assert document.version == 1
    assert document.handling == "OFFICIAL-SENSITIVE"
    assert document.review.year == 2027
    assert document.start < document.review <= document.end


def test_the_folder_loads_every_shipped_protocol() -> None:
    documents, problems = load_directory(SHIPPED, DEMO_AGENCIES)
    assert problems == []
    assert [d.id for d in documents] == NAMES


def test_every_demo_agency_is_a_party_to_the_case_conference_and_emergency_protocols() -> None:
    for name in ("northshire-case-conference", "northshire-emergency"):
        document = _load(name)
        for code, kind in DEMO_AGENCIES.items():
            assert document.party_for(code, kind) is not None, (name, code)


def test_asb_case_management_gives_vulnerability_only_to_community_safety_managers_at_red() -> None:
    document = _load("northshire-asb-case-management")
    assert all(c.requires_share and not c.emergency for c in document.clauses)
    (purpose,) = document.purposes
    assert (purpose.article6, purpose.article9, purpose.schedule1) == (
        "public_task",
        "substantial_public_interest",
        ("10", "18"),
    )
    assert purpose.statutory_power is not None
    assert "s.115 Crime and Disorder Act 1998" in purpose.statutory_power
    (vulnerable,) = [c for c in document.clauses if "vulnerability" in c.categories]
    assert vulnerable.recipients == ("northshire-csp",)
    assert vulnerable.roles == {Role.MANAGER}
    assert vulnerable.priorities == frozenset({Priority.RED_URGENT, Priority.RED_HIGH})
    landlord = document.clauses_for("larkmoor-ha", AgencyType.LANDLORD)
    assert {c for clause in landlord for c in clause.categories} == {
        "identity",
        "contact",
        "location",
        "narrative",
        "risk",
        "actions",
        "outcome",
    }
    police = document.clauses_for("northshire-police", AgencyType.POLICE)
    assert "offending" in {c for clause in police for c in clause.categories}


def test_a_safeguarding_referral_gives_vulnerability_only_to_the_safeguarding_teams() -> None:
    document = _load("northshire-safeguarding-referral")
    (purpose,) = document.purposes
    assert purpose.id == "safeguarding_referral"
    assert "18" in purpose.schedule1
    assert purpose.statutory_power is not None
    assert "s.42 Care Act 2014" in purpose.statutory_power
    assert all(c.requires_share for c in document.clauses)
    receiving = {r for c in document.clauses for r in c.recipients}
    assert receiving == {"northshire-adults", "northshire-children"}
    assert "offending" not in {cat for c in document.clauses for cat in c.categories}


def test_community_trigger_relies_on_the_2014_act() -> None:
    (purpose,) = _load("northshire-community-trigger").purposes
    assert purpose.statutory_power is not None
    assert "s.104 and Schedule 4 Anti-social Behaviour, Crime and Policing Act 2014" in (
        purpose.statutory_power
    )


def test_emergency_protocol_has_one_break_glass_clause_without_a_share() -> None:
    document = _load("northshire-emergency")
    (purpose,) = document.purposes
    assert (purpose.id, purpose.article6, purpose.article9) == (
        EMERGENCY_PURPOSE,
        "vital_interests",
        "vital_interests",
    )
    (clause,) = document.emergency_clauses
    assert clause.requires_share is False
    assert clause.roles == {Role.CASE_OFFICER, Role.MANAGER}
    assert clause.categories == {"identity", "contact", "location", "risk", "vulnerability"}
    assert set(clause.recipients) == set(document.party_selectors())


def test_protocol_categories_are_the_hubs_categories() -> None:
    assert CATEGORIES == sharing.access.decide.CATEGORIES


def test_the_readme_example_is_a_valid_protocol() -> None:
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    (example,) = re.findall(r"```toml\n(.*?)```", readme, flags=re.S)
    document = parse_protocol(example, "README.md", DEMO_AGENCIES)
    assert document.id == "northshire-asb-case-management"


def test_the_readme_documents_every_key_and_value() -> None:
    readme = (SHIPPED / "README.md").read_text(encoding="utf-8")
    words = [*TOP_KEYS, *ARTICLE6, *ARTICLE9, *ARTICLE10, *CATEGORIES]
    words += [r.value for r in Role] + [t.value for t in AgencyType] + [p.value for p in Priority]
    missing = [w for w in words if f"`{w}`" not in readme and f"[[{w}]]" not in readme]
    assert missing == []
    flowing = " ".join(readme.split())
    assert [p for p in SCHEDULE1 if f" {p} " not in flowing] == []


def test_the_protocols_package_never_imports_the_web_layer() -> None:
    package = Path(sharing.protocols.__file__).parent
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            assert not any(n == "hub" or n.startswith("hub.") for n in names), module
