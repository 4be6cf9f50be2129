"""Two people change the same record, each from a form opened before the other saved
(demo partnership). The second save is refused: the page says someone changed it after it
was opened (who, and when, in England's time), shows what is saved now beside what the form
holds, and keeps what was typed;
nothing the first person saved is put back. Saving again, having seen it, goes through. A
form sent without its stamp (a page opened before forms had one) is saved as before."""

from __future__ import annotations

import html
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import closing
from sharing.crypto.sealing import unseal_many
from sharing.models import (
    Action,
    AuditEntry,
    Case,
    ConferenceDecision,
    MeetingSeries,
    MinuteItem,
    Person,
    User,
)
from sharing.vocabulary import (
    ActionKind,
    ActionStatus,
    Adjustment,
    CaseStatus,
    ClosureOutcome,
    ClosureReason,
    ContactMethod,
    Role,
)
from tests.fixtures.demo import demo_client, demo_user, open_cases
from tests.fixtures.forms import form_on
from tests.hub.test_conference_meeting import _chair, _held, _legal_action, _post
from tests.hub.test_conferences import _agency

CHANGED = "Someone changed this after you opened it"


def _open(client, url: str) -> dict:
    """The form at ``url`` as the browser would send it untouched."""
    page = client.get(url)
    assert page.status_code == 200
    return form_on(page.get_data(as_text=True), url)


def _refused_and_kept(response, *typed: str) -> str:
    """The refused save's page: the message, what is saved now, and what was typed kept."""
    assert response.status_code == 200, response.status_code
    page = html.unescape(response.get_data(as_text=True))
    assert CHANGED in page
    assert "Check their changes below, then save again" in page
    assert 'href="#changed-meanwhile"' in page
    for value in typed:
        assert value in page
    return page


def _saved_at(client, url: str, form: dict) -> datetime:
    """Save ``form`` with the clock held at a moment, and give that moment."""
    with clock.pinned(clock.now()) as moment:
        assert client.post(url, data=form).status_code == 302
    return moment


def _names(page: str, who: User, moment: datetime) -> None:
    """The refusal says who saved the change and when, as the hub writes a moment (in
    England's time)."""
    said = f"{CHANGED} (at {clock.moment_text(moment)}, by {who.display_name})."
    assert said in page, said


def _needs(session, person_id: int) -> dict:
    """The person's recorded adjustments and contact needs (None for none)."""
    return unseal_many(session.get(Person, person_id), ("adjustments", "contact_needs"))


def _person(session, person_id: int) -> dict:
    session.expire_all()
    return unseal_many(
        session.get(Person, person_id), ("phone", "address", "contact_needs", "family_name")
    )


def test_a_persons_details_changed_meanwhile_are_not_put_back(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "northshire-homes")[3]
    party = case.parties[0]
    officer = demo_client(demo_hub, case.officer)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    url = f"/cases/{case.id}/people/{party.id}/change"
    first, second = _open(officer, url), _open(manager, url)
    assert len(first["opened"]) == 32  # a stamp, not the values
    first.update({"person-phone": "07700 900111", "person-no_home_visits": "y"})
    saved_at = _saved_at(officer, url, first)

    second["person-address"] = "99 New Road"
    page = _refused_and_kept(manager.post(url, data=second), "99 New Road")
    _names(page, case.officer, saved_at)
    saved = _person(demo_session, party.person_id)
    assert saved["phone"] in page  # the phone saved now, beside the old one on the form
    assert saved["phone"] not in second.values()
    assert '"no_home_visits": true' in saved["contact_needs"]
    assert saved["address"] != "99 New Road"

    # The manager has seen the change; the page's form, with the phone now, saves.
    again = form_on(page, url)
    assert again["person-address"] == "99 New Road"
    again["person-phone"] = saved["phone"]
    again["person-no_home_visits"] = "y"
    assert manager.post(url, data=again).status_code == 302
    saved = _person(demo_session, party.person_id)
    assert saved["address"] == "99 New Road"
    assert saved["phone"].replace(" ", "") == "07700900111"
    assert '"no_home_visits": true' in saved["contact_needs"]


