"""Changing a partnership meeting (its name, cadence, protocol and purpose, chair,
members, place), from its page, by the organising agency's managers and conference
chairs; a new chair takes over the conferences on its sittings to come."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.conferences.convening import chosen_protocol, protocol_choices
from hub.database import db
from hub.guard import forbid
from hub.meetings.views import SeriesForm, bp, offer_people, refuse_at_field, series_input
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.meetings import conference_eligibility, series, series_changes
from sharing.models import MeetingSeries, User
from sharing.vocabulary import Cadence


class ChangeForm(SeriesForm):
    """The meeting's settings as :class:`SeriesForm` asks them, but for its first sitting:
    a sitting's date is changed on that sitting's own page."""

    first_at = None  # type: ignore[assignment]  # WTForms leaves a field set to None out


@bp.route("/meetings/<int:series_id>/change", methods=["GET", "POST"])
def change(series_id: int) -> Response | tuple[str, int]:
    actor = current_user.actor
    try:
        meeting = series_changes.require_changer(db(), actor, series_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    form = _change_form(ChangeForm())
    if request.method == "GET":
        _as_it_is(form, meeting)
        opened.carry(series_changes.stamp(db(), meeting))
    else:
        opened.carry(None)
    protocol_id, purpose = chosen_protocol(form.protocol_purpose.data)
    eligible = series.members_eligible(db(), meeting.area_id, protocol_id, purpose)
    refusals = offer_people(form, eligible, protocol_id, purpose)
    leaving = _cannot_stay(form, meeting, protocol_id, purpose, refusals)
    chair_leaving = _chair_cannot_stay(form, meeting, eligible, protocol_id, purpose)
    status = 400 if request.method == "POST" else 200
    if form.validate_on_submit():
        try:
            changed = series_changes.change(
                db(),
                actor,
                series_id,
                series_input(form, protocol_id, purpose),
                opened=opened.sent(),
            )
        except ChangedMeanwhile as e:
            now = _change_form(ChangeForm(formdata=None))
            now.members.choices, now.chair.choices = form.members.choices, form.chair.choices
            now.members.groups, now.chair.groups = form.members.groups, form.chair.groups
            _as_it_is(now, meeting)
            opened.show_changed(form, e, now, series_changes.stamp(db(), meeting))
            status = 200
        except InputError as e:
            refuse_at_field(form, e)
        else:
            if changed.settings:
                flash(_changed_message(changed), "success")
            else:
                flash("Nothing changed: the meeting is as it was.", "info")
            return redirect(url_for("meetings.show", series_id=series_id))
    elif request.method == "POST":  # the form's own checks refused it before the core saw it
        series_changes.refuse_input(db(), actor, series_id, form.errors)
    return render_template(
        "meetings/change.html",
        title=f"Change {meeting.name}",
        form=form,
        meeting=meeting,
        refusals=refusals,
        leaving=leaving,
        chair_leaving=chair_leaving,
    ), status


def _changed_message(changed: series_changes.Changed) -> str:
    """What the change did, said to whoever made it: a new chair's conferences to come
    taken over (their agency invited to those it was not), and each one they may not
    chair, which keeps its chair, named with why."""
    said = (
        "Meeting changed. Cases brought to it from now on follow the change; sittings "
        "already scheduled keep their dates and places"
    )
    if "chair" not in changed.settings:
        return f"{said}, and cases already brought keep their conferences as they were."
    taken = len(changed.rechaired)
    said += (
        f". The new chair now chairs {taken} case conference{'s' if taken != 1 else ''} on "
        "its sittings to come in place of the old chair, and both are told"
        if taken
        else ", and no case conference on its sittings to come changed its chair"
    )
    if invited := len(changed.invited):
        said += (
            f". {changed.invited_agency} was not invited to {invited} of them, so it is "
            "now, with a share of the case for the conference as any agency invited, and "
            "is asked what it holds"
        )
    if changed.kept:
        said += ". " + ". ".join(changed.kept)
    return said + "."


def _change_form(form: ChangeForm) -> ChangeForm:
    form.cadence.choices = [("", "Choose")] + Cadence.choices()
    form.protocol_purpose.choices = [("", "Choose a protocol and purpose"), *protocol_choices()]
    return form


def _as_it_is(form: ChangeForm, meeting: MeetingSeries) -> None:
    """The form as the meeting stands, under the active version of its protocol (none
    chosen if it has none); members who could no longer be one are left unticked."""
    protocol = series.protocol_now(db(), meeting)
    form.name.data = meeting.name
    form.cadence.data = meeting.cadence.value
    form.protocol_purpose.data = f"{protocol.id}:{meeting.purpose}" if protocol else ""
    form.chair.data = str(meeting.chair_id)
    form.members.data = [
        str(user.id)
        for user, why in series_changes.standing_members(
            db(), meeting, protocol.id if protocol else None, meeting.purpose
        )
        if why is None
    ]
    form.place.data = meeting.place or ""
    form.video_link.data = meeting.video_link or ""


def _cannot_stay(
    form: ChangeForm,
    meeting: MeetingSeries,
    protocol_id: int | None,
    purpose: str,
    refusals: dict[str, str],
) -> list[str]:
    """The standing members who could no longer be one under the protocol and purpose
    chosen, each named with why: listed among the members with the reason, refused if
    ticked, dropped if not. Gives each as a sentence."""
    leaving = []
    offered = {value for value, _ in form.members.choices}
    for user, why in series_changes.standing_members(db(), meeting, protocol_id, purpose):
        if why is None:
            continue
        value, named = str(user.id), f"{user.display_name}, {user.agency.name}"
        if user.id != meeting.chair_id:  # the chair is named as chair
            leaving.append(f"{named}: {why}")
        refusals[value] = f"Can no longer take part: {why}. Leave unticked to drop them."
        if value not in offered:
            form.members.offer_in_group(user.agency.name, value, user.display_name)
            form.members.refused[value] = f"{user.display_name} cannot be a member: {why}"
    return leaving


def _chair_cannot_stay(
    form: ChangeForm,
    meeting: MeetingSeries,
    eligible: list[tuple[User, str | None]],
    protocol_id: int | None,
    purpose: str,
) -> str | None:
    """Why the meeting's chair could no longer chair it under the protocol and purpose
    chosen, naming them, if they could not (they are then not offered)."""
    if str(meeting.chair_id) in {value for value, _ in form.chair.choices}:
        return None
    chair = meeting.chair
    why = dict(eligible).get(chair, "their account is no longer active") or (
        conference_eligibility.chair_refusal(db(), chair, protocol_id, purpose)
    )
    form.chair.refused[str(chair.id)] = f"{chair.display_name} can no longer chair it: {why}"
    return f"{chair.display_name}, {chair.agency.name}, can no longer chair it ({why})"
