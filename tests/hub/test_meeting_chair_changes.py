"""A partnership meeting's new chair takes over the case conferences on its sittings to
come (demo partnership): community safety's manager gives the problem-solving group a
new chair, who then chairs each case already brought to its next sitting and agrees its
minutes, where before those conferences kept the old chair (who may have left). A
conference the new chair may not chair (their agency not invited to it) keeps its chair,
and the confirmation names it with why; a conference already held keeps its chair. The
old and new chair are told by notice; the change's entry names the conferences by id,
never a name."""

from __future__ import annotations

import html

from flask.testing import FlaskClient
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from hub.notice_messages import compose
from hub.templating import uk_datetime
from sharing import clock, notices
from sharing.access.authorise import decision_on
from sharing.access.decide import Actor
from sharing.meetings import conference_withdrawals
from sharing.models import (
    AuditEntry,
    Conference,
    ConferenceAttendee,
    MeetingSeries,
    Notice,
    Share,
    User,
)
from sharing.vocabulary import MinutesStatus, NoticeKind, Role, ShareOrigin
from tests.fixtures.demo import demo_client, demo_user
from tests.hub.test_changing_meetings import (
    _bring,
    _change,
    _entries,
    _group,
    _homes_case,
    _to_come,
)


def _manager(demo_hub, session: Session) -> tuple[FlaskClient, User]:
    manager = demo_user(session, "northshire-csp", Role.MANAGER)
    return demo_client(demo_hub, manager), manager


def _conferences_of(session: Session, group: MeetingSeries) -> dict[int, Conference]:
    session.expire_all()
    return {
        c.id: c
        for c in session.scalars(
            select(Conference)
            .where(Conference.sitting_id.in_([s.id for s in group.sittings]))
            .order_by(Conference.id)
        )
    }


def _told(session: Session, conference: Conference) -> dict[int, str]:
    """Who is told the conference has a new chair, and the page each notice links to."""
    session.expire_all()
    return {
        n.user_id: n.path
        for n in session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.CHAIR_CHANGED,
                Notice.reference == conference.case.reference,
                Notice.path.startswith(f"/conferences/{conference.id}#")
                | Notice.path.endswith(f"-{conference.id}"),
            )
        )
    }


