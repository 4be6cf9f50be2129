"""A partner asks a shared case's agency for more of it; the case's agency answers, by
sharing more (the share form, from the request) or declining, saying why."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import TextAreaField

from hub.choice_fields import ChoicesField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm, TextLimit
from hub.guard import authorised_case
from hub.sent_once import accepted_once
from hub.shares.views import bp
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import more_answers, more_requests
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.vocabulary import CaseStatus, ShareOrigin


class AskForm(HubForm):
    categories = ChoicesField(
        "What does your agency need?",
        message="Select only what your agency's share does not already give it",
    )
    why = TextAreaField(
        "Why does your agency need it?",
        validators=[TextLimit(more_requests.MAX_TEXT, "the reason your agency needs it")],
    )
    due_on = DateInputField("By when?", subject="The date your agency needs it by")


class DeclineForm(HubForm):
    reason = TextAreaField(
        "Why is your agency declining?",
        validators=[TextLimit(more_requests.MAX_TEXT, "the reason for declining")],
    )


@bp.route("/cases/<int:case_id>/more", methods=["GET", "POST"])
@accepted_once
def ask_more(case_id: int) -> Response | tuple[str, int]:
    """A partner reading the case through a live share asks its agency for more (the
    purpose they read it for is in the address, as on the case page)."""
    purpose = request.args.get("purpose") or None
    authorised = authorised_case(case_id, Act.VIEW, purpose)
    decision = authorised.decision
    if decision.own_agency or not decision.shares:
        abort(404)  # only a partner holding a live share asks; the owner has all of it
    back = url_for("cases.show", case_id=case_id, purpose=purpose, _anchor="more")
    form = AskForm()
    offered = more_requests.askable(decision)
    if not offered:
        return render_template(
            "errors/error.html",
            title="Your agency's share gives you all of this case",
            paragraphs=[
                f"Your agency's share of case {authorised.case.reference} already gives you "
                "every part of it: there is nothing more to ask for."
            ],
            back=(back, f"Back to case {authorised.case.reference}"),
        ), 200
    if authorised.case.status is CaseStatus.CLOSED:
        return render_template(
            "errors/error.html",
            title=f"Case {authorised.case.reference} is closed",
            paragraphs=[f"{more_requests.CLOSED}: there is nothing more to ask for."],
            back=(back, f"Back to case {authorised.case.reference}"),
        ), 200
    form.categories.choices = [(c, more_requests.CATEGORY_WORDS[c]) for c in offered]
    if form.validate_on_submit():
        try:
            more_requests.ask(
                db(),
                authorised,
                more_requests.AskInput(
                    categories=form.categories.data or [],
                    why=form.why.data or "",
                    due_on=form.due_on.data,
                ),
            )
        except InputError as e:
            field = {"why": form.why, "due_on": form.due_on}.get(e.field, form.categories)
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
        except NotAllowed:
            abort(404)
        else:
            flash(
                f"Request sent to {authorised.case.agency.name}. You will be told by e-mail "
                "when it is answered.",
                "success",
            )
            return redirect(back)
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        acts.refuse(
            db(),
            acts.Action.MORE_ASK,
            actor=current_user.actor,
            subject=authorised.subject,
            purpose=purpose,
            reason=acts.input_refused(sorted(form.errors)),
        )
    status = 400 if request.method == "POST" else 200
    return render_template(
        "shares/ask_more.html",
        title=f"Ask for more of case {authorised.case.reference}",
        form=form,
        case=authorised.case,
        purpose=purpose,
        offered=offered,
        back=back,
    ), status


@bp.route("/more/<int:request_id>", methods=["GET", "POST"])
@accepted_once
def answer_more(request_id: int) -> Response | tuple[str, int]:
    """The case's agency reads a request for more and answers it: a link to share more,
    when a share would give more, or declining, saying why."""
    try:
        case_id = more_answers.case_of(db(), request_id)
    except NotFound:
        abort(404)
    authorised = authorised_case(case_id, Act.REVOKE_SHARE)
    try:
        item = more_answers.request_to_answer(db(), authorised, request_id)
    except NotFound:
        abort(404)
    form = DeclineForm()
    if form.validate_on_submit():
        try:
            more_answers.decline(db(), authorised, request_id, form.reason.data or "")
        except InputError as e:
            form.reason.errors = [*form.reason.errors, e.message]  # type: ignore[list-item]
        else:
            flash(f"Request declined. {item.agency.name} is told by e-mail.", "success")
            return redirect(url_for("cases.show", case_id=case_id, _anchor=f"more-{item.id}"))
    if request.method == "POST" and not acts.refused_in(db()):  # the form's own refusal
        acts.refuse(
            db(),
            acts.Action.MORE_ANSWER,
            actor=current_user.actor,
            subject=authorised.subject,
            reason=acts.input_refused(sorted(form.errors), f"request {request_id}"),
        )
    shown = more_answers.to_answer(db(), authorised, item)
    status = 400 if request.method == "POST" else 200
    return render_template(
        "shares/answer_more.html",
        title=f"A request for more of case {authorised.case.reference}",
        form=form,
        shown=shown,
        asked_for=[more_requests.CATEGORY_WORDS[c] for c in item.asked_for],
        by_sharing=more_requests.words(shown.by_sharing),
        answered=more_answers.answered_already(item) if item.answered_at else None,
        ended=more_answers.ended_already(item) if item.ended_at else None,
        through_conference=item.share.origin is ShareOrigin.CONFERENCE,
    ), status
