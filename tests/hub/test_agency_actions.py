"""Actions for my agency (demo partnership): the police see the actions landlords gave
them, read what an action says only where a share gives them the case's actions, mark
one done, and the landlord's case shows it; nobody else can close it."""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta

from pypdf import PdfReader
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import authorise, decision_on
from sharing.access.decide import Act, Actor
from sharing.audit import listings
from sharing.cases import actions
from sharing.crypto.sealing import unseal
from sharing.models import Action, Agency, AuditEntry, Case, Document, Share, User
from sharing.vocabulary import ActionKind, ActionStatus, AgencyType, CaseStatus, Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, lock_demo_case, shared_with_agency
from tests.fixtures.forms import form_on
from tests.fixtures.statements import entries_of_pages, statements_of_get, walk_pages


def _police_actions(session: Session) -> list[Action]:
    return list(
        session.scalars(
            select(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.owner_agency.has(code="northshire-police"),
                Action.status == ActionStatus.OPEN,
                Case.agency.has(type=AgencyType.LANDLORD),
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(Action.id)
        )
    )


def _give_the_police_an_action(session: Session, *, shared: bool) -> Action:
    """A landlord officer gives the police an action on an open case of theirs, shared
    with the police or not."""
    live = select(Share.case_id).where(
        Share.agency.has(code="northshire-police"),
        Share.revoked_at.is_(None),
        Share.until >= clock.today(),
    )
    case = session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
            Case.id.in_(live) if shared else Case.id.not_in(live),
        )
        .order_by(Case.id)
    )
    officer = Actor.of(session.get(User, case.officer_id))
    police = session.scalar(select(Agency).where(Agency.code == "northshire-police"))
    action = actions.add_action(
        session,
        authorise(session, officer, case.id, Act.RECORD),
        actions.ActionInput(
            kind=ActionKind.PERPETRATOR_VISIT,
            description=f"Joint visit to the household about the noise ({'shared' if shared else 'not shared'})",
            owner_agency_id=police.id,
            due_on=clock.today() + timedelta(days=7),
        ),
    )
    session.commit()
    return action


def test_the_police_see_the_actions_landlords_gave_them(demo_hub, demo_session) -> None:
    given = [_give_the_police_an_action(demo_session, shared=s) for s in (True, False)]
    actions = _police_actions(demo_session)
    assert set(given) <= set(actions)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    page = "".join(walk_pages(police, "/actions"))  # every page of the list
    for action in actions:
        assert f"/actions/{action.id}/done" in page
    unshared = [
        a for a in actions if not shared_with_agency(demo_session, a.case, "northshire-police")
    ]
    shared = [a for a in actions if shared_with_agency(demo_session, a.case, "northshire-police")]
    for action in unshared:
        assert action.case.reference not in page
    assert unshared, "an action on a case not shared with the police"
    assert shared, "an action on a case shared with them"
    assert "What it says is not shared with your agency" in page
    assert shared[0].case.reference in page
    assert 'Why you can see this: <a class="govuk-link" href="/protocols/' in page
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "actions.list")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.basis.startswith("actions ")


def test_the_police_mark_an_action_done_and_the_landlords_case_shows_it(
    demo_hub, demo_session
) -> None:
    action = _give_the_police_an_action(demo_session, shared=True)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    path = f"/actions/{action.id}/done"
    token = csrf_token(police, path)
    empty = police.post(path, data={"csrf_token": token, "note": "  "})
    assert empty.status_code == 400
    assert "Say what was done" in empty.get_data(as_text=True)
    done = police.post(
        path, data={"csrf_token": token, "note": "Patrol visited on Friday evening; no disorder"}
    )
    assert done.status_code == 302
    assert f"/actions/{action.id}/done" not in "".join(walk_pages(police, "/actions"))
    demo_session.expire_all()
    closed = demo_session.get(Action, action.id)
    assert closed.status is ActionStatus.DONE
    assert closed.completed_on == clock.today()
    landlord = demo_client(demo_hub, demo_session.get(User, action.case.officer_id))
    case_page = landlord.get(f"/cases/{action.case_id}").get_data(as_text=True)
    assert "Patrol visited on Friday evening; no disorder" in case_page
    again = police.post(path, data={"csrf_token": token, "note": "Twice"})
    assert again.status_code == 400
    assert "This action is already done" in again.get_data(as_text=True)


