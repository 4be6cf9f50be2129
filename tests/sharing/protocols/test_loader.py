"""Loading a folder of protocols: valid files load, invalid ones never do."""

from __future__ import annotations

from pathlib import Path

from sharing.protocols import load_directory
from tests.sharing.protocols.samples import DEMO_AGENCIES, VALID


def test_loader_skips_invalid_files_and_returns_their_problems(tmp_path: Path) -> None:
    (tmp_path / "a-valid.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "b-invalid.toml").write_text(
        VALID.replace('id = "test-protocol"', 'id = "other"').replace(
            '["identity", "location"]', '["identity", "medical"]'
        ),
        encoding="utf-8",
    )
    (tmp_path / "c-not-toml.toml").write_text("Parties agree to share.\n", encoding="utf-8")
    (tmp_path / "README.md").write_text("# Not a protocol\n", encoding="utf-8")
    (tmp_path / "folder.toml").mkdir()

    documents, problems = load_directory(tmp_path, DEMO_AGENCIES)

    assert [d.id for d in documents] == ["test-protocol"]
    assert documents[0].source == str(tmp_path / "a-valid.toml")
    assert [(Path(p.source).name, p.field) for p in problems] == [
        ("b-invalid.toml", "clauses[0].categories"),
        ("c-not-toml.toml", ""),
    ]


def test_files_sharing_an_id_are_all_refused(tmp_path: Path) -> None:
    (tmp_path / "one.toml").write_text(VALID, encoding="utf-8")
    (tmp_path / "two.toml").write_text(VALID.replace("version = 1", "version = 2"), "utf-8")
    (tmp_path / "three.toml").write_text(
        VALID.replace('id = "test-protocol"', 'id = "three"'), encoding="utf-8"
    )

    documents, problems = load_directory(tmp_path, DEMO_AGENCIES)

    assert [d.id for d in documents] == ["three"]
    assert sorted((Path(p.source).name, p.line) for p in problems) == [
        ("one.toml", 1),
        ("two.toml", 1),
    ]
    assert all('protocol id "test-protocol" is also the id of' in p.message for p in problems)


def test_unknown_agencies_make_a_file_invalid_only_when_agencies_are_known(tmp_path: Path) -> None:
    (tmp_path / "p.toml").write_text(
        VALID.replace("northshire-police", "elsewhere-police"), "utf-8"
    )
    assert len(load_directory(tmp_path)[0]) == 1
    documents, problems = load_directory(tmp_path, DEMO_AGENCIES)
    assert documents == []
    assert problems[0].message == 'unknown agency "elsewhere-police"'


def test_a_path_that_is_not_a_folder_is_a_problem(tmp_path: Path) -> None:
    documents, problems = load_directory(tmp_path / "missing")
    assert documents == []
    assert problems[0].message == "not a folder"
