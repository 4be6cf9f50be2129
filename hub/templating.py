"""Template filters: dates and times as GOV.UK writes them, in UK time; text as a CSS
string (the PDF pack's page margins); text of several lines with its breaks
(``lines``); a label inside a sentence (``in_sentence``), and a body's name
(``name_in_sentence``: "ask the Office of …"); the test ``past`` (a day
before today, in UK time);
and the fonts of the PDFs (``pdf_fonts``); and the Jinja environment the hub's Flask
application renders with (``HubEnvironment``, ``HubFlask``)."""

from __future__ import annotations

from collections.abc import MutableMapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from flask import Flask
from flask.templating import Environment
from markupsafe import Markup, escape

from hub.bases import basis_html
from hub.pdf import FONTS
from sharing import clock
from sharing.files.checks import size_text
from sharing.formats import phone_for_reading
from sharing.trigger.letter_words import in_sentence as name_in_sentence

UK = ZoneInfo("Europe/London")


class HubEnvironment(Environment):
    """Flask's Jinja environment, whose templates each hold their globals in one plain
    mapping made when the template is loaded (the environment's, overlaid by its own),
    where Jinja chains the template's over the environment's so that globals added after
    loading still reach it. Every import of a macro (``{% from ... import ... %}``, about
    fifty on a case page, most in GOV.UK's own macros) compares the importing page's
    globals with the imported template's, which costs a lookup in each mapping of a
    chain for each global: the plain mapping takes some 5% to 13% of a page's CPU off.
    The hub adds its globals while building the app (``create_app``), before any
    template is loaded, as Jinja asks of every application anyway."""

    def make_globals(self, d: MutableMapping[str, Any] | None) -> MutableMapping[str, Any]:
        return {**self.globals, **(d or {})}


class HubFlask(Flask):
    """The hub's Flask application: Flask's, with ``HubEnvironment`` for its templates."""

    jinja_environment = HubEnvironment


def uk_date(value: date | datetime | str | None) -> str:
    """``22 November 2026`` (also of a day kept as text, ``2026-11-22``)."""
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value)
    if isinstance(value, datetime):
        value = value.astimezone(UK).date()
    return f"{value.day} {value:%B %Y}"


def action_named(kind: str, due_on: date | None) -> str:
    """An action as its pages name it, by its kind and due day: ``Visit, due 3 March 2026``."""
    return f"{kind}, due {uk_date(due_on)}" if due_on else kind


def uk_datetime(value: datetime | None) -> str:
    """``22 November 2026 at 3:04pm`` in UK time."""
    if value is None:
        return ""
    return clock.moment_text(value)


def lines(value: str | None) -> Markup:
    """Text of several lines (an address) as HTML that keeps its line breaks, escaped."""
    return Markup("<br>").join(escape(value or "").splitlines())


def in_sentence(value: str) -> str:
    """A label inside a sentence: its words in small letters but for an abbreviation,
    which stays as it is ("Acceptable behaviour contract (ABC)" is "acceptable behaviour
    contract (ABC)", where ``lower`` gave "(abc)")."""
    return " ".join(
        word if word.strip("().,;:").isupper() and len(word.strip("().,;:")) > 1 else word.lower()
        for word in value.split(" ")
    )


def past(value: date) -> bool:
    """Whether ``value`` is a day before today in the UK (``{% if day is past %}``)."""
    return value < clock.today()


def css_string(value: str) -> Markup:
    """``value`` as a quoted CSS string, for a stylesheet inside a page: every character
    that could end the string, the rule or the style element is written as a CSS escape."""
    escaped = "".join(ch if ch.isalnum() or ch in " ,.-'():" else f"\\{ord(ch):x} " for ch in value)
    return Markup(f'"{escaped}"')  # noqa: S704 - all but " ,.-'():", letters, digits escaped


def register_filters(app: Flask) -> None:
    app.jinja_env.filters["uk_date"] = uk_date
    app.jinja_env.filters["uk_datetime"] = uk_datetime
    app.jinja_env.filters["css_string"] = css_string
    app.jinja_env.filters["file_size"] = size_text
    app.jinja_env.filters["lines"] = lines
    app.jinja_env.filters["in_sentence"] = in_sentence
    app.jinja_env.filters["name_in_sentence"] = name_in_sentence
    app.jinja_env.filters["phone"] = phone_for_reading
    app.jinja_env.tests["past"] = past
    app.jinja_env.globals["pdf_fonts"] = FONTS
    app.jinja_env.filters["basis"] = basis_html
