"""The figures' charts and ward map, drawn on the server as SVG.

Charts are drawn by pygal; the map is drawn here from the ward boundaries file (GeoJSON),
with no tile or map service. Each is shown beside the table that holds its figures, so
nothing is only in a picture. A figure withheld ("fewer than 5") is a gap in a chart
and hatched on the map, never drawn as 0.

The page's Content-Security-Policy allows styles only from the hub or with the
request's nonce, so each chart's one style element carries the nonce, its script
element (pygal's tooltips, which the hub does not load) is left out, and its few style
attributes become presentation attributes.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from html import escape

from markupsafe import Markup

from hub.figures.svg_charts import Style, pygal
from sharing.figures.rounding import Cell
from sharing.figures.tables import Table
from sharing.figures.wards import Boundaries

#: GOV.UK Design System colours, in an order that stays apart for common colour blindness.
COLOURS = ("#1d70b8", "#f47738", "#00703c", "#d4351c", "#4c2c92", "#505a5f")
#: The map's shades, lightest to darkest (GOV.UK blue tints), and the hatch of a withheld ward.
SHADES = ("#d2e2f1", "#a5c6e3", "#5694ca", "#1d70b8", "#003078")
_STYLE = Style(
    background="#ffffff",
    plot_background="#ffffff",
    foreground="#0b0c0c",
    foreground_strong="#0b0c0c",
    foreground_subtle="#505a5f",
    colors=COLOURS,
    font_family="Arial, sans-serif",
    label_font_size=12,
    major_label_font_size=12,
    legend_font_size=13,
    title_font_size=16,
)
_SCRIPT = re.compile(r"<script\b.*?</script>", re.S)
_COMMENT = re.compile(r"<!--.*?-->", re.S)
_STYLE_ATTRIBUTE = re.compile(r'style="opacity: ?0"')
#: Ids pygal gives its legend for its tooltips' script, the same in every chart.
_SCRIPT_IDS = re.compile(r' id="activate-serie-[0-9]+"')


def _svg(chart: pygal.graph.graph.Graph, nonce: str) -> Markup:
    text = chart.render(is_unicode=True)
    text = _SCRIPT.sub("", text)
    text = _COMMENT.sub("", text)
    text = _SCRIPT_IDS.sub("", text)
    text = _STYLE_ATTRIBUTE.sub('opacity="0"', text)
    text = text.replace('<style type="text/css">', f'<style nonce="{escape(nonce)}">', 1)
    return Markup(text)  # noqa: S704 (pygal's SVG, its labels escaped by pygal)


#: The longest series name that shares a row of the legend with others (at the legend's
#: size, a third of the chart's width); a longer one gets a row of its own.
_LEGEND_SIDE_BY_SIDE = 30


def _legend(series: Sequence[str]) -> dict[str, object]:
    """The legend's settings: each series named in full (pygal cuts names to fit their
    column: "All agencies: ca…"), one a row when any name is too long to sit beside
    another."""
    one_a_row = any(len(name) > _LEGEND_SIDE_BY_SIDE for name in series)
    return {"truncate_legend": -1, "legend_at_bottom_columns": 1 if one_a_row else None}


def _common(title: str, labels: Sequence[str]) -> dict[str, object]:
    return {
        "title": title,
        "style": _STYLE,
        "js": [],
        "disable_xml_declaration": True,
        "width": 800,
        "height": 380,
        "x_label_rotation": 30 if len(labels) > 6 else 0,
        "legend_at_bottom": True,
        "print_values": False,
        "show_y_guides": True,
        "min_scale": 4,
        "value_formatter": lambda v: "" if v is None else f"{v:,.0f}",
    }


def drawable(table: Table) -> bool:
    """Whether a chart of ``table`` would draw anything: some count is shown, not withheld."""
    return any(row.cells[i].value is not None for row in table.rows for i in table.count_columns)


def trend_chart(table: Table, nonce: str) -> Markup:
    """A line for each column of the trend table, one point a month."""
    labels = [row.label for row in table.rows]
    series = [table.columns[index] for index in table.count_columns]
    chart = pygal.Line(**_common(table.title, labels), **_legend(series), allow_interruptions=True)
    chart.x_labels = [label.replace(" 20", " '") for label in labels]
    for index in table.count_columns:
        chart.add(table.columns[index], [row.cells[index].value for row in table.rows])
    return _svg(chart, nonce)


def bar_chart(table: Table, nonce: str) -> Markup:
    """A bar for each row of a table of counts, one series a column of counts."""
    labels = [row.label for row in table.rows]
    series = [table.columns[index] for index in table.count_columns]
    chart = pygal.HorizontalBar(**_common(table.title, labels), **_legend(series))
    chart.x_labels = labels
    chart.height = max(300, 40 + 32 * len(labels) * max(1, len(table.count_columns)))
    for index in table.count_columns:
        chart.add(table.columns[index], [row.cells[index].value for row in table.rows])
    return _svg(chart, nonce)


def ward_map(
    boundaries: Boundaries, cells: dict[str, Cell], title: str, chosen: str | None = None
) -> Markup:
    """The wards shaded by cases opened per 1,000 households (five equal steps up to the
    highest rate), hatched where the count is withheld; each ward named, with its figure
    in its title (read out by screen readers), and a key."""
    width, height, margin = 640.0, 440.0, 12.0
    points = [
        point
        for ward in boundaries.wards
        for polygon in ward.polygons
        for ring in polygon
        for point in ring
    ]
    west, east = min(p[0] for p in points), max(p[0] for p in points)
    south, north = min(p[1] for p in points), max(p[1] for p in points)
    squash = math.cos(math.radians((south + north) / 2))
    scale = min(
        (width - 2 * margin) / ((east - west) * squash),
        (height - 2 * margin - 60) / (north - south),
    )

    def xy(point: tuple[float, float]) -> str:
        x = margin + (point[0] - west) * squash * scale
        y = margin + (north - point[1]) * scale
        return f"{x:.1f},{y:.1f}"

    rates = {
        ward.name: cells[ward.name].value * 1000 / ward.households  # type: ignore[operator]
        for ward in boundaries.wards
        if ward.name in cells and cells[ward.name].value is not None
    }
    top = max(rates.values(), default=0.0)
    shapes, labels = [], []
    for ward in boundaries.wards:
        path = " ".join(
            "M" + " L".join(xy(p) for p in ring) + " Z"
            for polygon in ward.polygons
            for ring in polygon
        )
        cell = cells.get(ward.name)
        if ward.name in rates:
            step = min(len(SHADES) - 1, int(len(SHADES) * rates[ward.name] / top)) if top else 0
            fill = SHADES[step]
            told = f"{cell.text if cell else ''} cases opened, {rates[ward.name]:.1f} per 1,000 households"
        else:
            fill = "url(#withheld)"
            told = f"{cell.text if cell else 'no figure'} cases opened: rate withheld"
        outline = (
            ' stroke-width="3" stroke="#0b0c0c"'
            if ward.name == chosen
            else ' stroke-width="1" stroke="#ffffff"'
        )
        shapes.append(
            f'<path d="{path}" fill="{fill}"{outline}><title>{escape(ward.name)}: {escape(told)}</title></path>'
        )
        outer = ward.polygons[0][0]
        cx = sum(p[0] for p in outer[:-1]) / (len(outer) - 1)
        cy = sum(p[1] for p in outer[:-1]) / (len(outer) - 1)
        x, y = xy((cx, cy)).split(",")
        dark = ward.name in rates and fill in SHADES[3:]
        labels.append(
            f'<text x="{x}" y="{y}" text-anchor="middle" font-size="12" font-family="Arial, sans-serif" '
            f'fill="{"#ffffff" if dark else "#0b0c0c"}">{escape(ward.name)}</text>'
        )
    key_y = height - 40
    key = [
        f'<text x="{margin}" y="{key_y - 8}" font-size="12" font-family="Arial, sans-serif">Cases opened per 1,000 households</text>'
    ]
    for i, shade in enumerate(SHADES):
        low, high = top * i / len(SHADES), top * (i + 1) / len(SHADES)
        x = margin + i * 100
        key.append(
            f'<rect x="{x:.0f}" y="{key_y}" width="24" height="16" fill="{shade}"/>'
            f'<text x="{x + 30:.0f}" y="{key_y + 13}" font-size="12" font-family="Arial, sans-serif">{low:.1f}–{high:.1f}</text>'
        )
    x = margin + len(SHADES) * 100
    key.append(
        f'<rect x="{x:.0f}" y="{key_y}" width="24" height="16" fill="url(#withheld)" stroke="#505a5f"/>'
        f'<text x="{x + 30:.0f}" y="{key_y + 13}" font-size="12" font-family="Arial, sans-serif">withheld</text>'
    )
    return Markup(  # noqa: S704 (every text escaped above)
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hub-ward-map" viewBox="0 0 {width + 100:.0f} {height:.0f}" '
        f'role="img" aria-label="{escape(title)}"><title>{escape(title)}</title>'
        '<defs><pattern id="withheld" width="8" height="8" patternUnits="userSpaceOnUse" '
        'patternTransform="rotate(45)"><rect width="8" height="8" fill="#f3f2f1"/>'
        '<line x1="0" y1="0" x2="0" y2="8" stroke="#505a5f" stroke-width="3"/></pattern></defs>'
        + "".join(shapes)
        + "".join(labels)
        + "".join(key)
        + "</svg>"
    )
