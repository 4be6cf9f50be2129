"""What moving or cancelling a sitting left undone, as its users meet it (demo
partnership): a sitting moved to another place as well as another time, and its cases'
conferences with it; a cancelled sitting's reason on its cases' conference pages; the
next sitting proposed by the cadence from the last sitting not cancelled; the managers
of the agencies invited told of a move or a cancellation as they were of the convening;
and sitting notices that point at their sitting, not at a case."""

from __future__ import annotations

from datetime import UTC, datetime

from sharing.meetings import series
from sharing.models import MeetingSeries, MeetingSitting
from sharing.vocabulary import Cadence

CANCELLED = datetime(2027, 2, 9, 10, tzinfo=UTC)


def _sittings(cadence: Cadence, *sittings: tuple[datetime, bool]) -> MeetingSeries:
    return MeetingSeries(
        cadence=cadence,
        sittings=[
            MeetingSitting(starts_at=at, cancelled_at=CANCELLED if cancelled else None)
            for at, cancelled in sittings
        ],
    )


def test_the_next_sitting_counts_from_the_last_sitting_not_cancelled() -> None:
    # Held on the second Tuesday of January; February's (the second Tuesday) cancelled:
    # February's place in the cadence is free again, not March's second Tuesday.
    group = _sittings(
        Cadence.MONTHLY,
        (datetime(2027, 1, 12, 10, tzinfo=UTC), False),
        (datetime(2027, 2, 9, 10, tzinfo=UTC), True),
    )
    after = datetime(2027, 1, 20, tzinfo=UTC)
    assert series.next_sitting(group, after=after) == datetime(2027, 2, 9, 10, tzinfo=UTC)
    # Once February's day has passed, March's.
    after = datetime(2027, 2, 10, tzinfo=UTC)
    assert series.next_sitting(group, after=after) == datetime(2027, 3, 9, 10, tzinfo=UTC)


def test_a_sitting_held_after_a_cancelled_one_is_counted_from() -> None:
    group = _sittings(
        Cadence.WEEKLY,
        (datetime(2027, 1, 5, 10, tzinfo=UTC), True),
        (datetime(2027, 1, 12, 10, tzinfo=UTC), False),
        (datetime(2027, 1, 19, 10, tzinfo=UTC), True),
    )
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert series.next_sitting(group, after=after) == datetime(2027, 1, 19, 10, tzinfo=UTC)


def test_with_every_sitting_cancelled_the_cadence_starts_again_from_the_first() -> None:
    group = _sittings(
        Cadence.FORTNIGHTLY,
        (datetime(2027, 1, 5, 10, tzinfo=UTC), True),
        (datetime(2027, 1, 19, 10, tzinfo=UTC), True),
    )
    after = datetime(2027, 1, 1, tzinfo=UTC)
    assert series.next_sitting(group, after=after) == datetime(2027, 1, 5, 10, tzinfo=UTC)
    after = datetime(2027, 1, 6, tzinfo=UTC)
    assert series.next_sitting(group, after=after) == datetime(2027, 1, 19, 10, tzinfo=UTC)
