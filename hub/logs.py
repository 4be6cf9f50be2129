"""The hub's own log lines, as a server writes them: one line each, text or JSON (the
``log_format`` setting), every line of a request carrying its request id (the one in its
audit entries and its ``X-Request-Id`` header) and its route's pattern, never its address
or query. A line never carries a traceback: an exception is named by its type alone (the
hub logs code locations itself where it needs them), since messages may hold personal
data."""

from __future__ import annotations

import json
import logging
import re
from datetime import UTC, datetime

from flask import g, has_request_context, request

FIELDS = ("time", "level", "logger", "message", "request_id", "route", "exception")


class RequestContext(logging.Filter):
    """Adds the request's id and route pattern to each record made during a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.request_id = g.get("request_id", "") if has_request_context() else ""
        rule = request.url_rule if has_request_context() else None
        record.route = rule.rule if rule is not None else ""
        return True


def _exception(record: logging.LogRecord) -> str:
    return record.exc_info[0].__name__ if record.exc_info and record.exc_info[0] else ""


class JsonLines(logging.Formatter):
    """A JSON object a line: ``FIELDS``, empty ones left out."""

    def format(self, record: logging.LogRecord) -> str:
        values = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", ""),
            "route": getattr(record, "route", ""),
            "exception": _exception(record),
        }
        return json.dumps({k: v for k, v in values.items() if v}, ensure_ascii=False)


class TextLines(logging.Formatter):
    """``time level logger [request id route] message (exception type)`` a line."""

    def format(self, record: logging.LogRecord) -> str:
        time = datetime.fromtimestamp(record.created, UTC).isoformat(timespec="seconds")
        where = " ".join(
            x for x in (getattr(record, "request_id", ""), getattr(record, "route", "")) if x
        )
        line = f"{time} {record.levelname} {record.name}"
        line += f" [{where}]" if where else ""
        line += f" {record.getMessage()}"
        exception = _exception(record)
        return line + (f" ({exception})" if exception else "")


def configure_logging(log_format: str, level: int = logging.INFO) -> logging.Handler:
    """Send the hub's log lines (and its libraries') to standard error in ``log_format``;
    the handler, installed on the root logger in place of any other."""
    handler = logging.StreamHandler()
    handler.setFormatter(JsonLines() if log_format == "json" else TextLines())
    handler.addFilter(RequestContext())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    # The readiness check reads the database's migration on every call, and Alembic says
    # at INFO which database it found each time: a line per poll of a load balancer.
    logging.getLogger("alembic").setLevel(logging.WARNING)
    return handler


class WithoutRequestDetails(logging.Filter):
    """gunicorn's lines about a request it could not handle name the sender's address
    (personal data) and the request's path and query (which may hold a name): keep the
    event, drop those."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if message.startswith("Invalid request from ip="):
            record.msg, record.args = "Invalid request", ()
        elif message.startswith("Error handling request"):
            record.msg, record.args = "Error handling request", ()
        return True


#: The paths of links whose token is a secret: a link to set a password
#: (``hub.auth.set_password``) and a closure survey's link (``hub.your_say``), not the
#: survey's thank-you page.
_LINK_TOKEN = re.compile(r"(/set-password|/closure-survey)/(?!thank-you\b)[^\s\"?#]+")


class WithoutLinkTokens(logging.Filter):
    """The development server logs each request's path: a link to set a password or to
    answer a closure survey carries its token in its path, so the token is left out (the
    line keeps ``/set-password/…``, ``/closure-survey/…``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if _LINK_TOKEN.search(message):
            record.msg, record.args = _LINK_TOKEN.sub(r"\1/…", message), ()
        return True


def hide_link_tokens() -> None:
    """Keep the tokens of links (to set a password, to answer a closure survey) out of
    the request lines the development server (werkzeug) logs."""
    server_log = logging.getLogger("werkzeug")
    if not any(isinstance(f, WithoutLinkTokens) for f in server_log.filters):
        server_log.addFilter(WithoutLinkTokens())
