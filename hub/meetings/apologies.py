"""Apologies for a sitting itself, on the sitting's page: its coordinator records that an
agency of the meeting's members (or someone of it by name) sends apologies, and someone
of a member agency records their own agency's; each is removed the same way, until the
sitting is held or cancelled."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField

from hub import opened
from hub.choice_fields import ChoiceField
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from hub.meetings.views import bp
from hub.templating import uk_date
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import series_pages, sitting_apologies, sittings
from sharing.models import MeetingSitting

_APOLOGIES = "/meetings/<int:series_id>/sittings/<int:sitting_id>/apologies"


class ApologyForm(HubForm):
    agency_id = ChoiceField("Agency", message="Select the agency sending apologies")
    name = StringField(
        "Name (optional)",
        validators=[TextLimit(sitting_apologies.MAX_NAME, "the name")],
    )


def _offer(form: ApologyForm, found: sitting_apologies.Apologies, sitting: MeetingSitting) -> None:
    """Offer the agencies the reader may record apologies for; one sent that is not
    offered is refused saying why."""
    form.agency_id.choices = [("", "Choose the agency"), *((str(i), n) for i, n in found.agencies)]
    sent = whole_number(form.agency_id.data)
    if sent and sent not in {i for i, _ in found.agencies}:
        why = sitting_apologies.agency_refusal(db(), current_user.actor, sitting.series, sent)
        form.agency_id.refused[str(sent)] = why or form.agency_id.message


def sitting_page(
    series_id: int, sitting_id: int, form: ApologyForm | None = None, status: int = 200
) -> tuple[str, int]:
    """The sitting's page, with its own apologies and the form to record them."""
    actor = current_user.actor
    try:
        page = series_pages.sitting_page(db(), actor, series_id, sitting_id)
        held = sittings.sitting_of(db(), actor, series_id, sitting_id)
    except NotFound:
        abort(404)
    found = sitting_apologies.of(db(), actor, held)
    if form is None:
        form = ApologyForm(formdata=None)
        if len(found.agencies) == 1:  # someone of a member agency: theirs, chosen
            form.agency_id.data = str(found.agencies[0][0])
    _offer(form, found, held)
    return render_template(
        "meetings/sitting.html",
        title=f"{page.series_name}, {uk_date(page.starts_at)}",
        page=page,
        apologies=found,
        form=form,
    ), status


def _back(series_id: int, sitting_id: int) -> Response:
    return redirect(
        url_for("meetings.sitting", series_id=series_id, sitting_id=sitting_id) + "#apologies"
    )


def _meanwhile(e: ChangedMeanwhile) -> str:
    return f"The sitting or its apologies changed after you opened the page ({e})."


@bp.route(_APOLOGIES, methods=["POST"])
def apologies_add(series_id: int, sitting_id: int) -> Response | tuple[str, int]:
    actor = current_user.actor
    try:
        held = sittings.sitting_of(db(), actor, series_id, sitting_id)
    except NotFound:
        abort(404)
    try:
        sitting_apologies.require_recorder(db(), actor, held)
    except NotAllowed as refused:
        forbid(refused)
    form = ApologyForm()
    _offer(form, sitting_apologies.of(db(), actor, held), held)
    fixed = sittings.why_fixed(held) is not None  # the core says why, recorded
    if form.validate_on_submit() or (fixed and not form.errors.get("csrf_token")):
        try:
            sitting_apologies.record(
                db(),
                actor,
                series_id,
                sitting_id,
                whole_number(form.agency_id.data),
                form.name.data or "",
                opened=opened.sent(),
            )
        except NotFound:
            abort(404)
        except NotAllowed as refused:
            forbid(refused)
        except ChangedMeanwhile as e:
            db().expire_all()
            if sittings.why_fixed(held) is not None:  # cancelled or held meanwhile: no form
                flash(f"{_meanwhile(e)} Nothing was recorded: look at them again.", "error")
                return _back(series_id, sitting_id)
            # Shown again as typed, with the page as it is now.
            form.agency_id.errors = [
                *form.agency_id.errors,
                f"{_meanwhile(e)} Nothing was recorded: check them, then record yours.",
            ]
        except InputError as e:
            if e.field == sitting_apologies.NO_LONGER:
                flash(e.message, "error")
                return _back(series_id, sitting_id)
            form.refuse(e)
        else:
            flash("Apologies recorded for the sitting.", "success")
            return _back(series_id, sitting_id)
    elif not form.errors.get("csrf_token"):
        sitting_apologies.refuse_input(db(), actor, series_id, sitting_id, sorted(form.errors))
    return sitting_page(series_id, sitting_id, form, 400)


@bp.route(f"{_APOLOGIES}/<int:apology_id>/remove", methods=["POST"])
def apologies_remove(series_id: int, sitting_id: int, apology_id: int) -> Response:
    if not HubForm().validate_on_submit():
        abort(400)
    try:
        sitting_apologies.remove(
            db(), current_user.actor, series_id, sitting_id, apology_id, opened=opened.sent()
        )
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    except ChangedMeanwhile as e:
        flash(f"{_meanwhile(e)} Nothing was removed: look at them again.", "error")
    except InputError as e:
        flash(e.message, "error")
    else:
        flash("Apologies removed.", "success")
    return _back(series_id, sitting_id)