def test_a_refused_close_is_recorded_naming_the_action_and_field(demo_hub, demo_session) -> None:
    """Marking an action done without a note, with one too long, or once it is done is
    refused at the note and recorded (``action.close``, refused), as every refusal is;
    before, the officer was told and the log kept nothing."""
    action = _give_the_police_an_action(demo_session, shared=True)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    path = f"/actions/{action.id}/done"
    token = csrf_token(police, path)

    def refusals_of(response) -> list[tuple[str, str | None]]:
        assert response.status_code == 400
        demo_session.expire_all()
        return [
            (e.object_id, e.basis)
            for e in demo_session.scalars(
                select(AuditEntry).where(AuditEntry.request_id == response.headers["X-Request-Id"])
            )
            if e.action == "action.close" and e.outcome == "refused"
        ]

    case = str(action.case_id)
    empty = police.post(path, data={"csrf_token": token, "note": "  "})
    assert refusals_of(empty) == [(case, f"refused input: action {action.id} note")]
    long = police.post(path, data={"csrf_token": token, "note": "x" * 2001})
    assert refusals_of(long) == [(case, f"refused input: action {action.id} note")]
    done = police.post(path, data={"csrf_token": token, "note": "Patrol visited on Friday"})
    assert done.status_code == 302
    again = police.post(path, data={"csrf_token": token, "note": "Twice"})
    assert "This action is already done" in again.get_data(as_text=True)
    assert refusals_of(again) == [(case, f"refused: action {action.id} already done")]
    # The police's DPO reads the refused note in words, the action named after the field.
    dpo = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    log = html.unescape(dpo.get("/audit?action=action.close").get_data(as_text=True))
    assert f"Refused for what was typed in note (action {action.id})" in log
    assert f"action {action.id} note" not in log
    assert f"Refused: action {action.id} already done" in log


def test_no_one_else_can_close_an_agencys_action(demo_hub, demo_session) -> None:
    action = _give_the_police_an_action(demo_session, shared=True)
    eh = demo_client(demo_hub, demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER))
    for path in (
        f"/actions/{action.id}/done",
        f"/actions/{action.id}/cancel",
        "/actions/2147483647/done",
    ):
        assert eh.get(path).status_code == 404, path
    viewer = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.DPO))
    assert viewer.get("/actions").status_code == 403


def test_the_case_officer_cancels_an_action_on_their_own_case_with_a_reason(
    demo_hub, demo_session
) -> None:
    action = _give_the_police_an_action(demo_session, shared=False)
    officer = demo_client(demo_hub, demo_session.get(User, action.case.officer_id))
    path = f"/actions/{action.id}/cancel"
    response = officer.post(
        path, data={"csrf_token": csrf_token(officer, path), "note": "The police did it already"}
    )
    assert response.status_code == 302
    assert response.location.endswith(f"/cases/{action.case_id}#actions")
    demo_session.expire_all()
    assert demo_session.get(Action, action.id).status is ActionStatus.CANCELLED


def _day(field: str, day) -> dict[str, str]:
    return {
        f"{field}-day": str(day.day),
        f"{field}-month": str(day.month),
        f"{field}-year": str(day.year),
    }


