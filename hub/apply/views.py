"""The public Community Trigger (ASB Case Review) application: anyone who has suffered
anti-social behaviour, or someone for them with their consent, applies without an account:
the start page, the questions, "check your answers", and the confirmation with the
application's reference. The form is limited in how often one address (and everyone
together) may send it, accepts no HTML, and never says anything from the partnership's
records."""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from flask import Blueprint, current_app, redirect, render_template, request, session, url_for
from werkzeug.wrappers import Response
from wtforms import BooleanField, StringField, TextAreaField, ValidationError

from hub.apply.reports import MonthsField, reported
from hub.choice_fields import ChoiceField, ChoicesField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm
from hub.guard import for_every_role
from hub.trigger.recording import application_input
from sharing import clock
from sharing.errors import InputError
from sharing.formats import normalise_postcode
from sharing.sources import source_of
from sharing.trigger import applications, field_checks, input_checks, limits
from sharing.trigger.deadlines import counted_or_not
from sharing.trigger.letters import email_of
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import OnBehalf, VictimKind

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
#: The answer "I am applying for myself".
_SELF = "self"
#: A random value of this browser's, that its "check your answers" tokens are made from.
_BROWSER = "trigger_browser"
#: Sent with a page opened from "check your answers" (its Change button): answered, it
#: goes back there rather than through every question after it.
_CHECKING = "checking"


def _procedure() -> Procedure:
    return current_app.extensions["hub.trigger_procedure"]  # type: ignore[no-any-return]


#: The longest text each box takes (the core's checks), stated beside the box.
LIMITS = {
    "problem": input_checks.MAX_TEXT,
    "victim_address": field_checks.MAX_ADDRESS,
    "applicant_address": field_checks.MAX_ADDRESS,
}


class ApplyForm(HubForm):
    victim_kind = ChoiceField(
        "Who has suffered the anti-social behaviour?",
        message="Select who has suffered the anti-social behaviour",
    )
    problem = TextAreaField("What is happening, and how is it affecting you?")
    victim_given_names = StringField("First name (optional for a business or group)")
    victim_family_name = StringField("Last name, or the name of the business or group")
    victim_date_of_birth = DateInputField("Date of birth (optional)", subject="The date of birth")
    victim_address = TextAreaField("Address where it is happening")
    victim_postcode = StringField("Postcode (optional)")
    victim_phone = StringField("Phone number (optional)")
    victim_email = StringField("Email address (optional)")
    on_behalf = ChoiceField(
        "Are you applying for yourself?", message="Select whether you are applying for yourself"
    )
    applicant_name = StringField("Your name")
    applicant_contact = StringField("Your phone number or email address")
    applicant_address = TextAreaField("Your postal address (if you did not give an email address)")
    consent_recorded = BooleanField("They have agreed to me applying for them")
    reported_to = ChoicesField(
        "Who have you reported it to?",
        message="Select the agencies you reported it to, or someone else",
    )
    reported_other = StringField("Who else did you report it to?")
    reported_when = MonthsField("When did you report it? (optional)")

    def validate_reported_other(self, field: StringField) -> None:
        # Said with the month boxes' own problems, not only once they are mended.
        if (
            input_checks.SOMEONE_ELSE in (self.reported_to.data or [])
            and not (field.data or "").strip()
        ):
            raise ValidationError(_in_your_words(self, input_checks.REPORTED_OTHER_NEEDED))


def _form() -> ApplyForm:
    form = ApplyForm()
    form.victim_kind.choices = VictimKind.choices()
    _offer_agencies(form)
    form.on_behalf.choices = [(_SELF, "Yes, it is about me, my business or my group")] + [
        (o.value, f"No, I am applying as {o.label[0].lower()}{o.label[1:]}") for o in OnBehalf
    ]
    if form.victim_kind.data:  # a business or group is asked its name alone
        form.victim_family_name.label.text = (
            "Last name" if _a_person(form) else "Name of the business or group"
        )
        form.victim_given_names.label.text = "First name (optional)"
    if _for_someone_else(form):
        form.problem.label.text = "What is happening, and how is it affecting them?"
    if _for_someone_else(form) or (form.victim_email.data or "").strip():
        # Needed only when the letters are posted there: to the victim applying without
        # an email address.
        form.victim_address.label.text = "Address where it is happening (optional)"
    return form


def _offer_agencies(form: ApplyForm) -> None:
    """The partnership's agencies by their public names, and someone else, for "who have
    you reported it to?"; the months asked of each one ticked."""
    agencies = applications.partnership_agencies(db(), _procedure())
    form.reported_to.choices = [*agencies, (input_checks.SOMEONE_ELSE, "Someone else")]
    ticked = set(form.reported_to.data or [])
    when = form.reported_when
    when.ticked = [value for value, _ in form.reported_to.choices if value in ticked]
    when.names = {**dict(agencies), input_checks.SOMEONE_ELSE: "someone else"}
    if _for_someone_else(form):
        form.reported_to.label.text = "Who has it been reported to?"
        form.reported_other.label.text = "Who else was it reported to?"
        form.reported_when.label.text = "When was it reported? (optional)"


