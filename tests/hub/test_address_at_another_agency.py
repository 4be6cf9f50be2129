"""An administrator adding someone at an address where another agency's staff have theirs
(and nobody of their own agency does) is asked to confirm before the account is made: a
partner's officer added to the wrong agency, or a colleague's old address, is more often
a slip than a new colleague."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import AuditEntry, User
from tests.fixtures.app import Partnership, csrf_token

WARNING = (
    "This address is at northshire-police.example, where Testshire Police&#39;s staff have "
    "their addresses and nobody at"
)


def _add(client: FlaskClient, email: str, **fields: object):
    data = {
        "display_name": "Sam Jones",
        "email": email,
        "roles": ["case_officer"],
        "csrf_token": csrf_token(client, "/people"),
        **fields,
    }
    return client.post("/people/new", data=data)


def _a_police_officer_at(db_session: Session, create_user, partnership: Partnership) -> None:
    officer = create_user("case_officer", agency=partnership.police)
    officer.email = "pc.one@northshire-police.example"
    db_session.commit()


def _account(db_session: Session, email: str) -> User | None:
    db_session.expire_all()
    return db_session.scalar(select(User).where(User.email == email))


def test_an_address_at_another_agencys_domain_is_added_only_once_confirmed(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    _a_police_officer_at(db_session, create_user, partnership)
    administrator = create_user("administrator")
    admin = as_user(user=administrator)
    email = "sam.jones@northshire-police.example"

    asked = _add(admin, email)
    page = asked.get_data(as_text=True)
    assert asked.status_code == 400
    assert WARNING in page
    assert f"nobody at {partnership.landlord.name} does" in page
    assert "Yes, this is their address: add them to my agency" in page
    assert 'href="#email"' in page  # the error summary points at the address
    assert _account(db_session, email) is None

    confirmed = _add(admin, email, other_domain="y")
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    added = _account(db_session, email)
    assert added is not None
    assert added.agency_id == partnership.landlord.id
    entries = db_session.scalars(
        select(AuditEntry)
        .where(
            AuditEntry.action == "account.create",
            AuditEntry.actor_user_id == administrator.id,
        )
        .order_by(AuditEntry.seq)
    ).all()
    assert [e.outcome for e in entries] == ["refused", "allowed"]
    assert all("northshire-police" not in (e.basis or "") for e in entries)


def test_an_address_at_a_domain_of_ones_own_agency_or_nobodys_is_added_without_asking(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    _a_police_officer_at(db_session, create_user, partnership)
    admin = as_user("administrator")  # at test.example, as the landlord's staff are

    for email in ("sam.jones@test.example", "jo.smith@brand-new-domain.example"):
        added = _add(admin, email, display_name="New Starter")
        assert added.status_code == 302, (email, added.get_data(as_text=True))
        assert _account(db_session, email) is not None
    form = admin.get("/people/new").get_data(as_text=True)
    assert "Yes, this is their address" not in form  # asked only when it matters


def test_a_domain_shared_with_another_agency_asks_nothing(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    """A council's agencies may share the council's domain: once any of the agency's own
    staff have an address at it, nobody is asked."""
    _a_police_officer_at(db_session, create_user, partnership)
    own = create_user("case_officer", agency=partnership.landlord)
    own.email = "seconded.officer@northshire-police.example"
    db_session.commit()
    admin = as_user("administrator")

    added = _add(admin, "sam.jones@northshire-police.example")
    assert added.status_code == 302, added.get_data(as_text=True)
