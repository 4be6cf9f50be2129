"""The Community Trigger's published figures (demo partnership, with applications made
for a year long before the demo's): the four totals exactly, the tables per relevant body
and per rule with small counts withheld, who may read them, the period asked for, the CSV,
and an audit entry for every request."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit.log import integrate
from sharing.errors import InputError, NotAllowed
from sharing.models import (
    Agency,
    AuditEntry,
    TriggerApplication,
    TriggerBodyCount,
    TriggerRecommendation,
)
from sharing.trigger import figure_csv, figure_period, figure_tables, figures
from sharing.trigger.procedure import load_procedure
from sharing.vocabulary import AppealDecision, Role, ThresholdDecision, TriggerChannel, VictimKind
from tests.fixtures.demo import demo_actor, demo_user

PROCEDURE = load_procedure(
    Path(__file__).parents[3] / "config" / "northshire-community-trigger.toml"
)
#: After the figures' year, for the period's checks.
TODAY = date(2026, 12, 2)
_numbers = count(1)

MET, NOT_MET, DISCRETION = (
    ThresholdDecision.MET,
    ThresholdDecision.NOT_MET,
    ThresholdDecision.DISCRETION,
)


def _agency(session: Session, code: str) -> Agency:
    return session.scalar(select(Agency).where(Agency.code == code))


def _application(
    session: Session,
    received_on: date,
    decision: ThresholdDecision | None = None,
    rules: str | None = None,
    outcome_on: date | None = None,
    held: tuple[str, ...] = (),
    recommended: tuple[str, ...] = (),
    on_appeal: tuple[str, ...] = (),
    appeal_on: date | None = None,
) -> TriggerApplication:
    """An application as the figures read it: dates, decision, rules met, the bodies that
    held counted complaints and the recommendations' owners (nothing sealed)."""
    lead = _agency(session, PROCEDURE.lead)
    recorder = demo_user(session, PROCEDURE.lead, Role.TRIGGER_LEAD)
    application = TriggerApplication(
        reference=f"ASBR-{received_on.year}-9{next(_numbers):03d}",
        lead_agency_id=lead.id,
        procedure_key=PROCEDURE.id,
        procedure_version=PROCEDURE.version,
        received_on=received_on,
        channel=TriggerChannel.PHONE,
        recorded_at=datetime(received_on.year, received_on.month, received_on.day, tzinfo=UTC),
        victim_kind=VictimKind.PERSON,
        decision=decision,
        rules_met=rules,
        outcome_on=outcome_on,
        appeal_received_on=appeal_on,
    )
    session.add(application)
    session.flush()
    for code in held:
        session.add(
            TriggerBodyCount(
                application_id=application.id, agency_id=_agency(session, code).id, complaints=2
            )
        )
    for code, appeal in [(c, False) for c in recommended] + [(c, True) for c in on_appeal]:
        session.add(
            TriggerRecommendation(
                application_id=application.id,
                owner_agency_id=_agency(session, code).id,
                due_on=received_on,
                on_appeal=appeal,
                created_at=application.recorded_at,
                created_by_id=recorder.id,
            )
        )
    session.flush()
    return application


@pytest.fixture(scope="module")
def year(demo_hub) -> None:
    """April 2010 to March 2011 at the lead agency, with one application either side."""
    with demo_hub.extensions["hub.sessions"]() as session:
        police, icb, homes = "northshire-police", "northshire-icb", "northshire-homes"
        # received in the year before: its review is this year's
        _application(
            session,
            date(2010, 3, 31),
            MET,
            "three-complaints",
            outcome_on=date(2010, 5, 20),
            held=(police,),
            recommended=(police,),
        )
        # this year's applications
        for day in (1, 2, 3, 4, 5, 6):
            _application(
                session,
                date(2010, 4 + day, 1),
                MET,
                "three-complaints",
                outcome_on=date(2010, 6 + day, 1) if day <= 4 else None,
                held=(police,) if day != 6 else (police, icb),
                recommended=(police, homes) if day <= 2 else (),
                on_appeal=(police,) if day == 3 else (),
                appeal_on=date(2011, 1, 10) if day == 3 else None,
            )
        _application(session, date(2010, 11, 1), NOT_MET, None, held=(police,))
        _application(session, date(2010, 12, 1), NOT_MET, None, held=(homes,))
        _application(
            session,
            date(2011, 1, 5),
            DISCRETION,
            "hate-incident,vulnerable-victim",
            outcome_on=date(2011, 3, 31),
            held=(police,),
            recommended=(icb,),
        )
        _application(session, date(2011, 3, 31))  # waiting for a decision
        # received the year after
        _application(session, date(2011, 4, 1), NOT_MET, None, held=(police,))
        session.commit()