def test_a_colleagues_save_that_changed_nothing_does_not_refuse_the_other_form(
    demo_hub, demo_session
) -> None:
    case = open_cases(demo_session, "northshire-homes")[5]
    party = case.parties[0]
    officer = demo_client(demo_hub, case.officer)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    url = f"/cases/{case.id}/people/{party.id}/change"
    first, second = _open(officer, url), _open(manager, url)
    assert officer.post(url, data=first).status_code == 302  # saved as it was

    second["person-address"] = "7 Quiet Lane"
    assert manager.post(url, data=second).status_code == 302
    assert _person(demo_session, party.person_id)["address"] == "7 Quiet Lane"


def _changes_recorded(session) -> int:
    session.expire_all()
    return len(
        session.scalars(
            select(AuditEntry).where(
                AuditEntry.action == "case.record", AuditEntry.basis.like("% changed%")
            )
        ).all()
    )


def test_a_person_or_an_action_saved_as_it_was_is_nothing_changed(demo_hub, demo_session) -> None:
    case, action = next(
        (c, a)
        for c in open_cases(demo_session, "northshire-homes")
        for a in c.actions
        if a.status is ActionStatus.OPEN and c.parties
    )
    party = case.parties[0]
    officer = demo_client(demo_hub, case.officer)
    before = _changes_recorded(demo_session)
    for url in (
        f"/cases/{case.id}/people/{party.id}/change",
        f"/cases/{case.id}/actions/{action.id}",
    ):
        saved = officer.post(url, data=_open(officer, url), follow_redirects=True)
        assert "Nothing changed" in saved.get_data(as_text=True), url
    assert _changes_recorded(demo_session) == before

    url = f"/cases/{case.id}/people/{party.id}/change"
    changed = officer.post(
        url, data={**_open(officer, url), "person-address": "3 Other Street"}, follow_redirects=True
    )
    assert "Their details are changed" in changed.get_data(as_text=True)
    url = f"/cases/{case.id}/actions/{action.id}"
    changed = officer.post(
        url,
        data={**_open(officer, url), "description": "Visit again with the police"},
        follow_redirects=True,
    )
    assert "Action changed" in changed.get_data(as_text=True)
    assert _changes_recorded(demo_session) == before + 2


def test_a_multi_line_address_saved_from_a_browser_as_it_was_is_nothing_changed(
    demo_hub, demo_session
) -> None:
    case = open_cases(demo_session, "northshire-homes")[7]
    party = case.parties[0]
    officer = demo_client(demo_hub, case.officer)
    url = f"/cases/{case.id}/people/{party.id}/change"
    officer.post(url, data={**_open(officer, url), "person-address": "Flat 2\n14 Mill Lane"})
    # A browser sends a text box's line breaks as CR LF.
    sent = {key: value.replace("\n", "\r\n") for key, value in _open(officer, url).items()}
    saved = officer.post(url, data=sent, follow_redirects=True)
    assert "Nothing changed" in saved.get_data(as_text=True)
    assert _person(demo_session, party.person_id)["address"] == "Flat 2\n14 Mill Lane"


def test_a_person_form_sent_without_a_stamp_is_saved_as_before(demo_hub, demo_session) -> None:
    case = open_cases(demo_session, "northshire-homes")[4]
    party = case.parties[0]
    officer = demo_client(demo_hub, case.officer)
    url = f"/cases/{case.id}/people/{party.id}/change"
    old_page = _open(officer, url)
    del old_page["opened"]
    _open(officer, url)
    officer.post(url, data={**_open(officer, url), "person-phone": "07700 900222"})
    old_page["person-address"] = "1 Old Page Road"
    assert officer.post(url, data=old_page).status_code == 302
    assert _person(demo_session, party.person_id)["address"] == "1 Old Page Road"


