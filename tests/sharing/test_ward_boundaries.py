"""The wards' boundaries and households (``config/ward-boundaries.geojson``): the shipped
file draws every demo ward, and a file with problems names each one (file, field, what is
allowed), as ``hub wards check`` prints them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from hub.cli import main
from sharing.demo.partnership import WARD_NAMES
from sharing.figures.wards import BoundariesInvalid, load_boundaries, parse_boundaries

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "ward-boundaries.geojson"


def _square(name: str, households: object = 1200) -> dict[str, object]:
    ring = [[-1.5, 53.0], [-1.4, 53.0], [-1.4, 53.1], [-1.5, 53.1], [-1.5, 53.0]]
    return {
        "type": "Feature",
        "properties": {"name": name, "households": households},
        "geometry": {"type": "Polygon", "coordinates": [ring]},
    }


def _text(*features: dict[str, object]) -> str:
    return json.dumps({"type": "FeatureCollection", "features": list(features)})


def test_the_shipped_boundaries_draw_every_demo_ward() -> None:
    boundaries = load_boundaries(SHIPPED, WARD_NAMES)
    assert [w.name for w in boundaries.wards] == list(WARD_NAMES)
    assert all(w.households > 1000 for w in boundaries.wards)


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("{not json", "", "not JSON"),
        (json.dumps({"type": "Feature"}), "type", "not a FeatureCollection"),
        (_text(), "features", "no wards"),
        (
            _text(_square("Ashcombe", -3)),
            "features[0].properties.households",
            "is not a number of households",
        ),
        (
            _text(_square("Ashcombe", "many")),
            "features[0].properties.households",
            "is not a number of households",
        ),
        (_text(_square("")), "features[0].properties.name", "missing or not a text"),
        (
            _text(_square("Ashcombe"), _square("Ashcombe")),
            "features[1].properties.name",
            "drawn twice",
        ),
        (
            _text(_square("Atlantis")),
            "features[0].properties.name",
            '"Atlantis" is not a ward of the partnership',
        ),
        (_text(_square("Ashcombe")), "features", 'the ward "Brackenfield" is not drawn'),
        (
            _text({**_square("Ashcombe"), "geometry": {"type": "Point", "coordinates": [0, 0]}}),
            "features[0].geometry",
            "not a Polygon or MultiPolygon",
        ),
        (
            _text(
                {
                    **_square("Ashcombe"),
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 2]]],
                    },
                }
            ),
            "features[0].geometry.coordinates[0][0]",
            "not a closed ring",
        ),
        (
            _text(
                {
                    **_square("Ashcombe"),
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [[[0, 0], [200, 0], [1, 1], [0, 0]]],
                    },
                }
            ),
            "features[0].geometry.coordinates[0][0]",
            "not a closed ring",
        ),
    ],
)
def test_a_boundaries_file_with_a_problem_names_it(text: str, field: str, message: str) -> None:
    with pytest.raises(BoundariesInvalid) as refused:
        parse_boundaries(text, "wards.geojson", WARD_NAMES)
    assert any(p.field == field and message in p.message for p in refused.value.problems), (
        refused.value.problems
    )


@pytest.mark.parametrize(
    "text",
    ["[" * 100_000 + "]" * 100_000, '{"type": "FeatureCollection", "n": ' + "9" * 5_000 + "}"],
    ids=["nested-100000-deep", "a-5000-digit-number"],
)
def test_json_beyond_what_python_reads_is_a_problem_not_a_crash(text: str) -> None:
    with pytest.raises(BoundariesInvalid) as refused:
        parse_boundaries(text, "wards.geojson", WARD_NAMES)
    (problem,) = refused.value.problems
    assert problem.message.startswith("not JSON the hub reads: nested too deeply")


def test_a_file_that_is_not_text_is_told_what_a_boundaries_file_is(tmp_path: Path) -> None:
    binary = tmp_path / "wards.geojson"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\xff")
    with pytest.raises(BoundariesInvalid) as refused:
        load_boundaries(binary)
    (problem,) = refused.value.problems
    assert problem.message == "not a text file in UTF-8"
    assert problem.allowed.startswith("a GeoJSON FeatureCollection")  # not a protocol's TOML


def test_hub_wards_check_prints_each_problem_and_fails(tmp_path: Path) -> None:
    bad = tmp_path / "wards.geojson"
    bad.write_text(_text(_square("Ashcombe", 0)))
    runner = CliRunner()
    result = runner.invoke(main, ["wards", "check", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}: features[0].properties.households: 0 is not a number of households" in (
        result.output
    )
    good = runner.invoke(main, ["wards", "check", str(SHIPPED)])
    assert good.exit_code == 0, good.output
    assert "1 file(s) checked: no problems" in good.output
