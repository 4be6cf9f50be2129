"""What a case's own agency is shown of the ASB Case Reviews (Community Trigger) that asked
it about the case: on the case's page and on the form that brings the case to a meeting,
where the notice asking them links (``sharing.trigger.review``).

The notice says an application counts a complaint the agency holds and asks them to
confirm it to the lead and bring the case to the panel's sitting; the pages say which application asked, when,
which lead, and the panel's sitting once it is chosen, and whether the case is on its
agenda yet, and whether the agency has answered the lead (confirmed the complaint, or
said it holds none, and why). Only applications still waiting for the case are shown: the threshold not
decided not met, the application not closed or erased, and the review's outcome not sent
(unless an appeal is heard), as ``applications.may_ask`` says.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.models import Conference, MeetingSitting, TriggerCaseRequest
from sharing.trigger import case_answers, not_brought


@dataclass(frozen=True)
class AskedForReview:
    """An application that asked the case's agency about the case, as its pages say it."""

    application_id: int
    #: The application's reference (ASBR-…), as its letters and the lead's page give it.
    reference: str
    asked_on: date
    #: The agency whose Community Trigger lead asked.
    lead_agency: str
    #: The review panel's sitting to come, once the lead has chosen it (None before).
    sitting: MeetingSitting | None
    #: Whether the case is on that sitting's agenda.
    brought: bool
    #: What its holders can do instead, when the case is locked or closed since and
    #: cannot be brought to the sitting ("" otherwise).
    instead: str = ""
    #: The request, for the page answering it (``sharing.trigger.case_answers``), and the
    #: agency's answer as the pages say it ("" before one).
    request_id: int = 0
    answer: str = ""
    #: Whether the agency answered that it holds no such complaint: nothing to confirm or
    #: bring.
    holds_none: bool = False
    #: Whether the reader is one of those asked, who may answer (``case_answers.holds``).
    may_answer: bool = False

    @property
    def anchor(self) -> str:
        """The id of the part of a page about it, where the notice asking links."""
        return f"trigger-{self.application_id}"


def asked_of(session: Session, case_id: int, reader: Actor | None = None) -> list[AskedForReview]:
    """The applications that asked about the case and still wait for it, first asked
    first; with ``reader``, whether they are one of those asked, who may answer."""
    requests = session.scalars(
        select(TriggerCaseRequest)
        .where(TriggerCaseRequest.case_id == case_id)
        .order_by(TriggerCaseRequest.asked_at, TriggerCaseRequest.id)
    )
    return [
        replace(
            _as_shown(session, request, case_id),
            may_answer=reader is not None and case_answers.holds(session, reader, request.case),
        )
        for request in requests
        if case_answers.waiting(request.application)
    ]


def _as_shown(session: Session, request: TriggerCaseRequest, case_id: int) -> AskedForReview:
    application = request.application
    sitting = application.review_sitting
    if sitting is not None and (sitting.cancelled or sitting.starts_at <= clock.now()):
        sitting = None
    brought = sitting is not None and _on_agenda(session, sitting, case_id)
    why = not_brought.why_not(request.case)
    return AskedForReview(
        application.id,
        application.reference,
        clock.day_of(request.asked_at),
        application.lead_agency.name,
        sitting,
        brought,
        not_brought.said_to_holder(why, sitting, application)
        if why is not None and sitting is not None and not brought
        else "",
        request.id,
        case_answers.said(request),
        case_answers.holds_none(request),
    )


def _on_agenda(session: Session, sitting: MeetingSitting, case_id: int) -> bool:
    return (
        session.scalar(
            select(Conference.id).where(
                Conference.sitting_id == sitting.id,
                Conference.case_id == case_id,
                Conference.cancelled_at.is_(None),
            )
        )
        is not None
    )