def test_an_officer_records_the_day_an_action_was_done_when_it_was_not_today(
    demo_hub, demo_session
) -> None:
    """A visit made on Friday and recorded on Monday is done on Friday: the case page says
    so, and the figures count it on time by that day, where it was counted done the day
    it was recorded (late, if its due date fell between)."""
    action = _give_the_police_an_action(demo_session, shared=False)
    officer = demo_client(demo_hub, demo_session.get(User, action.case.officer_id))
    path = f"/actions/{action.id}/done"
    form = officer.get(path).get_data(as_text=True)
    assert "When was it done? (if not today)" in form
    # The case's officer came from the case, and goes back to it; the police, from Actions.
    assert f'href="/cases/{action.case_id}#actions">Back to the case</a>' in form
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert 'href="/actions">Back to actions</a>' in police.get(path).get_data(as_text=True)
    friday = clock.today() - timedelta(days=3)
    response = officer.post(
        path,
        data={"csrf_token": csrf_token(officer, path), "note": "Visited with PCSO Reid"}
        | _day("done_on", friday),
    )
    assert response.status_code == 302
    demo_session.expire_all()
    done = demo_session.get(Action, action.id)
    assert done.status is ActionStatus.DONE
    assert done.completed_on == friday
    page = officer.get(f"/cases/{action.case_id}").get_data(as_text=True)
    assert f"Done, {friday.day} {friday:%B %Y}" in page
    entry = demo_session.scalars(
        select(AuditEntry).where(
            AuditEntry.request_id == response.headers["X-Request-Id"],
            AuditEntry.action == "action.close",
        )
    ).one()
    assert entry.basis.startswith(f"action {action.id} done on {friday.isoformat()};")


def test_a_day_done_to_come_or_before_the_case_opened_is_refused_at_its_field(
    demo_hub, demo_session
) -> None:
    action = _give_the_police_an_action(demo_session, shared=False)
    officer = demo_client(demo_hub, demo_session.get(User, action.case.officer_id))
    path = f"/actions/{action.id}/done"
    token = csrf_token(officer, path)
    opened = clock.day_of(action.case.opened_at)
    for day, message in (
        (clock.today() + timedelta(days=1), "The day it was done must be today or earlier"),
        (
            opened - timedelta(days=1),
            "The day it was done must be on or after the day the case was opened, "
            f"{opened.day} {opened:%B %Y}",
        ),
    ):
        response = officer.post(
            path, data={"csrf_token": token, "note": "Visited"} | _day("done_on", day)
        )
        assert response.status_code == 400
        page = html.unescape(response.get_data(as_text=True))
        assert f'<a href="#done_on-day">{message}</a>' in page
        refusals = [
            e.basis
            for e in demo_session.scalars(
                select(AuditEntry).where(
                    AuditEntry.request_id == response.headers["X-Request-Id"],
                    AuditEntry.outcome == "refused",
                )
            )
        ]
        assert refusals == [f"refused input: action {action.id} done_on"]
    bad = officer.post(
        path,
        data={"csrf_token": token, "note": "Visited", "done_on-day": "30", "done_on-month": "2"}
        | {"done_on-year": str(clock.today().year)},
    )
    assert bad.status_code == 400
    assert "The day it was done must be a real date" in html.unescape(bad.get_data(as_text=True))
    demo_session.expire_all()
    assert demo_session.get(Action, action.id).status is ActionStatus.OPEN
    cancel = officer.get(f"/actions/{action.id}/cancel").get_data(as_text=True)
    assert "When was it done" not in cancel


def test_actions_on_a_locked_case_are_listed_to_partners_without_the_case(
    demo_hub, demo_session
) -> None:
    """A partner keeps the action it was given as one on a case now restricted, never
    the case's reference (``test_locked_case_actions`` holds the rest)."""
    locked = lock_demo_case(demo_session)
    police_user = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    action = Action(
        case_id=locked.id,
        kind=ActionKind.PERPETRATOR_VISIT,
        owner_agency_id=police_user.agency_id,
        created_by_id=locked.officer_id,
    )
    demo_session.add(action)
    demo_session.commit()
    police = demo_client(demo_hub, police_user)
    listed = "".join(walk_pages(police, "/actions"))
    assert f"/actions/{action.id}/done" in listed
    assert "On a case now restricted" in listed
    assert locked.reference not in listed
    assert police.get(f"/actions/{action.id}/done").status_code == 200


