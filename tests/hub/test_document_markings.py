"""A document's protective marking set or changed after it was attached (demo partnership,
local file store): a document attached before markings were asked for is listed as not
marked, to be treated as OFFICIAL-SENSITIVE, with a link to mark it for its agency's case
officers and managers; a letter the hub produced stays OFFICIAL until it is marked again
the same way; a closed case's documents are marked too; partners, another agency and
roles without casework are refused and recorded; a marking form without a choice, or
opened before a colleague marked the document, saves nothing."""

from __future__ import annotations

import html
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import documents, erasure
from sharing.models import AuditEntry, Case, Document
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client, demo_user, share_demo_case
from tests.fixtures.files import pdf
from tests.fixtures.forms import form_on
from tests.hub.test_documents import DIARY, _attach, _case, _documents

PURPOSE = "asb_case_management"
NOT_MARKED = "Not marked: treat as OFFICIAL-SENSITIVE"
CHANGED = "Someone changed this after you opened it"


def _unmarked_diary(client, session: Session, case: Case) -> Document:
    """A diary sheet attached to ``case``, its marking taken away as migration 0065 left
    every document attached before it but letters sent."""
    assert _attach(client, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (diary,) = _documents(session, case)[-1:]
    diary.marking = None
    session.commit()
    return diary


def _entries(session: Session, case_id: int, outcome: acts.Outcome) -> list[str]:
    """The bases (or reasons) of the case's ``case.record`` entries with ``outcome``."""
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry.basis)
            .where(
                AuditEntry.action == acts.Action.CASE_RECORD.value,
                AuditEntry.object_type == "case",
                AuditEntry.object_id == str(case_id),
                AuditEntry.outcome == outcome.value,
            )
            .order_by(AuditEntry.seq)
        )
    )


def _mark(client, case_id: int, document_id: int, marking: str, **sent: str):
    url = f"/cases/{case_id}/documents/{document_id}/marking"
    data = {"csrf_token": csrf_token(client, f"/cases/{case_id}"), "marking": marking, **sent}
    return client.post(url, data=data)


def _marking_of(session: Session, document_id: int) -> str | None:
    session.expire_all()
    marking = session.get_one(Document, document_id).marking
    return marking.value if marking else None


def test_an_unmarked_document_is_listed_as_such_and_marked_from_the_list(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 20)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    url = f"/cases/{case.id}/documents/{diary.id}/marking"

    listed = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    assert NOT_MARKED in listed
    assert f'href="{url}"' in listed
    page = officer.get(f"/cases/{case.id}/documents/{diary.id}").get_data(as_text=True)
    assert f'href="{url}"' in page

    form = officer.get(url)
    assert form.status_code == 200
    text = html.unescape(form.get_data(as_text=True))
    assert "No protective marking was recorded when it was attached" in text
    radios = re.findall(r'<input[^>]*name="marking"[^>]*>', text)
    assert len(radios) == 2
    assert not any("checked" in r for r in radios)  # the officer chooses, not the hub

    marked = _mark(officer, case.id, diary.id, "official")
    assert marked.status_code == 302
    assert marked.location.endswith(f"/cases/{case.id}#documents")
    assert _marking_of(demo_session, diary.id) == "official"
    assert _entries(demo_session, case.id, acts.Outcome.ALLOWED)[-1] == (
        f"document {diary.id} marked official (was not marked)"
    )
    listed = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    assert NOT_MARKED not in listed
    page = officer.get(f"/cases/{case.id}/documents/{diary.id}").get_data(as_text=True)
    assert '<p class="hub-handling">OFFICIAL</p>' in page
    assert "Change its protective marking" in page


