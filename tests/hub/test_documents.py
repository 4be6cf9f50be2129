"""Files attached to a case (demo partnership, local file store): an officer attaches a
diary sheet and a photo and opens them; a partner with a share sees what its clauses give
and nothing else; bad files are refused at the file field with nothing stored; neither
the store nor the database holds any uploaded content in plain; erasing the case makes
its files unreadable; a file altered in the store is refused, not served."""

from __future__ import annotations

import hashlib
import html
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

from flask import Flask
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import erasure, incidents
from sharing.models import AuditEntry, Case, Document, Share
from sharing.vocabulary import CaseStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_actor, demo_client, demo_user, share_demo_case
from tests.fixtures.files import PHONE, PROGRAM, SVG_WITH_SCRIPT, docx, pdf, phone_photo, png

PURPOSE = "asb_case_management"
DIARY = "Diary of Orla Finchingfield-Marsh: Friday 6 March, bass through the wall until 3am"
PHOTO_NOTE = "Photo of the damaged door at 14 Quillon Row, taken by the victim"
DESCRIPTION = "Diary sheets for the first fortnight of March, handed in at the office"


def _case(session: Session, nth: int = 0) -> Case:
    """An open, unlocked case of Northshire Homes with people and incidents."""
    return session.scalars(
        select(Case)
        .where(
            Case.agency.has(code="northshire-homes"),
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.incidents.any(),
        )
        .order_by(Case.id)
    ).all()[nth]


def _attach(client, case_id: int, name: str, content: bytes, **fields: str):
    url = f"/cases/{case_id}/documents/new"
    data = {
        "csrf_token": csrf_token(client, url),
        "kind": "diary_sheet",
        "category": "narrative",
        "marking": "official_sensitive",
        "about": "",
        "description": "",
        **fields,
        "file": (io.BytesIO(content), name),
    }
    return client.post(url, data=data, content_type="multipart/form-data")


def _documents(session: Session, case: Case) -> list[Document]:
    session.expire_all()
    return session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.id)
    ).all()


def _stored_bytes(app: Flask) -> bytes:
    root = Path(app.config["HUB_SETTINGS"].instance_path) / "documents"
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def _database_bytes(app: Flask) -> bytes:
    url = app.extensions["hub.engine"].url
    app.extensions["hub.engine"].dispose()  # checkpoints SQLite's write-ahead log
    database = Path(url.database)
    return b"".join(p.read_bytes() for p in database.parent.glob(database.name + "*"))


def _last(session: Session, action: str) -> AuditEntry:
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()


def test_an_officer_attaches_a_diary_sheet_and_a_photo_and_opens_them(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, case.officer)
    assert f'href="/cases/{case.id}/documents/new"' in officer.get(f"/cases/{case.id}").get_data(
        as_text=True
    )
    diary = pdf(DIARY)
    response = _attach(officer, case.id, "diary March.pdf", diary, description=DESCRIPTION)
    assert response.status_code == 302, response.get_data(as_text=True)
    assert response.location.endswith(f"/cases/{case.id}#documents")
    witness = case.parties[0]
    photo = png(PHOTO_NOTE)
    assert (
        _attach(
            officer,
            case.id,
            "door.png",
            photo,
            kind="photo",
            about=f"person-{witness.person_id}",
        ).status_code
        == 302
    )
    first, second = _documents(demo_session, case)[-2:]
    assert (first.content_type, first.size, first.category) == (
        "application/pdf",
        len(diary),
        "narrative",
    )
    assert (
        _last(demo_session, "case.record").basis
        == f"document {second.id} added (photo, narrative); marked official_sensitive"
    )

    page = officer.get(f"/cases/{case.id}").get_data(as_text=True)
    assert f'href="/cases/{case.id}/documents/{first.id}"' in page
    assert DESCRIPTION in page
    shown = officer.get(f"/cases/{case.id}/documents/{first.id}")
    assert shown.status_code == 200
    text = shown.get_data(as_text=True)
    assert "diary March.pdf" in text
    assert 'src="data:image/jpeg;base64,' in text  # the first page, drawn by the hub
    assert _last(demo_session, "case.view").basis.endswith(f"sections document {first.id} page")
    photo_page = officer.get(f"/cases/{case.id}/documents/{second.id}").get_data(as_text=True)
    assert f"({witness.role.label.lower()})" in photo_page

    downloaded = officer.get(f"/cases/{case.id}/documents/{first.id}/file")
    assert downloaded.status_code == 200
    assert downloaded.data == diary
    assert downloaded.mimetype == "application/pdf"
    assert downloaded.headers["Content-Disposition"] == (
        f'attachment; filename="{case.reference}-document-{first.id}.pdf"'
    )
    assert downloaded.headers["Cache-Control"] == "no-store"
    assert downloaded.headers["X-Content-Type-Options"] == "nosniff"
    assert _last(demo_session, "case.view").basis == (
        f"narrative: Your agency's own case (case officer) | sections document {first.id} file"
    )
    assert officer.get(f"/cases/{case.id}/documents/999999").status_code == 404
    other = _case(demo_session, 1)
    assert officer.get(f"/cases/{other.id}/documents/{first.id}").status_code == 404


