"""An application's history, as its page lists it: its recording, then each step taken on
it since, oldest first, each with when and by whom: the threshold decision (and the one
made again after an appeal), the agencies asked, each agency's answer about its case,
the review panel, the recommendations, the outcome, the appeal and its decision or
withdrawal, letters marked as posted, its closing, and each correction of its details.
Read from the application's entries in the audit log (those joined to the log, and those
waiting to join it a moment after their act), which name ids, kinds and counts, never what
was written: so the history says what was done, and the page's sections say what it was.

An agency's answer is said by the agency, as the page's answers are: never who answered,
nor which case (a locked case's reference is never the lead's to read).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.models import (
    Agency,
    AuditEntry,
    AuditQueued,
    TriggerApplication,
    TriggerCaseRequest,
    User,
)
from sharing.trigger import corrected_fields
from sharing.trigger.appeal_words import OF_NOT_MET, of_not_met
from sharing.trigger.handling import DECIDED_AGAIN_BASIS
from sharing.vocabulary import AppealDecision, CaseRequestAnswer, LetterKind, ThresholdDecision

Action = acts.Action


@dataclass(frozen=True)
class Event:
    """One line of an application's history: when, by whom, and what was done."""

    at: datetime
    by: str
    what: str


#: What an allowed act on the application says in its history, from its audit entry's
#: basis and the application (acts not named here are not steps of its history: views,
#: letters made, refusals).
_SAID: dict[str, Callable[[str, TriggerApplication], str]] = {
    Action.TRIGGER_CORRECT.value: lambda basis, _: _corrected(basis),
    Action.TRIGGER_DECIDE.value: lambda basis, _: _decided(basis),
    Action.TRIGGER_ASK.value: lambda *_: (
        "Asked the agencies holding counted complaints to confirm them and bring their cases"
    ),
    Action.TRIGGER_REVIEW.value: lambda *_: "Put it before the review panel",
    Action.TRIGGER_RECOMMEND.value: lambda basis, _: (
        "Recorded a recommendation" + (" on appeal" if basis.endswith("on appeal") else "")
    ),
    Action.TRIGGER_OUTCOME.value: lambda *_: "Recorded the review's outcome",
    Action.TRIGGER_APPEAL.value: lambda *_: "Recorded the applicant's appeal",
    Action.TRIGGER_APPEAL_DECIDE.value: lambda basis, application: (
        f"Recorded the appeal body's decision: {_appeal_decision(basis, application)}"
    ),
    Action.TRIGGER_APPEAL_WITHDRAW.value: lambda *_: (
        "Recorded that the applicant withdrew the appeal"
    ),
    Action.TRIGGER_LETTER_POSTED.value: lambda basis, _: _posted(basis),
    Action.TRIGGER_WITHDRAW.value: lambda *_: "Closed: withdrawn by the applicant",
    Action.TRIGGER_DUPLICATE.value: lambda *_: "Closed: a duplicate of another application",
    Action.TRIGGER_CASE_ANSWER.value: lambda basis, _: _answered(basis),
}
#: Acts said by the agency that took them, not by the person (an agency's answer).
_BY_AGENCY = Action.TRIGGER_CASE_ANSWER.value


def history(session: Session, application: TriggerApplication) -> tuple[Event, ...]:
    """The application's recording and each step taken on it since, oldest first."""
    recorded = (
        Event(application.recorded_at, application.recorded_by.display_name, "Recorded")
        if application.recorded_by
        else Event(application.recorded_at, "The applicant", "Sent on the online form")
    )
    steps: list[tuple[datetime, int | None, str, str]] = []
    for entries in (AuditEntry, AuditQueued):
        steps += [
            (at, actor, action, basis or "")
            for at, actor, action, basis in session.execute(
                select(entries.at, entries.actor_user_id, entries.action, entries.basis)
                .where(
                    entries.object_type == "trigger_application",
                    entries.object_id == str(application.id),
                    entries.action.in_(list(_SAID)),
                    entries.outcome == acts.Outcome.ALLOWED.value,
                )
                .order_by(entries.at)
            )
        ]
    people = {actor for _, actor, action, _ in steps if actor and action != _BY_AGENCY}
    names = _names(session, people)
    agencies = _agencies(session, application, [b for _, _, a, b in steps if a == _BY_AGENCY])
    return (
        recorded,
        *(
            Event(
                at,
                agencies.get(_request_of(basis), "An agency")
                if action == _BY_AGENCY
                else names.get(actor, "the hub")
                if actor
                else "the hub",
                _SAID[action](basis, application),
            )
            for at, actor, action, basis in sorted(steps, key=lambda step: step[0])
        ),
    )


