"""A partnership meeting's sittings: scheduling the next, a sitting's page, and moving or
cancelling a sitting, from its own page, by whoever may schedule the meeting's sittings,
until it is held; the conferences on its agenda move or are cancelled with it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub import opened
from hub.choice_fields import ChoiceField
from hub.database import db
from hub.date_fields import DateInputField, shown_once
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from hub.meetings import apologies
from hub.meetings.views import bp
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing import clock
from sharing.audit import acts
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.meetings import conferences, series, series_pages, sittings
from sharing.vocabulary import SittingCancelReason


class SittingForm(HubForm):
    starts_at = DateInputField(
        "Date and time", with_time=True, subject="The date and time of the sitting"
    )
    place = StringField(
        "Where it meets (leave empty for its usual place)",
        validators=[TextLimit(conferences.MAX_PLACE, "the place")],
    )
    video_link = StringField(
        "Video link (optional)", validators=[TextLimit(conferences.MAX_LINK, "the video link")]
    )

    def validate_starts_at(self, field: DateInputField) -> None:
        shown_once(field)


@bp.route("/meetings/<int:series_id>/sittings/new", methods=["GET", "POST"])
@accepted_once
def schedule(series_id: int) -> Response | tuple[str, int]:
    try:
        page = series_pages.series_page(db(), current_user.actor, series_id)
    except NotFound:
        abort(404)
    if not page.may_schedule:
        try:
            series.require_scheduler(db(), current_user.actor, series_id)
        except NotAllowed as refused:
            forbid(refused)
    form = SittingForm()
    if request.method == "GET":
        form.starts_at.process(None, page.proposed)
    if form.validate_on_submit():
        try:
            series.schedule(
                db(),
                current_user.actor,
                series_id,
                form.starts_at.data,
                place=form.place.data or "",
                video_link=form.video_link.data or "",
            )
        except NotAllowed as refused:
            forbid(refused)
        except InputError as e:
            field = form.field_by_name(e.field) or form.starts_at
            field.errors = [*field.errors, e.message]
        else:
            flash("Sitting scheduled.", "success")
            return redirect(url_for("meetings.show", series_id=series_id))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        series.refuse_input(db(), current_user.actor, sorted(form.errors), series_id=series_id)
    return render_template(
        "meetings/schedule.html",
        title=f"Schedule a sitting of {page.name}",
        form=form,
        page=page,
    ), 400 if request.method == "POST" else 200


@bp.route("/meetings/<int:series_id>/sittings/<int:sitting_id>")
def sitting(series_id: int, sitting_id: int) -> tuple[str, int]:
    return apologies.sitting_page(series_id, sitting_id)


class MoveForm(HubForm):
    starts_at = DateInputField(
        "Date and time", with_time=True, subject="The date and time the sitting moves to"
    )
    place = StringField(
        "Where it meets", validators=[TextLimit(conferences.MAX_PLACE, "the place")]
    )
    video_link = StringField(
        "Video link (optional)", validators=[TextLimit(conferences.MAX_LINK, "the video link")]
    )

    #: The sitting's time as it is (a time the form shows unchanged stays as it is).
    was: datetime | None = None

    def validate_starts_at(self, field: DateInputField) -> None:
        shown_once(field, self.was)

    def fill(self, page: series_pages.SittingPage) -> None:
        """The sitting's time and place as they are, to change."""
        self.starts_at.process(None, page.starts_at)
        self.place.data = page.place or ""
        self.video_link.data = page.video_link or ""


class CancelForm(HubForm):
    reason = ChoiceField("Why is the sitting cancelled?", message="Select why it is cancelled")
    note = TextAreaField(
        "Note to the members (optional)", validators=[TextLimit(sittings.MAX_NOTE, "the note")]
    )


def _as_shown(posted: datetime | None, series_id: int, sitting_id: int) -> datetime | None:
    """The time posted, or the sitting's own where the form shows that unchanged: a time
    the clocks show twice reads back as its first, so a sitting in the second (1am to 2am
    GMT on the last Sunday in October) would move an hour earlier as its place changed."""
    was = sittings.sitting_of(db(), current_user.actor, series_id, sitting_id).starts_at
    if posted is not None and _shown(posted) == _shown(was):
        return was
    return posted


def _shown(moment: datetime) -> datetime:
    """The moment as a UK clock shows it (which of a time shown twice, unsaid)."""
    return moment.astimezone(clock.PARTNERSHIP_ZONE).replace(tzinfo=None, fold=0)


