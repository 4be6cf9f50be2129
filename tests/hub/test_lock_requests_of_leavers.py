"""A lock asked for by an officer who has left since (their account disabled): the
manager's queue says the asker has left, and the request's page that the case officer has
left and that the officer the case is given to joins the lock, so a manager does not lock
a case to someone gone and no one else, unawares."""

from __future__ import annotations

import html

from sqlalchemy import select

from sharing.models import LockRequest, User
from sharing.vocabulary import LockStatus, Role
from tests.fixtures.demo import demo_client, demo_user


def _text(response) -> str:  # type: ignore[no-untyped-def]
    return " ".join(html.unescape(response.get_data(as_text=True)).split())


def test_a_manager_deciding_a_leavers_lock_request_is_told_they_have_left(
    demo_hub, demo_session
) -> None:
    manager = demo_user(demo_session, "larkmoor-ha", Role.MANAGER)
    request = demo_session.scalars(
        select(LockRequest).where(
            LockRequest.status == LockStatus.REQUESTED,
            LockRequest.case.has(agency_id=manager.agency_id),
        )
    ).one()
    asker = demo_session.get(User, request.requested_by_id)
    assert request.case.officer_id == asker.id
    client = demo_client(demo_hub, manager)
    assert "has left" not in _text(client.get(f"/locks/{request.id}"))

    asker.active = False
    demo_session.commit()

    assert f"{asker.display_name} (has left), " in _text(client.get("/locks"))
    page = _text(client.get(f"/locks/{request.id}"))
    assert (
        f"{asker.display_name}, the case officer, has left: a case locked is theirs and "
        "yours until you give it to another officer from its page (Change, beside the case "
        "officer), who then joins the lock in their place."
    ) in page