def test_a_partner_downloading_a_photo_learns_nothing_of_where_it_was_taken(
    demo_hub, demo_session
) -> None:
    """A victim's phone photo carries where it was taken and the phone's make, model and
    serial number: the hub keeps it without them, so a partner's download has the
    picture alone; its size and the hash the store is checked against are of what is
    kept."""
    case = _case(demo_session, 10)
    officer = demo_client(demo_hub, case.officer)
    photo = phone_photo("JPEG")
    assert _attach(officer, case.id, "IMG_2001.jpg", photo, kind="photo").status_code == 302
    document = _documents(demo_session, case)[-1]
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    downloaded = police.get(f"/cases/{case.id}/documents/{document.id}/file?purpose={PURPOSE}")
    assert downloaded.status_code == 200
    kept = Image.open(io.BytesIO(downloaded.data))
    assert kept.getexif().get_ifd(0x8825) == {}
    for value in PHONE:
        assert value.encode() not in downloaded.data
    assert kept.tobytes() == Image.open(io.BytesIO(photo)).tobytes()
    assert document.size == len(downloaded.data) < len(photo)
    sealed = demo_hub.extensions["hub.file_store"].get(document.storage_key)
    assert document.digest == hashlib.sha256(sealed).hexdigest()


def test_a_file_name_turned_round_by_an_override_is_kept_without_it(demo_hub, demo_session) -> None:
    """A right-to-left override in a file's name shows what follows it backwards (the
    old trick that makes a name end in ".png" on screen whatever it ends in). The name is
    kept without it, the rest as sent, so the page shows what the file is called."""
    case = _case(demo_session, 2)
    officer = demo_client(demo_hub, case.officer)
    named = "photo-of-door-\u202egnp.exe.png"
    response = _attach(officer, case.id, named, png(PHOTO_NOTE), kind="photo")
    assert response.status_code == 302, response.get_data(as_text=True)
    document = _documents(demo_session, case)[-1]
    page = officer.get(f"/cases/{case.id}/documents/{document.id}").get_data(as_text=True)
    assert "photo-of-door-gnp.exe.png" in page
    assert "\u202e" not in page


def test_a_statement_about_an_incident_after_midnight_names_its_day_in_the_uk(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 2)
    half_past_midnight = datetime.fromisoformat("2026-06-11T00:30:00+01:00")  # 10 June in UTC
    incident = incidents.add_incident(
        demo_session,
        authorise(demo_session, Actor.of(case.officer), case.id, Act.RECORD),
        incidents.IncidentInput(occurred_at=half_past_midnight, description="Shouting"),
    )
    demo_session.commit()
    officer = demo_client(demo_hub, case.officer)
    form = officer.get(f"/cases/{case.id}/documents/new").get_data(as_text=True)
    assert "Incident of 11 June 2026 at 12:30am" in form
    attached = _attach(
        officer,
        case.id,
        "statement.txt",
        b"What I saw from the stairwell\n",
        kind="statement",
        about=f"incident-{incident.id}",
    )
    assert attached.status_code == 302, attached.get_data(as_text=True)
    document = _documents(demo_session, case)[-1]
    for page in (f"/cases/{case.id}", f"/cases/{case.id}/documents/{document.id}"):
        shown = officer.get(page).get_data(as_text=True)
        assert "Incident of 11 June 2026" in shown
        assert "Incident of 10 June 2026" not in shown


