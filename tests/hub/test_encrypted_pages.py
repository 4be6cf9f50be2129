"""Encryption as users meet it: erasing a case, and a damaged value on a page."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import incidents
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.keys import LocalKeyring
from sharing.models import AuditEntry, Incident, Person
from tests.fixtures.app import csrf_token
from tests.fixtures.closing import close_for_erasure


def test_manager_erases_a_case_after_typing_its_reference(
    as_user, create_user, create_case, db_session
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    officer_client = as_user(user=officer)
    assert "Erase this case" not in officer_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert officer_client.get(f"/cases/{case.id}/erase").status_code == 403
    manager_user = create_user("manager")
    manager = as_user(user=manager_user)
    page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Erase this case" not in page
    assert "To erase this case, close it first" in page
    refused = manager.get(f"/cases/{case.id}/erase")
    assert refused.status_code == 403
    assert "the case is still open: close it first" in refused.get_data(as_text=True)
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.outcome) == ("case.erase", "refused")
    close_for_erasure(db_session, Actor.of(manager_user), case.id)
    db_session.commit()
    assert "Erase this case" in manager.get(f"/cases/{case.id}").get_data(as_text=True)
    form = manager.get(f"/cases/{case.id}/erase").get_data(as_text=True)
    assert "in any backup" not in form  # true only once the erasure is made final
    assert "backups taken before it, once the erasure is made final" in form
    token = csrf_token(manager, f"/cases/{case.id}/erase")
    wrong = manager.post(
        f"/cases/{case.id}/erase", data={"reference": "TH-0000", "csrf_token": token}
    )
    assert wrong.status_code == 400
    assert f"Type the reference {case.reference} exactly" in wrong.get_data(as_text=True)
    db_session.expire_all()
    entry = db_session.scalars(select(AuditEntry).order_by(AuditEntry.seq.desc())).first()
    assert (entry.action, entry.outcome, entry.basis) == (
        "case.erase",
        "refused",
        "refused input: reference",
    )
    assert "Loud music" in officer_client.get(f"/cases/{case.id}").get_data(as_text=True)
    done = manager.post(
        f"/cases/{case.id}/erase",
        data={"reference": case.reference.lower(), "with_people": "y", "csrf_token": token},
    )
    assert done.status_code == 302
    page = officer_client.get(f"/cases/{case.id}").get_data(as_text=True)
    assert "This case was erased" in page
    assert "Loud music" not in page
    assert "Amelia" not in page
    assert "Noise" in page  # the category stays for statistics
    assert "Add an incident" not in page


def test_a_case_erased_without_its_people_says_they_were_kept_and_a_manager_erases_them_later(
    as_user, create_user, create_case, db_session
) -> None:
    """Left unticked, the box keeps the people: the form, the flash and the erased case say
    so, the case page shows none of their details as its own, and its manager can erase
    them afterwards from the same form."""
    officer = create_user("case_officer")
    case = create_case(officer)
    manager_user = create_user("manager")
    close_for_erasure(db_session, Actor.of(manager_user), case.id)
    db_session.commit()
    manager = as_user(user=manager_user)
    path = f"/cases/{case.id}/erase"
    form = manager.get(path).get_data(as_text=True)
    assert "If you leave this box unticked, the people on this case are kept" in form
    token = csrf_token(manager, path)
    done = manager.post(
        path, data={"reference": case.reference, "csrf_token": token}, follow_redirects=True
    )
    page = done.get_data(as_text=True)
    assert f"Case {case.reference} erased" in page
    assert "1 person on it was kept as your agency&#39;s record" in page
    assert "can no longer be read by anyone" not in page
    assert "in backups once the erasure is made final" in page
    officer_page = as_user(user=officer).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "1 person on it is on no other case: kept as your agency's record" in officer_page
    for detail in ("Amelia", "07700 900111", "anxiety"):
        assert detail not in officer_page
        assert detail not in page
    assert "Erase the people this case kept" not in officer_page  # a manager's decision
    assert "Erase the people this case kept" in page
    again = manager.get(path).get_data(as_text=True)
    assert "Erase the people case" in again
    assert "1 person on it was kept as your agency's record, and no other case holds" in again
    assert "Amelia" not in again
    erased = manager.post(
        path,
        data={"reference": case.reference, "csrf_token": csrf_token(manager, path)},
        follow_redirects=True,
    ).get_data(as_text=True)
    assert "1 person it alone held erased" in erased
    person = db_session.scalar(select(Person))
    db_session.refresh(person)
    assert person.erased_at is not None
    assert manager.get(path).status_code == 302  # nothing left to erase: back to the case


def test_a_damaged_value_is_shown_as_unreadable_and_logged_without_the_data(
    as_user, create_user, create_case, db_session, caplog
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    person = db_session.scalar(select(Person))
    damaged = bytearray(person.support_needs)
    damaged[-3] ^= 0xFF
    person.support_needs = bytes(damaged)
    db_session.commit()
    with caplog.at_level(logging.ERROR):
        response = as_user(user=officer).get(f"/cases/{case.id}")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Could not be read: this value failed its integrity check" in page
    assert "Amelia Testperson" in page  # the rest of the page still shows
    assert f"persons.support_needs row {person.id}" in caplog.text
    assert "anxiety" not in caplog.text


def test_a_damaged_incident_among_others_is_the_only_one_shown_as_unreadable(
    as_user, create_user, create_case, db_session, caplog
) -> None:
    """A case page reads its incidents together; one that fails its check is shown as
    unreadable on its own, and every other incident still shows."""
    officer = create_user("case_officer")
    case = create_case(officer)
    now = datetime.now(UTC)
    for hours, text in ((3, "Shouting on the stairs"), (2, "Door kicked"), (1, "Bins set alight")):
        incidents.add_incident(
            db_session,
            authorise(db_session, Actor.of(officer), case.id, Act.RECORD),
            incidents.IncidentInput(occurred_at=now - timedelta(hours=hours), description=text),
        )
    db_session.commit()
    kicked = db_session.scalar(
        select(Incident).where(Incident.occurred_at == now - timedelta(hours=2))
    )
    damaged = bytearray(kicked.description)
    damaged[-1] ^= 0x01
    kicked.description = bytes(damaged)
    db_session.commit()
    with caplog.at_level(logging.ERROR):
        page = as_user(user=officer).get(f"/cases/{case.id}").get_data(as_text=True)
    assert "Shouting on the stairs" in page
    assert "Bins set alight" in page
    assert "Door kicked" not in page
    assert page.count("Could not be read: this value failed its integrity check") == 1
    assert f"incidents.description row {kicked.id}" in caplog.text


def test_a_key_store_that_does_not_match_the_database_gives_a_clear_page(
    app, as_user, create_user, create_case, tmp_path
) -> None:
    officer = create_user("case_officer")
    case = create_case(officer)
    client = as_user(user=officer)
    other = LocalKeyring.create(tmp_path / "someone-elses.json", index_lengths())
    app.extensions["hub.sessions"].kw["info"]["keys"] = other
    response = client.get(f"/cases/{case.id}")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "the hub cannot read case records" in page
    assert "Tell your hub administrator" in page
    assert "Loud music" not in page
