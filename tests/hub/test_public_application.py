"""The public Community Trigger application as an applicant meets it (demo partnership, no
account): the start page, the questions, "check your answers", sending, and the reference;
a third party without the victim's consent, markup, or a flood of sends from one address
are refused, with nothing saved; the lead then sees the application."""

from __future__ import annotations

import html
import re
from dataclasses import replace
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from hub.app import create_app
from hub.config import load_settings
from hub.settings import ConfigError
from hub.templating import uk_date
from sharing import clock
from sharing.models import Agency, AuditEntry, PublicFormUse, TriggerApplication, TriggerLetter
from sharing.trigger import references
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import Role, TriggerChannel
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_copy, demo_user

EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"
PROBLEM = "Drug dealing from the flat opposite, with shouting and threats every night since May"


@pytest.fixture(autouse=True)
def _fresh_limits(demo_session: Session):
    demo_session.execute(delete(PublicFormUse))
    demo_session.commit()


ANSWERS: dict[str, str] = {
    "on_behalf": "self",
    "victim_kind": "person",
    "victim_given_names": "Robin",
    "victim_family_name": "Applicant-Test",
    "victim_address": "Flat 2, 7 Test Row",
    "victim_postcode": "NX1 1AA",
    "victim_email": "robin@example.org",
    "problem": PROBLEM,
}
_INPUT = re.compile(r"<input\b[^>]*>")
_ATTRIBUTE = re.compile(r'([a-z_-]+)="([^"]*)"')
_STEP = re.compile(r'name="step" value="([a-z]+)"')


def _hidden(page: str) -> list[tuple[str, str]]:
    """The hidden fields of the page's main form (its last form), as a browser sends them."""
    main = page[page.rindex("<form") :]
    found = []
    for tag in _INPUT.findall(main):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden":
            found.append((attributes["name"], html.unescape(attributes.get("value", ""))))
    return found


def _walk(
    client: FlaskClient, pages: list[str] | None = None, **overrides: str
) -> tuple[list[str], object]:
    """Answer the questions a page at a time, as the pages ask them (each page carrying
    the answers so far), until "check your answers" or a refusal; the steps walked and the
    last response (and each question's page in ``pages``, if given)."""
    answers = {**ANSWERS, **overrides}
    response = client.get("/community-trigger/apply")
    walked = []
    while True:
        page = response.get_data(as_text=True)
        step = _STEP.search(page)
        if response.status_code != 200 or step is None:
            return walked, response
        walked.append(step.group(1))
        if pages is not None:
            pages.append(page)
        data = dict(_hidden(page))
        fields = re.findall(r'name="((?:victim|applicant|on_behalf|consent|problem)[a-z_]*)"', page)
        for field in dict.fromkeys(fields):
            if field in answers and field not in dict(_hidden(page)):
                data[field] = answers[field]
        for box in _boxes([page]):  # a box left empty is sent empty, as a browser does
            data.setdefault(box, answers.get(box, ""))
        response = client.post("/community-trigger/apply", data=data)


def _send(client: FlaskClient, response) -> object:
    """Send from "check your answers"."""
    page = response.get_data(as_text=True)
    return client.post(
        "/community-trigger/apply", data=MultiDict([*_hidden(page), ("action", "send")])
    )


def _count(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(TriggerApplication))


def test_an_applicant_checks_their_answers_sends_and_gets_a_reference(
    demo_hub, demo_session
) -> None:
    client = demo_hub.test_client()
    start = client.get("/community-trigger")
    assert start.status_code == 200
    page = start.get_data(as_text=True)
    assert "Three qualifying complaints about the same problem" in page
    assert "Start now" in page
    before = _count(demo_session)
    walked, check = _walk(client)
    assert walked == ["who", "kind", "name", "born", "contact", "where", "problem", "reported"]
    assert check.status_code == 200, check.get_data(as_text=True)
    checked = check.get_data(as_text=True)
    assert "Check your answers" in checked
    assert PROBLEM in checked
    assert _count(demo_session) == before  # nothing saved before sending
    changed = client.post(
        "/community-trigger/apply", data=MultiDict([*_hidden(checked), ("change", "name")])
    )
    assert changed.status_code == 200
    assert 'value="Applicant-Test"' in changed.get_data(as_text=True)
    sent = _send(client, check)
    assert sent.status_code == 302, sent.get_data(as_text=True)
    assert sent.location.endswith("/community-trigger/apply/sent")
    done = client.get("/community-trigger/apply/sent").get_data(as_text=True)
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert application.reference in done
    assert application.channel is TriggerChannel.ONLINE
    assert application.recorded_by_id is None
    assert _count(demo_session) == before + 1
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.actor_user_id is None
    assert entry.basis == "channel online; by the victim"
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    assert application.reference in lead.get("/trigger").get_data(as_text=True)
    assert PROBLEM in lead.get(f"/trigger/{application.id}").get_data(as_text=True)


def _boxes(pages: list[str]) -> dict[str, str]:
    """Each box the applicant types in (not hidden), with its autocomplete attribute."""
    found = {}
    for page in pages:
        main = page[page.rindex("<form") :]
        for tag in re.findall(r"<(?:input|textarea)\b[^>]*>", main):
            attributes = dict(_ATTRIBUTE.findall(tag))
            if attributes.get("type") not in ("hidden", "radio", "checkbox"):
                found[attributes["name"]] = attributes.get("autocomplete", "")
    return found


