"""How often a public form may be sent: one source (an IPv4 address, or an IPv6 /64, which
is what one home or one host is given) within its own limit, and everyone together within
the overall one. A send refused is not kept, so a source past its own limit never uses up
what everyone shares, and the sends kept are those of the last window only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from sharing.models import PublicFormUse
from sharing.sources import source_of
from sharing.trigger import limits

SMALL = limits.Limits(per_address=3, overall=10)
NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.fixture
def session(migrated_engine: Engine) -> Iterator[Session]:
    with Session(migrated_engine) as session:
        yield session


def _kept(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(PublicFormUse)) or 0


@pytest.mark.parametrize(
    ("address", "source"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:0:0:0:9", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # IPv4 on an IPv6 socket
        ("", ""),
    ],
)
def test_a_source_is_an_ipv4_address_or_an_ipv6_64(address: str, source: str) -> None:
    assert source_of(address) == source


def test_the_addresses_of_one_ipv6_64_share_one_limit(session: Session) -> None:
    sent = [
        limits.use(session, source_of(f"2001:db8:1:2::{n:x}:1"), NOW, SMALL) for n in range(1, 6)
    ]
    assert sent == [True, True, True, False, False]
    # The next /64 is another home.
    assert limits.use(session, source_of("2001:db8:1:3::1"), NOW, SMALL)


def test_a_source_past_its_limit_never_uses_up_what_everyone_shares(session: Session) -> None:
    flood = [
        limits.use(session, "one source", NOW + timedelta(seconds=n), SMALL) for n in range(500)
    ]
    assert flood.count(True) == SMALL.per_address
    assert _kept(session) == SMALL.per_address  # the refused sends are not kept
    neighbours = [limits.use(session, f"neighbour {n}", NOW, SMALL) for n in range(7)]
    assert all(neighbours)


def test_everyone_together_is_limited_and_only_the_last_window_is_kept(session: Session) -> None:
    sent = [limits.use(session, f"source {n}", NOW, SMALL) for n in range(15)]
    assert sent == [True] * SMALL.overall + [False] * 5
    assert _kept(session) == SMALL.overall
    later = NOW + SMALL.window + timedelta(seconds=1)
    assert limits.use(session, "source 0", later, SMALL)
    assert _kept(session) == 1
