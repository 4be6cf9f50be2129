"""Break-glass: emergency access to another agency's case, and its review."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import require_roles
from hub.sent_once import accepted_once
from sharing import clock
from sharing.audit import acts
from sharing.cases import emergency
from sharing.errors import InputError, NotAllowed, NotFound

bp = Blueprint("emergency", __name__, url_prefix="/emergency")
require_roles(
    bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead", "dpo"
)


class BreakGlassForm(HubForm):
    reference = StringField(
        "Case reference", validators=[DataRequired("Enter the reference of the case you need")]
    )
    reason = TextAreaField(
        "What is the risk to life, and why do you need the case now?",
        validators=[
            DataRequired("Say what the risk to life is"),
            TextLimit(2000, "the reason"),
        ],
    )


class ReviewForm(HubForm):
    note = TextAreaField(
        "What did the review find?",
        # Required by the core, except for a case erased since (no note can be kept).
        validators=[TextLimit(2000, "the note on the review")],
    )


@bp.route("", methods=["GET", "POST"])
@accepted_once
def break_glass() -> Response | tuple[str, int]:
    if not current_user.has_role(
        "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead"
    ):
        abort(403)
    form = BreakGlassForm()
    if form.validate_on_submit():
        try:
            glass = emergency.break_glass(
                db(),
                current_user.actor,
                form.reference.data or "",
                form.reason.data or "",
                hours=_hours(),
            )
        except NotFound:
            form.reference.errors = [
                "No case with that reference can be opened in an emergency (it may not exist, or be restricted)"
            ]
        except NotAllowed as e:
            form.reference.errors = [f"Emergency access refused: {e}"]
        except InputError as e:
            (form.reason if e.field == "reason" else form.reference).errors = [e.message]
        else:
            flash(
                f"Emergency access open until {clock.moment_text(glass.expires_at)}. The owning "
                "agency's manager and data protection officer have been told.",
                "important",
            )
            return redirect(url_for("cases.show", case_id=glass.case_id))
    elif request.method == "POST":  # the reference typed is not recorded: it could be any text
        acts.refuse(
            db(),
            acts.Action.BREAK_GLASS,
            actor=current_user.actor,
            reason=acts.input_refused(sorted(form.errors)),
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "emergency/break_glass.html", title="Emergency access", form=form, hours=_hours()
    ), status


def _hours() -> int:
    return int(current_app.config["HUB_SETTINGS"].break_glass_hours)


@bp.route("/reviews")
def reviews() -> str:
    waiting = emergency.to_review(db(), current_user.actor)
    return render_template(
        "emergency/reviews.html",
        title="Emergency access to review",
        items=[w.glass for w in waiting],
        reasons={w.glass.id: w.reason or "" for w in waiting},
    )


@bp.route("/reviews/<int:glass_id>", methods=["GET", "POST"])
def review(glass_id: int) -> Response | tuple[str, int]:
    waiting = next(
        (w for w in emergency.to_review(db(), current_user.actor) if w.glass.id == glass_id), None
    )
    if waiting is None:
        abort(404)
    item = waiting.glass
    form = ReviewForm()
    if form.validate_on_submit():
        try:
            emergency.review(db(), current_user.actor, glass_id, form.note.data or "")
        except NotAllowed as e:
            form.note.errors = [str(e).capitalize()]  # type: ignore[assignment]
        except InputError as e:
            form.note.errors = [e.message]  # type: ignore[assignment]
        else:
            flash("Review recorded.", "success")
            return redirect(url_for("emergency.reviews"))
    elif request.method == "POST":
        acts.refuse(
            db(),
            acts.Action.BREAK_GLASS_REVIEW,
            actor=current_user.actor,
            subject=acts.Subject("case", item.case_id),
            reason=acts.input_refused(sorted(form.errors), f"emergency access {glass_id}"),
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "emergency/review.html",
        title=f"Review emergency access to {item.case.reference}",
        form=form,
        item=item,
        reason=waiting.reason or "",
    ), status
