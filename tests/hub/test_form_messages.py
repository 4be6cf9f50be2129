"""Every error message a form writes reads as a sentence of its own, as GOV.UK's error
messages do: each select, radios, checkboxes and date says in its own words what to do
("Select who the letter is for", "The date and time the incident happened must be a real
date and time"), never a question label pasted into a sentence ("Choose who is the letter
for? from the list")."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from wtforms import Form, TextAreaField
from wtforms.validators import Length

from hub.forms import DateInputField, HubForm, TextLimit, _ChoiceBase, leaf_fields, subject_of
from tests.fixtures.app import csrf_token


def _classes(base: type) -> list[type]:
    found = []
    for sub in base.__subclasses__():
        found.extend([sub, *_classes(sub)])
    return found


def _forms(app: Flask) -> list[Form]:
    """An instance of every form class of the app (the app's modules are imported)."""
    with app.test_request_context():
        return [form() for form in dict.fromkeys(_classes(HubForm)) if form.__module__ != __name__]


def test_every_choice_and_date_of_every_form_says_what_to_do_in_its_own_words(
    app: Flask,
) -> None:
    forms = _forms(app)
    assert len(forms) > 40
    for form in forms:
        for field in leaf_fields(form):
            where = f"{type(form).__name__}.{field.name}"
            if isinstance(field, _ChoiceBase):
                assert re.fullmatch(r"Select [^?]+", field.message), where
                assert "from the list" not in field.message, where
            if isinstance(field, DateInputField):
                assert re.fullmatch(r"(The|\{Whose\}) [^?]+", field.subject), where


#: Boxes that take what is pasted whole (a key, a signature), and the public application,
#: whose every page is checked by the core at once (``input_checks.problems_in``).
_UNLIMITED = {"RegisterKeyForm.public_key", "CosignForm.signature"}
_CHECKED_BY_THE_CORE = {"ApplyForm"}


def test_every_text_area_of_every_form_has_its_limit_naming_it(app: Flask) -> None:
    for form in _forms(app):
        if type(form).__name__ in _CHECKED_BY_THE_CORE:
            continue
        for field in leaf_fields(form):
            where = f"{type(form).__name__}.{field.name}"
            limits = [v for v in field.validators if isinstance(v, TextLimit)]
            if isinstance(field, TextAreaField) and where not in _UNLIMITED:
                assert limits, where
            for length in field.validators:
                if isinstance(length, Length) and not isinstance(length, TextLimit):
                    assert length.message, where  # not WTForms' "Field cannot be longer..."
            for limit in limits:
                assert limit.max > 0, where
                assert re.fullmatch(
                    r"(the|what|why|how|\{Whose\}|\u201c)[^?]*", limit.what, re.I
                ), where


@pytest.mark.parametrize(
    ("label", "subject"),
    [
        ("Postcode", "Postcode"),
        ("Video link (optional)", "Video link"),
        ("What is happening?", "The answer to \u201cWhat is happening?\u201d"),
        (
            "UPRN (unique property reference number), if known",
            "The answer to \u201cUPRN (unique property reference number), if known\u201d",
        ),
    ],
)
def test_a_text_box_is_named_in_a_sentence_whatever_its_label(label, subject) -> None:
    assert subject_of(label) == subject


def test_the_pages_say_what_to_select_and_which_date_is_wrong(as_user, create_user, create_case):
    officer = create_user("case_officer")
    case = create_case(officer=officer)
    client = as_user(user=officer)
    page = client.post(
        f"/cases/{case.id}/incidents/new",
        data={
            "csrf_token": csrf_token(client, f"/cases/{case.id}/incidents/new"),
            "occurred_at-day": "31",
            "occurred_at-month": "2",
            "occurred_at-year": "2026",
            "occurred_at-hour": "25",
            "occurred_at-minute": "61",
            "description": "Shouting on the stairs\x1b",
            "received_by": "999999",
        },
    ).get_data(as_text=True)
    assert "The date and time the incident happened must be a real date and time" in page
    assert "Select which agency received the report" in page
    assert "The answer to &ldquo;What happened?&rdquo; must not contain control" in page or (
        "The answer to \u201cWhat happened?\u201d must not contain control" in page
    )
    assert "from the list" not in page
    assert "When did it happen? must" not in page
