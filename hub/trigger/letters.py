"""The letters to the applicant, on screen and as PDF, a corrected copy of one e-mailed
to details corrected since, and a printed letter marked as posted."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.database import db
from hub.forms import HubForm
from hub.pdf import pdf_download
from hub.trigger.views import _procedure, _refused_on_page, bp
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.models import TriggerApplication
from sharing.trigger import corrected_letters, handling, letters, posting
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import LetterKind


def _uncountable(why: str) -> Response:
    """The page for a letter giving a day past the bank holiday list (503: the service's
    calendar is out of date, nothing the user did)."""
    page = render_template(
        "errors/error.html",
        title="This letter gives a day that cannot be counted yet",
        paragraphs=[
            f"The letter gives a deadline in working days, and the {why}.",
            "Ask the hub's administrator to update it; the letter can then be shown, printed "
            "and sent.",
        ],
    )
    return Response(page, status=503)


def _gone(why: str) -> Response:
    """The page for a letter of an application whose personal data is erased (410: it
    will never be there again)."""
    page = render_template(
        "errors/error.html", title="This letter can no longer be made", paragraphs=[why]
    )
    return Response(page, status=410)


def _letter(application_id: int, kind: str) -> letters.Letter:
    return _application_letter(application_id, kind)[1]


def _application_letter(
    application_id: int, kind: str
) -> tuple[TriggerApplication, letters.Letter]:
    chosen = LetterKind.of(kind)
    if chosen is None:
        abort(404)
    try:
        application = handling.handled(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    try:
        letter = letters.compose(
            db(),
            application,
            chosen,
            _procedure(),
            current_app.extensions["hub.letters"].trigger,
            actor=current_user.actor,
            contact=current_app.extensions["hub.letters"].contact,
        )
    except CalendarExhausted as exhausted:
        abort(_uncountable(str(exhausted)))
    except InputError as erased:
        abort(_gone(erased.message))
    if letter is None:
        abort(404)
    return application, letter


@bp.route("/<int:application_id>/letters/<kind>")
def letter(application_id: int, kind: str) -> tuple[str, int]:
    return _letter_page(application_id, kind)


def _letter_page(application_id: int, kind: str, status: int = 200) -> tuple[str, int]:
    """The letter's page, its "Mark as posted" form carrying the stamp of the application
    and the letter as they are now."""
    application, found = _application_letter(application_id, kind)
    latest = letters.latest(db(), application).get(found.kind)
    opened.renew(posting.stamp(db(), application, found.kind))
    return render_template(
        "trigger/letter.html",
        title=f"Letter: {found.kind.label}, application {found.reference}",
        letter=found,
        application_id=application_id,
        procedure=_procedure(),
        delivery=posting.delivery(application, latest, found.kind, _procedure()),
    ), status


@bp.post("/<int:application_id>/letters/<kind>/posted")
def posted(application_id: int, kind: str) -> Response | tuple[str, int]:
    """Mark a printed letter as posted: who and when."""
    chosen = LetterKind.of(kind)
    if chosen is None:
        abort(404)
    if not HubForm().validate_on_submit():
        abort(400)
    try:
        posting.mark_posted(
            db(), current_user.actor, _procedure(), application_id, chosen, opened=opened.sent()
        )
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    except ChangedMeanwhile:
        flash(CHANGED_SINCE_PRINTED, "error")
        return _letter_page(application_id, kind, 400)
    except InputError as refused:
        return _refused_on_page(application_id, refused)
    flash(f'Marked as posted: the letter "{chosen.label}".', "success")
    return redirect(url_for("trigger.show", application_id=application_id, _anchor="letters"))


#: Why marking a letter as posted was refused: it may not be the letter printed.
CHANGED_SINCE_PRINTED = (
    "The application or this letter changed after you opened this page, so the letter you "
    "printed may not be the letter below (it is made from the details as they stand now). "
    "Check it, print it again if it differs, then mark it as posted."
)


@bp.route("/<int:application_id>/letters/<kind>.pdf")
def letter_pdf(application_id: int, kind: str) -> Response:
    found = _letter(application_id, kind)
    html = render_template("trigger/letter_pdf.html", title=found.subject, letter=found)
    return pdf_download(html, found.reference, found.kind.value)


@bp.post("/<int:application_id>/letters/<kind>/copy")
def corrected_copy(application_id: int, kind: str) -> Response | tuple[str, int]:
    """E-mail a corrected copy of a letter that went to the details as they were before a
    correction of who applied or their contact."""
    chosen = LetterKind.of(kind)
    if chosen is None:
        abort(404)
    if not HubForm().validate_on_submit():
        abort(400)
    try:
        corrected_letters.send_corrected_copy(
            db(), current_user.actor, _procedure(), application_id, chosen
        )
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    except InputError as refused:
        return _refused_on_page(application_id, refused)
    flash(
        f'A corrected copy of the letter "{chosen.label}" will be e-mailed to the details '
        "as they stand.",
        "success",
    )
    return redirect(url_for("trigger.show", application_id=application_id, _anchor="letters"))
