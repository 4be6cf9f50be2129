"""The log lines ``hub serve`` writes (issue 21, item 6): one JSON object (or one text
line) each, carrying the request's id (the one in its X-Request-Id header and audit
entries) and its route's pattern, never the address itself, and an exception by its type
alone, never a traceback."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask, g

from hub.config import load_settings
from hub.database import request_id
from hub.logs import TextLines, configure_logging
from hub.settings import ConfigError


@pytest.fixture
def lines() -> Iterator[tuple[io.StringIO, logging.Handler]]:
    root = logging.getLogger()
    kept, level = list(root.handlers), root.level
    handler = configure_logging("json")
    stream = io.StringIO()
    handler.setStream(stream)  # type: ignore[attr-defined]
    yield stream, handler
    root.removeHandler(handler)
    for old in kept:
        root.addHandler(old)
    root.setLevel(level)


def test_a_line_carries_the_request_id_and_route_pattern_not_the_address(
    app: Flask, lines: tuple[io.StringIO, logging.Handler]
) -> None:
    stream, _ = lines
    with app.test_request_context("/cases/4711?purpose=asb_case_management"):
        g.request_id = "0123456789abcdef"
        try:
            raise ValueError("Ada Okafor's address")  # a message may hold personal data
        except ValueError:
            logging.getLogger("hub.test").exception("could not show case")
    logged = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert logged["request_id"] == "0123456789abcdef"
    assert logged["route"] == "/cases/<int:case_id>"
    assert logged["message"] == "could not show case"
    assert logged["exception"] == "ValueError"
    assert logged["level"] == "ERROR"
    text = stream.getvalue()
    assert "4711" not in text
    assert "Okafor" not in text
    assert "Traceback" not in text


def test_a_line_carries_the_id_the_answer_and_audit_entries_carry(
    app: Flask, lines: tuple[io.StringIO, logging.Handler]
) -> None:
    stream, _ = lines
    with app.test_request_context("/health"):
        given = request_id()  # what X-Request-Id and the request's audit entries carry
        logging.getLogger("hub.test").warning("something worth saying")
    logged = json.loads(stream.getvalue().strip().splitlines()[-1])
    assert logged["request_id"] == given
    assert logged["route"] == "/health"


def test_text_lines_and_a_bad_format_setting(lines: tuple[io.StringIO, logging.Handler]) -> None:
    stream, handler = lines
    handler.setFormatter(TextLines())
    logging.getLogger("hub.test").warning("plain")
    assert stream.getvalue().rstrip().endswith("WARNING hub.test plain")
    with pytest.raises(ConfigError, match="log_format must be text or json"):
        load_settings(environ={}, log_format="xml")
