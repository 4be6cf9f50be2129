"""Letters to a Community Trigger applicant that go by post (demo partnership, one copy
for the module): a letter with no e-mail address to go to is listed as still to post on
the application's page, and the Trigger list's "A letter still to post" filter finds its
application; the lead prints it and marks it as posted on its page (who and when,
recorded as `trigger.letter_posted`), and it is listed as posted. Correcting the address
after posting makes a corrected copy that is again to post. Before, nothing recorded
that a printed letter was posted, and a lead could not see which were still to post."""

from __future__ import annotations

import html
import re

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit.log import integrate
from sharing.models import AuditEntry, TriggerApplication, TriggerLetter
from sharing.trigger import applications, input_checks
from sharing.vocabulary import LetterKind, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user
from tests.fixtures.forms import form_on
from tests.sharing.trigger.test_complaints import PROCEDURE

LEAD = "northshire-csp"
HOME = "Flat 5, 11 Posting Row"
MOVED = "3 Letterbox Lane"
ACKNOWLEDGEMENT = LetterKind.ACKNOWLEDGEMENT.label
_OPENED = re.compile(r'name="opened" value="([0-9a-f]{32})"')


def _lead(app: Flask, session: Session) -> FlaskClient:
    return demo_client(app, demo_user(session, LEAD, Role.TRIGGER_LEAD))


def _by_phone(session: Session, **given: str) -> TriggerApplication:
    """An application taken by phone today from a victim with a postal address."""
    application = applications.record_application(
        session,
        Actor.of(demo_user(session, LEAD, Role.TRIGGER_LEAD)),
        PROCEDURE,
        input_checks.ApplicationInput(
            **{  # type: ignore[arg-type]
                "received_on": clock.today(),
                "channel": "phone",
                "victim_kind": "person",
                "victim_given_names": "Robin",
                "victim_family_name": "Poster",
                "victim_address": HOME,
                "victim_postcode": "NS3 3CC",
                "problem": "Shouting and threats on the stairs",
                **given,
            }
        ),
    )
    session.commit()
    return application


def _letter_path(application: TriggerApplication, kind: str = "acknowledgement") -> str:
    return f"/trigger/{application.id}/letters/{kind}"


def _mark(client: FlaskClient, application: TriggerApplication, sent: dict | None = None):
    page = _letter_path(application)
    sent = sent or form_on(client.get(page).get_data(as_text=True), f"{page}/posted")
    return client.post(f"{page}/posted", data=sent)


def _entries(session: Session, action: str, application: TriggerApplication) -> list[AuditEntry]:
    session.expire_all()
    integrate(session)
    session.commit()
    return list(
        session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.action == action,
                AuditEntry.object_type == "trigger_application",
                AuditEntry.object_id == str(application.id),
            )
            .order_by(AuditEntry.seq)
        )
    )


def _to_post(client: FlaskClient) -> str:
    return client.get("/trigger?letters=to-post").get_data(as_text=True)


def _letters(session: Session, application: TriggerApplication) -> list[TriggerLetter]:
    session.expire_all()
    return list(
        session.scalars(
            select(TriggerLetter)
            .where(TriggerLetter.application_id == application.id)
            .order_by(TriggerLetter.id)
        )
    )


