"""The Community Trigger procedure as the operator meets it: ``hub trigger check`` on the
configured file and on others, and a hub that will not start on a procedure with a
problem."""

from __future__ import annotations

from pathlib import Path

import pytest

from sharing.trigger.procedure import ProcedureInvalid
from tests.fixtures.app import make_app
from tests.fixtures.cli import hub, hub_env  # noqa: F401 - the fixture

SHIPPED = Path(__file__).parents[2] / "config" / "northshire-community-trigger.toml"


def test_trigger_check_passes_the_configured_procedure(hub_env: str) -> None:  # noqa: F811
    result = hub("trigger", "check")
    assert result.exit_code == 0, result.output
    assert "1 file(s) checked: no problems" in result.output


def test_trigger_check_prints_every_problem_with_its_line_and_fails(
    hub_env: str,  # noqa: F811
    tmp_path: Path,
) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(
        SHIPPED.read_text()
        .replace('kind = "hate"', 'kind = "hates"')
        .replace("acknowledge = 5", "acknowledge = -1")
    )
    result = hub("trigger", "check", str(bad), str(SHIPPED))
    assert result.exit_code == 1
    lines = [line for line in result.output.splitlines() if line.startswith(str(bad))]
    assert len(lines) == 2
    assert any('rules[2].kind: unknown rule kind "hates"' in line for line in lines)
    assert any(
        "timescales.acknowledge: -1 is not a positive whole number" in line for line in lines
    )
    assert "2 problems in 2 file(s)" in result.output


def test_the_hub_does_not_start_on_a_procedure_with_a_problem(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text(SHIPPED.read_text().replace("[appeal]", "[appeals]"))
    with pytest.raises(ProcedureInvalid, match="appeal"):
        make_app(tmp_path, trigger_procedure=str(bad))