def _figures(session: Session, code: str = PROCEDURE.lead, role: Role = Role.TRIGGER_LEAD):
    actor = demo_actor(session, code, role)
    return figures.figures(session, actor, PROCEDURE, "2010-04", TODAY)


def _row(table: figure_tables.Table, name: str) -> list[str]:
    return next([c.text for c in row.cells] for row in table.rows if row.name == name)


def test_the_four_totals_count_the_years_applications_and_reviews_exactly(
    year, demo_session
) -> None:
    shown = _figures(demo_session)
    assert shown.period.title == "April 2010 to March 2011"
    assert shown.to_date is None
    assert shown.totals == figures.Totals(
        applications=10,  # six met, two not met, one met by discretion, one waiting
        not_met=2,
        reviews=6,  # four of this year's, the one from March 2010, the discretion one
        with_recommendations=4,  # a recommendation made on appeal alone does not count
        pending=1,
        appeals=1,
        appeals_of_review=1,  # of the review of the application received in August
    )


def test_each_relevant_body_is_counted_where_it_held_a_counted_complaint(
    year, demo_session
) -> None:
    shown = _figures(demo_session)
    bodies = [row.name for row in shown.bodies.rows]
    # in the procedure's order: the lead, the police, the ICB, then every landlord by name
    assert bodies[:3] == [
        "Northshire Council Community Safety",
        "Northshire Police",
        "Northshire Integrated Care Board",
    ]
    assert set(bodies[3:]) == {
        "Larkmoor Housing Association",
        "Northshire Homes",
        "Wealdbrook Housing Trust",
    }
    # the police: 8 applications, 1 not met, 6 reviews, 3 with a recommendation for it.
    # Every other count of the reviews' column is 0, so with the column's total (6) they
    # would say the police's count: it is withheld too.
    assert _row(shown.bodies, "Northshire Police") == [
        "8",
        "fewer than 5",
        "withheld",
        "fewer than 5",
    ]
    for name in bodies:
        if name != "Northshire Police":
            assert _row(shown.bodies, name) == ["fewer than 5"] * 4


def test_each_rule_is_counted_where_the_decision_met_it(year, demo_session) -> None:
    shown = _figures(demo_session)
    titles = [rule.title for rule in PROCEDURE.rules]
    assert [row.name for row in shown.rules.rows] == titles
    three, community, hate, discretion = titles
    # three complaints: six of the year's applications met it; five reviews (with the
    # one received in March 2010), three with recommendations
    assert _row(shown.rules, three) == ["6", "5", "fewer than 5"]
    assert _row(shown.rules, community) == ["fewer than 5"] * 3
    assert _row(shown.rules, hate) == ["fewer than 5"] * 3
    assert _row(shown.rules, discretion) == ["fewer than 5"] * 3


def test_no_count_under_5_is_published_in_a_table(year, demo_session) -> None:
    shown = _figures(demo_session)
    for table in (shown.bodies, shown.rules):
        for row in table.rows:
            for cell in row.cells:
                assert cell.value is None or cell.value >= 5, (row.name, cell)


@pytest.mark.parametrize(
    ("code", "role"),
    [
        ("northshire-csp", Role.TRIGGER_LEAD),
        ("northshire-csp", Role.MANAGER),
        ("northshire-csp", Role.CONFERENCE_CHAIR),  # the CSP coordinator
        ("northshire-csp", Role.ANALYST),
        ("northshire-police", Role.MANAGER),
        ("northshire-police", Role.ANALYST),
        ("northshire-icb", Role.MANAGER),
        ("larkmoor-ha", Role.MANAGER),  # a co-opted landlord
    ],
)
def test_the_leads_relevant_bodies_managers_and_analysts_may_read_them(
    demo_session, code, role
) -> None:
    assert figures.may_read(demo_session, demo_actor(demo_session, code, role), PROCEDURE)


