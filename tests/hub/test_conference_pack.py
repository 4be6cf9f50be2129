"""What a conference pack tells the people at the table, as they read it on the page and on
paper (demo partnership): each person on the case with how to reach them, under the same
headings and decisions as the case page; the risk history without a score the reader may
not see; a PDF whose columns never print over each other and whose names are drawn in
their own script; dates and counts as people write them."""

from __future__ import annotations

import ctypes
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from flask import Flask
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy.orm import Session
from weasyprint import HTML
from weasyprint.formatting_structure import boxes

import hub
from hub import pdf
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases.needs import Needs
from sharing.crypto.data_keys import load_data_keys
from sharing.crypto.sealing import seal_many
from sharing.models import Conference, Person, User
from sharing.risk.assessments import AssessmentInput, record_assessment
from sharing.risk.matrix import shipped
from sharing.vocabulary import Adjustment, AssessmentStage, ContactMethod, RiskBand, Role
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_conferences import _convened

NOT_SHARED = "Not shared with your agency"


class _Tables(HTMLParser):
    """Each table of a page after a heading: the heading's text, then the table's header
    cells and its rows of cells, as text."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, tuple[list[str], list[list[str]]]] = {}
        self._heading = ""
        self._in_heading = False
        self._cell: list[str] | None = None
        self._table: tuple[list[str], list[list[str]]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("h2", "h3"):
            self._heading, self._in_heading = "", True
        elif tag == "table" and self._heading not in self.tables:
            self._table = self.tables[self._heading] = ([], [])
        elif tag == "tr" and self._table is not None:
            self._table[1].append([])
        elif tag in ("th", "td") and self._table is not None:
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h2", "h3"):
            self._in_heading = False
        elif tag == "table":
            if self._table is not None:
                self._table[1][:] = [row for row in self._table[1] if row]
            self._table = None
        elif tag in ("th", "td") and self._cell is not None and self._table is not None:
            text = " ".join("".join(self._cell).split())
            (self._table[0] if tag == "th" else self._table[1][-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._in_heading:
            self._heading = " ".join((self._heading + data).split())
        if self._cell is not None:
            self._cell.append(data)


def _people(page: str) -> list[dict[str, str]]:
    """The People table of a pack, a row as {heading: cell}; every row has a cell under
    each heading and no more."""
    tables = _Tables()
    tables.feed(page)
    headings, rows = tables.tables["People"]
    for row in rows:
        assert len(row) == len(headings), (headings, row)
    return [dict(zip(headings, row, strict=True)) for row in rows]


def _pdf_text(client: FlaskClient, conference: Conference) -> str:
    response = client.get(f"/conferences/{conference.id}/pack.pdf")
    assert response.status_code == 200
    pages = PdfReader(io.BytesIO(response.data)).pages
    return " ".join(" ".join(page.extract_text() for page in pages).split())


def _text_beyond_cells(html: str) -> tuple[list[str], list[str]]:
    """The PDF of ``html`` as WeasyPrint lays it out: the text printed past the right edge
    of its table cell, and every line of text in a cell."""
    beyond, lines = [], []
    for page in HTML(string=html, url_fetcher=pdf._refuse).render().pages:
        for cell in page._page_box.descendants():
            if not isinstance(cell, boxes.TableCellBox):
                continue
            right = cell.content_box_x() + cell.width
            for text in cell.descendants():
                if isinstance(text, boxes.TextBox):
                    lines.append(text.text)
                    if text.position_x + text.width > right + 0.1:
                        beyond.append(text.text)
    return beyond, lines


def _printed_in(data: bytes) -> dict[str, set[str]]:
    """Each character a PDF prints, with the names of the fonts it is printed in."""
    fonts: dict[str, set[str]] = {}
    for page in pdfium.PdfDocument(data):
        textpage = page.get_textpage()
        for k in range(textpage.count_chars()):
            size = pdfium_c.FPDFText_GetFontInfo(textpage.raw, k, None, 0, None)
            name = ctypes.create_string_buffer(size)
            pdfium_c.FPDFText_GetFontInfo(textpage.raw, k, name, size, None)
            char = chr(pdfium_c.FPDFText_GetUnicode(textpage.raw, k))
            fonts.setdefault(char, set()).add(name.value.decode())
    return fonts


def _victim(conference: Conference) -> Person:
    return next(p.person for p in conference.case.parties if p.role.value == "victim")


def _readers(app: Flask, session: Session, officer: FlaskClient) -> dict[str, FlaskClient]:
    """The case's officer, who convened the conference; the police (no vulnerability:
    clause 5.1) and adult safeguarding (vulnerability: clause 5.2), each signed in."""
    return {
        "larkmoor-ha": officer,
        "northshire-police": demo_client(
            app, demo_user(session, "northshire-police", Role.CASE_OFFICER)
        ),
        "northshire-adults": demo_client(
            app, demo_user(session, "northshire-adults", Role.PARTNER_VIEWER)
        ),
    }


def test_the_pack_says_how_to_contact_each_person_as_their_case_page_does(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session, with_victim=True)
    victim = _victim(conference)
    load_data_keys(demo_session, [victim.data_key_id])
    needs = Needs(
        adjustments=(Adjustment.INTERPRETER,),
        language="Polish",
        contact_by=ContactMethod.PHONE,
        times_to_avoid="not before 10am",
        no_home_visits=True,
    ).checked()
    seal_many(
        victim,
        {
            "adjustments": needs.adjustments_document(),
            "contact_needs": needs.contact_document(),
            "support_needs": "Learning disability; a support worker attends visits",
        },
    )
    demo_session.commit()
    case_id = conference.case_id

    for code, client in _readers(demo_hub, demo_session, officer).items():
        case_page = client.get(
            f"/cases/{case_id}" + ("" if code == "larkmoor-ha" else "?purpose=case_conference")
        ).get_data(as_text=True)
        pack = client.get(f"/conferences/{conference.id}/pack").get_data(as_text=True)
        row = next(r for r in _people(pack) if r["Role"] == "Victim")
        # Contact needs and adjustments are "contact": every reader at this table has them,
        # on the pack as on their case page.
        for said in ("An interpreter (Polish)", "No home visits", "not before 10am"):
            assert said in case_page, code
            assert said in row["How to contact"], code
            assert said in _pdf_text(client, conference), code
        assert "Learning disability" not in row["How to contact"]
        # Support needs are "vulnerability": under their own heading, for those who may.
        if code == "northshire-police":
            assert row["Support needs"] == NOT_SHARED
            assert "Learning disability" not in pack
        else:
            assert "Learning disability" in row["Support needs"], code


def test_a_long_e_mail_address_wraps_inside_its_cell_in_the_pack_pdf(
    demo_hub, demo_session, monkeypatch
) -> None:
    conference, officer = _convened(demo_hub, demo_session, with_victim=True)
    victim = _victim(conference)
    load_data_keys(demo_session, [victim.data_key_id])
    email = "firstname.middlename.lastname.household@tenants-association.northshire.example"
    seal_many(victim, {"email": email})
    demo_session.commit()

    rendered: list[str] = []
    render_pdf = pdf.render_pdf

    def render(html: str) -> bytes:
        rendered.append(html)
        return render_pdf(html)

    monkeypatch.setattr(pdf, "render_pdf", render)
    assert officer.get(f"/conferences/{conference.id}/pack.pdf").status_code == 200
    beyond, lines = _text_beyond_cells(rendered[0])
    assert beyond == []  # nothing prints over the next column
    assert not any(email in line for line in lines)  # the address is broken over lines
    assert any(line.startswith("firstname.middle") for line in lines)


#: Names in scripts the partnership's residents write, that DejaVu Sans cannot draw.
SCRIPTS = {
    "Bengali": "রহিম উদ্দিন",
    "Gurmukhi": "ਹਰਪ੍ਰੀਤ ਸਿੰਘ",
    "Chinese": "陈伟",
    "Tamil": "சுரேஷ்",
}


def test_names_in_bengali_gurmukhi_chinese_and_tamil_are_drawn_in_the_pack_pdf(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session, with_victim=True)
    victim = _victim(conference)
    load_data_keys(demo_session, [victim.data_key_id])
    seal_many(victim, {"given_names": " ".join(SCRIPTS.values())})
    demo_session.commit()

    response = officer.get(f"/conferences/{conference.id}/pack.pdf")
    assert response.status_code == 200
    fonts = _printed_in(response.data)
    for script, name in SCRIPTS.items():
        for char in name.replace(" ", ""):
            # Printed in a font that has the letter, never DejaVu's empty box.
            assert any("Noto" in font for font in fonts.get(char, ())), (
                script,
                char,
                fonts.get(char),
            )


TEMPLATES = Path(hub.__file__).parent / "templates"


@pytest.mark.parametrize(
    "template", sorted(str(p.relative_to(TEMPLATES)) for p in TEMPLATES.rglob("*pdf.html"))
)
def test_every_pdf_asks_for_the_fonts_that_draw_residents_names(template) -> None:
    styles = (TEMPLATES / template).read_text()
    assert "{{ pdf_fonts }}" in styles or '{% extends "_letter_pdf.html" %}' in styles
    assert "DejaVu" not in styles
    assert '"Noto Sans Bengali"' in pdf.FONTS
    assert '"Noto Sans CJK SC"' in pdf.FONTS


def test_the_risk_history_names_no_score_the_reader_may_not_see_and_says_the_band_was_changed(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session, with_victim=True)
    matrix = shipped().current
    lowest = {q.id: min(q.options, key=lambda o: o.score).value for q in matrix.questions}
    owner = Actor.of(demo_session.get(User, conference.case.officer_id))
    record_assessment(
        demo_session,
        authorise(demo_session, owner, conference.case_id, Act.ASSESS_RISK),
        AssessmentInput(
            _victim(conference).id,
            AssessmentStage.REVIEW,
            matrix.version,
            lowest,
            band=RiskBand.HIGH,
            adjustment_reason="Threats to burn the door down",
        ),
        matrices=shipped(),
    )
    demo_session.commit()
    readers = _readers(demo_hub, demo_session, officer)
    police = readers["northshire-police"]  # no vulnerability answers: the score is withheld

    pack = police.get(f"/conferences/{conference.id}/pack").get_data(as_text=True)
    tables = _Tables()
    tables.feed(pack)
    headings, rows = next(t for heading, t in tables.tables.items() if heading == "Risk history")
    row = dict(zip(headings, rows[0], strict=True))
    assert row["Score"] == NOT_SHARED
    assert row["Band"] == "High (changed from low: Threats to burn the door down)"
    case_page = police.get(f"/cases/{conference.case_id}?purpose=case_conference").get_data(
        as_text=True
    )
    summary = " ".join(case_page.split()).split('id="risk"')[1].split("<caption")[0]
    assert "(its score is not shared with your agency)" in summary
    assert "None" not in summary
    history = _pdf_text(police, conference).split("Risk history")[1].split("Support and")[0]
    assert "Not shared with your agency" in history
    assert "None" not in history

    # The case's own agency sees the score, in the pack and on the case page.
    pack = officer.get(f"/conferences/{conference.id}/pack").get_data(as_text=True)
    tables = _Tables()
    tables.feed(pack)
    headings, rows = tables.tables["Risk history"]
    assert dict(zip(headings, rows[0], strict=True))["Score"] == "0"


def test_the_pack_writes_dates_and_counts_as_people_do_and_says_when_nobody_is_on_the_case(
    demo_hub, demo_session
) -> None:
    conference, officer = _convened(demo_hub, demo_session, with_victim=True)
    police = _readers(demo_hub, demo_session, officer)["northshire-police"]
    victim = _victim(conference)
    load_data_keys(demo_session, [victim.data_key_id])
    seal_many(victim, {"date_of_birth": "1977-02-24"})
    demo_session.commit()
    for client in (officer, police):
        pack = " ".join(
            re.sub(
                r"<[^>]+>",
                " ",
                client.get(f"/conferences/{conference.id}/pack").get_data(as_text=True),
            ).split()
        )
        assert re.findall(r"\d{4}-\d\d-\d\d", pack) == []  # no date as a computer writes it
        assert "(born 24 February 1977)" in pack
    assert re.search(
        r"shared with your agency until \d{1,2} [A-Z][a-z]+ 20\d\d", pack
    )  # the police's
    incidents = len(conference.case.incidents)
    assert f"Timeline: {incidents} incident{'' if incidents == 1 else 's'}, newest" in pack
    case_page = officer.get(f"/cases/{conference.case_id}").get_data(as_text=True)
    assert "24 February 1977" in case_page

    # One incident is one incident; a case with no one on it says so, with no empty table.
    for incident in conference.case.incidents[1:]:
        demo_session.delete(incident)
    for party in conference.case.parties:
        demo_session.delete(party)
    demo_session.commit()
    pack = police.get(f"/conferences/{conference.id}/pack").get_data(as_text=True)
    assert "Timeline: 1 incident, newest first" in pack
    tables = _Tables()
    tables.feed(pack)
    assert "People" not in tables.tables
    assert "No people are recorded on this case" in pack