def _titles(pages: list[str]) -> list[str]:
    """Each page's heading (a page of one question by its choices has it in its legend)."""
    return [
        re.search(
            r'<h1 class="govuk-(?:heading-l|fieldset__heading)">\s*([^<]*?)\s*</h1>', page
        ).group(1)
        for page in pages
    ]


def test_applying_for_yourself_the_boxes_say_they_ask_your_own_details(demo_hub) -> None:
    pages: list[str] = []
    _walk(demo_hub.test_client(), pages)
    boxes = _boxes(pages)
    # Who it was reported to, and when, is nothing a browser knows.
    reported = {box: boxes.pop(box) for box in list(boxes) if box.startswith("reported")}
    assert set(reported.values()) == {"off"}
    assert "reported_when-northshire-police-month" in reported
    assert boxes == {
        "victim_given_names": "given-name",
        "victim_family_name": "family-name",
        "victim_date_of_birth-day": "bday-day",
        "victim_date_of_birth-month": "bday-month",
        "victim_date_of_birth-year": "bday-year",
        "victim_address": "street-address",
        "victim_postcode": "postal-code",
        "victim_phone": "tel",
        "victim_email": "email",
        "problem": "",
    }
    titles = _titles(pages)
    assert "Your name" in titles
    assert "Your date of birth" in titles
    assert "How can we contact you?" in titles
    assert not any("Their" in title or "them" in title for title in titles)


def test_applying_for_someone_else_the_browser_does_not_fill_in_your_own_details(
    demo_hub,
) -> None:
    pages: list[str] = []
    _walk(
        demo_hub.test_client(),
        pages,
        on_behalf="carer",
        applicant_name="Sam Carer",
        applicant_contact="sam@example.org",
        consent_recorded="y",
    )
    boxes = _boxes(pages)
    assert boxes.pop("applicant_name") == "name"
    assert boxes.pop("applicant_address") == "street-address"  # their own, for letters
    assert boxes.pop("problem") == ""
    assert set(boxes.values()) == {"off"}
    titles = _titles(pages)
    assert "Their name" in titles
    assert "Their date of birth" in titles
    assert "How can we contact them?" in titles


def _letters(session: Session) -> int:
    session.expire_all()
    return session.scalar(select(func.count()).select_from(TriggerLetter))


def test_sending_the_application_twice_records_it_once_and_gives_the_first_reference(
    demo_hub, demo_session
) -> None:
    """A double click on "Send the application" (the browser drops the first answer and
    shows the second), or Back and sending the same answers again: one application, one
    acknowledgement, and the confirmation gives the first reference again."""
    client = demo_hub.test_client()
    before, letters_before = _count(demo_session), _letters(demo_session)
    _, check = _walk(client)
    page = check.get_data(as_text=True)
    assert 'data-prevent-double-click="true"' in page
    assert _send(client, check).status_code == 302
    sent = _count(demo_session)
    reference = demo_session.scalars(
        select(TriggerApplication.reference).order_by(TriggerApplication.id.desc())
    ).first()
    with client.session_transaction() as browser:  # the first answer never reached it
        browser.pop("trigger_reference")
    again = _send(client, check)
    assert again.status_code == 302
    assert again.location.endswith("/community-trigger/apply/sent")
    assert reference in client.get("/community-trigger/apply/sent").get_data(as_text=True)
    # Back through the pages, the same answers given and sent once more.
    _, check_again = _walk(client)
    assert _send(client, check_again).status_code == 302
    assert reference in client.get("/community-trigger/apply/sent").get_data(as_text=True)
    assert sent == before + 1
    assert _count(demo_session) == sent
    assert _letters(demo_session) == letters_before + 1  # one acknowledgement


def _applied(client: FlaskClient, **answers: str) -> str:
    """Apply on the public form; the reference the confirmation gives."""
    _, check = _walk(client, **answers)
    assert _send(client, check).status_code == 302
    done = client.get("/community-trigger/apply/sent").get_data(as_text=True)
    found = _REFERENCE.search(done)
    assert found is not None, done
    return found.group(0)


_REFERENCE = re.compile(rf"ASBR-\d{{4}}-[{references.REFERENCE_CHARACTERS}]{{6}}")


def test_an_applicants_references_do_not_say_whether_anyone_else_applied(
    demo_hub, demo_session
) -> None:
    """The brief: the form never reveals whether someone else applied. A reference that
    counted applications would: a neighbour applying between two of mine would show as a
    gap between my two numbers. Each is the year and a random code of six characters that
    cannot be misread (no 0 or O, no 1, I or L)."""
    mine = demo_hub.test_client()
    first = _applied(mine)
    neighbour = _applied(demo_hub.test_client())
    second = _applied(mine, problem=f"{PROBLEM}, and now graffiti on the door")
    assert len({first, neighbour, second}) == 3  # each reference a code of its own