def test_an_email_saved_as_text_is_attached_and_downloaded_as_a_text_file(
    demo_hub, demo_session
) -> None:
    """ "Letter or e-mail received": an e-mail saved as text (From:, To:, Subject:) is
    accepted as the text it is, and downloads as a .txt file."""
    case = _case(demo_session, 9)
    officer = demo_client(demo_hub, case.officer)
    email = (
        b"From: Jo Bloggs <jo@example.com>\nTo: asb@northshire-homes.example\n"
        b"Subject: Noise again\n\nThe music started at 11pm again.\n"
    )
    attached = _attach(officer, case.id, "email.txt", email, kind="letter_received")
    assert attached.status_code == 302, attached.get_data(as_text=True)
    document = _documents(demo_session, case)[-1]
    assert document.content_type == "text/plain"
    file = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
    assert file.data == email
    assert file.mimetype == "text/plain"
    assert file.headers["Content-Disposition"].endswith(f'-document-{document.id}.txt"')


def test_a_partner_sees_the_documents_its_clauses_give_and_no_others(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 2)
    officer = demo_client(demo_hub, case.officer)
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    assert (
        _attach(
            officer,
            case.id,
            "gp letter.pdf",
            pdf("Letter from the GP"),
            kind="letter_received",
            category="vulnerability",
        ).status_code
        == 302
    )
    diary, medical = _documents(demo_session, case)[-2:]
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = police.get(f"/cases/{case.id}?purpose={PURPOSE}").get_data(as_text=True)
    assert f"/documents/{diary.id}" in page
    assert f"/documents/{medical.id}" not in page
    assert police.get(f"/cases/{case.id}/documents/{diary.id}?purpose={PURPOSE}").status_code == 200
    file = police.get(f"/cases/{case.id}/documents/{diary.id}/file?purpose={PURPOSE}")
    assert file.status_code == 200
    assert file.data == pdf(DIARY)
    entry = _last(demo_session, "case.view")
    assert entry.purpose == PURPOSE
    assert entry.basis.startswith("narrative: ")
    for url in (f"/documents/{medical.id}", f"/documents/{medical.id}/file"):
        assert police.get(f"/cases/{case.id}{url}?purpose={PURPOSE}").status_code == 404
    # No share, no documents: another landlord's officer is told nothing exists.
    landlord = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER))
    assert landlord.get(f"/cases/{case.id}/documents/{diary.id}").status_code == 404
    assert landlord.get(f"/cases/{case.id}/documents/{diary.id}/file").status_code == 404
    # Partners read; they do not attach.
    assert police.get(f"/cases/{case.id}/documents/new?purpose={PURPOSE}").status_code == 403


def _marking_shown(page: str) -> str:
    """The protective marking a document's page shows at its top."""
    return page.split('<p class="hub-handling">', 1)[1].split("</p>", 1)[0]


def test_each_document_page_shows_the_marking_it_was_attached_with(demo_hub, demo_session) -> None:
    """A letter to the tenant attached as OFFICIAL reads OFFICIAL on its page, to the
    officer and to a partner; a police report attached as OFFICIAL-SENSITIVE reads so; the
    attaching is recorded with the marking."""
    case = _case(demo_session, 6)
    officer = demo_client(demo_hub, case.officer)
    form = officer.get(f"/cases/{case.id}/documents/new").get_data(as_text=True)
    assert "Protective marking" in form
    assert "such as a letter to a tenant" in form
    assert "such as a police intelligence report" in form
    markings = re.findall(r'<input[^>]*name="marking"[^>]*>', form)
    assert len(markings) == 2
    assert not any("checked" in m for m in markings)  # the officer chooses, not the hub
    for name, kind, marking in (
        ("letter.pdf", "letter_sent", "official"),
        ("report.pdf", "statement", "official_sensitive"),
    ):
        attached = _attach(officer, case.id, name, pdf(DIARY), kind=kind, marking=marking)
        assert attached.status_code == 302, attached.get_data(as_text=True)
    letter, report = _documents(demo_session, case)[-2:]
    assert (letter.marking.value, report.marking.value) == ("official", "official_sensitive")
    assert _last(demo_session, "case.record").basis.endswith("; marked official_sensitive")
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    for reader, query in ((officer, ""), (police, f"?purpose={PURPOSE}")):
        pages = {
            d.id: reader.get(f"/cases/{case.id}/documents/{d.id}{query}").get_data(as_text=True)
            for d in (letter, report)
        }
        assert _marking_shown(pages[letter.id]) == "OFFICIAL"
        assert _marking_shown(pages[report.id]) == "OFFICIAL-SENSITIVE"
        assert "No protective marking was recorded" not in pages[report.id]


