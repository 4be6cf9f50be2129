"""A form that changes a record carries the record's stamp as the form was opened
(``sharing.stamps``). When the record changed meanwhile the core refuses the save; the
page is shown again with what the user typed kept, a message, the values as they are
saved now beside the user's own, and the stamp of the record now, so that saving again
(having seen the change) goes through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Protocol, runtime_checkable

from flask import g, request
from markupsafe import Markup, escape
from wtforms import BooleanField, Field

from hub.choice_fields import choice_labels
from hub.forms import HubForm, leaf_fields
from hub.templating import uk_date
from sharing import clock, stamps
from sharing.errors import ChangedMeanwhile

#: The hidden field that carries the stamp of the record as the form was opened.
OPENED = "opened"
#: Fields that are not the record's values.
_NOT_VALUES = {"csrf_token", "submit"}


@runtime_checkable
class InWords(Protocol):
    """A field whose value reads only in words it makes itself (the month given with each
    choice of another field), as the table of what changed shows it."""

    def in_words(self) -> str: ...


@dataclass(frozen=True)
class Difference:
    """A field whose saved value is not what the user's form holds."""

    label: str
    now: str
    yours: str


@dataclass(frozen=True)
class Meanwhile:
    """What the page says when the record changed after the form was opened."""

    message: str
    differences: list[Difference]


def sent() -> str | None:
    """The stamp the form was sent with (``None`` when it had none)."""
    stamp = request.form.get(OPENED) if request.method == "POST" else None
    return stamp if stamps.well_formed(stamp) else None


def carry(current: str | None) -> None:
    """The stamp the page's form carries: the record's ``current`` one when the form is
    first shown (``None`` when it is sent: then the one it was sent with, to be shown
    again with its errors)."""
    g.opened_stamp = current if request.method == "GET" else sent()


def renew(current: str) -> None:
    """The stamp a form shown again after a refusal carries: the record's ``current`` one,
    so that sending it again (having seen the record as it is now) goes through."""
    g.opened_stamp = current


def opened_field() -> Markup:
    """The hidden field with the form's stamp (nothing when it has none)."""
    stamp = g.get("opened_stamp")
    if not stamp:
        return Markup()
    return Markup(f'<input type="hidden" name="{OPENED}" value="{escape(stamp)}">')  # noqa: S704 - escaped


def show_changed(form: HubForm, error: ChangedMeanwhile, as_now: HubForm, stamp: str) -> None:
    """Keep ``form`` as the user typed it, say the record changed, list each field whose
    saved value (``as_now``, the form filled from the record now) differs from theirs,
    and carry the record's ``stamp`` now."""
    form.changed = Meanwhile(_message(error), differences(form, as_now))
    g.opened_stamp = stamp


def _message(error: ChangedMeanwhile) -> str:
    known = [
        f"at {clock.moment_text(error.at)}" if error.at else "",
        f"by {error.by}" if error.by else "",
    ]
    said = ", ".join(part for part in known if part)
    return (
        f"Someone changed this after you opened it{f' ({said})' if said else ''}. "
        "Check their changes below, then save again"
    )


def differences(yours: HubForm, now: HubForm) -> list[Difference]:
    """Each field, in page order, whose value in ``now`` is not the one in ``yours``."""
    saved = {field.name: field for field in leaf_fields(now)}
    found = []
    for field in leaf_fields(yours):
        other = saved.get(field.name)
        if field.short_name in _NOT_VALUES or other is None:
            continue
        labels = {**(choice_labels(other) or {}), **(choice_labels(field) or {})}
        shown, shown_now = _shown(field, labels), _shown(other, labels)
        if shown != shown_now:
            found.append(Difference(field.label.text, shown_now or "(empty)", shown or "(empty)"))
    return found


def _shown(field: Field, labels: dict[str, str]) -> str:
    """A field's value as a reader would recognise it on the form: a choice by its label
    (``labels``, by value; an enum's own label for one not offered), several choices one
    to a line in the order the form offers them."""
    data: Any = field.data
    if isinstance(field, InWords):
        return field.in_words()
    if isinstance(field, BooleanField):
        return "Yes" if data else "No"
    if choice_labels(field) is not None:
        values = data if isinstance(data, list | tuple) else [data]
        order = {value: place for place, value in enumerate(labels)}
        chosen = sorted(
            (v for v in values if _plain(v)), key=lambda v: order.get(_plain(v), len(order))
        )
        return "\n".join(_label(value, labels) for value in chosen)
    if isinstance(data, date):
        return uk_date(data)
    return _plain(data).strip()


def _label(value: Any, labels: dict[str, str]) -> str:
    """What the form shows for the option ``value``."""
    return labels.get(_plain(value)) or str(getattr(value, "label", _plain(value)))


def _plain(value: Any) -> str:
    """An enum as its value, anything else as text ("" for nothing)."""
    if value is None:
        return ""
    return str(getattr(value, "value", value))
