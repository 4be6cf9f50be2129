"""The standard letter form. ``sharing.cases.standard_letters`` checks every field again."""

from __future__ import annotations

from wtforms import BooleanField, HiddenField, TextAreaField

from hub.choice_fields import ChoiceField
from hub.forms import HubForm, TextLimit
from sharing.cases.standard_letters import MAX_DETAILS


class StandardLetterForm(HubForm):
    letter = ChoiceField("Which letter?", message="Select which letter")
    person = ChoiceField("Who is it for?", message="Select who the letter is for")
    details = TextAreaField(
        "Details for the letter", validators=[TextLimit(MAX_DETAILS, "the details for the letter")]
    )
    large_print = BooleanField("Large print")
    plain = BooleanField("Plain language")
    #: "y" once the officer has seen a preview: the two boxes then say what they chose,
    #: rather than following the person's adjustments.
    formats_chosen = HiddenField()