def _reports(form: ApplyForm) -> tuple[input_checks.ReportedTo, ...]:
    when = form.reported_when
    return reported(when.ticked, when.names, form.reported_other.data or "", when)


def _input(form: ApplyForm) -> input_checks.ApplicationInput:
    """The application as sent: received today, online; "for myself" is no third party,
    and a page not asked (a date of birth for a business) gives no answer."""
    someone_else = _for_someone_else(form)
    return application_input(
        form,
        received_on=clock.today(),
        channel="online",
        on_behalf=form.on_behalf.data if someone_else else "",
        applicant_name=(form.applicant_name.data or "") if someone_else else "",
        applicant_contact=(form.applicant_contact.data or "") if someone_else else "",
        applicant_address=(form.applicant_address.data or "") if someone_else else "",
        consent_recorded=bool(form.consent_recorded.data) if someone_else else False,
        victim_date_of_birth=form.victim_date_of_birth.data if _a_person(form) else None,
        victim_given_names=(form.victim_given_names.data or "") if _a_person(form) else "",
        reported_to=_reports(form),
    )


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


@dataclass(frozen=True)
class Step:
    """One page of the form: one question (a name is one question in two boxes)."""

    name: str
    #: The page's title for someone applying for someone else ("Their name") ...
    title: str
    fields: tuple[str, ...]
    #: Whether the page is asked, given the answers so far.
    asked: Callable[[ApplyForm], bool] = lambda form: True
    #: What to say when the page's choice is left unanswered (a page of choices).
    unanswered: str = ""
    #: ... and for someone applying for themselves ("Your name"), if it differs.
    own_title: str = ""
    #: The title when a business or community group suffered it, if it differs.
    organisation_title: str = ""

    def title_for(self, form: ApplyForm) -> str:
        if self.organisation_title and form.victim_kind.data and not _a_person(form):
            return self.organisation_title
        return self.title if _for_someone_else(form) else self.own_title or self.title


def _for_someone_else(form: ApplyForm) -> bool:
    return form.on_behalf.data not in (None, "", _SELF)


def _a_person(form: ApplyForm) -> bool:
    return form.victim_kind.data == VictimKind.PERSON.value


STEPS = (
    Step(
        "who",
        "Are you applying for yourself?",
        ("on_behalf",),
        unanswered="Select whether you are applying for yourself or for someone else",
    ),
    Step(
        "you",
        "About you",
        ("applicant_name", "applicant_contact", "applicant_address", "consent_recorded"),
        _for_someone_else,
    ),
    Step(
        "kind",
        "Who has suffered the anti-social behaviour?",
        ("victim_kind",),
        unanswered="Select who has suffered the anti-social behaviour",
    ),
    Step(
        "name",
        "Their name",
        ("victim_given_names", "victim_family_name"),
        own_title="Your name",
        organisation_title="What is the name of the business or group?",
    ),
    Step(
        "born",
        "Their date of birth",
        ("victim_date_of_birth",),
        _a_person,
        own_title="Your date of birth",
    ),
    # How to contact them comes before where it happens: an applicant for themselves
    # without an e-mail address is then asked for the address the letters are posted to.
    Step(
        "contact",
        "How can we contact them?",
        ("victim_phone", "victim_email"),
        own_title="How can we contact you?",
    ),
    Step("where", "Where is it happening?", ("victim_address", "victim_postcode")),
    Step("problem", "What is happening?", ("problem",)),
    Step(
        "reported",
        "Who has it been reported to?",
        ("reported_to", "reported_other", "reported_when"),
        own_title="Who have you reported it to?",
    ),
)
_BY_NAME = {step.name: step for step in STEPS}


def _asked(form: ApplyForm) -> list[Step]:
    return [step for step in STEPS if step.asked(form)]


def _after(form: ApplyForm, step: Step) -> Step | None:
    """The page after ``step``, None when the next is "check your answers"."""
    asked = _asked(form)
    later = [s for s in asked if STEPS.index(s) > STEPS.index(step)]
    return later[0] if later else None


