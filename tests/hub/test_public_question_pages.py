"""The public application's question pages as the applicant reads them: a question is
shown once on its page (a page asking one question by its choices has it as its heading,
in the choices' legend, GOV.UK's pattern; elsewhere the legend that says it again is for
screen readers alone, as on "who have you reported it to?"), and the question about what
is happening asks how it affects the person it is about: "you" applying for yourself,
"them" applying for someone else, never "you or them"; "check your answers" has its Back
link too."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import delete
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from sharing.models import PublicFormUse
from tests.hub.test_public_application import _walk


@pytest.fixture(autouse=True)
def _fresh_limits(demo_session: Session):
    demo_session.execute(delete(PublicFormUse))
    demo_session.commit()


def _shown(page: str) -> str:
    """The page's main words as seen: without what only a screen reader reads."""
    main = page[page.index("<main") : page.index("</main>")]
    seen = re.sub(r'<(\w+) class="[^"]*govuk-visually-hidden[^"]*">.*?</\1>', "", main, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", seen))


@pytest.mark.parametrize(
    "question", ["Are you applying for yourself?", "Who has suffered the anti-social behaviour?"]
)
def test_a_question_of_choices_is_shown_once_on_its_page(demo_hub, question) -> None:
    pages: list[str] = []
    _walk(demo_hub.test_client(), pages)
    heading = rf"<legend[^>]*>\s*<h1 class=\"govuk-fieldset__heading\">\s*{re.escape(question)}"
    (page,) = [p for p in pages if re.search(heading, p)]
    assert _shown(page).count(question) == 1
    assert page.count("<h1") == 1


@pytest.mark.parametrize(
    ("overrides", "asked", "not_asked"),
    [
        ({}, "What is happening, and how is it affecting you?", "you or them"),
        (
            {
                "on_behalf": "family",
                "applicant_name": "Sam",
                "applicant_contact": "sam@example.org",
                "consent_recorded": "y",
            },
            "What is happening, and how is it affecting them?",
            "you or them",
        ),
    ],
)
def test_what_is_happening_asks_how_it_affects_the_person_it_is_about(
    demo_hub, overrides, asked, not_asked
) -> None:
    pages: list[str] = []
    _, check = _walk(demo_hub.test_client(), pages, **overrides)
    (page,) = [p for p in pages if 'name="step" value="problem"' in p]
    for shown in (_shown(page), _shown(check.get_data(as_text=True))):
        assert asked in shown.replace("&#39;", "'")
        assert not_asked not in shown


def test_check_your_answers_has_a_back_link_to_the_last_question_with_the_answers_kept(
    demo_hub,
) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client)
    page = check.get_data(as_text=True)
    assert "Check your answers" in page
    back_form = page[page.index("<form") : page.index("</form>")]
    assert ">Back</button>" in back_form
    data = MultiDict(
        [
            (m.group(1), html.unescape(m.group(2)))
            for m in re.finditer(r'name="([^"]+)" value="([^"]*)"', back_form)
        ]
    )
    back = client.post("/community-trigger/apply", data=data)
    assert back.status_code == 200
    last = back.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Who have you reported it to?</h1>' in last
    # The answers so far go on with the page, so nothing typed is lost going back.
    assert 'name="problem" value="' in last
    assert 'name="victim_family_name" value="Applicant-Test"' in last


def test_the_start_page_says_what_a_qualifying_complaint_is(demo_hub) -> None:
    """The rules (the procedure file's own words) count "qualifying" complaints: the page
    says what makes a complaint one, in the procedure's numbers."""
    page = demo_hub.test_client().get("/community-trigger").get_data(as_text=True)
    assert "Three qualifying complaints" in page
    assert (
        "A qualifying complaint is one made within a month of the behaviour it is about, "
        "and within the last 6 months." in page
    )
