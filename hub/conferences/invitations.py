"""Withdrawing an agency's invitation to a conference, once asked and answered."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.conferences.views import _conference_page, bp
from hub.database import db
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.meetings import conference_withdrawals
from sharing.models import Conference, ConferenceInvitation


@bp.route(
    "/conferences/<int:conference_id>/invitations/<int:invitation_id>/withdraw",
    methods=["GET", "POST"],
)
def withdraw(conference_id: int, invitation_id: int) -> Response | str | tuple[str, int]:
    """Asks first, saying what ends and that it cannot be undone; only the answer withdraws."""
    if request.method == "GET":
        return _ask_to_withdraw(conference_id, invitation_id)
    try:
        conference_withdrawals.withdraw_invitation(
            db(), current_user.actor, conference_id, invitation_id
        )
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)
    except InputError as refused:
        return _ask_to_withdraw(conference_id, invitation_id, refused.message)
    flash(
        "Invitation withdrawn. That agency can no longer open the case for the conference.",
        "success",
    )
    return redirect(url_for("conferences.show", conference_id=conference_id))


def _ask_to_withdraw(
    conference_id: int, invitation_id: int, refused: str | None = None
) -> Response | str | tuple[str, int]:
    """Asks first; or, for the chair's agency, says why it cannot be withdrawn (400 when
    the withdrawal was sent and refused)."""
    page = _conference_page(conference_id)
    if not page.convening:
        abort(403)
    invitation = next((i for i in page.invitations if i.id == invitation_id), None) or abort(404)
    back = url_for("conferences.show", conference_id=conference_id)
    if invitation.withdrawn:
        return redirect(back)
    conference = db().get(Conference, conference_id)
    held = db().get(ConferenceInvitation, invitation_id)
    if why := refused or conference_withdrawals.chair_stays(conference, held):
        return render_template(
            "confirm.html",
            title=f"Withdraw the invitation to {invitation.agency}: case {page.case_reference}",
            caption=f"Case conference on case {page.case_reference}",
            heading=f"You cannot withdraw the invitation to {invitation.agency}",
            error=why,
            cancel=back,
        ), 400 if refused else 200
    return render_template(
        "confirm.html",
        title=f"Withdraw the invitation to {invitation.agency}: case {page.case_reference}",
        caption=f"Case conference on case {page.case_reference}",
        heading=f"Are you sure you want to withdraw the invitation to {invitation.agency}?",
        paragraphs=[
            f"{invitation.agency}'s share of case {page.case_reference} for the conference "
            "ends at once: its people can no longer open the case or the conference, are no "
            "longer expected at it, and are not told of its minutes.",
        ],
        warning="This cannot be undone: the agency cannot be invited to this conference again.",
        button="Yes, withdraw the invitation",
        cancel=back,
    )