def test_a_letter_the_hub_produced_stays_official_until_marked_again(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 21)
    officer = Actor.of(case.officer)
    letter = documents.keep_letter(
        demo_session,
        authorise(demo_session, officer, case.id, Act.RECORD),
        demo_hub.extensions["hub.file_store"],
        person_id=case.parties[0].person_id,
        description="Written warning",
        filename="warning.pdf",
        pdf=pdf("Written warning"),
    )
    demo_session.commit()
    assert _marking_of(demo_session, letter.id) == "official"

    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    form = manager.get(f"/cases/{case.id}/documents/{letter.id}/marking")
    assert form.status_code == 200
    checked = re.findall(
        r'<input[^>]*name="marking"[^>]*checked[^>]*>', form.get_data(as_text=True)
    )
    assert len(checked) == 1
    assert 'value="official"' in checked[0]

    # Saved unchanged: nothing is recorded.
    before = len(_entries(demo_session, case.id, acts.Outcome.ALLOWED))
    unchanged = _mark(manager, case.id, letter.id, "official")
    assert unchanged.status_code == 302
    assert len(_entries(demo_session, case.id, acts.Outcome.ALLOWED)) == before
    assert "Nothing was changed" in manager.get(f"/cases/{case.id}").get_data(as_text=True)

    assert _mark(manager, case.id, letter.id, "official_sensitive").status_code == 302
    assert _marking_of(demo_session, letter.id) == "official_sensitive"
    assert _entries(demo_session, case.id, acts.Outcome.ALLOWED)[-1] == (
        f"document {letter.id} marked official_sensitive (was official)"
    )


def test_a_closed_cases_documents_are_marked_too(demo_hub, demo_session) -> None:
    case = _case(demo_session, 22)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    close_for_erasure(demo_session, Actor.of(case.officer), case.id)
    demo_session.commit()
    listed = html.unescape(officer.get(f"/cases/{case.id}").get_data(as_text=True))
    assert NOT_MARKED in listed
    assert f'href="/cases/{case.id}/documents/{diary.id}/marking"' in listed
    assert _mark(officer, case.id, diary.id, "official_sensitive").status_code == 302
    assert _marking_of(demo_session, diary.id) == "official_sensitive"


def test_a_marking_without_a_choice_or_with_one_not_offered_is_refused_at_the_field(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 23)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    for marking, message in (
        ("", "Select the file&#39;s protective marking"),
        ("secret", "Select the file&#39;s protective marking"),
    ):
        refused = _mark(officer, case.id, diary.id, marking)
        assert refused.status_code == 400, marking
        text = refused.get_data(as_text=True)
        assert message in text, marking
        assert 'href="#marking"' in text, marking
        assert _entries(demo_session, case.id, acts.Outcome.REFUSED)[-1] == (
            "refused input: marking"
        )
    assert _marking_of(demo_session, diary.id) is None


def test_only_the_cases_own_case_officers_and_managers_mark_its_documents(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 24)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    url = f"/cases/{case.id}/documents/{diary.id}/marking"

    # A partner with a share reads the document, sees it is not marked, and is offered no
    # link; asking is refused and recorded.
    share_demo_case(demo_session, case, "northshire-police")
    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, police_user)
    listed = html.unescape(police.get(f"/cases/{case.id}?purpose={PURPOSE}").get_data(as_text=True))
    assert NOT_MARKED in listed
    assert url not in listed
    page = police.get(f"/cases/{case.id}/documents/{diary.id}?purpose={PURPOSE}")
    assert page.status_code == 200
    assert url not in page.get_data(as_text=True)
    assert police.get(url).status_code == 403
    assert _mark(police, case.id, diary.id, "official").status_code == 403
    refused = demo_session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == acts.Action.CASE_RECORD.value,
            AuditEntry.outcome == acts.Outcome.REFUSED.value,
            AuditEntry.actor_user_id == police_user.id,
        )
        .order_by(AuditEntry.seq.desc())
    ).first()
    assert refused is not None
    assert refused.object_id == str(case.id)

    # Another landlord's officer does not know the case.
    other = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    assert other.get(url).status_code == 404

    # A document of another case asked for through this case's address is not found,
    # and recorded by its id.
    elsewhere = _case(demo_session, 25)
    other_diary = _unmarked_diary(demo_client(demo_hub, elsewhere.officer), demo_session, elsewhere)
    wrong = f"/cases/{case.id}/documents/{other_diary.id}/marking"
    assert officer.get(wrong).status_code == 404
    assert _mark(officer, case.id, other_diary.id, "official").status_code == 404
    assert (
        f"document {other_diary.id}: not a document of this case"
        in _entries(demo_session, case.id, acts.Outcome.REFUSED)[-1]
    )
    for document_id in (diary.id, other_diary.id):
        assert _marking_of(demo_session, document_id) is None


