"""Information sharing protocols: the file format, its checker and loader.

A protocol file (``protocols/*.toml``, described in ``protocols/README.md``) is parsed
into a ``ProtocolDocument`` only when it has no problems at all; otherwise every problem
is reported with its line, field, what is wrong and what is allowed. Nothing here touches
the database: the hub imports, signs and activates the documents.
"""

from sharing.protocols.checker import check_file, check_text, parse_protocol
from sharing.protocols.lawful import EMERGENCY_PURPOSE
from sharing.protocols.loader import load_directory
from sharing.protocols.model import TYPE_PREFIX, Clause, Party, ProtocolDocument, Purpose
from sharing.protocols.problems import Problem, ProtocolInvalid
from sharing.protocols.writer import render_protocol
from sharing.vocabulary import CATEGORIES

__all__ = [
    "CATEGORIES",
    "EMERGENCY_PURPOSE",
    "TYPE_PREFIX",
    "Clause",
    "Party",
    "Problem",
    "ProtocolDocument",
    "ProtocolInvalid",
    "Purpose",
    "check_file",
    "check_text",
    "load_directory",
    "parse_protocol",
    "render_protocol",
]
