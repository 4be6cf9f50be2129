"""The review after the threshold is met: asking the agencies holding the counted
complaints to bring their cases, and putting the application before a review panel."""

from __future__ import annotations

from flask import abort, flash, redirect, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.database import db
from hub.forms import HubForm
from hub.trigger.views import PanelForm, _act, _procedure, _show, bp
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.trigger import review


@bp.post("/<int:application_id>/ask")
def ask(application_id: int) -> Response | tuple[str, int]:
    if not HubForm().validate_on_submit():
        abort(400)
    try:
        asked = review.ask_holders(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    except InputError as e:
        flash(e.message, "error")
        page, _ = _show(application_id)
        return page, 400
    if asked == 1:
        done = "The agency holding 1 case asked to confirm its complaints and bring the case."
    elif asked:
        done = f"The agencies holding {asked} cases asked to confirm their complaints and bring the cases."
    else:
        done = "Every agency holding a counted complaint has already been asked."
    flash(done, "success")
    return redirect(url_for("trigger.show", application_id=application_id, _anchor="review"))


@bp.post("/<int:application_id>/panel")
def panel(application_id: int) -> Response | tuple[str, int]:
    form = PanelForm()
    # Any sitting is put to the rules, which say why one is not a panel's (and audit it).
    form.sitting_id.choices = [(request.form.get("sitting_id", ""), "")]
    return _act(
        application_id,
        form,
        lambda: review.convene(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            whole_number(form.sitting_id.data),
        ),
        form.sitting_id,
        "The application is before the review panel. The agencies holding the complaints "
        "are asked to bring their cases to it.",
        refused_as=acts.Action.TRIGGER_REVIEW,
    )
