"""Setting up a new partnership from the command line: its area, wards and agencies, then
the first administrator of an agency, with no demo and no SQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from sharing.accounts import DEMO_PASSWORD
from sharing.db import make_engine, make_session_factory
from sharing.models import Agency, Area, AuditEntry, User, Ward
from tests.fixtures.app import TEST_COST
from tests.fixtures.cli import hub


def _entries(url: str) -> list[tuple[str, str, str | None]]:
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        rows = session.execute(
            select(AuditEntry.action, AuditEntry.outcome, AuditEntry.basis).order_by(AuditEntry.seq)
        ).all()
    engine.dispose()
    return [(a, o, b) for a, o, b in rows]


def _count(url: str, model: type) -> int:
    engine = make_engine(url)
    with make_session_factory(engine, hashing=TEST_COST)() as session:
        n = session.scalar(select(func.count()).select_from(model)) or 0
    engine.dispose()
    return n


def _add_riverside() -> None:
    added = hub(
        "areas", "add", "--code", "riverside", "--name", "Riverside", "--homes", "41000",
        "--ward", "Abbey", "--ward", "Quayside",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Added the area riverside (Riverside) with 2 ward(s)." in added.output


def test_an_operator_adds_the_area_its_agencies_and_an_agencys_first_administrator(
    migrated_hub_env: str,
) -> None:
    _add_riverside()
    added = hub(
        "agencies", "add", "--code", "riverside-homes", "--name", "Riverside Homes",
        "--type", "landlord", "--area", "riverside", "--case-prefix", "RSH",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert "Added the agency riverside-homes (Riverside Homes, Social landlord)" in added.output
    admin = hub(
        "users", "create", "--agency", "riverside-homes", "--email", "it@riverside.example",
        "--name", "Ifan Admin", "--role", "administrator",
        input="a-long-enough-password\n",
    )  # fmt: skip
    assert admin.exit_code == 0, admin.output

    listed = hub("agencies", "list")
    assert "riverside: Riverside (wards: Abbey, Quayside)" in listed.output
    assert "riverside-homes  landlord  RSH  Riverside Homes" in listed.output
    assert _count(migrated_hub_env, Ward) == 2
    assert _count(migrated_hub_env, User) == 1
    recorded = _entries(migrated_hub_env)
    assert ("area.create", "allowed", "area riverside, 2 ward(s)") in recorded
    assert ("agency.create", "allowed", "agency riverside-homes, landlord, area riverside") in (
        recorded
    )


def test_an_area_refused_for_one_ward_adds_nothing_and_says_which_option(
    migrated_hub_env: str,
) -> None:
    refused = hub(
        "areas", "add", "--code", "riverside", "--name", "Riverside",
        "--ward", "Abbey", "--ward", "Quayside", "--ward", "Abbey",
    )  # fmt: skip
    assert refused.exit_code == 1
    assert "--ward: The ward Abbey is given twice" in refused.output
    assert "Traceback" not in refused.output
    assert _count(migrated_hub_env, Area) == 0
    assert _count(migrated_hub_env, Ward) == 0
    assert _entries(migrated_hub_env)[-1] == (
        "area.create",
        "refused",
        "on the command line: refused input: --ward",
    )


def test_an_agency_refused_says_what_was_wrong_at_which_option_and_adds_nothing(
    migrated_hub_env: str,
) -> None:
    no_area = hub(
        "agencies", "add", "--code", "riverside-homes", "--name", "Riverside Homes",
        "--type", "landlord", "--area", "riverside", "--case-prefix", "RSH",
    )  # fmt: skip
    assert no_area.exit_code == 1
    assert "--area: No area has been added yet: add it first with `hub areas add`" in (
        no_area.output
    )
    _add_riverside()
    cases = [
        (["--code", "Riverside Homes"], "--code: The agency's code must be 40 characters or fewer"),
        (["--area", "northshire"], "--area: No area has the code given (the areas: riverside)"),
        (["--case-prefix", "rsh"], "--case-prefix: The case prefix must be 2 to 8 capital letters"),
        (["--name", " "], "--name: Give the agency's name"),
    ]
    for change, said in cases:
        options = {
            "--code": "riverside-homes",
            "--name": "Riverside Homes",
            "--type": "landlord",
            "--area": "riverside",
            "--case-prefix": "RSH",
        }
        options.update(dict([change]))
        refused = hub("agencies", "add", *[w for pair in options.items() for w in pair])
        assert refused.exit_code == 1, refused.output
        assert said in refused.output
        assert "Traceback" not in refused.output
    assert _count(migrated_hub_env, Agency) == 0

    hub(
        "agencies", "add", "--code", "riverside-homes", "--name", "Riverside Homes",
        "--type", "landlord", "--area", "riverside", "--case-prefix", "RSH",
    )  # fmt: skip
    again = hub(
        "agencies", "add", "--code", "riverside-police", "--name", "Riverside Police",
        "--type", "police", "--area", "riverside", "--case-prefix", "RSH",
    )  # fmt: skip
    assert again.exit_code == 1
    assert "--case-prefix: The agency riverside-homes already has the case prefix RSH" in (
        again.output
    )
    assert _count(migrated_hub_env, Agency) == 1
    refusals = [b for a, o, b in _entries(migrated_hub_env) if o == "refused"]
    assert "on the command line: refused input: --case-prefix" in refusals
    assert not any("Riverside" in (b or "") for b in refusals)  # what was typed is not kept


def test_a_real_account_cannot_be_given_the_demos_published_password(
    migrated_hub_env: str,
) -> None:
    _add_riverside()
    hub(
        "agencies", "add", "--code", "riverside-csp", "--name", "Riverside Community Safety",
        "--type", "community_safety", "--area", "riverside", "--case-prefix", "RCS",
    )  # fmt: skip
    for typed in (DEMO_PASSWORD, DEMO_PASSWORD.upper()):
        refused = hub(
            "users", "create", "--agency", "riverside-csp", "--email", "it@riverside.example",
            "--name", "Ifan Admin", "--role", "administrator", input=f"{typed}\n",
        )  # fmt: skip
        assert refused.exit_code == 1
        assert "Password must not be the demo partnership's password, which is published" in (
            refused.output
        )
    assert _count(migrated_hub_env, User) == 0
    hub(
        "users", "create", "--agency", "riverside-csp", "--email", "it@riverside.example",
        "--name", "Ifan Admin", "--role", "administrator", input="a-long-enough-password\n",
    )  # fmt: skip
    reset = hub("users", "reset-password", "it@riverside.example", input=f"{DEMO_PASSWORD}\n")
    assert reset.exit_code == 1
    assert "which is published" in reset.output


def test_a_new_partnerships_first_backup_before_any_case_restores_and_says_so_plainly(
    migrated_hub_env: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _add_riverside()
    taken = hub("backup", "--to", str(tmp_path / "backups"), "--keys-to", str(tmp_path / "keys"))
    assert taken.exit_code == 0, taken.output
    monkeypatch.setenv("HUB_DATABASE_URL", f"sqlite:///{tmp_path / 'restored.sqlite3'}")
    monkeypatch.setenv("HUB_INSTANCE_PATH", str(tmp_path / "restored"))
    (backup,) = (tmp_path / "backups").iterdir()
    (keys,) = (tmp_path / "keys").iterdir()
    restored = hub("restore", str(backup), "--keys-from", str(keys))
    assert restored.exit_code == 0, restored.output
    assert "  data keys: 0 live, 0 destroyed (erased)\n" in restored.output
    assert "OK: the restored hub reads its cases and its audit log is whole." in restored.output


def _add_riverside_homes() -> None:
    added = hub(
        "agencies", "add", "--code", "riverside-homes", "--name", "Riverside Homes",
        "--type", "landlord", "--area", "riverside", "--case-prefix", "RSH",
    )  # fmt: skip
    assert added.exit_code == 0, added.output


def test_an_operator_adds_a_ward_to_an_area_and_one_refused_adds_nothing(
    migrated_hub_env: str,
) -> None:
    _add_riverside()
    added = hub("areas", "add-ward", "--area", "riverside", "--ward", "Mill Lane")
    assert added.exit_code == 0, added.output
    assert "Added the ward Mill Lane to the area riverside (Riverside): 3 ward(s)." in added.output
    assert "riverside: Riverside (wards: Abbey, Mill Lane, Quayside)" in (
        hub("agencies", "list").output
    )
    ward = _entries(migrated_hub_env)[-1]
    assert ward[:2] == ("area.ward_add", "allowed")
    assert ward[2] == f"area riverside, ward {_count(migrated_hub_env, Ward)}"  # its id

    for options, said in (
        (["--area", "riverside", "--ward", "Abbey"], "--ward: The area riverside already has the ward Abbey"),
        (["--area", "northshire", "--ward", "Fenwick"], "--area: No area has the code given (the areas: riverside)"),
        (["--area", "riverside", "--ward", " "], "--ward: A ward's name is empty"),
        (["--area", "riverside", "--ward", "W" * 121], "--ward: A ward's name must be 120 characters or fewer"),
    ):  # fmt: skip
        refused = hub("areas", "add-ward", *options)
        assert refused.exit_code == 1, refused.output
        assert said in refused.output
        assert "Traceback" not in refused.output
        assert _entries(migrated_hub_env)[-1] == (
            "area.ward_add",
            "refused",
            f"on the command line: refused input: {said.split(':', 1)[0]}",
        )
    assert _count(migrated_hub_env, Ward) == 3


def test_an_operator_renames_an_agency_and_a_name_taken_is_refused(
    migrated_hub_env: str,
) -> None:
    _add_riverside()
    _add_riverside_homes()
    hub(
        "agencies", "add", "--code", "riverside-police", "--name", "Riverside Police",
        "--type", "police", "--area", "riverside", "--case-prefix", "RSP",
    )  # fmt: skip
    renamed = hub("agencies", "rename", "--code", "riverside-homes", "--name", "Riverside Housing")
    assert renamed.exit_code == 0, renamed.output
    assert "Renamed the agency riverside-homes: Riverside Housing (was Riverside Homes)." in (
        renamed.output
    )
    listed = hub("agencies", "list").output
    assert "riverside-homes  landlord  RSH  Riverside Housing" in listed
    assert "Riverside Homes" not in listed
    assert _entries(migrated_hub_env)[-1] == (
        "agency.rename",
        "allowed",
        "agency riverside-homes renamed",
    )

    for options, said in (
        (["--code", "riverside-homes", "--name", "Riverside Police"], "--name: An agency is already called Riverside Police"),
        (["--code", "riverside-homes", "--name", "Riverside Housing"], "--name: The agency riverside-homes is already called Riverside Housing"),
        (["--code", "riverside-homes", "--name", " "], "--name: Give the agency's name"),
        (["--code", "northgate-homes", "--name", "Northgate"], "--code: No agency has the code given (the agencies: riverside-homes, riverside-police)"),
    ):  # fmt: skip
        refused = hub("agencies", "rename", *options)
        assert refused.exit_code == 1, refused.output
        assert said in refused.output
        assert "Traceback" not in refused.output
        assert _entries(migrated_hub_env)[-1] == (
            "agency.rename",
            "refused",
            f"on the command line: refused input: {said.split(':', 1)[0]}",
        )
    assert "riverside-homes  landlord  RSH  Riverside Housing" in hub("agencies", "list").output