def _page(series_id: int, sitting_id: int, action: acts.Action) -> series_pages.SittingPage:
    """The sitting's page, for someone who may move or cancel it (403 for anyone else of
    the area, recorded; 404 outside it)."""
    try:
        sittings.require_changer(db(), current_user.actor, series_id, sitting_id, action)
        return series_pages.sitting_page(db(), current_user.actor, series_id, sitting_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)


def _change(
    series_id: int,
    sitting_id: int,
    form: HubForm,
    action: acts.Action,
    act: Callable[[], object],
    *,
    template: str,
    title: str,
    done: Callable[[bool], str],
    fill: Callable[[series_pages.SittingPage], None] | None = None,
) -> Response | tuple[str, int]:
    """Show the form; once valid, ``act`` through the core and go back to the sitting's
    page, saying what was done (``done``, told whether it has cases on its agenda, whose
    conferences went with it). A refusal shows the form again at its field; a sitting cancelled or held
    meanwhile is said in place of the form; a form opened before the sitting was moved is
    shown again, saying so, with the sitting's stamp now."""
    page = _page(series_id, sitting_id, action)
    stamp = sittings.stamp(
        db(), sittings.sitting_of(db(), current_user.actor, series_id, sitting_id)
    )
    opened.carry(stamp if request.method == "GET" else None)
    if request.method == "GET" and fill is not None:
        fill(page)
    fixed = page.fixed
    valid = form.validate_on_submit()
    # Sent for a sitting cancelled or held since the form was opened: the core refuses it
    # whatever the form holds, recording the refusal, and the page says why.
    if valid or (fixed and request.method == "POST" and not form.csrf_token.errors):
        try:
            act()
        except ChangedMeanwhile as e:
            db().expire_all()
            sitting = sittings.sitting_of(db(), current_user.actor, series_id, sitting_id)
            opened.show_changed(form, e, form, sittings.stamp(db(), sitting))
            page = series_pages.sitting_page(db(), current_user.actor, series_id, sitting_id)
            fixed = page.fixed
        except InputError as e:
            if e.field == sittings.NO_LONGER:
                fixed = e.message
            else:
                form.refuse(e)
        else:
            flash(done(bool(page.agenda or page.others or page.erased)), "success")
            return redirect(url_for("meetings.sitting", series_id=series_id, sitting_id=sitting_id))
    elif request.method == "POST" and not fixed:  # refused by the form's own checks
        sittings.refuse_input(db(), current_user.actor, action, sitting_id, list(form.errors))
    return render_template(
        template,
        title=title,
        page_title=f"{title}: {page.series_name}, {uk_date(page.starts_at)}",
        form=form,
        page=page,
        fixed=fixed,
    ), 400 if request.method == "POST" else 200


@bp.route("/meetings/<int:series_id>/sittings/<int:sitting_id>/move", methods=["GET", "POST"])
def move(series_id: int, sitting_id: int) -> Response | tuple[str, int]:
    """Move the sitting to another time or place, with the cases on its agenda."""
    form = MoveForm()
    try:
        form.was = sittings.sitting_of(db(), current_user.actor, series_id, sitting_id).starts_at
    except NotFound:
        abort(404)
    return _change(
        series_id,
        sitting_id,
        form,
        acts.Action.MEETING_MOVE,
        lambda: sittings.move(
            db(),
            current_user.actor,
            series_id,
            sitting_id,
            _as_shown(form.starts_at.data, series_id, sitting_id),
            place=form.place.data or "",
            video_link=form.video_link.data or "",
            opened=opened.sent(),
        ),
        template="meetings/move.html",
        title="Move this sitting",
        done=lambda cases: (
            "Sitting moved, with the cases on its agenda. Its members and the "
            "agencies with cases on it are told."
            if cases
            else "Sitting moved. Its members are told."
        ),
        fill=form.fill,
    )


@bp.route("/meetings/<int:series_id>/sittings/<int:sitting_id>/cancel", methods=["GET", "POST"])
def cancel(series_id: int, sitting_id: int) -> Response | tuple[str, int]:
    """Cancel the sitting, and the case conferences on its agenda with it."""
    form = CancelForm()
    form.reason.choices = SittingCancelReason.choices()
    return _change(
        series_id,
        sitting_id,
        form,
        acts.Action.MEETING_CANCEL,
        lambda: sittings.cancel(
            db(),
            current_user.actor,
            series_id,
            sitting_id,
            form.reason.data or "",
            form.note.data or "",
            opened=opened.sent(),
        ),
        template="meetings/cancel.html",
        title="Cancel this sitting",
        done=lambda cases: (
            "Sitting cancelled, and the case conferences on its agenda with it. "
            "Its members and the agencies with cases on it are told."
            if cases
            else "Sitting cancelled. Its members are told."
        ),
    )