def test_a_document_attached_before_markings_were_asked_for_is_handled_as_official_sensitive(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 7)
    officer = demo_client(demo_hub, case.officer)
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (diary,) = _documents(demo_session, case)[-1:]
    diary.marking = None  # as migration 0065 leaves every document but letters sent
    demo_session.commit()
    page = officer.get(f"/cases/{case.id}/documents/{diary.id}").get_data(as_text=True)
    assert _marking_shown(page) == "OFFICIAL-SENSITIVE"
    assert (
        "No protective marking was recorded when this file was attached: handle it as the "
        "case's information, OFFICIAL-SENSITIVE." in page
    )


def test_a_file_without_its_marking_or_with_one_not_offered_is_refused_at_the_field(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 7)
    officer = demo_client(demo_hub, case.officer)
    before = (len(_documents(demo_session, case)), _stored_bytes(demo_hub))
    for marking, message in (
        ("", "Select the file&#39;s protective marking"),
        ("secret", "Select the file&#39;s protective marking"),
    ):
        refused = _attach(officer, case.id, "diary.pdf", pdf(DIARY), marking=marking)
        assert refused.status_code == 400, marking
        text = refused.get_data(as_text=True)
        assert message in text, marking
        assert 'href="#marking"' in text, marking
        # The browser shows the form again without the file: the officer is told.
        assert "Select the file again: a form that is refused keeps no file." in text
    assert (len(_documents(demo_session, case)), _stored_bytes(demo_hub)) == before
    first = officer.get(f"/cases/{case.id}/documents/new").get_data(as_text=True)
    assert "Select the file again" not in first
    empty = _attach(officer, case.id, "diary.pdf", b"").get_data(as_text=True)
    assert "The file is empty" in empty
    assert "Select the file again" not in empty  # its own error says what to do


def test_a_document_page_naming_its_person_is_recorded_as_showing_their_identity(
    demo_hub, demo_session
) -> None:
    """A partner opens a diary sheet about the victim: the page shows the victim's name,
    so its entry names identity, with its basis, and the person, as a letter's or a
    search's entry does; the file alone shows no name, and its entry names the document."""
    case = _case(demo_session, 8)
    officer = demo_client(demo_hub, case.officer)
    person = case.parties[0].person_id
    about = f"person-{person}"
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY), about=about).status_code == 302
    (diary,) = _documents(demo_session, case)[-1:]
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = police.get(f"/cases/{case.id}/documents/{diary.id}?purpose={PURPOSE}")
    assert page.status_code == 200
    entry = _last(demo_session, "case.view")
    assert entry.basis.startswith("narrative,identity: ")
    assert entry.basis.endswith(f"| sections document {diary.id} page; person {person}")
    police.get(f"/cases/{case.id}/documents/{diary.id}/file?purpose={PURPOSE}")
    file_entry = _last(demo_session, "case.view")
    assert file_entry.basis.startswith("narrative: ")
    assert file_entry.basis.endswith(f"| sections document {diary.id} file")


def test_a_partner_refused_a_document_is_recorded_as_a_refused_view(demo_hub, demo_session) -> None:
    case, other = _case(demo_session, 5), _case(demo_session, 6)
    officer = demo_client(demo_hub, case.officer)
    letter = _attach(
        officer,
        case.id,
        "gp letter for Orla.pdf",
        pdf("Letter from the GP"),
        kind="letter_received",
        category="vulnerability",
    )
    assert letter.status_code == 302
    (medical,) = _documents(demo_session, case)[-1:]
    other_officer = demo_client(demo_hub, other.officer)
    assert _attach(other_officer, other.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (elsewhere,) = _documents(demo_session, other)[-1:]
    share_demo_case(demo_session, case, "northshire-police")
    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, police_user)
    refusals = [
        (f"/documents/{medical.id}", f"document {medical.id} (vulnerability): category not given"),
        (f"/documents/{medical.id}/file", f"document {medical.id} (vulnerability)"),
        (f"/documents/{elsewhere.id}", f"document {elsewhere.id}: not a document of this case"),
    ]
    for url, reason in refusals:
        assert police.get(f"/cases/{case.id}{url}?purpose={PURPOSE}").status_code == 404
        entry = _last(demo_session, "case.view")
        assert entry.outcome == "refused", url
        assert entry.actor_user_id == police_user.id
        assert (entry.object_type, entry.object_id) == ("case", str(case.id))
        assert entry.purpose == PURPOSE
        assert reason in entry.basis
        assert "gp letter" not in entry.basis
        assert "Orla" not in entry.basis


