"""Forms that offer the people of the area (an action's owner, a conference's chair and
people expected, a partnership meeting's chair and members) and the DPO's log filter by
user: the people come by agency, sorted by name, and a form costs the same number of
database statements with many staff as with few (demo partnership, grown)."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from hub.cases.actions import NOT_AN_OWNER_AGENCY
from sharing import accounts
from sharing.cases import agency_actions
from sharing.meetings import conference_eligibility
from sharing.models import Action, Agency, AuditEntry, Case, Conference, User
from sharing.vocabulary import Role
from tests.fixtures.app import csrf_token
from tests.fixtures.demo import demo_client, demo_user, open_cases
from tests.fixtures.statements import statements_of_get
from tests.hub.test_conferences import _convened
from tests.hub.test_conferences import _form as convene_form

#: Roles given in turn to the staff a test adds, so every kind of person grows.
GROWN_ROLES = (
    {Role.CASE_OFFICER},
    {Role.MANAGER},
    {Role.CONFERENCE_CHAIR},
    {Role.PARTNER_VIEWER},
    {Role.ANALYST},
)


def _grow_staff(session: Session, per_agency: int, tag: str) -> None:
    """``per_agency`` more staff in each agency of the area, of every kind of role."""
    for agency in session.scalars(select(Agency).order_by(Agency.id)):
        for n in range(per_agency):
            accounts.create_user(
                session,
                agency=agency,
                email=f"grown-{tag}-{n}@{agency.code}.example",
                display_name=f"Grown {tag} {n} {agency.code}",
                roles=GROWN_ROLES[n % len(GROWN_ROLES)],
                password="a long enough password 1",  # noqa: S106 - a test account
            )
    session.commit()


def _case(session: Session) -> Case:
    return open_cases(session, "larkmoor-ha")[0]


def test_forms_offering_people_cost_the_same_statements_with_many_staff_as_with_few(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    organiser = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    pages = {
        f"/cases/{case.id}/actions/new": officer,
        f"/cases/{case.id}/conferences/new": officer,
        "/meetings/new": organiser,
        "/audit": dpo,
    }

    def cost() -> dict[str, int]:
        return {path: statements_of_get(demo_hub, client, path) for path, client in pages.items()}

    _grow_staff(demo_session, 2, "few")
    few = cost()
    _grow_staff(demo_session, 12, "many")
    assert cost() == few


def _optgroups(page: str, name: str) -> list[tuple[str, list[str]]]:
    """A select's groups of options, each as (its heading, the options' texts)."""
    found = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', page, re.S)
    assert found, f"no select {name}"
    return [
        (html.unescape(label), [html.unescape(t) for t in re.findall(r">([^<]+)</option>", body)])
        for label, body in re.findall(r'<optgroup label="([^"]*)">(.*?)</optgroup>', found[1], re.S)
    ]


def _fieldsets(page: str, name: str) -> list[tuple[str, list[str]]]:
    """The checkboxes ``name`` by the fieldset holding them, each as (its legend, the
    boxes' labels); boxes outside a fieldset of their own are left out."""
    groups = []
    for legend, body in re.findall(
        r"<legend[^>]*>\s*([^<]+?)\s*</legend>((?:(?!<legend).)*?)</fieldset>", page, re.S
    ):
        labels = re.findall(
            rf'name="{name}" type="checkbox"[^>]*>\s*<label[^>]*>\s*([^<]+?)\s*</label>', body
        )
        if labels:
            groups.append((html.unescape(legend), [html.unescape(t) for t in labels]))
    return groups


def _expected(
    session: Session, who: Callable[[User], bool], label: Callable[[User], str]
) -> list[tuple[str, list[str]]]:
    """The active people of the area ``who`` may be chosen, as groups by agency name, each
    sorted by name."""
    people = session.scalars(select(User).where(User.active).join(User.agency))
    by_agency: dict[str, list[User]] = {}
    for user in people:
        if who(user):
            by_agency.setdefault(user.agency.name, []).append(user)
    return [
        (agency, [label(u) for u in sorted(users, key=lambda u: (u.display_name, u.id))])
        for agency, users in sorted(by_agency.items())
    ]


def test_an_actions_owner_is_chosen_agency_by_agency_each_agency_by_name(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    page = officer.get(f"/cases/{case.id}/actions/new").get_data(as_text=True)
    groups = _optgroups(page, "owner_user")
    assert groups == _expected(
        demo_session,
        agency_actions.works_actions,
        lambda u: f"{u.display_name}, {u.agency.name}",  # the closed select names the agency
    )
    assert '<option value="" selected>No one named</option>' in page  # before the groups


def test_the_convenor_chooses_the_agencies_then_their_people_and_keeps_what_they_typed(
    demo_hub: Flask, demo_session: Session
) -> None:
    case = _case(demo_session)
    officer = demo_client(demo_hub, demo_session.get(User, case.officer_id))
    path = f"/cases/{case.id}/conferences/new"
    own = case.agency.name
    # Those who take part in conferences, and of the case's own agency, who may open it.
    everyone = demo_session.scalars(select(User).where(User.active)).all()
    refused = conference_eligibility.refusals(demo_session, case, everyone)
    names = {
        agency: people
        for agency, people in _expected(
            demo_session, lambda u: u.id not in refused, lambda u: u.display_name
        )
    }

    # At first only the convening agency's people are offered, under its name.
    first = officer.get(path).get_data(as_text=True)
    assert _fieldsets(first, "attendees") == [(own, names[own])]
    assert "Show the people of these agencies" in first
    # Enter in a text box sends the form's first button: it must convene, not show people.
    form_html = first[first.index('<form method="post"') :]
    first_button = re.search(r"<button[^>]*>([^<]*)</button>", form_html)
    assert first_button is not None
    assert "name=" not in first_button[0]
    assert first_button[1].strip() == "Convene the conference"
    chairs = [agency for agency, _ in _optgroups(first, "chair")]
    assert chairs == sorted(chairs)
    assert own in chairs

    # Having ticked the agencies, the convenor asks for their people: the form comes back
    # with what was typed, nothing refused and nothing convened, its own agency first.
    form = convene_form(officer, demo_session, case, show_people="yes")
    before = demo_session.scalar(select(func.count()).select_from(Conference))
    shown = officer.post(path, data=form)
    assert shown.status_code == 200
    page = shown.get_data(as_text=True)
    assert "There is a problem" not in page
    assert str(form["question"]) in page
    assert 'value="Civic Centre, committee room 2"' in page
    invited = ["Northshire Adult Safeguarding", "Northshire Police"]
    assert _fieldsets(page, "attendees") == [(own, names[own])] + [(a, names[a]) for a in invited]
    demo_session.expire_all()
    assert demo_session.scalar(select(func.count()).select_from(Conference)) == before

    # Someone of an agency not invited cannot be expected: the field says whom to choose.
    eh = demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    refused = officer.post(
        path, data=convene_form(officer, demo_session, case, attendees=[str(eh.id)])
    )
    assert refused.status_code == 400
    assert "Select the people expected from your agency and the agencies you invite" in (
        refused.get_data(as_text=True)
    )

    police = demo_user(demo_session, "northshire-police", Role.CASE_OFFICER)
    made = officer.post(
        path, data=convene_form(officer, demo_session, case, attendees=[str(police.id)])
    )
    assert made.status_code == 302
    demo_session.expire_all()
    conference = demo_session.scalar(select(Conference).order_by(Conference.id.desc()))
    assert [a.user_id for a in conference.attendees] == [police.id]


def test_a_meetings_members_are_chosen_agency_by_agency_and_an_agency_not_a_party_is_said_once(
    demo_hub: Flask, demo_session: Session
) -> None:
    organiser = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.MANAGER))
    page = organiser.get("/meetings/new").get_data(as_text=True)
    assert _fieldsets(page, "members") == _expected(
        demo_session,
        lambda u: conference_eligibility.part_refusal(u) is None,
        lambda u: u.display_name,
    )
    chairs = [agency for agency, _ in _optgroups(page, "chair")]
    assert chairs == sorted(chairs)
    # Each agency that is not a party is named once, above its people, not by each name.
    not_party = re.findall(r"([A-Z][\w ]+?) is not a party to that protocol", page)
    assert len(not_party) == len(set(not_party))


