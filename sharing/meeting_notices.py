"""The notices of case conferences and partnership meetings' sittings: a conference's
invitation and information requests (convened, people and agencies joined, or someone
who has left taken off), its
circulated and agreed minutes, a new chair, a conference moved or cancelled, a sitting
moved or cancelled; the places on a page such a notice links to (``moved_anchor``,
``chair_anchor``, ``taken_off_anchor``); and (``sharing.waiting_meeting_notices``)
the notices about a conference still waiting, moved with it or dropped. Each is queued by
``sharing.notices.queue``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from sharing.access.facts import Actor
from sharing.meetings.conference_listing import CANCELLED_ANCHOR, visible
from sharing.meetings.requests import ANSWERING_ROLES
from sharing.models import Conference, InformationRequest, MeetingSitting, Notice, User
from sharing.notices import drop_waiting, managers, queue
from sharing.vocabulary import Attendance, NoticeKind

#: Where the notice of an information request links: the request's own page.
_REQUEST_PATH = re.compile(r"/conferences/(?P<conference>\d+)/requests/(?P<request>\d+)")


def request_path(request: InformationRequest) -> str:
    """The page of an information request, which the notice asking it links to."""
    return f"/conferences/{request.conference_id}/requests/{request.id}"


def request_due(notice: Notice) -> date | None:
    """The day the information request a notice asks is due, as the request's page says
    (moved with its conference), or None for a notice of no request."""
    found = _REQUEST_PATH.fullmatch(notice.path or "")
    session = object_session(notice)
    if notice.kind is not NoticeKind.INFORMATION_REQUEST or found is None or session is None:
        return None
    request = session.get(InformationRequest, int(found["request"]))
    if request is None or request.conference_id != int(found["conference"]):
        return None
    return request.due_on


def conference_convened(session: Session, conference: Conference, now: datetime) -> None:
    """Tell the people expected and the chair they are invited (not the convenor), and
    each agency invited what it is asked: its people expected who may answer, else its
    managers."""
    path = f"/conferences/{conference.id}"
    reference = conference.case.reference
    expected = [a.user for a in conference.attendees]
    queue(
        session,
        NoticeKind.INVITATION,
        [u for u in [*expected, conference.chair] if u.id != conference.convened_by_id],
        reference=reference,
        path=path,
        about=conference.starts_at,
        now=now,
    )
    for request in conference.requests:
        queue(
            session,
            NoticeKind.INFORMATION_REQUEST,
            _asked(session, request.agency_id, expected),
            reference=reference,
            path=request_path(request),
            about=conference.starts_at,
            now=now,
        )


def conference_joined(
    session: Session,
    conference: Conference,
    people: Iterable[User],
    asked: Iterable[int],
    by: int,
    now: datetime,
) -> None:
    """Tell the people a change of the conference expects they are invited, and each
    agency it invited (``asked``, by id) what it is asked, as convening tells them; and
    each of those people whose agency was asked before and has not answered yet, what it
    is asked, as those expected then were told; not ``by``, who changed it, nor anyone
    told before (an agency withdrawn meanwhile is never asked again)."""
    people = list(people)
    path = f"/conferences/{conference.id}"
    reference = conference.case.reference
    queue(
        session,
        NoticeKind.INVITATION,
        [u for u in people if u.id != by],
        reference=reference,
        path=path,
        about=conference.starts_at,
        now=now,
    )
    expected = [a.user for a in conference.expected]
    newly = [u for u in people if u.active and u.has_role(*ANSWERING_ROLES)]
    table = conference.at_the_table
    for request in conference.requests:
        if request.agency_id in asked:
            told = _asked(session, request.agency_id, expected)
        elif request.answered_at is None and request.agency_id in table:
            told = [u for u in newly if u.agency_id == request.agency_id]
        else:
            continue
        queue(
            session,
            NoticeKind.INFORMATION_REQUEST,
            [u for u in told if u.id != by],
            reference=reference,
            path=request_path(request),
            about=conference.starts_at,
            now=now,
        )


def _asked(session: Session, agency_id: int, expected: list[User]) -> list[User]:
    """Who is told what an invited agency is asked: its people expected who may answer,
    else (none, or none whose account is still active) its managers."""
    answerers = [
        u
        for u in expected
        if u.agency_id == agency_id and u.active and u.has_role(*ANSWERING_ROLES)
    ]
    return answerers or managers(session, agency_id)


def _told_of_convening(session: Session, conference: Conference) -> list[User]:
    """Who the conference's convening told, as things stand: the people expected, the
    chair, and for each agency asked and still at the table, those told what it is asked
    (``_asked``: its managers where none of its people expected may answer)."""
    expected = [a.user for a in conference.expected]
    table = conference.at_the_table
    asked = [r.agency_id for r in conference.requests if r.agency_id in table]
    return [*expected, conference.chair, *(u for a in asked for u in _asked(session, a, expected))]


def minutes_ready(
    session: Session, conference: Conference, kind: NoticeKind, by: int, now: datetime
) -> None:
    """Tell the attendees, the chair and the convenor (not ``by``, who did it) that the
    minutes are circulated or agreed: the people expected, and the deputy who came for
    one (both are told: the person named stays their agency's attendee). Only those who
    may open the conference are told: nobody outside a locked case's lock, nor anyone whose
    agency's invitation no longer stands."""
    attendees = [a.user for a in conference.expected] + [
        a.deputy
        for a in conference.expected
        if a.attendance is Attendance.DEPUTY and a.deputy is not None
    ]
    people = [*attendees, conference.chair, conference.convened_by]
    queue(
        session,
        kind,
        [u for u in people if u.id != by and visible(session, Actor.of(u), conference)],
        reference=conference.case.reference,
        path=f"/conferences/{conference.id}",
        about=conference.starts_at,
        now=now,
    )


def sitting_changed(
    session: Session,
    sitting: MeetingSitting,
    kind: NoticeKind,
    by: int,
    now: datetime,
) -> int:
    """Tell of a sitting moved or cancelled (``kind``) its standing members and, for each
    case on its agenda, who brought it and whoever its convening told (``_told_of_convening``:
    the people expected, the chair, and the managers of an agency asked what it holds
    with none of its people expected to answer); not ``by``, who did it: each once, with
    a link to the sitting's page, never a case. A move is told each time (its notice's
    page names the moment of the move); a notice of an earlier move still waiting is
    dropped, as the sitting's page, which its message reads where it now meets from, has
    moved on. How many were told."""
    drop_waiting(session, Notice.kind == NoticeKind.SITTING_MOVED, Notice.sitting_id == sitting.id)
    page = f"/meetings/{sitting.series_id}/sittings/{sitting.id}"
    path = f"{page}#{moved_anchor(now)}" if kind is NoticeKind.SITTING_MOVED else page
    people = [m.user for m in sitting.series.members]
    for conference in sitting.conferences:
        people += [*_told_of_convening(session, conference), conference.convened_by]
    return queue(
        session,
        kind,
        [u for u in people if u.id != by],
        sitting_id=sitting.id,
        path=path,
        about=sitting.starts_at,
        now=now,
    )


def conference_cancelled(
    session: Session, conference: Conference, people: Iterable[User], now: datetime
) -> None:
    """Tell ``people`` (its chair and the people expected) the conference is cancelled,
    naming the case and its day: those who may still open it with a link to its page,
    which says why; the others, whose agency's share ended with it, to their list of
    conferences."""
    _tell_about(
        session,
        NoticeKind.CONFERENCE_CANCELLED,
        conference,
        people,
        page=f"/conferences/{conference.id}",
        elsewhere=f"{CANCELLED_ANCHOR}{conference.id}",
        now=now,
    )


def chair_changed(
    session: Session,
    conference: Conference,
    people: Iterable[User],
    by: int,
    now: datetime,
    kind: NoticeKind = NoticeKind.CHAIR_CHANGED,
) -> None:
    """Tell ``people`` (its old and new chair; not ``by``, who changed it) that the
    conference has a new chair, as its partnership meeting's chair changed (or, with
    ``kind`` ``NEW_CHAIR``, as it was changed on the conference's page), naming the case
    and its time: those who may open it with a link to its page, the others to their
    list of conferences. Told each time it changes (the page's link names the moment),
    so that a chair given it back is told again."""
    moment = f"#{chair_anchor(now)}"
    _tell_about(
        session,
        kind,
        conference,
        [u for u in people if u.id != by],
        page=f"/conferences/{conference.id}{moment}",
        elsewhere=f"/conferences{moment}-{conference.id}",
        now=now,
    )


def moved_anchor(moved_at: datetime) -> str:
    """Where the time and place of a sitting or conference moved at ``moved_at`` is given on
    its page (``moved-`` and the moment), which the notice of the move links to."""
    return f"moved-{int(moved_at.timestamp())}"


def taken_off_anchor(conference_id: int) -> str:
    """Where a sitting's page says the case conference was taken off its agenda, which
    the notice of it links to."""
    return f"taken-off-{conference_id}"


def chair_anchor(changed_at: datetime) -> str:
    """Where a change of chair made at ``changed_at`` is listed on its conference's page
    (``chair-`` and the moment), which the notice of it links to."""
    return f"chair-{int(changed_at.timestamp())}"


def _tell_about(
    session: Session,
    kind: NoticeKind,
    conference: Conference,
    people: Iterable[User],
    *,
    page: str,
    elsewhere: str,
    now: datetime,
) -> None:
    """Queue a notice about the conference, naming its case and time: to those of
    ``people`` who may open it, linking to ``page``; to the others (whose agency may no
    longer open it), linking to ``elsewhere`` on their list of conferences."""
    people = list(people)
    opening = [u for u in people if visible(session, Actor.of(u), conference)]
    others = [u for u in people if u not in opening]
    for told, path in ((opening, page), (others, elsewhere)):
        queue(
            session,
            kind,
            told,
            reference=conference.case.reference,
            path=path,
            about=conference.starts_at,
            now=now,
        )


def conference_moved(session: Session, conference: Conference, by: int, now: datetime) -> int:
    """Tell of a conference changed to another time, place or video link whoever its
    convening told (``_told_of_convening``: the people expected, the chair, and the
    managers of an agency asked what it holds with none of its people expected to
    answer), not ``by``, who changed it: each with a link to its page, naming the case
    and its time now. Each change is told (its link names the moment of the change); a
    notice of an earlier change still waiting is dropped. How many were told."""
    page = f"/conferences/{conference.id}"
    drop_waiting(
        session, Notice.kind == NoticeKind.CONFERENCE_MOVED, Notice.path.startswith(f"{page}#")
    )
    return queue(
        session,
        NoticeKind.CONFERENCE_MOVED,
        [u for u in _told_of_convening(session, conference) if u.id != by],
        reference=conference.case.reference,
        path=f"{page}#{moved_anchor(now)}",
        about=conference.starts_at,
        now=now,
    )


def attendee_anchor(place_id: int) -> str:
    """Where someone expected at a conference is listed on its page (``attendee-`` and
    their place's id), which the notice of their apologies links to."""
    return f"attendee-{place_id}"


def apologies_changed(
    session: Session, conference: Conference, place_id: int, by: int, *, sent: bool, now: datetime
) -> int:
    """Tell the conference's chair and its convenor (not ``by``, who changed them) that
    someone expected sent their apologies (``sent``) or took them back, linking to their
    line among the people expected, naming no one. A notice of the other change still
    waiting is dropped; apologies taken back are told only to those already told of them.
    Each is told once a person each way. How many were told."""
    path = f"/conferences/{conference.id}#{attendee_anchor(place_id)}"
    if sent:
        drop_waiting(session, Notice.kind == NoticeKind.APOLOGIES_TAKEN_BACK, Notice.path == path)
        kind, told = NoticeKind.APOLOGIES, [conference.chair, conference.convened_by]
    else:
        drop_waiting(session, Notice.kind == NoticeKind.APOLOGIES, Notice.path == path)
        kind = NoticeKind.APOLOGIES_TAKEN_BACK
        told = list(
            session.scalars(
                select(User)
                .join(Notice, Notice.user_id == User.id)
                .where(
                    Notice.kind == NoticeKind.APOLOGIES,
                    Notice.path == path,
                    Notice.sent_at.is_not(None),
                )
            )
        )
    return queue(
        session,
        kind,
        [u for u in told if u.id != by],
        reference=conference.case.reference,
        path=path,
        about=conference.starts_at,
        now=now,
    )


def leaver_taken_off(
    session: Session, conference: Conference, place_id: int, agency_id: int, by: int, now: datetime
) -> int:
    """Someone expected who has left their agency (``agency_id``) is taken off the
    conference (their place ``place_id``, gone): the notices of their apologies still
    waiting (to the chair and the convenor, linking to their line) are dropped, as the line
    is; and what their agency is asked and has not answered goes to whoever now answers
    for it (``_asked``: its people expected who may answer, else its managers), not
    ``by``, nor anyone told it already: the leaver may have been the one it was asked of.
    Their own notices go nowhere (an account disabled is sent none). How many were told."""
    path = f"/conferences/{conference.id}#{attendee_anchor(place_id)}"
    drop_waiting(
        session,
        Notice.kind.in_([NoticeKind.APOLOGIES, NoticeKind.APOLOGIES_TAKEN_BACK]),
        Notice.path == path,
    )
    if agency_id not in conference.at_the_table:
        return 0
    expected = [a.user for a in conference.expected]
    answering = _asked(session, agency_id, expected)
    return sum(
        queue(
            session,
            NoticeKind.INFORMATION_REQUEST,
            [u for u in answering if u.id != by],
            reference=conference.case.reference,
            path=request_path(request),
            about=conference.starts_at,
            now=now,
        )
        for request in conference.requests
        if request.agency_id == agency_id and request.answered_at is None
    )