def test_a_printed_letter_is_still_to_post_until_the_lead_marks_it_posted(
    demo_hub, demo_session
) -> None:
    application = _by_phone(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    letters_part = page.split('id="letters"', 1)[1]
    assert "Still to post" in letters_part
    assert "not e-mailed: print it and post it, then mark it as posted" in letters_part
    assert application.reference in _to_post(lead)
    letter = html.unescape(lead.get(_letter_path(application)).get_data(as_text=True))
    assert "Mark as posted" in letter
    assert "Still to post" in letter

    done = _mark(lead, application)

    assert done.status_code == 302, done.get_data(as_text=True)
    (posted,) = _letters(demo_session, application)
    assert posted.posted_at is not None
    assert posted.posted_by_id == demo_user(demo_session, LEAD, Role.TRIGGER_LEAD).id
    (entry,) = _entries(demo_session, "trigger.letter_posted", application)
    assert (entry.outcome, entry.basis) == ("allowed", "acknowledgement letter")
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    today = clock.today()
    assert f"posted on {today.day} {today:%B %Y}" in page.split('id="letters"', 1)[1]
    assert "Still to post" not in page.split('id="letters"', 1)[1]
    assert application.reference not in _to_post(lead)
    letter = html.unescape(lead.get(_letter_path(application)).get_data(as_text=True))
    assert "This letter was posted on" in letter
    assert "Mark as posted" not in letter
    # The list's audit entry names the filter, never what it was set to.
    listed = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.view", AuditEntry.object_type == "agency")
        .order_by(AuditEntry.seq.desc())
    )
    assert listed.basis.startswith("list; filters to_post;")
    assert HOME not in entry.basis


