"""The notices of the Community Trigger (ASB Case Review) queued or dropped by name: a
recommendation cancelled, an agency's answer about its case told to the application's
lead, and the notices still waiting about an application dropped as it is closed or
erased. Each is queued by ``sharing.notices.queue``.
"""

from __future__ import annotations

import re
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from sharing.models import Notice, TriggerApplication, TriggerCaseRequest, User
from sharing.notices import drop_waiting, managers, queue
from sharing.vocabulary import NoticeKind, Role

#: The notices telling the lead of an agency's answer: one answer, and the last awaited.
ANSWERED = (NoticeKind.TRIGGER_ANSWERED, NoticeKind.TRIGGER_ALL_ANSWERED)
#: Where such a notice links: the agency's row among those asked on the application's page.
_ANSWER_PATH = re.compile(r"/trigger/(?P<application>\d+)#asked-(?P<request>\d+)")


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
    erased: those telling agencies of its recommendations and the lead of agencies'
    answers (they name its reference and link to it) and those asking agencies about its
    counted complaints. Nothing about an erased application is sent. How many."""
    recommendations = drop_waiting(
        session,
        Notice.kind.in_(
            [NoticeKind.RECOMMENDATION, NoticeKind.RECOMMENDATION_CANCELLED, *ANSWERED]
        ),
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


def answer_path(request: TriggerCaseRequest) -> str:
    """Where the notice of an agency's answer links: its row on the application's page."""
    return f"/trigger/{request.application_id}#asked-{request.id}"


def leads_of(session: Session, request: TriggerCaseRequest) -> list[User]:
    """Who is told of an agency's answer: the lead who asked it, while they still handle
    the lead agency's applications (active, of the lead agency, a Community Trigger lead
    or manager); else the lead agency's active Community Trigger leads (its managers,
    where it has none)."""
    application = request.application
    asker = session.get(User, request.asked_by_id)
    if (
        asker is not None
        and asker.active
        and asker.agency_id == application.lead_agency_id
        and asker.has_role(Role.TRIGGER_LEAD, Role.MANAGER)
    ):
        return [asker]
    users = session.scalars(
        select(User)
        .where(User.agency_id == application.lead_agency_id, User.active)
        .order_by(User.id)
    )
    leads = [u for u in users if u.has_role(Role.TRIGGER_LEAD)]
    return leads or managers(session, application.lead_agency_id)


def case_answered(
    session: Session, request: TriggerCaseRequest, *, last: bool, now: datetime
) -> int:
    """Tell the application's lead (``leads_of``) that an agency answered about its case,
    naming the application's reference alone and linking to the agency's row on its page;
    the ``last`` answer awaited is told as such. Not whoever answered (a lead agency's
    manager asked about its own case knows). How many were queued."""
    application = request.application
    return queue(
        session,
        NoticeKind.TRIGGER_ALL_ANSWERED if last else NoticeKind.TRIGGER_ANSWERED,
        [u for u in leads_of(session, request) if u.id != request.answered_by_id],
        reference=application.reference,
        path=answer_path(request),
        now=now,
    )


def answering_agency(notice: Notice) -> str:
    """The agency whose answer a notice of ``ANSWERED`` tells of, by name ("" for any
    other notice, or one whose request is gone)."""
    found = _ANSWER_PATH.fullmatch(notice.path or "")
    session = object_session(notice)
    if notice.kind not in ANSWERED or found is None or session is None:
        return ""
    request = session.get(TriggerCaseRequest, int(found["request"]))
    if request is None or request.application_id != int(found["application"]):
        return ""
    return request.agency.name
