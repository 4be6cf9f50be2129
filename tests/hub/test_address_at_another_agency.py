"""An administrator adding someone at an address where another agency's staff have theirs
(and nobody of their own agency does) is asked to confirm before the account is made: a
partner's officer added to the wrong agency, or a colleague's old address, is more often
a slip than a new colleague."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import Agency, AuditEntry, User
from sharing.vocabulary import AgencyType
from tests.fixtures.app import Partnership, csrf_token

WARNING = (
    "Tick the box if this is their address at Test Homes: northshire-police.example is "
    "already used by staff of Testshire Police, and nobody at Test Homes has an address there yet"
)
CONFIRM = "Yes, this is their address: add them to my agency"


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
    assert CONFIRM in page
    assert 'href="#other_domain"' in page  # the error summary points at the box to tick
    assert page.count("govuk-error-message") == 1  # one question, at the box
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


def _council(db_session: Session, create_user, partnership: Partnership, *codes: str) -> None:
    """Agencies of one council, their staff at the council's domain."""
    for code in codes:
        agency = Agency(
            code=code,
            name=f"Testshire Council {code.title()}",
            type=AgencyType.COMMUNITY_SAFETY,
            area=partnership.area,
            case_prefix=code[:3].upper(),
        )
        db_session.add(agency)
        db_session.flush()
        officer = create_user("case_officer", agency=agency)
        officer.email = f"officer.{code}@testshire-council.example"
    db_session.commit()


def test_the_first_account_of_a_second_agency_at_a_shared_domain_is_asked_once(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    """A council's agencies share its domain: the first of Test Homes' staff there is
    asked about once, naming who uses it; after them, nobody is asked."""
    _council(db_session, create_user, partnership, "safety")
    admin = as_user("administrator")

    asked = _add(admin, "sam.jones@testshire-council.example")
    page = asked.get_data(as_text=True)
    assert asked.status_code == 400
    assert (
        "testshire-council.example is already used by staff of Testshire Council Safety, "
        "and nobody at Test Homes has an address there yet"
    ) in page
    assert page.count(CONFIRM) == 1
    assert page.count("govuk-error-message") == 1
    assert "Check it is their address" not in page  # not a second, contradicting question

    confirmed = _add(admin, "sam.jones@testshire-council.example", other_domain="y")
    assert confirmed.status_code == 302, confirmed.get_data(as_text=True)
    second = _add(admin, "jo.smith@testshire-council.example", display_name="Jo Smith")
    assert second.status_code == 302, second.get_data(as_text=True)  # asked nothing
    assert _account(db_session, "jo.smith@testshire-council.example") is not None


def test_a_domain_several_agencies_use_names_the_one_with_most_and_counts_the_others(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    _council(db_session, create_user, partnership, "safety", "health", "adults")
    second = create_user("case_officer", agency=partnership.police)
    second.email = "seconded@testshire-council.example"  # the police: two there
    db_session.commit()
    admin = as_user("administrator")

    page = _add(admin, "sam.jones@testshire-council.example").get_data(as_text=True)
    assert "already used by staff of Testshire Police and 3 other agencies" in page


def test_a_confirmation_given_is_kept_when_the_form_is_refused_for_something_else(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    """The box ticked stays ticked on a form refused for its roles, so the administrator
    who corrects the roles is not asked about the address again."""
    _a_police_officer_at(db_session, create_user, partnership)
    admin = as_user("administrator")
    email = "sam.jones@northshire-police.example"

    refused = _add(admin, email, other_domain="y", roles=["administrator", "case_officer"])
    page = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert "cannot also be a case officer" in page
    assert CONFIRM in page
    assert 'name="other_domain" type="checkbox" value="y" checked' in page
    assert WARNING not in page

    added = _add(admin, email, other_domain="y")
    assert added.status_code == 302, added.get_data(as_text=True)
    assert _account(db_session, email) is not None


def test_the_dpo_reads_an_address_not_confirmed_in_words(
    as_user, create_user, db_session: Session, partnership: Partnership
) -> None:
    _a_police_officer_at(db_session, create_user, partnership)
    admin = as_user(user=create_user("administrator"))
    assert _add(admin, "sam.jones@northshire-police.example").status_code == 400
    db_session.expire_all()
    refused = db_session.scalars(
        select(AuditEntry.basis).where(
            AuditEntry.action == "account.create", AuditEntry.outcome == "refused"
        )
    ).all()
    assert refused == ["refused input: other_domain"]  # kept as written

    dpo = as_user(user=create_user("dpo"))
    page = dpo.get("/audit?action=account.create").get_data(as_text=True)

    assert "Refused: the address at another agency&#39;s domain was not confirmed as theirs" in page
    assert "other domain" not in page
    assert "northshire-police.example" not in page