def _unanswered(form: ApplyForm) -> Step | None:
    """The first page asked whose boxes the answers so far do not hold: one an answer
    changed on "check your answers" now asks (a date of birth, once it is a person)."""
    answered = {key.partition("-")[0] for key in request.form}
    return next((s for s in _asked(form) if answered.isdisjoint(s.fields)), None)


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
    asked = _asked(form)
    number = asked.index(step) + 1 if step in asked else 1
    return render_template(
        "apply/step.html",
        title=step.title_for(form),
        form=form,
        step=step,
        for_someone_else=_for_someone_else(form),
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
        steps=_asked(form),
        answers=_carried(form),
        sending=_sending(form),
        # As the application records it ("nx11aa" is NX1 1AA).
        postcode=normalise_postcode(form.victim_postcode.data or ""),
        reports=_reports(form),
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
    form = _form()
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
    change = _BY_NAME.get(request.form.get("change", ""))
    if change is not None:
        return _page(form, change)
    data = _input(form)
    problems = input_checks.problems_in(data, clock.now())
    step = _BY_NAME.get(request.form.get("step", ""))
    if step is not None:
        # The page just answered: its own problems, or the next page.
        mine = [p for p in problems if p.field in step.fields]
        if mine:
            return _refused(form, step, mine)
        if request.form.get(_CHECKING) == "yes":
            # Back to "check your answers", unless the change asks a page not answered.
            unanswered = _unanswered(form)
            return _page(form, unanswered) if unanswered else _check(form)
        following = _after(form, step)
        return _page(form, following) if following else _check(form)
    if request.form.get("action") != "send":
        return _page(form, STEPS[0])
    # From "check your answers": every page asked must be right before it is sent.
    for asked in _asked(form):
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
    step = _BY_NAME.get(request.form.get("step", ""))
    for field in form:
        if step is not None and field.name in step.fields and step.unanswered:
            if not field.data:
                field.errors = [step.unanswered]
        elif field.name != "csrf_token" and field.name not in answered:
            field.errors = []
    return not any(field.errors for field in form)


#: "Email", as the boxes say it (the hub's own pages say "e-mail").
_EMAIL_FORMAT = "Enter an email address in the correct format, like name@example.org"
#: Why a number abroad is not taken, and what to give instead (the council's number is
#: the settings', put in when the message is shown).
_ABROAD = (
    "We cannot phone a number outside the UK, so give your email address instead. If you "
    "have no email address either, apply by phone: call the council's community safety "
    "team on {phone}"
)
#: What the core says of a detail left empty or mistyped, in the words of someone applying for
#: themselves and of someone applying for another (the core's are the lead's, who records
#: an application for "the victim" and "the person applying").
_IN_YOUR_WORDS = {
    input_checks.CONSENT_NEEDED: (
        "",
        "Confirm that they have agreed to you applying for them, or ask them to apply themselves",
    ),
    input_checks.APPLICANT_NAME_NEEDED: ("", "Enter your name"),
    input_checks.APPLICANT_CONTACT_NEEDED: ("", "Enter your phone number or email address"),
    field_checks.ADDRESS_NEEDED: (
        "",
        "Enter your postal address, where we post the letters about the application, or "
        "give your email address instead of a phone number",
    ),
    input_checks.FAMILY_NAME_NEEDED: (
        "Enter your last name, or the name of your business or group",
        "Enter their last name, or the name of the business or group",
    ),
    field_checks.EMAIL_FORMAT: (_EMAIL_FORMAT, _EMAIL_FORMAT),
    f"{field_checks.EMAIL_FORMAT}, on its own (or give a phone number)": (
        "",
        f"{_EMAIL_FORMAT}, on its own (or give a phone number)",
    ),
    field_checks.CONTACT_FORMAT: (
        "",
        "Enter your email address, like name@example.org, or a UK phone number, like "
        "07700 900 982 or 01632 960 001",
    ),
    field_checks.ONLINE_CONTACT_ABROAD: (
        "",
        "Enter your email address, like name@example.org, or a UK phone number, like "
        f"07700 900 982 or 01632 960 001. {_ABROAD}",
    ),
    field_checks.ONLINE_CONTACT_DIALLED_ABROAD: (
        "",
        "Enter your email address, like name@example.org, or a UK phone number starting "
        f"with a single 0, like 07700 900 982. {_ABROAD}",
    ),
    input_checks.REPORTED_OTHER_NEEDED: (
        "Enter who else you reported it to",
        "Enter who else it was reported to",
    ),
    input_checks.VICTIM_ADDRESS_NEEDED: (
        "Enter your address, where we post the letters about your application, or go back "
        "and give your email address",
        "",
    ),
}


def _in_your_words(form: ApplyForm, message: str) -> str:
    own, someone_elses = _IN_YOUR_WORDS.get(message, ("", ""))
    words = (someone_elses if _for_someone_else(form) else own) or message
    return words.replace("{phone}", current_app.config["HUB_SETTINGS"].trigger_phone)


def _refused(form: ApplyForm, step: Step, problems: list[InputError]) -> tuple[str, int]:
    """The page with its problems at their fields, in the applicant's words, the refusal
    audited (nothing else is written)."""
    for problem in problems:
        field = form.field_by_name(problem.field) or form[step.fields[0]]
        field.errors = [*field.errors, _in_your_words(form, problem.message)]
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
