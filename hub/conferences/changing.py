"""Changing a planned conference, by whoever may cancel it, while its time is to come: its
time, place and video link, its question and agenda, one more agency invited, more
people expected and those expected who have left their agency taken off."""

from __future__ import annotations

from datetime import datetime

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField, TextAreaField

from hub import opened
from hub.choice_fields import ChoicesField, by_agency
from hub.conferences.views import bp
from hub.database import db
from hub.date_fields import DateInputField, shown_once
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from sharing import clock, directory
from sharing.access.authorise import AuthorisedCase
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import (
    conference_change_checks,
    conference_changes,
    conference_eligibility,
    conference_leavers,
    conferences,
)
from sharing.models import Conference

#: The button that shows the people of the agencies ticked, without changing anything.
SHOW_PEOPLE = "show_people"
#: The core's field names, as the form's.
_FIELDS = {"agency_ids": "agencies", "attendee_ids": "attendees", "leaver_ids": "leavers"}


class ChangeForm(HubForm):
    starts_at = DateInputField(
        "Date and time", with_time=True, subject="The date and time of the conference"
    )
    place = StringField(
        "Where it meets", validators=[TextLimit(conferences.MAX_PLACE, "the place")]
    )
    video_link = StringField(
        "Video link (optional)", validators=[TextLimit(conferences.MAX_LINK, "the video link")]
    )
    question = TextAreaField(
        "What is the conference to decide?",
        validators=[TextLimit(conferences.MAX_QUESTION, "the question")],
    )
    agenda = TextAreaField(
        "Agenda (optional)", validators=[TextLimit(conferences.MAX_AGENDA, "the agenda")]
    )
    agencies = ChoicesField(
        "Invite another agency (optional)",
        message="Select the agencies to invite from those offered",
    )
    attendees = ChoicesField(
        "Expect more people (optional)",
        message="Select the people expected from the agencies at the conference",
    )
    leavers = ChoicesField(
        "Take off people who have left (optional)",
        message=conference_leavers.SELECT_LEAVERS,
    )

    #: The conference's time as it is (a time the form shows unchanged stays as it is).
    was: datetime | None = None

    def validate_starts_at(self, field: DateInputField) -> None:
        shown_once(field, self.was)


def changer(conference_id: int) -> tuple[Conference, AuthorisedCase]:
    """The conference, for someone who may change it (403 for another reader of it,
    recorded; 404 for anyone who may not open it)."""
    try:
        return conference_changes.changer(db(), current_user.actor, conference_id)
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)


def _as_it_is(form: ChangeForm, conference: Conference, texts: dict[str, str | None]) -> None:
    form.starts_at.process(None, conference.starts_at)
    form.place.data = conference.place or ""
    form.video_link.data = conference.video_link or ""
    form.question.data = texts.get("question") or ""
    form.agenda.data = texts.get("agenda") or ""


def _offer(form: ChangeForm, conference: Conference, convening: bool) -> dict[str, str]:
    """Offer the agencies not yet invited (to the convening agency alone; those the
    protocol does not cover with why) and the people not yet expected of the agencies at
    the table and those ticked; those who could not open the conference refused, saying
    why. The reasons agencies cannot be invited, by value."""
    invited = {i.agency_id for i in conference.invitations}
    options = [
        o
        for o in conference_eligibility.invitable(
            db(), conference.case, conference.protocol_id, conference.purpose
        )
        if o.agency.id not in invited
    ]
    form.agencies.choices = (
        [(str(o.agency.id), o.agency.name) for o in options] if convening else []
    )
    ticked = {whole_number(a) for a in form.agencies.data or []}
    offered = {int(v) for v, _ in form.agencies.choices} & {a for a in ticked if a}
    table = {*conference.at_the_table, *offered}
    expected = {a.user_id for a in conference.attendees}
    people = [
        u
        for u in directory.people(db(), conference.case.agency.area_id)
        if u.agency_id in table and u.id not in expected
    ]
    refused = conference_eligibility.refusals(db(), conference.case, people, conference.chair_id)
    own = conference.case.agency_id
    first = sorted(people, key=lambda u: u.agency_id != own)  # stable: by name
    form.attendees.offer_grouped(by_agency(u for u in first if u.id not in refused))
    form.leavers.choices = [
        (str(a.user_id), f"{a.user.display_name}, {a.user.agency.name}")
        for a in conference_leavers.leavers(conference)
    ]
    form.attendees.refused = {
        str(u.id): f"{u.display_name} cannot be expected: {refused[u.id]}"
        for u in people
        if u.id in refused
    }
    return {str(o.agency.id): o.refusal for o in options if o.refusal}


