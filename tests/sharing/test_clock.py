"""UK clock times as moments: a time the clocks skip is none; a repeated one its first.
A day some years on is the same day, or 28 February for a 29 February; the end of full
years from a 29 February is 1 March. Days before a moment start at its time on the
clock."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sharing import clock


def _utc(moment: datetime | None) -> datetime | None:
    # (Python never finds a time in the repeated hour equal to one in another zone.)
    return moment.astimezone(UTC) if moment else None


def _every_minute() -> list[tuple[int, int]]:
    return [(hour, minute) for hour in range(24) for minute in range(60)]


def test_only_the_hour_the_clocks_skip_in_march_is_no_moment() -> None:
    spring = date(2026, 3, 29)  # the last Sunday in March
    skipped = [(h, m) for h, m in _every_minute() if clock.uk_moment(spring, h, m) is None]
    assert skipped == [(1, m) for m in range(60)]
    assert _utc(clock.uk_moment(spring, 2, 0)) == datetime(2026, 3, 29, 1, 0, tzinfo=UTC)


def test_the_hour_the_clocks_repeat_in_october_is_its_first_in_summer_time() -> None:
    autumn = date(2026, 10, 25)  # the last Sunday in October
    assert all(clock.uk_moment(autumn, h, m) is not None for h, m in _every_minute())
    assert _utc(clock.uk_moment(autumn, 1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert _utc(clock.uk_moment(autumn, 2, 30)) == datetime(2026, 10, 25, 2, 30, tzinfo=UTC)


def test_a_time_the_clocks_show_twice_says_whether_it_is_summer_time() -> None:
    """When the clocks go back, 1:30am comes twice: each says which it is, so that two
    entries of the audit log an hour apart do not read as the same moment."""
    first = datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    second = datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert clock.moment_text(first) == "25 October 2026 at 1:30am BST"
    assert clock.moment_text(second) == "25 October 2026 at 1:30am GMT"
    # the minutes either side, and every other day, read as they always did
    assert clock.moment_text(datetime(2026, 10, 24, 23, 59, tzinfo=UTC)) == (
        "25 October 2026 at 12:59am"
    )
    assert clock.moment_text(datetime(2026, 10, 25, 2, 0, tzinfo=UTC)) == (
        "25 October 2026 at 2:00am"
    )
    assert clock.moment_text(datetime(2026, 3, 29, 1, 0, tzinfo=UTC)) == "29 March 2026 at 2:00am"
    assert clock.moment_text(datetime(2026, 7, 1, 0, 30, tzinfo=UTC)) == "1 July 2026 at 1:30am"


def test_a_year_from_29_february_is_28_february_either_way() -> None:
    assert clock.years_after(date(2028, 2, 29), 1) == date(2029, 2, 28)
    assert clock.years_after(date(2028, 2, 29), -1) == date(2027, 2, 28)
    assert clock.years_after(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert clock.years_after(date(2027, 3, 1), 1) == date(2028, 3, 1)


def test_full_years_from_29_february_end_on_1_march_never_before() -> None:
    assert clock.full_years_after(date(2028, 2, 29), 3) == date(2031, 3, 1)
    assert clock.full_years_after(date(2028, 2, 29), 4) == date(2032, 2, 29)
    assert clock.full_years_after(date(2028, 2, 28), 3) == date(2031, 2, 28)
    assert clock.full_years_after(date(2026, 7, 10), 3) == date(2029, 7, 10)


def test_a_time_said_in_summer_or_winter_time_is_the_moment_the_clocks_showed_it_in_it() -> None:
    """BST or GMT tells apart the two 1:30ams of the night the clocks go back; a time the
    clocks did not show in it that day (12:00 GMT in July, a skipped time) is none."""
    autumn, spring, july = date(2026, 10, 25), date(2026, 3, 29), date(2026, 7, 1)
    assert clock.uk_moment_in(autumn, 1, 30, "BST") == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)
    assert clock.uk_moment_in(autumn, 1, 30, "GMT") == datetime(2026, 10, 25, 1, 30, tzinfo=UTC)
    assert clock.uk_moment_in(autumn, 0, 30, "GMT") is None
    assert clock.uk_moment_in(autumn, 2, 30, "BST") is None
    assert clock.uk_moment_in(july, 12, 0, "BST") == datetime(2026, 7, 1, 11, 0, tzinfo=UTC)
    assert clock.uk_moment_in(july, 12, 0, "GMT") is None
    assert all(
        clock.uk_moment_in(spring, 1, m, z) is None for m in range(60) for z in ("BST", "GMT")
    )


def test_days_before_a_moment_start_at_the_same_time_on_the_clock_across_a_change() -> None:
    nine_in_november = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 9am GMT
    assert clock.days_before(nine_in_november, 30) == datetime(2026, 10, 21, 8, 0, tzinfo=UTC)
    assert clock.moment_text(clock.days_before(nine_in_november, 30)) == (
        "21 October 2026 at 9:00am"
    )
    nine_in_april = datetime(2027, 4, 10, 8, 0, tzinfo=UTC)  # 9am BST
    assert clock.days_before(nine_in_april, 30) == datetime(2027, 3, 11, 9, 0, tzinfo=UTC)
    # no change between: 30 times 24 hours
    june = datetime(2027, 6, 30, 14, 15, tzinfo=UTC)
    assert clock.days_before(june, 30) == datetime(2027, 5, 31, 14, 15, tzinfo=UTC)
    # the second 1:30am of 25 October 2026 (GMT) and the first (BST) both go to 1:30am BST
    assert clock.days_before(datetime(2026, 10, 25, 1, 30, tzinfo=UTC), 1) == datetime(
        2026, 10, 24, 0, 30, tzinfo=UTC
    )
    assert clock.days_before(datetime(2026, 10, 25, 0, 30, tzinfo=UTC), 1) == datetime(
        2026, 10, 24, 0, 30, tzinfo=UTC
    )
    # a day before 1:30am on 30 March 2026 is 1:30am on 29 March, which the clocks
    # skipped: the moment 1:30am GMT would have been (2:30am BST)
    assert clock.days_before(datetime(2026, 3, 30, 0, 30, tzinfo=UTC), 1) == datetime(
        2026, 3, 29, 1, 30, tzinfo=UTC
    )