@pytest.mark.parametrize(
    ("code", "role"),
    [
        ("northshire-csp", Role.CASE_OFFICER),
        ("northshire-csp", Role.DPO),
        ("northshire-csp", Role.ADMINISTRATOR),
        ("northshire-police", Role.CASE_OFFICER),
        ("northshire-adults", Role.MANAGER),  # not a relevant body
        ("northshire-eh", Role.MANAGER),  # nor is environmental health
        ("northshire-adults", Role.PARTNER_VIEWER),
    ],
)
def test_anyone_else_is_refused_and_the_refusal_recorded(demo_session, code, role) -> None:
    actor = demo_actor(demo_session, code, role)
    assert not figures.may_read(demo_session, actor, PROCEDURE)
    with pytest.raises(NotAllowed):
        figures.figures(demo_session, actor, PROCEDURE, "2010-04", TODAY)
    entry = _last_entry(demo_session)
    assert (entry.outcome, entry.actor_user_id) == ("refused", actor.user_id)
    demo_session.rollback()


def _last_entry(session: Session) -> AuditEntry:
    """The last such entry the session wrote (its queued entries added to the log first)."""
    integrate(session)
    return session.scalars(
        select(AuditEntry)
        .where(AuditEntry.action == "trigger.figures")
        .order_by(AuditEntry.seq.desc())
    ).first()


def test_every_request_is_recorded_with_its_period_and_nothing_else(year, demo_session) -> None:
    actor = demo_actor(demo_session, "northshire-police", Role.ANALYST)
    figures.figures(demo_session, actor, PROCEDURE, "2010-04", TODAY, as_csv=True)
    entry = _last_entry(demo_session)
    assert (entry.outcome, entry.object_type, entry.object_id) == (
        "allowed",
        "trigger_figures",
        "2010-04",
    )
    assert entry.basis == "period 2010-04-01 to 2011-03-31; csv"
    with pytest.raises(InputError):
        figures.figures(demo_session, actor, PROCEDURE, "banana", TODAY)
    refused = _last_entry(demo_session)
    assert (refused.outcome, refused.basis) == ("refused", "refused input: from")
    demo_session.rollback()


@pytest.mark.parametrize(
    ("asked", "start", "last_day"),
    [
        (None, date(2025, 12, 1), date(2026, 11, 30)),  # the last 12 complete months
        ("", date(2025, 12, 1), date(2026, 11, 30)),
        ("2026-04", date(2026, 4, 1), date(2027, 3, 31)),
        (" 2024-2 ", date(2024, 2, 1), date(2025, 1, 31)),
        ("2000-01", date(2000, 1, 1), date(2000, 12, 31)),
        ("2026-12", date(2026, 12, 1), date(2027, 11, 30)),  # this month: figures to date
    ],
)
def test_the_period_is_twelve_calendar_months_from_the_month_asked_for(
    asked, start, last_day
) -> None:
    period = figure_period.period_from(asked, TODAY)
    assert (period.start, period.last_day) == (start, last_day)


@pytest.mark.parametrize(
    ("asked", "message"),
    [
        ("banana", "Enter the first month as a year and month, for example 2025-04"),
        ("2026-13", "Enter the first month as a year and month"),
        ("2026-04-01", "Enter the first month as a year and month"),
        ("٢٠٢٦-٠٤", "Enter the first month as a year and month"),
        ("2027-01", "The first month cannot be in the future"),
        ("1999-12", "The first month must be January 2000 or later"),
        ("0000-01", "The first month must be January 2000 or later"),
    ],
)
def test_a_month_that_is_not_one_or_is_out_of_range_is_refused_at_its_field(asked, message) -> None:
    with pytest.raises(InputError) as refused:
        figure_period.period_from(asked, TODAY)
    assert refused.value.field == "from"
    assert refused.value.message.startswith(message)


def test_the_csv_holds_the_pages_values_one_figure_a_line(year, demo_session) -> None:
    shown = _figures(demo_session)
    rows = list(csv.reader(io.StringIO(figure_csv.csv_text(shown))))
    assert rows[0] == ["from", "to", "table", "row", "figure", "value"]
    assert rows[1] == [
        "2010-04-01",
        "2011-03-31",
        "totals",
        "",
        "Applications for an ASB Case Review received",
        "10",
    ]
    by_figure = {(r[2], r[3], r[4]): r[5] for r in rows[1:]}
    assert by_figure[("totals", "", "Times the threshold for a review was not met")] == "2"
    police = _row(shown.bodies, "Northshire Police")
    for column, text in zip(figure_tables.BODY_COLUMNS, police, strict=True):
        assert by_figure[("Per relevant body", "Northshire Police", column)] == text
    assert "fewer than 5" in by_figure.values()
    totals = len(figures.TOTALS) + len(figures.ALSO)  # the Act's four, and the others
    assert len(rows) == 1 + totals + 4 * len(shown.bodies.rows) + 3 * len(shown.rules.rows)
    assert figure_csv.csv_name(shown) == "community-trigger-figures-2010-04-to-2011-03.csv"


