"""A DPO's log holds what concerns their agency, and nothing else, on SQLite and on
PostgreSQL (where the search is written so that each branch is looked up in an index):
their own users' acts, partners' acts on the agency's cases and people, and the
protocols; not a partner's acts on the partner's own records. Under the count's cap the
page is found by its entries' numbers, newest first, however old the entries are."""

from __future__ import annotations

import re

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sharing.audit import acts, checkpoints, log_rows, trail
from sharing.audit.log import integrate
from sharing.cases import share_lists
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
        listed = share_lists.shared_page(session, police, size=1000).rows
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


def test_the_hubs_own_entries_are_every_dpos_and_no_agencys_records_are_anothers(
    demo_database: tuple[Engine, LocalKeyring],
) -> None:
    """What no agency's user did and that names no record (a command refused, a key
    rotation, a token refused to an unknown client) is on every DPO's log; what no agency
    did to an agency's record (an account's password reset or a co-signing key revoked on
    the command line, an emergency access's reason erased by the sweep) is on that
    agency's alone. "By the hub itself" keeps only what no agency's user did."""
    engine, keys = demo_database
    with make_session_factory(engine, keys, TEST_COST, origin=acts.BY_COMMAND)() as session:
        dpo = demo_actor(session, "larkmoor-ha", Role.DPO)
        own = demo_actor(session, "larkmoor-ha", Role.CASE_OFFICER)
        homes = demo_actor(session, "northshire-homes", Role.CASE_OFFICER)
        own_key = _agency_key(session, own.agency_id)
        homes_key = _agency_key(session, homes.agency_id)
        integrate(session)  # their registrations' entries
        before = session.scalar(select(func.max(AuditEntry.seq)))
        acted: list[tuple[acts.Action, acts.Subject | None, bool]] = [
            (acts.Action.HUB_COMMAND, acts.Subject("hub"), True),
            (acts.Action.KEYS_ROTATE, acts.Subject("key_store"), True),
            (acts.Action.API_TOKEN, None, True),
            (acts.Action.PASSWORD_RESET, acts.Subject("user"), True),  # naming no account
            (acts.Action.PASSWORD_RESET, acts.Subject("user", own.user_id), True),
            (acts.Action.PASSWORD_RESET, acts.Subject("user", homes.user_id), False),
            (acts.Action.AUDIT_KEY_REVOKE, acts.Subject("agency_key", own_key), True),
            (acts.Action.AUDIT_KEY_REVOKE, acts.Subject("agency_key", homes_key), False),
            (
                acts.Action.BREAK_GLASS_ERASE,
                acts.Subject("case", _first(session, Case, homes.agency_id)),
                False,
            ),
        ]
        for action, subject, _ in acted:
            acts.record(session, action, subject=subject)
        acts.record(session, acts.Action.CASE_VIEW, actor=own, subject=acts.Subject("case", 1))
        integrate(session)
        session.commit()
        written = session.scalars(
            select(AuditEntry.seq).where(AuditEntry.seq > before).order_by(AuditEntry.seq)
        ).all()
        *no_agencys, own_view = written
        wanted = [seq for seq, (*_, concerns) in zip(no_agencys, acted, strict=True) if concerns]

        for filters in (trail.LogFilters(), trail.LogFilters(by_the_hub=True)):
            found = trail.search_log(session, dpo, filters)
            new = [row.seq for row in found.rows if before < row.seq <= own_view]
            hubs = sorted(wanted, reverse=True)
            assert new == (hubs if filters.by_the_hub else [own_view, *hubs])
            assert {r.hub for r in found.rows if r.seq in wanted} == {log_rows.COMMAND_LINE}
        session.rollback()


def _agency_key(session: Session, agency_id: int) -> int:
    """A co-signing key registered for the agency (made for the test)."""
    public = Ed25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    agency = session.get(Agency, agency_id)
    assert agency is not None
    key = checkpoints.register_agency_key(
        session, agency=agency, public_key=public, name=f"{agency.code}-test-key"
    )
    return key.id