def _names(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    found = session.execute(select(User.id, User.display_name).where(User.id.in_(ids)))
    return {user_id: name for user_id, name in found}


def _request_of(basis: str) -> int | None:
    """The request an answer's entry names ("request 12; case 40; confirmed")."""
    word, _, number = basis.split(";", 1)[0].partition(" ")
    return int(number) if word == "request" and number.isdigit() else None


def _agencies(
    session: Session, application: TriggerApplication, bases: list[str]
) -> dict[int | None, str]:
    """The agency of each request answered that the entries name, by request (only the
    application's own requests)."""
    ids = {i for i in map(_request_of, bases) if i is not None}
    if not ids:
        return {}
    found = session.execute(
        select(TriggerCaseRequest.id, Agency.name)
        .join(Agency, Agency.id == TriggerCaseRequest.agency_id)
        .where(
            TriggerCaseRequest.id.in_(ids),
            TriggerCaseRequest.application_id == application.id,
        )
    )
    return {request_id: name for request_id, name in found}


def _answered(basis: str) -> str:
    """An agency's answer as its entry records it ("request 12; case 40; not_asb"), in
    the words of the lead's page: "Answered about its case: holds the complaint", or
    "…: holds none (what was reported is not anti-social behaviour)"."""
    answer = CaseRequestAnswer.of(basis.rsplit("; ", 1)[-1])
    if answer is None:
        return "Answered about its case"
    if answer.confirmed:
        return "Answered about its case: holds the complaint"
    return f"Answered about its case: holds none ({answer.label.partition(': ')[2]})"


def _corrected(basis: str) -> str:
    """What a correction's audit entry says it changed and removed, in the page's words."""
    parts = dict(p.split(" ", 1) for p in basis.split("; ") if " " in p)
    said = []
    if "fields" in parts:
        said.append(corrected_fields.corrected(parts["fields"]))
    if "removed" in parts:
        said.append(corrected_fields.removed(parts["removed"]))
    return "; ".join(said) or "Corrected"


#: How a threshold decision made again after an appeal begins its audit entry's basis.
_AGAIN = f"{DECIDED_AGAIN_BASIS}; "


def _decided(basis: str) -> str:
    """The threshold decision an entry records, by its label ("Decided the threshold:
    Threshold met: …"), and whether it was made again after an appeal."""
    again = basis.startswith(_AGAIN)
    code = basis.removeprefix(_AGAIN).split(";", 1)[0]
    chosen = ThresholdDecision.of(code)
    said = chosen.label if chosen else code
    return (
        f"Decided the threshold again after the appeal: {said}"
        if again
        else (f"Decided the threshold: {said}")
    )


def _appeal_decision(basis: str, application: TriggerApplication) -> str:
    """The appeal body's decision an entry records, said as the application's page says
    it (of the decision, for an appeal against "not met")."""
    decision = AppealDecision.of(basis.split(";", 1)[0])
    if decision is None:
        return basis
    return OF_NOT_MET[decision] if of_not_met(application) else decision.label


def _posted(basis: str) -> str:
    """The letter an entry marked as posted, by its title."""
    code, _, rest = basis.partition(" letter")
    kind = LetterKind.of(code)
    title = kind.label if kind else code
    copy = " (a corrected copy)" if "corrected copy" in rest else ""
    return f'Marked the letter "{title}"{copy} as posted'
