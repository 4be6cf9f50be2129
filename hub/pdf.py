"""PDFs of the hub's own pages (conference packs), rendered by WeasyPrint from the same
templates as the page. The document is self-contained: WeasyPrint is given no base URL and
refuses every URL it would otherwise fetch, so a PDF never reaches out to the network or
the file system, whatever text the pack holds. A PDF to download is named for what it is
(``pdf_download``)."""

from __future__ import annotations

import re
import unicodedata
from typing import NoReturn

from markupsafe import Markup
from weasyprint import HTML
from werkzeug.wrappers import Response

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


def pdf_download(html: str, *name: str) -> Response:
    """The PDF of ``html`` to download, its file named by ``name``'s parts joined with
    hyphens: ``pdf_download(html, "agenda", "Larkmoor ASB panel", "2027-01-12")`` is
    ``agenda-Larkmoor-ASB-panel-2027-01-12.pdf``. Each part keeps only its letters (accents
    dropped) and digits, so that a name as its writer gave it makes a plain file name."""
    parts = (_plain(part) for part in name)
    file_name = "-".join(part for part in parts if part) or "document"
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{file_name}.pdf"'},
    )


def _plain(part: str) -> str:
    ascii_only = unicodedata.normalize("NFKD", part).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9]+", "-", ascii_only).strip("-")