def test_a_priority_raised_meanwhile_is_not_lowered_by_an_older_triage_form(
    demo_hub, demo_session
) -> None:
    case = next(
        c for c in open_cases(demo_session, "northshire-homes") if c.priority.value == "amber"
    )
    officer = demo_client(demo_hub, case.officer)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    url = f"/cases/{case.id}/triage"
    first, second = _open(officer, url), _open(manager, url)
    first.update({"priority": "red_high", "reason": "Threats to kill reported tonight"})
    assert officer.post(url, data=first).status_code == 302

    second.update({"triage": "serious", "reason": "More serious than first assessed"})
    page = _refused_and_kept(manager.post(url, data=second), "More serious than first assessed")
    assert f"by {case.officer.display_name}" in page
    assert "Red: high risk" in page
    demo_session.expire_all()
    case = demo_session.get(Case, case.id)
    assert case.priority.value == "red_high"
    assert case.triage.value != "serious"

    again = form_on(page, url)
    assert (again["priority"], again["triage"]) == ("amber", "serious")  # as typed
    again["priority"] = "red_high"
    assert manager.post(url, data=again).status_code == 302
    demo_session.expire_all()
    case = demo_session.get(Case, case.id)
    assert (case.priority.value, case.triage.value) == ("red_high", "serious")

    stale = _open(officer, url)
    del stale["opened"]
    stale.update({"triage": "low_level", "reason": "Page opened before the update"})
    assert officer.post(url, data=stale).status_code == 302


def test_an_action_changed_meanwhile_is_not_put_back(demo_hub, demo_session) -> None:
    action, case = next(
        (a, c)
        for c in open_cases(demo_session, "northshire-homes")
        for a in c.actions
        if a.status is ActionStatus.OPEN and a.conference_id is None
    )
    officer = demo_client(demo_hub, case.officer)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    url = f"/cases/{case.id}/actions/{action.id}"
    first, second = _open(officer, url), _open(manager, url)
    first["description"] = "Warning letter to be hand delivered by Friday"
    saved_at = _saved_at(officer, url, first)

    second["owner_user"] = ""
    second["kind"] = (
        "perpetrator_visit" if second["kind"] != "perpetrator_visit" else "warning_letter"
    )
    page = _refused_and_kept(manager.post(url, data=second))
    _names(page, case.officer, saved_at)
    assert "Warning letter to be hand delivered by Friday" in page
    assert _description(demo_session, action.id) == "Warning letter to be hand delivered by Friday"

    again = form_on(page, url)
    assert (again["owner_user"], again["kind"]) == ("", second["kind"])
    again["description"] = "Warning letter to be hand delivered by Friday"
    assert manager.post(url, data=again).status_code == 302
    demo_session.expire_all()
    saved = demo_session.get(Action, action.id)
    assert (saved.owner_user_id, saved.kind.value) == (None, second["kind"])
    assert _description(demo_session, action.id) == "Warning letter to be hand delivered by Friday"

    stale = _open(officer, url)
    del stale["opened"]
    stale["description"] = "Sent from a page opened before the update"
    assert officer.post(url, data=stale).status_code == 302
    assert _description(demo_session, action.id) == "Sent from a page opened before the update"


def _description(session, action_id: int) -> str | None:
    session.expire_all()
    return unseal_many(session.get(Action, action_id), ("description",))["description"]


def test_a_member_removed_meanwhile_is_not_added_back_to_a_meeting(demo_hub, demo_session) -> None:
    group = demo_session.scalar(
        select(MeetingSeries).where(MeetingSeries.name == "Northshire ASB problem-solving group")
    )
    organiser = demo_user(demo_session, "northshire-csp", Role.MANAGER)
    manager = demo_client(demo_hub, organiser)
    chair = demo_client(demo_hub, demo_user(demo_session, "northshire-csp", Role.CONFERENCE_CHAIR))
    url = f"/meetings/{group.id}/change"
    first, second = _open(manager, url), _open(chair, url)
    members = first["members"]
    assert isinstance(members, list)
    removed = next(m for m in members if m != first["chair"])
    first["members"] = [m for m in members if m != removed]
    first["name"] = "Northshire ASB problem-solving group (east)"
    saved_at = _saved_at(manager, url, first)

    second["place"] = "Council offices, room 4"
    page = _refused_and_kept(chair.post(url, data=second), "Council offices, room 4")
    _names(page, organiser, saved_at)
    assert "Northshire ASB problem-solving group (east)" in page
    demo_session.expire_all()
    group = demo_session.get(MeetingSeries, group.id)
    assert int(removed) not in {m.user_id for m in group.members}
    assert group.name == "Northshire ASB problem-solving group (east)"

    again = form_on(page, url)
    assert again["place"] == "Council offices, room 4"
    again["name"], again["members"] = first["name"], first["members"]
    assert chair.post(url, data=again).status_code == 302
    demo_session.expire_all()
    group = demo_session.get(MeetingSeries, group.id)
    assert (group.name, group.place) == (first["name"], "Council offices, room 4")
    assert int(removed) not in {m.user_id for m in group.members}

    stale = _open(manager, url)
    del stale["opened"]
    stale["video_link"] = "https://meet.example/asb-east"
    assert manager.post(url, data=stale).status_code == 302
    demo_session.expire_all()
    assert demo_session.get(MeetingSeries, group.id).video_link == "https://meet.example/asb-east"


