"""Checkpoints and co-signing: the DPO signs a checkpoint of the audit log now, reads its
note to co-sign offline, registers their agency's key and co-signs a checkpoint with it;
the page also says whether the log is damaged, what waits to join it and how its
witnesses stand."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Optional

from hub import audit_witnesses
from hub.audit.views import bp, refuse_input
from hub.choice_fields import ChoiceField
from hub.database import audit_origin, db, key_store
from hub.forms import HubForm, TextLimit, as_sentence
from sharing import directory
from sharing.audit import acts, checkpoints, notes, witnessing
from sharing.audit import log as audit_log

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
        refuse_input(
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
        refuse_input(acts.Action.AUDIT_COSIGN, form, acts.Subject("checkpoint", checkpoint.id))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "audit/cosign.html",
        title=f"Co-sign checkpoint {checkpoint.id}",
        form=form,
        checkpoint=checkpoint,
        note=checkpoints.text_of(checkpoint),
    ), status
