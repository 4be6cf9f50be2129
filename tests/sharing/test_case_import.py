"""Importing a landlord's cases from its own system into the demo partnership, on SQLite
and PostgreSQL: what the manager sees in the dry run is what the import does, all rows
or none, and importing again changes nothing."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, event, func, select
from sqlalchemy.orm import Session

from sharing import accounts, clock
from sharing.access.decide import Actor
from sharing.cases import casework, first_contact, people, reviews
from sharing.crypto import blind_index
from sharing.crypto.keys import LocalKeyring
from sharing.crypto.sealing import unseal
from sharing.db import make_session_factory
from sharing.errors import NotAllowed
from sharing.formats import other_names
from sharing.imports import batch
from sharing.imports.case_rows import FileRejected
from sharing.imports.cases import import_cases
from sharing.imports.matching import Linked
from sharing.models import (
    Agency,
    AuditEntry,
    Case,
    CaseParty,
    Escalation,
    Incident,
    Person,
    Ward,
)
from sharing.vocabulary import CaseCategory, PartyRole, Priority, Role, Triage
from tests.fixtures.demo import demo_actor, demo_user, lock_demo_case
from tests.sharing.test_case_rows import HEADING
from tests.sharing.test_case_rows import line_of as line_of_2026

#: The rows' days, counted back from today (the tests run on any date).
OPENED = clock.today() - timedelta(days=3)

AGENCY = "wealdbrook-ht"


@pytest.fixture
def session(demo_database: tuple[Engine, LocalKeyring]) -> Iterator[Session]:
    with make_session_factory(*demo_database)() as session:
        yield session


@pytest.fixture
def manager(session: Session) -> Actor:
    return demo_actor(session, AGENCY, Role.MANAGER)


def line_of(**changes: str) -> str:
    """A good row opened three days ago, its incident the evening before, with ``changes``."""
    incident = f"{(OPENED - timedelta(days=1)).isoformat()} 23:40"
    return line_of_2026(**{"opened_on": OPENED.isoformat(), "incident_at": incident, **changes})


def csv_of(session: Session, *lines: str) -> io.BytesIO:
    ward = session.scalars(select(Ward.name).order_by(Ward.id)).first()
    return io.BytesIO(
        ("\n".join([HEADING, *lines]) + "\n").replace(",Abbey,", f",{ward},").encode()
    )


def counts(session: Session) -> tuple[int, int, int]:
    session.expire_all()
    return (
        session.scalar(select(func.count()).select_from(Case)),
        session.scalar(select(func.count()).select_from(Incident)),
        session.scalar(select(func.count()).select_from(Person)),
    )


def imported(session: Session, reference: str) -> Case:
    agency_id = session.scalar(select(Agency.id).where(Agency.code == AGENCY))
    case = session.scalar(
        select(Case).where(Case.agency_id == agency_id, Case.external_reference == reference)
    )
    assert case is not None
    return case


def last_import_entry(session: Session) -> AuditEntry:
    session.expire_all()
    entry = session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "cases.import")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry is not None
    return entry


def test_the_dry_run_reports_what_the_import_then_does(session: Session, manager: Actor) -> None:
    lines = (
        line_of(reference="W-1"),
        line_of(reference="W-2", postcode="XX1"),
        line_of(reference="W-3"),
    )
    before = counts(session)

    checked = import_cases(session, manager, csv_of(session, *lines), dry_run=True)
    assert (checked.opened, checked.rejected) == (2, 1)
    assert [str(p) for p in checked.report.problems] == [
        "line 3, column postcode: is not a UK postcode"
    ]
    assert counts(session) == before
    assert last_import_entry(session).basis.startswith(
        "dry run: 3 rows, 2 cases opened, 1 rejected"
    )

    done = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert (done.opened, done.rejected) == (checked.opened, checked.rejected)
    assert done.report.problems == checked.report.problems
    cases, incidents, people = counts(session)
    assert cases == before[0] + 2
    assert incidents == before[1] + 2
    case = imported(session, "W-1")
    assert case.reference.startswith(f"{case.agency.case_prefix}-{OPENED.year}-")
    assert case.officer_id == manager.user_id
    assert unseal(case, "summary") == "Loud music most nights from the flat above"
    assert unseal(case, "postcode") == "TS1 4AB"
    assert clock.day_of(case.opened_at) == OPENED
    [incident] = case.incidents
    assert unseal(incident, "description") == "Music until 3am"
    assert last_import_entry(session).basis.startswith("import: 3 rows, 2 cases opened")


def test_a_case_opened_today_before_nine_is_not_opened_in_the_future(
    session: Session, manager: Actor
) -> None:
    """A nightly import at 02:00 of cases opened that day: each is opened at the time of
    the import, not at nine that morning, hours still to come (its incident, recorded at
    the import, would come before its opening). An ordinary day: on a night the clocks
    change, 01:30 is a time they show twice or not at all."""
    today = date(2026, 6, 10)
    two_am = clock.uk_moment(today, 2, 0)
    with clock.pinned(two_am):
        line = line_of(reference="N-1", opened_on=today.isoformat(), incident_at=f"{today} 01:30")
        import_cases(session, manager, csv_of(session, line), dry_run=False)
    case = imported(session, "N-1")
    assert case.opened_at == two_am
    with clock.pinned(clock.uk_moment(today, 11, 0)):
        line = line_of(reference="N-2", opened_on=today.isoformat(), incident_at=f"{today} 08:30")
        import_cases(session, manager, csv_of(session, line), dry_run=False)
    assert imported(session, "N-2").opened_at == clock.uk_moment(today, 9, 0)


def test_importing_the_same_file_again_leaves_its_cases_alone(
    session: Session, manager: Actor
) -> None:
    lines = (line_of(reference="W-1"), line_of(reference="W-2", postcode="XX1"))
    import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    after_first = counts(session)
    mended = (line_of(reference="W-1"), line_of(reference="W-2"))
    again = import_cases(session, manager, csv_of(session, *mended), dry_run=False)
    assert (again.opened, again.already_imported, again.rejected) == (1, 1, 0)
    assert counts(session)[0] == after_first[0] + 1


def test_a_person_the_agency_already_holds_is_linked_not_recorded_twice(
    session: Session, manager: Actor
) -> None:
    # Two rows about the same victim: the second finds the person the first recorded.
    lines = (line_of(reference="W-1"), line_of(reference="W-2", victim_phone="07700 900222"))
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert result.people_matched == 1
    first, second = imported(session, "W-1"), imported(session, "W-2")
    victims = {
        party.person_id
        for party in session.scalars(
            select(CaseParty).where(CaseParty.case_id.in_([first.id, second.id]))
        )
    }
    assert len(victims) == 1


def test_a_row_the_casework_refuses_is_reported_at_its_column_and_leaves_nothing(
    session: Session, manager: Actor
) -> None:
    before = counts(session)
    lines = (
        line_of(reference="W-1", officer_email="nobody@nowhere.example"),
        line_of(reference="W-2", incident_at="1985-06-01 10:00"),
    )
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert result.opened == 0
    assert [str(p) for p in result.report.problems] == [
        "line 2, column officer_email: is not the e-mail address of anyone in your agency",
        "line 3, column incident_at: The date of the incident must be after 1 January 1990",
    ]
    assert counts(session) == before


def test_the_two_times_the_clocks_show_twice_are_kept_apart_and_one_unsaid_is_refused(
    session: Session, manager: Actor
) -> None:
    """The night the clocks went back, 1:30am came twice: a row saying BST is the first,
    one saying GMT the second, an hour later; a row saying neither is refused at its
    column, saying what to add, and leaves nothing."""
    night = {"opened_on": "2025-10-27", "incident_reported_on": "2025-10-27"}
    lines = (
        line_of(reference="C-1", incident_at="2025-10-26 01:30 BST", **night),
        line_of(reference="C-2", incident_at="26/10/2025 01:30 GMT", **night),
        line_of(reference="C-3", incident_at="2025-10-26 01:30", **night),
    )
    before = counts(session)
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert (result.opened, result.rejected) == (2, 1)
    [problem] = result.report.problems
    assert (problem.line, problem.column) == (4, "incident_at")
    assert "add BST after the time for the first" in problem.reason
    assert counts(session)[:2] == (before[0] + 2, before[1] + 2)
    [first] = imported(session, "C-1").incidents
    [second] = imported(session, "C-2").incidents
    assert first.occurred_at == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)
    assert second.occurred_at == datetime(2025, 10, 26, 1, 30, tzinfo=UTC)
    session.expire_all()
    held = select(Case.id).where(Case.external_reference == "C-3")
    assert session.scalar(held) is None


def test_an_officer_named_in_the_file_owns_the_case(session: Session, manager: Actor) -> None:
    officer = demo_user(session, AGENCY, Role.CASE_OFFICER)
    line = line_of(reference="W-1", officer_email=officer.email.upper())
    import_cases(session, manager, csv_of(session, line), dry_run=False)
    assert imported(session, "W-1").officer_id == officer.id


def test_a_file_that_cannot_be_read_writes_nothing_and_is_recorded(
    session: Session, manager: Actor
) -> None:
    before = counts(session)
    data = io.BytesIO((HEADING + "\n" + line_of(reference="W-1") + "\n").encode() + b"\xff\xfe\n")
    with pytest.raises(FileRejected, match="not UTF-8"):
        import_cases(session, manager, data, dry_run=False)
    assert counts(session) == before
    entry = last_import_entry(session)
    assert (entry.outcome, entry.basis) == ("refused", "the file could not be read")


def test_only_managers_import(session: Session) -> None:
    officer = demo_actor(session, AGENCY, Role.CASE_OFFICER)
    with pytest.raises(NotAllowed):
        import_cases(session, officer, csv_of(session, line_of()), dry_run=False)
    assert last_import_entry(session).outcome == "refused"


def test_the_people_on_an_imported_case_are_the_rows(session: Session, manager: Actor) -> None:
    line = line_of(reference="W-1", reported_given_names="Rory", reported_family_name="Reported")
    import_cases(session, manager, csv_of(session, line), dry_run=False)
    case = imported(session, "W-1")
    people = sorted((p.role.value, unseal(p.person, "family_name")) for p in case.parties)
    assert people == [("reported", "Reported"), ("victim", "Testperson")]


class _OneWay(io.RawIOBase):
    """A stream read once from start to end (a pipe, an upload streamed through)."""

    def __init__(self, data: bytes) -> None:
        self.data = io.BytesIO(data)

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:  # type: ignore[no-untyped-def]
        return self.data.readinto(buffer)


def test_a_stream_that_cannot_be_read_twice_is_imported_in_one_pass(
    session: Session, manager: Actor
) -> None:
    data = csv_of(session, line_of(reference="W-1")).getvalue()
    stream = io.BufferedReader(_OneWay(data))
    assert not stream.seekable()
    result = import_cases(session, manager, stream, dry_run=False)
    assert result.opened == 1
    assert imported(session, "W-1").external_reference == "W-1"


def test_a_file_broken_at_its_end_is_refused_before_any_row_is_written(
    session: Session, manager: Actor
) -> None:
    data = csv_of(session, *(line_of(reference=f"W-{n}") for n in range(3))).getvalue()
    sent: list[str] = []

    def note(_connection, _cursor, statement: str, *_args) -> None:  # type: ignore[no-untyped-def]
        sent.append(statement)

    engine = session.get_bind()
    event.listen(engine, "before_cursor_execute", note)
    try:
        with pytest.raises(FileRejected, match="line 5: the file is not UTF-8"):
            import_cases(session, manager, io.BytesIO(data + b"\xff\n"), dry_run=False)
    finally:
        event.remove(engine, "before_cursor_execute", note)
    assert not [s for s in sent if s.lstrip().upper().startswith("INSERT INTO CASES")]
    assert any("audit" in s.lower() for s in sent)  # the refusal is recorded


def test_rows_written_batch_by_batch_are_the_cases_the_casework_would_open(
    session: Session, manager: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two rows a batch: W-2 names W-1's victim within one batch, W-4 names them from the
    # batch before; W-5, hate motivated, goes through the casework itself (escalated).
    monkeypatch.setattr(batch, "BATCH_ROWS", 2)
    again = {"victim_phone": "07700 900999"}
    other = {"victim_family_name": "Otherperson", "victim_phone": "07700 900444"}
    lines = (
        line_of(reference="W-1"),
        line_of(reference="W-2", **again),
        line_of(reference="W-3", **other, victim_date_of_birth="1970-01-02"),
        line_of(reference="W-4", **again),
        line_of(reference="W-5", hate_motivated="yes", protected_characteristic="race", **other),
    )
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert (result.opened, result.rejected, result.people_matched) == (5, 0, 2)

    cases = [imported(session, f"W-{n}") for n in range(1, 6)]
    numbers = [int(case.reference.rsplit("-", 1)[1]) for case in cases]
    assert numbers == list(range(numbers[0], numbers[0] + 5))  # in the file's order
    victims = [next(p.person for p in case.parties if p.role.value == "victim") for case in cases]
    assert victims[0].id == victims[1].id == victims[3].id
    assert len({victims[0].id, victims[2].id, victims[4].id}) == 3
    assert unseal(victims[0], "phone") == "07700900111"  # as the first row recorded them
    assert unseal(victims[2], "family_name") == "Otherperson"
    for case in cases:
        assert unseal(case, "summary") == "Loud music most nights from the flat above"
        assert unseal(case, "postcode") == "TS1 4AB"
        assert case.status.value == "active"
        assert not case.locked
        [incident] = case.incidents
        assert unseal(incident, "description") == "Music until 3am"
        assert incident.received_by_agency_id == case.agency_id

    # The people and the places are found as the hub's own records are.
    agency_id = cases[0].agency_id
    born = blind_index.surname_dob("Testperson", "1961-04-03")
    assert born is not None
    people, _ = blind_index.candidates(session, "surname_dob", born, [agency_id])
    assert victims[0].id in people
    _, places = blind_index.candidates(session, "postcode", "TS1 4AB", [agency_id])
    assert {case.id for case in cases} <= set(places)

    # Each case has its entries, opened then its first incident recorded.
    for case in cases:
        entries = session.scalars(
            select(AuditEntry)
            .where(AuditEntry.object_type == "case", AuditEntry.object_id == str(case.id))
            .order_by(AuditEntry.seq)
        ).all()
        assert [(e.action, e.actor_user_id) for e in entries[:2]] == [
            ("case.open", manager.user_id),
            ("case.record", manager.user_id),
        ]
        assert entries[1].basis == f"incident {case.incidents[0].id}"
    escalated = session.scalars(select(Escalation.case_id)).all()
    assert cases[4].id in escalated
    assert cases[0].id not in escalated


def test_an_imported_case_is_first_reviewed_as_its_priority_asks(
    session: Session, manager: Actor
) -> None:
    # W-1 is written in a batch; W-2, hate motivated, goes through the casework itself.
    days = {"red_urgent": 5, "red_high": 10, "amber": 20}
    lines = (
        line_of(reference="W-1", priority="red_urgent", triage="serious"),
        line_of(reference="W-2", hate_motivated="yes", protected_characteristic="race"),
    )
    result = import_cases(
        session, manager, csv_of(session, *lines), dry_run=False, review_days=days
    )
    assert result.opened == 2
    urgent, amber = imported(session, "W-1"), imported(session, "W-2")
    assert urgent.review_due_on == OPENED + timedelta(days=5)
    assert urgent.risk_review_due_on == OPENED
    assert amber.review_due_on == OPENED + timedelta(days=20)


def test_a_case_from_before_keeps_its_contacts_and_next_review_so_it_is_not_shown_overdue(
    session: Session, manager: Actor
) -> None:
    # A case the landlord's system opened over a year ago, in touch with the complainant
    # since: without the days, the hub would show it past its first contact, out of
    # contact and overdue for review from the day it arrives.
    today = clock.today()
    opened = today - timedelta(days=400)
    first, last, review = opened + timedelta(days=2), today - timedelta(days=6), today
    old = {
        "opened_on": opened.isoformat(),
        "incident_at": f"{(opened - timedelta(days=1)).isoformat()} 23:40",
    }
    days = {
        "first_contact_on": first.isoformat(),
        "last_contact_on": last.isoformat(),
        "next_review_on": review.isoformat(),
    }
    lines = (
        line_of(reference="W-1", **old, **days),  # written in a batch
        # Hate motivated: opened through the casework itself, one case at a time.
        line_of(
            reference="W-2", **old, **days, hate_motivated="yes", protected_characteristic="race"
        ),
        line_of(reference="W-3", **old),
    )
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert result.opened == 3

    for reference in ("W-1", "W-2"):
        case = imported(session, reference)
        assert (case.first_contact_on, case.last_contact_on, case.review_due_on) == (
            first,
            last,
            review,
        )
        assert not first_contact.of_case(case, today).overdue
        assert not reviews.contact_overdue(case, reviews.DEFAULT_DAYS, today)
        opening = session.scalar(
            select(AuditEntry.basis).where(
                AuditEntry.action == "case.open", AuditEntry.object_id == str(case.id)
            )
        )
        assert opening == f"first contact {first}; last contact {last}; next review {review}"
    # A case that brings none of them is due as a new case is, counted from its opening.
    plain = imported(session, "W-3")
    assert first_contact.of_case(plain, today).overdue
    assert reviews.contact_overdue(plain, reviews.DEFAULT_DAYS, today)
    assert plain.review_due_on == opened + timedelta(days=reviews.DEFAULT_DAYS["amber"])


def test_days_a_case_from_before_brings_are_checked_against_its_opening_and_its_priority(
    session: Session, manager: Actor
) -> None:
    today, amber = clock.today(), reviews.DEFAULT_DAYS["amber"]
    lines = (
        line_of(reference="W-1", first_contact_on=(OPENED - timedelta(days=1)).isoformat()),
        line_of(reference="W-2", last_contact_on=OPENED.isoformat()),
        line_of(
            reference="W-3",
            first_contact_on=(OPENED + timedelta(days=1)).isoformat(),
            last_contact_on=OPENED.isoformat(),
        ),
        line_of(reference="W-4", next_review_on=(OPENED - timedelta(days=1)).isoformat()),
        line_of(reference="W-5", next_review_on=(today + timedelta(days=amber + 1)).isoformat()),
        line_of(reference="W-6", next_review_on=(today + timedelta(days=amber)).isoformat()),
    )
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    by = (today + timedelta(days=amber)).strftime("%-d %B %Y")
    assert [str(p) for p in result.report.problems] == [
        "line 2, column first_contact_on: is before the day the case was opened",
        "line 3, column last_contact_on: is given without the day of the first contact "
        "(first_contact_on)",
        "line 4, column last_contact_on: is before the day of the first contact",
        "line 5, column next_review_on: is before the day the case was opened",
        f"line 6, column next_review_on: is more than {amber} days from today: a case at "
        f"amber priority is reviewed at least every {amber} days, so give a day by {by}",
    ]
    assert result.opened == 1
    assert imported(session, "W-6").review_due_on == today + timedelta(days=amber)


def test_a_person_is_linked_only_when_the_agency_holds_exactly_one_of_them(
    session: Session, manager: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "BATCH_ROWS", 2)
    # W-1 and W-2 name the same person twice over in one batch; then W-3, in the next,
    # finds the one held.
    lines = (line_of(reference="W-1"), line_of(reference="W-2"), line_of(reference="W-3"))
    import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    # A second person with the same surname and date of birth, recorded by a form...
    case = casework.open_case(
        session,
        manager,
        casework.CaseInput(
            category=CaseCategory.NOISE,
            priority=Priority.AMBER,
            triage=Triage.LOW_LEVEL,
            summary="Another Testperson",
            parties=[
                people.PersonInput(
                    role=PartyRole.VICTIM,
                    given_names="Amelia",
                    family_name="Testperson",
                    date_of_birth=date(1961, 4, 3),
                )
            ],
        ),
    )
    session.commit()
    # ...so that a later row cannot tell which one it names: it records a third.
    result = import_cases(
        session, manager, csv_of(session, line_of(reference="W-4")), dry_run=False
    )
    assert result.people_matched == 0
    held = {p.person_id for p in imported(session, "W-1").parties}
    assert held == {p.person_id for p in imported(session, "W-3").parties}
    fourth = {p.person_id for p in imported(session, "W-4").parties}
    assert fourth.isdisjoint(held | {p.person_id for p in case.parties})


def test_twins_in_a_file_are_two_people_and_a_linked_persons_other_details_are_reported(
    session: Session, manager: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two rows a batch: W-2 names Amelia's twin; W-3, in the next batch, and W-4, hate
    # motivated and so opened through the casework, name Amelia with another phone.
    monkeypatch.setattr(batch, "BATCH_ROWS", 2)
    other_phone = {"victim_phone": "07700 900999"}
    lines = (
        line_of(reference="W-1"),
        line_of(reference="W-2", victim_given_names="Beatrice", victim_phone="07700 900222"),
        line_of(reference="W-3", **other_phone),
        line_of(
            reference="W-4", hate_motivated="yes", protected_characteristic="race", **other_phone
        ),
    )
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)

    assert (result.opened, result.people_matched) == (4, 2)
    victims = [next(p.person for p in imported(session, f"W-{n}").parties) for n in range(1, 5)]
    amelia, beatrice = victims[0], victims[1]
    assert amelia.id != beatrice.id
    assert victims[2].id == victims[3].id == amelia.id
    assert unseal(beatrice, "given_names") == "Beatrice"
    assert unseal(amelia, "phone") == "07700900111"  # as held, not as W-3 and W-4 sent it
    assert result.not_saved == [
        Linked(PartyRole.VICTIM, amelia.id, ("phone",), line=4),
        Linked(PartyRole.VICTIM, amelia.id, ("phone",), line=5),
    ]
    assert str(result.not_saved[0]).endswith("not saved: victim_phone")


def test_a_person_held_only_on_a_locked_case_is_not_linked_by_a_manager_outside_the_lock(
    session: Session,
) -> None:
    locked = lock_demo_case(session)
    held = next(
        party.person
        for party in locked.parties
        if session.scalar(select(func.count()).where(CaseParty.person_id == party.person_id)) == 1
        and all(unseal(party.person, c) for c in ("given_names", "family_name", "date_of_birth"))
    )
    outside = accounts.create_user(
        session,
        agency=locked.agency,
        email="second-manager@larkmoor.example",
        display_name="Second Manager",
        roles={Role.MANAGER},
        password="a long enough password 1",  # noqa: S106 - a test account
    )
    session.commit()
    row = line_of(
        reference="L-1",
        victim_given_names=unseal(held, "given_names") or "",
        victim_family_name=unseal(held, "family_name") or "",
        victim_date_of_birth=unseal(held, "date_of_birth") or "",
    )

    result = import_cases(session, Actor.of(outside), csv_of(session, row), dry_run=False)

    assert (result.opened, result.people_matched) == (1, 0)
    case = session.scalar(
        select(Case).where(Case.agency_id == locked.agency_id, Case.external_reference == "L-1")
    )
    assert case is not None
    [victim] = [p.person for p in case.parties]
    assert victim.id != held.id
    assert unseal(victim, "phone") == "07700900111"  # what the row sent


def test_other_names_in_the_file_are_sealed_and_indexed_as_the_person_form_does(
    session: Session, manager: Actor
) -> None:
    # W-1 is written in a batch, W-2 (hate motivated) through the casework itself; W-3 is
    # refused for its other names and leaves nothing; W-4 names W-1's victim again, with
    # other names their record does not hold: linked, and those not saved, by column.
    known = "Spider (nickname); Wood (surname before marriage)"
    hate = {"hate_motivated": "yes", "protected_characteristic": "race"}
    lines = (
        line_of(reference="W-1", victim_other_names=known),
        line_of(
            reference="W-2",
            victim_family_name="Otherperson",
            victim_other_names="Ottie",
            **hate,
        ),
        line_of(
            reference="W-3", victim_family_name="Thirdperson", victim_other_names="ThirdPERSON"
        ),
        line_of(reference="W-4", victim_other_names="Webster"),
    )
    before = counts(session)
    result = import_cases(session, manager, csv_of(session, *lines), dry_run=False)
    assert (result.opened, result.rejected, result.people_matched) == (3, 1, 1)
    assert [str(p) for p in result.report.problems] == [
        "line 4, column victim_other_names: other name 1: the other name must not be the "
        "same as their name"
    ]
    assert [linked.columns for linked in result.not_saved] == [["victim_other_names"]]
    assert counts(session) == (before[0] + 3, before[1] + 3, before[2] + 2)

    agency_id = imported(session, "W-1").agency_id
    for reference, name, listed in (
        ("W-1", "wood", [("Spider", "nickname"), ("Wood", "surname before marriage")]),
        ("W-2", "ottie", [("Ottie", "")]),
    ):
        case = imported(session, reference)
        [victim] = [p.person for p in case.parties]
        assert b"Spider" not in (victim.other_names or b"")
        assert other_names(unseal(victim, "other_names")) == listed
        found, _ = blind_index.candidates(session, "surname", name, [agency_id])
        assert victim.id in found
    # W-4's victim is W-1's, their record as W-1 left it: not found by the name not saved.
    [victim_id] = [p.person_id for p in imported(session, "W-1").parties]
    assert [p.person_id for p in imported(session, "W-4").parties] == [victim_id]
    assert victim_id not in blind_index.candidates(session, "surname", "webster", [agency_id])[0]
    # No name in the audit log.
    for entry in session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(20)):
        for name in ("Spider", "Wood", "Ottie", "Webster"):
            assert name not in (entry.basis or "")
