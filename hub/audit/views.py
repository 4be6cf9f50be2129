"""The data protection officer's pages: the audit log, emergency accesses to review, and
subject access reports. DPOs see the log, not case content, except in a subject access
report, which is itself recorded."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from hub import audit_witnesses
from hub.choice_fields import ChoiceField, ChoiceGroup, EnumSelectField
from hub.database import audit_origin, db, key_store
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit, as_sentence
from hub.guard import require_roles
from hub.search.views import SearchForm, query_of
from sharing import clock, directory
from sharing.audit import (
    acts,
    checkpoints,
    emergency_log,
    notes,
    subject_access,
    subject_access_application_report,
    subject_access_applications,
    trail,
    witnessing,
)
from sharing.audit import log as audit_log
from sharing.audit.areas import by_area
from sharing.errors import InputError, NotFound
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
            rules=_threshold_rules(),
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


def _threshold_rules() -> dict[str, str]:
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


@bp.route("/subject-access", methods=["GET", "POST"])
def find_subject() -> tuple[str, int]:
    form = SearchForm()  # the requester's details: posted, never in the address
    form.kind.choices = list(subject_access.KINDS.items())
    if request.method == "GET":
        form.kind.data = "surname_dob"
    candidates = applications = None
    more = more_applications = False
    if form.validate_on_submit():
        try:
            query = query_of(form)
            found = subject_access.find_people(db(), current_user.actor, query)
            candidates, more = found.people, found.more
            held = subject_access_applications.find_applications(db(), current_user.actor, query)
            applications, more_applications = held.applications, held.more
        except InputError as e:
            candidates = applications = None
            field = form.field_by_name(e.field) or form.kind
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
    if form.errors:  # the fields named, never what was typed
        _refuse_input(acts.Action.SUBJECT_ACCESS_SEARCH, form, acts.Subject("search"))
    status = 400 if form.errors else 200
    return render_template(
        "audit/find_subject.html",
        title="Subject access request",
        form=form,
        candidates=candidates,
        more=more,
        most=subject_access.MAX_CANDIDATES,
        applications=applications,
        applicant=subject_access_applications.APPLICANT,
        more_applications=more_applications,
    ), status


def _refuse_input(action: acts.Action, form: HubForm, subject: acts.Subject) -> None:
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


@bp.route("/subject-access/<int:person_id>")
def subject_report(person_id: int) -> str:
    try:
        report = subject_access.compile_report(
            db(),
            current_user.actor,
            person_id,
            current_app.extensions["hub.closure_survey"],
            rules=_threshold_rules(),
        )
    except NotFound:
        abort(404)
    return render_template(
        "audit/subject_report.html", title="Subject access report", report=report
    )


@bp.route("/subject-access/application/<int:application_id>")
@bp.route(
    "/subject-access/application/<int:application_id>/applicant",
    defaults={"requester": subject_access_applications.APPLICANT},
)
def application_report(
    application_id: int, requester: str = subject_access_applications.VICTIM
) -> str:
    """An application's report for its victim, or (``/applicant``) for the person who
    applied for them, as the search matched the requester."""
    try:
        report = subject_access_application_report.compile_application_report(
            db(), current_user.actor, application_id, requester, rules=_threshold_rules()
        )
    except NotFound:
        abort(404)
    return render_template(
        "audit/application_report.html",
        title="Subject access report: Community Trigger application",
        report=report,
    )


# -- Checkpoints and co-signing ---------------------------------------------------------

#: Checkpoints listed on the page, newest first.
CHECKPOINTS_SHOWN = 20


class CheckpointForm(HubForm):
    """ "Make a checkpoint now": a button, with its CSRF token."""


class RegisterKeyForm(HubForm):
    public_key = TextAreaField(
        "Your agency's public key",
        validators=[DataRequired("Paste your agency's public key")],
    )
    name = StringField(
        "Name on its signatures",
        validators=[Optional(), TextLimit(checkpoints.MAX_KEY_NAME, "the name on its signatures")],
    )


class CosignForm(HubForm):
    agency_key = ChoiceField("Your agency's key", message="Select your agency's key")
    signature = TextAreaField(
        "Signature",
        validators=[DataRequired("Paste the signature line that verify_audit.py cosign printed")],
    )


@bp.route("/checkpoints", methods=["GET", "POST"])
def checkpoint_list() -> Response | str:
    form = CheckpointForm()
    if form.validate_on_submit():
        try:
            made = checkpoints.make_checkpoint(
                db(), key_store(), audit_origin(), actor=current_user.actor
            )
        except checkpoints.LogDamaged:
            db().rollback()
            flash("No checkpoint was signed: the audit log is damaged (below).", "error")
            return redirect(url_for("audit.checkpoint_list"))
        if made is not None:
            db().commit()
            audit_witnesses.send(db(), made)
        flash(
            f"Checkpoint {made.id} signed: the log's first {made.size:,} entries."
            if made
            else "The log is empty: there is nothing to sign yet.",
            "success",
        )
        return redirect(url_for("audit.checkpoint_list"))
    recent = checkpoints.recent(db(), audit_origin(), CHECKPOINTS_SHOWN)
    keys = checkpoints.agency_keys(db(), current_user.agency_id)
    mine = {k.id for k in keys}
    agencies = {a.id: a.name for a in directory.agencies_by_id(db()).values()}
    return render_template(
        "audit/checkpoints.html",
        title="Checkpoints and co-signing",
        damage=checkpoints.damage(db(), audit_origin()),
        waiting=audit_log.waiting(db()),
        witnesses=witnessing.statuses(db(), audit_witnesses.configured()),
        form=form,
        checkpoints=recent,
        keys=keys,
        cosigned={c.id for c in recent if any(s.agency_key_id in mine for s in c.cosignatures)},
        agencies=agencies,
        hub_key=notes.verifier_key(audit_origin(), key_store().checkpoint_public_key()),
    )


@bp.route("/checkpoints/<int:checkpoint_id>/note")
def checkpoint_note(checkpoint_id: int) -> Response:
    """The checkpoint's note text, to co-sign offline with ``verify_audit.py cosign``."""
    try:
        checkpoint = checkpoints.get(db(), checkpoint_id)
    except checkpoints.CheckpointError:
        abort(404)
    return Response(
        checkpoints.signed_note(checkpoint),
        mimetype="text/plain",
        headers={"Content-Disposition": f"attachment; filename=checkpoint-{checkpoint.id}.txt"},
    )