def _sent(name: str) -> bool:
    return name in request.form or any(k.startswith(f"{name}-") for k in request.form)


def _input(form: ChangeForm) -> conference_changes.ChangeInput:
    """What the form sent; a part it did not show (time and place of a conference on a
    sitting, the question of a reader who may not read it) stays as it is, and so does a
    time it shows unchanged (a conference in the second 1am to 2am of the last Sunday in
    October is shown as that time, which reads back as the first: it would move an hour
    earlier as its place changed)."""
    return conference_changes.ChangeInput(
        starts_at=_as_shown(form) if _sent("starts_at") else None,
        place=form.place.data or "" if _sent("place") else None,
        video_link=form.video_link.data or "" if _sent("video_link") else None,
        question=form.question.data or "" if _sent("question") else None,
        agenda=form.agenda.data or "" if _sent("agenda") else None,
        agency_ids=[int(a) for a in form.agencies.data or []],
        attendee_ids=[int(a) for a in form.attendees.data or []],
        leaver_ids=[int(a) for a in form.leavers.data or []],
    )


def _as_shown(form: ChangeForm) -> datetime | None:
    """The time sent, or the conference's own where the form shows that unchanged."""
    sent, was = form.starts_at.data, form.was
    if sent is not None and was is not None and clock.same_on_the_clock(sent, was):
        return was
    return sent  # type: ignore[no-any-return]


@bp.route("/conferences/<int:conference_id>/change", methods=["GET", "POST"])
def change(conference_id: int) -> Response | tuple[str, int]:
    """The conference as it is, to change; a conference cancelled, held or past meanwhile
    is said in place of the form; a form opened before someone else changed it is shown
    again, saying so, with nothing changed."""
    actor = current_user.actor
    conference, authorised = changer(conference_id)
    convening = conference_change_checks.may_invite(db(), actor, conference)
    reads = conference_change_checks.reads_question(authorised)
    form = ChangeForm()
    form.was = conference.starts_at
    if request.method == "GET":
        _as_it_is(form, conference, conference_change_checks.as_it_is(db(), authorised, conference))
        opened.carry(conference_changes.stamp(db(), conference))
    else:
        opened.carry(None)
    refusals = _offer(form, conference, convening)
    fixed = conference_changes.why_fixed(conference)
    showing = request.method == "POST" and SHOW_PEOPLE in request.form
    valid = not showing and form.validate_on_submit()
    sent = request.method == "POST" and not showing
    if valid or (fixed and sent and not form.csrf_token.errors):
        try:
            changed = conference_changes.change(
                db(),
                actor,
                conference_id,
                _input(form),
                opened=opened.sent(),
            )
        except ChangedMeanwhile as e:
            db().expire_all()
            now = ChangeForm(formdata=None)
            _as_it_is(
                now, conference, conference_change_checks.as_it_is(db(), authorised, conference)
            )
            opened.show_changed(form, e, now, conference_changes.stamp(db(), conference))
            fixed = conference_changes.why_fixed(conference)
        except NotAllowed as e:  # the case can no longer be shared (locked, closed)
            form.agencies.errors = [*form.agencies.errors, f"This case cannot be shared: {e}"]
        except InputError as e:
            if e.field == conference_changes.NO_LONGER:
                fixed = e.message
            else:
                form.refuse(InputError(_FIELDS.get(e.field, e.field), e.message))
        else:
            flash(_done(changed), "success" if changed else "info")
            return redirect(url_for("conferences.show", conference_id=conference_id))
    elif sent and not fixed:  # refused by the form's own checks
        conference_changes.refuse_input(db(), actor, conference_id, list(form.errors))
    return render_template(
        "conferences/change.html",
        title=f"Change the conference on case {conference.case.reference}",
        form=form,
        conference=conference,
        fixed=fixed,
        reads_question=reads,
        convening=convening,
        refusals=refusals,
        show_people=SHOW_PEOPLE,
    ), 400 if sent else 200


def _done(changed: list[str]) -> str:
    if not changed:
        return "Nothing changed: the conference is as it was."
    said = "Conference changed."
    if {"time", "place", "video_link"} & set(changed):
        said += " Its chair and the people expected are told when and where it now meets."
    if "agencies" in changed:
        said += " Each agency invited can now open the case for the conference."
    if "leavers" in changed:
        said += " Those who have left are no longer expected."
    return said