def test_a_send_not_from_the_check_your_answers_page_shows_that_page_first(
    demo_hub, demo_session
) -> None:
    """Answers sent without this browser's "check your answers" page (a page of one's
    own, or a page from before a change) are shown for checking; nothing is saved."""
    client = demo_hub.test_client()
    before = _count(demo_session)
    _, check = _walk(client)
    answers = [(k, v) for k, v in _hidden(check.get_data(as_text=True)) if k != "sending"]
    for sending in ([], [("sending", "made-up")]):
        response = client.post(
            "/community-trigger/apply", data=MultiDict([*answers, *sending, ("action", "send")])
        )
        assert response.status_code == 200
        assert "Check your answers" in response.get_data(as_text=True)
    assert _count(demo_session) == before
    assert _send(client, response).status_code == 302
    assert _count(demo_session) == before + 1


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "ada@example.org",
            },
            "Confirm that they have agreed to you applying for them, or ask them to apply",
        ),
        ({"problem": "<b>loud</b> music"}, "without HTML"),
        ({"problem": ""}, "Describe the anti-social behaviour"),
        ({"victim_family_name": ""}, "Enter your last name, or the name of your business or group"),
        (
            {
                "on_behalf": "family",
                "applicant_contact": "sam@example.org",
                "consent_recorded": "y",
            },
            "Enter your name",
        ),
        (
            {"on_behalf": "family", "applicant_name": "Sam", "consent_recorded": "y"},
            "Enter your phone number or email address",
        ),
        *(
            (
                {
                    "on_behalf": "family",
                    "applicant_name": "Sam",
                    "applicant_contact": contact,
                    "applicant_address": "1 Test Row",
                    "consent_recorded": "y",
                },
                "Enter your email address, like name@example.org, or a UK phone number",
            )
            for contact in ("ring the ward office", "12345", "+353 87 123 4567", "Sam on 07700")
        ),
        ({"victim_postcode": "XYZ"}, "Enter a real postcode"),
        ({"victim_email": "not an address"}, EMAIL_FORMAT),
        ({"victim_email": "jane@@example.org"}, EMAIL_FORMAT),
        ({"victim_email": "jane doe@gmail.example"}, EMAIL_FORMAT),
        ({"victim_email": "jane,doe@example.org"}, EMAIL_FORMAT),
        ({"victim_email": '"Hub"<x>evil@evil.example'}, EMAIL_FORMAT),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "postmaster,robin@example.org",
                "consent_recorded": "y",
            },
            EMAIL_FORMAT,
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "ada byron@example.org",
                "consent_recorded": "y",
            },
            EMAIL_FORMAT,
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "01234 567890",
                "consent_recorded": "y",
            },
            "Enter your postal address, where we post the letters about the application, or give "
            "your email address instead of a phone number",
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "01234 567890",
                "applicant_address": "<script>Ward office</script>",
                "consent_recorded": "y",
            },
            "without HTML",
        ),
        (
            {
                "on_behalf": "councillor",
                "applicant_name": "Cllr Ada",
                "applicant_contact": "01234 567890",
                "applicant_address": "x" * 501,
                "consent_recorded": "y",
            },
            "500 characters",
        ),
    ],
)
def test_bad_answers_are_refused_at_their_question_and_nothing_is_saved(
    demo_hub, demo_session, overrides, message
) -> None:
    client = demo_hub.test_client()
    before = _count(demo_session)
    walked, response = _walk(client, **overrides)
    assert response.status_code == 400, walked
    assert message in response.get_data(as_text=True)
    # Sending the answers anyway, from a page of one's own, is refused the same way.
    answers = {**ANSWERS, **overrides, "consent_recorded": ""}
    forced = client.post(
        "/community-trigger/apply",
        data={
            **answers,
            "csrf_token": csrf_token(client, "/community-trigger/apply"),
            "action": "send",
        },
    )
    assert forced.status_code == 400
    assert message in forced.get_data(as_text=True)
    assert _count(demo_session) == before
    refused = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert refused.outcome == "refused"
    assert refused.basis.startswith("refused input: ")


def test_applying_for_yourself_without_an_email_address_you_give_the_address_for_the_letters(
    demo_hub, demo_session
) -> None:
    """Asked after how to contact you: with no email address, the address is needed at
    its field (the refusal recorded by its name); with one, it may be left empty."""
    client = demo_hub.test_client()
    before = _count(demo_session)
    walked, response = _walk(client, victim_email="", victim_address="")
    assert walked[-2:] == ["contact", "where"]
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter your address, where we post the letters about your application" in page
    assert "victim&#39;s" not in page
    assert 'href="#victim_address"' in page
    assert _count(demo_session) == before
    refused = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert refused.basis == "refused input: victim_address"
    walked, check = _walk(demo_hub.test_client(), victim_address="")
    assert check.status_code == 200, walked
    assert "Check your answers" in check.get_data(as_text=True)


def test_a_date_of_birth_more_than_120_years_ago_is_refused(demo_hub, demo_session) -> None:
    client = demo_hub.test_client()
    before = _count(demo_session)
    response = client.post(
        "/community-trigger/apply",
        data={
            **ANSWERS,
            "victim_date_of_birth-day": "1",
            "victim_date_of_birth-month": "1",
            "victim_date_of_birth-year": "1066",
            "csrf_token": csrf_token(client, "/community-trigger/apply"),
            "action": "send",
        },
    )
    assert response.status_code == 400
    assert "date of birth must be within the last 120 years" in response.get_data(as_text=True)
    assert _count(demo_session) == before


