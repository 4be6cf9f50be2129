"""What the letter of the appeal body's decision says was appealed and what was decided:
an appeal of a review's outcome is about how the review was carried out; an appeal of a
"not met" decision is about that decision, as no review was carried out, so the appeal
body's decision is said of the decision, not of a review (upheld or partly upheld, the
decision is to be looked at again: ``sharing.trigger.decided_again``).
"""

from __future__ import annotations

from sharing.models import TriggerApplication
from sharing.trigger.handling import decided_again
from sharing.vocabulary import AppealDecision, ThresholdDecision

#: The appeal body's decision on a "not met" decision, as its letter says it (the
#: decisions' labels speak of a review).
OF_NOT_MET = {
    AppealDecision.UPHELD: "Upheld: the decision is to be looked at again",
    AppealDecision.PARTLY_UPHELD: "Partly upheld: the decision is to be looked at again",
    AppealDecision.NOT_UPHELD: "Not upheld: the decision was made properly",
}


def decision_choices(decided: ThresholdDecision | None) -> list[tuple[str, str]]:
    """The appeal body's decisions for the lead's form on an application ``decided`` so,
    said as the letter will say them."""
    if decided is ThresholdDecision.NOT_MET:
        return [(decision.value, OF_NOT_MET[decision]) for decision in AppealDecision]
    return AppealDecision.choices()


def of_not_met(application: TriggerApplication) -> bool:
    """Whether its appeal is (or was) against a "not met" decision: decided so, or decided
    again after an appeal against one."""
    return application.decision is ThresholdDecision.NOT_MET or decided_again(application)


def appeal_said(application: TriggerApplication) -> dict[str, str]:
    """The letter's ``{appealed}`` (what the appeal was about) and ``{appeal_decision}``
    (the appeal body's decision, "" before one)."""
    decision = application.appeal_decision
    if of_not_met(application):
        return {
            "appealed": "the decision not to review your application",
            "appeal_decision": OF_NOT_MET[decision] if decision else "",
        }
    return {
        "appealed": "the review of your application",
        "appeal_decision": decision.label if decision else "",
    }