def test_a_dissent_recorded_meanwhile_is_not_wiped_by_an_older_decision_form(
    demo_hub, demo_session
) -> None:
    conference, officer = _held(demo_hub, demo_session)
    chair = _chair(demo_hub, demo_session, conference)
    base = f"/conferences/{conference.id}"
    assert _post(officer, f"{base}/decisions/new", **_legal_action(demo_session)).status_code == 302
    demo_session.expire_all()
    decision = demo_session.scalar(
        select(ConferenceDecision).where(ConferenceDecision.conference_id == conference.id)
    )
    url = f"{base}/decisions/{decision.id}"
    first, second = _open(chair, url), _open(officer, url)
    police = str(_agency(demo_session, "northshire-police").id)
    first.update({"dissenting_agency": police, "dissent": "Police prefer a CPN first"})
    assert chair.post(url, data=first).status_code == 302

    second["evidence"] = f"{second['evidence']}. Noise recordings from EH"
    page = _refused_and_kept(officer.post(url, data=second), "Noise recordings from EH")
    assert "Police prefer a CPN first" in page
    assert f"by {demo_session.get(User, conference.chair_id).display_name}" in page
    assert _decision(demo_session, decision.id)["dissent"] == "Police prefer a CPN first"

    again = form_on(page, url)
    again.update({"dissenting_agency": police, "dissent": "Police prefer a CPN first"})
    assert officer.post(url, data=again).status_code == 302
    saved = _decision(demo_session, decision.id)
    assert saved["dissent"] == "Police prefer a CPN first"
    assert saved["evidence"].endswith("Noise recordings from EH")

    stale = _open(chair, url)
    del stale["opened"]
    stale["decision"] = "Apply for a civil injunction; review in three months"
    assert chair.post(url, data=stale).status_code == 302
    assert _decision(demo_session, decision.id)["decision"] == stale["decision"]


def test_a_minute_amended_meanwhile_keeps_the_first_writers_text(demo_hub, demo_session) -> None:
    conference, officer = _held(demo_hub, demo_session)
    chair = _chair(demo_hub, demo_session, conference)
    base = f"/conferences/{conference.id}"
    agreed = "Agreed: warning letter. Police to patrol Fridays."
    assert (
        _post(officer, f"{base}/minutes/new", heading="Noise", discussion=agreed).status_code == 302
    )
    demo_session.expire_all()
    item = demo_session.scalar(select(MinuteItem).where(MinuteItem.conference_id == conference.id))
    url = f"{base}/minutes/{item.id}"
    first, second = _open(chair, url), _open(officer, url)
    first["discussion"] = f"{agreed} EH to fit noise monitoring by 12 December."
    assert chair.post(url, data=first).status_code == 302

    second["heading"] = "Noise and threats at the flats"
    page = _refused_and_kept(officer.post(url, data=second), "Noise and threats at the flats")
    assert "EH to fit noise monitoring by 12 December." in page
    assert _minute(demo_session, item.id)["discussion"] == first["discussion"]

    again = form_on(page, url)
    again["discussion"] = first["discussion"]
    assert officer.post(url, data=again).status_code == 302
    assert _minute(demo_session, item.id) == {
        "heading": "Noise and threats at the flats",
        "discussion": first["discussion"],
    }

    stale = _open(chair, url)
    del stale["opened"]
    stale["heading"] = "Noise"
    assert chair.post(url, data=stale).status_code == 302
    assert _minute(demo_session, item.id)["heading"] == "Noise"


