"""The tables of the partnership's figures (``sharing.figures.partnership``) made from one
request's counts (``sharing.figures.counts`` and ``sharing.figures.work``): each count
published in its column by the rounder (``sharing.figures.rounding``), with the rates and
shares worked out from what is published. The cases' tables are made in
``sharing.figures.case_tables``; how cases ended and the work on them (resolved by, time
taken, satisfaction) in ``sharing.figures.outcomes``; the actions, risk, first contacts,
meetings and the Community Trigger here."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from sharing import clock
from sharing.figures import first_contacts, outcomes, work
from sharing.figures.case_tables import CaseTables, Opened
from sharing.figures.months import Months
from sharing.figures.rounding import Cell, Shown, Tally
from sharing.figures.tables import Figures, Row, Table, counted_on
from sharing.figures.tallies import Atoms
from sharing.trigger import figures as trigger_figures
from sharing.vocabulary import ActionKind, RiskBand


class Builder(CaseTables):
    """Publishes the figures' tables, the cases' and the work on them, a column for each
    of ``groups``."""

    def build(self, trigger: Callable[[Months], Iterable[tuple[str, int]]] | None) -> Figures:
        """The figures of the period and scope: the cases' tables, the work on them, and
        (for the whole partnership) the Community Trigger's, with each ward's figure for
        the map."""
        opened = Opened.counted(self.counter)
        period = list(self.window.indices(self.period))
        cases, ward_cells = self.cases(opened, period)
        tables = (*cases, *self.work_done(opened.closed, period), *self.community_trigger(trigger))
        return Figures(
            period=self.period,
            scope=self.counter.scope,
            groups=self.groups,
            tables=tables,
            ward_cells=ward_cells,
        )

    def work_done(self, closed: Atoms, period: list[int]) -> list[Table]:
        """The tables of the work on the cases, in the order they are published: how those
        closed were resolved, the actions recorded, risk, the time taken, first contacts,
        satisfaction, and the meetings."""
        c = self.counter
        today = clock.today()
        return [
            outcomes.resolved_by(closed, period, self.groups, self.per_group),
            self.interventions(),
            self.risk(),
            outcomes.times(c.days_to_contact(), c.days_to_close(), self.groups),
            first_contacts.table(
                first_contacts.count(c, today),
                tuple(g.title for g in self.groups),
                self.per_group,
                today,
            ),
            outcomes.satisfaction(work.surveys(c), self.groups, self.per_group),
            self.meetings(work.conferences(c), work.actions_due(c), today),
        ]

    def interventions(self) -> Table:
        """The actions and interventions recorded, by kind."""
        used = work.actions_recorded(self.counter)
        return self.counts_table(
            "interventions",
            "Actions and interventions recorded, by kind",
            "Action",
            [(kind.label, used.get(kind.value, {})) for kind in ActionKind],
        )

    def risk(self) -> Table:
        """Each assessed person's latest risk band in the period, and how it moved."""
        risk = self.counter.risk()
        return self.counts_table(
            "risk",
            "Risk: each assessed person's latest band in the period, and its movement",
            "Band or movement",
            [
                (f"Latest band: {band.label}", risk.get(f"band:{band.value}", {}))
                for band in RiskBand
            ]
            + [
                ("Moved up since their first assessment in the period", risk.get("move:up", {})),
                ("Stayed the same", risk.get("move:same", {})),
                ("Moved down", risk.get("move:down", {})),
            ],
        )

    def meetings(
        self, held: dict[int, Tally], due: dict[str, dict[int, Tally]], today: date
    ) -> Table:
        """Case conferences held, and the actions due in the period by whether they were
        done by their date, as they stand ``today`` (one still open may be done later)."""
        return self.counts_table(
            "meetings",
            "Case conferences and actions",
            "Measure",
            [
                ("Case conferences held", held),
                ("Actions due in the period: done by their date", due.get("on_time", {})),
                ("Done after their date", due.get("late", {})),
                ("Still open past their date", due.get("overdue", {})),
            ],
            note=f"{counted_on(today)}: an action still open then may be done later, and "
            "then counts as done after its date. "
            "An action closed with its case after its date counts as still open past it: "
            "it was not done. A cancelled action, or one whose case closed by its date, is no "
            "longer due and is not counted.",
        )

    def community_trigger(
        self, trigger: Callable[[Months], Iterable[tuple[str, int]]] | None
    ) -> list[Table]:
        """The Community Trigger's table, exact, for the whole partnership only (none for
        one agency or ward, or without ``trigger``)."""
        scope = self.counter.scope
        if trigger is None or scope.agency is not None or scope.ward is not None:
            return []
        return [
            Table(
                key="trigger",
                title="Community Trigger (ASB Case Review)",
                row_heading="Figure",
                columns=("Whole partnership (exact)",),
                rows=tuple(
                    Row(label, (Cell(n, Shown.EXACT, str(n)),)) for label, n in trigger(self.period)
                ),
                count_columns=(0,),
                note=" ".join(
                    (
                        trigger_figures.EXACT_COUNTED,
                        trigger_figures.CLOSED_COUNTED,
                        trigger_figures.DECIDED_AGAIN_COUNTED,
                        trigger_figures.APPEALS_COUNTED,
                    )
                ),
            )
        ]
