"""A case under a live Community Trigger case review is held from erasure (demo
partnership, a copy each test): once the lead asked its agency to bring it to the review,
its managers are told on its page, on the erase form and by ``hub erase case`` that it can
be erased once the review closes, naming the application, each refusal recorded; once
the application closes, the hold ends and the case is erased as any other. Before, it
could be erased and the panel's agenda dropped it without a word."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.audit.log import integrate
from sharing.cases import erasure
from sharing.models import AuditEntry, Case, TriggerApplication, TriggerCaseRequest, User
from sharing.trigger import closing, review, review_outcome
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token, make_app
from tests.fixtures.cli import hub as hub_command
from tests.fixtures.closing import close_for_erasure
from tests.fixtures.demo import demo_client, demo_copy, demo_user
from tests.hub.test_trigger_review import _met, _panel
from tests.sharing.trigger.test_complaints import PROCEDURE


@pytest.fixture
def hub(demo_files: Path, tmp_path: Path) -> Iterator[Flask]:
    app = demo_copy(demo_files, tmp_path)
    yield app
    app.extensions["hub.engine"].dispose()


@pytest.fixture
def session(hub: Flask) -> Iterator[Session]:
    with hub.extensions["hub.sessions"]() as found:
        yield found


def _lead(session: Session) -> Actor:
    return Actor.of(demo_user(session, PROCEDURE.lead, Role.TRIGGER_LEAD))


def asked_case(session: Session) -> tuple[TriggerApplication, Case, User]:
    """A met application whose lead asked the holders of its complaints to bring their
    cases; one of them (not locked, asked about by no other live application) closed by
    its agency's manager, who is returned."""
    application = _met(session)
    assert review.ask_holders(session, _lead(session), PROCEDURE, application.id)
    session.commit()
    asked = session.scalars(
        select(Case)
        .join(TriggerCaseRequest, TriggerCaseRequest.case_id == Case.id)
        .where(TriggerCaseRequest.application_id == application.id, Case.locked.is_(False))
        .order_by(Case.id)
    )
    # One only this application holds (the demo's own live application asks about some).
    holding = [erasure.Holding(application.id, application.reference)]
    case = next(c for c in asked if erasure.reviews_holding(session, c.id) == holding)
    manager = demo_user(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, Actor.of(manager), case.id)
    session.commit()
    return application, case, manager


def _last(session: Session, action: str) -> AuditEntry:
    session.expire_all()
    integrate(session)
    session.commit()
    return session.scalars(
        select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.seq.desc())
    ).first()


def test_a_case_under_a_live_review_is_held_until_the_application_closes(hub, session) -> None:
    application, case, manager_user = asked_case(session)
    manager = demo_client(hub, manager_user)
    held = f"under the case review of Community Trigger application {application.reference}"

    page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
    assert held in page
    assert "it can be erased once the review closes" in page
    assert "Erase this case" not in page
    refused = manager.get(f"/cases/{case.id}/erase")
    assert refused.status_code == 403
    assert held in refused.get_data(as_text=True)
    entry = _last(session, "case.erase")
    assert (entry.outcome, entry.object_id, entry.basis) == (
        "refused",
        str(case.id),
        f"under the case review of trigger application {application.id}",
    )
    assert application.reference not in entry.basis  # the log names records by id

    closing.record_withdrawal(
        session,
        _lead(session),
        PROCEDURE,
        application.id,
        clock.today(),
        "The applicant phoned to withdraw it",
    )
    session.commit()
    page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
    assert held not in page
    assert "Erase this case" in page
    path = f"/cases/{case.id}/erase"
    done = manager.post(
        path, data={"reference": case.reference, "csrf_token": csrf_token(manager, path)}
    )
    assert done.status_code == 302
    session.expire_all()
    assert session.get_one(Case, case.id).erased_at is not None


def test_a_case_is_held_again_while_the_appeal_of_its_review_is_heard(hub, session) -> None:
    """The outcome ends the review's hold; the applicant's appeal holds the case again, as
    evidence for the appeal body, saying it is the appeal (refusals recorded by the
    application's id); the appeal body's decision releases it."""
    application, case, manager_user = asked_case(session)
    lead = _lead(session)
    sitting = _panel(session, days=2)
    review.convene(session, lead, PROCEDURE, application.id, sitting.id)
    session.commit()
    appealed = (
        "This case is under the appeal of the case review of Community Trigger application "
        f"{application.reference}: it can be erased once the appeal is decided or the "
        "applicant withdraws it"
    )
    with clock.pinned(sitting.starts_at + timedelta(hours=2)):
        today = clock.today()
        manager = demo_client(hub, manager_user)
        review_outcome.record_outcome(
            session, lead, PROCEDURE, application.id, "They never met.", "Monthly meetings."
        )
        session.commit()
        page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "under the case review of" not in page  # the outcome ends the review's hold
        assert "Erase this case" in page

        review_outcome.record_appeal(
            session, lead, PROCEDURE, application.id, today, "Nothing has changed"
        )
        session.commit()
        page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
        assert appealed in page
        assert "Erase this case" not in page
        path = f"/cases/{case.id}/erase"
        refused = manager.get(path)
        assert refused.status_code == 403
        assert appealed[len("This case is ") :] in refused.get_data(as_text=True)
        entry = _last(session, "case.erase")
        assert (entry.outcome, entry.object_id, entry.basis) == (
            "refused",
            str(case.id),
            f"under the appeal of the case review of trigger application {application.id}",
        )

        review_outcome.decide_appeal(
            session, lead, PROCEDURE, application.id, "not_upheld", "Carried out properly.", today
        )
        session.commit()
        page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "under the appeal" not in page
        assert "Erase this case" in page
        done = manager.post(
            path, data={"reference": case.reference, "csrf_token": csrf_token(manager, path)}
        )
    assert done.status_code == 302
    session.expire_all()
    assert session.get_one(Case, case.id).erased_at is not None