def _twins(session: Session) -> tuple[User, User]:
    """Two Larkmoor users whose names share a part, one's name the other's start."""
    larkmoor = session.scalar(select(Agency).where(Agency.code == "larkmoor-ha"))
    made = [
        accounts.create_user(
            session,
            agency=larkmoor,
            email=f"{name.lower().replace(' ', '.')}@larkmoor.example",
            display_name=name,
            roles={Role.CASE_OFFICER},
            password="a long enough password 1",  # noqa: S106 - a test account
        )
        for name in ("Robin Quennell", "Robin Quennell-Ayres")
    ]
    session.commit()
    return made[0], made[1]


def test_the_dpo_filters_the_log_by_a_users_name_or_e_mail_typed_never_in_the_address(
    demo_hub: Flask, demo_session: Session
) -> None:
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    officer = demo_session.get(User, _case(demo_session).officer_id)
    token = csrf_token(dpo, "/audit")
    for typed in (officer.email.upper(), f"  {officer.display_name.lower()} "):
        sent = dpo.post("/audit", data={"csrf_token": token, "who": typed, "action": "sign_in"})
        assert sent.status_code == 302
        assert sent.location == f"/audit?action=sign_in&user={officer.id}"  # no name in it
    page = dpo.get(f"/audit?action=sign_in&user={officer.id}").get_data(as_text=True)
    assert f'value="{officer.email}"' in page  # the field says whom the log shows
    assert "Signed in" in page
    entry = demo_session.scalar(select(AuditEntry).order_by(AuditEntry.seq.desc()).limit(1))
    assert (entry.action, entry.basis.split(":")[0]) == (
        "audit.search",
        f"user {officer.id}; action sign_in",
    )
    assert officer.display_name not in entry.basis