def _change(client, case_id: int, action_id: int, **fields: object):
    path = f"/cases/{case_id}/actions/{action_id}"
    return client.post(path, data={"csrf_token": csrf_token(client, path), **fields})


def test_the_case_officer_changes_an_action_and_its_new_owner_sees_it(
    demo_hub, demo_session
) -> None:
    action = _give_the_police_an_action(demo_session, shared=True)
    case = action.case
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    form = officer.get(f"/cases/{case.id}/actions/{action.id}").get_data(as_text=True)
    assert "Change the action" in form
    due = clock.today() + timedelta(days=10)
    changed = _change(
        officer,
        case.id,
        action.id,
        kind="referral_police",
        description="Check the CCTV from the block's entrance for Friday night",
        owner_agency=str(pcso.agency_id),
        owner_user=str(pcso.id),
        **{"due_on-day": due.day, "due_on-month": due.month, "due_on-year": due.year},
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)
    demo_session.expire_all()
    assert (action.kind, action.owner_user_id, action.due_on) == (
        ActionKind.REFERRAL_POLICE,
        pcso.id,
        due,
    )
    assert "Check the CCTV" in officer.get(f"/cases/{case.id}").get_data(as_text=True)
    # Shown again, the form holds the due date in its boxes: saved unchanged, it keeps it.
    shown = officer.get(f"/cases/{case.id}/actions/{action.id}").get_data(as_text=True)
    boxes = {}
    for part in ("day", "month", "year"):
        found = re.search(rf'name="due_on-{part}"[^>]*value="(\d+)"', shown)
        assert found, f"the due date's {part} is not in its box"
        boxes[f"due_on-{part}"] = found[1]
    assert boxes == {
        "due_on-day": str(due.day),
        "due_on-month": str(due.month),
        "due_on-year": str(due.year),
    }
    unchanged = _change(
        officer,
        case.id,
        action.id,
        kind="referral_police",
        description="Check the CCTV from the block's entrance for Friday night",
        owner_agency=str(pcso.agency_id),
        owner_user=str(pcso.id),
        **boxes,
    )
    assert unchanged.status_code == 302
    demo_session.expire_all()
    assert action.due_on == due
    police = demo_client(demo_hub, pcso)
    assert "Check the CCTV" in "".join(walk_pages(police, "/actions"))
    entry = demo_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "case.record").order_by(AuditEntry.seq.desc())
    )
    assert entry.basis == f"action {action.id} changed"

    # A person of another agency, a past date, a partner: each refused, nothing changed.
    eh = demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    past = clock.today() - timedelta(days=3)
    for fields, message in (
        ({"owner_user": str(eh.id)}, "Select a person from the agency that owns the action"),
        (
            {"due_on-day": past.day, "due_on-month": past.month, "due_on-year": past.year},
            "The due date must be today or later",
        ),
    ):
        data = {
            "kind": "referral_police",
            "description": "Changed again",
            "owner_agency": str(pcso.agency_id),
            "owner_user": str(pcso.id),
            "due_on-day": due.day,
            "due_on-month": due.month,
            "due_on-year": due.year,
            **fields,
        }
        refused = _change(officer, case.id, action.id, **data)
        assert refused.status_code == 400
        assert message in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert action.due_on == due
    assert shared_with_agency(demo_session, case, "northshire-police")  # so told why
    assert police.get(f"/cases/{case.id}/actions/{action.id}").status_code == 403


