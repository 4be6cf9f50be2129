"""PDFs of the hub's own pages (conference packs), rendered by WeasyPrint from the same
templates as the page. The document is self-contained: WeasyPrint is given no base URL and
refuses every URL it would otherwise fetch, so a PDF never reaches out to the network or
the file system, whatever text the pack holds."""

from __future__ import annotations

from typing import NoReturn

from markupsafe import Markup
from weasyprint import HTML

#: The fonts of every PDF (``pdf_fonts`` in its styles): DejaVu Sans, then for the scripts
#: it lacks that residents' names are written in, Noto Sans (Debian's fonts-noto-core and
#: fonts-noto-cjk, which ``.ci/setup`` installs). Without them such a name prints as boxes.
FONTS = Markup(  # noqa: S704 - the constant family names below, no input
    ", ".join(
        f'"{family}"'
        for family in (
            "DejaVu Sans",
            "Noto Sans",
            "Noto Sans Bengali",
            "Noto Sans Gurmukhi",
            "Noto Sans Gujarati",
            "Noto Sans Devanagari",
            "Noto Sans Tamil",
            "Noto Sans Telugu",
            "Noto Sans Kannada",
            "Noto Sans Malayalam",
            "Noto Sans Sinhala",
            "Noto Sans Oriya",
            "Noto Sans Thai",
            "Noto Sans Ethiopic",
            "Noto Sans Armenian",
            "Noto Sans Georgian",
            "Noto Sans CJK SC",
        )
    )
    + ", sans-serif"
)


class ExternalResource(Exception):
    """The document asked for something outside itself."""


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ExternalResource("a PDF is rendered from its own HTML and styles alone")


def render_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (its styles inline)."""
    return HTML(string=html, url_fetcher=_refuse).write_pdf()
