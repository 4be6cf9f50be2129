"""The Community Trigger for the lead agency: applications by working days left, recording
one taken by phone, letter, e-mail or in person, and an application's threshold check
across the relevant bodies with the lead's decision."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response
from wtforms import BooleanField, Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired

from hub.database import db
from hub.forms import ChoiceField, DateInputField, HubForm, TextLimit, accepted_once
from hub.guard import require_roles
from hub.pdf import render_pdf
from hub.templating import uk_datetime
from sharing import clock
from sharing.audit import acts
from sharing.errors import InputError, NotAllowed, NotFound
from sharing.formats import whole_number
from sharing.trigger import (
    applications,
    complaints,
    handling,
    input_checks,
    letters,
    listing,
    pages,
    retention,
    review,
    review_outcome,
    review_recommendations,
    workdays,
)
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import CalendarExhausted
from sharing.vocabulary import (
    AppealDecision,
    LetterKind,
    OnBehalf,
    ThresholdDecision,
    TriggerChannel,
    VictimKind,
)

bp = Blueprint("trigger", __name__, url_prefix="/trigger")
require_roles(bp, "trigger_lead", "manager")


def _procedure() -> Procedure:
    return current_app.extensions["hub.trigger_procedure"]  # type: ignore[no-any-return]


def _refused() -> tuple[str, int]:
    return render_template(
        "errors/error.html",
        title="Your agency does not lead the Community Trigger",
        paragraphs=[
            f"Applications are handled by the lead agency's Community Trigger leads and "
            f"managers ({_procedure().title}).",
        ],
    ), 403


@bp.route("")
def index() -> str | tuple[str, int]:
    try:
        page = listing.waiting(
            db(), current_user.actor, _procedure(), whole_number(request.args.get("page")) or 1
        )
    except NotAllowed:
        return _refused()
    return render_template(
        "trigger/index.html",
        title="Community Trigger applications",
        page=page,
        calendar_warning=workdays.running_out(clock.today()),
    )


def application_input(form: HubForm, **given: object) -> input_checks.ApplicationInput:
    """The application in a form whose fields are named as ``ApplicationInput``'s (text
    left empty is "", a box left unticked is false, a field the form lacks keeps its
    default), with ``given`` values over the form's."""
    values: dict[str, object] = {}
    for spec in fields(input_checks.ApplicationInput):
        field = form.field_by_name(spec.name)
        if field is None:
            continue
        if spec.type == "str":
            values[spec.name] = field.data or ""
        elif spec.type == "bool":
            values[spec.name] = bool(field.data)
        else:
            values[spec.name] = field.data
    return input_checks.ApplicationInput(**{**values, **given})  # type: ignore[arg-type]


class ApplicationForm(HubForm):
    received_on = DateInputField("Date received", subject="The date received")
    channel = ChoiceField("How was it received?", message="Select how the application was received")
    victim_kind = ChoiceField(
        "Who suffered the anti-social behaviour?",
        message="Select who suffered the anti-social behaviour",
    )
    victim_given_names = StringField(
        "Victim's given names (optional for a business or group)",
        validators=[TextLimit(input_checks.MAX_NAME, "the victim's given names")],
    )
    victim_family_name = StringField(
        "Victim's surname, or the business's or group's name",
        validators=[TextLimit(input_checks.MAX_NAME, "the victim's surname")],
    )
    victim_date_of_birth = DateInputField(
        "Victim's date of birth (optional)", subject="The victim's date of birth"
    )
    victim_phone = StringField("Phone (optional)")
    victim_email = StringField(
        "E-mail (optional)",
        validators=[TextLimit(input_checks.MAX_NAME, "the victim's e-mail address")],
    )
    victim_address = TextAreaField(
        "Address where the behaviour happens (optional)",
        validators=[TextLimit(input_checks.MAX_ADDRESS, "the victim's address")],
    )
    victim_postcode = StringField("Postcode (optional)")
    victim_uprn = StringField("UPRN (optional)")
    problem = TextAreaField(
        "The anti-social behaviour and its effect, in the applicant's words",
        validators=[
            TextLimit(input_checks.MAX_TEXT, "the description of the anti-social behaviour")
        ],
    )
    on_behalf = ChoiceField("Who applied?", message="Select who applied")
    applicant_name = StringField(
        "Name of the person applying for the victim",
        validators=[TextLimit(input_checks.MAX_NAME, "the name of the person applying")],
    )
    applicant_contact = StringField(
        "How to contact them",
        validators=[TextLimit(input_checks.MAX_NAME, "how to contact the person applying")],
    )
    consent_recorded = BooleanField("The victim consents to this person applying for them")
    consent_note = TextAreaField(
        "How the victim's consent was given (optional)",
        validators=[TextLimit(input_checks.MAX_CONSENT_NOTE, "the note on consent")],
    )


