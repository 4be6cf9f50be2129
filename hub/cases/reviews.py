"""Case reviews: recording one, and a manager's list of their agency's overdue reviews."""

from __future__ import annotations

from datetime import timedelta

from flask import abort, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub.cases.forms import ACTIVE, INACTIVE, ReviewForm
from hub.cases.views import _record, _review_days, bp, case_to_work_on
from hub.database import db
from hub.sent_once import accepted_once
from hub.templating import uk_date
from sharing import clock
from sharing.access.decide import Act
from sharing.cases import review_checks, reviews
from sharing.formats import whole_number
from sharing.vocabulary import CaseStatus, ContactMethod, ReviewDecision, Role

#: "Could not reach them" among the ways of contact.
NOT_REACHED = "not_reached"
#: "No change since the last review" among the risk assessments a review links.
NO_CHANGE = "no_change"


@bp.route("/<int:case_id>/review", methods=["GET", "POST"])
@accepted_once
def review(case_id: int) -> Response | tuple[str, int]:
    """Record a case review: contact with the complainant, progress, the risk reviewed,
    the decision and the next review; then on to what the decision asks for."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "review form")
    today = clock.today()
    form = ReviewForm()
    form.contact_method.choices = [(m.value, m.label) for m in ContactMethod] + [
        (NOT_REACHED, "Could not reach them")
    ]
    assessments = review_checks.assessments_to_link(db(), authorised.case, today)
    # "No change" has a value of its own: a radio with an empty value is not shown.
    form.assessment.choices = [(NO_CHANGE, "No change since the last review")] + [
        (str(a.id), f"The new assessment of {uk_date(a.assessed_at)}: {a.band.label.lower()}")
        for a in assessments
    ]
    days = reviews.interval(_review_days(), authorised.case.priority)
    default_next = today + timedelta(days=days)
    if request.method == "GET":
        form.assessment.data = str(assessments[0].id) if assessments else NO_CHANGE
        inactive = authorised.case.status is CaseStatus.INACTIVE
        form.activity.data = INACTIVE if inactive else ACTIVE
    method = form.contact_method.data

    def record() -> object:
        return reviews.record_review(
            db(),
            authorised,
            review_checks.ReviewInput(
                contact_method=ContactMethod(method) if method and method != NOT_REACHED else None,
                contacted_on=form.contacted_on.data,
                contact_note=form.contact_note.data or "",
                progress=form.progress.data or "",
                assessment_id=whole_number(form.assessment.data),
                risk_note=form.risk_note.data or "",
                decision=form.decision.data,
                next_review_on=form.next_review_on.data,
                inactive=form.activity.data == INACTIVE,
            ),
            _review_days(),
        )

    response = _record(
        case,
        form,
        record,
        template="cases/review.html",
        title=f"Review case {case.reference}",
        done="Review recorded.",
        anchor="reviews",
        days=days,
        default_next=default_next,
        risk_url=url_for("risk.assess", case_id=case.id),
    )
    if isinstance(response, Response) and response.status_code == 302:
        decision = form.decision.data
        if decision is ReviewDecision.CLOSE:
            return redirect(url_for("cases.close", case_id=case.id))
        if decision is ReviewDecision.CONFERENCE:
            return redirect(url_for("conferences.convene", case_id=case.id))
    return response


@bp.route("/reviews-due")
def reviews_due() -> str:
    """For a manager: their agency's overdue reviews, how many each officer has, and a
    page of the cases (one officer's, if chosen)."""
    if not current_user.actor.has(Role.MANAGER):
        abort(403)
    officer_id = whole_number(request.args.get("officer"))
    found = reviews.overdue_reviews(
        db(),
        current_user.actor,
        _review_days(),
        clock.today(),
        officer_id=officer_id,
        page=whole_number(request.args.get("page")) or 1,
    )
    chosen = next((o for o in found.officers if o.officer_id == officer_id), None)
    return render_template(
        "cases/reviews_due.html",
        title="Overdue case reviews",
        found=found,
        chosen=chosen,
        args={"officer": chosen.officer_id} if chosen else {},
    )
