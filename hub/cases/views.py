"""The case pages' blueprint and who it serves, and what its pages share: the case to
work on, the choices their forms offer, and recording a form through the core."""

from __future__ import annotations

from collections.abc import Callable, Mapping

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.choice_fields import ChoiceField, ChoiceGroup
from hub.database import db
from hub.forms import HubForm
from hub.guard import authorised_case, require_roles
from hub.settings import review_days
from sharing import directory
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import case_forms, listing
from sharing.errors import ChangedMeanwhile, InputError
from sharing.models import User
from sharing.vocabulary import Role

bp = Blueprint("cases", __name__, url_prefix="/cases")
#: Roles that may ever see case content: own agency caseworkers, and partners through
#: protocols and shares (each case still goes through the access decision).
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")


def _casework_only() -> None:
    if not current_user.actor.works_cases:
        abort(403)


def _agency_managers_only() -> None:
    """The agency's own case data in bulk (the import) is for its managers who work cases."""
    _casework_only()
    if not current_user.has_role(Role.MANAGER):
        abort(403)


def _wards() -> list[tuple[str, str]]:
    return [(str(w.id), w.name) for w in directory.wards(db(), current_user.agency.area_id)]


def _agencies() -> list[tuple[str, str]]:
    return [(str(a.id), a.name) for a in directory.agencies(db(), current_user.agency.area_id)]


def offer_officers(
    field: ChoiceField,
    first: list[tuple[str, str]] | None = None,
    *,
    left: bool = False,
    seen_only: bool = False,
    caseloads: bool = False,
) -> None:
    """Offer the agency's officers in ``field``, after ``first``: under their teams when
    the agency has more than one, the user's own team first (a case officer works on their
    own team's cases only), then the other teams by name, then officers of no team. With
    ``left``, also those who have left or moved role with open cases still theirs, marked
    "(left)" or "(moved role)"; with
    ``seen_only``, only the user and officers of cases the user may see; with
    ``caseloads``, each with how many open cases they hold ("(12 open cases)")."""
    teams: dict[str | None, ChoiceGroup] = {}
    officers = listing.officers(db(), current_user.actor, left_with_cases=left, seen_only=seen_only)
    held = listing.open_cases_by_officer(db(), current_user.actor) if caseloads else {}
    for user in officers:
        group = teams.setdefault(user.team, ChoiceGroup(user.team or "No team"))
        words = user.display_name + _no_longer(user)
        if caseloads:
            count = held.get(user.id, 0)
            words += f" ({count} open {'case' if count == 1 else 'cases'})"
        group.choices.append((str(user.id), words))
    own = current_user.actor.team
    groups = [
        teams[team]
        for team in sorted(teams, key=lambda team: (team != own, team is None, team or ""))
    ]
    if len(groups) > 1:
        field.offer_grouped(groups, first)
    else:
        field.choices = [*(first or []), *(c for group in groups for c in group.choices)]


def _no_longer(user: User) -> str:
    """What an officer's name says when they may no longer own a case."""
    if not user.active:
        return " (left)"
    return " (moved role)" if listing.moved_role(user) else ""


def _review_days() -> dict[str, int]:
    return review_days(current_app.config["HUB_SETTINGS"])


def _first_contact_days() -> int:
    return int(current_app.config["HUB_SETTINGS"].first_contact_working_days)


def case_to_work_on(
    case_id: int, act: Act, form: str
) -> tuple[AuthorisedCase, case_forms.CaseHeading]:
    """The case the user is about to do ``act`` to, with what its form shows of it: 404 if
    unseen, 403 if not theirs to do."""
    authorised = authorised_case(case_id, act)
    return authorised, case_forms.case_heading(db(), authorised, form)


def _record(
    case: case_forms.CaseHeading,
    form: HubForm,
    record: Callable[[], object],
    *,
    template: str,
    title: str,
    done: str,
    unchanged: str | None = None,
    anchor: str | None = None,
    purpose: str | None = None,
    refused_as: acts.Action = acts.Action.CASE_RECORD,
    as_now: Callable[[], tuple[HubForm, str]] | None = None,
    shown: Callable[[], Mapping[str, object]] | None = None,
    **context: object,
) -> Response | tuple[str, int]:
    """Show the form; once it is valid, ``record`` it through the core and go back to the
    case (opened for ``purpose``, for a partner). A refusal (by the form or the core) shows
    the page again with status 400, which rolls the request back; one by the form itself
    is recorded as ``refused_as`` naming its fields, as the core records its own. A form
    of a record that changed after it was opened is shown again beside the record as it
    is now (``as_now``: the form filled from it, and its stamp), saving nothing; the view
    of the record now is kept in the audit log, so that page answers 200. A change that
    ``record`` says changed nothing (it gives False) is told so with ``unchanged``.
    ``shown`` gives more of the page's context only when the page is shown (a read it
    records is not made by a form saved and sent back to the case)."""
    if form.validate_on_submit():
        try:
            outcome = record()
        except ChangedMeanwhile as e:
            if as_now is None:
                raise
            opened.show_changed(form, e, *as_now())
            return render_template(
                template,
                title=title,
                form=form,
                case=case,
                purpose=purpose,
                **context,
                **(shown() if shown else {}),
            ), 200
        except InputError as e:
            form.refuse(e)
        else:
            if outcome is False and unchanged:
                flash(unchanged, "info")
            else:
                flash(done, "success")
            return redirect(url_for("cases.show", case_id=case.id, purpose=purpose, _anchor=anchor))
    elif request.method == "POST":
        refuse_input(refused_as, case.id, form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        template,
        title=title,
        form=form,
        case=case,
        purpose=purpose,
        **context,
        **(shown() if shown else {}),
    ), status


def refuse_input(action: acts.Action, case_id: int, form: HubForm) -> None:
    """Record a case's form refused for its input: the fields named, never their values."""
    acts.refuse(
        db(),
        action,
        actor=current_user.actor,
        subject=acts.Subject("case", case_id),
        reason=acts.input_refused(sorted(form.errors)),
    )