def test_a_flood_from_one_address_is_refused_and_nothing_is_saved(demo_hub, demo_session) -> None:
    client = demo_hub.test_client()
    before = _count(demo_session)
    walked, check = _walk(client)  # 8 pages sent
    first = {
        "csrf_token": csrf_token(client, "/community-trigger/apply"),
        "step": "who",
        "on_behalf": "self",
    }
    statuses = {client.post("/community-trigger/apply", data=first).status_code for _ in range(52)}
    assert statuses == {200}
    flooded = _send(client, check)
    assert flooded.status_code == 429
    assert "sent too many times" in flooded.get_data(as_text=True)
    assert _count(demo_session) == before


def _first_page_sends(client: FlaskClient, times: int, **environ: str) -> set[int]:
    """The first question of the form sent ``times`` times; the statuses answered."""
    data = {
        "csrf_token": csrf_token(client, "/community-trigger/apply"),
        "step": "who",
        "on_behalf": "self",
    }
    return {
        client.post("/community-trigger/apply", data=data, environ_base=environ).status_code
        for _ in range(times)
    }


def test_behind_a_trusted_proxy_each_visitor_has_their_own_limit(demo_hub) -> None:
    """Every visitor reaches the hub from its reverse proxy's address: with
    ``trusted_proxies`` set, one visitor's flood leaves the next visitor served."""
    settings = replace(demo_hub.config["HUB_SETTINGS"], trusted_proxies=1)
    behind_proxy = create_app(settings)
    try:
        proxy = {"REMOTE_ADDR": "10.0.0.2"}
        flooder = behind_proxy.test_client()
        assert _first_page_sends(flooder, 60, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy) == {200}
        assert _first_page_sends(flooder, 1, HTTP_X_FORWARDED_FOR="203.0.113.7", **proxy) == {429}
        neighbour = behind_proxy.test_client()
        assert _first_page_sends(neighbour, 1, HTTP_X_FORWARDED_FOR="198.51.100.23", **proxy) == {
            200
        }
    finally:
        behind_proxy.extensions["hub.engine"].dispose()


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(demo_hub) -> None:
    """Reached directly (the default), a client cannot dodge the limit by claiming
    another address in ``X-Forwarded-For``."""
    client = demo_hub.test_client()
    for n in range(60):
        assert _first_page_sends(client, 1, HTTP_X_FORWARDED_FOR=f"203.0.113.{n}") == {200}
    assert _first_page_sends(client, 1, HTTP_X_FORWARDED_FOR="203.0.113.99") == {429}


def test_one_home_on_ipv6_has_one_limit_and_its_flood_leaves_everyone_else_served(
    demo_hub, demo_session
) -> None:
    """A home's IPv6 connection has a /64 of addresses: sending from a new one each time
    counts against the same limit, and the refused sends use up nothing of everyone's."""
    client = demo_hub.test_client()
    for n in range(1, 61):
        assert _first_page_sends(client, 1, REMOTE_ADDR=f"2001:db8:1:2::{n:x}:1") == {200}
    for n in range(1, 200):
        assert _first_page_sends(client, 1, REMOTE_ADDR=f"2001:db8:1:2:{n:x}::7") == {429}
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(PublicFormUse)) == 60
    neighbour = demo_hub.test_client()
    assert _first_page_sends(neighbour, 1, REMOTE_ADDR="2001:db8:1:3::1") == {200}
    assert _first_page_sends(neighbour, 1, REMOTE_ADDR="198.51.100.7") == {200}


def test_the_public_pages_need_no_account_but_nothing_else_opens(demo_hub) -> None:
    client = demo_hub.test_client()
    assert client.get("/community-trigger/apply").status_code == 200
    # Without having sent anything, the confirmation goes back to the start.
    assert client.get("/community-trigger/apply/sent").status_code == 302
    assert client.get("/trigger").status_code == 302  # to sign in


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"on_behalf": ""}, "Select whether you are applying for yourself or for someone else"),
        ({"victim_kind": ""}, "Select who has suffered the anti-social behaviour"),
    ],
)
def test_a_question_of_choices_left_unanswered_is_asked_again(
    demo_hub, demo_session, overrides, message
) -> None:
    client = demo_hub.test_client()
    before = _count(demo_session)
    walked, response = _walk(client, **overrides)
    assert response.status_code == 400, walked
    page = response.get_data(as_text=True)
    assert message in page
    assert "govuk-error-summary" in page
    assert _count(demo_session) == before


def test_the_text_boxes_say_how_much_they_take_before_anything_is_typed(demo_hub) -> None:
    pages: list[str] = []
    _walk(demo_hub.test_client(), pages)
    said = "\n".join(pages)
    assert "You can enter up to 5,000 characters" in said  # what is happening
    assert "You can enter up to 500 characters" in said  # the address


