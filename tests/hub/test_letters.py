"""The standard letters (config/letters.toml, demo partnership): an officer writes a
warning to the reported person, previews it in large print because their adjustments ask
for it, and produces it: a PDF with the person's name and the officer's words, kept with
the case's documents, the warning recorded as a done action, one entry in the audit log;
bad input refused at its field; partners cannot write letters; the letters file is
checked with each problem at its line."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from itertools import combinations
from pathlib import Path

import pytest
from markupsafe import escape
from pypdf import PdfReader
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase, authorise
from sharing.access.decide import Act, Actor, Decision
from sharing.audit import acts
from sharing.cases import actions, documents_shown
from sharing.cases.letters_file import LettersInvalid, load_letters, parse_letters
from sharing.cases.needs import Needs
from sharing.crypto.sealing import seal_many, unseal_many
from sharing.errors import NotFound
from sharing.models import Action, AuditEntry, Case, CaseParty, Document
from sharing.models.documents import CONTENT, PREVIEW
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    Adjustment,
    ContactMethod,
    Marking,
    PartyRole,
    Role,
)
from tests.fixtures.app import csrf_token
from tests.fixtures.cli import hub
from tests.fixtures.demo import demo_client, demo_user, open_cases, share_demo_case
from tests.fixtures.forms import form_on
from tests.hub.test_documents import _case

BEHAVIOUR = "loud music from your flat after midnight and shouting on the shared stairs"
LETTERS = Path(__file__).parents[2] / "config" / "letters.toml"


def _reported(session: Session, case: Case) -> CaseParty:
    party = next((p for p in case.parties if p.role is PartyRole.REPORTED), None)
    if party is None:
        party = CaseParty(case=case, person=case.parties[0].person, role=PartyRole.REPORTED)
        session.add(party)
    seal_many(
        party.person,
        {"adjustments": Needs(adjustments=(Adjustment.LARGE_PRINT,)).adjustments_document()},
    )
    session.commit()
    return party


def _post(client, case_id: int, **fields: str):
    url = f"/cases/{case_id}/letters/new"
    return client.post(url, data={"csrf_token": csrf_token(client, url), **fields})


def _plan(client, case_id: int, person_id: int, **fields: object):
    """The action plan letter for the person, with the usual asks and contact (``fields``
    add to them or change them)."""
    path = f"/cases/{case_id}/letter"
    data = {
        "csrf_token": csrf_token(client, path),
        "person": str(person_id),
        "asks": "Keep the diary sheets",
        "keeping_in_touch": "I will phone you every Tuesday",
        **fields,
    }
    return client.post(path, data=data)


def test_an_officer_writes_a_warning_in_large_print_and_it_is_kept_with_the_case(
    demo_hub, demo_session
) -> None:
    case = _case(demo_session, 7)
    party = _reported(demo_session, case)
    name = " ".join(
        v for v in unseal_many(party.person, ("given_names", "family_name")).values() if v
    )
    officer = demo_client(demo_hub, case.officer)
    assert f'href="/cases/{case.id}/letters/new"' in officer.get(f"/cases/{case.id}").get_data(
        as_text=True
    )
    form = officer.get(f"/cases/{case.id}/letters/new").get_data(as_text=True)
    assert "Written warning about anti-social behaviour" in form
    preview = _post(
        officer,
        case.id,
        letter="warning",
        person=str(party.person_id),
        details=BEHAVIOUR,
        action="preview",
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    # one tab each: two cases' previews of the same letter are told apart by their title
    assert (
        f"<title>Preview: Written warning about anti-social behaviour for case {case.reference} – "
        in page
    )
    assert "In large print: their reasonable adjustments ask for large print." in page
    assert "hub-letter--large-print" in page
    assert BEHAVIOUR in page
    assert f"Dear {escape(name)}," in page  # as HTML: "O'Rourke" is O&#39;Rourke there
    assert re.search(r'name="large_print"[^>]*checked', page)
    assert (
        demo_session.scalars(
            select(AuditEntry)
            .where(AuditEntry.action == "case.view")
            .order_by(AuditEntry.seq.desc())
        )
        .first()
        .basis.endswith(f"sections warning letter; person {party.person_id}")
    )

    produced = _post(
        officer,
        case.id,
        letter="warning",
        person=str(party.person_id),
        details=BEHAVIOUR,
        formats_chosen="y",
        large_print="y",
        action="produce",
    )
    assert produced.status_code == 302, produced.get_data(as_text=True)
    demo_session.expire_all()
    document = demo_session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.id.desc())
    ).first()
    assert produced.location.endswith(f"/cases/{case.id}/documents/{document.id}")
    assert (document.kind.value, document.person_id) == ("letter_sent", party.person_id)
    pdf = officer.get(f"/cases/{case.id}/documents/{document.id}/file")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert f"Dear {name}," in text
    assert BEHAVIOUR in text
    assert case.reference in text
    action = demo_session.scalars(
        select(Action).where(Action.case_id == case.id).order_by(Action.id.desc())
    ).first()
    assert (action.kind, action.status) == (ActionKind.WARNING_LETTER, ActionStatus.DONE)
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.record").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis == (
        f"letter warning for person {party.person_id} (large print); document {document.id}; "
        f"action {action.id} done"
    )


def test_the_action_plan_letter_is_in_large_print_when_the_persons_adjustments_ask(
    demo_hub, demo_session
) -> None:
    """A victim whose reasonable adjustments include large print gets their action plan
    letter in 16 point, on the page and as the kept PDF, as the standard letters do; the
    officer can choose standard print instead; the kept letter and the entry say which."""
    case = _case(demo_session, 13)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    seal_many(
        victim.person,
        {"adjustments": Needs(adjustments=(Adjustment.LARGE_PRINT,)).adjustments_document()},
    )
    demo_session.commit()
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/letter"
    form = officer.get(path).get_data(as_text=True)
    assert "Large print" in form
    assert re.search(r'name="print_size"[^>]*value="adjustments"[^>]*checked', form)
    data = {
        "csrf_token": csrf_token(officer, path),
        "person": str(victim.person_id),
        "asks": "Keep the diary sheets",
        "keeping_in_touch": "I will phone you every Tuesday",
    }
    page = officer.post(path, data=data).get_data(as_text=True)
    assert "hub-letter--large-print" in page
    assert "In large print: their reasonable adjustments ask for large print." in page
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq.desc())
    ).first()
    assert f"sections complainant letter (large print); person {victim.person_id}" in entry.basis
    standard = officer.post(path, data={**data, "print_size": "standard"}).get_data(as_text=True)
    assert "hub-letter--large-print" not in standard

    produced = officer.post(path, data={**data, "as": "pdf"})
    assert produced.status_code == 302, produced.get_data(as_text=True)
    demo_session.expire_all()
    kept = demo_session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.id.desc())
    ).first()
    assert unseal_many(kept, ("description",))["description"].startswith(
        "Action plan letter (large print), "
    )
    pdf = officer.get(f"/cases/{case.id}/documents/{kept.id}/file")
    sizes = set()
    PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text(
        visitor_text=lambda text, cm, tm, font, size: (
            sizes.add(round(size * tm[0])) if text.strip() else None
        )
    )
    assert max(sizes) >= 16
    assert 11 not in sizes  # no paragraph left in normal print


def test_plain_language_follows_the_persons_adjustments(demo_hub, demo_session) -> None:
    case = _case(demo_session, 8)
    victim = case.parties[0]
    seal_many(
        victim.person,
        {"adjustments": Needs(adjustments=(Adjustment.PLAIN_LANGUAGE,)).adjustments_document()},
    )
    demo_session.commit()
    officer = demo_client(demo_hub, case.officer)
    preview = _post(officer, case.id, letter="acknowledgement", person=str(victim.person_id))
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert "We will call you in the next five working days." in page  # the plain version
    assert "hub-letter--large-print" not in page


def test_a_letter_refused_says_what_to_write_and_whom_it_may_go_to(demo_hub, demo_session) -> None:
    case = _case(demo_session, 9)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    officer = demo_client(demo_hub, case.officer)
    for fields, message in (
        (
            {"letter": "warning", "person": "", "details": ""},
            "Select who the letter is for: a reported person on this case",
        ),
        (
            {"letter": "closure", "person": "", "details": "Resolved"},
            "Select who the letter is for: a victim, reporter, member of a household involved, "
            "or business or community group making the complaint on this case",
        ),
        (
            {"letter": "closure", "person": str(victim.person_id), "details": "  "},
            "Write why the case is closing, and what was done",
        ),
    ):
        response = _post(officer, case.id, **fields)
        assert response.status_code == 400, fields
        summary = html.unescape(response.get_data(as_text=True))
        start = summary.index("There is a problem")
        summary = summary[start : summary.index("</ul>", start)]
        assert message in summary, fields


def test_bad_letters_are_refused_at_their_field(demo_hub, demo_session) -> None:
    case = _case(demo_session, 9)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    officer = demo_client(demo_hub, case.officer)
    for fields, field, message in (
        (
            {"letter": "warning", "person": str(victim.person_id), "details": BEHAVIOUR},
            "person",
            "Select who the letter is for: a reported person on this case",
        ),
        ({"letter": "nonsense", "person": str(victim.person_id)}, "letter", "Select which letter"),
        (
            {"letter": "closure", "person": str(victim.person_id), "details": "  "},
            "details",
            "Write why the case is closing, and what was done",
        ),
        (
            {"letter": "closure", "person": str(victim.person_id), "details": "x" * 4001},
            "details",
            "4,000",
        ),
    ):
        response = _post(officer, case.id, **fields)
        assert response.status_code == 400, fields
        text = response.get_data(as_text=True)
        assert f'href="#{field}' in text, fields
        assert message in text, fields
    assert officer.get("/cases/999999/letters/new").status_code == 404


def test_partners_cannot_write_a_cases_letters(demo_hub, demo_session) -> None:
    case = _case(demo_session, 10)
    share_demo_case(demo_session, case, "northshire-police")
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert police.get(f"/cases/{case.id}/letters/new").status_code == 403
    response = _post(police, case.id, letter="acknowledgement", person="1")
    assert response.status_code == 403


def test_the_letters_file_is_checked_with_each_problem_at_its_line(tmp_path: Path) -> None:
    assert [t.id for t in load_letters(LETTERS).letters] == [
        "acknowledgement",
        "interview_invitation",
        "warning",
        "abc",
        "good_neighbour",
        "closure",
    ]
    text = (
        'id = "l"\ntitle = "L"\nversion = 1\n'
        '[[letters]]\nid = "warning"\ntitle = "W"\nto = ["reported", "victm"]\n'
        'details = "What"\nparagraphs = ["Dear {nmae}", "{details"]\nplain = ["{name!r}", { landlrd = "Rent" }]\n'
        '[[trigger_letters]]\nid = "outcome"\nparagraphs = ["Found: {findings}"]\n'
        'with_recommendations = "Below."\nwithout_recommendations = "None."\n'
        '[[trigger_letters]]\nid = "apology"\nparagraphs = ["Sorry"]\n'
        '[contact]\nnorthshire-homes = " "\n'
    )
    with pytest.raises(LettersInvalid) as refused:
        parse_letters(text, "letters.toml")
    problems = [str(p) for p in refused.value.problems]
    assert any(
        p.startswith('letters.toml:7: letters[0].to: unknown part "victm" (did you mean "victim"?)')
        for p in problems
    )
    assert any(
        p.startswith("letters.toml:9:") and "unknown placeholder {nmae}" in p for p in problems
    )
    assert any("has a brace that opens or closes nothing" in p for p in problems)
    assert any(p.startswith("letters.toml:10:") and "has a format" in p for p in problems)
    assert any(
        p.startswith("letters.toml:10:")
        and 'unknown type of agency "landlrd" (did you mean "landlord"?)' in p
        for p in problems
    )
    assert any("never uses {details}" in p for p in problems)
    assert any(
        p.startswith("letters.toml:13: trigger_letters[0].paragraphs: never uses {recommendations}")
        for p in problems
    )
    assert any('unknown Community Trigger letter "apology"' in p for p in problems)
    assert any(
        p.startswith("letters.toml:20: contact.northshire-homes: is empty") for p in problems
    )
    bad = tmp_path / "letters.toml"
    bad.write_text(text)
    result = hub("letters", "check", str(bad))
    assert result.exit_code == 1
    assert "unknown placeholder {nmae}" in result.output
    assert "problems in 1 file(s)" in result.output
    good = hub("letters", "check", str(LETTERS))
    assert good.exit_code == 0
    assert "1 file(s) checked: no problems" in good.output


def test_a_contact_line_for_an_agency_the_partnership_does_not_have_is_named() -> None:
    text = LETTERS.read_text().replace("[contact]\n", '[contact]\nnorthshire-homse = "1 Street"\n')
    known = set(load_letters(LETTERS).contact)  # the agencies the file gives lines to
    parse_letters(text, "letters.toml")  # without the partnership's agencies: not checked
    with pytest.raises(LettersInvalid) as refused:
        parse_letters(text, "letters.toml", known)
    [problem] = refused.value.problems
    assert "contact.northshire-homse" in str(problem)
    assert 'is not an agency of the partnership (did you mean "northshire-homes"?)' in str(problem)


def _with_reported(session: Session, agency_code: str) -> tuple[Case, CaseParty]:
    """An open case of the agency, with its reported person."""
    for case in open_cases(session, agency_code):
        party = next((p for p in case.parties if p.role is PartyRole.REPORTED), None)
        if party is not None:
            return case, party
    raise AssertionError(f"no open case of {agency_code} with a reported person")


@pytest.mark.parametrize(
    ("agency_code", "landlord"),
    [("northshire-homes", True), ("northshire-police", False), ("northshire-eh", False)],
)
def test_a_warning_speaks_of_a_tenancy_only_when_a_landlord_sends_it(
    demo_hub, demo_session, agency_code: str, landlord: bool
) -> None:
    """The police or environmental health have no tenants: their warning, standard or in
    plain language, says nothing of a tenancy or of losing a home; a landlord's says it
    only of someone who rents their home from them."""
    case, party = _with_reported(demo_session, agency_code)
    officer = demo_client(demo_hub, case.officer)
    for plain in ("", "y"):
        preview = _post(
            officer,
            case.id,
            letter="warning",
            person=str(party.person_id),
            details=BEHAVIOUR,
            formats_chosen="y",
            plain=plain,
            action="preview",
        )
        assert preview.status_code == 200, preview.get_data(as_text=True)
        page = preview.get_data(as_text=True)
        letter = page[page.index('class="hub-letter') :]
        assert "It must stop now." in letter
        assert "It breaks the rules of your tenancy." not in letter  # never said as a fact
        if landlord:
            hedge = "If you rent your home from us" if plain else "if you are our tenant"
            assert hedge in letter
        else:
            assert "tenan" not in letter
            assert "lose your home" not in letter
            assert "possession" not in letter


def test_a_letter_says_how_to_reach_the_officer_and_their_agency(demo_hub, demo_session) -> None:
    """Procedure 001 §3: the person is given the name and contact details of their officer.
    The letter, page and PDF, gives the officer's work e-mail and the agency's contact
    line from the letters file (its address and phone)."""
    case = _case(demo_session, 11)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    contact = load_letters(LETTERS).contact["northshire-homes"]
    officer = demo_client(demo_hub, case.officer)
    fields = {"letter": "acknowledgement", "person": str(victim.person_id)}
    preview = _post(officer, case.id, **fields, action="preview")
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert f"E-mail: {case.officer.email}" in page
    assert str(escape(contact)) in page
    produced = _post(officer, case.id, **fields, formats_chosen="y", action="produce")
    assert produced.status_code == 302, produced.get_data(as_text=True)
    pdf = officer.get(produced.location + "/file")
    text = " ".join(
        " ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.data)).pages
    )
    assert f"E-mail: {case.officer.email}" in text
    assert " ".join(contact.split()) in text


def test_the_preview_tells_the_officer_of_an_interpreter_or_advocate_before_sending(
    demo_hub, demo_session
) -> None:
    """Procedure 001 §2 (translation, the preferred method of communication): the letter is
    not changed, but its preview, standard or action plan, tells the officer what is
    recorded for the person, so they arrange it before sending."""
    case = _case(demo_session, 12)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    needs = Needs(
        adjustments=(Adjustment.INTERPRETER, Adjustment.ADVOCATE),
        language="Polish",
        advocate="Jan Nowak, Age UK",
        contact_by=ContactMethod.PHONE,
        no_home_visits=True,
    )
    seal_many(
        victim.person,
        {"adjustments": needs.adjustments_document(), "contact_needs": needs.contact_document()},
    )
    demo_session.commit()
    officer = demo_client(demo_hub, case.officer)
    preview = _post(officer, case.id, letter="acknowledgement", person=str(victim.person_id))
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    note = page[: page.index('class="hub-letter"')]
    assert (
        "Recorded for this person: An interpreter (Polish); Through their advocate or "
        "supporter, Jan Nowak, Age UK." in note
    )
    assert "How to contact them: By phone; No home visits." in note
    letter = page[page.index('class="hub-letter"') :]
    assert "Polish" not in letter  # the letter itself is as the file words it
    assert "Thank you for reporting anti-social behaviour" in letter

    plan = _plan(officer, case.id, victim.person_id).get_data(as_text=True)
    assert "Recorded for this person: An interpreter (Polish)" in plan


def test_no_letter_names_an_officer_who_has_left(demo_hub, demo_session) -> None:
    """An officer's account is disabled when they leave, and their open cases stay
    theirs until a manager gives them to someone else. Every letter names the case
    officer as the one dealing with it, with their e-mail: while the officer has left,
    both letter forms say so (a manager is offered the page that gives the case to
    another officer) and no letter is made, nothing recorded. Once the case is given to
    another officer, the warning is produced naming them, and recorded as an action done,
    named to them."""
    case = _case(demo_session, 14)
    party = _reported(demo_session, case)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    manager_user = demo_user(demo_session, "northshire-homes", Role.MANAGER)
    manager = demo_client(demo_hub, manager_user)
    officer = case.officer
    left = f"{officer.display_name}, the case officer, has left"
    officer.active = False
    demo_session.commit()
    kept = select(func.count()).select_from(Document).where(Document.case_id == case.id)
    documents = demo_session.scalar(kept)
    try:
        for path in (f"/cases/{case.id}/letters/new", f"/cases/{case.id}/letter"):
            form = html.unescape(manager.get(path).get_data(as_text=True))
            assert left in form
            assert f'href="/cases/{case.id}/officer"' in form
        refused = _post(
            manager,
            case.id,
            letter="warning",
            person=str(party.person_id),
            details=BEHAVIOUR,
            action="produce",
        )
        assert refused.status_code == 400
        page = html.unescape(refused.get_data(as_text=True))
        assert f"{left}, and a letter names the case officer and their e-mail" in page
        assert "a manager must give the case to another officer" in page
        plan = _plan(manager, case.id, victim.person_id, **{"as": "pdf"})
        assert plan.status_code == 400
        assert left in html.unescape(plan.get_data(as_text=True))
        assert demo_session.scalar(kept) == documents

        # The manager gives the case to themselves; the warning now names them.
        given = f"/cases/{case.id}/officer"
        opened = form_on(manager.get(given).get_data(as_text=True), given)
        answer = manager.post(given, data={**opened, "officer_id": str(manager_user.id)})
        assert answer.status_code == 302, answer.get_data(as_text=True)
        assert left not in manager.get(f"/cases/{case.id}/letters/new").get_data(as_text=True)
        preview = _post(
            manager, case.id, letter="warning", person=str(party.person_id), details=BEHAVIOUR
        )
        page = html.unescape(preview.get_data(as_text=True))
        assert manager_user.email in page
        assert officer.email not in page
        produced = _post(
            manager,
            case.id,
            letter="warning",
            person=str(party.person_id),
            details=BEHAVIOUR,
            action="produce",
        )
    finally:
        officer.active = True
        demo_session.commit()
    assert produced.status_code == 302, produced.get_data(as_text=True)
    demo_session.expire_all()
    action = demo_session.scalars(
        select(Action).where(Action.case_id == case.id).order_by(Action.id.desc())
    ).first()
    assert (action.kind, action.status) == (ActionKind.WARNING_LETTER, ActionStatus.DONE)
    assert action.owner_user_id == manager_user.id


def test_a_letter_never_promises_a_review_by_a_day_gone(demo_hub, demo_session) -> None:
    """A case whose review is overdue: its good neighbour agreement does not tell the
    neighbours "we will check how things are going by" a day already past, where it gave
    the overdue day, but by the date of the case's next review; the action plan letter
    leaves out "we will review your case with you by" that day."""
    case = _case(demo_session, 15)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    overdue = clock.today() - timedelta(days=3)
    case.review_due_on = overdue
    demo_session.commit()
    officer = demo_client(demo_hub, case.officer)
    preview = _post(
        officer,
        case.id,
        letter="good_neighbour",
        person=str(victim.person_id),
        details="both households keep their dogs in after 9pm",
        action="preview",
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = preview.get_data(as_text=True)
    assert clock.day_text(overdue) not in page
    assert "We will check how things are going by the date of its next review." in page
    plan = _plan(officer, case.id, victim.person_id)
    assert plan.status_code == 200, plan.get_data(as_text=True)
    assert clock.day_text(overdue) not in plan.get_data(as_text=True)


def _options(page: str, field: str) -> list[tuple[str, str]]:
    """The (value, label) choices the page offers for ``field``: a list's options, or
    radios with their labels."""
    listed = re.search(rf'<select[^>]*name="{field}"[^>]*>(.*?)</select>', page, re.S)
    found = (
        re.findall(r'<option[^>]*value="([^"]*)"[^>]*>(.*?)</option>', listed[1])
        if listed
        else re.findall(
            rf'<input[^>]*name="{field}"[^>]*value="([^"]*)"[^>]*>\s*<label[^>]*>(.*?)</label>',
            page,
            re.S,
        )
    )
    assert found, field
    return [(value, html.unescape(label).strip()) for value, label in found]


def _in_two_parts(session: Session, nth: int, role: PartyRole, also: PartyRole) -> CaseParty:
    """Someone on an open case in ``role`` who is also on it as ``also`` (a victim who
    reported it too; a victim a neighbour complains about in turn)."""
    case = _case(session, nth)
    party = next((p for p in case.parties if p.role is role), None)
    if party is None:
        party = CaseParty(case=case, person=case.parties[0].person, role=role)
        session.add(party)
    if not any(p.person_id == party.person_id and p.role is also for p in case.parties):
        session.add(CaseParty(case=case, person=party.person, role=also))
    session.commit()
    return party


def _name(party: CaseParty) -> str:
    return " ".join(
        v for v in unseal_many(party.person, ("given_names", "family_name")).values() if v
    )


def test_someone_in_two_parts_is_offered_once_with_both_parts_named(demo_hub, demo_session) -> None:
    """A victim who also reported it is one person: the standard letters' list and the
    action plan letter's list each offer them once, as "Name (victim and reporter)", not
    twice under the same choice; so do the other forms that choose someone on the case
    (who reported an incident)."""
    party = _in_two_parts(demo_session, 9, PartyRole.VICTIM, PartyRole.REPORTER)
    case = party.case
    officer = demo_client(demo_hub, case.officer)
    name = _name(party)
    for path, field in (
        (f"/cases/{case.id}/letters/new", "person"),
        (f"/cases/{case.id}/letter", "person"),
        (f"/cases/{case.id}/incidents/new", "reported_by"),
    ):
        offered = _options(officer.get(path).get_data(as_text=True), field)
        values = [value for value, _ in offered if value]
        assert len(values) == len(set(values)), offered
        theirs = [label for value, label in offered if value == str(party.person_id)]
        assert theirs == [f"{name} (victim and reporter)"], path


@pytest.mark.parametrize(
    ("letter", "role", "also", "part"),
    [
        # The agreement goes to both parts they hold: the action names both.
        ("good_neighbour", PartyRole.VICTIM, PartyRole.REPORTER, "victim and reporter"),
        # A warning goes to the reported person alone, whatever else they are on the case.
        ("warning", PartyRole.WITNESS, PartyRole.REPORTED, "reported person"),
    ],
)
def test_a_letters_action_names_the_person_and_the_part_it_is_addressed_in(
    demo_hub, demo_session, letter: str, role: PartyRole, also: PartyRole, part: str
) -> None:
    party = _in_two_parts(demo_session, 10, role, also)
    case = party.case
    officer = demo_client(demo_hub, case.officer)
    produced = _post(
        officer,
        case.id,
        letter=letter,
        person=str(party.person_id),
        details=BEHAVIOUR,
        action="produce",
    )
    assert produced.status_code == 302, produced.get_data(as_text=True)
    demo_session.expire_all()
    action = demo_session.scalars(
        select(Action).where(Action.case_id == case.id).order_by(Action.id.desc())
    ).first()
    title = {
        "good_neighbour": "Good neighbour agreement",
        "warning": "Written warning about anti-social behaviour",
    }[letter]
    assert unseal_many(action, ("description",))["description"] == (
        f"{title}: letter sent to {_name(party)} as the {part}"
    )
    entry = demo_session.scalars(
        select(AuditEntry).where(AuditEntry.action == "case.record").order_by(AuditEntry.seq.desc())
    ).first()
    assert entry.basis.startswith(f"letter {letter} for person {party.person_id} (")
    assert _name(party) not in entry.basis


@pytest.mark.parametrize("plain", [False, True], ids=["standard", "plain language"])
def test_the_acknowledgement_encloses_nothing_it_does_not_print(
    demo_hub, demo_session, plain: bool
) -> None:
    """The hub prints the letter alone: the acknowledgement no longer says diary sheets
    are enclosed (nor the action plan letter's usual asks that we gave them some); it
    offers them, as the procedure does (003 §3.9: "we can provide diary sheets")."""
    case = _case(demo_session, 11)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    officer = demo_client(demo_hub, case.officer)
    fields = {"formats_chosen": "y", **({"plain": "y"} if plain else {})}
    preview = _post(
        officer, case.id, letter="acknowledgement", person=str(victim.person_id), **fields
    )
    assert preview.status_code == 200, preview.get_data(as_text=True)
    page = html.unescape(preview.get_data(as_text=True))
    assert "enclosed" not in page
    assert "on the diary sheets" not in page
    assert "Ask us for diary sheets" in page or "ask us for diary sheets" in page
    form = officer.get(f"/cases/{case.id}/letter").get_data(as_text=True)
    assert "diary sheets we gave you" not in form
    assert "ask us for diary sheets to write it on" in form


def test_the_action_plan_letter_promises_no_day_already_gone(demo_hub, demo_session) -> None:
    """An action past its due day is still open: the action plan letter lists it without
    promising it "by" a day before the letter's own date, and the form tells the officer
    so (they may change its due date first); an action still to come keeps its day."""
    case = _case(demo_session, 12)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    authorised = authorise(demo_session, Actor.of(case.officer), case.id, Act.RECORD)
    gone, coming = clock.today() - timedelta(days=4), clock.today() + timedelta(days=6)
    late = actions.add_action(
        demo_session,
        authorised,
        actions.ActionInput(ActionKind.PERPETRATOR_VISIT, "Visit the flat upstairs"),
    )
    late.due_on = gone  # due then; not done since
    soon = actions.add_action(
        demo_session,
        authorised,
        actions.ActionInput(ActionKind.VICTIM_SUPPORT, "Fit a door viewer", due_on=coming),
    )
    demo_session.commit()
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/letter"
    form = html.unescape(officer.get(path).get_data(as_text=True))
    assert (
        f"Visit the flat upstairs (overdue since {clock.day_text(gone)}: the letter gives "
        "no date for it)" in form
    )
    assert "Fit a door viewer (overdue" not in form
    letter = _plan(officer, case.id, victim.person_id, actions=[str(late.id), str(soon.id)])
    assert letter.status_code == 200, letter.get_data(as_text=True)
    page = html.unescape(letter.get_data(as_text=True))
    assert "Visit the flat upstairs (Northshire Homes)" in page
    assert not re.search(rf"\b{clock.day_text(gone)}", page)
    assert f"Fit a door viewer (Northshire Homes, by {clock.day_text(coming)})" in page


def _kept(session: Session, case: Case) -> Document:
    session.expire_all()
    return session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.id.desc())
    ).first()


def test_a_letter_is_seen_only_by_readers_given_its_addressees_name_and_address(
    demo_hub, demo_session
) -> None:
    """A letter the hub produced is filed under "what happened", but its text names its
    addressee and their address (and an action plan letter the case's actions): a reader
    given "what happened" without identity or location (a protocol clause giving only
    that) sees neither the letter in the case's documents, nor its page, nor its file,
    and the refusal is recorded naming the document, never the person; a diary sheet
    filed under "what happened" they see as before. Tried for every combination of the
    categories concerned."""
    case = _case(demo_session, 4)
    party = _reported(demo_session, case)
    victim = next(p for p in case.parties if p.role in (PartyRole.VICTIM, PartyRole.REPORTER))
    officer = demo_client(demo_hub, case.officer)
    warned = _post(
        officer,
        case.id,
        letter="warning",
        person=str(party.person_id),
        details=BEHAVIOUR,
        formats_chosen="y",
        action="produce",
    )
    assert warned.status_code == 302, warned.get_data(as_text=True)
    warning = _kept(demo_session, case)
    assert _plan(officer, case.id, victim.person_id, **{"as": "pdf"}).status_code == 302
    plan = _kept(demo_session, case)
    diary = officer.post(
        f"/cases/{case.id}/documents/new",
        data={
            "csrf_token": csrf_token(officer, f"/cases/{case.id}/documents/new"),
            "kind": "diary_sheet",
            "category": "narrative",
            "marking": "official_sensitive",
            "about": "",
            "description": "",
            "file": (io.BytesIO(b"Diary: music until 3am\n"), "diary.txt"),
        },
        content_type="multipart/form-data",
    )
    assert diary.status_code == 302
    sheet = _kept(demo_session, case)
    assert warning.categories == ("narrative", "identity", "location")
    # A letter to a resident is OFFICIAL; the diary sheet as the officer marked it.
    assert (warning.marking, plan.marking, sheet.marking) == (
        Marking.OFFICIAL,
        Marking.OFFICIAL,
        Marking.OFFICIAL_SENSITIVE,
    )
    assert plan.categories == ("narrative", "identity", "location", "actions")
    assert sheet.categories == ("narrative",)
    # Producing them says what they hold.
    record = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.action == "case.record", AuditEntry.basis.like(f"document {plan.id} %")
        )
    ).one()
    assert record.basis == (
        f"document {plan.id} added (letter_sent, narrative; also identity, location, actions); "
        "marked official"
    )

    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    store = demo_hub.extensions["hub.file_store"]
    needed = {
        warning.id: {"narrative", "identity", "location"},
        plan.id: {"narrative", "identity", "location", "actions"},
        sheet.id: {"narrative"},
    }
    concerned = ("narrative", "identity", "location", "actions")
    for n in range(len(concerned) + 1):
        for given in combinations(concerned, n):
            decision = Decision(allowed=True, categories=dict.fromkeys(given, "Clause 9.9 of X"))
            authorised = AuthorisedCase(
                case, decision, Actor.of(police_user), Act.VIEW, "asb_case_management"
            )
            listed = {line.id for line in documents_shown.documents(demo_session, decision, case)}
            assert listed == {d for d, wanted in needed.items() if wanted <= set(given)}, given
            for document_id, wanted in needed.items():
                for part in (PREVIEW, CONTENT):
                    if wanted <= set(given):
                        opened = documents_shown.open_document(
                            demo_session, authorised, store, document_id, part
                        )
                        assert opened.line.id == document_id
                        continue
                    with pytest.raises(NotFound):
                        documents_shown.open_document(
                            demo_session, authorised, store, document_id, part
                        )
                    assert acts.refused_in(demo_session)
            demo_session.rollback()
    # The refusal, as a request records it: the document and what it holds, no one named.
    only_narrative = Decision(allowed=True, categories={"narrative": "Clause 9.9 of X"})
    with pytest.raises(NotFound):
        documents_shown.open_document(
            demo_session,
            AuthorisedCase(case, only_narrative, Actor.of(police_user), Act.VIEW, "x"),
            store,
            warning.id,
            CONTENT,
        )
    acts.roll_back_keeping_refusals(demo_session)
    entry = demo_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert entry.outcome == "refused"
    assert entry.basis.endswith(
        f"document {warning.id} (narrative; also identity, location): category not given"
    )


def test_the_letter_form_keeps_an_abbreviation_in_capitals(demo_hub, demo_session) -> None:
    """Each letter's hint says the action it records in a sentence, the contract's
    abbreviation as the procedures write it, where it read "acceptable behaviour contract
    (abc)"."""
    case = _case(demo_session, 7)
    page = demo_client(demo_hub, case.officer).get(f"/cases/{case.id}/letters/new")
    text = html.unescape(page.get_data(as_text=True))
    assert "Recorded as: acceptable behaviour contract (ABC)" in text
    assert "(abc)" not in text
    assert "Recorded as: warning letter" in text
