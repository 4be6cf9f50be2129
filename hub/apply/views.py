"""The public Community Trigger (ASB Case Review) application: anyone who has suffered
anti-social behaviour, or someone for them with their consent, applies without an account:
the start page, the questions, "check your answers", and the confirmation with the
application's reference. The form is limited in how often one address (and everyone
together) may send it, accepts no HTML, and never says anything from the partnership's
records."""

from __future__ import annotations

import hashlib
import hmac

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField

from hub.database import db
from hub.forms import ChoiceField, DateInputField, HubForm
from hub.guard import for_every_role
from hub.trigger.views import application_input
from sharing import clock
from sharing.errors import InputError
from sharing.trigger import applications, limits
from sharing.trigger.procedure import Procedure
from sharing.vocabulary import OnBehalf, VictimKind

bp = Blueprint("apply", __name__, url_prefix="/community-trigger")
for_every_role(bp)  # and public: see hub.guard.PUBLIC_ENDPOINTS

#: The reference of the application this browser just sent (not personal data).
_SENT = "trigger_reference"
#: The answer "I am applying for myself".
_SELF = "self"


def _procedure() -> Procedure:
    return current_app.extensions["hub.trigger_procedure"]  # type: ignore[no-any-return]


class ApplyForm(HubForm):
    victim_kind = ChoiceField("Who has suffered the anti-social behaviour?")
    problem = TextAreaField("What is happening, and how is it affecting you or them?")
    victim_given_names = StringField("First name (optional for a business or group)")
    victim_family_name = StringField("Last name, or the name of the business or group")
    victim_date_of_birth = DateInputField("Date of birth (optional)")
    victim_address = TextAreaField("Address where it is happening (optional)")
    victim_postcode = StringField("Postcode (optional)")
    victim_phone = StringField("Phone number (optional)")
    victim_email = StringField("Email address (optional)")
    on_behalf = ChoiceField("Are you applying for yourself?")
    applicant_name = StringField("Your name")
    applicant_contact = StringField("Your phone number or email address")
    consent_recorded = BooleanField("The victim has agreed to me applying for them")


def _form() -> ApplyForm:
    form = ApplyForm()
    form.victim_kind.choices = VictimKind.choices()
    form.on_behalf.choices = [(_SELF, "Yes, it is about me, my business or my group")] + [
        (o.value, f"No, I am applying as {o.label[0].lower()}{o.label[1:]}") for o in OnBehalf
    ]
    return form


def _input(form: ApplyForm) -> applications.ApplicationInput:
    """The application as sent: received today, online; "for myself" is no third party."""
    return application_input(
        form,
        received_on=clock.today(),
        channel="online",
        on_behalf="" if form.on_behalf.data == _SELF else form.on_behalf.data or "",
    )


def _within_limits() -> bool:
    """Record this send (in its own transaction, kept whatever the answer) and whether
    the address, and everyone together, are within the limits."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, (request.remote_addr or "").encode(), hashlib.sha256).hexdigest()
    with current_app.extensions["hub.sessions"]() as uses:
        allowed = limits.use(uses, key, clock.now())
        uses.commit()
    return allowed


@bp.route("")
def start() -> str:
    return render_template(
        "apply/start.html",
        title="Ask for a review of your anti-social behaviour case",
        procedure=_procedure(),
    )


@bp.route("/apply", methods=["GET", "POST"])
def form() -> Response | tuple[str, int]:
    form = _form()
    if request.method == "POST" and not _within_limits():
        return render_template("apply/too_many.html", title="Too many applications from here"), 429
    action = request.form.get("action", "check")
    if request.method == "POST" and action != "change" and form.validate_on_submit():
        data = _input(form)
        try:
            if action == "send":
                sent = applications.submit_online(db(), _procedure(), data)
                session[_SENT] = sent.reference
                return redirect(url_for("apply.done"))
            applications.check_input(db(), data, clock.now())
        except InputError as e:
            field = form.field_by_name(e.field) or form.problem
            field.errors = [*field.errors, e.message]
        else:
            answers = [
                (key, value)
                for key, value in request.form.items(multi=True)
                if key not in ("csrf_token", "action")
            ]
            return render_template(
                "apply/check.html", title="Check your answers", form=form, answers=answers
            ), 200
    status = 400 if request.method == "POST" and action != "change" else 200
    return render_template("apply/form.html", title="Your application", form=form), status


@bp.route("/apply/sent")
def done() -> Response | str:
    reference = session.get(_SENT)
    if not reference:
        return redirect(url_for("apply.start"))
    return render_template(
        "apply/done.html",
        title="Application sent",
        reference=reference,
        procedure=_procedure(),
    )
