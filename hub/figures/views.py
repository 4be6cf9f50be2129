"""The Regulator of Social Housing's measures for each landlord, for a reporting year
(``?year=2025`` for 2025/26), as a page and as CSV."""

from __future__ import annotations

from flask import Blueprint, current_app, render_template, request
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import StringField

from hub.database import db
from hub.forms import HubForm
from hub.guard import require_roles
from sharing.errors import InputError, NotAllowed
from sharing.figures import regulator
from sharing.figures.stock import Stock
from sharing.figures.suppression import WITHHELD_TEXT, small_text

bp = Blueprint("figures", __name__, url_prefix="/figures")
require_roles(bp, "analyst", "manager", "conference_chair")


class YearForm(HubForm):
    class Meta:
        csrf = False

    year = StringField("Reporting year starting in", name=regulator.FIELD)


def _stock() -> Stock:
    return current_app.extensions["hub.housing_stock"]  # type: ignore[no-any-return]


def _measures(as_csv: bool) -> regulator.Measures | tuple[str, int]:
    form = YearForm(request.args)
    try:
        return regulator.measures(db(), current_user.actor, _stock(), form.year.data, as_csv=as_csv)
    except NotAllowed:
        return render_template(
            "errors/error.html",
            title="You cannot see the partnership's figures",
            paragraphs=["The figures are for analysts, coordinators and managers."],
        ), 403
    except InputError as refused:
        form.year.errors = [refused.message]
        return _page(form, None), 400


def _page(form: YearForm, found: regulator.Measures | None) -> str:
    return render_template(
        "figures/regulator.html",
        title="The regulator's measures for each landlord",
        form=form,
        measures=found,
        columns=regulator.COLUMNS,
        small=small_text(),
        withheld=WITHHELD_TEXT,
    )


@bp.route("/regulator")
def regulator_page() -> str | tuple[str, int]:
    found = _measures(as_csv=False)
    if isinstance(found, tuple):
        return found
    form = YearForm(request.args)
    form.year.data = str(found.year.start)
    return _page(form, found)


@bp.route("/regulator.csv")
def regulator_csv() -> Response | tuple[str, int]:
    found = _measures(as_csv=True)
    if isinstance(found, tuple):
        return found
    name = f"regulator-measures-{found.year.start}-{found.year.start + 1}.csv"
    return Response(
        regulator.csv_text(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
