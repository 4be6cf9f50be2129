"""The victims and witnesses whose risk assessments are shared with the agency."""

from __future__ import annotations

from flask import Response

from hub.api import paging, schemas
from hub.api.views import _json, _utc, actor, bp, scoped
from hub.database import db
from hub.risk.views import matrices
from sharing import clock
from sharing.risk import shared


@bp.route("/risk/shared")
@scoped("risk:read")
def shared_risk() -> Response:
    """Victims and witnesses whose risk assessments are shared with your agency, highest
    risk first, a page at a time (follow ``next`` until it is null): band, score and
    trend, their name only when identity is shared too.
    ---
    get:
      tags: [Risk]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
      responses:
        200: {description: The people, content: {application/json: {schema: SharedRisksSchema}}}
        400: {description: The page is not a whole number from 1 to 100000}
    """
    found = shared.shared_risk(
        db(), actor(), matrices(), clock.today(), paging.page_asked(), size=paging.PAGE_SIZE
    )
    listed = [
        {
            "case_id": r.case_id,
            "case_reference": r.case_reference,
            "priority": r.priority.value,
            "purpose": r.share.purpose,
            "role": r.person.role,
            "name": r.person.name,
            "band": r.person.latest.band.value,
            "score": r.person.latest.score,
            "trend": r.person.trend,
            "assessments": [
                {
                    "assessed_at": _utc(a.assessed_at),
                    "stage": a.stage,
                    "score": a.score,
                    "band": a.band.value,
                    "adjusted": a.adjusted,
                }
                for a in r.person.history
            ],
            "basis": r.categories,
        }
        for r in found.rows
    ]
    return _json(schemas.SharedRisksSchema(), {"people": listed, **paging.place(found)})
