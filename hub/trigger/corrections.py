"""Correcting an application's details after it is recorded: the lead's form, pre-filled
with the details as they stand."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.database import db
from hub.trigger.recording import ApplicationForm, application_input, show_problems
from hub.trigger.views import _procedure, _refused_on_page, bp, refuse_input
from sharing import clock
from sharing.audit import acts
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.trigger import corrected_fields, corrections, handling
from sharing.trigger.input_checks import ApplicationInput
from sharing.vocabulary import OnBehalf, TriggerChannel, VictimKind


class CorrectionForm(ApplicationForm):
    """The recording form, filled with the application as it stands."""


def _offered(form: CorrectionForm, application: corrections.Correctable) -> CorrectionForm:
    """``form`` with its choices: how it came as the lead records it (or "online", alone,
    for an application sent on the online form), and who applied."""
    online = application.channel == TriggerChannel.ONLINE.value
    form.channel.choices = [
        (c.value, c.label) for c in TriggerChannel if (c is TriggerChannel.ONLINE) == online
    ]
    form.channel.refused = (
        {c.value: corrections.ONLINE_KEPT for c in TriggerChannel if c is not TriggerChannel.ONLINE}
        if online
        else {TriggerChannel.ONLINE.value: corrections.NOT_ONLINE}
    )
    form.victim_kind.choices = VictimKind.choices()
    form.on_behalf.choices = [("", "The victim"), *OnBehalf.choices()]
    return form


def _letters_only(form: CorrectionForm, application: corrections.Correctable) -> CorrectionForm:
    """``form`` with only the letters' details (whoever applied for the victim's only when
    someone did), as corrected while an appeal is in hand: the rest stay as the review
    had them."""
    if not application.appeal_in_hand:
        return form
    offered = {
        f
        for f in corrections.LETTER_DETAILS
        if application.on_behalf or not f.startswith("applicant_")
    }
    for name in [f.name for f in form if f.name != "csrf_token" and f.name not in offered]:
        del form[name]
    return form


def _input(form: CorrectionForm, application: corrections.Correctable) -> ApplicationInput:
    """The correction the form holds (while an appeal is in hand, the letters' details
    beside the choices as they stand: the core keeps the rest as they are)."""
    if not application.appeal_in_hand:
        return application_input(form)
    return application_input(
        form,
        received_on=application.received_on,
        channel=application.channel,
        victim_kind=application.victim_kind,
        on_behalf=application.on_behalf,
        consent_recorded=application.consent_recorded,
    )


def _sent(form: CorrectionForm, application: corrections.Correctable) -> None:
    """Keep as recorded the choices a form opened before they could be corrected does
    not send (who suffered it; who applied and the consent go together: a box left unticked is not sent)."""
    if application.appeal_in_hand:
        return
    if "channel" not in request.form:
        form.channel.data = application.channel
    if "victim_kind" not in request.form:
        form.victim_kind.data = application.victim_kind
    if "on_behalf" not in request.form:
        form.on_behalf.data = application.on_behalf
        form.consent_recorded.data = application.consent_recorded


def _correctable(application_id: int, *, shown: bool = True) -> corrections.Correctable:
    try:
        return corrections.correctable(
            db(), current_user.actor, _procedure(), application_id, shown=shown
        )
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


def _filled(application: corrections.Correctable) -> CorrectionForm:
    """The form filled with the details as they stand."""
    data: dict[str, object] = dict(application.details)
    born = application.details.get("victim_date_of_birth")
    data["victim_date_of_birth"] = date.fromisoformat(born) if born else None
    data["received_on"] = application.received_on
    data["channel"] = application.channel
    data["victim_kind"] = application.victim_kind
    data["on_behalf"] = application.on_behalf
    data["consent_recorded"] = application.consent_recorded
    return _offered(CorrectionForm(formdata=None, data=data), application)


@bp.route("/<int:application_id>/correct", methods=["GET", "POST"])
def correct(application_id: int) -> Response | tuple[str, int]:
    """Correct the application's details while it is live (the letters' details only
    while an appeal is in hand)."""
    application = _correctable(application_id, shown=request.method == "GET")
    if application.why_not and request.method == "GET":
        return _refused_on_page(
            application_id, InputError(handling.ALREADY_DONE, application.why_not)
        )
    form = _letters_only(
        _offered(CorrectionForm(), application)
        if request.method == "POST"
        else _filled(application),
        application,
    )
    if request.method == "POST":
        _sent(form, application)
    opened.carry(application.stamp if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            changed = corrections.correct(
                db(),
                current_user.actor,
                _procedure(),
                application_id,
                _input(form, application),
                opened=opened.sent(),
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except ChangedMeanwhile as e:
            now = _correctable(application_id)
            if now.why_not:  # decided not met, told the outcome or closed meanwhile
                return _refused_on_page(
                    application_id, InputError(handling.ALREADY_DONE, now.why_not)
                )
            opened.show_changed(form, e, _letters_only(_filled(now), now), now.stamp)
        except InputError as e:
            if e.field in (handling.ERASED, handling.ALREADY_DONE):
                return _refused_on_page(application_id, e)
            data = _input(form, application)
            show_problems(form, [e, *corrections.problems_in(application, data, clock.now())])
        else:
            flash(_done(changed), "success")
            return redirect(url_for("trigger.show", application_id=application_id))
    elif form.is_submitted():  # the core's problems beside the form's own, all at once
        data = _input(form, application)
        show_problems(form, corrections.problems_in(application, data, clock.now()))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(form, acts.Action.TRIGGER_CORRECT, application_id)
    return render_template(
        "trigger/correct.html",
        title=f"Correct the details of application {application.reference}",
        form=form,
        application=application,
    ), 400 if request.method == "POST" else 200


def _done(correction: corrections.Correction) -> str:
    """What the confirmation says a correction did (fields named, never their values)."""
    if not correction:
        return "Nothing was changed: the details are as they were."
    said = "Details corrected."
    if correction.removed:
        said += (
            " A business or community group has no date of birth, so this was removed: "
            f"{corrected_fields.named(correction.removed)}."
        )
    return said + " Letters still to go use them, and go to whoever applied as corrected."
