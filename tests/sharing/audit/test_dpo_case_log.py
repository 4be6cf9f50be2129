"""A DPO's log of one case holds every entry that showed the case: acts on it, and the
lists, searches and exports whose basis names it among others (wherever in the basis the
list stands: an export's leads with it), on SQLite and PostgreSQL, whether the entry
joined the log from the queue or was appended; and none that showed only other cases.
Migration 0048 indexes the entries already in the log."""

from __future__ import annotations

from sqlalchemy import Engine, func, select

from hub.migrate import downgrade, upgrade
from sharing.audit import acts, trail
from sharing.audit.log import append, integrate
from sharing.cases.export import export_cases
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import AuditEntry, Case
from sharing.vocabulary import Role
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
