"""Closing an application without a decision or review of its own: the applicant
withdrew it, or it duplicates another application."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired

from hub import opened
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit
from hub.trigger.views import _dated, _procedure, _refused_on_page, bp, refuse_input
from sharing.audit import acts
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.trigger import closing, handling


class WithdrawalForm(HubForm):
    withdrawn_on = DateInputField(
        "Date the applicant withdrew it", subject="The date the applicant withdrew it"
    )
    note = TextAreaField(
        "How the applicant withdrew it, and why if they said",
        validators=[
            DataRequired("Say how the applicant withdrew the application, and why if they said"),
            TextLimit(closing.MAX_NOTE, "the note"),
        ],
    )

    def validate_withdrawn_on(self, field: DateInputField) -> None:
        _dated(
            field,
            "Enter the date the applicant withdrew the application",
            "The date the applicant withdrew it must be today or before",
        )


class DuplicateForm(HubForm):
    duplicate_of = StringField(
        "Reference of the application it duplicates",
        validators=[TextLimit(40, "the reference")],
    )


def _closable(application_id: int) -> closing.Closable:
    try:
        return closing.closable(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


def _close(
    application_id: int,
    form: HubForm,
    act: Callable[[], object],
    *,
    template: str,
    title: str,
    done: str,
    refused_as: acts.Action,
) -> Response | tuple[str, int]:
    """Show the form; once valid, ``act`` through the core and go back to the application's
    page. A refusal shows the form again at its field; a step no longer possible (closed,
    erased, decided meanwhile) is said on the application's page; a form opened before the
    application moved on is shown again, saying so, with the stamp of the application now.
    A form refused for its own checks (a date not whole, a note too long) is recorded as a
    refused ``refused_as`` naming its fields, never what was typed. The page's ``title``
    names the application by its ``{reference}``."""
    application = _closable(application_id)
    opened.carry(application.stamp if request.method == "GET" else None)
    if form.validate_on_submit():
        try:
            act()
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except ChangedMeanwhile as e:
            now = _closable(application_id)
            opened.show_changed(form, e, form, now.stamp)
            application = now
        except InputError as e:
            if e.field in (handling.ERASED, handling.ALREADY_DONE):
                return _refused_on_page(application_id, e)
            form.refuse(e)
        else:
            flash(done, "success")
            return redirect(url_for("trigger.show", application_id=application_id))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        refuse_input(form, refused_as, application_id)
    return render_template(
        template,
        title=title.format(reference=application.reference),
        form=form,
        application=application,
    ), 400 if request.method == "POST" else 200


@bp.route("/<int:application_id>/withdrawn", methods=["GET", "POST"])
def withdrawn(application_id: int) -> Response | tuple[str, int]:
    """Record that the applicant withdrew the application."""
    form = WithdrawalForm()
    return _close(
        application_id,
        form,
        lambda: closing.record_withdrawal(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.withdrawn_on.data,
            form.note.data or "",
            opened=opened.sent(),
        ),
        template="trigger/withdrawn.html",
        title="Record that the applicant withdrew application {reference}",
        done="Recorded as withdrawn by the applicant. Nothing more is sent or asked about it.",
        refused_as=acts.Action.TRIGGER_WITHDRAW,
    )


@bp.route("/<int:application_id>/duplicate", methods=["GET", "POST"])
def duplicate(application_id: int) -> Response | tuple[str, int]:
    """Record that the application duplicates another."""
    form = DuplicateForm()
    return _close(
        application_id,
        form,
        lambda: closing.record_duplicate(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.duplicate_of.data or "",
            opened=opened.sent(),
        ),
        template="trigger/duplicate.html",
        title="Record that application {reference} is a duplicate",
        done="Recorded as a duplicate. Nothing more is sent or asked about it.",
        refused_as=acts.Action.TRIGGER_DUPLICATE,
    )
