"""The data protection officer's pages: the audit log, emergency accesses to review, and
subject access reports. DPOs see the log, not case content, except in a subject access
report, which is itself recorded.

This module holds the blueprint, the audit log and the emergency accesses to review, and
what the other pages share (a refused form recorded, the Community Trigger's rules by
name); subject access is ``hub.audit.subject_access_reports``, checkpoints and
co-signing ``hub.audit.cosigning``."""

from __future__ import annotations

from datetime import timedelta

from flask import Blueprint, Response, current_app, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import Optional

from hub.choice_fields import ChoiceField, ChoiceGroup, EnumSelectField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm
from hub.guard import require_roles
from sharing import clock, directory
from sharing.audit import acts, emergency_log, subject_access, trail
from sharing.audit.areas import by_area
from sharing.formats import whole_number
from sharing.models import User

bp = Blueprint("audit", __name__, url_prefix="/audit")
require_roles(bp, "dpo")

#: The emergency access list's default period.
REVIEW_PERIOD = timedelta(days=90)


class LogFilterForm(HubForm):
    """The log's filters, from the query string: identifiers only, never personal data.
    The user is typed (a name or an e-mail address) and sent in the form, never in the
    address: the log's address names them by record number (``user``)."""

    class Meta:
        csrf = False  # CSRFProtect checks the form sent; the address needs no token

    who = StringField("User", validators=[Optional()])
    agency = ChoiceField("Agency", message="Select an agency")
    case = StringField("Case reference", validators=[Optional()])
    action = EnumSelectField(
        "Action",
        acts.Action,
        blank="Any action",
        validators=[Optional()],
        message="Select an action",
    )
    since = DateInputField("From", validators=[Optional()], subject="The first day to search")
    until = DateInputField("To", validators=[Optional()], subject="The last day to search")


#: The agency filter's choice of the entries no agency's user acted in: the command
#: line's and the system's.
BY_THE_HUB = "hub"

#: What the filter form sends besides the filters of the log's address.
_NOT_IN_ADDRESS = frozenset({"csrf_token", "who"})


@bp.route("", methods=["GET", "POST"])
def log() -> Response | tuple[str, int]:
    """The log, filtered by what its address holds. The filter form is sent here: the user
    it names is found and the log shown at an address naming them by record number (so
    paging and links keep the filter); a name that matches no one, or several, is said
    at the field, with those it matches to choose from."""
    sent = request.method == "POST"
    form = LogFilterForm(request.form if sent else request.args)
    area_id = current_user.agency.area_id
    form.agency.choices = [
        ("", "Any agency"),
        (BY_THE_HUB, "The hub itself (command line and system)"),
        *((str(a.id), a.name) for a in directory.agencies(db(), area_id)),
    ]
    form.action.offer_grouped(
        [ChoiceGroup(area, [(a.value, a.label) for a in actions]) for area, actions in by_area()],
        first=[("", "Any action")],
    )
    valid = form.validate()
    user_id, matches = _user_filter(form, area_id, sent)
    kept = {k: v for k, v in request.form.items() if k not in _NOT_IN_ADDRESS and v}
    if sent and not form.who.errors:
        return redirect(url_for("audit.log", **kept, **({"user": user_id} if user_id else {})))
    valid = valid and not form.who.errors
    case_id = None
    reference = (form.case.data or "").strip().upper()
    if valid and reference:
        case_id = trail.case_in_log(db(), current_user.actor, reference)
        if case_id is None:
            form.case.errors = [f"No case has the reference {reference}"]  # type: ignore[assignment]
            valid = False
    if valid and form.since.data and form.until.data and form.until.data < form.since.data:
        form.until.errors = ["The 'to' date must be the same as or after the 'from' date"]
        valid = False
    person_id = whole_number(request.values.get("person"))
    page = None  # the log is searched (and the search recorded) once the filters are right
    if valid:
        filters = trail.LogFilters(
            user_id=user_id,
            agency_id=whole_number(form.agency.data),
            by_the_hub=form.agency.data == BY_THE_HUB,
            case_id=case_id,
            person_id=person_id,
            action=form.action.data,
            since=form.since.data,
            until=form.until.data,
        )
        page = trail.search_log(
            db(),
            current_user.actor,
            filters,
            page=whole_number(request.args.get("page")) or 1,
            rules=threshold_rules(),
        )
    return render_template(
        "audit/log.html",
        title="Audit log",
        form=form,
        page=page,
        args={k: v for k, v in request.args.items() if k != "page" and v},
        person=person_id,
        matches=[(u, url_for("audit.log", **kept, user=u.id)) for u in matches],
    ), 200 if valid else 400