def test_a_form_sent_with_nothing_chosen_says_everything_missing_at_once(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 7)
    officer = demo_client(demo_hub, case.officer)
    before = (len(_documents(demo_session, case)), _stored_bytes(demo_hub))
    refused = _attach(officer, case.id, "", b"", kind="", marking="", description="Diary, May")
    assert refused.status_code == 400
    text = html.unescape(refused.get_data(as_text=True))
    start = text.index("There is a problem")
    summary = text[start : text.index("</ul>", start)]
    for field, message in (
        ("file", "Select the file to attach"),
        ("kind", "Select what the file is"),
        ("marking", "Select the file's protective marking"),
    ):
        assert f'href="#{field}' in summary, field
        assert message in summary, field
    assert "Diary, May" in text  # what was typed is kept
    assert (len(_documents(demo_session, case)), _stored_bytes(demo_hub)) == before


def test_bad_files_are_refused_at_the_file_field_and_nothing_is_stored(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 3)
    officer = demo_client(demo_hub, case.officer)
    before = (len(_documents(demo_session, case)), _stored_bytes(demo_hub))
    bad = [
        ("diary.pdf", PROGRAM, "named as a PDF but is not one"),
        ("photo.png", SVG_WITH_SCRIPT, "SVG drawing, which can carry scripts"),
        ("diary.docx", docx(expanded_bytes=300 * 1024 * 1024), "possible zip bomb"),
        ("empty.pdf", b"", "The file is empty"),
        ("", b"", "Select the file to attach"),
    ]
    for name, content, message in bad:
        response = _attach(officer, case.id, name, content)
        assert response.status_code == 400, name
        text = response.get_data(as_text=True)
        assert message in text, name
        assert 'href="#file"' in text
    # "file" sent as text, not a file (a form put together by hand, or a script's).
    url = f"/cases/{case.id}/documents/new"
    as_text = officer.post(
        url,
        data={
            "csrf_token": csrf_token(officer, url),
            "kind": "diary_sheet",
            "category": "narrative",
            "marking": "official_sensitive",
            "about": "",
            "description": "",
            "file": "diary.pdf",
        },
    )
    assert as_text.status_code == 400
    assert "Select the file to attach" in as_text.get_data(as_text=True)
    wrong = _attach(officer, case.id, "diary.pdf", pdf("x"), about="incident-999999")
    assert wrong.status_code == 400
    assert 'href="#about"' in wrong.get_data(as_text=True)
    # (A body of bytes, as a browser streams it: the hub refuses it by its length.)
    too_large = officer.post(
        f"/cases/{case.id}/documents/new",
        data=b"--x\r\n" + bytes(21 * 1024 * 1024),
        content_type="multipart/form-data; boundary=x",
    )
    assert too_large.status_code == 413
    assert "The most a file can be is 20 MB. Nothing was attached." in too_large.get_data(
        as_text=True
    )
    assert (len(_documents(demo_session, case)), _stored_bytes(demo_hub)) == before


def test_a_pdf_whose_page_is_damaged_is_refused_at_the_file_field_keeping_what_was_typed(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 4)
    officer = demo_client(demo_hub, case.officer)
    before = (len(_documents(demo_session, case)), _stored_bytes(demo_hub))
    damaged = [
        pdf("x").replace(b"/Type /Page /Parent", b"/Type /Pagex /Parent"),  # not a page
        pdf("x").replace(b"/Kids [3 0 R]", b"/Kids [9 0 R]"),  # a page that is not there
    ]
    for content in damaged:
        response = _attach(
            officer, case.id, "diary.pdf", content, kind="statement", description=DESCRIPTION
        )
        assert response.status_code == 400
        text = response.get_data(as_text=True)
        assert "The PDF cannot be opened: it is damaged" in text
        assert 'href="#file"' in text
        assert DESCRIPTION in text
        assert '<option value="statement" selected>' in text
    assert (len(_documents(demo_session, case)), _stored_bytes(demo_hub)) == before


