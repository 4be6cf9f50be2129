"""Form pieces shared by the hub's pages: GOV.UK date inputs, the error summary, and the
one-time token that makes a form accepted once."""

from __future__ import annotations

import dataclasses
import functools
import hmac
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from itertools import groupby
from typing import Any, ParamSpec

from flask import current_app, flash, g, redirect, render_template, request, session
from flask_login import current_user
from flask_wtf import FlaskForm
from markupsafe import Markup, escape
from werkzeug.wrappers import Response
from wtforms import Field, FieldList, FormField
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import Length, StopValidation, ValidationError

from hub.database import db
from hub.guard import written_in_form
from hub.templating import UK
from sharing import clock, form_sends
from sharing.errors import InputError
from sharing.formats import (
    CONTROL_CHARACTERS,
    has_control_characters,
    is_digits,
    too_long,
    with_plain_line_breaks,
)
from sharing.models import User

_PARTS = ("day", "month", "year")
#: A whole date typed in the day box ("3/4/2026", "03.04.2026", "3-4-2026"): day, month,
#: year, as people in the UK write it.
_WHOLE_DATE = re.compile(r"(\d{1,2})\s*[/.-]\s*(\d{1,2})\s*[/.-]\s*(\d{4})")
#: The most of a box kept to show again (a whole date typed in the day box fits).
_PART_KEPT = 10
#: The hidden field that carries a form's one-time token.
SENT_ONCE = "sent_once"
#: What the same form sent again is told, on the page of what the first send made.
ALREADY_SAVED = "This was already saved. It has not been saved twice."

P = ParamSpec("P")


class HubForm(FlaskForm):
    """A form that can list its errors for the GOV.UK error summary, and that refuses
    control characters (other than tab and new lines) in every text it is given."""

    #: Set when the record changed after the form was opened (``hub.opened.Meanwhile``).
    changed: Any = None

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        for field in leaf_fields(self):
            if isinstance(field.data, str) and has_control_characters(field.data):
                field.errors = [
                    *field.errors,
                    f"{subject_of(field.label.text)} {CONTROL_CHARACTERS}",
                ]
                valid = False
        return valid

    def error_summary(self) -> list[dict[str, str]]:
        """Every field's errors, in page order, each linking to its field; first, that the
        record changed after the form was opened, linking to the changes."""
        meanwhile = (
            [{"text": self.changed.message, "href": "#changed-meanwhile"}] if self.changed else []
        )
        return meanwhile + [
            {"text": message, "href": _anchor(field)}
            for field in leaf_fields(self)
            for message in field.errors
            if isinstance(message, str)
        ]

    def field_by_name(self, name: str) -> Field | None:
        """A field by its full name (``victim-family_name`` for a sub-form's field)."""
        return next((f for f in leaf_fields(self) if f.name == name), None)

    def refuse(self, error: InputError) -> None:
        """Show the core's refusal on the field it names (``owner_agency_id`` is the
        form's ``owner_agency``), or on the first field."""
        field = (
            self.field_by_name(error.field)
            or self.field_by_name(error.field.removesuffix("_id"))
            or next(iter(self))
        )
        field.errors = [*field.errors, error.message]


class TextLimit(Length):
    """A text box's limit, the core's own (``MAX_NOTE`` of the module that checks it again),
    checked in the form so that every box too long is shown at once, each named as the
    core names it ("The note must be 2,000 characters or fewer (you entered 2,345)"). The
    box's page says the limit beforehand (``fields.textarea`` reads it from here)."""

    def __init__(self, limit: int, what: str) -> None:
        super().__init__(max=limit)
        #: What the box holds, to begin its message: "the note".
        self.what = what

    def __call__(self, form: Any, field: Field) -> None:
        length = len(with_plain_line_breaks(field.data or "").strip())
        if length > self.max:
            raise StopValidation(too_long(self.what, self.max, length))


def limit_of(field: Field) -> int | None:
    """The most characters a text box takes, if it has a ``TextLimit``."""
    return next((v.max for v in field.validators if isinstance(v, TextLimit)), None)