@bp.route("/new", methods=["GET", "POST"])
@accepted_once
def record() -> Response | tuple[str, int]:
    procedure = _procedure()
    try:
        handling.lead_agency(db(), current_user.actor, procedure, acts.Action.TRIGGER_RECORD)
    except NotAllowed:
        return _refused()
    form = ApplicationForm()
    form.channel.choices = [
        (c.value, c.label) for c in TriggerChannel if c is not TriggerChannel.ONLINE
    ]
    form.victim_kind.choices = VictimKind.choices()
    form.on_behalf.choices = [("", "The victim")] + OnBehalf.choices()
    if form.validate_on_submit():
        data = application_input(form)
        try:
            made = applications.record_application(db(), current_user.actor, procedure, data)
        except InputError as e:
            field = form.field_by_name(e.field) or form.problem
            field.errors = [*field.errors, e.message]
        else:
            flash(
                f"Application {made.reference} recorded. Tell the applicant its reference.",
                "success",
            )
            return redirect(url_for("trigger.show", application_id=made.id))
    return render_template(
        "trigger/new.html", title="Record a Community Trigger application", form=form
    ), 400 if request.method == "POST" else 200


class DecisionForm(HubForm):
    decision = ChoiceField("Is the threshold met?", message="Select whether the threshold is met")
    reasons = TextAreaField(
        "Reasons for the decision",
        validators=[TextLimit(input_checks.MAX_REASONS, "the reasons for the decision")],
    )


class PanelForm(HubForm):
    sitting_id = ChoiceField(
        "Which sitting of the review panel?", message="Select which sitting of the review panel"
    )


class RecommendationForm(HubForm):
    owner_agency_id = ChoiceField(
        "Which relevant body will carry it out?",
        message="Select which relevant body will carry it out",
    )
    due_on = DateInputField("Due by", subject="The due date")
    text = TextAreaField(
        "The recommendation",
        validators=[TextLimit(review_recommendations.MAX_RECOMMENDATION, "the recommendation")],
    )
    on_appeal = HiddenField()


class OutcomeForm(HubForm):
    findings = TextAreaField(
        "What the panel found",
        validators=[TextLimit(review_outcome.MAX_FINDINGS, "what the panel found")],
    )
    next_steps = TextAreaField(
        "What happens next",
        validators=[TextLimit(review_outcome.MAX_FINDINGS, "what happens next")],
    )


class AppealForm(HubForm):
    received_on = DateInputField(
        "Date the appeal was received", subject="The date the appeal was received"
    )
    reasons = TextAreaField(
        "The applicant's reasons",
        validators=[TextLimit(review_outcome.MAX_FINDINGS, "the applicant's reasons")],
    )


class AppealDecisionForm(HubForm):
    appeal_decision = ChoiceField(
        "The appeal body's decision", message="Select the appeal body's decision"
    )
    decided_on = DateInputField("Date of the decision", subject="The date of the decision")
    findings = TextAreaField(
        "The appeal body's findings",
        validators=[TextLimit(review_outcome.MAX_FINDINGS, "the appeal body's findings")],
    )


def _page(application_id: int) -> pages.ApplicationPage:
    try:
        return pages.application_page(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)


def _forms(failed: HubForm | None = None) -> dict[str, HubForm]:
    """Every form of the application's page, blank but for the one that failed."""
    procedure = _procedure()
    found: dict[str, HubForm] = {
        "decision": DecisionForm(formdata=None),
        "panel": PanelForm(formdata=None),
        "recommendation": RecommendationForm(formdata=None),
        "outcome": OutcomeForm(formdata=None),
        "appeal": AppealForm(formdata=None),
        "appeal_decision": AppealDecisionForm(formdata=None),
    }
    if failed is not None:
        found.update({k: failed for k, f in found.items() if type(f) is type(failed)})
    found["decision"].decision.choices = ThresholdDecision.choices()
    sittings = review.panel_sittings(db(), current_user.actor, procedure)
    found["panel"].sitting_id.choices = [
        (str(s.id), f"{s.series.name}, {uk_datetime(s.starts_at)}") for s in sittings
    ]
    area = current_user.agency.area_id
    found["recommendation"].owner_agency_id.choices = [
        (str(a.id), a.name) for a in complaints.relevant_agencies(db(), procedure, area)
    ]
    found["appeal_decision"].appeal_decision.choices = AppealDecision.choices()
    return found


def _show(application_id: int, failed: HubForm | None = None) -> tuple[str, int]:
    page = _page(application_id)
    forms = _forms(failed)
    return render_template(
        "trigger/show.html",
        title=f"Application {page.reference}",
        page=page,
        form=failed or forms["decision"],
        forms=forms,
        procedure=_procedure(),
        standing=retention.standing(db(), current_user.actor, _procedure(), application_id),
    ), 400 if failed else 200


