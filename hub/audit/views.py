"""The data protection officer's pages: the audit log, emergency accesses to review, and
subject access reports. DPOs see the log, not case content, except in a subject access
report, which is itself recorded."""

from __future__ import annotations

from datetime import timedelta

from flask import (
    Blueprint,
    Response,
    abort,
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
from hub.database import audit_origin, db, key_store
from hub.forms import (
    ChoiceField,
    DateInputField,
    EnumSelectField,
    HubForm,
    TextLimit,
    as_sentence,
)
from hub.guard import require_roles
from hub.search.views import SearchForm, query_of
from sharing import clock, directory
from sharing.audit import (
    acts,
    checkpoints,
    notes,
    subject_access,
    subject_access_applications,
    trail,
    witnessing,
)
from sharing.audit import log as audit_log
from sharing.errors import InputError, NotFound
from sharing.formats import whole_number

bp = Blueprint("audit", __name__, url_prefix="/audit")
require_roles(bp, "dpo")

#: The emergency access list's default period.
REVIEW_PERIOD = timedelta(days=90)


class LogFilterForm(HubForm):
    """The log's filters, from the query string: identifiers only, never personal data."""

    class Meta:
        csrf = False

    user = ChoiceField("User", message="Select a user")
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


@bp.route("")
def log() -> tuple[str, int]:
    form = LogFilterForm(request.args)
    agencies = directory.agencies(db(), current_user.agency.area_id)
    form.agency.choices = [("", "Any agency"), *((str(a.id), a.name) for a in agencies)]
    users = directory.users_of(db(), [a.id for a in agencies])
    names = {a.id: a.name for a in agencies}
    form.user.choices = [
        ("", "Any user"),
        *((str(u.id), f"{u.display_name}, {names[u.agency_id]}") for u in users),
    ]
    valid = form.validate()
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
    filters = (
        trail.LogFilters(
            user_id=whole_number(form.user.data),
            agency_id=whole_number(form.agency.data),
            case_id=case_id,
            person_id=whole_number(request.args.get("person")),
            action=form.action.data,
            since=form.since.data,
            until=form.until.data,
        )
        if valid
        else trail.LogFilters()
    )
    page = trail.search_log(
        db(), current_user.actor, filters, page=whole_number(request.args.get("page")) or 1
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "audit/log.html",
        title="Audit log",
        form=form,
        page=page,
        args=args,
        person=filters.person_id,
    ), 200 if valid else 400


@bp.route("/emergency-access")
def emergency_access() -> str:
    until = clock.today()
    since = until - REVIEW_PERIOD
    rows = trail.emergency_accesses(db(), current_user.actor, since, until)
    return render_template(
        "audit/emergency_access.html",
        title="Emergency access to your agency's cases",
        rows=rows,
        since=since,
        until=until,
    )


@bp.route("/subject-access", methods=["GET", "POST"])
def find_subject() -> tuple[str, int]:
    form = SearchForm()  # the requester's details: posted, never in the address
    form.kind.choices = list(subject_access.KINDS.items())
    if request.method == "GET":
        form.kind.data = "surname_dob"
    candidates = applications = None
    if form.validate_on_submit():
        try:
            query = query_of(form)
            candidates = subject_access.find_people(db(), current_user.actor, query)
            applications = subject_access_applications.find_applications(
                db(), current_user.actor, query
            )
        except InputError as e:
            candidates = applications = None
            field = form.field_by_name(e.field) or form.kind
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
    status = 400 if form.errors else 200
    return render_template(
        "audit/find_subject.html",
        title="Subject access request",
        form=form,
        candidates=candidates,
        applications=applications,
    ), status


@bp.route("/subject-access/<int:person_id>")
def subject_report(person_id: int) -> str:
    try:
        report = subject_access.compile_report(db(), current_user.actor, person_id)
    except NotFound:
        abort(404)
    return render_template(
        "audit/subject_report.html", title="Subject access report", report=report
    )


@bp.route("/subject-access/application/<int:application_id>")
def application_report(application_id: int) -> str:
    try:
        report = subject_access_applications.compile_application_report(
            db(), current_user.actor, application_id
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
    status = 400 if request.method == "POST" else 200
    return render_template(
        "audit/cosign.html",
        title=f"Co-sign checkpoint {checkpoint.id}",
        form=form,
        checkpoint=checkpoint,
        note=checkpoints.text_of(checkpoint),
    ), status
