"""The closure survey as the complainant meets it, errors included: its pages and its error
pages (a link that does not work, an address under it that does not exist, an answer sent
without its security token, too many answers from one address, the 500 and the 503) are
the survey's own, without the staff pages' marking or any way to the staff's pages, and
its too-many page is its own, not the Community Trigger form's."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import delete
from sqlalchemy.orm import Session

from hub.logs import WithoutLinkTokens
from sharing.models import PublicFormUse
from tests.fixtures.app import DATABASE_UNREACHABLE, csrf_token

SURVEY_NAME = "Tell us how your report was dealt with"


@pytest.fixture(autouse=True)
def _fresh_limits(request: pytest.FixtureRequest) -> None:
    if "demo_session" in request.fixturenames:
        session: Session = request.getfixturevalue("demo_session")
        session.execute(delete(PublicFormUse))
        session.commit()


def _in_the_surveys_layout(page: str) -> None:
    assert "OFFICIAL-SENSITIVE" not in page
    assert "information sharing protocol" not in page
    assert f'<span class="hub-header__name">{SURVEY_NAME}</span>' in page
    assert re.search(rf"<title>[^<]*– {SURVEY_NAME}\s*</title>", page)
    # Nothing of the staff's pages, nor of the Community Trigger form.
    assert "Go to your home page" not in page
    assert "your agency" not in page
    assert "/auth/sign-in" not in page
    assert "Ask for an anti-social behaviour case review" not in page
    assert "Go to the start of the application" not in page


def test_a_link_that_does_not_work_and_an_address_that_does_not_exist_are_the_surveys_own(
    demo_hub, demo_session
) -> None:
    client = demo_hub.test_client()
    for path in ("/closure-survey/not-a-real-link", "/closure-survey/not/a/page"):
        response = client.get(path, follow_redirects=True)
        assert response.status_code == 404
        page = response.get_data(as_text=True)
        _in_the_surveys_layout(page)
        assert "contact the officer who dealt with it" in page
    assert "This survey link does not work" in client.get(
        "/closure-survey/x", follow_redirects=True
    ).get_data(as_text=True)
    # The survey's address, opened with no link (from the history, say), is the same.
    assert "This survey link does not work" in client.get("/closure-survey").get_data(as_text=True)
    # A staff page's 404 keeps the staff pages' marking and leads home.
    staff = client.get("/cases/no-such-page", follow_redirects=True).get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in staff


def test_the_thank_you_page_opened_without_answering_is_the_surveys_page_not_found(
    demo_hub,
) -> None:
    response = demo_hub.test_client().get("/closure-survey/thank-you")
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "We have your answers" not in page
    assert "Page not found" in page
    _in_the_surveys_layout(page)


def test_answers_sent_without_the_security_token_are_refused_in_the_surveys_own_page(
    demo_hub,
) -> None:
    response = demo_hub.test_client().post("/closure-survey", data={"comment": "x"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    _in_the_surveys_layout(page)
    assert "nothing was saved" in page


def test_too_many_answers_from_one_address_say_so_in_the_surveys_own_words(
    demo_hub, demo_session
) -> None:
    client = demo_hub.test_client()
    path = "/closure-survey"
    token = csrf_token(client, "/community-trigger/apply")  # one token a browser session
    statuses = [client.post(path, data={"csrf_token": token}).status_code for _ in range(61)]
    assert statuses[:60] == [404] * 60
    assert statuses[-1] == 429
    page = client.post(path, data={"csrf_token": token}).get_data(as_text=True)
    _in_the_surveys_layout(page)
    assert '<h1 class="govuk-heading-l">Too many answers from here</h1>' in page
    assert "application" not in page.lower()
    assert "Nothing you sent just now was saved" in page


def test_the_surveys_500_and_503_pages_are_its_own(app: Flask, tmp_path: Path) -> None:
    client = app.test_client()
    questions = app.extensions.pop("hub.closure_survey")  # a fault the page did not expect
    try:
        broken = client.get("/closure-survey/some-link", follow_redirects=True)
    finally:
        app.extensions["hub.closure_survey"] = questions
    assert broken.status_code == 500
    _in_the_surveys_layout(broken.get_data(as_text=True))

    database = tmp_path / "hub.sqlite3"
    moved = tmp_path / "away.sqlite3"
    app.extensions["hub.engine"].dispose()
    database.rename(moved)
    try:
        gone = client.get("/closure-survey/some-link", follow_redirects=True)
        assert gone.status_code == 503
        page = gone.get_data(as_text=True)
        assert DATABASE_UNREACHABLE in page
        _in_the_surveys_layout(page)
    finally:
        app.extensions["hub.engine"].dispose()
        database.unlink()
        moved.rename(database)


def test_the_development_servers_request_lines_leave_the_links_token_out() -> None:
    """The survey's link is the complainant's key to it, as a link to set a password is:
    the request lines the development server logs keep neither (``/closure-survey/…``)."""
    for path, status in (
        ("/closure-survey/s3cr3t-T0ken_x", "302"),
        ("/closure-survey", "200"),
        ("/closure-survey/thank-you", "200"),
    ):
        record = logging.LogRecord(
            "werkzeug",
            logging.INFO,
            __file__,
            1,
            '%s - - [%s] "%s" %s %s',
            ("127.0.0.1", "05/Dec/2026", f"POST {path}?x=1 HTTP/1.1", status, "-"),
            None,
        )
        assert WithoutLinkTokens().filter(record)
        assert "s3cr3t" not in record.getMessage()
        kept = path if not path.endswith("T0ken_x") else "/closure-survey/…"
        assert f"POST {kept}?x=1 HTTP/1.1" in record.getMessage()
