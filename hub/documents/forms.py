"""The attach-a-file form. ``sharing.cases.documents`` checks every field again, and the
file by its content."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from hub.choice_fields import ChoiceField, EnumSelectField
from hub.forms import HubForm, TextLimit
from sharing.cases.documents import CATEGORY_CHOICES, MAX_DESCRIPTION
from sharing.vocabulary import DocumentKind, Marking


class AttachForm(HubForm):
    #: Flask-WTF's: a file, or None (text sent in its place is not one). The choices the
    #: file needs are required here too, so that all that is missing is said at once.
    file = FileField("The file", validators=[FileRequired("Select the file to attach")])
    kind = EnumSelectField(
        "What is it?",
        DocumentKind,
        validators=[InputRequired("Select what the file is")],
        message="Select what the file is",
    )
    category = ChoiceField(
        "Who may see it?", choices=list(CATEGORY_CHOICES.items()), message="Select who may see it"
    )
    marking = EnumSelectField(
        "Protective marking",
        Marking,
        validators=[InputRequired("Select the file's protective marking")],
        message="Select the file's protective marking",
    )
    about = ChoiceField("What is it about?", message="Select what it is about")
    description = TextAreaField(
        "Description (optional)",
        validators=[TextLimit(MAX_DESCRIPTION, "the description")],
    )


class MarkingForm(HubForm):
    marking = EnumSelectField(
        "Protective marking", Marking, message="Select the file's protective marking"
    )