def test_a_conference_action_stays_at_the_table_and_a_done_one_cannot_change(
    demo_hub, demo_session
) -> None:
    action = demo_session.scalar(
        select(Action)
        .where(Action.conference_id.is_not(None), Action.status == ActionStatus.OPEN)
        .order_by(Action.id)
    )
    case = action.case
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    eh = demo_session.scalar(select(Agency).where(Agency.code == "northshire-eh"))
    form = officer.get(f"/cases/{case.id}/actions/{action.id}").get_data(as_text=True)
    assert "Northshire Council Environmental Health" not in form  # not at the table
    refused = _change(
        officer,
        case.id,
        action.id,
        kind=action.kind.value,
        description="Given to environmental health",
        owner_agency=str(eh.id),
    )
    assert refused.status_code == 400
    demo_session.expire_all()
    assert action.owner_agency_id != eh.id

    done = demo_session.scalar(
        select(Action)
        .where(Action.conference_id.is_not(None), Action.status == ActionStatus.DONE)
        .order_by(Action.id)
    )
    page = officer.get(f"/cases/{done.case_id}/actions/{done.id}", follow_redirects=True).get_data(
        as_text=True
    )
    said = str(actions.closed_meanwhile(done))  # who closed it and when, as the demo kept it
    assert said.startswith("This action was marked done by ")
    assert f"{said}, so it can no longer be changed" in html.unescape(page)


def test_a_change_sent_after_a_partner_closed_the_action_is_refused_plainly(
    demo_hub, demo_session
) -> None:
    """The landlord's officer opens an action to change it; meanwhile the police, who own
    it, mark it done. The officer's save is refused with how, by whom (and their agency)
    and when, what they wrote is given back to copy, and nothing is saved; the refusal is
    in the audit log, naming no one. Opening the form again says the same, and goes to
    the case."""
    action = _give_the_police_an_action(demo_session, shared=True)
    case = action.case
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/actions/{action.id}"
    form = form_on(officer.get(path).get_data(as_text=True), path)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    police = demo_client(demo_hub, pcso)
    with clock.pinned(clock.now()) as moment:
        closed = police.post(
            f"/actions/{action.id}/done",
            data={
                "csrf_token": csrf_token(police, f"/actions/{action.id}/done"),
                "note": "Patrol visited on Friday evening",
            },
        )
    assert closed.status_code == 302
    written = "Joint visit moved to Thursday: the household asked for the afternoon"
    refused = officer.post(path, data={**form, "description": written})

    assert refused.status_code == 409
    page = html.unescape(refused.get_data(as_text=True))
    said = (
        f"This action was marked done by {pcso.display_name} of Northshire Police "
        f"on {clock.moment_text(moment)}, after you opened this form, so your changes were "
        "not saved."
    )
    assert said in page
    assert "Nothing was saved. This is what you wrote, so you can copy it:" in page
    assert written in page
    assert f'href="/cases/{case.id}#actions"' in page
    demo_session.expire_all()
    kept = demo_session.get(Action, action.id)
    assert kept.status is ActionStatus.DONE
    assert unseal(kept, "description") != written
    entry = demo_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "case.record", AuditEntry.outcome == "refused")
        .order_by(AuditEntry.seq.desc())
    )
    assert entry.basis == f"action {action.id} closed meanwhile: not changed"
    assert (entry.object_type, entry.object_id) == ("case", str(case.id))

    again = officer.get(path, follow_redirects=True).get_data(as_text=True)
    assert html.unescape(again).count(said.split(", after")[0] + ", so it can no longer") == 1