def test_appeals_withdrawn_are_counted_beside_appeals_decided(demo_hub, demo_session) -> None:
    """In April 2012 to March 2013: an appeal decided, an appeal withdrawn, one withdrawn
    in the year of an appeal received the year before, and one still in hand. Each is
    counted in the year it ended, decided or withdrawn, never both; the Act's four figures
    are as they would be without the appeals."""
    decided = _application(
        demo_session, date(2012, 5, 1), MET, "three-complaints", outcome_on=date(2012, 6, 1)
    )
    decided.appeal_received_on = date(2012, 6, 10)
    decided.appeal_decision = AppealDecision.NOT_UPHELD
    decided.appeal_decided_on = date(2012, 7, 1)
    withdrawn = _application(demo_session, date(2012, 5, 2), NOT_MET, appeal_on=date(2012, 5, 20))
    withdrawn.appeal_withdrawn_on = date(2012, 6, 1)
    before = _application(
        demo_session,
        date(2012, 1, 5),
        MET,
        "three-complaints",
        outcome_on=date(2012, 2, 1),
        appeal_on=date(2012, 3, 1),
    )
    before.appeal_withdrawn_on = date(2012, 4, 10)
    _application(
        demo_session,
        date(2012, 5, 3),
        MET,
        "three-complaints",
        outcome_on=date(2012, 6, 1),
        appeal_on=date(2013, 3, 1),
    )
    demo_session.commit()
    lead = demo_actor(demo_session, PROCEDURE.lead, Role.TRIGGER_LEAD)

    shown = figures.figures(demo_session, lead, PROCEDURE, "2012-04", TODAY)

    assert shown.totals == figures.Totals(
        applications=3,
        not_met=1,
        reviews=2,
        with_recommendations=0,
        pending=0,
        appeals=3,  # the one received the year before is not this year's
        appeals_decided=1,
        appeals_withdrawn=2,  # the one received the year before ended this year
        appeals_not_upheld=1,
        appeals_of_not_met=1,
        appeals_of_review=2,
        appeals_decided_of_review=1,
    )
    also = dict(figures.labelled(shown.totals, figures.ALSO))
    assert also["Appeals decided by the appeal body"] == 1
    assert also["Appeals the applicant withdrew before they were decided"] == 2
    rows = list(csv.reader(io.StringIO(figure_csv.csv_text(shown))))
    by_figure = {r[4]: r[5] for r in rows[1:] if r[2] == "totals"}
    assert by_figure["Appeals decided by the appeal body"] == "1"
    assert by_figure["Appeals the applicant withdrew before they were decided"] == "2"
    # The year before counts the appeal received, and nothing ended yet.
    earlier = figures.figures(demo_session, lead, PROCEDURE, "2011-04", TODAY).totals
    assert (earlier.appeals, earlier.appeals_decided, earlier.appeals_withdrawn) == (1, 0, 0)


def test_a_not_met_decision_decided_again_as_met_counts_as_reviewed_not_as_not_met(
    demo_session,
) -> None:
    """April 2008 to March 2009: an application decided "not met", appealed, the appeal
    upheld and the threshold decided again as met, then reviewed. It counts by its
    decision as it stands: reviewed, not "not met", and as decided again; its appeal counts
    as received and upheld, an appeal of the "not met" decision."""
    again = _application(
        demo_session, date(2008, 5, 1), MET, "three-complaints", outcome_on=date(2008, 9, 1)
    )
    again.first_decided_at = datetime(2008, 5, 20, tzinfo=UTC)
    again.appeal_received_on = date(2008, 6, 1)
    again.appeal_decision = AppealDecision.UPHELD
    again.appeal_decided_on = date(2008, 7, 1)
    demo_session.commit()
    lead = demo_actor(demo_session, PROCEDURE.lead, Role.TRIGGER_LEAD)

    shown = figures.figures(demo_session, lead, PROCEDURE, "2008-04", TODAY)

    assert shown.totals == figures.Totals(
        applications=1,
        not_met=0,
        reviews=1,
        with_recommendations=0,
        pending=0,
        appeals=1,
        appeals_decided=1,
        appeals_upheld=1,
        decided_again=1,
        appeals_of_not_met=1,
        appeals_decided_of_not_met=1,
    )
