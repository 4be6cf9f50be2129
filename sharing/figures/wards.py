"""The area's ward boundaries and households: a GeoJSON file in ``config/`` (setting
``ward_boundaries``), checked on load, so the figures can give "per 1,000 households" and
draw hotspots on a map with no tile or map service.

The file is a GeoJSON ``FeatureCollection`` (RFC 7946: longitude, latitude in WGS 84), one
``Feature`` a ward, each with ``properties.name`` (the ward's name as the hub knows it)
and ``properties.households`` (a whole number), and a ``Polygon`` or ``MultiPolygon``.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sharing.formats import BEYOND_THE_PARSER
from sharing.protocols.checker import read_text
from sharing.protocols.problems import FileInvalid, Problem

#: More households than any English ward has: a count over it is a typing slip.
MOST_HOUSEHOLDS = 100_000
_ALLOWED_FILE = (
    "a GeoJSON FeatureCollection with one Feature a ward, as README.md describes "
    '("The ward boundaries file")'
)

Ring = tuple[tuple[float, float], ...]


class BoundariesInvalid(FileInvalid):
    """The ward boundaries file has problems, so it is not loaded."""

    what = "ward boundaries"


@dataclass(frozen=True)
class WardShape:
    name: str
    households: int
    #: Each polygon's outer ring then its holes, as (longitude, latitude) points.
    polygons: tuple[tuple[Ring, ...], ...]


@dataclass(frozen=True)
class Boundaries:
    wards: tuple[WardShape, ...]

    def households(self, name: str) -> int | None:
        for ward in self.wards:
            if ward.name == name:
                return ward.households
        return None

    def shape(self, name: str) -> WardShape | None:
        return next((w for w in self.wards if w.name == name), None)


def parse_boundaries(
    text: str, source: str, known_wards: Iterable[str] | None = None
) -> Boundaries:
    """The boundaries in ``text``; ``BoundariesInvalid`` listing every problem. With
    ``known_wards``, every ward named must be one of them, and every one of them drawn."""
    problems: list[Problem] = []

    def problem(field: str, message: str, allowed: str = "") -> None:
        problems.append(Problem(source, None, field, message, allowed))

    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise BoundariesInvalid(
            [Problem(source, error.lineno, "", f"not JSON: {error.msg}", _ALLOWED_FILE)]
        ) from None
    except (RecursionError, ValueError):
        raise BoundariesInvalid(
            [
                Problem(
                    source, None, "", f"not JSON the hub reads: {BEYOND_THE_PARSER}", _ALLOWED_FILE
                )
            ]
        ) from None
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
        raise BoundariesInvalid(
            [Problem(source, None, "type", "not a FeatureCollection", _ALLOWED_FILE)]
        )
    features = data.get("features")
    if not isinstance(features, list) or not features:
        raise BoundariesInvalid([Problem(source, None, "features", "no wards", _ALLOWED_FILE)])
    wards: list[WardShape] = []
    for index, feature in enumerate(features):
        where = f"features[{index}]"
        ward = _ward(feature, where, problem)
        if ward is None:
            continue
        if any(w.name == ward.name for w in wards):
            problem(f"{where}.properties.name", f'"{ward.name}" is drawn twice')
        wards.append(ward)
    if known_wards is not None:
        known = set(known_wards)
        for index, ward in enumerate(wards):
            if ward.name not in known:
                problem(
                    f"features[{index}].properties.name",
                    f'"{ward.name}" is not a ward of the partnership',
                    ", ".join(sorted(known)),
                )
        for name in sorted(known - {w.name for w in wards}):
            problem("features", f'the ward "{name}" is not drawn')
    if problems:
        raise BoundariesInvalid(problems)
    return Boundaries(tuple(wards))


def _ward(feature: Any, where: str, problem: Any) -> WardShape | None:
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        problem(where, "not a Feature")
        return None
    properties = feature.get("properties")
    if not isinstance(properties, dict):
        problem(f"{where}.properties", "missing: a ward needs a name and its households")
        return None
    name = properties.get("name")
    households = properties.get("households")
    ok = True
    if not isinstance(name, str) or not name.strip():
        problem(f"{where}.properties.name", "missing or not a text", "the ward's name")
        ok = False
    if (
        isinstance(households, bool)
        or not isinstance(households, int)
        or not 0 < households <= MOST_HOUSEHOLDS
    ):
        problem(
            f"{where}.properties.households",
            f"{households!r} is not a number of households",
            f"a whole number from 1 to {MOST_HOUSEHOLDS}",
        )
        ok = False
    polygons = _polygons(feature.get("geometry"), f"{where}.geometry", problem)
    if not ok or polygons is None or not isinstance(households, int):
        return None
    return WardShape(str(name).strip(), households, polygons)


def _polygons(geometry: Any, where: str, problem: Any) -> tuple[tuple[Ring, ...], ...] | None:
    if not isinstance(geometry, dict) or geometry.get("type") not in ("Polygon", "MultiPolygon"):
        problem(where, "not a Polygon or MultiPolygon")
        return None
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    found = []
    for p, polygon in enumerate(polygons if isinstance(polygons, list) else [None]):
        rings = []
        for r, ring in enumerate(polygon if isinstance(polygon, list) else [None]):
            points = _ring(ring)
            if points is None:
                problem(
                    f"{where}.coordinates[{p}][{r}]",
                    "not a closed ring of at least four [longitude, latitude] points",
                    "longitude from -180 to 180, latitude from -90 to 90",
                )
                return None
            rings.append(points)
        found.append(tuple(rings))
    return tuple(found)


def _ring(ring: Any) -> Ring | None:
    if not isinstance(ring, list) or len(ring) < 4:
        return None
    points = []
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            return None
        lon, lat = float(point[0]), float(point[1])
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            return None
        points.append((lon, lat))
    return tuple(points) if points[0] == points[-1] else None


def load_boundaries(
    path: str | os.PathLike[str], known_wards: Iterable[str] | None = None
) -> Boundaries:
    text = read_text(path, _ALLOWED_FILE)
    if isinstance(text, Problem):
        raise BoundariesInvalid([text])
    return parse_boundaries(text, os.fspath(path), known_wards)


def check_file(
    path: str | os.PathLike[str], known_wards: Iterable[str] | None = None
) -> list[Problem]:
    """Every problem in the boundaries file at ``path``; empty when it is valid."""
    try:
        load_boundaries(path, known_wards)
    except BoundariesInvalid as invalid:
        return invalid.problems
    return []