def leaf_fields(form: Any) -> list[Field]:
    """The form's fields, with sub-forms' fields in place of the sub-forms."""
    fields: list[Field] = []
    for field in form:
        if isinstance(field, FormField):
            fields.extend(leaf_fields(field.form))
        elif isinstance(field, FieldList):  # its entries, each a field or a sub-form
            fields.extend(leaf_fields(field))
        else:
            fields.append(field)
    return fields


def choice_labels(field: Field) -> dict[str, str] | None:
    """Each option of a choice field (select, radios, checkboxes) by its value, with the
    label the form shows for it; None for a field without options."""
    if isinstance(field, _ChoiceBase):
        return {str(value): str(label) for value, label in field.choices}
    if isinstance(field, SelectFieldBase):
        return {str(value): str(label) for value, label, *_ in field.iter_choices()}
    return None


def as_sentence(error: Exception) -> str:
    """A core refusal ("the key is ...") as a field's error message ("The key is ...")."""
    text = str(error)
    return text[:1].upper() + text[1:]


def subject_of(label: str) -> str:
    """A field's label as the subject of a sentence about what was typed in it: a name
    as it is ("Postcode", "Video link" for "Video link (optional)"), a question quoted
    ('The answer to "What happened?"'), so a message reads right whatever the label."""
    name = label.removesuffix(" (optional)")
    if "?" in name or "(" in name or "," in name:
        return f"The answer to \u201c{label}\u201d"
    return name


def _anchor(field: Field) -> str:
    """Where the error summary links: the first box of a date, else the field itself
    (the first radio of a group has the group's id)."""
    if isinstance(field, DateInputField):
        return f"#{field.id}-{field.first_part}"
    anchor = getattr(field, "anchor", None)  # a field of many boxes says which to mend
    return anchor if isinstance(anchor, str) else f"#{field.id}"


