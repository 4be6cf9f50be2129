"""The home page: the alerts waiting, by kind; my cases, reviews due and open cases by
priority; the conferences I chair or am expected at, coming up, and those I convened or
chair whose date has passed, to record held or cancel; for the Community Trigger lead,
the applications by working days left; for a relevant body's managers, the review
recommendations their agency has open; for a case's officer and managers, partners'
requests for more of it waiting for an answer, and for the partner that asked, its
agency's requests waiting and answered lately; for those asked about a case by a
Community Trigger lead, the requests waiting for their answer."""

from __future__ import annotations

from collections import Counter

from flask import Blueprint, current_app, render_template
from flask_login import current_user

from hub.database import db
from hub.guard import for_every_role, may_open
from sharing import alerts, clock
from sharing.cases import more_requests
from sharing.cases.listing import home_summary
from sharing.cases.share_lists import shared_case_count
from sharing.meetings import conference_listing, requests
from sharing.risk.reviews_due import risk_reviews_due
from sharing.trigger import case_answers, handling, listing, review_recommendations
from sharing.vocabulary import AlertKind

#: Risk assessment reviews due listed on the home page, the longest due first.
RISK_ROWS = 20
#: Community Trigger applications listed on the lead's home page, soonest due first.
TRIGGER_ROWS = 5

bp = Blueprint("home", __name__)
for_every_role(bp)


@bp.route("/")
def home() -> str:
    actor = current_user.actor
    summary = home_summary(db(), actor, clock.today()) if actor.works_cases else None
    risk_due = (
        risk_reviews_due(db(), actor, clock.today(), size=RISK_ROWS) if actor.works_cases else None
    )
    shared_count = shared_case_count(db(), actor) if may_open("shares") else None
    waiting = Counter(a.kind for a in alerts.open_alerts(db(), actor))
    to_answer, overdue = (
        requests.waiting(db(), actor) if actor.has(*requests.ANSWERING_ROLES) else ([], [])
    )
    date_passed = conference_listing.passed_for(db(), actor)
    coming_up = conference_listing.coming_up_for(db(), actor)
    procedure = current_app.extensions["hub.trigger_procedure"]
    trigger = (
        listing.waiting(db(), actor, procedure, 1, size=TRIGGER_ROWS, audited=False)
        if handling.handling_agency(db(), actor, procedure)
        else None
    )
    recommendations = (
        review_recommendations.open_for_agency(db(), actor)
        if actor.has(*review_recommendations.COMPLETERS)
        else (0, 0)
    )
    return render_template(
        "home/home.html",
        cases_asked=case_answers.to_answer(db(), actor) if actor.works_cases else [],
        trigger_due=[r for r in trigger.rows if r.clock] if trigger else [],
        trigger_more=max(0, trigger.open - TRIGGER_ROWS) if trigger else 0,
        recommendations=recommendations,
        title="Home",
        alert_counts=[(kind, waiting[kind]) for kind in AlertKind if waiting[kind]],
        summary=summary,
        risk_due=risk_due,
        shared_count=shared_count,
        to_answer=to_answer,
        more_waiting=more_requests.waiting(db(), actor),
        more_asked=more_requests.asked_by_agency(db(), actor),
        answered_lately_days=more_requests.ANSWERED_LATELY_DAYS,
        overdue_requests=overdue,
        date_passed=date_passed,
        coming_up=coming_up,
    )