def test_the_officer_prints_the_complainants_action_plan_letter(demo_hub, demo_session) -> None:
    action = _give_the_police_an_action(demo_session, shared=True)
    case = action.case
    victim = next(p.person for p in case.parties if p.role.value in ("victim", "reporter"))
    name = " ".join(v for v in (unseal(victim, "given_names"), unseal(victim, "family_name")) if v)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/letter"
    form = officer.get(path).get_data(as_text=True)
    assert "Keep a diary of what happens" in form  # the procedure's usual asks, to edit
    data = {
        "csrf_token": csrf_token(officer, path),
        "person": str(victim.id),
        "actions": [str(action.id)],
        "asks": "Keep the diary sheets and ring us after each incident",
        "keeping_in_touch": "I will phone you every Tuesday afternoon",
    }
    letter = officer.post(path, data=data).get_data(as_text=True)
    assert name in letter
    assert "Joint visit to the household about the noise (shared)" in letter
    assert "I will phone you every Tuesday afternoon" in letter
    assert "Signed:" in letter
    entry = demo_session.scalar(
        select(AuditEntry).where(AuditEntry.action == "case.view").order_by(AuditEntry.seq.desc())
    )
    assert "complainant letter" in entry.basis
    assert f"actions {action.id}" in entry.basis
    assert name not in entry.basis

    # The PDF is kept with the case, and the officer lands on its page to download it
    # (the form left behind: Back shows it afresh, for a different letter).
    produced = officer.post(path, data={**data, "as": "pdf"})
    demo_session.expire_all()
    kept = demo_session.scalars(
        select(Document).where(Document.case_id == case.id).order_by(Document.id.desc())
    ).first()
    assert (kept.kind.value, kept.person_id) == ("letter_sent", victim.id)
    assert produced.status_code == 302
    assert produced.location == f"/cases/{case.id}/documents/{kept.id}"
    shown = officer.get(produced.location).get_data(as_text=True)
    assert "Action plan letter: produced and kept with the case." in shown
    assert f"/cases/{case.id}/documents/{kept.id}/file" in shown
    pdf = officer.get(f"/cases/{case.id}/documents/{kept.id}/file")
    assert pdf.mimetype == "application/pdf"
    text = " ".join(
        " ".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages).split()
    )
    assert name in text
    assert "I will phone you every Tuesday afternoon" in text
    assert f"E-mail: {case.officer.email}" in text  # how to reach the officer (001 §3)
    assert "01632 960" in text  # and their agency, from the letters file

    # Bad input: someone not on the case, nothing about keeping in touch; a partner.
    for fields, message in (
        ({"person": "999999"}, "Select who the letter is for"),
        ({"keeping_in_touch": "  "}, "Say how and how often you will keep in touch"),
    ):
        refused = officer.post(path, data={**data, **fields})
        assert refused.status_code == 400
        assert message.split(" from")[0] in refused.get_data(as_text=True)
    police = demo_client(demo_hub, demo_user(demo_session, "northshire-police", Role.CASE_OFFICER))
    assert shared_with_agency(demo_session, case, "northshire-police")  # so told why
    assert police.get(path).status_code == 403


def test_the_list_offers_mark_done_only_where_the_reader_may_close_the_action(
    demo_hub, demo_session
) -> None:
    # A case officer sees every open action their agency owns, but may close one on their
    # own agency's case only if they may record on that case.
    for officer in demo_session.scalars(select(User).order_by(User.id)):
        if [r.value for r in officer.roles] != ["case_officer"]:
            continue
        actor = Actor.of(officer)
        barred = [
            a
            for a in demo_session.scalars(
                select(Action).where(
                    Action.owner_agency_id == officer.agency_id,
                    Action.status == ActionStatus.OPEN,
                )
            )
            if a.case.agency_id == officer.agency_id
            and not a.case.locked
            and a.case.erased_at is None
            and not ((d := decision_on(demo_session, actor, a.case_id, Act.RECORD)) and d.allowed)
        ]
        if barred:
            break
    else:
        raise AssertionError("the demo has no action its agency's officer may not close")
    client = demo_client(demo_hub, officer)
    page = "".join(walk_pages(client, "/actions"))
    row = page[page.index(f'id="action-{barred[0].id}"') :]
    row = row[: row.index("</tr>")]
    assert f"/actions/{barred[0].id}/done" not in row
    assert "The case officer marks it done" in row
    assert client.get(f"/actions/{barred[0].id}/done").status_code == 404


