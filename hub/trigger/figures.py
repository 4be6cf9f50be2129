"""The Community Trigger's published figures: a page a partnership can publish as it is,
and the same figures as CSV, for any 12 months (``?from=2026-04``)."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField

from hub.database import db
from hub.forms import HubForm
from hub.guard import require_roles
from sharing import clock
from sharing.errors import InputError, NotAllowed
from sharing.figures.spreadsheets import BYTE_ORDER_MARK
from sharing.figures.suppression import THRESHOLD, WITHHELD_TEXT, small_text
from sharing.trigger import figure_csv, figures
from sharing.trigger.figure_period import FIELD
from sharing.trigger.procedure import Procedure

bp = Blueprint("trigger_figures", __name__, url_prefix="/trigger")
# The core decides within these roles: the lead agency's, a relevant body's managers, the
# area's analysts (sharing.trigger.figures.may_read).
require_roles(bp, "trigger_lead", "manager", "conference_chair", "analyst")


class PeriodForm(HubForm):
    class Meta:
        csrf = False

    start = StringField("First month of the 12", name=FIELD)


def _procedure() -> Procedure:
    return current_app.extensions["hub.trigger_procedure"]  # type: ignore[no-any-return]


def _refused() -> tuple[str, int]:
    return render_template(
        "errors/error.html",
        title="You cannot see the Community Trigger figures",
        paragraphs=[
            "The figures are for the lead agency's Community Trigger leads, managers and "
            "CSP coordinators, the relevant bodies' managers and the partnership's analysts.",
        ],
    ), 403


def _figures(as_csv: bool) -> figures.Figures | tuple[str, int]:
    """The figures the address asks for, or the page to answer with instead (refused,
    or the month at fault)."""
    form = PeriodForm(request.args)
    try:
        return figures.figures(
            db(),
            current_user.actor,
            _procedure(),
            form.start.data,
            clock.today(),
            as_csv=as_csv,
        )
    except NotAllowed:
        return _refused()
    except InputError as refused:
        form.start.errors = [refused.message]
        return _page(form, None), 400


def _page(form: PeriodForm, shown: figures.Figures | None) -> str:
    return render_template(
        "trigger/figures.html",
        title="Community Trigger figures",
        form=form,
        figures=shown,
        totals=figures.labelled(shown.totals, figures.TOTALS) if shown else [],
        also=figures.labelled(shown.totals, figures.ALSO) if shown else [],
        small=small_text(shown.threshold if shown else THRESHOLD),
        withheld=WITHHELD_TEXT,
    )


@bp.route("/figures")
def page() -> str | tuple[str, int]:
    shown = _figures(as_csv=False)
    if isinstance(shown, tuple):
        return shown
    form = PeriodForm(request.args)
    form.start.data = shown.period.month
    return _page(form, shown)


@bp.route("/figures.csv")
def as_csv() -> Response | tuple[str, int]:
    shown = _figures(as_csv=True)
    if isinstance(shown, tuple):
        return shown
    return Response(
        BYTE_ORDER_MARK + figure_csv.csv_text(shown),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{figure_csv.csv_name(shown)}"'},
    )


@bp.app_context_processor
def _menu() -> dict[str, object]:
    """``may_read_trigger_figures()`` for the menu: whether the signed-in user may."""

    def may_read_trigger_figures() -> bool:
        return (
            current_user.is_authenticated
            and current_user.has_role("trigger_lead", "manager", "conference_chair", "analyst")
            and figures.may_read(db(), current_user.actor, _procedure())
        )

    return {"may_read_trigger_figures": may_read_trigger_figures}
