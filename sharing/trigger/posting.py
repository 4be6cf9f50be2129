"""Letters to a Community Trigger applicant that go by post: how each letter went (e-mailed,
posted, waiting to be e-mailed, or still to post), the lead marking one as posted, and the
applications with a letter still to post.

A letter is to post when the applicant gave no e-mail address (``TriggerLetter.by_post``)
or the mail server refused it until it was given up; a corrected copy of a letter that
went to earlier details is to post when the corrected details have no e-mail address
(``corrected_letters.supersede``). Marking one as posted records who and when, one audit entry
naming the application and the letter's kind, never an address. The form carries a stamp
of the application and the letter: the letter the lead printed is made from the details
as they stood, so a form opened before the details or the letter changed is refused.
Letters printed before the hub recorded posting have no row of their own: they are not
listed as still to post, and the lead may still mark one as posted.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from sqlalchemy import and_, exists, or_
from sqlalchemy.orm import Session, aliased

from sharing import clock, mail_delivery, stamps
from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.clock import day_text
from sharing.db import read_for_change
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import TriggerApplication, TriggerLetter
from sharing.trigger import deadlines, handling, letter_days, letters
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import LetterKind

#: How a letter went: e-mailed, posted, waiting to be e-mailed, still to post, untracked
#: (printed before the hub recorded posting), or given up (the application was closed or
#: erased before it went).
State = Literal["emailed", "posted", "waiting", "to post", "untracked", "given up"]

_POSTED = acts.Action.TRIGGER_LETTER_POSTED


@dataclass(frozen=True)
class Delivery:
    """How a letter of the application went, as its page and the letters list say it."""

    kind: LetterKind
    state: State
    #: When it was e-mailed or posted, and who marked it posted.
    on: datetime | None = None
    by: str | None = None
    #: A corrected copy of the letter (``TriggerLetter.copy`` above 0).
    copy: bool = False
    #: The mail server refused it (so it is to post).
    refused: bool = False
    #: It went (e-mailed or posted) to the details as they were before a correction.
    to_earlier_details: bool = False
    #: The day an acknowledgement still to post should be posted by (the procedure's
    #: ``acknowledge`` working days after receipt); None for any other letter, or past the
    #: bank holiday list.
    post_by: date | None = None


def state_of(letter: TriggerLetter | None) -> State:
    """How ``letter`` (a kind's latest) went."""
    if letter is None:
        return "untracked"
    if letter.posted_at is not None:
        return "posted"
    if letter.sent_at is not None:
        return "emailed"
    if letter.by_post or mail_delivery.gave_up(letter):
        return "to post"
    return "waiting"


def delivery(
    application: TriggerApplication,
    letter: TriggerLetter | None,
    kind: LetterKind,
    procedure: Procedure,
) -> Delivery:
    """How the letter of ``kind`` (its latest: the letter, or its last corrected copy)
    went, and, for an acknowledgement still to post, by when it should go."""
    state = state_of(letter)
    ended = application.closed_at is not None or application.erased_at is not None
    if ended and state in ("to post", "waiting", "untracked"):
        state = "given up"
    if letter is None:
        return Delivery(kind, state)
    return Delivery(
        kind,
        state,
        on=letter.posted_at or letter.sent_at,
        by=letter.posted_by.display_name if letter.posted_by else None,
        copy=letter.copy > 0,
        refused=state == "to post" and not letter.by_post,
        to_earlier_details=letter.superseded_at is not None,
        post_by=_post_by(application, procedure) if state == "to post" and kind is _FIRST else None,
    )


_FIRST = LetterKind.ACKNOWLEDGEMENT


def _post_by(application: TriggerApplication, procedure: Procedure) -> date | None:
    due, _ = deadlines.counted_or_not(lambda: deadlines.acknowledge_due(application, procedure))
    return due


def deliveries(
    session: Session, application: TriggerApplication, procedure: Procedure
) -> list[Delivery]:
    """How each letter the application has reached went, in order."""
    found = letters.latest(session, application)
    return [
        delivery(application, found.get(kind), kind, procedure)
        for kind, _ in letter_days.reached(application)
    ]


def stamp(session: Session, application: TriggerApplication, kind: LetterKind) -> str:
    """The stamp a form marking the letter as posted carries: of the application (the
    details it is made from) and the letter."""
    return stamps.of(session, application, *_latest_of(session, application, kind))


_LATER = aliased(TriggerLetter)
#: SQL: an application (live: not closed or erased) with a letter still to post: a kind's
#: latest letter neither e-mailed nor posted, kept to post or refused by the mail server.
TO_POST = and_(
    TriggerApplication.erased_at.is_(None),
    TriggerApplication.closed_at.is_(None),
    exists().where(
        TriggerLetter.application_id == TriggerApplication.id,
        TriggerLetter.sent_at.is_(None),
        TriggerLetter.posted_at.is_(None),
        TriggerLetter.superseded_at.is_(None),
        or_(TriggerLetter.by_post, TriggerLetter.attempts >= mail_delivery.MAX_ATTEMPTS),
        ~exists().where(
            _LATER.application_id == TriggerLetter.application_id,
            _LATER.kind == TriggerLetter.kind,
            _LATER.copy > TriggerLetter.copy,
        ),
    ),
)


def mark_posted(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    kind: LetterKind,
    *,
    opened: str | None = None,
    now: datetime | None = None,
) -> TriggerLetter:
    """Record that the lead printed the letter of ``kind`` and posted it (who and when).
    For the lead (``NotAllowed`` or ``NotFound`` otherwise, recorded). Refused
    (``ALREADY_DONE``, the refusal recorded): an erased or closed application, a letter it
    has not reached, one posted or e-mailed already to the details as they stand, one
    waiting to be e-mailed; ``ChangedMeanwhile`` for a form opened before the details or
    the letter changed (the letter printed then may not be the letter now). Two leads at
    once: the second waits, then is refused."""
    now = now or clock.now()
    application = handling.handled(session, actor, procedure, application_id, _POSTED)
    read_for_change(session, application)
    subject = acts.Subject("trigger_application", application.id)
    with acts.refusing_input(session, _POSTED, actor=actor, subject=subject):
        letter = _postable(session, application, kind)
    try:
        stamps.check(session, opened, application, *_latest_of(session, application, kind))
    except ChangedMeanwhile:
        acts.refuse(
            session,
            _POSTED,
            actor=actor,
            subject=subject,
            reason="refused input: changed meanwhile",
        )
        raise
    if letter is None or letter.superseded_at is not None:  # untracked, or a corrected copy
        letter = TriggerLetter(
            application_id=application.id,
            kind=kind,
            copy=letter.copy + 1 if letter is not None else 0,
            created_at=now,
            by_post=True,
        )
        session.add(letter)
    letter.posted_at = now
    letter.posted_by_id = actor.user_id
    session.flush()
    acts.record(
        session,
        _POSTED,
        actor=actor,
        subject=subject,
        basis=f"{kind.value} letter" + (", corrected copy" if letter.copy else ""),
    )
    return letter


def _latest_of(
    session: Session, application: TriggerApplication, kind: LetterKind
) -> list[TriggerLetter]:
    letter = letters.latest(session, application).get(kind)
    return [letter] if letter is not None else []


def _postable(
    session: Session, application: TriggerApplication, kind: LetterKind
) -> TriggerLetter | None:
    """The letter of ``kind`` to mark as posted (None: untracked, printed before the hub
    recorded posting); ``InputError`` at ``ALREADY_DONE`` if it is not one to post."""
    handling.refuse_if_erased(application, "its letters can no longer be made or sent")
    handling.refuse_if_closed(application, "no letter is sent for it")
    said = kind.label
    if kind not in {k for k, _ in letter_days.reached(application)}:
        raise InputError(handling.ALREADY_DONE, f'The letter "{said}" is not written yet')
    letter = letters.latest(session, application).get(kind)
    if letter is None or letter.superseded_at is not None:
        return letter
    state = state_of(letter)
    if state == "posted" and letter.posted_at is not None:
        raise InputError(
            handling.ALREADY_DONE,
            f'The letter "{said}" was marked as posted on {day_text(clock.day_of(letter.posted_at))}'
            ". Nothing was changed.",
        )
    if state == "emailed":
        raise InputError(
            handling.ALREADY_DONE,
            f'The letter "{said}" was e-mailed to the details as they stand: there is nothing '
            "to post. Nothing was changed.",
        )
    if state == "waiting":
        raise InputError(
            handling.ALREADY_DONE,
            f'The letter "{said}" is waiting to be e-mailed: there is nothing to post. Nothing '
            "was changed.",
        )
    return letter