def test_someone_applying_by_phone_for_a_victim_gives_a_postal_address_for_the_letters(
    demo_hub, demo_session
) -> None:
    """Asked for it beside their phone number, the address is sealed with the rest; the
    lead's letter page says to post the letter there."""
    client = demo_hub.test_client()
    address = "Ward office, Town Hall\nNorthtown NX1 1AA"
    walked, check = _walk(
        client,
        on_behalf="councillor",
        applicant_name="Cllr Ada Jones",
        applicant_contact="01234 567890",
        applicant_address=address,
        consent_recorded="y",
    )
    assert walked[:2] == ["who", "you"]
    assert check.status_code == 200, check.get_data(as_text=True)
    assert "Ward office, Town Hall" in check.get_data(as_text=True)
    assert _send(client, check).status_code == 302
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert b"Ward office" not in application.applicant_address  # sealed
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    letter = lead.get(f"/trigger/{application.id}/letters/acknowledgement")
    said = letter.get_data(as_text=True)
    assert "print this letter and post it to" in said
    assert "Cllr Ada Jones<br>Ward office, Town Hall<br>Northtown NX1 1AA<br>" in said
    # In the applicant's words: no "threshold", no "integrated care board".
    assert "decide together whether your case will be reviewed" in said
    assert "threshold" not in said.lower()
    assert "integrated care board" not in said


def _change(client: FlaskClient, check, step: str, **answers: str) -> object:
    """Press Change for ``step`` on "check your answers", then answer its page anew."""
    page = client.post(
        "/community-trigger/apply",
        data=MultiDict([*_hidden(check.get_data(as_text=True)), ("change", step)]),
    )
    assert page.status_code == 200
    data = dict(_hidden(page.get_data(as_text=True)))
    return client.post("/community-trigger/apply", data={**data, **answers})


def test_an_answer_changed_on_check_your_answers_comes_back_to_check_your_answers(
    demo_hub, demo_session
) -> None:
    """Not through every question after it: the changed name is shown at once, the other
    answers kept, and the application sent has it."""
    client = demo_hub.test_client()
    _, check = _walk(client)
    changed = _change(client, check, "name", victim_given_names="Robyn", victim_family_name="Ap")
    page = changed.get_data(as_text=True)
    assert '<h1 class="govuk-heading-l">Check your answers</h1>' in page
    assert "Robyn" in page
    assert PROBLEM in page
    before = _count(demo_session)
    assert _send(client, changed).status_code == 302
    assert _count(demo_session) == before + 1


def test_the_back_link_of_a_page_opened_to_change_an_answer_goes_back_to_check_your_answers(
    demo_hub,
) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client)
    for step in ("who", "problem"):  # the first question's Back is a link to the start page
        opened = client.post(
            "/community-trigger/apply",
            data=MultiDict([*_hidden(check.get_data(as_text=True)), ("change", step)]),
        ).get_data(as_text=True)
        back = opened[opened.index('class="hub-back-form"') : opened.index("</form>")]
        assert 'name="change" value="check"' in back
        data = dict(_hidden('<form class="hub-back-form"' + back))
        returned = client.post("/community-trigger/apply", data={**data, "change": "check"})
        assert "Check your answers" in _titles([returned.get_data(as_text=True)])
        assert PROBLEM in returned.get_data(as_text=True)


def test_a_change_that_asks_a_new_question_asks_it_before_check_your_answers(
    demo_hub, demo_session
) -> None:
    """Applying for someone else after all, "About you" is asked (and refused without
    the victim's agreement) before the answers are shown to check again."""
    client = demo_hub.test_client()
    _, check = _walk(client)
    about_you = _change(client, check, "who", on_behalf="carer")
    assert _titles([about_you.get_data(as_text=True)]) == ["About you"]
    answers = dict(_hidden(about_you.get_data(as_text=True)))
    mine = {"applicant_name": "Sam Carer", "applicant_contact": "sam@example.org"}
    refused = client.post("/community-trigger/apply", data={**answers, **mine})
    assert refused.status_code == 400
    assert _titles([refused.get_data(as_text=True)]) == ["About you"]
    checked = client.post(
        "/community-trigger/apply", data={**answers, **mine, "consent_recorded": "y"}
    )
    page = checked.get_data(as_text=True)
    assert _titles([page]) == ["Check your answers"]
    assert "Sam Carer" in page
    assert _send(client, checked).status_code == 302
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert application.on_behalf is not None


def test_the_public_pages_are_in_the_applicants_words_not_the_staffs(demo_hub) -> None:
    """No protective marking telling staff how to handle case information, the header
    leading back to the start page (not to signing in), and each page's title naming its
    question in the service's own name."""
    client = demo_hub.test_client()
    pages = [client.get("/community-trigger").get_data(as_text=True)]
    _walk(client, pages)
    _, check = _walk(demo_hub.test_client())
    pages.append(check.get_data(as_text=True))
    titles = []
    for page in pages:
        assert "OFFICIAL-SENSITIVE" not in page
        assert "information sharing protocol" not in page
        assert 'class="hub-header__name" href="/community-trigger">' in page
        titles.append(re.search(r"<title>([^<]*)</title>", page).group(1).strip())
    assert titles == [
        f"{title} – Ask for an anti-social behaviour case review"
        for title in (
            "Ask for a review of your anti-social behaviour case",
            "Are you applying for yourself?",
            "Who has suffered the anti-social behaviour?",
            "Your name",
            "Your date of birth",
            "How can we contact you?",
            "Where is it happening?",
            "What is happening?",
            "Who have you reported it to?",
            "Check your answers",
        )
    ]
    # A signed-in page still carries the marking.
    assert "OFFICIAL-SENSITIVE" in client.get("/auth/sign-in").get_data(as_text=True)