def test_a_name_matching_several_users_lists_them_to_choose_from_and_one_matching_no_one_is_said(
    demo_hub: Flask, demo_session: Session
) -> None:
    robin, ayres = _twins(demo_session)
    dpo = demo_client(demo_hub, demo_user(demo_session, "larkmoor-ha", Role.DPO))
    token = csrf_token(dpo, "/audit")

    # Someone's whole name chooses them, though another's name holds it.
    whole = dpo.post("/audit", data={"csrf_token": token, "who": "robin quennell"})
    assert whole.location == f"/audit?user={robin.id}"

    several = dpo.post("/audit", data={"csrf_token": token, "who": "QUENNELL", "case": ""})
    assert several.status_code == 400
    page = several.get_data(as_text=True)
    assert "2 users match \u201cQUENNELL\u201d: select one of them below" in page
    assert 'href="#who"' in page  # the error summary leads to the field
    for user in (robin, ayres):
        assert f'href="/audit?user={user.id}"' in page
        assert user.email in page

    kept = dpo.post("/audit", data={"csrf_token": token, "who": "quennell", "action": "sign_in"})
    assert f'href="/audit?action=sign_in&amp;user={robin.id}"' in kept.get_data(as_text=True)

    nobody = dpo.post("/audit", data={"csrf_token": token, "who": "Nobody Such"})
    assert nobody.status_code == 400
    assert (
        "No user of the partnership is called \u201cNobody Such\u201d or has that e-mail address"
    ) in nobody.get_data(as_text=True)
    assert dpo.get("/audit?user=999999").status_code == 400  # a record number of no one


def test_a_conferences_action_offers_only_the_people_of_the_agencies_at_its_table(
    demo_hub: Flask, demo_session: Session
) -> None:
    conference, officer = _convened(demo_hub, demo_session)
    path = f"/conferences/{conference.id}/actions/new"
    page = officer.get(path).get_data(as_text=True)
    at_the_table = {
        conference.case.agency.name,
        *(i.agency.name for i in conference.invitations if i.withdrawn_at is None),
    }
    # Without JavaScript: the people of the agencies the action may be given to, each
    # agency's under its name, and no one else.
    groups = _optgroups(page, "owner_user")
    assert groups == [
        (agency, people)
        for agency, people in _expected(
            demo_session,
            agency_actions.works_actions,
            lambda u: f"{u.display_name}, {u.agency.name}",
        )
        if agency in at_the_table
    ]
    assert len(groups) == len(at_the_table)
    # Someone of an agency not at the table is not offered, and naming them is refused
    # saying why; nothing is added.
    outsider = demo_user(demo_session, "northshire-eh", Role.CASE_OFFICER)
    assert outsider.agency.name not in at_the_table
    assert f'value="{outsider.id}"' not in page
    refused = officer.post(
        path,
        data={
            "csrf_token": csrf_token(officer, path),
            "kind": "perpetrator_visit",
            "description": "Noise monitoring",
            "owner_agency": str(conference.case.agency_id),
            "owner_user": str(outsider.id),
        },
    )
    assert refused.status_code == 400
    assert html.escape(NOT_AN_OWNER_AGENCY, quote=False) in refused.get_data(as_text=True)
    demo_session.expire_all()
    assert not demo_session.scalars(
        select(Action).where(Action.conference_id == conference.id)
    ).all()
