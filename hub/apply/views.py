"""The public Community Trigger (ASB Case Review) application: anyone who has suffered
anti-social behaviour, or someone for them with their consent, applies without an account:
the start page, the questions, "check your answers", and the confirmation with the
application's reference. The form is limited in how often one address (and everyone
together) may send it, accepts no HTML, and never says anything from the partnership's
records. Its boxes and their words are ``hub.apply.forms``, its pages ``hub.apply.steps``."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response

from hub.apply.forms import (
    LIMITS,
    ApplyForm,
    apply_form,
    for_someone_else,
    in_your_words,
    input_of,
    reports_given,
)
from hub.apply.steps import BY_NAME, STEPS, Step, step_after, steps_asked
from hub.database import db
from hub.guard import for_every_role
from sharing import clock
from sharing.errors import InputError
from sharing.formats import normalise_postcode
from sharing.sources import source_of
from sharing.trigger import applications, input_checks, limits
from sharing.trigger.deadlines import counted_or_not
from sharing.trigger.letters import email_of
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales

PREFIX = "/community-trigger"
bp = Blueprint("apply", __name__, url_prefix=PREFIX)
for_every_role(bp)  # and public: see hub.guard.PUBLIC_ENDPOINTS


def on_public_form() -> bool:
    """Whether the request is to one of the public form's addresses (an address under it
    that does not exist too): its error pages are then the form's own, without the staff
    pages' marking and sign-in link. Reads the address alone, so a page that needs
    nothing (the database down) can ask it."""
    return request.path == PREFIX or request.path.startswith(f"{PREFIX}/")


#: The reference of the application this browser just sent (not personal data), the day
#: it was sent and whether its letters are e-mailed (else posted), for the confirmation.
_SENT = "trigger_reference"
_SENT_ON = "trigger_sent_on"
_EMAILED = "trigger_emailed"

#: A random value of this browser's, that its "check your answers" tokens are made from.
_BROWSER = "trigger_browser"
#: Sent with a page opened from "check your answers" (its Change button): answered, it
#: goes back there rather than through every question after it.
_CHECKING = "checking"


def _procedure() -> Procedure:
    return current_app.extensions["hub.trigger_procedure"]  # type: ignore[no-any-return]


def _secret() -> bytes:
    return str(current_app.config["SECRET_KEY"]).encode()


def within_limits() -> bool:
    """Whether this send of a public form is within the limits of its source (the address,
    or an IPv6 address's /64) and of everyone together; if it is, it is recorded (in a
    transaction of its own, kept whatever the answer)."""
    source = source_of(request.remote_addr)
    key = hmac.new(_secret(), source.encode(), hashlib.sha256).hexdigest()
    with current_app.extensions["hub.sessions"]() as uses:
        allowed = limits.use(uses, key, clock.now())
        uses.commit()
    return allowed


@bp.route("")
def start() -> str:
    return render_template(
        "apply/start.html",
        title="Ask for a review of your anti-social behaviour case",
        procedure=_procedure(),
    )


def _unanswered(form: ApplyForm) -> Step | None:
    """The first page asked whose boxes the answers so far do not hold: one an answer
    changed on "check your answers" now asks (a date of birth, once it is a person)."""
    answered = {key.partition("-")[0] for key in request.form}
    return next((s for s in steps_asked(form) if answered.isdisjoint(s.fields)), None)


def _carried(form: ApplyForm, leave_out: tuple[str, ...] = ()) -> list[tuple[str, str]]:
    """The answers given so far, to carry as hidden fields (dates in their three boxes)."""
    return [
        (key, value)
        for key, value in request.form.items(multi=True)
        if key not in ("csrf_token", "step", "action", "change", _CHECKING)
        and key.partition("-")[0] not in leave_out
        and form.field_by_name(key.partition("-")[0]) is not None
    ]


def _checking() -> bool:
    """Whether the page was opened from "check your answers" to change an answer."""
    return request.form.get(_CHECKING) == "yes"


def _page(form: ApplyForm, step: Step, status: int = 200) -> tuple[str, int]:
    asked = steps_asked(form)
    number = asked.index(step) + 1 if step in asked else 1
    return render_template(
        "apply/step.html",
        title=step.title_for(form),
        form=form,
        step=step,
        for_someone_else=for_someone_else(form),
        number=number,
        previous=asked[number - 2].name if number > 1 else None,
        carried=_carried(form, step.fields),
        checking=_checking(),
        limits=LIMITS,
    ), status


def _check(form: ApplyForm) -> tuple[str, int]:
    return render_template(
        "apply/check.html",
        title="Check your answers",
        form=form,
        steps=steps_asked(form),
        answers=_carried(form),
        sending=_sending(form),
        # As the application records it ("nx11aa" is NX1 1AA).
        postcode=normalise_postcode(form.victim_postcode.data or ""),
        reports=reports_given(form),
    ), 200


def _sending(form: ApplyForm) -> str:
    """The token of "check your answers" for these answers in this browser, used once: the
    page sent again, or the same answers checked and sent again from this browser, are
    the application already sent."""
    browser = session.setdefault(_BROWSER, secrets.token_hex(16))
    answers = json.dumps(sorted(_carried(form)))
    return hmac.new(_secret(), f"{browser}\n{answers}".encode(), hashlib.sha256).hexdigest()


@bp.route("/apply", methods=["GET", "POST"])
def form() -> Response | tuple[str, int]:
    """The questions one a page, the answers so far carried in the page (nothing is kept
    on the server until the application is sent), then "check your answers" and send."""
    form = apply_form(_procedure())
    if request.method == "GET":
        return _page(form, STEPS[0])
    if not within_limits():
        return render_template("apply/too_many.html", title="Too many applications from here"), 429
    if not _valid_so_far(form):
        wrong = next((s for s in STEPS if any(form[f].errors for f in s.fields)), STEPS[0])
        applications.refuse_online(db(), sorted(form.errors))  # names only, as below
        return _page(form, wrong, 400)
    if request.form.get("change") == "check":
        return _check(form)  # the Back link of a page opened to change an answer
    change = BY_NAME.get(request.form.get("change", ""))
    if change is not None:
        return _page(form, change)
    data = input_of(form)
    problems = input_checks.problems_in(data, clock.now())
    step = BY_NAME.get(request.form.get("step", ""))
    if step is not None:
        # The page just answered: its own problems, or the next page.
        mine = [p for p in problems if p.field in step.fields]
        if mine:
            return _refused(form, step, mine)
        if request.form.get(_CHECKING) == "yes":
            # Back to "check your answers", unless the change asks a page not answered.
            unanswered = _unanswered(form)
            return _page(form, unanswered) if unanswered else _check(form)
        following = step_after(form, step)
        return _page(form, following) if following else _check(form)
    if request.form.get("action") != "send":
        return _page(form, STEPS[0])
    # From "check your answers": every page asked must be right before it is sent.
    for asked in steps_asked(form):
        mine = [p for p in problems if p.field in asked.fields]
        if mine:
            return _refused(form, asked, mine)
    sending = _sending(form)
    if not hmac.compare_digest(request.form.get("sending", ""), sending):
        return _check(form)  # answers this browser has not been shown to check
    try:
        sent = applications.submit_online(db(), _procedure(), data, sent_with=sending)
    except InputError as e:
        return _refused(form, STEPS[-1], [e])
    session[_SENT] = sent.reference
    session[_SENT_ON] = sent.received_on.isoformat()
    session[_EMAILED] = _emailed(data)
    return redirect(url_for("apply.done"))


def _emailed(data: input_checks.ApplicationInput) -> bool:
    """Whether the letters about the application are e-mailed (else they are posted)."""
    details = {
        "applicant_contact": data.applicant_contact.strip(),
        "victim_email": data.victim_email.strip(),
    }
    return email_of(details, bool(data.on_behalf)) is not None


def _valid_so_far(form: ApplyForm) -> bool:
    """Whether the answers given so far are well formed (a question not reached yet is
    not an error; a form not from this site is)."""
    form.validate_on_submit()
    answered = {key.partition("-")[0] for key in request.form}
    step = BY_NAME.get(request.form.get("step", ""))
    for field in form:
        if step is not None and field.name in step.fields and step.unanswered:
            if not field.data:
                field.errors = [step.unanswered]
        elif field.name != "csrf_token" and field.name not in answered:
            field.errors = []
    return not any(field.errors for field in form)


def _refused(form: ApplyForm, step: Step, problems: list[InputError]) -> tuple[str, int]:
    """The page with its problems at their fields, in the applicant's words, the refusal
    audited (nothing else is written)."""
    for problem in problems:
        field = form.field_by_name(problem.field) or form[step.fields[0]]
        field.errors = [*field.errors, in_your_words(form, problem.message)]
    applications.refuse_online(db(), [p.field for p in problems])
    return _page(form, step, 400)


@bp.route("/apply/sent")
def done() -> Response | str:
    reference = session.get(_SENT)
    if not reference:
        return redirect(url_for("apply.start"))
    procedure = _procedure()
    sent_on = _day(session.get(_SENT_ON)) or clock.today()
    calendar = england_and_wales()
    acknowledge_by, _ = counted_or_not(
        lambda: calendar.add(sent_on, procedure.timescales.acknowledge)
    )
    decide_by, _ = counted_or_not(
        lambda: calendar.add(sent_on, procedure.timescales.threshold_decision)
    )
    return render_template(
        "apply/done.html",
        title="Application sent",
        reference=reference,
        procedure=procedure,
        emailed=bool(session.get(_EMAILED)),
        acknowledge_by=acknowledge_by,
        decide_by=decide_by,
    )


def _day(value: object) -> date | None:
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
