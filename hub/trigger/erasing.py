"""Erasing a concluded application's personal data."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField
from wtforms.validators import DataRequired

from hub.database import db
from hub.forms import HubForm
from hub.trigger.views import _procedure, _refused_at, bp, refuse_input
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.trigger import retention


class EraseForm(HubForm):
    reference = StringField(
        "Type the application's reference to confirm",
        validators=[DataRequired("Type the application's reference to confirm")],
    )


@bp.route("/<int:application_id>/erase", methods=["GET", "POST"])
def erase(application_id: int) -> Response | tuple[str, int]:
    """Erase a concluded application's personal data (an erasure request): for the lead
    agency's managers. A reference not typed, or not the application's, is refused at
    its field and recorded (``trigger.erase``, naming the field, never what was typed)."""
    procedure = _procedure()
    try:
        standing = retention.to_erase(db(), current_user.actor, procedure, application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        if (form.reference.data or "").strip().upper() != standing.reference:
            form.reference.errors = [
                f"Type the reference {standing.reference} exactly, to show this is the "
                "application to erase"
            ]
        else:
            try:
                retention.erase_application(db(), current_user.actor, procedure, application_id)
            except InputError as e:
                _refused_at(form, e, form.reference)
            else:
                flash(
                    f"Application {standing.reference} erased. Its personal data can no longer "
                    "be read by anyone.",
                    "success",
                )
                return redirect(url_for("trigger.show", application_id=application_id))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(form, acts.Action.TRIGGER_ERASE, application_id)
    return render_template(
        "trigger/erase.html",
        title=f"Erase application {standing.reference}",
        form=form,
        standing=standing,
        application_id=application_id,
    ), 400 if request.method == "POST" else 200
