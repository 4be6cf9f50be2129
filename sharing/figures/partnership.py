"""The partnership's figures for a community safety partnership (CSP) meeting: for a
period of whole months and an area (the partnership, one agency, one ward, or one
agency in one ward), the counts a CSP asks for, as tables a reader may see.

What is counted (every count from dates, flags, categories and ids: nothing sealed is
opened, and locked and erased cases count like any other, but that a manager's exact
column counts only their agency's cases they may see: ``columns.seen_by``):

- **Cases**: opened in the period (by category, priority, agency and ward), closed in it
  (resolved, not resolved, closed before outcomes were recorded), open at its end; the
  same for the period before and the same period a year earlier; and each of the last 13
  months.
- **Hate**: cases opened that involve a hate incident (opened as hate-motivated, or with
  an incident recorded as hate-related), by the protected characteristic recorded.
- **Victims**: people who are victims in the cases opened; of those, repeat victims (also
  the victim of another of the agency's cases opened in the period or the 12 months
  before it) and those assessed as high risk in the period on one of those cases.
- **Interventions**: actions recorded in the period, by kind; and the main intervention
  that resolved each case closed as resolved, beside HouseMark's national table.
- **Risk**: each assessed person's latest band in the period, and how it moved from their
  first assessment in the period.
- **Time**: median days from opening to first contact (the first risk assessment, which
  the procedures complete with the complainant at first contact, or the first day of
  contact a case review records, whichever is earlier: ``sharing.cases.first_contact``)
  and to closure.
- **Satisfaction**: closure surveys answered in the period, and those satisfied.
- **Meetings and actions**: case conferences held; actions due in the period, done by
  their date, done late, and still open past it (a cancelled action is not due; one
  closed with its case after its date was missed and counts as still open past it).
- **Community Trigger**: the four figures the Act requires, and the appeals (received,
  decided, by the appeal body's decision, and withdrawn), for the partnership only, as
  ``/trigger/figures`` counts and publishes them: exact, so only for 12 months and only
  to those who may read those figures (``sharing.trigger.figures.may_read``); anyone
  else, or a shorter period, is told where they are published instead.

How each count is published is ``sharing.figures.rounding``: small counts as "fewer than
5", the others rounded by a cell key; a manager's own agency exactly, in a column of its
own. Every request is one audit entry naming the period and the area (an agency code or a
ward id), never a value.

Its parts: the area (``areas``), the meeting a pack is for (``meeting_packs``), whose cases
a column counts (``columns``), what is counted (``counts``, ``tallies``), the tables made
from the counts (``publishing``) and the tables as a reader sees them (``tables``); this
module is the way in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import date

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import NotAllowed
from sharing.figures.areas import AGENCY_FIELD, WARD_FIELD, Scope, scope_of
from sharing.figures.columns import EXACT_FIELD, Group, groups_for, seen_by
from sharing.figures.counts import Counter
from sharing.figures.meeting_packs import MEETING_FIELD, meeting_months, meeting_of, require_ended
from sharing.figures.months import Months, months_later, months_of
from sharing.figures.publishing import Builder
from sharing.figures.readers import reader_agency
from sharing.figures.rounding import BASE, Rounder
from sharing.figures.spreadsheets import Sheet
from sharing.figures.suppression import THRESHOLD
from sharing.figures.tables import Figures, Table, TriggerLeftOut
from sharing.figures.wards import Boundaries
from sharing.models import Agency
from sharing.trigger import figures as trigger_figures
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import Marking

#: The Community Trigger totals are shown for periods of this many months, as
#: ``/trigger/figures`` publishes them.
TRIGGER_MONTHS = 12


def count(
    session: Session,
    area_id: int,
    scope: Scope,
    period: Months,
    groups: tuple[Group, ...],
    rounder: Rounder,
    boundaries: Boundaries | None,
    trigger: Callable[[Months], Iterable[tuple[str, int]]] | None,
    seen: Sequence[ColumnElement[bool]] = (),
) -> Figures:
    """The figures for ``scope`` and ``period`` (an ended one) in ``groups``' columns, of
    the cases ``seen`` keeps (``columns.seen_by``; no audit entry: ``figures`` is the way
    in)."""
    counter = Counter(session, area_id, scope, period, seen)
    return Builder(counter, groups, rounder, boundaries).build(trigger)


def figures(
    session: Session,
    actor: Actor,
    rounder: Rounder,
    boundaries: Boundaries | None,
    asked: dict[str, str | None],
    *,
    what: str = "page",
    trigger: Procedure | None = None,
    today: date | None = None,
) -> Figures:
    """The figures for the period and area ``asked`` (``from``, ``to``, ``agency``,
    ``ward``, ``exact``), as the reader may see them (the Community Trigger's totals by
    the ``trigger`` procedure's rules: ``trigger_totals``); one audit entry saying ``what`` was
    read (the page, a table's CSV, the pack). ``NotAllowed`` (recorded) for a reader who
    may not, or exact figures asked for another agency; ``InputError`` (recorded) for a
    period or an area that is not one."""
    subject = acts.Subject("partnership_figures")
    own = reader_agency(session, actor, subject)
    exact_asked = (asked.get(EXACT_FIELD) or "").strip().lower() in ("1", "yes", "true", "on")
    with acts.refusing_input(session, acts.Action.FIGURES_VIEW, actor=actor, subject=subject):
        today = today or clock.today()
        meeting = meeting_of(session, own.area_id, asked.get(MEETING_FIELD))
        first, last = asked.get("from"), asked.get("to")
        if meeting is not None and not (first or last):
            require_ended(meeting, today)
            first, last = meeting_months(meeting)
        period = months_of(first, last, today)
        scope = scope_of(
            session, own.area_id, own.area.name, asked.get(AGENCY_FIELD), asked.get(WARD_FIELD)
        )
    try:
        groups = groups_for(actor, own, scope, exact_asked)
    except NotAllowed:
        acts.refuse(
            session,
            acts.Action.FIGURES_VIEW,
            actor=actor,
            subject=subject,
            reason=f"exact figures asked for {scope.audit_text}",
        )
        raise
    totals, left_out = trigger_totals(session, actor, trigger, scope, period, today)
    found = count(
        session,
        own.area_id,
        scope,
        period,
        groups,
        rounder,
        boundaries,
        totals,
        seen_by(actor, groups),
    )
    found = replace(found, meeting=meeting, trigger_left_out=left_out)
    acts.record(
        session,
        acts.Action.FIGURES_VIEW,
        actor=actor,
        subject=acts.Subject("partnership_figures", period.query["from"]),
        basis=(
            f"partnership figures {period.query['from']} to {period.query['to']}; "
            f"{scope.audit_text}; {'exact own and ' if groups[0].exact else ''}rounded; {what}"
            + (f"; meeting {meeting.id}" if meeting else "")
        ),
    )
    return found


def trigger_totals(
    session: Session,
    actor: Actor,
    procedure: Procedure | None,
    scope: Scope,
    period: Months,
    today: date,
) -> tuple[Callable[[Months], Iterable[tuple[str, int]]] | None, TriggerLeftOut | None]:
    """The Community Trigger totals and appeals for the whole partnership, under the rules of
    ``/trigger/figures``: for 12 months, to a reader it allows. Otherwise none, and why
    (for an agency or a ward: the totals are the whole partnership's)."""
    if procedure is None:
        return None, None
    area = scope.agency is not None or scope.ward is not None
    reader = trigger_figures.may_read(session, actor, procedure)
    if reader and period.count == TRIGGER_MONTHS and not area:
        return (
            lambda p: trigger_figures.totals_between(
                session, procedure, p.start, p.end, today, trigger_figures.PARTNERSHIP
            )
        ), None
    lead = session.scalar(select(Agency).where(Agency.code == procedure.lead))
    first = months_later(period.end, -TRIGGER_MONTHS)
    return None, TriggerLeftOut(
        lead.name if lead else "the lead agency", reader, f"{first:%Y-%m}", area=area
    )


def sheet(found: Figures, table: Table) -> Sheet:
    """One table as a spreadsheet's sheet: its title, the area and period, then the
    same texts as the page, its note below them (a reader of the file alone learns what
    the page says of the table), after what it says above the tables of rounded counts.
    Exact figures are marked above the title as the pack is (OFFICIAL-SENSITIVE, and how
    to handle them), so that the file sent on says so too."""
    marked = (
        (f"{found.marking_text}. {found.handling}",)
        if found.marking is Marking.OFFICIAL_SENSITIVE
        else ()
    )
    notes = tuple(n for n in (_rounded(found, table), table.note) if n)
    return Sheet(
        name=table.title,
        heading=(*marked, table.title, f"{found.scope.title}, {found.period.title}"),
        rows=[
            [table.row_heading, *table.columns],
            *([row.label, *(cell.text for cell in row.cells)] for row in table.rows),
        ],
        notes=notes,
    )


def _rounded(found: Figures, table: Table) -> str:
    """What a file's reader is told of the rounded counts, as the page tells them above its
    tables (none for exact figures alone, nor the Community Trigger's, exact by law)."""
    if table.key == "trigger" or all(group.exact for group in found.groups):
        return ""
    whose = (
        "Your agency's counts are exact; the other counts are"
        if any(group.exact for group in found.groups)
        else "Counts are"
    )
    return (
        f"{whose} rounded to a multiple of {BASE}, and a count from 0 to {THRESHOLD - 1} is "
        f'shown as "fewer than {THRESHOLD}", so rows may not add up to the total shown; '
        "rates and percentages are worked out from the rounded counts."
    )