def threshold_rules() -> dict[str, str]:
    """The Community Trigger's threshold rules' titles by id, as its pages say them."""
    procedure = current_app.extensions["hub.trigger_procedure"]
    return {rule.id: rule.title for rule in procedure.rules}


def _user_filter(form: LogFilterForm, area_id: int, sent: bool) -> tuple[int | None, list[User]]:
    """The user to filter by (their id), and those to choose from if the name typed in
    the form sent matches several; an error at the field if it matches no one or several.
    From the address, the user its record number names, whose e-mail address the field
    then shows."""
    if not sent:
        user_id = whole_number(request.args.get("user"))
        user = directory.user_of_area(db(), area_id, user_id)
        if user is not None:
            form.who.data = user.email
        elif request.args.get("user"):
            form.who.errors = ["Type the name or e-mail address of a user of the partnership"]  # type: ignore[assignment]
        return (user.id if user else None), []
    typed = " ".join((form.who.data or "").split())
    if not typed:
        return None, []
    found = directory.users_matching(db(), area_id, typed)
    if len(found) == 1:
        return found[0].id, []
    if not found:
        form.who.errors = [  # type: ignore[assignment]
            f"No user of the partnership is called \u201c{typed}\u201d or has that e-mail address"
        ]
    elif len(found) > directory.MOST_MATCHES:
        form.who.errors = [  # type: ignore[assignment]
            f"More than {directory.MOST_MATCHES} users match \u201c{typed}\u201d: type more "
            "of the name, or the e-mail address"
        ]
        return None, []
    else:
        form.who.errors = [  # type: ignore[assignment]
            f"{len(found)} users match \u201c{typed}\u201d: select one of them below, or type "
            "more of the name"
        ]
    return None, found


class PeriodForm(HubForm):
    """The emergency access list's period, from the query string: the last 90 days unless
    the DPO chooses another (a year's accesses for a report, say)."""

    class Meta:
        csrf = False  # a search; it changes nothing

    since = DateInputField("From", validators=[Optional()], subject="The first day")
    until = DateInputField("To", validators=[Optional()], subject="The last day")


@bp.route("/emergency-access")
def emergency_access() -> tuple[str, int]:
    today = clock.today()
    form = PeriodForm(request.args, data={"since": today - REVIEW_PERIOD, "until": today})
    valid = form.validate()
    until = form.until.data or today
    since = form.since.data or until - REVIEW_PERIOD
    if valid and until < since:
        form.until.errors = ["The last day must be the same as or after the first day"]
        valid = False
    rows = (
        emergency_log.emergency_accesses(db(), current_user.actor, since, until) if valid else None
    )
    return render_template(
        "audit/emergency_access.html",
        title="Emergency access to your agency's cases",
        form=form,
        rows=rows,
        since=since,
        until=until,
    ), 200 if valid else 400


def refuse_input(action: acts.Action, form: HubForm, subject: acts.Subject) -> None:
    """Record ``form`` refused for its input, naming its fields in error, never what was
    typed in them: a subject access search under its purpose."""
    purpose = subject_access.PURPOSE if action is acts.Action.SUBJECT_ACCESS_SEARCH else None
    acts.refuse(
        db(),
        action,
        actor=current_user.actor,
        subject=subject,
        purpose=purpose,
        reason=acts.input_refused(sorted(form.errors)),
    )
