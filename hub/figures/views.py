"""The partnership's figures for a period and an area (``/figures/``: the page, each
table as CSV and ODS, all tables as one ODS, the meeting pack printable and as PDF), and
the Regulator of Social Housing's measures for each landlord (``/figures/regulator``,
``?year=2025`` for 2025/26)."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, abort, current_app, g, render_template, request
from flask_login import current_user
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import SelectField, StringField

from hub.database import db, key_store
from hub.figures import charts
from hub.forms import HubForm
from hub.guard import require_roles
from hub.pdf import render_pdf
from hub.templating import uk_date, uk_datetime
from sharing import clock
from sharing.errors import InputError, NotAllowed
from sharing.figures import areas, columns, meeting_packs, partnership, regulator, tables
from sharing.figures.months import FROM_FIELD, TO_FIELD
from sharing.figures.rounding import BASE, MEDIAN_FROM, Rounder
from sharing.figures.spreadsheets import BYTE_ORDER_MARK, ODS_MIMETYPE, csv_text, ods_bytes
from sharing.figures.stock import Stock
from sharing.figures.suppression import THRESHOLD, WITHHELD_TEXT, small_text
from sharing.figures.wards import Boundaries
from sharing.models import Agency, MeetingSitting
from sharing.vocabulary import Role

bp = Blueprint("figures", __name__, url_prefix="/figures")
require_roles(bp, "analyst", "manager", "conference_chair")


class FiguresForm(HubForm):
    """The period and the area; the choices are the reader's partnership's."""

    class Meta:
        csrf = False

    start = StringField("First month", name=FROM_FIELD)
    end = StringField("Last month", name=TO_FIELD)
    agency = SelectField("Agency", name=areas.AGENCY_FIELD, validate_choice=False)
    ward = SelectField("Ward", name=areas.WARD_FIELD, validate_choice=False)
    meeting = SelectField(
        "The meeting the pack is for", name=meeting_packs.MEETING_FIELD, validate_choice=False
    )

    def fill_choices(self) -> None:
        agencies, wards = areas.choices(db(), current_user.actor.agency_id)
        self.agency.choices = [("", "All agencies")] + [(a.code, a.name) for a in agencies]
        self.ward.choices = [("", "All wards")] + [(str(w.id), w.name) for w in wards]
        today = clock.today()
        sittings = meeting_packs.meetings(db(), current_user.actor.agency_id, today)
        self.meeting.choices = [("", "No particular meeting")] + [
            (str(m.id), f"{m.series.name}, {uk_datetime(m.starts_at)}: {_covering(m, today)}")
            for m in sittings
        ]


def _covering(sitting: MeetingSitting, today: date) -> str:
    """What a sitting's pack covers, and from which day it can be made if not yet, as its
    agenda says it."""
    covering = f"covering {meeting_packs.meeting_period(sitting).title}"
    ready_on = meeting_packs.ready_on(sitting, today)
    return f"{covering}, ready from {uk_date(ready_on)}" if ready_on else covering


class YearForm(HubForm):
    class Meta:
        csrf = False

    year = StringField("Reporting year starting in", name=regulator.FIELD)


def _stock() -> Stock:
    return current_app.extensions["hub.housing_stock"]  # type: ignore[no-any-return]


def _measures(as_csv: bool) -> regulator.Measures | tuple[str, int]:
    form = YearForm(request.args)
    try:
        return regulator.measures(
            db(),
            current_user.actor,
            _stock(),
            Rounder.of(key_store()),
            form.year.data,
            as_csv=as_csv,
        )
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
        BYTE_ORDER_MARK + regulator.csv_text(found),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


# The partnership's figures


def _asked() -> dict[str, str | None]:
    return {
        key: request.args.get(key)
        for key in (
            FROM_FIELD,
            TO_FIELD,
            areas.AGENCY_FIELD,
            areas.WARD_FIELD,
            columns.EXACT_FIELD,
            meeting_packs.MEETING_FIELD,
        )
    }


def _boundaries() -> Boundaries:
    return current_app.extensions["hub.ward_boundaries"]  # type: ignore[no-any-return]


def _figures(what: str) -> tables.Figures | tuple[str, int]:
    """The figures the request asks for, or the page that says why not."""
    form = FiguresForm(request.args)
    form.fill_choices()
    try:
        return partnership.figures(
            db(),
            current_user.actor,
            Rounder.of(key_store()),
            _boundaries(),
            _asked(),
            what=what,
            trigger=current_app.extensions["hub.trigger_procedure"],
        )
    except NotAllowed as refused:
        return render_template(
            "errors/error.html",
            title="You cannot see these figures",
            paragraphs=[
                str(refused)
                if request.args.get(columns.EXACT_FIELD)
                else "The figures are for analysts, coordinators and managers."
            ],
        ), 403
    except InputError as refused:
        field = {
            FROM_FIELD: form.start,
            TO_FIELD: form.end,
            areas.AGENCY_FIELD: form.agency,
            areas.WARD_FIELD: form.ward,
            meeting_packs.MEETING_FIELD: form.meeting,
        }[refused.field]
        field.errors = [refused.message]
        return _figures_page(form, None), 400


def _figures_page(form: FiguresForm, found: tables.Figures | None) -> str:
    if found is not None:
        form.start.data, form.end.data = (
            found.period.query[FROM_FIELD],
            found.period.query[TO_FIELD],
        )
    own = db().get_one(Agency, current_user.actor.agency_id)
    return render_template(
        "figures/partnership.html",
        title="The partnership's figures",
        form=form,
        found=found,
        pictures=_pictures(found) if found else {},
        method=_method(),
        own=own,
        own_exactly=_own_exactly(found, own),
        is_manager=current_user.actor.has(Role.MANAGER),
    )


def _own_exactly(found: tables.Figures | None, own: Agency) -> dict[str, str]:
    """The query of a manager's own agency's exact figures for the same period and ward."""
    if found is None:
        return {}
    ward = {areas.WARD_FIELD: str(found.scope.ward.id)} if found.scope.ward else {}
    return {**found.period.query, areas.AGENCY_FIELD: own.code, columns.EXACT_FIELD: "yes", **ward}


def _method() -> dict[str, int]:
    return {"threshold": THRESHOLD, "base": BASE, "median_from": MEDIAN_FROM}


def _pictures(found: tables.Figures) -> dict[str, Markup]:
    """Each table's chart (or map) by the table's key; none for a table whose every count
    is withheld, which would draw an empty frame."""
    nonce = g.get("csp_nonce", "")
    pictures = {}
    if charts.drawable(found.table("trend")):
        pictures["trend"] = charts.trend_chart(found.table("trend"), nonce)
    for key in ("categories", "priorities", "hate", "resolved_by"):
        if charts.drawable(found.table(key)):
            pictures[key] = charts.bar_chart(found.table(key), nonce)
    chosen = found.scope.ward.name if found.scope.ward else None
    pictures["wards"] = charts.ward_map(
        _boundaries(),
        found.ward_cells,
        f"Cases opened per 1,000 households, by ward: {found.period.title}",
        chosen,
    )
    return pictures


@bp.route("/")
def partnership_page() -> str | tuple[str, int]:
    found = _figures("page")
    if isinstance(found, tuple):
        return found
    form = FiguresForm(request.args)
    form.fill_choices()
    return _figures_page(form, found)


def _file_name(found: tables.Figures, what: str, suffix: str) -> str:
    area = "-".join(found.scope.query.values()) or "partnership"
    period = f"{found.period.query[FROM_FIELD]}-to-{found.period.query[TO_FIELD]}"
    return f"figures-{what}-{area}-{period}.{suffix}"


def _download(body: str | bytes, mimetype: str, name: str) -> Response:
    return Response(
        body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


@bp.route("/tables/<key>.csv", defaults={"kind": "csv"})
@bp.route("/tables/<key>.ods", defaults={"kind": "ods"})
def table_file(key: str, kind: str) -> Response | tuple[str, int]:
    """One table as CSV or as an OpenDocument spreadsheet."""
    found = _figures(f"{kind} of table {key}")
    if isinstance(found, tuple):
        return found
    try:
        sheet = partnership.sheet(found, found.table(key))
    except KeyError:
        abort(404)
    if kind == "csv":
        return _download(
            BYTE_ORDER_MARK + csv_text(sheet), "text/csv", _file_name(found, key, kind)
        )
    return _download(ods_bytes([sheet]), ODS_MIMETYPE, _file_name(found, key, kind))


@bp.route("/tables.ods")
def tables_ods() -> Response | tuple[str, int]:
    found = _figures("ods of every table")
    if isinstance(found, tuple):
        return found
    sheets = [partnership.sheet(found, table) for table in found.tables]
    return _download(ods_bytes(sheets), ODS_MIMETYPE, _file_name(found, "all", "ods"))


def _pack_html(found: tables.Figures, template: str) -> str:
    meeting = found.meeting
    heading = (
        f"Figures for {meeting.series.name}, {uk_datetime(meeting.starts_at)}"
        if meeting
        else "Figures for the partnership meeting"
    )
    return render_template(
        template,
        title=f"{heading}: {found.scope.title}, {found.period.title}",
        found=found,
        pictures=_pictures(found),
        method=_method(),
        reader=f"{current_user.display_name}, {current_user.agency.name}",
        prepared_at=clock.now(),
    )


@bp.route("/pack")
def pack() -> str | tuple[str, int]:
    found = _figures("meeting pack page")
    if isinstance(found, tuple):
        return found
    return _pack_html(found, "figures/pack.html")


@bp.route("/pack.pdf")
def pack_pdf() -> Response | tuple[str, int]:
    found = _figures("meeting pack pdf")
    if isinstance(found, tuple):
        return found
    return _download(
        render_pdf(_pack_html(found, "figures/pack_pdf.html")),
        "application/pdf",
        _file_name(found, "pack", "pdf"),
    )
