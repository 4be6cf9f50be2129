"""Every error message a form writes reads as a sentence of its own, as GOV.UK's error
messages do: each select, radios, checkboxes and date says in its own words what to do
("Select who the letter is for", "The date and time the incident happened must be a real
date and time"), never a question label pasted into a sentence ("Choose who is the letter
for? from the list"). A choice not made says "Select …" whoever refuses it: the form, or
the core behind it, first in the message or further on ("That sitting is cancelled: select
another"); a date or time typed says "enter" (read from the source, so that a "choose"
cannot come back)."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from flask import Flask
from wtforms import Form, TextAreaField
from wtforms.validators import Length

from hub.choice_fields import _ChoiceBase
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit, leaf_fields, subject_of
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


ROOT = Path(__file__).parents[2]
#: Words that begin "Choose" and refuse no choice: the figures' period is two months typed.
_NOT_A_CHOICE = ("Choose one month, a quarter",)


def _text(node: ast.AST) -> str | None:
    """The words a string in the source says (an f-string's, each value as "{}")."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(str(v.value) if isinstance(v, ast.Constant) else "{}" for v in node.values)
    return None


#: "Choose" as a word, anywhere in what a string says: "Choose a ward", and "That
#: sitting is cancelled: choose another".
_CHOOSE = re.compile(r"\bchoose\b", re.IGNORECASE)


def _choose_words(source: str) -> list[tuple[int, str]]:
    """(line, words) of each string in the source that says "choose", first or further
    on ("That sitting is cancelled: choose another"): a refusal, a field's error or a
    page's message, wherever it is raised or returned from. Not an
    option's own label (``blank=``, or the pair ``("", "Choose a ward")``: the first
    option of a select), a docstring, or words that refuse no choice (``_NOT_A_CHOICE``)."""
    tree = ast.parse(source)
    not_said: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr):
            not_said.update(id(part) for part in node.values)
        elif isinstance(node, ast.keyword) and node.arg == "blank":
            not_said.add(id(node.value))
        elif isinstance(node, ast.Tuple) and len(node.elts) == 2 and _text(node.elts[0]) == "":
            not_said.add(id(node.elts[1]))
        elif (
            isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
            and node.body
            and isinstance(node.body[0], ast.Expr)
        ):
            not_said.add(id(node.body[0].value))
    found = []
    for node in ast.walk(tree):
        said = _text(node) if id(node) not in not_said else None
        if said and _CHOOSE.search(said) and not said.startswith(_NOT_A_CHOICE):
            found.append((getattr(node, "lineno", 0), said))
    return found


def test_no_refusal_of_the_core_or_the_hub_says_choose_for_a_choice() -> None:
    """A choice not made or not one of those offered says "Select …" wherever it is
    refused: by the form, or by the core behind it (``InputError("owner_agency_id",
    "Select an agency in the partnership")``), so that one form never says "Select" for
    one refusal and "Choose" for another."""
    found = [
        f"{path.relative_to(ROOT)}:{line}: {said}"
        for package in ("sharing", "hub")
        for path in sorted((ROOT / package).rglob("*.py"))
        for line, said in _choose_words(path.read_text())
    ]
    assert found == []


@pytest.mark.parametrize(
    ("source", "found"),
    [
        ('raise InputError("ward_id", "Choose a ward in your area")', "Choose a ward in your area"),
        (
            'raise InputError("reason", f"Choose why {what} is cancelled")',
            "Choose why {} is cancelled",
        ),
        ('form.file.errors = ["Choose the CSV file"]', "Choose the CSV file"),
        ('x = InputRequired("Choose the priority")', "Choose the priority"),
        ('def refusal():\n    x = 1\n    return "Choose the new chair"', "Choose the new chair"),
        ('return [("band", "Choose the band")]', "Choose the band"),
        ('f = EnumSelectField("Category", blank="Choose a category", message="Select")', None),
        ('form.ward_id.choices = [("", "Choose a ward"), *wards]', None),
        ('def view():\n    """Choose a letter and who it is for."""', None),
        ('raise InputError("to", "Choose one month, a quarter or a year")', None),
        (
            'raise InputError("x", "That sitting is cancelled: choose another")',
            "That sitting is cancelled: choose another",
        ),
        (
            'raise InputError("to", f"{name} is not invited: invite it, or choose another")',
            "{} is not invited: invite it, or choose another",
        ),
        ('x = ("a sitting to come: " "choose one")', "a sitting to come: choose one"),
        ('x = "Chooses nothing, chosen nothing"', None),
    ],
)
def test_the_walk_finds_each_message_saying_choose_and_no_option_or_docstring(
    source: str, found: str | None
) -> None:
    line = source.count("\n") + 1
    assert _choose_words(source) == ([(line, found)] if found else [])
