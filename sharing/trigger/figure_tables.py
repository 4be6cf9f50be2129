"""The Community Trigger figures' tables, per relevant body and per threshold rule, with
small counts withheld (``sharing.figures.suppression``), so that neither the page nor the
CSV holds a count below 5 that the totals do not already tell."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.figures.suppression import THRESHOLD, Cell, suppress
from sharing.models import Agency
from sharing.protocols.model import TYPE_PREFIX
from sharing.trigger.figure_rows import Counted
from sharing.trigger.procedure import Procedure, Rule
from sharing.vocabulary import ThresholdDecision


@dataclass(frozen=True)
class Row:
    name: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Table:
    caption: str
    name_heading: str
    columns: tuple[str, ...]
    rows: tuple[Row, ...]


BODY_COLUMNS = (
    "Applications where it held a counted complaint",
    "Of those, threshold not met",
    "Reviews carried out where it held a counted complaint",
    "Reviews carried out with a recommendation for it",
)
RULE_COLUMNS = (
    "Applications decided with this rule met",
    "Reviews carried out of applications that met it",
    "Of those reviews, with recommendations",
)


def per_body(
    session: Session,
    procedure: Procedure,
    area_id: int,
    counted: tuple[list[Counted], list[Counted]],
    held: dict[int, set[int]],
    recommended: dict[int, set[int]],
) -> Table:
    """The table per relevant body of the applications ``counted`` (those received, and
    those reviewed, in the period), from the applications each body ``held`` a counted
    complaint for and the bodies each review ``recommended`` something to."""
    received, reviewed = counted
    bodies = relevant_bodies(session, procedure, area_id)
    body_counts = []
    for body in bodies:
        theirs = held.get(body.id, set())
        body_counts.append(
            [
                sum(a.id in theirs for a in received),
                sum(a.id in theirs and a.decision is ThresholdDecision.NOT_MET for a in received),
                sum(a.id in theirs for a in reviewed),
                sum(body.id in recommended.get(a.id, ()) for a in reviewed),
            ]
        )
    return _table(
        "Per relevant body", "Relevant body", BODY_COLUMNS, [b.name for b in bodies], body_counts
    )


def per_rule(
    procedure: Procedure,
    counted: tuple[list[Counted], list[Counted]],
    recommended: dict[int, set[int]],
) -> Table:
    """The table per threshold rule of the applications ``counted`` (received, reviewed)."""
    received, reviewed = counted
    rule_counts = []
    for rule in procedure.rules:
        named = _names(rule)
        met = [a for a in received if a.decision is not None and named(a)]
        done = [a for a in reviewed if a.decision is not None and named(a)]
        rule_counts.append([len(met), len(done), sum(a.id in recommended for a in done)])
    return _table(
        "Per threshold rule",
        "Threshold rule",
        RULE_COLUMNS,
        [r.title for r in procedure.rules],
        rule_counts,
    )


def relevant_bodies(session: Session, procedure: Procedure, area_id: int) -> list[Agency]:
    """The area's relevant bodies in the procedure's order (a type's agencies by name)."""
    agencies = session.scalars(
        select(Agency).where(Agency.area_id == area_id).order_by(Agency.name)
    ).all()
    ordered: list[Agency] = []
    for body in procedure.relevant_bodies:
        for agency in agencies:
            named = body in (agency.code, f"{TYPE_PREFIX}{agency.type.value}")
            if named and agency not in ordered:
                ordered.append(agency)
    return ordered


def _names(rule: Rule) -> Callable[[Counted], bool]:
    """Whether an application's decision counts under the rule: a discretion rule, a
    decision met by discretion; any other, the rule among those met when it was decided."""
    if rule.kind == "discretion":
        return lambda a: a.decision is ThresholdDecision.DISCRETION
    return lambda a: rule.id in a.rules_met


def _table(
    caption: str,
    name_heading: str,
    columns: tuple[str, ...],
    names: list[str],
    counts: list[list[int]],
) -> Table:
    """The table with small counts withheld. Its columns are taken to have known totals
    (one application can be in several rows, so they do not add up to the four totals,
    but a reader is given no help)."""
    published = suppress(counts, threshold=THRESHOLD, column_totals=True) if counts else []
    return Table(
        caption,
        name_heading,
        columns,
        tuple(Row(name, tuple(cells)) for name, cells in zip(names, published, strict=True)),
    )
