"""The public form's question of who the applicant reported the behaviour to, and roughly
when: the partnership's agencies as checkboxes (their public names), "Someone else" with a
box for who, and for each one ticked a month and year (optional)."""

from __future__ import annotations

from datetime import date
from typing import Any

from wtforms import Field, ValidationError

from sharing import clock
from sharing.formats import is_digits
from sharing.trigger.input_checks import SOMEONE_ELSE, ReportedTo, reports_of

#: The month boxes of one choice: ``reported_when-<choice>-month`` and ``-year``.
PARTS = ("month", "year")
#: The most of a box kept to show again (a year is 4 digits).
_KEPT = 8


class MonthsField(Field):
    """For each agency ticked in another field, roughly when: a month and a year, both or
    neither. Keeps what was typed, to show again; ``ticked`` and ``names`` are set by the
    view (the values ticked, and what each is called in a message)."""

    #: How a message opens (the lead's form says "When it was reported to").
    when = "When you reported it to"

    def __init__(self, label: str = "", validators: Any = None, **kwargs: Any) -> None:
        super().__init__(label, validators, **kwargs)
        #: What was typed, by choice and box.
        self.parts: dict[str, dict[str, str]] = {}
        #: The choices ticked, in the order offered, and each one's name for messages.
        self.ticked: list[str] = []
        self.names: dict[str, str] = {}
        #: The choice whose boxes are wrong, and which of its boxes.
        self.bad_choice = ""
        self.bad_parts: set[str] = set()

    def process(self, formdata: Any, data: Any = None, extra_filters: Any = None) -> None:
        self.process_errors = []
        self.data = {}
        self.parts = {}
        if formdata is None:
            return
        prefix = f"{self.name}-"
        for key in formdata:
            choice, _, part = key.removeprefix(prefix).rpartition("-")
            if key.startswith(prefix) and part in PARTS and choice:
                self.parts.setdefault(choice, {})[part] = formdata.get(key, "").strip()[:_KEPT]
        self.raw_data = [" ".join(p.values()) for p in self.parts.values() if any(p.values())]

    @property
    def anchor(self) -> str:
        """Where the error summary links: the box to mend (the first ticked one's month
        when the core refused a month)."""
        choice = self.bad_choice or next(iter(self.ticked), "")
        return f"#{self.name}-{choice}-{sorted(self.bad_parts or {'month'}, key=PARTS.index)[0]}"

    def month_of(self, choice: str) -> date | None:
        """The first day of the month given for ``choice``, if one was (and is right)."""
        parts = self.parts.get(choice, {})
        try:
            return date(int(parts["year"]), int(parts["month"]), 1)
        except (KeyError, ValueError):
            return None

    def in_words(self) -> str:
        """The month given with each choice ticked, one to a line in the order offered:
        "Northshire Police, May 2026" (nothing for a choice without one)."""
        return "\n".join(
            f"{whom[:1].upper()}{whom[1:]}, {month:%B %Y}"
            for choice in self.ticked
            if (month := self.month_of(choice)) is not None
            for whom in [self.names.get(choice, choice)]
        )

    def pre_validate(self, form: Any) -> None:
        for choice in self.ticked:
            problem = self._problem(choice)
            if problem:
                self.bad_choice = choice
                raise ValidationError(problem)

    def _problem(self, choice: str) -> str:
        parts = {p: self.parts.get(choice, {}).get(p, "") for p in PARTS}
        whom = self.names.get(choice, "them")
        missing = [p for p in PARTS if not parts[p]]
        if len(missing) == len(PARTS):
            return ""
        if missing:
            self.bad_parts = set(missing)
            return f"{self.when} {whom} must include a {missing[0]}"
        month, year = parts["month"], parts["year"]
        if not is_digits(month) or not 1 <= int(month) <= 12:
            self.bad_parts = {"month"}
            return f"{self.when} {whom}: enter the month as a number from 1 to 12"
        if not is_digits(year) or len(year) != 4:
            self.bad_parts = {"year"}
            return f"{self.when} {whom}: enter the year in 4 numbers, like 2026"
        if date(int(year), int(month), 1) > clock.today().replace(day=1):
            self.bad_parts = set(PARTS)
            return f"{self.when} {whom} must be this month or before"
        return ""


def reported(
    ticked: list[str], names: dict[str, str], other: str, when: MonthsField
) -> tuple[ReportedTo, ...]:
    """The answers as the core takes them: each choice ticked, in the order offered, with
    its month; someone else in the applicant's words."""
    return tuple(
        ReportedTo(
            agency=choice,
            name=other.strip() if choice == SOMEONE_ELSE else names.get(choice, choice),
            month=when.month_of(choice),
        )
        for choice in ticked
    )


def reported_line(report: ReportedTo) -> str:
    """Who an applicant reported it to, and when if they said: "Northshire Police, May
    2026"; "Someone else: the GP surgery"."""
    who = f"Someone else: {report.name}" if report.someone_else else report.name
    return f"{who}, {report.month:%B %Y}" if report.month else who


#: For the templates: each line of "who have you reported it to?", and the sealed answer
#: (opened by the lead's page) as those lines' reports.
FILTERS = {"reported_line": reported_line, "reports": reports_of}
