"""A sitting's agenda, on the page and as a PDF, for anyone who may open the sitting; its
coordinator (whoever may schedule the meeting's sittings) orders its items, adds and
removes items in their own words, and attaches the partnership's figures pack."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import HiddenField, StringField

from hub import opened
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.guard import forbid
from hub.meetings.views import bp
from hub.pdf import pdf_download
from hub.templating import uk_date
from sharing import clock
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.meetings import agenda, agenda_changes

_AGENDA = "/meetings/<int:series_id>/sittings/<int:sitting_id>/agenda"


class ItemForm(HubForm):
    text = StringField("Item to add", validators=[TextLimit(agenda.MAX_TEXT, "the item")])


class MoveForm(HubForm):
    key = HiddenField()
    direction = HiddenField()


def _read(series_id: int, sitting_id: int, form: str) -> agenda.Agenda:
    try:
        return agenda.agenda(db(), current_user.actor, series_id, sitting_id, form=form)
    except NotFound:
        abort(404)


def _title(found: agenda.Agenda) -> str:
    return f"Agenda: {found.series_name}, {uk_date(found.starts_at)}"


def _page(series_id: int, sitting_id: int, form: ItemForm, status: int = 200) -> tuple[str, int]:
    found = _read(series_id, sitting_id, "page")
    return render_template(
        "meetings/agenda.html", title=_title(found), agenda=found, form=form
    ), status


@bp.route(_AGENDA)
def agenda_page(series_id: int, sitting_id: int) -> tuple[str, int]:
    return _page(series_id, sitting_id, ItemForm(formdata=None))


@bp.route(f"{_AGENDA}.pdf")
def agenda_pdf(series_id: int, sitting_id: int) -> Response:
    found = _read(series_id, sitting_id, "pdf")
    html = render_template("meetings/agenda_pdf.html", title=_title(found), agenda=found)
    return pdf_download(
        html, "agenda", found.series_name, clock.day_of(found.starts_at).isoformat()
    )


def _change(series_id: int, sitting_id: int, act: Callable[[], object], done: str) -> Response:
    """``act`` on the agenda and go back to it; a refusal, or an agenda changed since the
    page was opened, is said there (the change not made)."""
    try:
        act()
    except NotFound:
        abort(404)
    except NotAllowed as refused:
        forbid(refused)
    except ChangedMeanwhile as e:
        flash(f"{_meanwhile(e)} Nothing was changed: look at it again.", "error")
    except InputError as e:
        flash(e.message, "error")
    else:
        flash(done, "success")
    return redirect(url_for("meetings.agenda_page", series_id=series_id, sitting_id=sitting_id))


def _meanwhile(e: ChangedMeanwhile) -> str:
    return f"The agenda changed after you opened it ({e})."


@bp.route(f"{_AGENDA}/order", methods=["POST"])
def agenda_order(series_id: int, sitting_id: int) -> Response:
    form = MoveForm()
    if not form.validate_on_submit() or form.direction.data not in ("up", "down"):
        abort(400)
    return _change(
        series_id,
        sitting_id,
        lambda: agenda_changes.move(
            db(),
            current_user.actor,
            series_id,
            sitting_id,
            form.key.data or "",
            up=form.direction.data == "up",
            opened=opened.sent(),
        ),
        "Agenda reordered.",
    )


@bp.route(f"{_AGENDA}/items", methods=["POST"])
def agenda_add(series_id: int, sitting_id: int) -> Response | tuple[str, int]:
    form = ItemForm()
    if form.validate_on_submit():
        try:
            agenda_changes.add_item(
                db(),
                current_user.actor,
                series_id,
                sitting_id,
                form.text.data or "",
                opened=opened.sent(),
            )
        except NotFound:
            abort(404)
        except NotAllowed as refused:
            forbid(refused)
        except ChangedMeanwhile as e:
            form.text.errors = [*form.text.errors, f"{_meanwhile(e)} Check it, then add yours."]
        except InputError as e:
            form.refuse(e)
        else:
            flash("Item added to the agenda.", "success")
            return redirect(
                url_for("meetings.agenda_page", series_id=series_id, sitting_id=sitting_id)
            )
    elif not form.errors.get("csrf_token"):
        agenda_changes.refuse_input(
            db(), current_user.actor, series_id, sitting_id, sorted(form.errors)
        )
    return _page(series_id, sitting_id, form, 400)


@bp.route(f"{_AGENDA}/items/<int:item_id>/remove", methods=["POST"])
def agenda_remove(series_id: int, sitting_id: int, item_id: int) -> Response:
    if not HubForm().validate_on_submit():
        abort(400)
    return _change(
        series_id,
        sitting_id,
        lambda: agenda_changes.remove_item(
            db(), current_user.actor, series_id, sitting_id, item_id, opened=opened.sent()
        ),
        "Item taken off the agenda.",
    )


@bp.route(f"{_AGENDA}/figures", methods=["POST"])
def agenda_figures(series_id: int, sitting_id: int) -> Response:
    if not HubForm().validate_on_submit():
        abort(400)
    attached = whole_number(request.form.get("attached")) == 1
    return _change(
        series_id,
        sitting_id,
        lambda: agenda_changes.attach_figures(
            db(), current_user.actor, series_id, sitting_id, attached=attached, opened=opened.sent()
        ),
        "Figures pack attached to the agenda."
        if attached
        else "Figures pack taken off the agenda.",
    )
