"""Changing a planned conference's chair on its own page, by whoever may change it, with
the reason; or why its chair can no longer be changed here (held, cancelled, past, or on
a partnership meeting's sitting, whose chair chairs it)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, ValidationError

from hub import opened
from hub.choice_fields import ChoiceField, by_agency, name_and_agency
from hub.conferences.changing import changer
from hub.conferences.views import bp
from hub.database import db
from hub.forms import HubForm
from hub.guard import forbid
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import conference_chairs, conference_changes
from sharing.models import Conference
from sharing.vocabulary import ChairChangeReason

#: The core's field names, as the form's.
_FIELDS = {"chair_id": "chair"}


class ChairForm(HubForm):
    chair = ChoiceField("New chair", message="Select the new chair")
    reason = ChoiceField("Why is the chair changing?", message="Select why the chair changes")
    #: Offered only where the old chair's agency may be withdrawn with the change
    #: (``conference_chairs.withdrawable``), labelled with its name.
    withdraw = BooleanField("Withdraw the old chair's agency's invitation")

    def validate_chair(self, field: ChoiceField) -> None:
        if not field.data:  # the select's first option, "Choose the new chair"
            raise ValidationError(field.message)


def _offer(form: ChairForm, conference: Conference) -> None:
    """Offer who may chair it, by agency; someone sent who is not offered is refused
    saying why (its chair already, an account disabled, someone who may not chair it)."""
    chairs = conference_chairs.offered(db(), conference)
    form.chair.offer_grouped(
        by_agency(chairs, name_and_agency), first=[("", "Choose the new chair")]
    )
    form.reason.choices = ChairChangeReason.offered()
    sent = whole_number(form.chair.data)
    if sent and sent not in {u.id for u in chairs}:
        why = conference_chairs.refusal(db(), conference, sent)
        form.chair.refused[str(sent)] = why or form.chair.message


@bp.route("/conferences/<int:conference_id>/chair", methods=["GET", "POST"])
def new_chair(conference_id: int) -> Response | tuple[str, int]:
    """The form to give the conference a new chair, with the reason; a form opened before
    the conference changed is shown again, saying so, with nothing changed."""
    actor = current_user.actor
    conference, _ = changer(conference_id)
    form = ChairForm()
    if request.method == "GET":
        opened.carry(conference_changes.stamp(db(), conference))
    else:
        opened.carry(None)
    _offer(form, conference)
    fixed = conference_chairs.why_fixed(conference)
    leaving = conference_chairs.withdrawable(db(), actor, conference)
    if leaving is not None:
        form.withdraw.label.text = f"Withdraw {leaving.agency.name}'s invitation"
    sent = request.method == "POST"
    valid = form.validate_on_submit()
    if valid or (fixed and sent and not form.csrf_token.errors):
        try:
            done = conference_chairs.change_chair(
                db(),
                actor,
                conference_id,
                whole_number(form.chair.data),
                form.reason.data or "",
                withdraw=bool(form.withdraw.data),
                opened=opened.sent(),
            )
        except ChangedMeanwhile as e:
            db().expire_all()
            opened.show_changed(form, e, form, conference_changes.stamp(db(), conference))
            fixed = conference_chairs.why_fixed(conference)
        except NotFound:  # its case erased or locked meanwhile
            abort(404)
        except NotAllowed as e:  # no longer one who may change it
            forbid(e)
        except InputError as e:
            if e.field == conference_chairs.NO_LONGER:
                fixed = e.message
            else:
                form.refuse(InputError(_FIELDS.get(e.field, e.field), e.message))
        else:
            flash(_done(done), "success")
            return redirect(url_for("conferences.show", conference_id=conference_id))
    elif sent and not fixed:  # refused by the form's own checks
        conference_chairs.refuse_input(db(), actor, conference_id, list(form.errors))
    return render_template(
        "conferences/chair.html",
        title="Change the chair",
        page_title=f"Change the chair of the conference on case {conference.case.reference}",
        form=form,
        conference=conference,
        fixed=fixed,
        leaving=leaving,
    ), 400 if sent else 200


def _done(done: conference_chairs.NewChair) -> str:
    said = f"Chair changed: {done.chair} now chairs the conference and agrees its minutes."
    if done.invited_agency:
        said += (
            f" {done.invited_agency} is invited with the change: it can now open the case "
            "for the conference, and is asked what it holds."
        )
    if done.withdrawn_agency:
        said += (
            f" {done.withdrawn_agency}'s invitation is withdrawn: it can no longer open the "
            "case for the conference."
        )
    return said + " The old and the new chair are told by e-mail."