def test_the_new_chair_takes_over_the_conferences_to_come_and_both_chairs_are_told(
    demo_hub, demo_session
) -> None:
    group = _group(demo_session)
    old_chair = group.chair
    to_come = [c.id for c in _to_come(demo_session).conferences]
    assert to_come
    held = [
        c.id
        for c in _conferences_of(demo_session, group).values()
        if c.minutes_status is MinutesStatus.AGREED
    ]
    assert held
    new_chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    client, manager = _manager(demo_hub, demo_session)
    members = [m.user_id for m in group.members if m.user.active]

    response = _change(
        client,
        demo_session,
        chair=str(new_chair.id),
        members=[str(m) for m in [*members, new_chair.id]],
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    taken = len(to_come)
    assert (
        f"The new chair now chairs {taken} case conference{'s' if taken != 1 else ''} on its "
        "sittings to come in place of the old chair, and both are told" in page
    )
    conferences = _conferences_of(demo_session, _group(demo_session))
    assert {i: conferences[i].chair_id for i in to_come} == dict.fromkeys(to_come, new_chair.id)
    # Each keeps who gave it its new chair: a form to change it opened before says so.
    assert {conferences[i].changed_by_id for i in to_come} == {manager.id}
    # What was held keeps the chair who held it and agreed its minutes.
    assert {conferences[i].chair_id for i in held} == {old_chair.id}
    entry = _entries(demo_session, "meeting.change")[-1]
    assert entry.basis.startswith("changed chair")
    assert f"; conferences {','.join(map(str, sorted(to_come)))} re-chaired (chair changes " in (
        entry.basis
    )
    for person in (old_chair, new_chair):
        assert person.display_name not in entry.basis
    # Both chairs are told, each once, with a link to the conference's page; not the
    # manager who changed it.
    for conference_id in to_come:
        told = _told(demo_session, conferences[conference_id])
        assert set(told) == {old_chair.id, new_chair.id}
        assert all(p.startswith(f"/conferences/{conference_id}#chair-") for p in told.values())
        # The link lands on the change, listed under "Changes of chair" on the page.
        for user_id, path in told.items():
            page_path, anchor = path.split("#")
            reader = demo_client(demo_hub, demo_session.get(User, user_id))
            shown = reader.get(page_path).get_data(as_text=True)
            assert (
                f'<li id="{anchor}">Chair changed from {old_chair.display_name}'
                in html.unescape(shown)
            )
    notice = demo_session.scalars(
        select(Notice).where(
            Notice.kind == NoticeKind.CHAIR_CHANGED, Notice.user_id == new_chair.id
        )
    ).first()
    settings = demo_hub.config["HUB_SETTINGS"]
    message = compose(notice, settings.mail, settings.service_name)
    conference = (
        conferences[to_come[0]]
        if notice.path.startswith(f"/conferences/{to_come[0]}#")
        else next(
            c for c in conferences.values() if notice.path.startswith(f"/conferences/{c.id}#")
        )
    )
    assert message["Subject"] == (
        f"A case conference has a new chair: case {conference.case.reference}"
    )
    assert (
        f"The case conference on case {conference.case.reference}, on "
        f"{uk_datetime(conference.starts_at)} has a new chair" in message.get_content()
    )
    for person in (old_chair, new_chair):
        assert person.display_name not in message.get_content()
    # The new chair opens the conference they now chair.
    chair = demo_client(demo_hub, new_chair)
    shown = chair.get(f"/conferences/{to_come[0]}")
    assert shown.status_code == 200
    assert new_chair.display_name in shown.get_data(as_text=True)


def _since(session: Session, seq: int) -> list[AuditEntry]:
    session.expire_all()
    return list(
        session.scalars(select(AuditEntry).where(AuditEntry.seq > seq).order_by(AuditEntry.seq))
    )


def _shares_of(session: Session, case_id: int) -> int:
    return session.scalar(select(func.count()).select_from(Share).where(Share.case_id == case_id))


def _last_seq(session: Session) -> int:
    return session.scalar(select(func.max(AuditEntry.seq))) or 0


def _last_notice(session: Session) -> int:
    return session.scalar(select(func.max(Notice.id))) or 0


def test_a_new_chair_whose_agency_is_not_invited_has_it_invited_and_takes_the_conference(
    demo_hub, demo_session
) -> None:
    """Larkmoor is not invited to a Northshire Homes case's conference: giving the meeting
    a Larkmoor chair invites Larkmoor to it, as inviting it from the conference's page
    would (a share for the conference's purpose until its shares end, a request for what
    it holds, its managers told), and the new chair takes it over, where before it kept
    its old chair."""
    group = _group(demo_session)
    group_id = group.id
    sitting = _to_come(demo_session)
    new_chair = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    larkmoor = new_chair.agency_id
    target = next(c for c in sitting.conferences if larkmoor not in c.at_the_table)
    target_id, case_id = target.id, target.case_id
    client, manager = _manager(demo_hub, demo_session)
    members = [m.user_id for m in group.members if m.user.active]
    last, told_before = _last_seq(demo_session), _last_notice(demo_session)

    response = _change(
        client,
        demo_session,
        chair=str(new_chair.id),
        members=[str(m) for m in [*members, new_chair.id]],
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert f"{new_chair.agency.name} was not invited to" in page
    assert "so it is now, with a share of the case for the conference" in page
    assert "keeps its chair" not in page
    conference = demo_session.get(Conference, target_id)
    assert conference.chair_id == new_chair.id
    invitation = next(i for i in conference.invitations if i.agency_id == larkmoor)
    share = invitation.share
    assert (share.case_id, share.purpose, share.until, share.origin, share.revoked_at) == (
        case_id,
        conference.purpose,
        conference.shares_end,
        ShareOrigin.CONFERENCE,
        None,
    )
    assert share.created_by_id == manager.id
    request = next(r for r in conference.requests if r.agency_id == larkmoor)
    assert request.answered_at is None
    told = demo_session.scalars(select(Notice).where(Notice.id > told_before)).all()
    asked = {n.user_id for n in told if n.path == f"/conferences/{target_id}/requests/{request.id}"}
    assert asked == {u.id for u in notices.managers(demo_session, larkmoor)} - {manager.id}
    entries = _since(demo_session, last)
    assert [
        e.basis
        for e in entries
        if e.action == "conference.change" and e.object_id == str(target_id)
    ] == [
        f"case {case_id}; changed agencies; invitations {invitation.id}; shares {share.id} "
        f"made; for meeting {group_id}'s new chair"
    ]
    shared = [e for e in entries if e.action == "share.create" and f"share {share.id} " in e.basis]
    assert [e.outcome for e in shared] == ["allowed"]
    assert shared[0].basis.endswith(f"(conference); for conference {target_id}'s new chair")
    changed = _entries(demo_session, "meeting.change")[-1]
    invited = changed.basis.split("; conferences ")[2]
    assert invited.endswith(f"invited agency {larkmoor}")
    assert str(target_id) in invited.split(" ")[0].split(",")
    for entry in entries:
        assert new_chair.display_name not in (entry.basis or "")
    # The new chair opens the conference they now chair, and Larkmoor's people read it.
    assert demo_client(demo_hub, new_chair).get(f"/conferences/{target_id}").status_code == 200


def test_a_conference_that_cannot_invite_the_new_chairs_agency_keeps_its_chair_saying_why(
    demo_hub, demo_session
) -> None:
    """A conference whose invitation of the new chair's agency was withdrawn (it cannot be
    invited to the same conference again) keeps its chair, the confirmation names it with
    why, and nothing is shared."""
    group = _group(demo_session)
    old_chair = group.chair
    sitting = _to_come(demo_session)
    new_chair = demo_user(demo_session, "northshire-police", Role.MANAGER)
    police = new_chair.agency_id
    kept = next(
        c
        for c in sitting.conferences
        if police in c.at_the_table and c.case.agency_id != police and c.chair_id == old_chair.id
    )
    invitation = next(i for i in kept.invitations if i.agency_id == police)
    convenor = Actor.of(demo_session.get(User, kept.case.officer_id))
    conference_withdrawals.withdraw_invitation(demo_session, convenor, kept.id, invitation.id)
    demo_session.commit()
    kept_id, shares_before = kept.id, _shares_of(demo_session, kept.case_id)
    client, manager = _manager(demo_hub, demo_session)
    seen = decision_on(demo_session, Actor.of(manager), kept.case_id)
    named = (
        f"The case conference on {kept.case.reference}"
        if seen is not None and seen.allowed
        else "Another case conference"
    )
    members = [m.user_id for m in group.members if m.user.active]

    response = _change(
        client,
        demo_session,
        chair=str(new_chair.id),
        members=[str(m) for m in [*members, new_chair.id]],
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert (
        f"{named} on {clock.moment_text(kept.starts_at)} keeps its chair, "
        f"{old_chair.display_name}, as {new_chair.display_name} is from "
        f"{new_chair.agency.name}, which is not invited to it and cannot be: its invitation "
        f"to {new_chair.agency.name} was withdrawn, and an agency cannot be invited to the "
        "same conference again" in page
    )
    assert _group(demo_session).chair_id == new_chair.id
    conference = demo_session.get(Conference, kept_id)
    assert conference.chair_id == old_chair.id
    assert len(conference.invitations) == len({i.agency_id for i in conference.invitations})
    assert _shares_of(demo_session, conference.case_id) == shares_before
    entry = _entries(demo_session, "meeting.change")[-1]
    assert entry.basis.endswith(f"; conferences {kept_id} kept their chair")
    assert new_chair.display_name not in entry.basis


def test_the_old_chairs_invitation_still_waiting_is_dropped_as_the_new_chair_takes_over(
    demo_hub, demo_session
) -> None:
    """The invitation waiting to tell the old chair of a conference they chair is not
    sent once the new chair takes it over (they are told of the new chair instead); one
    already sent stays as it was, and where the old chair is also expected at another
    conference, that invitation still goes."""
    group = _group(demo_session)
    old_chair = group.chair
    sitting = _to_come(demo_session)
    _bring(demo_session, demo_hub, _homes_case(demo_session, sitting), sitting)
    taken = [c for c in _to_come(demo_session).conferences if c.chair_id == old_chair.id]
    assert len(taken) >= 2
    dropped, expected = taken[0], taken[1]
    # A standing member is expected at each case brought: the chair of one, and not the
    # other.
    demo_session.execute(
        delete(ConferenceAttendee).where(
            ConferenceAttendee.conference_id == dropped.id,
            ConferenceAttendee.user_id == old_chair.id,
        )
    )
    if old_chair.id not in {a.user_id for a in expected.attendees}:
        demo_session.add(ConferenceAttendee(conference=expected, user_id=old_chair.id))
    for conference in taken:
        demo_session.execute(
            delete(Notice).where(
                Notice.kind == NoticeKind.INVITATION,
                Notice.user_id == old_chair.id,
                Notice.path == f"/conferences/{conference.id}",
            )
        )
        notices.queue(
            demo_session,
            NoticeKind.INVITATION,
            [old_chair],
            reference=conference.case.reference,
            path=f"/conferences/{conference.id}",
            about=conference.starts_at,
        )
    demo_session.commit()
    waiting = {
        n.path: n.id
        for n in demo_session.scalars(
            select(Notice).where(
                Notice.kind == NoticeKind.INVITATION, Notice.user_id == old_chair.id
            )
        )
    }
    # Another chair than the group's (an earlier test may have made it the police's).
    new_chair = next(
        u
        for u in (
            demo_user(demo_session, "northshire-police", Role.MANAGER),
            demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR),
        )
        if u.id != old_chair.id
    )
    client, _ = _manager(demo_hub, demo_session)
    members = [m.user_id for m in group.members if m.user.active]

    response = _change(
        client,
        demo_session,
        chair=str(new_chair.id),
        members=[str(m) for m in [*members, new_chair.id]],
    )

    assert response.status_code == 302, response.get_data(as_text=True)
    demo_session.expire_all()
    assert demo_session.get(Conference, dropped.id).chair_id == new_chair.id
    assert demo_session.get(Notice, waiting[f"/conferences/{dropped.id}"]) is None
    assert demo_session.get(Notice, waiting[f"/conferences/{expected.id}"]) is not None
    # Told of the new chair instead.
    assert old_chair.id in _told(demo_session, dropped)
    # Invitations to other conferences, and to the new chair, are as they were.
    for path, notice_id in waiting.items():
        if path != f"/conferences/{dropped.id}":
            assert demo_session.get(Notice, notice_id) is not None


def test_a_change_without_a_new_chair_leaves_the_conferences_chairs_as_they_are(
    demo_hub, demo_session
) -> None:
    """A change that leaves the chair as it is takes over nothing, and says cases already
    brought keep their conferences as they were."""
    group = _group(demo_session)
    group_id = group.id
    before = {i: c.chair_id for i, c in _conferences_of(demo_session, group).items()}
    client, _ = _manager(demo_hub, demo_session)
    response = _change(client, demo_session, name="Northshire ASB problem-solving group (east)")
    assert response.status_code == 302
    page = html.unescape(client.get(response.location).get_data(as_text=True))
    assert "cases already brought keep their conferences as they were" in page
    renamed = demo_session.get(MeetingSeries, group_id)
    after = {i: c.chair_id for i, c in _conferences_of(demo_session, renamed).items()}
    assert after == before
    assert _entries(demo_session, "meeting.change")[-1].basis == "changed name"
