"""The attach-a-file form. ``sharing.cases.documents`` checks every field again, and the
file by its content."""

from __future__ import annotations

from wtforms import FileField, TextAreaField
from wtforms.validators import Length

from hub.forms import ChoiceField, EnumSelectField, HubForm
from sharing.cases.documents import CATEGORY_CHOICES, MAX_DESCRIPTION
from sharing.vocabulary import DocumentKind


class AttachForm(HubForm):
    file = FileField("The file")
    kind = EnumSelectField("What is it?", DocumentKind)
    category = ChoiceField("Who may see it?", choices=list(CATEGORY_CHOICES.items()))
    about = ChoiceField("What is it about?")
    description = TextAreaField(
        "Description (optional)",
        validators=[
            Length(
                max=MAX_DESCRIPTION,
                message=f"The description must be {MAX_DESCRIPTION} characters or fewer",
            )
        ],
    )