def _open_actions_of(session: Session, agency_id: int) -> list[int]:
    """The open actions an agency owns that its list shows (to someone on no lock),
    soonest due first: on a partner's locked case too, as one on a case now restricted."""
    return list(
        session.scalars(
            select(Action.id)
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.owner_agency_id == agency_id,
                Action.status == ActionStatus.OPEN,
                or_(Case.locked.is_(False), Case.agency_id != agency_id),
                Case.erased_at.is_(None),
            )
            .order_by(Action.due_on.is_(None), Action.due_on, Action.id)
        )
    )


def _rows_of(page: str) -> list[tuple[int, int | None, bool]]:
    """Each row of a page of actions: the action, the case it links to (if any), and
    whether what the action says is shown."""
    rows = []
    for action_id, row in re.findall(
        r'<tr class="govuk-table__row" id="action-(\d+)">(.*?)</tr>', page, re.S
    ):
        case = re.search(r'href="/cases/(\d+)', row)
        rows.append((int(action_id), int(case[1]) if case else None, "Why you can see this" in row))
    return rows


def test_actions_come_25_a_page_soonest_due_first_and_each_page_records_what_it_showed(
    demo_hub, demo_session
) -> None:
    for shared in (True, False) * 15:
        _give_the_police_an_action(demo_session, shared=shared)
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    expected = _open_actions_of(demo_session, pcso.agency_id)
    assert len(expected) > 2 * 25

    pages = walk_pages(demo_client(demo_hub, pcso), "/actions")
    assert len(pages) == -(-len(expected) // 25)
    entries = entries_of_pages(demo_session, "actions.list", pcso.id, len(pages))
    seen: list[int] = []
    for number, (page, entry) in enumerate(zip(pages, entries, strict=True), start=1):
        rows = _rows_of(page)
        assert 0 < len(rows) <= 25
        assert f"(page {number} of {len(pages)})" in page
        assert 'class="govuk-pagination"' in page
        seen += [action_id for action_id, _, _ in rows]
        # The page's one entry names exactly the actions it listed and the cases whose
        # actions it showed what they say.
        assert listings.listed(entry.basis, "actions") == {a for a, _, _ in rows}
        assert listings.listed(entry.basis, "cases") == {case for _, case, shown in rows if shown}
    assert seen == expected  # every action once, in order, over the pages


def test_a_page_of_actions_costs_the_same_however_many_actions_the_agency_owns(
    demo_hub, demo_session
) -> None:
    pcso = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    client = demo_client(demo_hub, pcso)
    before = statements_of_get(demo_hub, client, "/actions")
    for shared in (True, False) * 20:
        _give_the_police_an_action(demo_session, shared=shared)
    assert statements_of_get(demo_hub, client, "/actions") == before
    assert statements_of_get(demo_hub, client, "/actions?page=2") <= before


def test_an_action_on_another_teams_case_says_so_not_that_it_is_a_partners(
    demo_hub, demo_session
) -> None:
    officer = demo_user(demo_session, "larkmoor-ha", Role.CASE_OFFICER)
    other_team = [
        a
        for a in demo_session.scalars(
            select(Action)
            .join(Case, Case.id == Action.case_id)
            .where(
                Action.owner_agency_id == officer.agency_id,
                Action.status == ActionStatus.OPEN,
                Case.agency_id == officer.agency_id,
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
        )
        if a.case.officer.team != officer.team
    ]
    assert other_team, "the demo gives another Larkmoor team's case an open action"
    page = html.unescape("".join(walk_pages(demo_client(demo_hub, officer), "/actions")))
    assert "What it says is on a case of another team in your agency" in page
    assert "What it says is not shared with your agency" not in page
    for action in other_team:
        assert action.case.reference not in page