def _decision(session, decision_id: int) -> dict:
    session.expire_all()
    return unseal_many(
        session.get(ConferenceDecision, decision_id), ("decision", "evidence", "dissent")
    )


def _minute(session, item_id: int) -> dict:
    session.expire_all()
    return unseal_many(session.get(MinuteItem, item_id), ("heading", "discussion"))


def test_an_incident_written_on_a_case_closed_meanwhile_is_given_back_to_copy(
    demo_hub, demo_session
) -> None:
    """An officer writes up an incident while a colleague closes the case: the hub
    refuses to add it to a closed case, says why, and gives back what the officer wrote
    (escaped), so the statement is not lost; nothing is saved."""
    case = demo_session.scalar(
        select(Case)
        .where(
            Case.agency.has(code="larkmoor-ha"),
            Case.status == CaseStatus.ACTIVE,
            Case.locked.is_(False),
        )
        .order_by(Case.id)
    )
    officer = demo_client(demo_hub, case.officer)
    path = f"/cases/{case.id}/incidents/new"
    form = _open(officer, path)
    closing.close_case(
        demo_session,
        authorise(demo_session, Actor.of(case.officer), case.id, Act.CLOSE),
        ClosureReason.NOT_ENGAGING,
        outcome=ClosureOutcome.NOT_RESOLVED,
    )
    demo_session.commit()
    incidents = len(case.incidents)
    written = "Shouting on the landing at 11pm & a door kicked <b>twice</b>"
    yesterday = clock.today() - timedelta(days=1)
    refused = officer.post(
        path,
        data={
            **form,
            "description": written,
            "occurred_at-day": str(yesterday.day),
            "occurred_at-month": str(yesterday.month),
            "occurred_at-year": str(yesterday.year),
            "occurred_at-hour": "23",
            "occurred_at-minute": "00",
        },
    )
    page = refused.get_data(as_text=True)
    assert refused.status_code == 403
    assert "the case is closed" in page
    assert "Nothing was saved. This is what you wrote, so you can copy it:" in page
    assert html.escape(written, quote=False) in page
    assert "<b>twice</b>" not in page
    demo_session.expire_all()
    assert len(case.incidents) == incidents


def _amendments(session, conference_id: int) -> list[str]:
    session.expire_all()
    return list(
        session.scalars(
            select(AuditEntry.basis).where(
                AuditEntry.action == "minutes.record",
                AuditEntry.object_type == "conference",
                AuditEntry.object_id == str(conference_id),
            )
        )
    )


def test_a_minute_or_decision_saved_as_it_was_changes_nothing_and_refuses_no_colleague(
    demo_hub, demo_session
) -> None:
    """The chair saves the minute and the decision untouched while the officer has them
    open: nothing is written (the officer stays their last writer), the chair is told
    nothing changed, and the officer's real change then goes through."""
    conference, officer = _held(demo_hub, demo_session)
    chair = _chair(demo_hub, demo_session, conference)
    base = f"/conferences/{conference.id}"
    minute = _post(officer, f"{base}/minutes/new", heading="Noise", discussion="Agreed.")
    assert minute.status_code == 302
    assert _post(officer, f"{base}/decisions/new", **_legal_action(demo_session)).status_code == 302
    demo_session.expire_all()
    item = demo_session.scalar(select(MinuteItem).where(MinuteItem.conference_id == conference.id))
    decision = demo_session.scalar(
        select(ConferenceDecision).where(ConferenceDecision.conference_id == conference.id)
    )
    for url, field, change in (
        (f"{base}/minutes/{item.id}", "heading", "Noise and threats at the flats"),
        (f"{base}/decisions/{decision.id}", "evidence", "Diary sheets and noise recordings"),
    ):
        first, second = _open(chair, url), _open(officer, url)
        recorded = _amendments(demo_session, conference.id)
        saved = chair.post(url, data=first, follow_redirects=True)
        assert "Nothing changed" in saved.get_data(as_text=True), url
        assert _amendments(demo_session, conference.id) == recorded

        second[field] = change
        assert officer.post(url, data=second).status_code == 302, url
        assert len(_amendments(demo_session, conference.id)) == len(recorded) + 1
    assert _minute(demo_session, item.id)["heading"] == "Noise and threats at the flats"
    assert _decision(demo_session, decision.id)["evidence"] == "Diary sheets and noise recordings"
    for part in (item, decision):
        assert demo_session.get(type(part), part.id).written_by_id != conference.chair_id