def _refused_on_page(application_id: int, error: InputError) -> tuple[str, int]:
    """The application's page, saying the act was refused because its personal data is
    erased or the step was already taken (no form of the page is there to hold the
    message, so it is a banner, not an error linked to a field gone from the page)."""
    flash(error.message, "error")
    page, _ = _show(application_id)
    return page, 400


def _refused_at(form: HubForm, error: InputError, fallback: Field) -> None:
    field = form.field_by_name(error.field) or fallback
    field.errors = [*field.errors, error.message]


def _act(
    application_id: int, form: HubForm, act: Callable[[], object], fallback: Field, done: str
) -> Response | tuple[str, int]:
    """Run ``act`` for a valid ``form``; back to the page with ``done``, or the page with
    the refusal at its field."""
    if form.validate_on_submit():
        try:
            act()
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except InputError as e:
            if e.field in (handling.ERASED, handling.ALREADY_DONE):
                return _refused_on_page(application_id, e)
            _refused_at(form, e, fallback)
        else:
            flash(done, "success")
            return redirect(url_for("trigger.show", application_id=application_id))
    return _show(application_id, form)


@bp.route("/<int:application_id>", methods=["GET", "POST"])
def show(application_id: int) -> Response | tuple[str, int]:
    if request.method == "GET":
        return _show(application_id)
    form = DecisionForm()
    form.decision.choices = ThresholdDecision.choices()
    return _act(
        application_id,
        form,
        lambda: applications.decide(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.decision.data or "",
            form.reasons.data or "",
        ),
        form.reasons,
        "Threshold decision recorded.",
    )


