"""A DPO's log of one case holds every entry that showed the case: acts on it, and the
lists, searches and exports whose basis names it among others (wherever in the basis the
list stands: an export's leads with it), on SQLite and PostgreSQL, whether the entry
joined the log from the queue or was appended; and none that showed only other cases.
Migration 0048 indexes the entries already in the log.

A partner who reads the case through a conference on it (its page, its pack, its
minutes) or brings it to a meeting names the case on its own ("case 3; …"): those are in
the case's log too, in the owning agency's DPO's log unfiltered, and in the subject access
report of a person on the case. So is the subject access report that showed the case
("person record and cases 3; …"). Migration 0049 indexes those already in the log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import Engine, func, select

from hub.migrate import downgrade, upgrade
from sharing.access.decide import Actor
from sharing.audit import acts, subject_access, trail
from sharing.audit.log import append, integrate
from sharing.cases.export import export_cases
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.meetings import conference_attendance, conference_pages, minutes, packs
from sharing.models import AuditEntry, Case, CaseParty, Conference, User
from sharing.risk.matrix import shipped
from sharing.vocabulary import Attendance, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor


def _log_of(session, dpo, case_id: int, since: int) -> list[tuple[str, str | None]]:
    found = trail.search_log(session, dpo, trail.LogFilters(case_id=case_id), size=100)
    return [(row.action, row.basis) for row in found.rows if row.seq > since]


def test_a_dpos_log_of_a_case_holds_every_list_search_and_export_that_showed_it(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        dpo = demo_actor(session, "larkmoor-ha", Role.DPO)
        manager = demo_actor(session, "larkmoor-ha", Role.MANAGER)
        police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
        mine, other = session.scalars(
            select(Case.id)
            .where(Case.agency_id == dpo.agency_id, Case.erased_at.is_(None))
            .order_by(Case.id)
            .limit(2)
        ).all()
        before = session.scalar(select(func.max(AuditEntry.seq)))
        export_cases(session, manager)  # every case of the agency: "cases 1,2,…" leads
        acts.record(
            session,
            acts.Action.CASES_SHARED_LIST,
            actor=police,
            subject=acts.Subject("agency", police.agency_id),
            basis=f"page 1 of 1; shares 7; cases {mine},{other}",
        )
        acts.record(
            session,
            acts.Action.CASES_SHARED_LIST,
            actor=police,
            subject=acts.Subject("agency", police.agency_id),
            basis=f"page 2 of 2; shares 8; cases {other}",  # not the case
        )
        integrate(session)
        append(  # as loaders and the older log wrote entries
            session,
            action=acts.Action.SEARCH.value,
            outcome="allowed",
            actor_user_id=police.user_id,
            actor_agency_id=police.agency_id,
            basis=f"by surname; 2 found; cases {other},{mine}; persons 3",
        )
        session.commit()

        shown = _log_of(session, dpo, mine, before)

        assert [action for action, _ in shown] == [
            acts.Action.SEARCH.label,
            acts.Action.CASES_SHARED_LIST.label,
            acts.Action.CASES_EXPORT.label,
        ]  # newest first
        assert f"page 2 of 2; shares 8; cases {other}" not in [basis for _, basis in shown]

        # The index is made again from the entries by the migration that adds it.
        session.rollback()
        downgrade(engine, "0047")
        upgrade(engine)
        session.expire_all()
        assert _log_of(session, dpo, mine, before) == shown


def test_a_partners_reads_through_a_conference_on_a_case_are_in_the_owning_dpos_log(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """The demo's Larkmoor case on the problem-solving group's sitting, chaired by
    Northshire Council: the chair reads the conference page and its pack, records who came,
    minutes it, circulates the minutes and agrees them."""
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        dpo = demo_actor(session, "larkmoor-ha", Role.DPO)
        conference = session.scalars(
            select(Conference)
            .join(Case, Case.id == Conference.case_id)
            .where(Case.agency_id == dpo.agency_id, Conference.sitting_id.is_not(None))
            .order_by(Conference.id)
        ).first()
        assert conference is not None
        case_id, conference_id = conference.case_id, conference.id
        chair = Actor.of(session.get(User, conference.chair_id))
        assert chair.agency_id != dpo.agency_id  # a partner
        other = session.scalar(
            select(Case.id).where(Case.agency_id == dpo.agency_id, Case.id != case_id)
        )
        met = conference.starts_at + timedelta(hours=2)
        before = session.scalar(select(func.max(AuditEntry.seq)))
        brought = session.scalar(  # the demo brought the case to the sitting
            select(AuditEntry.seq).where(
                AuditEntry.action == acts.Action.MEETING_BRING.value,
                AuditEntry.basis.startswith(f"case {case_id}; conference {conference_id}"),
            )
        )
        assert brought is not None

        conference_pages.conference_page(session, chair, conference_id)
        packs.conference_pack(session, chair, conference_id, shipped(), form="pdf")
        marks = {a.id: conference_attendance.Mark(Attendance.PRESENT) for a in conference.expected}
        conference_attendance.record_attendance(session, chair, conference_id, marks, now=met)
        minutes.save_minute(
            session, chair, conference_id, "The noise", "Agreed a joint visit.", now=met
        )
        minutes.circulate(session, chair, conference_id, now=met)
        minutes.agree(session, chair, conference_id, now=met)
        integrate(session)
        session.commit()
        read = session.execute(
            select(AuditEntry.seq, AuditEntry.action)
            .where(AuditEntry.seq > before, AuditEntry.actor_user_id == chair.user_id)
            .order_by(AuditEntry.seq)
        ).all()
        assert [action for _, action in read] == [
            acts.Action.CONFERENCE_VIEW.value,
            acts.Action.CONFERENCE_PACK.value,
            *[acts.Action.MINUTES_RECORD.value] * 2,  # who came, and the minute
            acts.Action.MINUTES_CIRCULATE.value,
            acts.Action.MINUTES_AGREE.value,
        ]
        wanted = {brought, *(seq for seq, _ in read)}

        assert wanted <= _seqs(session, dpo, trail.LogFilters(case_id=case_id))
        assert wanted <= _seqs(session, dpo, trail.LogFilters())  # a partner's, unfiltered
        assert not wanted & _seqs(session, dpo, trail.LogFilters(case_id=other))
        # Each row names the case by its reference, beside the conference or the sitting.
        reference = session.get(Case, case_id).reference
        shown = trail.search_log(session, dpo, trail.LogFilters(case_id=case_id), size=1000)
        through = {row.seq: row for row in shown.rows if row.seq in wanted}
        assert {(r.object_type, r.case_reference) for r in through.values()} == {
            ("conference", reference),
            ("meeting_sitting", reference),  # brought to the sitting
        }
        person_id = session.scalar(select(CaseParty.person_id).where(CaseParty.case_id == case_id))
        assert person_id is not None
        report = subject_access.compile_report(session, dpo, person_id)
        assert wanted <= {row.seq for row in report.accesses}

        # Entries written before the index read them are indexed by migration 0049.
        session.rollback()
        downgrade(engine, "0047")
        upgrade(engine)
        session.expire_all()
        assert wanted <= _seqs(session, dpo, trail.LogFilters(case_id=case_id))
        session.rollback()


def test_a_subject_access_report_is_in_the_log_of_the_cases_it_showed(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        dpo = demo_actor(session, "larkmoor-ha", Role.DPO)
        case_id, person_id = session.execute(
            select(Case.id, CaseParty.person_id)
            .join(CaseParty, CaseParty.case_id == Case.id)
            .where(Case.agency_id == dpo.agency_id, ~Case.locked, Case.erased_at.is_(None))
            .order_by(Case.id, CaseParty.id)
        ).first()
        others = set(
            session.scalars(select(CaseParty.case_id).where(CaseParty.person_id == person_id))
        )
        other = session.scalar(
            select(Case.id).where(Case.agency_id == dpo.agency_id, Case.id.not_in(others))
        )
        subject_access.compile_report(session, dpo, person_id)
        integrate(session)
        session.commit()
        report = session.scalar(
            select(func.max(AuditEntry.seq)).where(
                AuditEntry.action == acts.Action.SUBJECT_ACCESS.value
            )
        )
        assert report is not None

        assert report in _seqs(session, dpo, trail.LogFilters(case_id=case_id))
        assert report in _seqs(session, dpo, trail.LogFilters())
        assert report not in _seqs(session, dpo, trail.LogFilters(case_id=other))
        again = subject_access.compile_report(session, dpo, person_id)
        assert report in {row.seq for row in again.accesses}  # an access to their data

        # A report compiled before the index read its cases is indexed by migration 0049.
        session.rollback()
        downgrade(engine, "0047")
        upgrade(engine)
        session.expire_all()
        assert report in _seqs(session, dpo, trail.LogFilters(case_id=case_id))
        session.rollback()


def _seqs(session, dpo, filters: trail.LogFilters) -> set[int]:
    return {row.seq for row in trail.search_log(session, dpo, filters, size=1000).rows}