def test_someone_applying_for_another_is_asked_for_their_name_in_their_words(
    demo_hub, demo_session
) -> None:
    walked, response = _walk(
        demo_hub.test_client(),
        on_behalf="family",
        applicant_name="Sam",
        applicant_contact="sam@example.org",
        consent_recorded="y",
        victim_family_name="",
    )
    assert walked[-1] == "name"
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "Enter their last name, or the name of the business or group" in page
    assert "victim&#39;s surname" not in page


@pytest.mark.parametrize(
    ("overrides", "told"),
    [
        ({}, "We have sent you an email to say we have your application."),
        (
            {"victim_email": ""},
            "We will post you a letter to say we have your application by {acknowledge_by}.",
        ),
    ],
)
def test_the_confirmation_says_how_and_by_when_the_applicant_hears(
    demo_hub, overrides, told
) -> None:
    """The day the decision is due, in working days from today, and how it comes: by
    e-mail when an address was given, else by post (the acknowledgement too)."""
    client = demo_hub.test_client()
    _, check = _walk(client, **overrides)
    assert _send(client, check).status_code == 302
    done = html.unescape(client.get("/community-trigger/apply/sent").get_data(as_text=True))
    procedure = demo_hub.extensions["hub.trigger_procedure"]
    calendar, today = england_and_wales(), clock.today()
    acknowledge_by = uk_date(calendar.add(today, procedure.timescales.acknowledge))
    decide_by = uk_date(calendar.add(today, procedure.timescales.threshold_decision))
    assert told.format(acknowledge_by=acknowledge_by) in done
    how = "email" if not overrides else "write to"
    assert f"We will {how} you by {decide_by} to tell you whether it will be reviewed" in done
    assert "within 15 working days of that" in done


def test_a_business_is_asked_its_name_alone_and_the_answers_to_check_say_plainly(
    demo_hub, demo_session
) -> None:
    """No first name for a business (one given before choosing "A business" is not
    sent), and "check your answers" names each question without its "(optional)"."""
    client = demo_hub.test_client()
    pages: list[str] = []
    walked, check = _walk(
        client,
        pages,
        victim_kind="business",
        victim_given_names="Left Over",
        victim_family_name="Caffi'r Gornel",
    )
    name_page = pages[walked.index("name")]
    assert _titles([name_page]) == ["What is the name of the business or group?"]
    assert 'name="victim_given_names"' not in name_page
    assert ">\n    Name of the business or group\n  </label>" in name_page
    checked = check.get_data(as_text=True)
    keys = re.findall(r'<dt class="govuk-summary-list__key">([^<]*)</dt>', checked)
    assert "Name of the business or group" in keys
    assert "First name" not in keys
    assert not [key for key in keys if "(" in key]
    assert _send(client, check).status_code == 302
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert application.victim_given_names is None


@pytest.mark.parametrize("typed", ["3/4/1980", "03/04/1980", "3.4.1980", "03-04-1980"])
def test_a_date_of_birth_typed_whole_in_the_day_box_is_taken_as_written(
    demo_hub, demo_session, typed
) -> None:
    """As people in the UK write it, day then month: 3 April, not 4 March."""
    client = demo_hub.test_client()
    _, check = _walk(client, **{"victim_date_of_birth-day": typed})
    assert check.status_code == 200, check.get_data(as_text=True)
    page = check.get_data(as_text=True)
    assert _titles([page]) == ["Check your answers"]
    assert "3 April 1980" in page
    assert _send(client, check).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "label", "hint"),
    [
        ({}, "Address where it is happening (optional)", None),
        (
            {"victim_email": ""},
            "Address where it is happening",
            "We post the letters about your application here, as you did not give an email",
        ),
        (
            {
                "on_behalf": "family",
                "applicant_name": "Sam",
                "applicant_contact": "sam@example.org",
                "consent_recorded": "y",
                "victim_email": "",
            },
            "Address where it is happening (optional)",
            None,
        ),
    ],
)
def test_the_address_says_whether_it_is_needed_for_the_letters(
    demo_hub, overrides, label, hint
) -> None:
    pages: list[str] = []
    walked, _ = _walk(demo_hub.test_client(), pages, **overrides)
    where = pages[walked.index("where")]
    assert f">\n    {label}\n  </label>" in where
    assert (hint is not None and hint in where) or "We post the letters" not in where


def _in_the_public_layout(page: str) -> None:
    assert "OFFICIAL-SENSITIVE" not in page
    assert "information sharing protocol" not in page
    assert 'class="hub-header__name" href="/community-trigger">' in page
    assert "Go to your home page" not in page
    assert "your agency" not in page
    assert 'href="/community-trigger">Go to the start of the application</a>' in page
    assert re.search(r"<title>[^<]*– Ask for an anti-social behaviour case review\s*</title>", page)


