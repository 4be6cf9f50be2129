"""Forms for risk pages. The assessment itself is built from the matrix version in use
(``AssessmentDraft``); its checks are the core's (``sharing.risk.assessments``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from wtforms import TextAreaField
from wtforms.validators import DataRequired, InputRequired

from hub.choice_fields import EnumSelectField
from hub.forms import HubForm, TextLimit
from sharing.formats import whole_number
from sharing.risk.assessments import MAX_REASON, AssessmentInput
from sharing.risk.matrix import Matrix
from sharing.vocabulary import AssessmentStage, Priority, RiskBand, Triage

E = TypeVar("E", AssessmentStage, RiskBand)

#: The assessment's pages, in order: who and when, the three sections, the band, then
#: check your answers.
STEPS = ("person", "history", "vulnerability", "support", "band", "check")
ANSWER = "answer-"


@dataclass
class AssessmentDraft:
    """An assessment being filled in, carried from page to page in the form itself
    (hidden fields), so nothing is stored until the officer saves it."""

    values: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_form(cls, form: Mapping[str, str], matrix: Matrix) -> AssessmentDraft:
        names = {"person_id", "stage", "version", "band", "adjustment_reason", "support_needs"}
        names |= {ANSWER + q.id for q in matrix.questions}
        # Answers to questions another version asked are kept, so the core can say so.
        names |= {k for k in form if k.startswith(ANSWER)}
        return cls({k: form[k].strip() for k in names if k in form})

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def hidden(self, shown: set[str]) -> list[tuple[str, str]]:
        """The values not on the page being shown, as hidden fields."""
        return sorted((k, v) for k, v in self.values.items() if k not in shown and v)

    def form_problems(self) -> list[tuple[str, str]]:
        """What the page's own choices hold that is none of them (a band not offered)."""
        if self.get("band") and _member(RiskBand, self.get("band")) is None:
            return [("band", "Select the band, or leave it as the score gives")]
        return []

    def to_input(self) -> AssessmentInput:
        return AssessmentInput(
            person_id=whole_number(self.get("person_id")),
            stage=_member(AssessmentStage, self.get("stage")),
            matrix_version=whole_number(self.get("version")),
            answers={
                k.removeprefix(ANSWER): v
                for k, v in self.values.items()
                if k.startswith(ANSWER) and v
            },
            band=_member(RiskBand, self.get("band")),
            adjustment_reason=self.get("adjustment_reason"),
            support_needs=self.get("support_needs"),
        )


def _member(enum: type[E], value: str) -> E | None:
    try:
        return enum(value) if value else None
    except ValueError:
        return None


def field_of(problem_field: str) -> str:
    """The page field a core problem is about (question ids are prefixed)."""
    if problem_field in {
        "person_id",
        "stage",
        "version",
        "band",
        "adjustment_reason",
        "support_needs",
    }:
        return problem_field
    return ANSWER + problem_field


def step_of(name: str, matrix: Matrix) -> str:
    """The page a field is on."""
    if name in ("person_id", "stage", "version"):
        return "person"
    if name.startswith(ANSWER):
        question = matrix.question(name.removeprefix(ANSWER))
        return question.section if question else "history"
    return "band"


class TriageForm(HubForm):
    priority = EnumSelectField(
        "Priority (harm-centred)",
        Priority,
        validators=[InputRequired("Select the priority")],
        message="Select the priority",
    )
    triage = EnumSelectField(
        "How serious is the report?",
        Triage,
        validators=[InputRequired("Select how serious the report is")],
        message="Select how serious the report is",
    )
    reason = TextAreaField(
        "Why are you changing it?",
        validators=[
            DataRequired("Say why you are changing the triage"),
            TextLimit(MAX_REASON, "the reason"),
        ],
    )


class ConsiderationForm(HubForm):
    note = TextAreaField(
        "What did you decide?",
        validators=[
            DataRequired("Say what you decided about the escalation"),
            TextLimit(MAX_REASON, "the note"),
        ],
    )
