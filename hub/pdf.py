"""PDFs of the hub's own pages (conference packs), rendered by WeasyPrint from the same
templates as the page. The document is self-contained: WeasyPrint is given no base URL and
refuses every URL it would otherwise fetch, so a PDF never reaches out to the network or
the file system, whatever text the pack holds."""

from __future__ import annotations

from typing import NoReturn

from weasyprint import HTML


class ExternalResource(Exception):
    """The document asked for something outside itself."""


def _refuse(url: str, *args: object, **kwargs: object) -> NoReturn:
    raise ExternalResource("a PDF is rendered from its own HTML and styles alone")


def render_pdf(html: str) -> bytes:
    """The PDF of a complete HTML document (its styles inline)."""
    return HTML(string=html, url_fetcher=_refuse).write_pdf()
