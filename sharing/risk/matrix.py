"""The Risk Assessment Matrix as versioned data: loading, checking and scoring.

The matrix lives in ``sharing/risk/matrices/<id>-v<version>.toml`` (reviewed like a
protocol). ``load_matrix`` checks a file completely and raises ``MatrixError`` listing
every problem with the file's name and the field; a file with a problem is never used.
``Matrices`` holds every version; the highest is the one asked now.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sharing.formats import BEYOND_THE_PARSER
from sharing.vocabulary import CATEGORIES, RiskBand

#: Where the shipped matrix files are.
MATRICES = Path(__file__).resolve().parent / "matrices"
SECTIONS = ("history", "vulnerability", "support")
_SLUG = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
_TOP = {"id", "version", "title", "source", "scale_max", "bands", "sections", "questions"}
_BANDS = {b.value: b for b in RiskBand}
_QUESTION = {"id", "number", "section", "text", "hint", "category", "options"}


class MatrixError(ValueError):
    """A matrix file that cannot be used; ``problems`` lists each, naming file and field."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    score: int


@dataclass(frozen=True)
class Question:
    id: str
    number: int
    section: str
    text: str
    #: The data category its answer is sealed and shared under.
    category: str
    options: tuple[Option, ...]
    hint: str = ""

    def option(self, value: str) -> Option | None:
        return next((o for o in self.options if o.value == value), None)


@dataclass(frozen=True)
class Section:
    id: str
    title: str
    category: str


@dataclass(frozen=True)
class Matrix:
    """One version of the matrix."""

    key: str
    version: int
    title: str
    source: str
    scale_max: int
    #: (band, lowest score in it), lowest band first, starting at 0.
    bands: tuple[tuple[RiskBand, int], ...]
    sections: tuple[Section, ...]
    questions: tuple[Question, ...]

    def question(self, question_id: str) -> Question | None:
        return next((q for q in self.questions if q.id == question_id), None)

    def in_section(self, section: str) -> tuple[Question, ...]:
        return tuple(q for q in self.questions if q.section == section)

    @property
    def max_score(self) -> int:
        return sum(max(o.score for o in q.options) for q in self.questions)

    def score(self, answers: Mapping[str, str]) -> int:
        """The total score of complete, valid answers (``problems`` first)."""
        total = 0
        for question in self.questions:
            option = question.option(answers[question.id])
            if option is None:
                raise KeyError(question.id)
            total += option.score
        return total

    def band_for(self, score: int) -> RiskBand:
        """The band a total score falls in (a score past the scale is at its top)."""
        if score < 0:
            raise ValueError("a score is never below 0")
        found = self.bands[0][0]
        for band, lowest in self.bands:
            if score >= lowest:
                found = band
        return found

    def cut_offs(self) -> list[tuple[RiskBand, int, int | None]]:
        """(band, lowest, highest or None for the top band), for people to read."""
        rows: list[tuple[RiskBand, int, int | None]] = []
        for i, (band, lowest) in enumerate(self.bands):
            highest = self.bands[i + 1][1] - 1 if i + 1 < len(self.bands) else None
            rows.append((band, lowest, highest))
        return rows

    def problems(self, answers: Mapping[str, str]) -> list[tuple[str, str]]:
        """(question id, message) for every question unanswered or answered with an
        option this version does not have; answers to questions it does not ask too."""
        found = []
        for question in self.questions:
            value = answers.get(question.id, "")
            if not value:
                found.append((question.id, f"Answer question {question.number}: {question.text}"))
            elif question.option(value) is None:
                found.append(
                    (
                        question.id,
                        f"Question {question.number}: select one of the answers listed "
                        f"(that answer is not in version {self.version} of the matrix)",
                    )
                )
        for extra in sorted(set(answers) - {q.id for q in self.questions}):
            found.append(
                (extra, f"Version {self.version} of the matrix has no question called {extra}")
            )
        return found


class Matrices:
    """Every version of the matrix; ``current`` is the one asked now."""

    def __init__(self, matrices: Iterable[Matrix]) -> None:
        self._by_version = {m.version: m for m in matrices}
        if not self._by_version:
            raise MatrixError(["no Risk Assessment Matrix file was found"])

    @property
    def current(self) -> Matrix:
        return self._by_version[max(self._by_version)]

    def version(self, version: int) -> Matrix | None:
        return self._by_version.get(version)


