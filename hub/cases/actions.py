"""A case's actions: the action form (a conference's too), adding one, changing one."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.cases.forms import ActionForm
from hub.cases.views import _agencies, _record, bp, case_to_work_on
from hub.choice_fields import by_agency, name_and_agency
from hub.database import db
from hub.forms import HubForm
from hub.guard import written_in_form
from hub.sent_once import accepted_once
from hub.templating import action_named
from sharing import directory, stamps
from sharing.access.decide import Act
from sharing.cases import actions, agency_actions, case_forms
from sharing.errors import ClosedMeanwhile, NotFound
from sharing.formats import whole_number
from sharing.meetings import agreed
from sharing.models import Action, Case, Conference, User
from sharing.vocabulary import ActionKind

#: Why someone of an agency the action may not be given to is not offered as its named
#: person (an agency not at a conference's table).
NOT_AN_OWNER_AGENCY = (
    "Name someone of an agency this action may be given to: the agencies listed under "
    "Agency responsible"
)


def action_form(
    owners: list[tuple[str, str]],
    *,
    sent: bool = True,
    lock: frozenset[int] | None = None,
    holder: int | None = None,
) -> ActionForm:
    """The action form, its owners ``owners`` (agency id, name) and the named people of
    those agencies to choose from, under their agencies' names, without JavaScript: those
    who work actions and, on a locked case, whom its lock names (``lock``; and the
    action's present ``holder``, to leave it with them). Anyone else is refused saying
    why: someone who does not work actions, someone outside the lock, or someone of an
    agency the action may not be given to; and the follow-up of a dissatisfied
    complainant, which only the closure survey opens. Empty, not read from the request, unless
    ``sent``."""
    form = ActionForm() if sent else ActionForm(formdata=None)
    # The closure survey opens the follow-up of a dissatisfied complainant, on a closed
    # case; no one adds it, nor makes an open case's action one.
    follow_up = ActionKind.DISSATISFACTION_FOLLOW_UP.value
    form.kind.choices = [c for c in form.kind.choices if c[0] != follow_up]
    form.kind.refused = {follow_up: actions.FOLLOW_UP_FROM_THE_SURVEY}
    form.owner_agency.choices = owners
    agency_ids = {int(value) for value, _ in owners}
    everyone = directory.people(db(), current_user.agency.area_id)
    offered = [
        u
        for u in everyone
        if u.agency_id in agency_ids
        and agency_actions.works_actions(u)
        and (lock is None or u.id in lock or u.id == holder)
    ]
    form.owner_user.offer_grouped(by_agency(offered, name_and_agency), first=[("", "No one named")])
    form.owner_user.refused = {
        str(u.id): _why_not_offered(u, agency_ids, lock) for u in everyone if u not in offered
    }
    if lock is not None:
        form.owner_agency.refused = {
            value: actions.OUTSIDE_THE_LOCK
            for value, _name in _agencies()
            if int(value) not in agency_ids
        }
    return form


def _why_not_offered(user: User, agency_ids: set[int], lock: frozenset[int] | None) -> str:
    if not agency_actions.works_actions(user):
        return agency_actions.NOT_ACTION_OWNER
    if lock is not None:
        return actions.OUTSIDE_THE_LOCK
    return NOT_AN_OWNER_AGENCY


def _owners_on(
    case: Case, owners: list[tuple[str, str]], holder: int | None = None
) -> list[tuple[str, str]]:
    """The agencies an action on the case may be given to: on a locked case only its own
    (and the agency holding the action now, to leave it with them)."""
    if not case.locked:
        return owners
    return [o for o in owners if int(o[0]) in {case.agency_id, holder}]


@bp.route("/<int:case_id>/actions/new", methods=["GET", "POST"])
@accepted_once
def add_action(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.RECORD, "action form")
    lock = actions.lock_members(db(), authorised.case)
    form = action_form(_owners_on(authorised.case, _agencies()), lock=lock)
    if request.method == "GET":
        form.owner_agency.data = str(current_user.agency_id)
    return _record(
        case,
        form,
        lambda: actions.add_action(db(), authorised, _action_input(form)),
        template="cases/action.html",
        title=f"Add an action to {case.reference}",
        locked=lock is not None,
        done="Action added.",
        anchor="actions",
    )


def _action_input(form: ActionForm) -> actions.ActionInput:
    return actions.ActionInput(
        kind=form.kind.data,
        description=form.description.data or "",
        owner_agency_id=whole_number(form.owner_agency.data),
        owner_user_id=whole_number(form.owner_user.data),
        due_on=form.due_on.data,
    )


@bp.route("/<int:case_id>/actions/<int:action_id>", methods=["GET", "POST"])
def change_action(case_id: int, action_id: int) -> Response | tuple[str, int]:
    """Change an open action: what, who owns it, by when. An action a conference agreed
    stays with an agency at its table."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "action form")
    try:
        action, description = case_forms.action_to_change(db(), authorised, action_id)
    except NotFound:
        abort(404)
    except ClosedMeanwhile as closed:
        if request.method == "POST":
            return _closed_meanwhile(case, actions.refused_change(db(), authorised, action_id))
        flash(f"{closed}, so it can no longer be changed.", "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="actions"))
    conference = db().get(Conference, action.conference_id) if action.conference_id else None
    table = conference.at_the_table if conference else None
    owners = [o for o in _agencies() if table is None or int(o[0]) in table]
    owners = _owners_on(authorised.case, owners, action.owner_agency_id)
    lock = actions.lock_members(db(), authorised.case)
    holder = action.owner_user_id
    form = action_form(owners, lock=lock, holder=holder)
    if request.method == "GET":
        _fill_action_form(form, action, description)
        opened.carry(stamps.of(db(), action))
    else:
        opened.carry(None)

    def as_now() -> tuple[HubForm, str]:
        now = action_form(owners, sent=False, lock=lock, holder=holder)
        action, description = case_forms.action_to_change(db(), authorised, action_id)
        _fill_action_form(now, action, description)
        return now, stamps.of(db(), action)

    try:
        return _record(
            case,
            form,
            lambda: actions.change_action(
                db(),
                authorised,
                action_id,
                _action_input(form),
                at_the_table=table,
                opened=opened.sent(),
            ),
            template="cases/action.html",
            title=f"Change an action on {case.reference}",
            page_title=f"Change an action on {case.reference}: "
            + action_named(action.kind.label, action.due_on),
            locked=lock is not None,
            agreed=agreed.agreed_at(db(), current_user.actor, [action_id]).get(action_id),
            done="Action changed.",
            unchanged="Nothing changed: the action is as it was.",
            anchor="actions",
            as_now=as_now,
        )
    except ClosedMeanwhile as closed:  # by a colleague as the change was saved
        return _closed_meanwhile(case, closed)


def _closed_meanwhile(case: case_forms.CaseHeading, closed: ClosedMeanwhile) -> tuple[str, int]:
    """The page for a change sent after a colleague closed the action: how, by whom and
    when; what the user wrote given back, to copy; nothing saved (409 rolls it back)."""
    return render_template(
        "errors/error.html",
        title="This action was closed meanwhile",
        paragraphs=[f"{closed}, after you opened this form, so your changes were not saved."],
        typed=written_in_form(),
        back=(
            url_for("cases.show", case_id=case.id, _anchor="actions"),
            "Go to the case's actions",
        ),
    ), 409


def _fill_action_form(form: ActionForm, action: Action, description: str | None) -> None:
    form.kind.data = action.kind
    form.description.data = description
    form.owner_agency.data = str(action.owner_agency_id)
    form.owner_user.data = str(action.owner_user_id or "")
    form.due_on.process(None, action.due_on)  # fills its day, month and year boxes