def test_no_uploaded_content_is_stored_in_plain(demo_hub, demo_session) -> None:
    case = _case(demo_session, 4)
    officer = demo_client(demo_hub, case.officer)
    photo = png(PHOTO_NOTE)
    for name, content in (("Finchingfield-Marsh diary.pdf", pdf(DIARY)), ("door.png", photo)):
        assert _attach(officer, case.id, name, content, description=DESCRIPTION).status_code == 302
    stored = _stored_bytes(demo_hub) + _database_bytes(demo_hub)
    for secret in (DIARY, PHOTO_NOTE, DESCRIPTION, "Finchingfield-Marsh diary"):
        assert secret.encode() not in stored, secret
    assert photo[-64:] not in stored  # nor the picture's own bytes


def test_erasing_the_case_makes_its_files_unreadable(demo_hub, demo_session) -> None:
    case = _case(demo_session, 5)
    officer = demo_client(demo_hub, case.officer)
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (document,) = _documents(demo_session, case)[-1:]
    manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    close_for_erasure(demo_session, manager, case.id)
    erasure.erase_case(demo_session, authorise(demo_session, manager, case.id, Act.ERASE))
    demo_session.commit()
    client = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    page = client.get(f"/cases/{case.id}/documents/{document.id}")
    assert page.status_code == 200
    assert "its files can never be read again" in page.get_data(as_text=True)
    file = client.get(f"/cases/{case.id}/documents/{document.id}/file")
    assert file.status_code == 410
    assert DIARY.encode() not in file.data


def test_an_erased_case_offers_no_download_of_a_file_without_a_preview(
    demo_hub, demo_session
) -> None:
    """A text diary or a Word document has no preview: its page on an erased case says,
    as a photo's does, that the file can never be read, and offers no download."""
    case = _case(demo_session, 7)
    officer = demo_client(demo_hub, case.officer)
    for name, content in (("diary.txt", DIARY.encode()), ("diary.docx", docx())):
        assert _attach(officer, case.id, name, content).status_code == 302, name
    text_file, word = _documents(demo_session, case)[-2:]
    manager = demo_actor(demo_session, "northshire-homes", Role.MANAGER)
    close_for_erasure(demo_session, manager, case.id)
    erasure.erase_case(demo_session, authorise(demo_session, manager, case.id, Act.ERASE))
    demo_session.commit()
    client = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    for document in (text_file, word):
        page = client.get(f"/cases/{case.id}/documents/{document.id}")
        assert page.status_code == 200
        text = page.get_data(as_text=True)
        assert "its files can never be read again" in text
        assert "Download the file" not in text
        assert f"/documents/{document.id}/file" not in text
        assert client.get(f"/cases/{case.id}/documents/{document.id}/file").status_code == 410


def test_a_file_altered_in_the_store_is_refused_not_served(demo_hub, demo_session) -> None:
    case = _case(demo_session, 6)
    officer = demo_client(demo_hub, case.officer)
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (document,) = _documents(demo_session, case)[-1:]
    store = demo_hub.extensions["hub.file_store"]
    sealed = store.get(document.storage_key)
    store.put(document.storage_key, sealed[:-1] + bytes([sealed[-1] ^ 1]))
    file = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
    assert file.status_code == 500
    assert "failed its integrity check" in file.get_data(as_text=True)
    store.delete(document.storage_key)
    missing = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
    assert "missing from the file store" in missing.get_data(as_text=True)