def test_a_marking_form_opened_before_a_colleague_marked_it_saves_nothing(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 26)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    url = f"/cases/{case.id}/documents/{diary.id}/marking"
    mine = form_on(officer.get(url).get_data(as_text=True), url)
    assert mine.get("opened")

    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    assert _mark(manager, case.id, diary.id, "official_sensitive").status_code == 302

    late = officer.post(url, data={**mine, "marking": "official"})
    assert late.status_code == 200
    assert CHANGED in html.unescape(late.get_data(as_text=True))
    assert _marking_of(demo_session, diary.id) == "official_sensitive"
    assert _entries(demo_session, case.id, acts.Outcome.REFUSED)[-1] == (
        f"refused input: document {diary.id} marking changed meanwhile"
    )
    # Having seen it, saving again goes through.
    again = form_on(late.get_data(as_text=True), url)
    assert officer.post(url, data={**again, "marking": "official"}).status_code == 302
    assert _marking_of(demo_session, diary.id) == "official"


def test_an_erased_cases_documents_are_not_marked(demo_hub, demo_session) -> None:
    case = _case(demo_session, 27)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    close_for_erasure(demo_session, manager, case.id)
    erasure.erase_case(demo_session, authorise(demo_session, manager, case.id, Act.ERASE))
    demo_session.commit()
    assert officer.get(f"/cases/{case.id}/documents/{diary.id}/marking").status_code == 403
    assert _marking_of(demo_session, diary.id) is None


def _case_entries_after(session: Session, case_id: int, seq: int) -> list[tuple[str, str]]:
    """The case's entries after ``seq``: each action and basis."""
    session.expire_all()
    return [
        (e.action, e.basis or "")
        for e in session.scalars(
            select(AuditEntry)
            .where(
                AuditEntry.object_type == "case",
                AuditEntry.object_id == str(case_id),
                AuditEntry.seq > seq,
            )
            .order_by(AuditEntry.seq)
        )
    ]


def _last_seq(session: Session) -> int:
    return session.scalar(select(AuditEntry.seq).order_by(AuditEntry.seq.desc()).limit(1)) or 0


def test_the_marking_form_records_a_view_of_the_document_and_sending_it_the_marking_alone(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 28)
    officer = demo_client(demo_hub, case.officer)
    diary = _unmarked_diary(officer, demo_session, case)
    url = f"/cases/{case.id}/documents/{diary.id}/marking"

    # Opening the form shows the document's line: a view of it, as the remove form's is.
    seq = _last_seq(demo_session)
    assert officer.get(f"/cases/{case.id}/documents/{diary.id}/remove").status_code == 200
    removing = [b for _, b in _case_entries_after(demo_session, case.id, seq)]
    seq = _last_seq(demo_session)
    sent = form_on(officer.get(url).get_data(as_text=True), url)
    opening = _case_entries_after(demo_session, case.id, seq)
    assert [b for _, b in opening] == [
        b.replace("remove a document form", "document marking form").replace(
            "remove form", "marking form"
        )
        for b in removing
    ]
    assert opening[-1][0] == acts.Action.CASE_VIEW.value
    assert opening[-1][1].endswith(f"sections document {diary.id} marking form")

    # Sending it marks the document: the marking is recorded, and no view of the document.
    seq = _last_seq(demo_session)
    assert officer.post(url, data={**sent, "marking": "official"}).status_code == 302
    sending = _case_entries_after(demo_session, case.id, seq)
    assert [e for e in sending if f"document {diary.id}" in e[1]] == [
        (acts.Action.CASE_RECORD.value, f"document {diary.id} marked official (was not marked)")
    ]
    assert "Diary sheet marked OFFICIAL" in html.unescape(
        officer.get(f"/cases/{case.id}").get_data(as_text=True)
    )

    # Refused, the form is shown again with the document: that page is a view of it.
    again = form_on(officer.get(url).get_data(as_text=True), url)
    seq = _last_seq(demo_session)
    refused = officer.post(url, data={**again, "marking": ""})
    assert refused.status_code == 400
    assert [b for _, b in _case_entries_after(demo_session, case.id, seq)][-2:] == [
        "refused input: marking",
        opening[-1][1],
    ]