def test_an_erase_form_opened_before_the_case_was_asked_about_is_refused(hub, session) -> None:
    """The manager opens the erase form; the lead then asks the agency about the case:
    sending the form is refused as opening it now would be, and nothing is erased."""
    application = _met(session)
    assert review.ask_holders(session, _lead(session), PROCEDURE, application.id)
    case_id = session.scalar(
        select(Case.id)
        .join(TriggerCaseRequest, TriggerCaseRequest.case_id == Case.id)
        .where(TriggerCaseRequest.application_id == application.id, Case.locked.is_(False))
        .order_by(Case.id)
    )
    session.rollback()  # the case it asks about known; nothing asked yet
    case = session.get_one(Case, case_id)
    manager_user = demo_user(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, Actor.of(manager_user), case.id)
    session.commit()
    manager = demo_client(hub, manager_user)
    path = f"/cases/{case.id}/erase"
    token = csrf_token(manager, path)  # the form opens: nothing holds the case yet

    review.ask_holders(session, _lead(session), PROCEDURE, application.id)
    session.commit()
    sent = manager.post(path, data={"reference": case.reference, "csrf_token": token})
    assert sent.status_code == 403
    assert application.reference in sent.get_data(as_text=True)
    session.expire_all()
    assert session.get_one(Case, case.id).erased_at is None


def test_hub_erase_case_refuses_a_case_under_a_live_review_naming_the_application(
    demo_hub_env: Path,
) -> None:
    app = make_app(demo_hub_env)
    with app.extensions["hub.sessions"]() as session:
        application, case, manager = asked_case(session)
        said = (
            f"the case is under the case review of Community Trigger application "
            f"{application.reference}: it can be erased once the review closes"
        )
        reference, email = case.reference, manager.email
    app.extensions["hub.engine"].dispose()
    refused = hub_command("erase", "case", reference, "--by", email, "--yes")
    assert refused.exit_code == 1
    assert said in refused.output


def test_a_case_two_reviews_hold_names_both_when_refused(hub, session) -> None:
    """Two live reviews asked about the same case (the same victim applying twice): the
    refusal names both applications, where it named whichever reference sorted first."""
    first, second = _met(session), _met(session)
    for application in (first, second):
        assert review.ask_holders(session, _lead(session), PROCEDURE, application.id)
    session.commit()
    asked_by = {
        application.id: set(
            session.scalars(
                select(TriggerCaseRequest.case_id).where(
                    TriggerCaseRequest.application_id == application.id
                )
            )
        )
        for application in (first, second)
    }
    case = session.scalars(
        select(Case)
        .where(Case.id.in_(asked_by[first.id] & asked_by[second.id]), Case.locked.is_(False))
        .order_by(Case.id)
    ).first()
    assert case is not None
    manager_user = demo_user(session, case.agency.code, Role.MANAGER)
    close_for_erasure(session, Actor.of(manager_user), case.id)
    session.commit()
    manager = demo_client(hub, manager_user)
    path = f"/cases/{case.id}/erase"
    sent = manager.post(
        path, data={"reference": case.reference, "csrf_token": csrf_token(manager, path)}
    )
    assert sent.status_code == 403
    page = sent.get_data(as_text=True)
    assert first.reference in page
    assert second.reference in page
    refusal = _last(session, "case.erase")
    assert f"trigger application {first.id}" in refusal.basis
    assert f"trigger application {second.id}" in refusal.basis


def test_the_applicant_withdrawing_the_appeal_releases_the_case_as_its_decision_would(
    hub, session
) -> None:
    """An appeal withdrawn ends without a decision: the case its review named is no
    longer evidence for it, so its agency may erase it, as once an appeal is decided."""
    application, case, manager_user = asked_case(session)
    lead = _lead(session)
    sitting = _panel(session, days=2)
    review.convene(session, lead, PROCEDURE, application.id, sitting.id)
    session.commit()
    with clock.pinned(sitting.starts_at + timedelta(hours=2)):
        today = clock.today()
        manager = demo_client(hub, manager_user)
        review_outcome.record_outcome(
            session, lead, PROCEDURE, application.id, "They never met.", "Monthly meetings."
        )
        review_outcome.record_appeal(
            session, lead, PROCEDURE, application.id, today, "Nothing has changed"
        )
        session.commit()
        held = manager.get(f"/cases/{case.id}").get_data(as_text=True)
        assert (
            f"{application.reference}: it can be erased once the appeal is decided or the "
            "applicant withdraws it."
        ) in held

        review_outcome.withdraw_appeal(session, lead, PROCEDURE, application.id, today)
        session.commit()

        page = manager.get(f"/cases/{case.id}").get_data(as_text=True)
        assert "under the appeal" not in page
        assert "Erase this case" in page
        assert erasure.reviews_holding(session, case.id) == []
        path = f"/cases/{case.id}/erase"
        assert "under the appeal" not in manager.get(path).get_data(as_text=True)
        done = manager.post(
            path, data={"reference": case.reference, "csrf_token": csrf_token(manager, path)}
        )
    assert done.status_code == 302
    session.expire_all()
    assert session.get_one(Case, case.id).erased_at is not None