def test_marking_it_again_is_refused_saying_when_it_was_posted(demo_hub, demo_session) -> None:
    application = _by_phone(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = _letter_path(application)
    sent = form_on(lead.get(page).get_data(as_text=True), f"{page}/posted")
    assert _mark(lead, application, sent).status_code == 302

    again = _mark(lead, application, sent)  # a double click, or a second tab

    assert again.status_code == 400
    assert f'The letter "{ACKNOWLEDGEMENT}" was marked as posted on' in html.unescape(
        again.get_data(as_text=True)
    )
    assert len(_letters(demo_session, application)) == 1
    refused = _entries(demo_session, "trigger.letter_posted", application)[-1]
    assert (refused.outcome, refused.basis) == ("refused", "refused input: already done")


def test_an_address_corrected_after_posting_makes_a_corrected_copy_to_post(
    demo_hub, demo_session
) -> None:
    application = _by_phone(demo_session)
    lead = _lead(demo_hub, demo_session)
    assert _mark(lead, application).status_code == 302
    path = f"/trigger/{application.id}/correct"
    sent = {**form_on(lead.get(path).get_data(as_text=True), path), "victim_address": MOVED}
    assert lead.post(path, data=sent).status_code == 302

    corrected = _entries(demo_session, "trigger.correct", application)[-1]
    assert corrected.basis == "fields victim_address; letters sent to the earlier details 1"
    page = html.unescape(lead.get(f"/trigger/{application.id}").get_data(as_text=True))
    assert re.search(
        r"corrected copy\s*<strong[^>]*>Still to post", page.split('id="letters"', 1)[1]
    )
    assert application.reference in _to_post(lead)
    letter = html.unescape(lead.get(_letter_path(application)).get_data(as_text=True))
    assert MOVED in letter
    assert HOME not in letter

    assert _mark(lead, application).status_code == 302

    assert [
        (x.copy, x.posted_at is not None, x.superseded_at is not None)
        for x in _letters(demo_session, application)
    ] == [(0, True, True), (1, True, False)]
    entry = _entries(demo_session, "trigger.letter_posted", application)[-1]
    assert entry.basis == "acknowledgement letter, corrected copy"
    assert application.reference not in _to_post(lead)


def test_a_letter_page_opened_before_the_address_was_corrected_is_not_marked_posted(
    demo_hub, demo_session
) -> None:
    """The lead printed the letter to the old address; a colleague corrected the address
    meanwhile: marking it posted is refused, the page showing the letter as it is now."""
    application = _by_phone(demo_session)
    lead = _lead(demo_hub, demo_session)
    page = _letter_path(application)
    printed = form_on(lead.get(page).get_data(as_text=True), f"{page}/posted")
    path = f"/trigger/{application.id}/correct"
    sent = {**form_on(lead.get(path).get_data(as_text=True), path), "victim_address": MOVED}
    assert lead.post(path, data=sent).status_code == 302

    refused = _mark(lead, application, printed)

    assert refused.status_code == 400
    shown = html.unescape(refused.get_data(as_text=True))
    assert "the letter you printed may not be the letter below" in shown
    assert MOVED in shown
    assert all(x.posted_at is None for x in _letters(demo_session, application))
    entry = _entries(demo_session, "trigger.letter_posted", application)[-1]
    assert (entry.outcome, entry.basis) == ("refused", "refused input: changed meanwhile")
    fresh = _OPENED.search(shown)
    assert fresh
    assert fresh.group(1) != printed["opened"]
    assert _mark(lead, application).status_code == 302  # sent again, having seen it


def test_an_e_mailed_letter_has_nothing_to_post(demo_hub, demo_session) -> None:
    application = _by_phone(demo_session, victim_email="robin.poster@example.org")
    lead = _lead(demo_hub, demo_session)
    letter = lead.get(_letter_path(application)).get_data(as_text=True)
    assert "Mark as posted" not in letter
    assert application.reference not in _to_post(lead)
    page = _letter_path(application)

    refused = lead.post(f"{page}/posted", data={"csrf_token": csrf_token(lead, page)})

    assert refused.status_code == 400
    assert "is waiting to be e-mailed: there is nothing to post" in html.unescape(
        refused.get_data(as_text=True)
    )


def test_only_the_lead_marks_a_letter_posted(demo_hub, demo_session) -> None:
    application = _by_phone(demo_session)
    page = _letter_path(application)
    for code, role in (("northshire-police", Role.MANAGER), (LEAD, Role.CASE_OFFICER)):
        other = demo_client(demo_hub, demo_user(demo_session, code, role))
        answer = other.post(f"{page}/posted", data={"csrf_token": csrf_token(other, "/")})
        assert answer.status_code == 403
    assert all(x.posted_at is None for x in _letters(demo_session, application))
    (refused,) = _entries(demo_session, "trigger.letter_posted", application)
    assert refused.outcome == "refused"
    lead = _lead(demo_hub, demo_session)
    assert lead.post("/trigger/999999/letters/acknowledgement/posted").status_code in (400, 404)
    assert lead.post(f"{page.rsplit('/', 1)[0]}/nonsense/posted").status_code in (400, 404)


def test_a_filter_value_it_does_not_know_is_said_at_the_filter(demo_hub, demo_session) -> None:
    lead = _lead(demo_hub, demo_session)
    answer = lead.get("/trigger?letters=posted")
    assert answer.status_code == 400
    assert "Select whether a letter is still to post" in answer.get_data(as_text=True)


def test_the_demo_has_its_newest_letters_still_to_post_and_the_rest_posted(
    demo_hub, demo_session
) -> None:
    rows = demo_session.scalars(
        select(TriggerLetter).where(TriggerLetter.by_post, TriggerLetter.copy == 0)
    ).all()
    assert any(r.posted_at is not None for r in rows)
    assert any(r.posted_at is None for r in rows)


def _row(listed: str, application: TriggerApplication) -> str:
    """The list's row of the application."""
    start = listed.index(f">{application.reference}</a>")
    return listed[start : listed.index("</tr>", start)]


def test_the_list_says_letter_to_post_on_each_row_the_filter_finds(demo_hub, demo_session) -> None:
    """Without the letters filter, a row whose letter is printed but not marked posted says
    "Letter to post" (a tag), exactly as the filter "A letter still to post" finds it; once
    marked posted, or for an application whose letters are e-mailed, it says nothing."""
    by_post = _by_phone(demo_session)
    by_email = _by_phone(demo_session, victim_email="tag.reader@example.org")
    lead = _lead(demo_hub, demo_session)

    def row(application: TriggerApplication) -> str:
        path = f"/trigger?reference={application.reference}"
        return _row(html.unescape(lead.get(path).get_data(as_text=True)), application)

    tag = '<strong class="govuk-tag govuk-tag--yellow">Letter to post</strong>'
    assert tag in row(by_post)
    assert tag not in row(by_email)
    filtered = html.unescape(_to_post(lead))
    assert tag in _row(filtered, by_post)
    assert by_email.reference not in filtered
    assert _mark(lead, by_post).status_code == 302
    assert tag not in row(by_post)
    assert by_post.reference not in _to_post(lead)
