"""A DPO's log holds what concerns their agency, and nothing else, on SQLite and on
PostgreSQL (where the search is written so that each branch is looked up in an index):
their own users' acts, partners' acts on the agency's cases and people, and the
protocols; not a partner's acts on the partner's own records. Under the count's cap the
page is found by its entries' numbers, newest first, however old the entries are."""

from __future__ import annotations

import re

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sharing.audit import acts, trail
from sharing.audit.log import integrate
from sharing.cases import shares
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.models import Agency, AuditEntry, Case, Person
from sharing.vocabulary import Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor


def _first(session: Session, model: type[Case] | type[Person], agency_id: int | None) -> int | None:
    """The agency's first case or person."""
    return session.scalar(select(model.id).where(model.agency_id == agency_id).order_by(model.id))


def test_a_dpos_log_holds_what_concerns_their_agency_and_nothing_else(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        dpo = demo_actor(session, "larkmoor-ha", Role.DPO)
        own = demo_actor(session, "larkmoor-ha", Role.CASE_OFFICER)
        police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
        homes = demo_actor(session, "northshire-homes", Role.CASE_OFFICER)
        before = session.scalar(select(func.max(AuditEntry.seq)))
        acted = [
            (police, "case", _first(session, Case, own.agency_id), True),  # on its case
            (homes, "case", _first(session, Case, homes.agency_id), False),
            (police, "person", _first(session, Person, own.agency_id), True),  # its person
            (homes, "person", _first(session, Person, homes.agency_id), False),
            (own, "case", _first(session, Case, homes.agency_id), True),  # its own user
            (homes, "protocol", 1, True),  # every party reads of the protocols
        ]
        for actor, kind, id_, _ in acted:
            acts.record(
                session, acts.Action.CASE_VIEW, actor=actor, subject=acts.Subject(kind, id_)
            )
        integrate(session)
        session.commit()
        written = session.scalars(
            select(AuditEntry.seq).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
        ).all()

        found = trail.search_log(session, dpo, trail.LogFilters(action=acts.Action.CASE_VIEW))

        new = [row.seq for row in found.rows if row.seq > before]
        wanted = [seq for seq, (*_, concerns) in zip(written, acted, strict=True) if concerns]
        assert new == sorted(wanted, reverse=True)  # newest first, only what concerns it
        assert not found.more
        paged = [
            row.seq
            for page in (1, 2)
            for row in trail.search_log(
                session, dpo, trail.LogFilters(action=acts.Action.CASE_VIEW), page, size=2
            ).rows
        ]
        assert paged == new  # two pages of two, newest first
        session.rollback()


def test_a_partners_list_of_the_shares_made_with_it_shows_a_dpo_only_its_own_shares(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST)() as session:
        dpo = demo_actor(session, "larkmoor-ha", Role.DPO)
        police = demo_actor(session, "northshire-police", Role.CASE_OFFICER)
        larkmoor = session.get(Agency, dpo.agency_id).name
        listed = shares.shared_page(session, police, size=1000).rows
        ours = sorted(r.id for r in listed if r.owner_agency == larkmoor)
        theirs = [r.id for r in listed if r.owner_agency != larkmoor]
        assert ours, "the police hold a share of a Larkmoor case"
        assert theirs, "and shares of other agencies' cases"
        integrate(session)
        session.commit()
        seq = session.scalar(select(func.max(AuditEntry.seq)))

        found = trail.search_log(
            session, dpo, trail.LogFilters(action=acts.Action.CASES_SHARED_LIST)
        )

        (row,) = [r for r in found.rows if r.seq == seq]
        shown = re.search(r"shares ([\d,]+)", row.basis)
        assert shown is not None
        assert sorted(int(i) for i in shown.group(1).split(",")) == ours
        assert f"(and {len(theirs)} of other agencies)" in row.basis