def load_matrices(folder: Path = MATRICES) -> Matrices:
    """Every ``*.toml`` matrix file of ``folder``; MatrixError listing every problem."""
    problems: list[str] = []
    matrices: list[Matrix] = []
    for path in sorted(folder.glob("*.toml")):
        try:
            matrices.append(load_matrix(path))
        except MatrixError as e:
            problems += e.problems
    versions = [m.version for m in matrices]
    for version in sorted({v for v in versions if versions.count(v) > 1}):
        problems.append(f"{folder}: two files are version {version} of the matrix")
    if problems:
        raise MatrixError(problems)
    return Matrices(matrices)


_shipped: Matrices | None = None


def shipped() -> Matrices:
    """The matrix files shipped in the repository, loaded once."""
    global _shipped
    if _shipped is None:
        _shipped = load_matrices()
    return _shipped


def load_matrix(path: Path) -> Matrix:
    """One matrix file, checked; MatrixError listing every problem, each naming the
    file and the field."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as e:
        raise MatrixError([f"{path.name}: cannot be read ({e})"]) from None
    except tomllib.TOMLDecodeError as e:
        raise MatrixError([f"{path.name}: not valid TOML ({e})"]) from None
    except (RecursionError, ValueError):
        raise MatrixError(
            [f"{path.name}: not a TOML file the hub reads: {BEYOND_THE_PARSER}"]
        ) from None
    checker = _Checker(path.name)
    matrix = checker.matrix(data)
    if checker.problems or matrix is None:
        raise MatrixError(checker.problems)
    expected = f"{matrix.key}-v{matrix.version}.toml"
    if path.name != expected:
        raise MatrixError([f"{path.name}: a file of version {matrix.version} is named {expected}"])
    return matrix


class _Checker:
    def __init__(self, name: str) -> None:
        self.name = name
        self.problems: list[str] = []

    def bad(self, where: str, what: str) -> None:
        self.problems.append(f"{self.name}: {where}: {what}")

    def text(self, table: Mapping[str, Any], key: str, where: str, required: bool = True) -> str:
        value = table.get(key, "")
        if not isinstance(value, str) or (required and not value.strip()):
            self.bad(f"{where}{key}", "must be text" + (", not empty" if required else ""))
            return ""
        return value.strip()

    def whole(self, table: Mapping[str, Any], key: str, where: str, lowest: int) -> int:
        value = table.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value < lowest:
            self.bad(f"{where}{key}", f"must be a whole number of {lowest} or more")
            return lowest
        return value

    def tables(self, data: Mapping[str, Any], key: str) -> list[Mapping[str, Any]]:
        value = data.get(key)
        if not isinstance(value, list) or not value or not all(isinstance(t, dict) for t in value):
            self.bad(key, f"needs one or more [[{key}]] tables")
            return []
        return value

    def unknown(self, table: Mapping[str, Any], allowed: set[str], where: str) -> None:
        for key in sorted(set(table) - allowed):
            self.bad(f"{where}{key}", f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def matrix(self, data: Mapping[str, Any]) -> Matrix | None:
        self.unknown(data, _TOP, "")
        key = self.text(data, "id", "")
        if key and not _SLUG.match(key):
            self.bad("id", "must be lower-case letters, digits and underscores")
        version = self.whole(data, "version", "", 1)
        scale_max = self.whole(data, "scale_max", "", 1)
        sections = self.sections(data)
        questions = self.questions(data, {s.id: s for s in sections})
        bands = self.bands(data)
        if self.problems:
            return None
        return Matrix(
            key=key,
            version=version,
            title=self.text(data, "title", ""),
            source=self.text(data, "source", "", required=False),
            scale_max=scale_max,
            bands=bands,
            sections=sections,
            questions=questions,
        )

    def bands(self, data: Mapping[str, Any]) -> tuple[tuple[RiskBand, int], ...]:
        bands: list[tuple[RiskBand, int]] = []
        tables = self.tables(data, "bands")
        for i, table in enumerate(tables):
            where = f"bands[{i}]."
            self.unknown(table, {"band", "from"}, where)
            name = table.get("band")
            if name not in {b.value for b in RiskBand}:
                self.bad(where + "band", f"must be one of {', '.join(b.value for b in RiskBand)}")
                continue
            bands.append((_BANDS[name], self.whole(table, "from", where, 0)))
        if len(bands) == len(tables) and [b for b, _ in bands] != list(RiskBand):
            self.bad("bands", "must be low, medium and high, once each, in that order")
        lows = [lowest for _, lowest in bands]
        if lows and lows[0] != 0:
            self.bad("bands[0].from", "the lowest band must start at 0")
        if any(b <= a for a, b in zip(lows, lows[1:], strict=False)):
            self.bad("bands", "each band must start above the one before it (no gaps, no overlaps)")
        return tuple(bands)

    def sections(self, data: Mapping[str, Any]) -> tuple[Section, ...]:
        sections = []
        for i, table in enumerate(self.tables(data, "sections")):
            where = f"sections[{i}]."
            self.unknown(table, {"id", "title", "category"}, where)
            section_id = self.text(table, "id", where)
            if section_id and section_id not in SECTIONS:
                self.bad(where + "id", f"unknown section (allowed: {', '.join(SECTIONS)})")
            category = self.category(table, where, required=True)
            sections.append(Section(section_id, self.text(table, "title", where), category))
        if [s.id for s in sections] != list(SECTIONS) and not self.problems:
            self.bad("sections", f"must be {', '.join(SECTIONS)}, once each, in that order")
        return tuple(sections)

    def category(self, table: Mapping[str, Any], where: str, required: bool) -> str:
        value = table.get("category")
        if value is None and not required:
            return ""
        if value not in CATEGORIES:
            self.bad(
                where + "category", f"unknown data category (allowed: {', '.join(CATEGORIES)})"
            )
            return ""
        return str(value)

    def questions(
        self, data: Mapping[str, Any], sections: Mapping[str, Section]
    ) -> tuple[Question, ...]:
        questions = []
        for i, table in enumerate(self.tables(data, "questions")):
            where = f"questions[{i}]."
            self.unknown(table, _QUESTION, where)
            question_id = self.text(table, "id", where)
            if question_id and not _SLUG.match(question_id):
                self.bad(where + "id", "must be lower-case letters, digits and underscores")
            section = str(table.get("section", ""))
            if section not in sections:
                self.bad(where + "section", f"must be one of {', '.join(sections)}")
                continue
            category = self.category(table, where, required=False) or sections[section].category
            questions.append(
                Question(
                    id=question_id,
                    number=self.whole(table, "number", where, 1),
                    section=section,
                    text=self.text(table, "text", where),
                    category=category,
                    options=self.options(table, where),
                    hint=self.text(table, "hint", where, required=False),
                )
            )
        ids = [q.id for q in questions]
        for twice in sorted({q for q in ids if ids.count(q) > 1}):
            self.bad("questions", f"question id {twice} is used twice")
        numbers = [q.number for q in questions]
        if numbers != list(range(1, len(numbers) + 1)):
            self.bad("questions", "must be numbered 1, 2, 3, ... in the order of the file")
        order = [SECTIONS.index(q.section) for q in questions]
        if order != sorted(order):
            self.bad("questions", "must be in section order: history, vulnerability, support")
        return tuple(questions)

    def options(self, table: Mapping[str, Any], where: str) -> tuple[Option, ...]:
        raw = table.get("options")
        if not isinstance(raw, list) or len(raw) < 2:
            self.bad(where + "options", "needs two or more options")
            return ()
        options = []
        for j, option in enumerate(raw):
            at = f"{where}options[{j}]."
            if not isinstance(option, dict):
                self.bad(at.rstrip("."), "must be { value = ..., label = ..., score = ... }")
                continue
            self.unknown(option, {"value", "label", "score"}, at)
            value = self.text(option, "value", at)
            if value and not _SLUG.match(value):
                self.bad(at + "value", "must be lower-case letters, digits and underscores")
            options.append(
                Option(value, self.text(option, "label", at), self.whole(option, "score", at, 0))
            )
        values = [o.value for o in options]
        for twice in sorted({v for v in values if values.count(v) > 1}):
            self.bad(where + "options", f"the value {twice} is used twice")
        return tuple(options)
