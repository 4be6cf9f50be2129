"""The threshold decided again. When the appeal body upholds (or partly upholds) an appeal
against a "not met" decision, the decision is to be looked at again: the lead checks the
threshold across the relevant bodies as their records stand and decides once more, with
reasons. The first decision, its reasons and who made it are kept beside the new one; the
new decision is the application's from then on (a "met" one goes to a review, with the
panel's meeting due counted from it), and the applicant is sent a letter of its own
(``LetterKind.DECIDED_AGAIN``).

The procedure gives the applicant one appeal: the decision made again, and the outcome of
a review that follows it, offer no further appeal (``sharing.trigger.letters``), and the
application is concluded once the applicant is told the one or the other
(``sharing.trigger.retention``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.crypto.sealing import seal_many
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import TriggerApplication
from sharing.trigger.applications import decision_given, record_decision
from sharing.trigger.handling import (
    ALREADY_DONE,
    LEAD,
    decided_again,
    handled,
    refuse_if_closed,
    refuse_if_erased,
    to_decide_again,
)
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import LetterKind

#: Why a decision cannot be made again where no appeal sent it back.
NOT_SENT_BACK = (
    "The threshold is decided again only once the appeal body has upheld an appeal against "
    'a "not met" decision. Nothing was changed.'
)


def decide_again(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    decision: str,
    reasons: str,
    *,
    now: datetime | None = None,
) -> TriggerApplication:
    """The lead's threshold decision made again after the appeal body sent the "not met"
    decision back: the first decision kept beside it, the new one recorded as
    ``applications.decide`` records one (the rules' advice as the records now stand, one
    audit entry) and its own letter queued. Refused, nothing written and the refusal
    recorded: erased, closed, already decided again, no appeal that sent it back; then a
    decision not chosen or not allowed, or reasons missing or too long."""
    application = handled(session, actor, procedure, application_id)
    read_for_change(session, application)  # sent twice at once: the second waits, then sees it
    with acts.refusing_input(
        session,
        acts.Action.TRIGGER_DECIDE,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
    ):
        refuse_if_erased(application, "the threshold can no longer be decided again")
        refuse_if_closed(application, "no threshold decision is made on it")
        if decided_again(application):
            raise InputError(
                ALREADY_DONE,
                "The threshold was already decided again after the appeal. Nothing was changed.",
            )
        if not to_decide_again(application):
            raise InputError(ALREADY_DONE, NOT_SENT_BACK)
        chosen, text = decision_given(procedure, decision, reasons)
    first = reveal(LEAD, application, ("decision_reasons",))["decision_reasons"]
    application.first_decided_at = application.decided_at
    application.first_decided_by_id = application.decided_by_id
    seal_many(application, {"first_decision_reasons": first})
    record_decision(
        session,
        actor,
        procedure,
        application,
        chosen,
        text,
        now=now,
        letter=LetterKind.DECIDED_AGAIN,
    )
    return application