def _differences(page: str) -> dict[str, tuple[str, str]]:
    """The "Changed since you opened this page" table: question → (saved now, on your form)."""
    table = page.split('id="changed-meanwhile"')[1].split("</table>")[0]
    cells = [
        re.sub(r"[ \t]+", " ", cell).strip()
        for cell in re.findall(r"<t[dh][^>]*>(.*?)</t[dh]>", table, re.S)
    ][3:]
    return {cells[i]: (cells[i + 1], cells[i + 2]) for i in range(0, len(cells), 3)}


def test_the_changed_meanwhile_table_names_the_choices_as_the_form_shows_them(
    demo_hub, demo_session
) -> None:
    """A colleague gave the action to the police and named nobody; the person's
    adjustments and contact method changed: the table names the agencies, the person and
    the options as the form words them (several one to a line, in the form's order), never
    their codes or database ids."""
    action, case = next(
        (a, c)
        for c in open_cases(demo_session, "northshire-homes")
        for a in c.actions
        if a.status is ActionStatus.OPEN
        and a.conference_id is None
        and a.owner_user_id
        and a.owner_agency_id == c.agency_id  # the case's own, not already the police's
    )
    officer = demo_client(demo_hub, case.officer)
    manager = demo_client(demo_hub, demo_user(demo_session, "northshire-homes", Role.MANAGER))
    url = f"/cases/{case.id}/actions/{action.id}"
    first, second = _open(officer, url), _open(manager, url)
    police = _agency(demo_session, "northshire-police")
    named = demo_session.get(User, action.owner_user_id)
    kind = ActionKind(second["kind"])
    other = next(k for k in ActionKind if k is not kind)
    first.update({"owner_agency": str(police.id), "owner_user": "", "kind": other.value})
    assert officer.post(url, data=first).status_code == 302

    second["description"] = "Visit with the police"
    rows = _differences(_refused_and_kept(manager.post(url, data=second)))
    assert rows["Agency responsible"] == (police.name, case.agency.name)
    assert rows["Named person (optional)"] == (
        "(empty)",
        f"{named.display_name}, {named.agency.name}",
    )
    assert rows["Action or intervention"] == (other.label, kind.label)

    # A person with no needs recorded yet (as most of the demo's are; the day's demo may
    # already give some the very adjustments or contact method set below).
    case, party = next(
        (c, c.parties[0])
        for c in open_cases(demo_session, "northshire-homes")[6:]
        if c.parties and not any(_needs(demo_session, c.parties[0].person_id).values())
    )
    officer = demo_client(demo_hub, case.officer)
    url = f"/cases/{case.id}/people/{party.id}/change"
    first, second = _open(officer, url), _open(manager, url)
    first.update(
        {
            "person-adjustments": [Adjustment.INTERPRETER.value, Adjustment.LARGE_PRINT.value],
            "person-language": "Polish",
            "person-contact_by": ContactMethod.PHONE.value,
        }
    )
    assert officer.post(url, data=first).status_code == 302

    second["person-given_names"] = "Jo"
    rows = _differences(_refused_and_kept(manager.post(url, data=second)))
    assert rows["Reasonable adjustments they need"][0] == (
        f"{Adjustment.LARGE_PRINT.label}\n{Adjustment.INTERPRETER.label}"
    )
    assert rows["How they prefer to be contacted"][0] == ContactMethod.PHONE.label
