"""Loading the protocols of a folder: every valid ``*.toml`` file; never an invalid one."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

from sharing.protocols.checker import parse_protocol, read_text
from sharing.protocols.locator import Locator
from sharing.protocols.model import ProtocolDocument
from sharing.protocols.problems import Problem, ProtocolInvalid
from sharing.vocabulary import AgencyType


def load_directory(
    path: str | os.PathLike[str], known_agencies: Mapping[str, AgencyType] | None = None
) -> tuple[list[ProtocolDocument], list[Problem]]:
    """The valid protocols in the folder at ``path`` (by file name), and the problems of
    the others. Files that share a protocol id are all refused: which one is meant would
    be a guess."""
    folder = Path(path)
    if not folder.is_dir():
        return [], [Problem(os.fspath(path), None, "", "not a folder", "a folder of *.toml files")]
    loaded: list[tuple[ProtocolDocument, str]] = []
    problems: list[Problem] = []
    for file in sorted(folder.glob("*.toml")):
        if not file.is_file():
            continue
        text = read_text(file)
        if isinstance(text, Problem):
            problems.append(text)
            continue
        try:
            loaded.append((parse_protocol(text, str(file), known_agencies), text))
        except ProtocolInvalid as invalid:
            problems.extend(invalid.problems)
    files_by_id: dict[str, list[str]] = {}
    for document, _ in loaded:
        files_by_id.setdefault(document.id, []).append(document.source)
    documents: list[ProtocolDocument] = []
    for document, text in loaded:
        others = [f for f in files_by_id[document.id] if f != document.source]
        if not others:
            documents.append(document)
            continue
        problems.append(
            Problem(
                document.source,
                Locator.of(text).line("id"),
                "id",
                f'protocol id "{document.id}" is also the id of {", ".join(others)}',
                "one file per protocol, each with its own id",
            )
        )
    return documents, problems
