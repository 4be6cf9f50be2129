"""Whether the promise of first contact was kept, in the partnership's figures
(``sharing.figures.partnership``): of the cases opened in the period whose day for first
contact with the complainant has passed (``sharing.cases.first_contact``: the working day
the acknowledgement letter promises), those contacted by that day, after it, and not at
all.

A case closed by its day without contact (the complainant withdrew, say) is no longer due
it, as a cancelled action is no longer due, and is left out; so is a case whose day is
still to come (opened in the period's last days), until that day has passed. A case closed
after its day without contact was not contacted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from datetime import date

from sqlalchemy import select

from sharing import clock
from sharing.figures.counts import Counter
from sharing.figures.rounding import Cell, Shown, Tally, percent, tag_of
from sharing.figures.tables import Row, Table, counted_on
from sharing.models import Case

#: The table's rows of counts, by the key ``count`` gives them.
KEPT, LATE, NOT_MADE, DUE = "kept", "late", "not_made", "due"


def state(due: date | None, made: date | None, closed: date | None, today: date) -> str | None:
    """Which row a case counts in; None for one not (or no longer) due its first contact,
    or whose day could not be counted (``due`` None)."""
    if due is None:
        return None
    if made is not None:
        return KEPT if made <= due else LATE
    if due >= today or (closed is not None and closed <= due):
        return None
    return NOT_MADE


def count(counter: Counter, today: date) -> dict[str, dict[int, Tally]]:
    """The cases opened in the period, by ``state`` (and all those due, ``DUE``), by agency."""
    found: dict[str, dict[int, Tally]] = defaultdict(lambda: defaultdict(Tally))
    start, end = counter.period.bounds()
    rows = counter.session.execute(
        select(
            Case.id,
            Case.agency_id,
            Case.first_contact_due_on,
            Case.first_contact_on,
            Case.closed_at,
        ).where(
            Case.opened_at >= start,
            Case.opened_at < end,
            Case.first_contact_due_on.is_not(None),
            *counter.where(),
        )
    )
    for case_id, agency_id, due, made, closed_at in rows:
        closed = clock.day_of(closed_at) if closed_at is not None else None
        which = state(due, made, closed, today)
        if which is not None:
            found[which][agency_id] += Tally(1, tag_of(case_id))
            found[DUE][agency_id] += Tally(1, tag_of(case_id))
    return found


def table(
    counts: dict[str, dict[int, Tally]],
    columns: tuple[str, ...],
    per_group: Callable[[dict[int, Tally]], tuple[Cell, ...]],
    today: date,
) -> Table:
    """The table of ``counts`` as they stand ``today``, each published in ``columns`` by
    ``per_group``: its note says that day, as a case not contacted then may be later."""
    due, kept = per_group(counts.get(DUE, {})), per_group(counts.get(KEPT, {}))
    return Table(
        key="first_contact",
        title="First contact with the complainant, by the day the acknowledgement promised",
        row_heading="Cases opened in the period",
        columns=columns,
        rows=(
            Row("Due their first contact by now", due),
            Row("Contacted by the day promised", kept),
            Row("Contacted after the day promised", per_group(counts.get(LATE, {}))),
            Row(
                "Not contacted, and the day promised has passed",
                per_group(counts.get(NOT_MADE, {})),
            ),
            Row(
                "Contacted by the day promised (%)",
                tuple(
                    Cell(None, Shown.DERIVED, percent(k, d)) for k, d in zip(kept, due, strict=True)
                ),
            ),
        ),
        note=f"{counted_on(today)}: a case not contacted then may be contacted later, and "
        "then counts as contacted after the day promised. "
        "First contact is the first risk assessment or the first contact a case review "
        "records. A case closed by its day without contact is no longer due it and is left "
        "out, as is a case whose day is still to come.",
        count_columns=tuple(range(len(columns))),
    )