class DateInputField(Field):
    """The GOV.UK date input: day, month and year boxes (``name-day`` and so on),
    optionally with hour and minute in UK time (given as UTC). Keeps what the user typed
    for re-display."""

    def __init__(
        self,
        label: str = "",
        validators: Any = None,
        *,
        subject: str,
        with_time: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        #: What the date is, to begin its messages: "The date the incident happened".
        self.subject = subject
        self.with_time = with_time
        self.parts: dict[str, str] = {}
        self.bad_parts: set[str] = set()
        self._problem: str | None = None

    @property
    def part_names(self) -> tuple[str, ...]:
        return _PARTS + (("hour", "minute") if self.with_time else ())

    @property
    def first_part(self) -> str:
        return next(iter(sorted(self.bad_parts, key=self.part_names.index)), "day")

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.data = data if isinstance(data, date) else None
        if formdata is None or not any(f"{self.name}-{p}" in formdata for p in self.part_names):
            shown = self.data
            if isinstance(shown, datetime):
                shown = shown.astimezone(UK)
            if isinstance(shown, date):
                self.parts = {
                    "day": str(shown.day),
                    "month": str(shown.month),
                    "year": str(shown.year),
                }
            if isinstance(shown, datetime) and self.with_time:
                self.parts |= {"hour": str(shown.hour), "minute": f"{shown.minute:02d}"}
            return
        self.parts = {
            p: formdata.get(f"{self.name}-{p}", "").strip()[:_PART_KEPT] for p in self.part_names
        }
        whole = _WHOLE_DATE.fullmatch(self.parts["day"])
        if whole and not any(self.parts[p] for p in self.part_names[1:3]):
            # The date written in one, as people write it: taken into its three boxes.
            self.parts |= dict(zip(_PARTS, whole.groups(), strict=True))
        self.raw_data = [" ".join(self.parts.values())] if any(self.parts.values()) else []
        self.data, self._problem = self._parse()

    def _parse(self) -> tuple[date | datetime | None, str | None]:
        label = self.subject
        missing = [p for p in self.part_names if not self.parts.get(p)]
        if len(missing) == len(self.part_names):
            return None, None
        if missing:
            self.bad_parts = set(missing)
            return None, f"{label} must include a {' and '.join(missing)}"
        if not all(is_digits(self.parts[p]) for p in self.part_names):
            self.bad_parts = {p for p in self.part_names if not is_digits(self.parts[p])}
            return None, f"{label} must be a real date, in numbers"
        n = {p: int(self.parts[p]) for p in self.part_names}
        if len(self.parts["year"]) != 4:
            self.bad_parts = {"year"}
            return None, "Year must include 4 numbers"
        try:
            if self.with_time:
                day = date(n["year"], n["month"], n["day"])
                local = clock.uk_moment(day, n["hour"], n["minute"])
                if local is None:
                    self.bad_parts = {"hour", "minute"}
                    return None, (
                        f"{label} must be a time that happened: the clocks went forward an "
                        "hour at 1am that day (from 1am to 2am is no time)"
                    )
                return local.astimezone(UTC), None
            return date(n["year"], n["month"], n["day"]), None
        except ValueError:
            self.bad_parts = self._impossible(n)
            return None, f"{label} must be a real date" + (" and time" if self.with_time else "")

    def _impossible(self, n: dict[str, int]) -> set[str]:
        """The boxes to mend of a date or time that does not exist: the hour or minute
        alone (25:00, 10:61) when the date is real, so that the error summary links to it;
        else every box."""
        try:
            date(n["year"], n["month"], n["day"])
        except ValueError:
            return set(self.part_names)
        limits = {"hour": 23, "minute": 59}
        return {p for p in limits if p in n and not 0 <= n[p] <= limits[p]} or set(self.part_names)

    def pre_validate(self, form: Any) -> None:
        if self._problem:
            raise ValidationError(self._problem)

    def post_validate(self, form: Any, validation_stopped: bool) -> None:
        if self.errors and not self.bad_parts:
            self.bad_parts = set(self.part_names)


def shown_once(field: DateInputField, was: datetime | None = None) -> None:
    """Refuse, at its hour and minute, a new time in the hour UK clocks show twice: 1:30am
    on the last Sunday in October comes in summer time and again an hour later in winter
    time, and the people told of a meeting then could not tell which (a time the clocks
    skip, the field itself refuses). ``was``: the record's time as it is, which a form
    showing it unchanged keeps."""
    moment = field.data
    if not isinstance(moment, datetime) or not clock.shown_twice(moment):
        return
    if was is not None and clock.same_on_the_clock(moment, was):
        return
    field.bad_parts = {"hour", "minute"}
    raise ValidationError(
        f"{field.subject} must be a time the clocks show once: they go back an hour at 2am "
        "that day (from 1am to 2am comes twice)"
    )


#: Which of the two moments a time shown twice is (1:30am on the last Sunday in October):
#: the first, in summer time, or the second, an hour later, in winter time.
WHICH_OF_TWICE = [
    ("first", "The first, in summer time (BST), before the clocks went back"),
    ("second", "The second, in winter time (GMT), after the clocks went back"),
]


def asks_which(field: DateInputField) -> bool:
    """Whether the time in ``field`` is one the UK clocks show twice, which a form that
    takes it (an incident happened then) asks which of (``which_of_twice``)."""
    moment = field.data
    return isinstance(moment, datetime) and clock.shown_twice(moment)


def which_refused(field: DateInputField, which: str | None) -> str | None:
    """Why a time in the hour UK clocks show twice is refused when the form does not say
    which of its two moments it was (``which``: "first" or "second"), in the words
    ``shown_once`` uses; None when it need not, or does. Something that happened then
    cannot be moved to another time, as a meeting can, so the form asks which it was."""
    if not asks_which(field) or which in ("first", "second"):
        return None
    return (
        f"{field.subject} is a time the clocks show twice: they go back an hour at 2am that "
        "day (from 1am to 2am comes twice). Select which it was"
    )


def moment_said(field: DateInputField, which: str | None) -> datetime | None:
    """The moment ``field`` gives: in the hour UK clocks show twice, the one ``which`` says
    (the second: in winter time, an hour after the first)."""
    if not asks_which(field) or which != "second":
        return field.data if isinstance(field.data, datetime) else None
    local = field.data.astimezone(clock.PARTNERSHIP_ZONE)
    return local.replace(fold=1).astimezone(UTC)


@dataclass
class ChoiceGroup:
    """Options shown under a heading: the people of one agency, under its name (an
    ``<optgroup>`` in a select, a fieldset of its own among checkboxes)."""

    label: str
    choices: list[tuple[str, str]] = dataclasses.field(default_factory=list)
    #: Said once for the whole group: why its options cannot be chosen, say.
    hint: str | None = None


def name_and_agency(user: User) -> str:
    """A person as a select's option names them: a closed select shows no group heading."""
    return f"{user.display_name}, {user.agency.name}"


def by_agency(
    people: Iterable[User],
    label: Callable[[User], str] = lambda u: u.display_name,
    hints: dict[int, str] | None = None,
) -> list[ChoiceGroup]:
    """People as groups of options, one for each agency under its name, each person by
    ``label`` in the order given (``directory.people`` gives them by agency and name);
    ``hints``: what to say of an agency, by its id."""
    return [
        ChoiceGroup(
            agency.name,
            [(str(u.id), label(u)) for u in members],
            (hints or {}).get(agency.id),
        )
        for agency, members in groupby(people, key=lambda u: u.agency)
    ]


class _ChoiceBase(Field):
    """A select, radios or checkboxes whose options are (value, label) pairs. Rendering is
    done by the GOV.UK macros in ``_fields.html``, so WTForms' option objects are not
    needed. Each says, in its own words, what to do when no option offered is chosen
    (``message``: "Select who the letter is for"), as GOV.UK's radios and selects do."""

    def __init__(
        self,
        label: str,
        validators: Any = None,
        choices: list[tuple[str, str]] | None = None,
        *,
        message: str,
        **kwargs: Any,
    ) -> None:
        super().__init__(label, validators, **kwargs)
        self.choices: list[tuple[str, str]] = choices or []
        #: What to do when no option offered is chosen.
        self.message = message
        #: The options shown under headings, if they are (``offer_grouped``).
        self.groups: list[ChoiceGroup] = []

    def offer_grouped(
        self, groups: list[ChoiceGroup], first: list[tuple[str, str]] | None = None
    ) -> None:
        """Offer the options of these groups (those holding any), after ``first`` (such as
        "Choose the chair"), each shown under its group's heading."""
        self.groups = [g for g in groups if g.choices]
        self.choices = [*(first or []), *(c for g in self.groups for c in g.choices)]

    def offer_in_group(self, label: str, value: str, text: str) -> None:
        """Offer one more option, under the heading ``label`` (added if not there yet)."""
        group = next((g for g in self.groups if g.label == label), None)
        if group is None:
            group = ChoiceGroup(label)
            self.groups.append(group)
        group.choices.append((value, text))
        self.choices.append((value, text))


class EnumSelectField(_ChoiceBase):
    """A select or radios over a vocabulary enum, giving the enum member as data; a
    member the view took out of its choices and set in ``refused`` is refused with its
    reason (a kind that does not apply here)."""

    def __init__(
        self,
        label: str,
        enum: type[Any],
        validators: Any = None,
        blank: str | None = None,
        **kwargs: Any,
    ) -> None:
        choices = ([("", blank)] if blank is not None else []) + enum.choices()
        super().__init__(label, validators, choices=choices, **kwargs)
        self.enum = enum
        #: Members known but not offered, each with the reason it is refused.
        self.refused: dict[str, str] = {}

    def process_formdata(self, valuelist: list[str]) -> None:
        value = valuelist[0] if valuelist else ""
        try:
            self.data = self.enum(value) if value else None
        except ValueError:
            self.data = None
            raise ValueError(self.message) from None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data.value in self.refused:
            raise ValidationError(self.refused[self.data.value])

    def _value(self) -> str:
        return self.data.value if self.data is not None else ""


class ChoiceField(_ChoiceBase):
    """A select or radios whose choices are set by the view; a value not offered is told
    the field's ``message``, or its own reason if the view set one in ``refused`` (a
    value known but not offered)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Values known but not offered, each with the reason it is refused.
        self.refused: dict[str, str] = {}

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = valuelist[0] if valuelist else ""

    def pre_validate(self, form: Any) -> None:
        if (self.data or "") in self.refused:
            raise ValidationError(self.refused[self.data or ""])
        if (self.data or "") not in {value for value, _label in self.choices}:
            raise ValidationError(self.message)

    def _value(self) -> str:
        return self.data or ""


class ChoicesField(_ChoiceBase):
    """Checkboxes whose choices are set by the view; gives the values ticked, and refuses
    a value not offered: with its own reason if the view set one in ``refused`` (a value
    known but not offered, such as someone whose role cannot be chosen)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        #: Values known but not offered, each with the reason it is refused.
        self.refused: dict[str, str] = {}

    def process_formdata(self, valuelist: list[str]) -> None:
        self.data = list(dict.fromkeys(valuelist))

    def pre_validate(self, form: Any) -> None:
        for value in self.data or []:
            if value in self.refused:
                raise ValidationError(self.refused[value])
        offered = {value for value, _label in self.choices}
        if any(value not in offered for value in self.data or []):
            raise ValidationError(self.message)

    def _value(self) -> str:
        return ",".join(self.data or [])


def sent_once(always: bool = False) -> Markup:
    """The hidden field of a form that makes a record (in its template, beside the CSRF
    token): a new one-time token when the form is first shown, the one it was sent with
    when it is shown again (with its errors, or its next page). Nothing on the page of a
    view that is not ``accepted_once``, so shared layouts may hold it; ``always`` for a
    form shown on another view's page (an application's page holds the form of its
    recommendations)."""
    if not (always or g.get("accepts_once")):
        return Markup()
    token = request.form.get(SENT_ONCE, "") if request.method == "POST" else ""
    if not form_sends.well_formed(token):
        token = form_sends.new_token()
    return Markup(f'<input type="hidden" name="{SENT_ONCE}" value="{escape(token)}">')  # noqa: S704 - escaped


def accepted_once(view: Callable[P, Any]) -> Callable[P, Any]:
    """A view whose form makes a record, accepted once per one-time token (``sent_once``):
    the same form sent again, even while the first send is under way, makes nothing more
    and goes to the page the first send went to, saying so. A send without a token (a page
    shown before tokens were given) is accepted as it always was."""

    @functools.wraps(view)
    def once(*args: P.args, **kwargs: P.kwargs) -> Any:
        g.accepts_once = True
        token = request.form.get(SENT_ONCE, "") if request.method == "POST" else ""
        if not form_sends.well_formed(token):
            return view(*args, **kwargs)
        claimed = form_sends.claim(db(), current_user.id, token)
        if isinstance(claimed, str):
            sent = _values_sent()
            if session.get(_SENT_VALUES, {}).get(token, sent) != sent:
                return _not_saved_again(claimed)
            flash(ALREADY_SAVED, "important")
            return redirect(claimed)
        response: Response = current_app.make_response(view(*args, **kwargs))
        if response.status_code in (302, 303) and response.location:
            form_sends.made(db(), claimed, response.location)
            _remember_values(token)
        else:
            form_sends.release(db(), claimed)
        return response

    return once


#: The session's keyed hashes of what its latest forms accepted once held, by token.
_SENT_VALUES = "sent_values"
#: How many of them are kept (a form is sent again soon after, if at all).
_KEPT_SENDS = 10


def _values_sent() -> str:
    """A keyed hash of what the form sent holds (never the values: it is kept in the
    session), its token and CSRF token aside."""
    key = current_app.secret_key
    mac = hmac.new(key.encode() if isinstance(key, str) else key or b"", digestmod="sha256")
    mac.update(b"form sent once|")
    for name in sorted(request.form):
        if name not in (SENT_ONCE, "csrf_token"):
            mac.update(json.dumps([name, request.form.getlist(name)]).encode())
    return mac.hexdigest()[:32]


def _remember_values(token: str) -> None:
    """Keep what the send that made a record held, so that the same form sent again with
    other values is told that they were not saved (``accepted_once``)."""
    kept = dict(session.get(_SENT_VALUES, {}))
    kept[token] = _values_sent()
    session[_SENT_VALUES] = dict(list(kept.items())[-_KEPT_SENDS:])


def _not_saved_again(made: str) -> str:
    """The page for a form sent again with other values (Back, a new incident typed over
    the first): nothing more is saved; what the user wrote is given back to copy, with a
    link to what the first send saved."""
    return render_template(
        "already_saved.html", title="This was already saved", made=made, typed=written_in_form()
    )
