"""A PDF downloaded from the hub is named for what it is: a conference pack by its case and
the conference's day, a sitting's agenda by its meeting and day, so that a chair with a
folder of downloads tells them apart without opening each."""

from __future__ import annotations

from flask import Flask
from sqlalchemy.orm import Session

from hub.pdf import pdf_download
from sharing import clock
from tests.hub.test_conferences import _convened
from tests.hub.test_moving_sittings import _chair, _group, _new_sitting

PAGE = "<!doctype html><html><head><title>t</title></head><body><p>A page</p></body></html>"


def _file_name(disposition: str) -> str:
    assert disposition.startswith('attachment; filename="')
    return disposition.removeprefix('attachment; filename="').removesuffix('"')


def test_a_conference_pack_is_named_by_its_case_and_day(
    demo_hub: Flask, demo_session: Session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    response = officer.get(f"/conferences/{conference.id}/pack.pdf")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    day = clock.day_of(conference.starts_at)
    assert _file_name(response.headers["Content-Disposition"]) == (
        f"conference-pack-{conference.case.reference}-{day.isoformat()}.pdf"
    )


def test_an_agenda_is_named_by_its_meeting_as_written_and_its_day(
    demo_hub: Flask, demo_session: Session
) -> None:
    sitting = _new_sitting(demo_session)
    chair = _chair(demo_hub, demo_session)
    _group(demo_session).name = "Ystradfellte & Pen-y-cae ASB panel (Wednesdays) — été"
    demo_session.commit()
    response = chair.get(f"/meetings/{sitting.series_id}/sittings/{sitting.id}/agenda.pdf")
    assert response.status_code == 200
    day = clock.day_of(sitting.starts_at).isoformat()
    assert _file_name(response.headers["Content-Disposition"]) == (
        f"agenda-Ystradfellte-Pen-y-cae-ASB-panel-Wednesdays-ete-{day}.pdf"
    )


def test_a_name_with_nothing_a_file_name_keeps_is_a_document() -> None:
    quotes = pdf_download(PAGE, '"/\\', "…")
    assert _file_name(quotes.headers["Content-Disposition"]) == "document.pdf"
    assert quotes.data.startswith(b"%PDF-")
    kept = pdf_download(PAGE, "letter", "LHA/2026/0004", "")
    assert _file_name(kept.headers["Content-Disposition"]) == "letter-LHA-2026-0004.pdf"
