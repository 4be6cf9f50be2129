"""The privacy notice and the accessibility statement: public pages, linked from the
footer of every page (public and staff) and from the public pages that ask for personal
data, saying the partnership's own words from its statements file (the controller, its
data protection officer, how long data is kept, whom to contact about accessibility, the
enforcement procedure); the file's problems are named at their line and key."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from flask import Flask

from hub.cli import main
from sharing.statements import StatementsInvalid, load_statements, parse_statements
from sharing.vocabulary import Role
from tests.fixtures.app import make_app
from tests.fixtures.demo import demo_client, demo_user

SHIPPED = Path(__file__).parents[2] / "config" / "northshire-statements.toml"
DEMO = load_statements(SHIPPED)
PRIVACY = '<a class="govuk-footer__link" href="/privacy">Privacy notice</a>'
ACCESSIBILITY = '<a class="govuk-footer__link" href="/accessibility">Accessibility statement</a>'


@pytest.fixture
def hub(tmp_path: Path) -> Flask:
    return make_app(tmp_path)


def test_anyone_reads_the_privacy_notice_in_the_partnerships_own_words(hub) -> None:
    page = hub.test_client().get("/privacy")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    privacy = DEMO.privacy
    for words in (
        f"{privacy.controller} is the data controller",
        privacy.controller_contact,
        privacy.data_protection_officer,
        privacy.application_kept,
        privacy.survey_kept,
        "Anti-social Behaviour, Crime and Policing Act 2014",
        "the Office of the Northshire Police and Crime Commissioner",  # the appeal body
        "Information Commissioner",
        "2 November 2026",
    ):
        assert words in text
    assert "Sign in" not in text  # the public are not led to signing in


def test_anyone_reads_the_accessibility_statement_in_the_partnerships_own_words(hub) -> None:
    page = hub.test_client().get("/accessibility")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    accessibility = DEMO.accessibility
    for words in (
        accessibility.contact,
        accessibility.enforcement,
        *accessibility.known_issues,
        "partially compliant",
        "Enforcement procedure",
        "How we tested this website",
        "26 October 2026",
        "axe-core",
        "with the keyboard alone",
    ):
        assert words in text


def test_every_page_links_to_both_from_its_footer(demo_hub, demo_session) -> None:
    public = demo_hub.test_client()
    staff = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    pages = [
        public.get("/sign-in"),
        public.get("/community-trigger"),
        public.get("/community-trigger/apply"),  # the first question
        public.get("/closure-survey/no-such-link", follow_redirects=True),  # "does not work"
        public.get("/privacy"),
        staff.get("/"),
        staff.get("/trigger"),
        staff.get("/cases/999999"),  # an error page
    ]
    for response in pages:
        text = response.get_data(as_text=True)
        assert PRIVACY in text, response.request.path
        assert ACCESSIBILITY in text, response.request.path


def test_the_public_pages_asking_for_personal_data_link_to_the_privacy_notice(hub) -> None:
    start = hub.test_client().get("/community-trigger").get_data(as_text=True)
    main_content = start[start.index('id="main-content"') : start.index("govuk-footer")]
    assert 'href="/privacy">privacy notice</a>' in main_content


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'controller = "Northshire Council"',
            "",
            'privacy.controller: missing required key "controller"',
        ),
        (
            "updated_on = 2026-11-02",
            'updated_on = "last year"',
            "privacy.updated_on: expected a date",
        ),
        (
            "tested_on = 2026-10-26",
            "tested_on = 2026-12-26",
            "accessibility.prepared_on: 2026-11-02 is before the test it reports",
        ),
        (
            "[accessibility]",
            "[accessibilty]",
            'unknown key "accessibilty" (did you mean "accessibility"?)',
        ),
        ("enforcement = ", "enforcment = ", 'accessibility.enforcment: unknown key "enforcment"'),
        (
            'controller = "Northshire Council"',
            'controller = "' + "N" * 201 + '"',
            "privacy.controller: is 201 characters long",
        ),
    ],
)
def test_each_mistake_in_the_statements_file_is_named_with_its_line_and_key(
    old: str, new: str, expected: str
) -> None:
    text = SHIPPED.read_text()
    assert old in text
    text = text.replace(old, new, 1)
    with pytest.raises(StatementsInvalid) as refused:
        parse_statements(text, "s.toml")
    problems = [str(p) for p in refused.value.problems]
    found = next((p for p in problems if expected in p), None)
    assert found is not None, problems
    assert found.startswith("s.toml:")


def test_a_file_without_its_tables_names_both() -> None:
    with pytest.raises(StatementsInvalid) as refused:
        parse_statements('title = "ours"\n', "s.toml")
    problems = " ".join(str(p) for p in refused.value.problems)
    assert "missing required table [privacy]" in problems
    assert "missing required table [accessibility]" in problems


def test_the_hub_does_not_start_with_a_statements_file_with_a_problem(tmp_path: Path) -> None:
    broken = tmp_path / "statements.toml"
    broken.write_text(SHIPPED.read_text().replace("[accessibility]", "[access]"))
    with pytest.raises(StatementsInvalid):
        make_app(tmp_path, statements=str(broken))


def test_hub_statements_check_names_each_problem(tmp_path: Path) -> None:
    broken = tmp_path / "statements.toml"
    broken.write_text(SHIPPED.read_text().replace("tested_on = 2026-10-26", "tested_on = soon"))
    runner = CliRunner()
    refused = runner.invoke(main, ["statements", "check", str(broken)])
    assert refused.exit_code == 1
    assert f"{broken}:" in refused.output
    passed = runner.invoke(main, ["statements", "check", str(SHIPPED)])
    assert passed.exit_code == 0, passed.output
    assert "1 file(s) checked: no problems" in passed.output
