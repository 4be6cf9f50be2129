"""The victims and witnesses whose risk assessments are shared with the agency."""

from __future__ import annotations

from flask import Response, current_app, request

from hub.api import paging, schemas
from hub.api.views import _json, _utc, actor, bp, scoped
from hub.database import db
from hub.risk.views import matrices
from sharing import clock
from sharing.crypto.places import open_place, seal_place
from sharing.formats import whole_number
from sharing.models.cases import MAX_REFERENCE
from sharing.risk import shared
from sharing.vocabulary import RiskBand


@bp.route("/risk/shared")
@scoped("risk:read")
def shared_risk() -> Response:
    """Victims and witnesses whose risk assessments are shared with your agency, highest
    risk first, a page at a time (follow ``next`` until it is null: it continues from
    where the page's last person stood, so people assessed again, or shares made or
    ended meanwhile, make it skip or repeat no one else): band, score and trend, their
    name only when identity is shared too.
    ---
    get:
      tags: [Risk]
      parameters:
        - name: page
          in: query
          schema: {type: integer, minimum: 1, maximum: 100000, default: 1}
          description: the page (a page past the last is the last)
        - name: after
          in: query
          schema: {type: string}
          description: "where the page before ended, as next gives it (sealed: the place holds risk data)"
      responses:
        200: {description: The people, content: {application/json: {schema: SharedRisksSchema}}}
        400: {description: "The page is not a whole number from 1 to 100000, after is not a place in the list, or both were sent (send one)"}
    """
    found = shared.shared_risk(
        db(),
        actor(),
        matrices(),
        clock.today(),
        paging.page_asked(),
        size=paging.PAGE_SIZE,
        after=_after_asked(),
    )
    listed = [
        {
            "case_id": r.case_id,
            "case_reference": r.case_reference,
            "priority": r.priority.value,
            "purpose": r.share.purpose,
            "person_id": r.person.person_id,
            "role": r.person.role,
            "erased": r.person.erased_at is not None,
            "erased_at": _utc(r.person.erased_at) if r.person.erased_at else None,
            "name": None if r.person.erased_at else r.person.name,
            "other_names": None
            if r.person.erased_at or "identity" not in r.categories
            else [{"name": n, "note": note or None} for n, note in r.person.other_names],
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
    place = paging.place_after(found, _written(found.last) if found.last else None)
    return _json(schemas.SharedRisksSchema(), {"people": listed, **place})


def _written(place: shared.Place) -> str:
    """A place in the list as ``after`` takes it: ``high,0,NGH-2026-00042,977``, sealed."""
    plain = f"{place.band.value},{place.score},{place.reference},{place.person_id}"
    return seal_place(plain, current_app.config["SECRET_KEY"])


def _after_asked() -> shared.Place | None:
    """The place ``after`` asks to read on from (None when not given); a 400 problem at
    ``after`` for anything but a place as ``next`` writes it."""
    sealed = request.args.get("after")
    if sealed is None:
        return None
    text = open_place(sealed, current_app.config["SECRET_KEY"])
    if text is None:
        raise paging.not_a_place()
    parts = text.split(",")
    if len(parts) != 4:
        raise paging.not_a_place()
    band, score, reference, person = parts
    bands = {b.value: b for b in RiskBand}
    number, person_id = whole_number(score), whole_number(person)
    if (
        band not in bands
        or number is None
        or person_id is None
        or person_id < 1
        or not 1 <= len(reference) <= MAX_REFERENCE
        or not reference.isprintable()
    ):
        raise paging.not_a_place()
    return shared.Place(bands[band], number, reference, person_id)
