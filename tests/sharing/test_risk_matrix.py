"""The Risk Assessment Matrix as data: the shipped file, files with problems refused with
the file and field named, and the scoring and banding rule (property-based)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.risk.matrix import MATRICES, MatrixError, load_matrices, load_matrix, shipped
from sharing.vocabulary import RiskBand

SHIPPED = (MATRICES / "ram-v1.toml").read_text()
MATRIX = shipped().current


def test_the_shipped_matrix_has_fourteen_questions_in_three_sections_and_three_bands() -> None:
    assert MATRIX.version == 1
    assert [q.number for q in MATRIX.questions] == list(range(1, 15))
    assert [s.id for s in MATRIX.sections] == ["history", "vulnerability", "support"]
    assert [len(MATRIX.in_section(s)) for s in ("history", "vulnerability", "support")] == [6, 4, 4]
    assert MATRIX.cut_offs() == [
        (RiskBand.LOW, 0, 10),
        (RiskBand.MEDIUM, 11, 21),
        (RiskBand.HIGH, 22, None),
    ]
    assert MATRIX.scale_max == 32


def test_vulnerability_answers_and_health_are_special_category_the_rest_risk() -> None:
    categories = {q.id: q.category for q in MATRIX.questions}
    assert {q for q, c in categories.items() if c == "vulnerability"} == {
        "likely_crime",
        "hate_motivated",
        "personal_risk",
        "how_affected",
        "health",
    }
    assert set(categories.values()) == {"risk", "vulnerability"}


def _write(tmp_path: Path, text: str, name: str = "ram-v1.toml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (("from = 11", "from = 0"), "bands: each band must start above the one before it"),
        (('band = "high"', 'band = "severe"'), "bands[2].band: must be one of low, medium, high"),
        (
            ("score = 4 },", "score = -4 },"),
            "questions[0].options[0].score: must be a whole number of 0 or more",
        ),
        (("number = 2\n", "number = 3\n"), "questions: must be numbered 1, 2, 3"),
        (
            ('id = "getting_worse"', 'id = "likely_to_progress"'),
            "question id likely_to_progress is used twice",
        ),
        (
            (
                'section = "support"\ncategory = "vulnerability"',
                'section = "support"\ncategory = "medical"',
            ),
            "questions[10].category: unknown data category",
        ),
        (
            ('{ value = "weekly"', '{ value = "daily"'),
            "questions[0].options: the value daily is used twice",
        ),
        (("scale_max = 32", 'scale_max = 32\ncolour = "red"'), "colour: unknown key"),
        (
            (
                'section = "history"\ntext = "Do you feel threatened?"',
                'section = "past"\ntext = "Do you feel threatened?"',
            ),
            "questions[3].section: must be one of history, vulnerability, support",
        ),
    ],
)
def test_a_file_with_a_problem_is_refused_naming_the_file_and_field(
    tmp_path: Path, change: tuple[str, str], problem: str
) -> None:
    old, new = change
    assert old in SHIPPED
    path = _write(tmp_path, SHIPPED.replace(old, new, 1))
    with pytest.raises(MatrixError) as refused:
        load_matrix(path)
    assert any(p.startswith("ram-v1.toml: ") and problem in p for p in refused.value.problems), (
        refused.value.problems
    )


def test_a_file_that_is_not_toml_or_misnamed_is_refused(tmp_path: Path) -> None:
    with pytest.raises(MatrixError, match=r"ram-v1.toml: not valid TOML"):
        load_matrix(_write(tmp_path, "id = \n"))
    with pytest.raises(MatrixError, match=r"ram-v3.toml: a file of version 1 is named ram-v1.toml"):
        load_matrix(_write(tmp_path, SHIPPED, "ram-v3.toml"))


def test_the_highest_version_is_the_one_asked(tmp_path: Path) -> None:
    _write(tmp_path, SHIPPED)
    _write(tmp_path, SHIPPED.replace("version = 1", "version = 2"), "ram-v2.toml")
    matrices = load_matrices(tmp_path)
    assert matrices.current.version == 2
    assert matrices.version(1) is not None
    with pytest.raises(MatrixError, match="no Risk Assessment Matrix file"):
        load_matrices(tmp_path / "empty")


answers = st.fixed_dictionaries(
    {q.id: st.sampled_from([o.value for o in q.options]) for q in MATRIX.questions}
)


@given(answers)
def test_the_score_is_the_sum_of_the_chosen_options_and_falls_in_one_band(chosen) -> None:
    score = MATRIX.score(chosen)
    assert score == sum(MATRIX.question(q).option(v).score for q, v in chosen.items())
    assert 0 <= score <= MATRIX.max_score
    band = MATRIX.band_for(score)
    matching = [
        b for b, low, high in MATRIX.cut_offs() if low <= score and (high is None or score <= high)
    ]
    assert matching == [band]
    assert MATRIX.problems(chosen) == []


@given(st.integers(min_value=0, max_value=200), st.integers(min_value=0, max_value=200))
def test_a_higher_score_is_never_in_a_lower_band(a: int, b: int) -> None:
    low, high = sorted((a, b))
    assert MATRIX.band_for(low).rank <= MATRIX.band_for(high).rank


@given(answers, st.sampled_from([q.id for q in MATRIX.questions]))
def test_an_unanswered_or_unknown_answer_is_named_by_its_question(chosen, question_id) -> None:
    number = MATRIX.question(question_id).number
    missing = {k: v for k, v in chosen.items() if k != question_id}
    assert [q for q, _ in MATRIX.problems(missing)] == [question_id]
    assert re.match(rf"Answer question {number}: ", MATRIX.problems(missing)[0][1])
    wrong = {**chosen, question_id: "not_an_option"}
    assert [q for q, _ in MATRIX.problems(wrong)] == [question_id]
    assert "not in version 1 of the matrix" in MATRIX.problems(wrong)[0][1]
