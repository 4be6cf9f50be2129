"""A case asked for an ASB Case Review that can no longer be brought to the review panel:
locked or closed since its agency was asked (a locked case is shared with nobody outside
its named users, and a closed case is brought to no meeting), so the access decision refuses to bring it.

That refusal is true, but it does not say what to do for the review. The procedure still
needs each relevant body's account of its response to the complaints, so the lead and the
holder are told, in the procedure's words, what each can do: the holding agency may have
the lock lifted if its reason has passed (its officer asks and a manager decides, as any
lock), then bring the case; otherwise the agency confirms the complaint to the lead and
speaks to the panel at its sitting about what it did, which the sitting's minutes record,
without the case's details. Nothing here discloses more than the lead's page already
says (the holding agency, and that a counted complaint is on a locked case).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.models import Case, MeetingSitting, TriggerApplication, TriggerCaseRequest
from sharing.trigger.applications import may_ask
from sharing.vocabulary import CaseStatus

#: What the lead's page says of a case asked that is now locked, and of one now closed
#: (beside "Cannot be brought").
LOCKED_FOR_THE_LEAD = (
    "The case is locked, and a locked case is not shared with the panel. Ask {agency} to "
    "have the lock lifted if its reason has passed, then bring the case; "
    "otherwise to confirm the complaint to you and to tell the panel at its sitting what "
    "it did about it, for the minutes"
)
CLOSED_FOR_THE_LEAD = (
    "{agency} has closed the case, and a closed case is brought to no meeting. Ask "
    "{agency} to confirm the complaint to you and to tell the panel at its sitting what "
    "it did about it, for the minutes"
)
#: What its holder is told on opening the form that would bring it.
LOCKED_FOR_THE_HOLDER = (
    "This case is asked for an ASB Case Review (Community Trigger) before {panel} on "
    "{day}. A locked case cannot be brought to the review panel. If the reason for the "
    "lock has passed, ask for it to be unlocked (a manager decides), then bring the case. "
    "Otherwise, confirm the complaint to the Community Trigger lead at {lead}, and tell "
    "the panel at its sitting what your agency did about it, without the case's details: "
    "the sitting's minutes record it."
)
CLOSED_FOR_THE_HOLDER = (
    "This case is asked for an ASB Case Review (Community Trigger) before {panel} on "
    "{day}. A closed case cannot be brought to the review panel: confirm the complaint "
    "to the Community Trigger lead at {lead}, and tell the panel at its sitting what your "
    "agency did about it: the sitting's minutes record it."
)


def why_not(case: Case | None) -> str | None:
    """Why the case cannot be brought to a review panel now: "locked", "closed", or None
    (it can, or it is gone)."""
    if case is None or case.erased_at is not None:
        return None
    if case.locked:
        return "locked"
    if case.status is CaseStatus.CLOSED:
        return "closed"
    return None


def _waiting(application: TriggerApplication) -> bool:
    """Whether the application still waits for its cases at a panel's sitting to come."""
    sitting = application.review_sitting
    return (
        may_ask(application)
        and application.erased_at is None
        and sitting is not None
        and not sitting.cancelled
        and sitting.starts_at > clock.now()
    )


def for_the_lead(request: TriggerCaseRequest, brought: bool) -> str:
    """What the lead's page says of an agency asked whose case cannot be brought ("" when
    it can, is brought, or the panel no longer waits for it)."""
    why = why_not(request.case) if not brought and _waiting(request.application) else None
    if why is None:
        return ""
    said = LOCKED_FOR_THE_LEAD if why == "locked" else CLOSED_FOR_THE_LEAD
    return said.format(agency=request.agency.name)


def for_the_holder(session: Session, case_id: int) -> str:
    """What the holding agency is told on the form that would bring the case, refused as
    locked or closed, when a review panel to come waits for it ("" otherwise). Only for
    someone the refusal already told of the case (its own agency's holders)."""
    case = session.get(Case, case_id)
    why = why_not(case)
    if case is None or why is None:
        return ""
    asked = session.scalars(select(TriggerCaseRequest).where(TriggerCaseRequest.case_id == case.id))
    waiting = [
        (r.application.review_sitting, r.application)
        for r in asked
        if _waiting(r.application) and r.application.review_sitting is not None
    ]
    if not waiting:
        return ""
    # Asked for two reviews (the victim again, or a neighbour): the panel that sits first.
    sitting, application = min(waiting, key=lambda w: (w[0].starts_at, w[1].id))
    return said_to_holder(why, sitting, application)


def said_to_holder(why: str, sitting: MeetingSitting, application: TriggerApplication) -> str:
    """What the holder of a case that cannot be brought (``why_not``: "locked" or
    "closed") is told it can do for the review whose panel sits at ``sitting``."""
    said = LOCKED_FOR_THE_HOLDER if why == "locked" else CLOSED_FOR_THE_HOLDER
    return said.format(
        panel=sitting.series.name,
        day=clock.day_text(clock.day_of(sitting.starts_at)),
        lead=application.lead_agency.name,
    )