def test_error_pages_on_the_public_form_are_the_forms_own(demo_hub) -> None:
    """An address under the form that does not exist, a form sent without its security
    token, and a flood are answered in the form's own pages, leading back to its start:
    never the staff pages' marking or a link to signing in."""
    client = demo_hub.test_client()
    missing = client.get("/community-trigger/no-such-page")
    assert missing.status_code == 404
    _in_the_public_layout(missing.get_data(as_text=True))

    no_token = client.post("/community-trigger/apply", data={"step": "who", "on_behalf": "self"})
    assert no_token.status_code == 400
    _in_the_public_layout(no_token.get_data(as_text=True))
    assert "nothing was saved" in no_token.get_data(as_text=True)

    first = {
        "csrf_token": csrf_token(client, "/community-trigger/apply"),
        "step": "who",
        "on_behalf": "self",
    }
    statuses = [client.post("/community-trigger/apply", data=first).status_code for _ in range(61)]
    assert statuses[-1] == 429
    flooded = client.post("/community-trigger/apply", data=first)
    assert flooded.status_code == 429
    page = flooded.get_data(as_text=True)
    assert "sent too many times" in page
    assert "OFFICIAL-SENSITIVE" not in page

    # A staff page's error keeps the staff pages' marking and leads home.
    staff = client.get("/trigger/no-such-page").get_data(as_text=True)
    assert "OFFICIAL-SENSITIVE" in staff
    assert "Go to the start of the application" not in staff


def test_the_public_forms_page_when_the_database_is_gone_needs_nothing_and_is_its_own(
    app, tmp_path
) -> None:
    """The 503 page of a send while the database cannot be reached is the form's own,
    rendered without the database (test_error_pages_without_a_database: a staff page's is
    still the staff pages')."""
    client = app.test_client()
    token = csrf_token(client, "/community-trigger/apply")
    database = tmp_path / "hub.sqlite3"
    moved = tmp_path / "away.sqlite3"
    app.extensions["hub.engine"].dispose()
    database.rename(moved)
    try:
        sent = client.post(
            "/community-trigger/apply",
            data={"csrf_token": token, "step": "who", "on_behalf": "self"},
        )
        assert sent.status_code == 503
        page = sent.get_data(as_text=True)
        assert "cannot reach its database" in page
        _in_the_public_layout(page)
    finally:
        app.extensions["hub.engine"].dispose()
        database.unlink()
        moved.rename(database)


def test_check_your_answers_shows_the_postcode_as_it_is_recorded(demo_hub) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client, victim_postcode=" nx11aa ")
    assert check.status_code == 200
    page = check.get_data(as_text=True)
    row = re.search(r"Postcode</dt>\s*<dd[^>]*>([^<]*)</dd>", page)
    assert row
    assert row.group(1) == "NX1 1AA"
    assert _send(client, check).status_code == 302  # recorded tidied, as the core does


def test_each_question_is_captioned_with_the_service_not_counted(demo_hub) -> None:
    """GOV.UK's question page: the caption above each question names the service; no
    "question n of 8", which changes as answers ask more or fewer questions."""
    pages: list[str] = []
    _, check = _walk(demo_hub.test_client(), pages)
    pages.append(check.get_data(as_text=True))
    for page in pages:
        caption = re.search(r'<span class="govuk-caption-l">([^<]*)</span>', page)
        assert caption
        assert caption.group(1) == "Ask for an anti-social behaviour case review"
        assert not re.search(r"question \d+ of \d+", page, re.IGNORECASE)


def test_too_many_applications_from_here_gives_the_councils_phone_number(
    demo_files, tmp_path
) -> None:
    """The number is the setting's (trigger_phone), so each area gives its own."""
    hub = demo_copy(demo_files, tmp_path, trigger_phone="0300 123 4567")
    try:
        client = hub.test_client()
        data = {
            "csrf_token": csrf_token(client, "/community-trigger/apply"),
            "step": "who",
            "on_behalf": "self",
        }
        statuses = [client.post("/community-trigger/apply", data=data) for _ in range(61)]
        assert statuses[-1].status_code == 429
        page = statuses[-1].get_data(as_text=True)
        assert "apply by phone" in page
        assert "0300 123 4567" in page
    finally:
        hub.extensions["hub.engine"].dispose()


def test_the_councils_phone_number_must_be_a_phone_number(tmp_path) -> None:
    with pytest.raises(ConfigError, match="trigger_phone must be a phone number"):
        load_settings({"HUB_INSTANCE_PATH": str(tmp_path)}, trigger_phone="ring the council")
    assert load_settings({"HUB_INSTANCE_PATH": str(tmp_path)}).trigger_phone == "01632 960 250"


@pytest.mark.parametrize(
    "contact", ["07700 900 982", "+44 7700 900982", "01632 960 001 ext 4", "sam@example.org"]
)
def test_someone_applying_for_another_may_give_a_uk_phone_number_or_an_email_address(
    demo_hub, contact
) -> None:
    walked, check = _walk(
        demo_hub.test_client(),
        on_behalf="family",
        applicant_name="Sam",
        applicant_contact=contact,
        applicant_address="1 Test Row",
        consent_recorded="y",
    )
    assert check.status_code == 200, walked
    assert contact in html.unescape(check.get_data(as_text=True))


def _agencies(session: Session) -> dict[str, str]:
    """The demo partnership's agencies, code to name."""
    return {a.code: a.name for a in session.scalars(select(Agency))}


def _months_ago(months: int) -> tuple[str, str, str]:
    """The month ``months`` before this one: its number, its year, and as a page says it."""
    day = clock.today().replace(day=1)
    for _ in range(months):
        day = (day - timedelta(days=1)).replace(day=1)
    return str(day.month), str(day.year), f"{day:%B %Y}"


