"""The GOV.UK date input (day, month and year boxes, with hour and minute in UK time
where a form asks for a moment), and the questions a time in the hour the UK clocks show
twice raises: refused where it could be either (a meeting), or asked which it was
(something that happened then)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

from wtforms import Field
from wtforms.validators import ValidationError

from hub.templating import UK
from sharing import clock
from sharing.formats import is_digits

_PARTS = ("day", "month", "year")
#: A whole date typed in the day box ("3/4/2026", "03.04.2026", "3-4-2026", "3 4 2026"):
#: day, month, year, as people in the UK write it. A year in two figures ("3/4/61") is
#: put into its box too, where it is asked for in four: which century is not guessed.
_WHOLE_DATE = re.compile(r"(\d{1,2})(?:\s*[/.-]\s*|\s+)(\d{1,2})(?:\s*[/.-]\s*|\s+)(\d{4}|\d{2})")
#: The most of a box kept to show again (a whole date typed in the day box fits).
_PART_KEPT = 10


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
