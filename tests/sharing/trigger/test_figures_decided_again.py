"""The Community Trigger figures count a threshold decided again by the decision that
stands, with the number decided again beside, and split the appeals between those against
a "not met" decision and those against how a review was carried out (demo partnership,
applications made for April 2007 to March 2008, long before the demo's)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from sqlalchemy.orm import Session

from sharing.trigger import figure_csv, figures
from sharing.vocabulary import AppealDecision, Role, ThresholdDecision
from tests.fixtures.demo import demo_actor
from tests.sharing.trigger.test_figures import PROCEDURE, TODAY, _application

MET, NOT_MET = ThresholdDecision.MET, ThresholdDecision.NOT_MET
POLICE, HOMES = "northshire-police", "northshire-homes"


def _appealed(
    session: Session,
    received_on: date,
    decision: ThresholdDecision,
    appeal: AppealDecision | None,
    *,
    decided_again: bool = False,
    reviewed: bool = False,
    held: tuple[str, ...] = (POLICE,),
):
    """An application appealed a month after it was received, the appeal decided a month
    later (``appeal``; None: still in hand); ``decided_again``: the threshold then decided
    again as ``decision`` (the first decision "not met"); ``reviewed``: its outcome sent
    before the appeal (an appeal of the review)."""
    application = _application(
        session,
        received_on,
        decision,
        "three-complaints" if decision is MET else None,
        outcome_on=received_on.replace(day=20) if reviewed else None,
        held=held,
        appeal_on=received_on.replace(month=received_on.month + 1),
    )
    if appeal is not None:
        application.appeal_decision = appeal
        application.appeal_decided_on = received_on.replace(month=received_on.month + 2)
    if decided_again:
        application.first_decided_at = datetime.combine(received_on, datetime.min.time(), UTC)
    return application


@pytest.fixture(scope="module")
def year(demo_hub) -> None:
    """April 2007 to March 2008: five "not met" decisions appealed, of which one sent back
    and decided again met (then reviewed), one sent back and decided again not met, one
    sent back and not yet decided again, one sent back and the application then withdrawn,
    and one not upheld; and one reviewed application whose review was appealed."""
    up, partly = AppealDecision.UPHELD, AppealDecision.PARTLY_UPHELD
    with demo_hub.extensions["hub.sessions"]() as session:
        again_met = _appealed(session, date(2007, 4, 2), MET, up, decided_again=True)
        again_met.outcome_on = date(2007, 9, 1)
        _appealed(session, date(2007, 5, 2), NOT_MET, partly, decided_again=True)
        _appealed(session, date(2007, 6, 2), NOT_MET, up, held=(HOMES,))  # to decide again
        withdrawn = _appealed(session, date(2007, 6, 3), NOT_MET, up)
        withdrawn.withdrawn_on = date(2007, 8, 10)
        withdrawn.closed_at = datetime(2007, 8, 10, tzinfo=UTC)
        _appealed(session, date(2007, 7, 2), NOT_MET, AppealDecision.NOT_UPHELD)
        _appealed(session, date(2007, 8, 2), MET, AppealDecision.NOT_UPHELD, reviewed=True)
        session.commit()


def _figures(session: Session) -> figures.Figures:
    actor = demo_actor(session, PROCEDURE.lead, Role.TRIGGER_LEAD)
    return figures.figures(session, actor, PROCEDURE, "2007-04", TODAY)


def test_an_application_decided_again_counts_by_the_decision_that_stands(
    year, demo_session
) -> None:
    """The Act's four count each application once, by its decision as it stands: decided
    again met, it is a review, not a time the threshold was not met; a "not met" decision
    the appeal body sent back and not yet decided again is no decision (waiting), and one
    withdrawn meanwhile is withdrawn, never "not met"."""
    totals = _figures(demo_session).totals
    assert (totals.applications, totals.not_met, totals.reviews) == (6, 2, 2)
    assert (totals.pending, totals.withdrawn) == (1, 1)


def test_the_number_decided_again_is_given_beside(year, demo_session) -> None:
    totals = _figures(demo_session).totals
    assert totals.decided_again == 2
    assert totals.decided_again_not_met == 1
    assert totals.to_decide_again == 1
    also = dict(figures.labelled(totals, figures.ALSO))
    assert (
        also[
            'Of the applications received: threshold decided again after an appeal against "not '
            'met" (counted above by the decision made again)'
        ]
        == 2
    )


def test_the_appeals_are_split_by_what_was_appealed(year, demo_session) -> None:
    """Five appeals of a "not met" decision (whatever was decided again since) and one of
    a review, received and decided in the year."""
    totals = _figures(demo_session).totals
    assert (totals.appeals, totals.appeals_of_not_met, totals.appeals_of_review) == (6, 5, 1)
    assert (
        totals.appeals_decided,
        totals.appeals_decided_of_not_met,
        totals.appeals_decided_of_review,
    ) == (6, 5, 1)
    labels = [label for _, label in figures.APPEALS]  # the partnership's figures show them
    assert "Of the appeals received: against a decision that the threshold was not met" in labels
    assert "Of the appeals received: against how a review was carried out" in labels


def test_the_csv_gives_the_decided_again_and_the_appeals_split(year, demo_session) -> None:
    rows = list(csv.reader(io.StringIO(figure_csv.csv_text(_figures(demo_session)))))
    totals = {r[4]: r[5] for r in rows[1:] if r[2] == "totals"}
    assert totals["Of those decided again: threshold not met again"] == "1"
    assert totals["Of the appeals decided: against how a review was carried out"] == "1"
    assert totals["Times the threshold for a review was not met"] == "2"
