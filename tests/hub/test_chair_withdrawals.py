"""Changing a conference's chair can withdraw the old chair's agency's invitation in the
same act (demo partnership): where that agency was invited with no other part in the
conference (none of its people expected, nothing it holds answered), the convening
agency's form offers "Withdraw <agency>'s invitation", not ticked; ticked, its share ends
with the change, as a withdrawal from the conference's page ends it, and the old chair is
still told of the new chair. Not offered to the chair of another agency, nor for an
agency with another part; refused at the field if sent anyway, or with a new chair of
that same agency, nothing changed and the refusal recorded."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.orm import Session

from hub.templating import uk_date
from sharing.models import Conference, ConferenceInvitation, Notice, Share
from sharing.vocabulary import NoticeKind, Role
from tests.fixtures.demo import demo_client, demo_user, free_for_chair
from tests.hub.test_cancelling_conferences import _convene, _reloaded
from tests.hub.test_changing_conferences import _entries
from tests.hub.test_conference_chairs import _martin, _opened, _path


def _withdraw(client, conference: Conference, chair: object, *, withdraw: bool = True):
    data = {**_opened(client, conference), "chair": str(chair), "reason": "cannot_attend"}
    if withdraw:
        data["withdraw"] = "y"
    return client.post(_path(conference), data=data)


def _invitation(session: Session, conference: Conference, agency_id: int) -> ConferenceInvitation:
    session.expire_all()
    return session.scalars(
        select(ConferenceInvitation).where(
            ConferenceInvitation.conference_id == conference.id,
            ConferenceInvitation.agency_id == agency_id,
        )
    ).one()


def _free_for_all(session: Session):
    """A time none of the chairs these tests give conferences chairs anything near."""
    chairs = [
        demo_user(session, "larkmoor-ha", Role.MANAGER),
        _martin(session),
        demo_user(session, "northshire-police", Role.MANAGER),
        demo_user(session, "northshire-csp", Role.MANAGER),
    ]
    days = 7
    while True:
        moments = {free_for_chair(session, c.id, days=days) for c in chairs}
        if len(moments) == 1:
            return moments.pop()
        days += 1


def _chaired_by_martin(demo_hub, session: Session):
    """A conference convened by its officer, then given community safety's conference chair
    (an agency invited with the change, with no other part in it)."""
    officer, conference = _convene(demo_hub, session, when=_free_for_all(session))
    martin = _martin(session)
    data = {**_opened(officer, conference), "chair": str(martin.id), "reason": "another_agency"}
    assert officer.post(_path(conference), data=data).status_code == 302
    return officer, _reloaded(session, conference), martin


def test_the_convenor_withdraws_the_old_chairs_agency_with_the_change(
    demo_hub, demo_session
) -> None:
    officer, conference, martin = _chaired_by_martin(demo_hub, demo_session)
    agency = martin.agency.name
    form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
    assert f"Withdraw {agency}'s invitation" in form
    assert 'name="withdraw"' in form
    assert "checked" not in form.split('name="withdraw"', 1)[1].split(">", 1)[0]
    # The chair, of another agency, may change the chair but not withdraw invitations.
    chairing = demo_client(demo_hub, martin)
    assert "Withdraw" not in chairing.get(_path(conference)).get_data(as_text=True)
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)

    response = _withdraw(officer, conference, police_manager.id)

    assert response.status_code == 302, response.get_data(as_text=True)
    said = html.unescape(officer.get(response.location).get_data(as_text=True))
    assert f"{agency}'s invitation is withdrawn" in said
    invitation = _invitation(demo_session, conference, martin.agency_id)
    assert invitation.withdrawn_at is not None
    assert demo_session.get(Share, invitation.share_id).revoked_at is not None
    assert _reloaded(demo_session, conference).chair_id == police_manager.id
    # Its people can no longer open the conference; the old chair is told of the new one,
    # with a link to their conferences, not to a page they cannot open.
    assert chairing.get(f"/conferences/{conference.id}").status_code == 404
    told = demo_session.scalars(
        select(Notice)
        .where(Notice.kind == NoticeKind.NEW_CHAIR, Notice.user_id == martin.id)
        .order_by(Notice.id)
    ).all()
    assert told[-1].path.startswith("/conferences#chair-")
    assert told[-1].path.endswith(f"-{conference.id}")
    # The link lands on their list, on a line saying what the notice said, and no more.
    path, anchor = told[-1].path.split("#")
    listed = html.unescape(chairing.get(path).get_data(as_text=True))
    assert listed.count(f'id="{anchor}"') == 1
    landed = listed.split(f'id="{anchor}"', 1)[1].split("</li>", 1)[0]
    assert (
        f"The case conference on case {conference.case.reference} of "
        f"{uk_date(conference.starts_at)} has a new chair." in landed
    )
    assert f"/conferences/{conference.id}" not in listed
    withdrawn = _entries(demo_session, "conference.withdraw")[-1]
    assert (withdrawn.outcome, withdrawn.object_id) == ("allowed", str(conference.id))
    assert withdrawn.basis == (
        f"agency {martin.agency_id}; share {invitation.share_id} revoked; with a change of chair"
    )
    change = _entries(demo_session, "conference.change")[-1]
    assert f"; invitations {invitation.id} withdrawn" in change.basis
    for entry in (withdrawn, change):
        assert martin.display_name not in entry.basis
        assert police_manager.display_name not in entry.basis


def test_the_withdrawn_agency_is_no_longer_asked_what_it_holds(demo_hub, demo_session) -> None:
    # Its request, unanswered, is no longer said to be awaited (nor overdue) on the
    # conference's page and in the pack, as it can no longer open the conference.
    officer, conference, martin = _chaired_by_martin(demo_hub, demo_session)
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    assert _withdraw(officer, conference, police_manager.id).status_code == 302

    for path in (f"/conferences/{conference.id}", f"/conferences/{conference.id}/pack"):
        page = html.unescape(officer.get(path).get_data(as_text=True))
        holds = page.split("What each agency holds", 1)[1]
        said = holds.split(f">{martin.agency.name}</h3>", 1)[1].split("<h", 1)[0]
        assert "Not answered, and no longer asked: its invitation was withdrawn." in said, path
        assert "Not answered yet" not in said
        assert "Overdue" not in said
        still = holds.split(f">{police_manager.agency.name}</h3>", 1)[1].split("<h", 1)[0]
        assert "Not answered yet" in still, path


def test_left_unticked_the_old_chairs_agency_stays_invited(demo_hub, demo_session) -> None:
    officer, conference, martin = _chaired_by_martin(demo_hub, demo_session)
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)

    assert _withdraw(officer, conference, police_manager.id, withdraw=False).status_code == 302

    assert _invitation(demo_session, conference, martin.agency_id).withdrawn_at is None
    assert demo_client(demo_hub, martin).get(f"/conferences/{conference.id}").status_code == 200


def test_a_withdrawal_that_may_not_be_made_is_refused_at_its_field(demo_hub, demo_session) -> None:
    officer, conference, martin = _chaired_by_martin(demo_hub, demo_session)
    # A new chair of the same agency: its invitation must stay.
    csp_manager = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    refused = _withdraw(officer, conference, csp_manager.id)
    assert refused.status_code == 400
    page = html.unescape(refused.get_data(as_text=True))
    assert f"is of {martin.agency.name}, so its invitation stays" in page
    assert 'href="#withdraw"' in page
    assert _reloaded(demo_session, conference).chair_id == martin.id
    assert _invitation(demo_session, conference, martin.agency_id).withdrawn_at is None
    entry = _entries(demo_session, "conference.change")[-1]
    assert (entry.outcome, entry.object_id) == ("refused", str(conference.id))
    assert "withdraw" in entry.basis
    assert martin.display_name not in entry.basis

    # The police, whose officer is expected, have another part: not offered, and refused.
    police_manager = demo_user(demo_session, "northshire-police", Role.MANAGER)
    assert _withdraw(officer, conference, police_manager.id, withdraw=False).status_code == 302
    conference = _reloaded(demo_session, conference)
    form = html.unescape(officer.get(_path(conference)).get_data(as_text=True))
    assert "Withdraw" not in form
    refused = _withdraw(officer, conference, martin.id)
    assert refused.status_code == 400
    assert "cannot be withdrawn with the change" in html.unescape(refused.get_data(as_text=True))
    assert _reloaded(demo_session, conference).chair_id == police_manager.id
    assert _invitation(demo_session, conference, police_manager.agency_id).withdrawn_at is None
    assert _entries(demo_session, "conference.change")[-1].outcome == "refused"


def test_the_convening_agencys_own_chair_offers_no_withdrawal(demo_hub, demo_session) -> None:
    officer, conference = _convene(demo_hub, demo_session, when=_free_for_all(demo_session))
    assert "Withdraw" not in officer.get(_path(conference)).get_data(as_text=True)
    refused = _withdraw(officer, conference, _martin(demo_session).id)
    assert refused.status_code == 400
    assert _reloaded(demo_session, conference).chair_id == conference.chair_id