def test_an_applicant_says_who_they_reported_it_to_and_roughly_when(demo_hub, demo_session) -> None:
    """The partnership's agencies by their names, and someone else in their words, each
    with a month if they give one: shown to check, sealed on the application, and on the
    lead's page of it."""
    client = demo_hub.test_client()
    pages: list[str] = []
    walked, check = _walk(client, pages)
    asked = pages[walked.index("reported")]
    agencies = _agencies(demo_session)
    for code, name in agencies.items():
        assert f'value="{code}"' in asked
        assert name in html.unescape(asked)
    assert 'value="other"' in asked
    month, year, said = _months_ago(2)
    checked = _change(
        client,
        check,
        "reported",
        reported_to=["northshire-police", "other"],
        **{"reported_when-northshire-police-month": month},
        **{"reported_when-northshire-police-year": year},
        reported_other="The GP surgery",
    )
    page = html.unescape(checked.get_data(as_text=True))
    assert _titles([checked.get_data(as_text=True)]) == ["Check your answers"]
    police = agencies["northshire-police"]
    assert f"{police}, {said}\nSomeone else: The GP surgery" in page
    assert _send(client, checked).status_code == 302
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert application.reported_to is not None
    assert b"GP surgery" not in application.reported_to  # sealed
    lead = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.TRIGGER_LEAD))
    shown = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert "Reported it to (the applicant says)" in shown
    assert f"{police}, {said}<br>Someone else: The GP surgery" in shown


def test_an_applicant_who_reported_it_to_no_one_listed_may_say_so_by_ticking_nothing(
    demo_hub, demo_session
) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client)
    assert re.search(
        r"Who have you reported it to\?</dt>\s*<dd[^>]*>No one</dd>", check.get_data(as_text=True)
    )
    assert _send(client, check).status_code == 302
    application = demo_session.scalars(
        select(TriggerApplication).order_by(TriggerApplication.id.desc())
    ).first()
    assert application.reported_to is None


@pytest.mark.parametrize(
    ("answers", "message", "field"),
    [
        (
            {"reported_to": ["other"], "reported_other": ""},
            "Enter who else you reported it to",
            "reported_other",
        ),
        (
            {"reported_to": ["other"], "reported_other": "<b>PC Smith</b>"},
            "without HTML",
            "reported_other",
        ),
        (
            {"reported_to": ["mi5"]},
            "Select the agencies you reported it to, or someone else",
            "reported_to",
        ),
        (
            {
                "reported_to": ["northshire-police"],
                "reported_when-northshire-police-month": "13",
                "reported_when-northshire-police-year": "2025",
            },
            "enter the month as a number from 1 to 12",
            "reported_when",
        ),
        (
            {"reported_to": ["northshire-police"], "reported_when-northshire-police-month": "5"},
            "must include a year",
            "reported_when",
        ),
        (
            {
                "reported_to": ["northshire-police"],
                "reported_when-northshire-police-month": "5",
                "reported_when-northshire-police-year": "25",
            },
            "enter the year in 4 numbers",
            "reported_when",
        ),
        (
            {
                "reported_to": ["northshire-police"],
                "reported_when-northshire-police-month": "1",
                "reported_when-northshire-police-year": "2999",
            },
            "must be this month or before",
            "reported_when",
        ),
    ],
)
def test_who_it_was_reported_to_is_refused_at_its_field_and_nothing_is_saved(
    demo_hub, demo_session, answers, message, field
) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client)
    before = _count(demo_session)
    refused = _change(client, check, "reported", **answers)
    assert refused.status_code == 400
    page = refused.get_data(as_text=True)
    assert message in page
    assert _titles([page]) == ["Who have you reported it to?"]
    assert 'class="govuk-error-summary' in page
    assert f'href="#{field}' in page
    assert _count(demo_session) == before
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.outcome == "refused"
    assert field in entry.basis
    assert "PC Smith" not in entry.basis


def test_someone_else_without_who_and_a_wrong_month_are_said_at_once(
    demo_hub, demo_session
) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client)
    refused = _change(
        client,
        check,
        "reported",
        reported_to=["northshire-police", "other"],
        reported_other="  ",
        **{
            "reported_when-northshire-police-month": "13",
            "reported_when-northshire-police-year": "2025",
        },
    )
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    summary = page.split('class="govuk-error-summary', 1)[1].split("</div>", 2)[:2]
    assert "Enter who else you reported it to" in " ".join(summary)
    assert "enter the month as a number from 1 to 12" in " ".join(summary)
    assert 'href="#reported_other"' in page
    entry = demo_session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.record")
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.outcome == "refused"
    assert "reported_other" in entry.basis
    assert "reported_when" in entry.basis


def test_a_month_given_for_an_agency_ticked_is_named_in_its_message(demo_hub, demo_session) -> None:
    client = demo_hub.test_client()
    _, check = _walk(client)
    refused = _change(
        client,
        check,
        "reported",
        reported_to=["northshire-police"],
        **{
            "reported_when-northshire-police-month": "x",
            "reported_when-northshire-police-year": "2025",
        },
    )
    police = _agencies(demo_session)["northshire-police"]
    assert f"When you reported it to {police}: enter the month" in html.unescape(
        refused.get_data(as_text=True)
    )
    assert 'href="#reported_when-northshire-police-month"' in refused.get_data(as_text=True)
