"""The review's recommendations: recording one on the application's page, and the
recommendations for the user's agency, each marked done when it is."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.sent_once import accepted_once
from hub.trigger.views import RecommendationForm, _act, _procedure, _refused_at, bp
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.trigger import handling, review_recommendations


@bp.post("/<int:application_id>/recommendations")
@accepted_once
def recommend(application_id: int) -> Response | tuple[str, int]:
    form = RecommendationForm()
    # Any agency is put to the rules, which say why one is not a relevant body's; none
    # chosen is the form's own problem, said with the others.
    owner = request.form.get("owner_agency_id", "")
    form.owner_agency_id.choices = [(owner, "")] if owner else []
    return _act(
        application_id,
        form,
        lambda: review_recommendations.recommend(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            review_recommendations.RecommendationInput(
                whole_number(form.owner_agency_id.data), form.due_on.data, form.text.data or ""
            ),
            on_appeal=form.on_appeal.data == "yes",
        ),
        form.text,
        "Recommendation recorded. The agency's managers are told.",
        refused_as=acts.Action.TRIGGER_RECOMMEND,
    )


class CompleteForm(HubForm):
    note = TextAreaField(
        "What was done",
        validators=[TextLimit(review_recommendations.MAX_RECOMMENDATION, "the note")],
    )


@bp.route("/recommendations", methods=["GET", "POST"])
def recommendations() -> Response | tuple[str, int]:
    form = CompleteForm()
    failed_id = whole_number(request.form.get("recommendation_id"))
    if form.validate_on_submit():
        try:
            review_recommendations.complete(
                db(), current_user.actor, failed_id or 0, form.note.data or ""
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except InputError as e:
            if e.field == handling.ALREADY_DONE:
                flash(e.message, "error")
                failed_id = None
            else:
                _refused_at(form, e, form.note)
        else:
            flash("Recommendation marked done.", "success")
            return redirect(url_for("trigger.recommendations"))
    elif request.method == "POST":  # the form's own refusal: recorded as the core's are
        try:
            review_recommendations.refuse_completion(
                db(), current_user.actor, failed_id or 0, sorted(form.errors)
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
    try:
        rows = review_recommendations.for_agency(db(), current_user.actor)
    except NotAllowed:
        abort(403)
    return render_template(
        "trigger/recommendations.html",
        title="Community Trigger recommendations for your agency",
        rows=rows,
        form=form,
        failed_id=failed_id,
    ), 400 if request.method == "POST" else 200
