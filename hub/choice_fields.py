"""The hub's choice fields (selects, radios and checkboxes, drawn by the GOV.UK macros in
``_fields.html``), each saying in its own words what to do when no option offered is
chosen; the people they offer, grouped by agency; and each option's label by its value."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from itertools import groupby
from typing import Any

from wtforms import Field
from wtforms.fields.choices import SelectFieldBase
from wtforms.validators import ValidationError

from sharing.models import User


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


def choice_labels(field: Field) -> dict[str, str] | None:
    """Each option of a choice field (select, radios, checkboxes) by its value, with the
    label the form shows for it; None for a field without options."""
    if isinstance(field, _ChoiceBase):
        return {str(value): str(label) for value, label in field.choices}
    if isinstance(field, SelectFieldBase):
        return {str(value): str(label) for value, label, *_ in field.iter_choices()}
    return None
