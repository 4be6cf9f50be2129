"""The closure survey a complainant answers by the link their case officer gave them: no
account, once, while the link works. The link's secret is moved out of the address bar at
once, as a link to set a password's is (kept in the signed browser session, so a shared
computer's history holds no link that answers in the complainant's place). The page never
shows anything from the case, only the survey's questions; a link that does not work says
so the same way whether it never existed, was answered or has expired. Sends are limited
like the public application form.
"""

from __future__ import annotations

from flask import (
    Blueprint,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from hub.apply.views import within_limits
from hub.cases.closing_forms import survey_form
from hub.database import db
from hub.guard import for_every_role
from sharing.cases import survey as closure_survey
from sharing.errors import InputError, NotFound

PREFIX = "/closure-survey"
bp = Blueprint("your_say", __name__, url_prefix=PREFIX)
for_every_role(bp)  # and public: see hub.guard.PUBLIC_ENDPOINTS

#: That this browser just sent a survey's answers (nothing of which survey, nor of the
#: case), for the thank-you page, as the public application form keeps its reference.
_ANSWERED = "closure_survey_answered"
#: Where the browser session keeps the link's secret between the survey's pages.
_LINK = "closure_survey_link"


def on_closure_survey() -> bool:
    """Whether the request is to one of the survey's addresses (an address under it that
    does not exist too): its error pages are then the survey's own, without the staff
    pages' marking and sign-in link. Reads the address alone, so a page that needs
    nothing (the database down) can ask it."""
    return request.path == PREFIX or request.path.startswith(f"{PREFIX}/")


def _not_working() -> tuple[str, int]:
    return render_template(
        "errors/error.html",
        title="This survey link does not work",
        # The page then says to contact the officer (as every error page of the survey does).
        paragraphs=["It may have been used already, or it may have expired."],
    ), 404


@bp.route("/<token>")
def link(token: str) -> Response:
    """The link from the letter: its secret goes into the browser session and out of the
    address bar (and so out of the browser's history and any address logged)."""
    session[_LINK] = token[:100]
    return redirect(url_for("your_say.answer"))


@bp.route("", methods=["GET", "POST"])
def answer() -> Response | tuple[str, int]:
    questions = current_app.extensions["hub.closure_survey"]
    if request.method == "POST" and not within_limits():
        return render_template("your_say/too_many.html", title="Too many answers from here"), 429
    token = session.get(_LINK, "")
    try:
        closure_survey.linked(db(), token)
    except NotFound:
        session.pop(_LINK, None)
        return _not_working()
    form = survey_form(questions)()
    del form.channel  # the complainant answers: there is nothing to say about how
    form.comment.label.text = "Anything else you want to tell us (optional)"
    if form.validate_on_submit():
        answers = {
            q.id: (form[f"answer_{q.id}"].data.value if form[f"answer_{q.id}"].data else "")
            for q in questions.questions
        }
        try:
            closure_survey.answer_online(db(), questions, token, answers, form.comment.data or "")
        except NotFound:
            session.pop(_LINK, None)
            return _not_working()
        except InputError as e:
            # The refusal names one field; every question left unanswered is shown at once.
            others = closure_survey.unanswered(questions, answers)
            for problem in [e, *(p for p in others if p.field != e.field)]:
                field = form.field_by_name(problem.field) or form.comment
                field.errors = [*field.errors, problem.message]
        else:
            session.pop(_LINK, None)
            session[_ANSWERED] = True
            return redirect(url_for("your_say.thanks"))
    return render_template(
        "your_say/answer.html", title=questions.title, form=form, survey=questions
    ), 400 if request.method == "POST" else 200


@bp.route("/thank-you")
def thanks() -> str:
    """The page after answering (it says nothing of the case); opened in a browser that
    has sent no answers, the survey's page that does not exist."""
    if not session.get(_ANSWERED):
        abort(404)
    return render_template("your_say/thanks.html", title="Thank you")