@bp.post("/<int:application_id>/ask")
def ask(application_id: int) -> Response | tuple[str, int]:
    if not HubForm().validate_on_submit():
        abort(400)
    try:
        asked = review.ask_holders(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    except InputError as e:
        flash(e.message, "error")
        page, _ = _show(application_id)
        return page, 400
    if asked == 1:
        done = "The agency holding 1 case asked to confirm its complaints and bring the case."
    elif asked:
        done = f"The agencies holding {asked} cases asked to confirm their complaints and bring the cases."
    else:
        done = "Every agency holding a counted complaint has already been asked."
    flash(done, "success")
    return redirect(url_for("trigger.show", application_id=application_id, _anchor="review"))


@bp.post("/<int:application_id>/panel")
def panel(application_id: int) -> Response | tuple[str, int]:
    form = PanelForm()
    # Any sitting is put to the rules, which say why one is not a panel's (and audit it).
    form.sitting_id.choices = [(request.form.get("sitting_id", ""), "")]
    return _act(
        application_id,
        form,
        lambda: review.convene(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            whole_number(form.sitting_id.data),
        ),
        form.sitting_id,
        "The application is before the review panel. The agencies holding the complaints "
        "are asked to bring their cases to it.",
    )


@bp.post("/<int:application_id>/recommendations")
@accepted_once
def recommend(application_id: int) -> Response | tuple[str, int]:
    form = RecommendationForm()
    # Any agency is put to the rules, which say why one is not a relevant body's.
    form.owner_agency_id.choices = [(request.form.get("owner_agency_id", ""), "")]
    return _act(
        application_id,
        form,
        lambda: review_recommendations.recommend(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            review_recommendations.RecommendationInput(
                whole_number(form.owner_agency_id.data), form.due_on.data, form.text.data or ""
            ),
            on_appeal=form.on_appeal.data == "yes",
        ),
        form.text,
        "Recommendation recorded. The agency's managers are told.",
    )


@bp.post("/<int:application_id>/outcome")
def outcome(application_id: int) -> Response | tuple[str, int]:
    form = OutcomeForm()
    return _act(
        application_id,
        form,
        lambda: review_outcome.record_outcome(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.findings.data or "",
            form.next_steps.data or "",
        ),
        form.findings,
        "Outcome recorded. Send the applicant the outcome letter.",
    )


@bp.post("/<int:application_id>/appeal")
def appeal(application_id: int) -> Response | tuple[str, int]:
    form = AppealForm()
    return _act(
        application_id,
        form,
        lambda: review_outcome.record_appeal(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.received_on.data,
            form.reasons.data or "",
        ),
        form.reasons,
        "Appeal recorded.",
    )


@bp.post("/<int:application_id>/appeal-decision")
def appeal_decision(application_id: int) -> Response | tuple[str, int]:
    form = AppealDecisionForm()
    form.appeal_decision.choices = AppealDecision.choices()
    return _act(
        application_id,
        form,
        lambda: review_outcome.decide_appeal(
            db(),
            current_user.actor,
            _procedure(),
            application_id,
            form.appeal_decision.data or "",
            form.findings.data or "",
            form.decided_on.data,
        ),
        form.findings,
        "Appeal decision recorded.",
    )


def _uncountable(why: str) -> Response:
    """The page for a letter giving a day past the bank holiday list (503: the service's
    calendar is out of date, nothing the user did)."""
    page = render_template(
        "errors/error.html",
        title="This letter gives a day that cannot be counted yet",
        paragraphs=[
            f"The letter gives a deadline in working days, and the {why}.",
            "Ask the hub's administrator to update it; the letter can then be shown, printed "
            "and sent.",
        ],
    )
    return Response(page, status=503)


def _gone(why: str) -> Response:
    """The page for a letter of an application whose personal data is erased (410: it
    will never be there again)."""
    page = render_template(
        "errors/error.html", title="This letter can no longer be made", paragraphs=[why]
    )
    return Response(page, status=410)


def _letter(application_id: int, kind: str) -> letters.Letter:
    chosen = LetterKind.of(kind)
    if chosen is None:
        abort(404)
    try:
        application = handling.handled(db(), current_user.actor, _procedure(), application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    try:
        letter = letters.compose(
            db(),
            application,
            chosen,
            _procedure(),
            current_app.extensions["hub.letters"].trigger,
            actor=current_user.actor,
        )
    except CalendarExhausted as exhausted:
        abort(_uncountable(str(exhausted)))
    except InputError as erased:
        abort(_gone(erased.message))
    if letter is None:
        abort(404)
    return letter


@bp.route("/<int:application_id>/letters/<kind>")
def letter(application_id: int, kind: str) -> str:
    found = _letter(application_id, kind)
    return render_template(
        "trigger/letter.html",
        title=f"Letter: {found.kind.label}",
        letter=found,
        application_id=application_id,
    )


@bp.route("/<int:application_id>/letters/<kind>.pdf")
def letter_pdf(application_id: int, kind: str) -> Response:
    found = _letter(application_id, kind)
    html = render_template("trigger/letter_pdf.html", title=found.subject, letter=found)
    return Response(
        render_pdf(html),
        mimetype="application/pdf",
        headers={
            "Content-Disposition": (
                f'attachment; filename="{found.reference}-{found.kind.value}.pdf"'
            )
        },
    )


class EraseForm(HubForm):
    reference = StringField(
        "Type the application's reference to confirm",
        validators=[DataRequired("Type the application's reference to confirm")],
    )


@bp.route("/<int:application_id>/erase", methods=["GET", "POST"])
def erase(application_id: int) -> Response | tuple[str, int]:
    """Erase a concluded application's personal data (an erasure request): for the lead
    agency's managers."""
    procedure = _procedure()
    try:
        standing = retention.to_erase(db(), current_user.actor, procedure, application_id)
    except NotAllowed:
        abort(403)
    except NotFound:
        abort(404)
    form = EraseForm()
    if form.validate_on_submit():
        if (form.reference.data or "").strip().upper() != standing.reference:
            form.reference.errors = [
                f"Type the reference {standing.reference} exactly, to show this is the "
                "application to erase"
            ]
        else:
            try:
                retention.erase_application(db(), current_user.actor, procedure, application_id)
            except InputError as e:
                _refused_at(form, e, form.reference)
            else:
                flash(
                    f"Application {standing.reference} erased. Its personal data can no longer "
                    "be read by anyone.",
                    "success",
                )
                return redirect(url_for("trigger.show", application_id=application_id))
    return render_template(
        "trigger/erase.html",
        title=f"Erase application {standing.reference}",
        form=form,
        standing=standing,
        application_id=application_id,
        not_concluded=retention.NOT_CONCLUDED,
    ), 400 if request.method == "POST" else 200


class CompleteForm(HubForm):
    note = TextAreaField(
        "What was done",
        validators=[TextLimit(review_recommendations.MAX_RECOMMENDATION, "the note")],
    )


@bp.route("/recommendations", methods=["GET", "POST"])
def recommendations() -> Response | tuple[str, int]:
    form = CompleteForm()
    failed_id = None
    if form.validate_on_submit():
        failed_id = whole_number(request.form.get("recommendation_id"))
        try:
            review_recommendations.complete(
                db(), current_user.actor, failed_id or 0, form.note.data or ""
            )
        except NotAllowed:
            abort(403)
        except NotFound:
            abort(404)
        except InputError as e:
            if e.field == handling.ALREADY_DONE:
                flash(e.message, "error")
                failed_id = None
            else:
                _refused_at(form, e, form.note)
        else:
            flash("Recommendation marked done.", "success")
            return redirect(url_for("trigger.recommendations"))
    try:
        rows = review_recommendations.for_agency(db(), current_user.actor)
    except NotAllowed:
        abort(403)
    return render_template(
        "trigger/recommendations.html",
        title="Community Trigger recommendations for your agency",
        rows=rows,
        form=form,
        failed_id=failed_id,
    ), 400 if request.method == "POST" else 200