@bp.route("/checkpoints/keys", methods=["GET", "POST"])
def register_key() -> Response | tuple[str, int]:
    form = RegisterKeyForm()
    if form.validate_on_submit():
        try:
            name, public_key = notes.read_public_key(form.public_key.data or "")
            if form.name.data and name and form.name.data != name:
                raise notes.NoteError(f"the key is named {name}, not {form.name.data}")
            agency = current_user.agency
            key = checkpoints.register_agency_key(
                db(),
                agency=agency,
                public_key=public_key,
                name=form.name.data or name or agency.code,
                registered_by=current_user.user,
            )
        except (notes.NoteError, checkpoints.CheckpointError) as e:
            form.public_key.errors = [as_sentence(e)]  # type: ignore[assignment]
        else:
            flash(f"Key {key.name} registered for {agency.name}.", "success")
            return redirect(url_for("audit.checkpoint_list"))
    if request.method == "POST":
        _refuse_input(
            acts.Action.AUDIT_KEY_REGISTER, form, acts.Subject("agency", current_user.agency_id)
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "audit/register_key.html", title="Register your agency's key", form=form
    ), status


@bp.route("/checkpoints/<int:checkpoint_id>/cosign", methods=["GET", "POST"])
def cosign(checkpoint_id: int) -> Response | tuple[str, int]:
    try:
        checkpoint = checkpoints.get(db(), checkpoint_id)
    except checkpoints.CheckpointError:
        abort(404)
    keys = checkpoints.agency_keys(db(), current_user.agency_id)
    if not keys:
        flash("Register your agency's key before you co-sign.", "important")
        return redirect(url_for("audit.register_key"))
    form = CosignForm()
    form.agency_key.choices = [(str(k.id), k.name) for k in keys]
    if request.method == "GET":
        form.agency_key.data = str(keys[0].id)
    if form.validate_on_submit():
        key = next(k for k in keys if str(k.id) == form.agency_key.data)
        try:
            signature = checkpoints.signature_from(form.signature.data or "", key)
            checkpoints.cosign(db(), checkpoint.id, key.id, signature, actor=current_user.actor)
        except checkpoints.CheckpointError as e:
            form.signature.errors = [as_sentence(e)]  # type: ignore[assignment]
        else:
            flash(f"Checkpoint {checkpoint.id} co-signed with {key.name}.", "success")
            return redirect(url_for("audit.checkpoint_list"))
    if request.method == "POST":  # a signature that does not verify is worth knowing of
        _refuse_input(acts.Action.AUDIT_COSIGN, form, acts.Subject("checkpoint", checkpoint.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "audit/cosign.html",
        title=f"Co-sign checkpoint {checkpoint.id}",
        form=form,
        checkpoint=checkpoint,
        note=checkpoints.text_of(checkpoint),
    ), status
