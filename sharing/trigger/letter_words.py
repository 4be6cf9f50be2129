"""The words of a letter to a Community Trigger applicant: the letters file's wording
(``config/letters.toml``, its ``[[trigger_letters]]``) for the letter's kind and where the
application stands, its placeholders filled from the application.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping

from sharing.cases.trigger_wording import TriggerWording
from sharing.clock import day_text
from sharing.models import TriggerApplication
from sharing.trigger import deadlines, handling
from sharing.trigger.appeal_words import appeal_said, of_not_met
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import LetterKind, ThresholdDecision


def paragraphs(
    application: TriggerApplication,
    kind: LetterKind,
    procedure: Procedure,
    details: dict[str, str | None],
    victim: str,
    wording: Mapping[str, TriggerWording],
) -> tuple[str, ...]:
    """The letter's paragraphs: its wording, filled from the application."""
    calendar = england_and_wales()
    values = {
        "reference": application.reference,
        "received": day_text(application.received_on),
        "for_whom": f" for {victim}" if application.on_behalf is not None else "",
    }
    if kind is LetterKind.ACKNOWLEDGEMENT:
        values["decision_due"] = day_text(deadlines.decision_due(application, procedure, calendar))
        late_by = deadlines.decision_late_by(application, procedure, calendar)
        if late_by is None:
            return filled(wording["acknowledgement"], values)
        values["decision_late_by"] = day_text(late_by)
        return filled(wording["acknowledgement_late"], values)
    if kind is LetterKind.THRESHOLD and handling.decided_again(application):
        # The first decision, "not met", as its letter said it.
        values["reasons"] = details["first_decision_reasons"] or ""
        return filled(wording["threshold_not_met"], values)
    if kind in (LetterKind.THRESHOLD, LetterKind.DECIDED_AGAIN):
        again = kind is LetterKind.DECIDED_AGAIN
        values["reasons"] = details["decision_reasons"] or ""
        if again:
            values["appeal_body"] = procedure.appeal.body
            appeal_on = application.appeal_decided_on
            values["appeal_decided"] = day_text(appeal_on) if appeal_on else ""
        if application.decision is ThresholdDecision.NOT_MET:
            return filled(
                wording["decided_again_not_met" if again else "threshold_not_met"], values
            )
        meeting = deadlines.review_due(application, procedure, calendar)
        values["panel_by"] = day_text(meeting)
        values["outcome_days"] = str(procedure.timescales.outcome)
        return filled(wording["decided_again_met" if again else "threshold_met"], values)
    if kind is LetterKind.OUTCOME:
        values["findings"] = details.get("outcome_findings") or ""
        values["next_steps"] = details.get("outcome_next_steps") or ""
        made = any(not r.on_appeal for r in application.recommendations)
        return filled(wording["outcome"], values, made)
    values |= {"appeal_body": procedure.appeal.body, **appeal_said(application)}
    values["findings"] = details.get("appeal_findings") or ""
    # Its sentence on recommendations says what the letter lists below it, whatever the
    # decision: an appeal not upheld may still recommend more.
    made = any(r.on_appeal for r in application.recommendations)
    if of_not_met(application):
        # Nothing "further" (no review recommended any): the decision stands, or is made
        # again by a day.
        sent_back_on = application.appeal_decided_on
        if application.appeal_decision in handling.SENT_BACK and sent_back_on is not None:
            again_by = deadlines.decided_again_due(sent_back_on, procedure, calendar)
            values["decide_again_by"] = day_text(again_by)
            return filled(wording["appeal_decision_not_met_sent_back"], values, made)
        return filled(wording["appeal_decision_not_met_stands"], values, made)
    return filled(wording["appeal_decision"], values, made)


def filled(
    letter: TriggerWording, values: dict[str, str], recommendations: bool = False
) -> tuple[str, ...]:
    """The letter's paragraphs with its placeholders filled (the file's check made sure
    it uses no others)."""
    sentence = letter.with_recommendations if recommendations else letter.without_recommendations
    filled = defaultdict(str, values | {"recommendations": sentence})
    body = values.get("appeal_body", "")
    filled["appeal_body"] = in_sentence(body)
    filled[_BODY_FIRST] = body[:1].upper() + body[1:]
    return tuple(
        _BODY_STARTS.sub(rf"\1{{{_BODY_FIRST}}}", p).format_map(filled) for p in letter.paragraphs
    )


#: ``{appeal_body}`` where it starts a sentence, and what it is filled with there.
_BODY_STARTS = re.compile(r"(^|[.!?]\s+)\{appeal_body\}")
_BODY_FIRST = "appeal_body_first"


def in_sentence(name: str) -> str:
    """A body's name inside a sentence: the procedure file names it as it starts one
    ("The Office of the … Commissioner"), a letter asks "ask the Office of …"."""
    return "the " + name[4:] if name.startswith("The ") else name
