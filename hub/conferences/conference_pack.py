"""The conference pack, on the page and as a PDF."""

from __future__ import annotations

from flask import abort, current_app, render_template
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.conferences.views import bp
from hub.database import db
from hub.pdf import pdf_download
from sharing import clock
from sharing.errors import NotAllowed, NotFound
from sharing.meetings import packs


def _pack(conference_id: int, form: str) -> packs.Pack:
    try:
        return packs.conference_pack(
            db(),
            current_user.actor,
            conference_id,
            current_app.extensions["hub.risk_matrices"],
            form=form,
        )
    except NotFound:
        abort(404)
    except NotAllowed:
        abort(403)


@bp.route("/conferences/<int:conference_id>/pack")
def pack(conference_id: int) -> str:
    found = _pack(conference_id, "page")
    return render_template(
        "conferences/pack.html",
        title=f"Conference pack: case {found.conference.case_reference}",
        pack=found,
    )


@bp.route("/conferences/<int:conference_id>/pack.pdf")
def pack_pdf(conference_id: int) -> Response:
    found = _pack(conference_id, "pdf")
    html = render_template(
        "conferences/pack_pdf.html",
        title=f"Conference pack: case {found.conference.case_reference}",
        pack=found,
    )
    return pdf_download(
        html,
        "conference-pack",
        found.conference.case_reference,
        clock.day_of(found.conference.starts_at).isoformat(),
    )
