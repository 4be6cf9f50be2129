"""The case page: as much of the case as the user may see, and why a partner opens it."""

from __future__ import annotations

from flask import abort, current_app, render_template, request
from flask_login import current_user

from hub.cases.views import _review_days, bp
from hub.database import db
from sharing import clock
from sharing.access.authorise import authorise
from sharing.access.decide import Act
from sharing.access.facts import policy
from sharing.cases import erasure, more_requests, pages, reviews
from sharing.errors import NotAllowed, NotFound, PurposeNotShared, PurposeRequired
from sharing.formats import whole_number
from sharing.meetings import conference_listing
from sharing.protocols import records as protocol_records
from sharing.trigger import asked
from sharing.vocabulary import CaseStatus


@bp.route("/<int:case_id>")
def show(case_id: int) -> str | tuple[str, int]:
    """The case, as much of it as the user may see. Partners say why they open it: the
    purpose is part of the address (from "shared with your agency"), never hidden."""
    purpose = request.args.get("purpose") or None
    try:
        authorised = authorise(db(), current_user.actor, case_id, Act.VIEW, purpose)
    except NotFound:
        abort(404)
    except PurposeRequired as e:
        # Asked which purpose; again, saying so, when the address named one the case is
        # not shared with their agency for (an old link, a share ended, a typed address).
        return render_template(
            "cases/purpose.html",
            title="Why are you opening this case?",
            case_id=case_id,
            purposes=e.purposes,
            purpose_titles=protocol_records.purpose_titles_in_force(db(), e.purposes),
            not_shared=_said(purpose) if isinstance(e, PurposeNotShared) else None,
        ), 400 if isinstance(e, PurposeNotShared) else 200
    except NotAllowed as e:
        return render_template(
            "errors/error.html",
            title="You cannot open this case for that purpose",
            paragraphs=[
                f"The hub refused because {e}.",
                "Open it from the cases shared with your agency.",
            ],
        ), 403
    page = pages.case_page(
        db(),
        authorised,
        current_app.extensions["hub.risk_matrices"],
        incidents_page=whole_number(request.args.get("page")) or 1,
    )
    return render_template(
        "cases/show.html",
        title=f"Case {page.view.reference}",
        case=page.view,
        contact_overdue=page.view.decision.own_agency
        and reviews.contact_overdue(authorised.case, _review_days(), clock.today()),
        purpose=purpose,
        purpose_title=purpose
        and protocol_records.purpose_titles_in_force(db(), [purpose])[purpose],
        risk=page.risk,
        known_to=page.known_to,
        shares=page.shares,
        locked=page.locked,
        lock_pending=page.lock_pending,
        lock_decision=page.lock_decision,
        refused_attempts=page.refused_attempts,
        held_outside=page.held_outside,
        hate=page.hate,
        safeguarding=page.safeguarding,
        documents=page.documents,
        more=page.more,
        may_ask_more=not page.view.decision.own_agency
        and bool(page.view.decision.shares)
        and authorised.case.status is not CaseStatus.CLOSED
        and bool(more_requests.askable(page.view.decision)),
        conferences=conference_listing.of_case(db(), current_user.actor, case_id),
        kept=erasure.kept_people(db(), authorised),
        erased_by=erasure.erased_by(db(), authorised.case),
        held_by=erasure.reviews_holding(db(), case_id)
        if page.view.decision.own_agency and not page.view.erased
        else [],
        asked=asked.asked_of(db(), case_id, current_user.actor)
        if page.view.decision.own_agency and not page.view.erased
        else [],
    )


def _said(purpose: str | None) -> str:
    """How the page names a purpose the case is not shared for: its title when it is a
    purpose of a protocol in force, else "the purpose in the address" (it could be any
    text, so it is never shown back)."""
    if purpose is None or purpose not in policy(db()).purposes():
        return "the purpose in the address"
    return protocol_records.purpose_titles_in_force(db(), [purpose])[purpose]
