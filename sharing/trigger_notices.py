"""The notices of the Community Trigger (ASB Case Review) queued or dropped by name: a
recommendation cancelled, and the notices still waiting about an application dropped as
it is closed or erased. Each is queued by ``sharing.notices.queue``.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Notice, TriggerApplication
from sharing.notices import drop_waiting, managers, queue
from sharing.vocabulary import NoticeKind


def give_up_about_application(session: Session, application_id: int) -> int:
    """Drop the notices still waiting that ask agencies about a Community Trigger
    application's counted complaints, as it is closed (withdrawn, or a duplicate): no
    agency is asked about it any more. How many."""
    return drop_waiting(
        session,
        Notice.kind == NoticeKind.TRIGGER_REVIEW,
        Notice.path.endswith(f"#trigger-{application_id}"),
    )


def give_up_about_erased_application(session: Session, application: TriggerApplication) -> int:
    """Drop the notices still waiting about a Community Trigger application, as it is
    erased: those telling agencies of its recommendations (they name its reference and link
    to them) and those asking agencies about its counted complaints. Nothing about an
    erased application is sent. How many."""
    recommendations = drop_waiting(
        session,
        Notice.kind.in_([NoticeKind.RECOMMENDATION, NoticeKind.RECOMMENDATION_CANCELLED]),
        Notice.reference == application.reference,
    )
    return recommendations + give_up_about_application(session, application.id)


def recommendation_cancelled(
    session: Session, agency_id: int, reference: str, path: str, now: datetime
) -> int:
    """Tell the agency's managers that a Community Trigger recommendation (``path``, of
    application ``reference``) is cancelled. A manager whose notice of the recommendation
    was still waiting is told neither: it is dropped. How many were queued."""
    waiting = session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.RECOMMENDATION, Notice.path == path, Notice.sent_at.is_(None)
        )
    ).all()
    never_told = {notice.user_id for notice in waiting}
    for notice in waiting:
        session.delete(notice)
    return queue(
        session,
        NoticeKind.RECOMMENDATION_CANCELLED,
        [u for u in managers(session, agency_id) if u.id not in never_told],
        reference=reference,
        path=path,
        now=now,
    )