def test_a_file_attached_by_mistake_is_removed_after_a_confirmation(demo_hub, demo_session) -> None:
    case = _case(demo_session, 11)
    officer = demo_client(demo_hub, case.officer)
    assert (
        _attach(officer, case.id, "wrong.pdf", pdf(DIARY), description=DESCRIPTION).status_code
        == 302
    )
    (document,) = _documents(demo_session, case)[-1:]
    document_id, keys = document.id, (document.storage_key, document.preview_key)
    page = officer.get(f"/cases/{case.id}/documents/{document_id}").get_data(as_text=True)
    url = f"/cases/{case.id}/documents/{document_id}/remove"
    assert f'href="{url}"' in page
    confirm = officer.get(url)
    assert confirm.status_code == 200
    assert DESCRIPTION in confirm.get_data(as_text=True)
    # Partners never remove; a document of another case is not found.
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.post(url, data={"csrf_token": csrf_token(police, "/")}).status_code == 403
    other = _case(demo_session, 12)
    other_officer = demo_client(demo_hub, other.officer)
    wrong_case = f"/cases/{other.id}/documents/{document_id}/remove"
    assert (
        other_officer.post(
            wrong_case, data={"csrf_token": csrf_token(other_officer, "/")}
        ).status_code
        == 404
    )

    removed = officer.post(url, data={"csrf_token": csrf_token(officer, url)})
    assert removed.status_code == 302
    assert removed.location.endswith(f"/cases/{case.id}#documents")
    assert document_id not in [d.id for d in _documents(demo_session, case)]
    store = demo_hub.extensions["hub.file_store"]
    assert not set(keys) & set(store.keys())
    assert _last(demo_session, "case.record").basis == (
        f"document {document_id} removed (diary_sheet, narrative)"
    )
    assert officer.get(f"/cases/{case.id}/documents/{document_id}").status_code == 404


@contextmanager
def _row_deletion_failing(app: Flask) -> Iterator[None]:
    """The database fails to delete a document's row."""
    engine = app.extensions["hub.engine"]
    with engine.begin() as connection:
        connection.execute(
            text(
                "CREATE TRIGGER documents_busy BEFORE DELETE ON documents "
                "BEGIN SELECT RAISE(ABORT, 'database is busy'); END"
            )
        )
    try:
        yield
    finally:
        with engine.begin() as connection:
            connection.execute(text("DROP TRIGGER documents_busy"))


def test_a_removal_the_database_cannot_record_leaves_the_document_and_its_file(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 13)
    officer = demo_client(demo_hub, case.officer)
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY)).status_code == 302
    (document,) = _documents(demo_session, case)[-1:]
    url = f"/cases/{case.id}/documents/{document.id}/remove"
    token = csrf_token(officer, url)
    with _row_deletion_failing(demo_hub):  # as a lock timeout or a lost connection would
        refused = officer.post(url, data={"csrf_token": token})
    assert refused.status_code >= 500  # nothing was saved
    assert document.id in [d.id for d in _documents(demo_session, case)]
    file = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
    assert file.status_code == 200
    assert file.data == pdf(DIARY)
    removed = officer.post(url, data={"csrf_token": token})  # once it can, it goes
    assert removed.status_code == 302
    store = demo_hub.extensions["hub.file_store"]
    assert document.storage_key not in set(store.keys())


def test_documents_opened_under_emergency_access_are_recorded_for_the_emergency(
    demo_hub, demo_session
) -> None:
    """A police officer who opened a case in an emergency (break-glass) and opens its
    diary sheet's page and file (filed under risk): each view is recorded for the purpose "emergency", as
    the case page's is, so the emergency access's review sees all it opened."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.status != CaseStatus.CLOSED,
            Case.agency.has(code="northshire-homes"),
            ~Case.id.in_(select(Share.case_id)),
        )
        .order_by(Case.id)
    )
    officer = demo_client(demo_hub, case.officer)
    # Filed under risk, which the emergency protocol's clause gives.
    assert _attach(officer, case.id, "diary.pdf", pdf(DIARY), category="risk").status_code == 302
    (diary,) = _documents(demo_session, case)[-1:]
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(f"/cases/{case.id}/documents/{diary.id}").status_code == 404
    opened = police.post(
        "/emergency",
        data={
            "reference": case.reference,
            "reason": "A threat to kill was made an hour ago",
            "csrf_token": csrf_token(police, "/emergency"),
        },
    )
    assert opened.status_code == 302
    for url, section in (("", "page"), ("/file", "file")):
        assert police.get(f"/cases/{case.id}/documents/{diary.id}{url}").status_code == 200
        entry = _last(demo_session, "case.view")
        assert (entry.outcome, entry.purpose) == ("allowed", "emergency"), section
        assert entry.basis.endswith(f"sections document {diary.id} {section}")
