"""The forms that end a case's life in the hub: closing it (``CloseForm``, in the words of
the case's agency), the closure survey (``survey_form``, a question for each of the
survey file's) and erasing it (``EraseForm``). The core checks again."""

from __future__ import annotations

from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired

from hub.choice_fields import EnumSelectField
from hub.forms import HubForm, TextLimit
from sharing.cases import survey
from sharing.cases.closing import MAX_CLOSING_NOTE
from sharing.cases.survey import Survey
from sharing.vocabulary import (
    AgencyType,
    ClosureOutcome,
    ClosureReason,
    Intervention,
    Satisfaction,
    SurveyChannel,
)


class CloseForm(HubForm):
    reason = EnumSelectField(
        "Why are you closing the case?",
        ClosureReason,
        validators=[InputRequired("Select why you are closing the case")],
        message="Select why you are closing the case",
    )
    outcome = EnumSelectField(
        "Was the anti-social behaviour resolved?",
        ClosureOutcome,
        message="Select whether the anti-social behaviour was resolved",
    )
    resolved_by = EnumSelectField(
        "Which action mainly resolved it?",
        Intervention,
        blank="Choose the main action",
        message="Select which action mainly resolved it",
    )
    note = TextAreaField(
        "Anything else the record should say", validators=[TextLimit(MAX_CLOSING_NOTE, "The note")]
    )

    def offer_for(self, agency_type: AgencyType) -> None:
        """The reasons in the words of the case's agency, and only the actions it can have
        resolved the case by (a landlord's tenancy actions for a landlord only)."""
        self.reason.choices = [(r.value, r.said_by(agency_type)) for r in ClosureReason]
        self.resolved_by.choices = [
            ("", "Choose the main action"),
            *((i.value, i.label) for i in Intervention.open_to(agency_type)),
        ]


class SurveyForm(HubForm):
    """How the closure survey was offered; the answers' fields are added per question
    (``answer_<question id>``) from the survey file."""

    channel = EnumSelectField(
        "How was the survey offered?", SurveyChannel, message="Select how the survey was offered"
    )
    comment = TextAreaField(
        "Anything the complainant said about how the case was handled (optional)",
        validators=[TextLimit(survey.MAX_COMMENT, "The comment")],
    )


def survey_form(survey: Survey) -> type[SurveyForm]:
    """The survey form with a question on the five-point scale for each of ``survey``'s
    questions, named ``answer_<question id>``."""
    questions = {
        f"answer_{q.id}": EnumSelectField(
            q.text, Satisfaction, message="Select how satisfied they were"
        )
        for q in survey.questions
    }
    return type("AnsweredSurveyForm", (SurveyForm,), questions)


class EraseForm(HubForm):
    reference = StringField(
        "Type the case reference to confirm",
        validators=[DataRequired("Type the case reference to confirm")],
    )
    with_people = BooleanField(
        "Also erase the people on this case, or taken off it, who are on no other case"
    )
