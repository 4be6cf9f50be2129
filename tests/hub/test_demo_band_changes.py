"""The demo's officers' reasons for changing a risk band read the way the band moved."""

from __future__ import annotations

from sqlalchemy import select

from sharing.crypto.sealing import unseal
from sharing.models import RiskAssessment


def test_each_band_changed_in_the_demo_gives_a_reason_that_goes_the_way_it_moved(
    demo_hub, demo_session
) -> None:
    """A partner reading "High (changed from low: Lowered: the reported person has moved
    out ...)" cannot tell which to believe: a band raised above the score's says why it
    was raised, one lowered below it why it was lowered."""
    changed = [
        a
        for a in demo_session.scalars(select(RiskAssessment).order_by(RiskAssessment.id))
        if a.band is not a.score_band
    ]
    raised = [a for a in changed if a.band.rank > a.score_band.rank]
    lowered = [a for a in changed if a.band.rank < a.score_band.rank]
    assert raised
    assert lowered
    for assessment in raised:
        reason = (unseal(assessment, "adjustment_reason") or "").lower()
        assert "raised" in reason, reason
        assert "lowered" not in reason, reason
    for assessment in lowered:
        reason = (unseal(assessment, "adjustment_reason") or "").lower()
        assert "lowered" in reason, reason
        assert "raised" not in reason, reason
