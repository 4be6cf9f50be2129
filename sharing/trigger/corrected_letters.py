"""Letters to a Community Trigger applicant after a correction of whom or where they go
(``sharing.trigger.corrections``): those not yet sent go to the corrected e-mail address
(``to_corrected_address``); those already e-mailed or posted are marked as gone to the
details as they were (``supersede``), and the lead may send a corrected copy of each
(``send_corrected_copy``), made and e-mailed as any letter (``sharing.trigger.letters``)
to the details as they stand. Corrected details with no e-mail address have a corrected
copy to post instead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.db import read_for_change
from sharing.errors import InputError
from sharing.models import TriggerApplication, TriggerLetter
from sharing.trigger import handling, letter_days
from sharing.trigger.letters import email_of, latest, queue
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import LetterKind


def to_corrected_address(
    session: Session,
    application: TriggerApplication,
    details: dict[str, str | None],
    now: datetime,
) -> int:
    """After the e-mail address the letters go to was corrected (``details``, as they are
    now): every letter the application has reached and neither sent nor posted goes
    again, to the new address (one refused by the mail server tried afresh, one kept to
    post for want of an address, or never queued, queued now); how many. Without an
    address now, those waiting to be e-mailed are kept to post instead (none)."""
    unsent = {
        letter.kind: letter
        for letter in session.scalars(
            select(TriggerLetter).where(
                TriggerLetter.application_id == application.id,
                TriggerLetter.sent_at.is_(None),
                TriggerLetter.posted_at.is_(None),
            )
        )
    }
    if email_of(details, application.on_behalf is not None) is None:
        for letter in unsent.values():
            letter.by_post = True
        session.flush()
        return 0
    for letter in unsent.values():
        letter.attempts, letter.failed_why, letter.claimed_at = 0, None, None
        letter.by_post = False
    queued = sum(
        queue(session, application, kind, details, now)
        for kind, _ in letter_days.reached(application)
    )
    if unsent:
        session.info[notices.QUEUED] = True
    session.flush()
    return len(unsent) + queued


def supersede(
    session: Session,
    application: TriggerApplication,
    now: datetime,
    *,
    emailed: bool,
    posted: bool,
    details: dict[str, str | None],
) -> int:
    """After a correction of whom or where the letters go (``emailed``: any of them;
    ``posted``: the addressee or the postal address): mark the application's
    letters already e-mailed, or posted, to the details as they were as gone to them
    (none is e-mailed again by itself); how many. When the corrected ``details`` have no
    e-mail address, a corrected copy of each letter that went to earlier details is kept
    to post."""
    found = list(latest(session, application).values())
    gone = [
        letter
        for letter in found
        if letter.superseded_at is None
        and ((emailed and letter.sent_at is not None) or (posted and letter.posted_at is not None))
    ]
    for letter in gone:
        letter.superseded_at = now
    if email_of(details, application.on_behalf is not None) is None:
        for letter in found:
            if letter.superseded_at is not None:
                session.add(
                    TriggerLetter(
                        application_id=application.id,
                        kind=letter.kind,
                        copy=letter.copy + 1,
                        created_at=now,
                        by_post=True,
                    )
                )
    session.flush()
    return len(gone)


_LETTER = acts.Action.TRIGGER_LETTER
#: Why no corrected copy of a letter is sent: it went to the details as they stand.
NOT_SUPERSEDED = 'The letter "{letter}" did not go to earlier details: nothing was sent again'
#: Why no corrected copy is sent while the last one waits.
COPY_WAITING = 'A corrected copy of the letter "{letter}" is already waiting to be e-mailed'
#: Why no corrected copy is e-mailed to details with no e-mail address.
NO_EMAIL = (
    'The details as corrected have no e-mail address: print the letter "{letter}" (it is '
    "made from them) and post it"
)


def send_corrected_copy(
    session: Session,
    actor: Actor,
    procedure: Procedure,
    application_id: int,
    kind: LetterKind,
    *,
    now: datetime | None = None,
) -> TriggerLetter:
    """Queue a corrected copy of the application's ``kind`` letter, e-mailed before a
    correction of whom or where it goes: made, as any letter, from the details as they
    stand, and recorded as a letter is. For the lead (``NotAllowed`` or ``NotFound``
    otherwise, recorded). Refused (``ALREADY_DONE``, the refusal recorded): an erased or
    closed application, a letter that did not go to earlier details (never e-mailed, or
    its corrected copy already sent since), a copy already waiting, details with no
    e-mail address (its copy is to post). Two leads at once: the second waits, then is refused."""
    application = handling.handled(session, actor, procedure, application_id, _LETTER)
    read_for_change(session, application)
    subject = acts.Subject("trigger_application", application.id)
    with acts.refusing_input(session, _LETTER, actor=actor, subject=subject):
        handling.refuse_if_erased(application, "its letters can no longer be made or sent")
        handling.refuse_if_closed(application, "no letter is sent for it")
        letter = latest(session, application).get(kind)
        said = {"letter": kind.label}
        if letter is not None and letter.by_post and letter.posted_at is None:
            raise InputError(handling.ALREADY_DONE, NO_EMAIL.format_map(said))
        if letter is not None and letter.copy and letter.sent_at is None:
            raise InputError(handling.ALREADY_DONE, COPY_WAITING.format_map(said))
        if letter is None or letter.superseded_at is None:
            raise InputError(handling.ALREADY_DONE, NOT_SUPERSEDED.format_map(said))
        details = reveal(handling.LEAD, application, handling.DETAILS)
        if email_of(details, application.on_behalf is not None) is None:
            raise InputError(handling.ALREADY_DONE, NO_EMAIL.format_map(said))
    copy = TriggerLetter(
        application_id=application.id,
        kind=kind,
        copy=letter.copy + 1,
        created_at=now or clock.now(),
    )
    session.add(copy)
    session.flush()
    session.info[notices.QUEUED] = True
    acts.record(
        session, _LETTER, actor=actor, subject=subject, basis=f"{kind.value} letter, corrected copy"
    )
    return copy
