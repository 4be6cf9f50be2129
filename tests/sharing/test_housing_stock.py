"""Each landlord's homes by tenure, as at a date (``config/housing-stock.toml``): the
shipped file is valid, a period uses the latest count on or before its end, and a file
with problems names each one (file, line, field, what is allowed), as `hub stock check`
prints them."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from sharing.figures.stock import StockInvalid, load_stock, parse_stock

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "housing-stock.toml"
KNOWN = {"northshire-homes": "landlord", "larkmoor-ha": "landlord", "northshire-police": "police"}
GOOD = """id = "s"
title = "S"
version = 1
[[stock]]
agency = "northshire-homes"
as_of = 2025-04-01
general_needs = 100
supported_housing = 10
older_people = 5
shared_ownership = 0
[[stock]]
agency = "northshire-homes"
as_of = 2026-04-01
general_needs = 120
supported_housing = 10
older_people = 5
shared_ownership = 3
"""


def test_the_shipped_stock_is_valid_and_dated() -> None:
    stock = load_stock(SHIPPED)
    assert stock.landlords == ["northshire-homes", "larkmoor-ha", "wealdbrook-ht"]
    assert all(c.total > 0 for c in stock.counts)


def test_a_period_uses_the_latest_count_on_or_before_its_end() -> None:
    stock = parse_stock(GOOD, "stock.toml", KNOWN)
    assert stock.homes_on("northshire-homes", date(2025, 3, 31)) is None
    assert stock.homes_on("northshire-homes", date(2026, 3, 31)).total == 115
    assert stock.homes_on("northshire-homes", date(2026, 4, 1)).total == 138
    assert stock.homes_on("larkmoor-ha", date(2026, 4, 1)) is None


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            ("general_needs = 120", "general_needs = -1"),
            "stock.toml:14: stock[1].general_needs: -1 is not a number of homes",
        ),
        (("general_needs = 120", 'general_needs = "120"'), "is not a number of homes"),
        (("shared_ownership = 3\n", ""), 'missing required key "shared_ownership"'),
        (("as_of = 2026-04-01", "as_of = 2025-04-01"), "is already counted as at 2025-04-01"),
        (
            (
                'agency = "northshire-homes"\nas_of = 2026',
                'agency = "northshire-police"\nas_of = 2026',
            ),
            "is not a landlord of the partnership",
        ),
        (
            (
                "general_needs = 120\nsupported_housing = 10\nolder_people = 5\nshared_ownership = 3",
                "general_needs = 0\nsupported_housing = 0\nolder_people = 0\nshared_ownership = 0",
            ),
            "no homes in this count",
        ),
        (
            (
                "older_people = 5\nshared_ownership = 3",
                "older_people = 5\nshared_ownership = 3\nflats = 2",
            ),
            'unknown key "flats"',
        ),
    ],
)
def test_a_stock_file_with_a_problem_names_it(change: tuple[str, str], message: str) -> None:
    old, new = change
    assert old in GOOD
    text = GOOD[::-1].replace(old[::-1], new[::-1], 1)[::-1]  # the last occurrence
    with pytest.raises(StockInvalid) as refused:
        parse_stock(text, "stock.toml", KNOWN)
    assert any(message in str(p) for p in refused.value.problems), refused.value.problems


def test_hub_stock_check_prints_each_problem_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "stock.toml"
    bad.write_text(GOOD.replace("general_needs = 120", "general_needs = -1"))
    runner = CliRunner()
    result = runner.invoke(main, ["stock", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:14: stock[1].general_needs: -1 is not a number of homes" in result.output
    good = runner.invoke(main, ["stock", "check", str(SHIPPED)])
    assert good.exit_code == 0, good.output
    assert "1 file(s) checked: no problems" in good.output
