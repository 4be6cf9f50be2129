"""Files on some of the demo's cases: about one open case in ten has the complainant's diary
sheets (a scanned page, as a PDF), a photo, and now and then a letter from their GP about
their health, filed under vulnerability. Each is attached as an officer attaches one
(checked, sealed under the case, kept in the file store, recorded in the audit log), a
day after the case's latest incident (the working day before, when that is a weekend or
a bank holiday). Its own random numbers, so the rest of the demo is
unchanged."""

from __future__ import annotations

import io
import random
from datetime import UTC, date, datetime, time, timedelta

from PIL import Image, ImageDraw, ImageFont
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import documents
from sharing.demo import office
from sharing.files.stores import FileStore
from sharing.models import Case
from sharing.vocabulary import CaseStatus, DocumentKind, Marking

DIARY_LINES = (
    "loud bass music through the wall until after 2am",
    "shouting and banging on the stairs, door slammed repeatedly",
    "dog left barking in the garden for most of the evening",
    "group gathered outside the block, bottles left by the bins",
    "woken by music again; knocked, no answer",
    "car revving outside the bedroom window for twenty minutes",
    "quiet night, no problems",
)
DIARY_NOTES = (
    "Diary sheets for the fortnight after the first visit, handed in at the office",
    "Diary sheets posted back in the prepaid envelope",
    "Two weeks of diary sheets, collected at the home visit",
)
PHOTO_NOTES = (
    "Photo of the rubbish left by the shared bins, taken by the complainant",
    "Photo of the damage to the communal door, taken at the visit",
    "Photo of the graffiti on the garage wall",
)
GP_NOTE = "Letter from the complainant's GP about the effect on their health and sleep"


def attach_documents(session: Session, store: FileStore, today: date, seed: int) -> int:
    """Attach the demo's files to about one open case in ten; how many were attached."""
    rng = random.Random(f"{seed}-documents")
    attached = 0
    cases = session.scalars(
        select(Case)
        .where(Case.erased_at.is_(None), Case.status != CaseStatus.CLOSED, Case.incidents.any())
        .options(selectinload(Case.incidents), selectinload(Case.parties))
        .order_by(Case.id)
    ).all()
    for case in cases:
        if rng.random() > 0.1:
            continue
        latest = max(i.occurred_at for i in case.incidents)
        # Handed in and attached on a working day: the day after the latest incident, or
        # the last working day before it (not before the case was opened, a working day).
        day = office.on_or_before(
            min(clock.day_of(latest) + timedelta(days=1), today - timedelta(days=1))
        )
        day = max(day, clock.day_of(case.opened_at))
        victim = next((p.person_id for p in case.parties), None)
        files = [
            (
                DocumentKind.DIARY_SHEET,
                "narrative",
                _diary(rng, day),
                "diary-sheet.pdf",
                rng.choice(DIARY_NOTES),
            ),
            (DocumentKind.PHOTO, "narrative", _photo(rng), "IMG_2041.jpg", rng.choice(PHOTO_NOTES)),
        ]
        if rng.random() < 0.3:
            files.append(
                (
                    DocumentKind.LETTER_RECEIVED,
                    "vulnerability",
                    _letter(day),
                    "gp-letter.pdf",
                    GP_NOTE,
                )
            )
        with clock.pinned(datetime.combine(day, time(10), clock.PARTNERSHIP_ZONE).astimezone(UTC)):
            authorised = authorise(session, Actor.of(case.officer), case.id, Act.RECORD)
            for kind, category, content, name, note in files:
                documents.attach(
                    session,
                    authorised,
                    store,
                    documents.DocumentInput(
                        kind=kind,
                        category=category,
                        incident_id=None,
                        person_id=victim if kind is not DocumentKind.PHOTO else None,
                        description=note,
                        filename=name,
                        content=content,
                        marking=Marking.OFFICIAL_SENSITIVE,
                    ),
                )
                attached += 1
    return attached


def _page(lines: list[str]) -> bytes:
    """A scanned A4 page (black and white, 100 dpi) with ``lines`` on it, as a PDF."""
    page = Image.new("1", (827, 1169), 1)
    draw = ImageDraw.Draw(page)
    font = ImageFont.load_default(size=20)
    for n, line in enumerate(lines):
        draw.text((60, 80 + n * 40), line, font=font, fill=0)
    out = io.BytesIO()
    page.save(out, "PDF", resolution=100)
    return out.getvalue()


def _diary(rng: random.Random, last: date) -> bytes:
    days = [last - timedelta(days=n) for n in range(13, -1, -1)]
    lines = ["ASB diary sheet: what happened, when, and who saw it", ""]
    lines += [f"{d:%a %d %b}: {rng.choice(DIARY_LINES)}" for d in days if rng.random() < 0.6]
    return _page(lines)


def _letter(day: date) -> bytes:
    return _page(
        [
            "Northshire Medical Practice",
            f"{day:%d %B %Y}",
            "",
            "To whom it may concern,",
            "I write in support of my patient, whose anxiety and sleep have worsened",
            "markedly since the disturbances began. I would be grateful for anything",
            "that can be done to resolve matters.",
        ]
    )


def _photo(rng: random.Random) -> bytes:
    """A small photo-like picture: a wall, and something on it."""
    picture = Image.new("RGB", (640, 480), (rng.randint(90, 160), rng.randint(90, 140), 110))
    draw = ImageDraw.Draw(picture)
    for _ in range(6):
        x, y = rng.randint(0, 560), rng.randint(0, 400)
        colour = (rng.randint(0, 255), rng.randint(0, 255), rng.randint(0, 255))
        draw.rectangle((x, y, x + rng.randint(20, 80), y + rng.randint(20, 80)), fill=colour)
    out = io.BytesIO()
    picture.save(out, "JPEG", quality=70)
    return out.getvalue()
