"""The case journey: list, open, view, record incidents and actions, close."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.cases.forms import (
    OPEN,
    REVIEW_DUE,
    ActionForm,
    AddPersonForm,
    CloseForm,
    EraseForm,
    FilterForm,
    ImportForm,
    IncidentForm,
    LetterForm,
    NewCaseForm,
    PersonForm,
    ReferralForm,
    ReferralOutcomeForm,
    ReviewForm,
    SafeguardingForm,
    survey_form,
)
from hub.config import review_days
from hub.database import db
from hub.forms import HubForm, accepted_once, by_agency, name_and_agency
from hub.guard import authorised_case, forbid, require_roles
from hub.pdf import render_pdf
from hub.templating import uk_date
from sharing import clock, directory, stamps
from sharing.access.authorise import AuthorisedCase, authorise, decision_on
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.cases import (
    agency_actions,
    casework,
    erasure,
    export,
    letters,
    listing,
    pages,
    referrals,
    reviews,
)
from sharing.cases import survey as closure_survey
from sharing.cases.search import SearchHit, SearchQuery, held_on_cases_unseen, search
from sharing.errors import ChangedMeanwhile, InputError, NotAllowed, NotFound, PurposeRequired
from sharing.formats import whole_number
from sharing.imports import case_rows
from sharing.imports import cases as imports
from sharing.imports.case_rows import FileRejected
from sharing.models import Action, Conference, Referral
from sharing.vocabulary import (
    Adjustment,
    CaseStatus,
    ContactMethod,
    PartyRole,
    ReferralKind,
    ReviewDecision,
    Role,
    SurveyChannel,
)

bp = Blueprint("cases", __name__, url_prefix="/cases")
#: The most rows a file imported through the page may have (more: ``hub import cases``):
#: an import holds the audit log's lock while it runs (about 25 rows a second today), so
#: a page's import must end well within a worker's 30 seconds.
PAGE_ROWS = 500
#: Roles that may ever see case content: own agency caseworkers, and partners through
#: protocols and shares (each case still goes through the access decision).
require_roles(bp, "case_officer", "manager", "partner_viewer", "conference_chair", "trigger_lead")


def _casework_only() -> None:
    if not current_user.actor.works_cases:
        abort(403)


def _agency_managers_only() -> None:
    """The agency's own case data in bulk (the import) is for its managers who work cases."""
    _casework_only()
    if not current_user.has_role(Role.MANAGER):
        abort(403)


def _wards() -> list[tuple[str, str]]:
    return [(str(w.id), w.name) for w in directory.wards(db(), current_user.agency.area_id)]


def _agencies() -> list[tuple[str, str]]:
    return [(str(a.id), a.name) for a in directory.agencies(db(), current_user.agency.area_id)]


def _officers() -> list[tuple[str, str]]:
    """The agency's officers to choose from, each of another team than the user's named
    with it (a case officer works on their own team's cases only)."""
    team = current_user.actor.team
    return [
        (str(u.id), f"{u.display_name} ({u.team})" if u.team and u.team != team else u.display_name)
        for u in listing.officers(db(), current_user.actor)
    ]


@bp.route("")
def case_list() -> tuple[str, int]:
    _casework_only()
    form = FilterForm(request.args)
    form.officer.choices = [("", "Any officer"), *_officers()]
    form.ward.choices = [("", "Any ward"), *_wards()]
    valid = form.validate()
    filters = (
        listing.CaseFilters(
            status=CaseStatus(form.status.data)
            if form.status.data and form.status.data != OPEN
            else None,
            open_only=form.status.data == OPEN,
            review_due_by=clock.today() if form.review.data == REVIEW_DUE else None,
            priority=form.priority.data,
            category=form.category.data,
            officer_id=whole_number(form.officer.data),
            ward_id=whole_number(form.ward.data),
        )
        if valid
        else listing.CaseFilters()
    )
    page = listing.list_cases(
        db(), current_user.actor, filters, page=whole_number(request.args.get("page")) or 1
    )
    args = {k: v for k, v in request.args.items() if k != "page" and v}
    return render_template(
        "cases/list.html", title="Cases", form=form, page=page, args=args
    ), 200 if valid else 400


@bp.route("/export.csv")
def export_csv() -> Response:
    """Every case of the manager's agency they may see, as CSV (plain fields only)."""
    _casework_only()
    try:
        text, name = export.export_csv(db(), current_user.actor)
    except NotAllowed as refused:
        forbid(refused)
    return Response(
        text,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


@bp.route("/import", methods=["GET", "POST"])
def import_cases() -> Response | tuple[str, int]:
    """A manager imports their agency's cases from a CSV file of their own system:
    "Check the file" is a dry run; "Import the cases" opens the accepted rows' cases."""
    _agency_managers_only()
    form = ImportForm()
    result: imports.ImportResult | None = None
    status = 200
    if form.validate_on_submit():
        upload = form.file.data
        if upload is None or not getattr(upload, "filename", ""):
            form.file.errors = ["Choose the CSV file of cases to import"]
            status = 400
        else:
            dry_run = request.form.get("action") != "import"
            try:
                result = imports.import_cases(
                    db(),
                    current_user.actor,
                    upload.stream,
                    dry_run=dry_run,
                    max_rows=PAGE_ROWS,
                    review_days=_review_days(),
                )
            except FileRejected as e:
                form.file.errors = [f"The file cannot be imported: {e}"]
                status = 400
    elif request.method == "POST":
        status = 400
    return render_template(
        "cases/import.html",
        title="Import cases from your own system",
        form=form,
        result=result,
        columns=case_rows.COLUMNS,
        page_rows=PAGE_ROWS,
    ), status


@bp.route("/import/template.csv")
def import_template() -> Response:
    """An empty file of cases to import: the heading row, every column in order."""
    _agency_managers_only()
    heading = ",".join(column.name for column in case_rows.COLUMNS) + "\r\n"
    return Response(
        heading,
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="cases-to-import.csv"'},
    )


@bp.route("/new", methods=["GET", "POST"])
@accepted_once
def new() -> Response | tuple[str, int]:
    _casework_only()
    form = NewCaseForm()
    form.ward_id.choices = [("", "Choose a ward"), *_wards()]
    form.officer_id.choices = _officers()
    if request.method == "GET":
        form.officer_id.data = str(current_user.id)
        form.first_party_role.data = PartyRole.VICTIM
    if "check_known" in request.form:
        known, problem, unseen = _already_known(form.first_party.form)
        return render_template(
            "cases/new.html",
            title="Open a new case",
            form=form,
            known=known,
            known_problem=problem,
            known_unseen=unseen,
        ), 200
    if form.validate_on_submit():
        try:
            case = casework.open_case(
                db(), current_user.actor, _case_input(form), review_days=_review_days()
            )
        except InputError as e:
            form.refuse(e)
        else:
            decision = decision_on(db(), current_user.actor, case.id)
            if decision is not None and decision.allowed:
                flash(f"Case {case.reference} opened.", "success")
                return redirect(url_for("cases.show", case_id=case.id))
            # Opened for an officer of another team: not one of the cases the user works on.
            flash(
                f"Case {case.reference} opened for {case.officer.display_name}. It is their "
                "team's case, so it is not in your case list.",
                "success",
            )
            return redirect(url_for("cases.case_list"))
    status = 400 if request.method == "POST" else 200
    return render_template("cases/new.html", title="Open a new case", form=form), status


def _already_known(person: PersonForm) -> tuple[list[SearchHit], str, bool]:
    """Cases of the user's agency they may open that already hold this person (by surname
    and date of birth, or surname alone, and by phone and postcode), without saving
    anything; and whether cases of their agency they may not open hold them too."""
    queries = []
    if person.family_name.data:
        kind = "surname_dob" if person.date_of_birth.data else "surname"
        queries.append(
            SearchQuery(
                kind, surname=person.family_name.data, date_of_birth=person.date_of_birth.data
            )
        )
    if person.phone.data:
        queries.append(SearchQuery("phone", phone=person.phone.data))
    if person.postcode.data:
        queries.append(SearchQuery("postcode", postcode=person.postcode.data))
    if not queries:
        return (
            [],
            "Enter the person's last name, phone number or postcode to check whether they are already known",
            False,
        )
    hits: dict[tuple[int, str], SearchHit] = {}
    problems = []
    unseen = False
    for query in queries:
        try:
            hits.update(
                ((h.case_id, h.matched), h) for h in search(db(), current_user.actor, query).hits
            )
            unseen = unseen or held_on_cases_unseen(db(), current_user.actor, query)
        except InputError as e:
            problems.append(e.message)
    return sorted(hits.values(), key=lambda h: h.reference), ". ".join(problems), unseen


def _case_input(form: NewCaseForm) -> casework.CaseInput:
    parties = [
        _person(
            form.first_party.form, form.first_party_role.data or PartyRole.VICTIM, "first_party-"
        )
    ]
    if not form.reported.form.is_empty():
        parties.append(_person(form.reported.form, PartyRole.REPORTED, "reported-"))
    return casework.CaseInput(
        category=form.category.data,
        priority=form.priority.data,
        triage=form.triage.data,
        summary=form.summary.data or "",
        officer_id=whole_number(form.officer_id.data),
        hate_motivated=bool(form.hate_motivated.data),
        protected_characteristic=form.protected_characteristic.data,
        ward_id=whole_number(form.ward_id.data),
        address=form.address.data or "",
        postcode=form.postcode.data or "",
        uprn=form.uprn.data or "",
        parties=[p for p in parties if p is not None],
    )


def _person(form: PersonForm, role: PartyRole, prefix: str) -> casework.PersonInput | None:
    if form.is_empty() and role is not PartyRole.REPORTED:
        return None
    return casework.PersonInput(
        role=role,
        prefix=prefix,
        family_name=form.family_name.data or "",
        given_names=form.given_names.data or "",
        date_of_birth=form.date_of_birth.data,
        phone=form.phone.data or "",
        email=form.email.data or "",
        address=form.address.data or "",
        postcode=form.postcode.data or "",
        support_needs=form.support_needs.data or "",
        contact_preferences=form.contact_preferences.data or "",
        needs=casework.Needs(
            adjustments=tuple(
                Adjustment(v) for v in form.adjustments.data or [] if Adjustment.of(v)
            ),
            language=form.language.data or "",
            advocate=form.advocate.data or "",
            contact_by=form.contact_by.data,
            times_to_avoid=form.times_to_avoid.data or "",
            no_home_visits=bool(form.no_home_visits.data),
            prefix=prefix,
        ),
    )


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
        return render_template(
            "cases/purpose.html",
            title="Why are you opening this case?",
            case_id=case_id,
            purposes=e.purposes,
        )
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
        risk=page.risk,
        known_to=page.known_to,
        shares=page.shares,
        locked=page.locked,
        lock_pending=page.lock_pending,
        refused_attempts=page.refused_attempts,
        hate=page.hate,
        safeguarding=page.safeguarding,
        documents=page.documents,
        kept=erasure.kept_people(db(), authorised),
    )


def case_to_work_on(case_id: int, act: Act, form: str) -> tuple[AuthorisedCase, pages.CaseHeading]:
    """The case the user is about to do ``act`` to, with what its form shows of it: 404 if
    unseen, 403 if not theirs to do."""
    authorised = authorised_case(case_id, act)
    return authorised, pages.case_heading(db(), authorised, form)


@bp.route("/<int:case_id>/incidents/new", methods=["GET", "POST"])
@accepted_once
def add_incident(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.RECORD, "incident form")
    form = IncidentForm()
    form.reported_by.choices = [("", "Not known, anonymous or seen by staff")] + [
        (str(person_id), label) for person_id, label in case.people
    ]
    form.received_by.choices = _agencies()
    if request.method == "GET":
        form.received_by.data = str(current_user.agency_id)
    return _record(
        case,
        form,
        lambda: casework.add_incident(db(), authorised, _incident_input(form)),
        template="cases/incident.html",
        title=f"Add an incident to {case.reference}",
        done="Incident added to the timeline.",
        anchor="incidents",
    )


def _incident_input(form: IncidentForm) -> casework.IncidentInput:
    return casework.IncidentInput(
        occurred_at=form.occurred_at.data,
        description=form.description.data or "",
        place=form.place.data or "",
        reported_by_id=whole_number(form.reported_by.data),
        received_by_agency_id=whole_number(form.received_by.data),
        reported_on=form.reported_on.data,
        reported_to_police=bool(form.reported_to_police.data),
        crime_reference=form.crime_reference.data or "",
        hate_related=bool(form.hate_related.data),
    )


def action_form(owners: list[tuple[str, str]], *, sent: bool = True) -> ActionForm:
    """The action form, its owners ``owners`` (agency id, name) and the named people of
    those agencies to choose from: those who work actions (anyone else is refused).
    Empty, not read from the request, unless ``sent``."""
    form = ActionForm() if sent else ActionForm(formdata=None)
    form.owner_agency.choices = owners
    agency_ids = {int(value) for value, _ in owners}
    people = [
        u for u in directory.people(db(), current_user.agency.area_id) if u.agency_id in agency_ids
    ]
    form.owner_user.offer_grouped(
        by_agency((u for u in people if agency_actions.works_actions(u)), name_and_agency),
        first=[("", "No one named")],
    )
    form.owner_user.refused = {
        str(u.id): agency_actions.NOT_ACTION_OWNER
        for u in people
        if not agency_actions.works_actions(u)
    }
    return form


@bp.route("/<int:case_id>/actions/new", methods=["GET", "POST"])
@accepted_once
def add_action(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.RECORD, "action form")
    form = action_form(_agencies())
    if request.method == "GET":
        form.owner_agency.data = str(current_user.agency_id)
    return _record(
        case,
        form,
        lambda: casework.add_action(db(), authorised, _action_input(form)),
        template="cases/action.html",
        title=f"Add an action to {case.reference}",
        done="Action added.",
        anchor="actions",
    )


def _action_input(form: ActionForm) -> casework.ActionInput:
    return casework.ActionInput(
        kind=form.kind.data,
        description=form.description.data or "",
        owner_agency_id=whole_number(form.owner_agency.data),
        owner_user_id=whole_number(form.owner_user.data),
        due_on=form.due_on.data,
    )


@bp.route("/<int:case_id>/actions/<int:action_id>", methods=["GET", "POST"])
def change_action(case_id: int, action_id: int) -> Response | tuple[str, int]:
    """Change an open action: what, who owns it, by when. An action a conference agreed
    stays with an agency at its table."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "action form")
    try:
        action, description = pages.action_to_change(db(), authorised, action_id)
    except NotFound:
        abort(404)
    except InputError as e:  # done or cancelled: nothing to change
        flash(f"{e.message}, so it can no longer be changed.", "error")
        return redirect(url_for("cases.show", case_id=case.id, _anchor="actions"))
    conference = db().get(Conference, action.conference_id) if action.conference_id else None
    table = conference.at_the_table if conference else None
    owners = [o for o in _agencies() if table is None or int(o[0]) in table]
    form = action_form(owners)
    if request.method == "GET":
        _fill_action_form(form, action, description)
        opened.carry(stamps.of(db(), action))
    else:
        opened.carry(None)

    def as_now() -> tuple[HubForm, str]:
        now = action_form(owners, sent=False)
        action, description = pages.action_to_change(db(), authorised, action_id)
        _fill_action_form(now, action, description)
        return now, stamps.of(db(), action)

    return _record(
        case,
        form,
        lambda: casework.change_action(
            db(),
            authorised,
            action_id,
            _action_input(form),
            at_the_table=table,
            opened=opened.sent(),
        ),
        template="cases/action.html",
        title=f"Change an action on {case.reference}",
        done="Action changed.",
        unchanged="Nothing changed: the action is as it was.",
        anchor="actions",
        as_now=as_now,
    )


def _fill_action_form(form: ActionForm, action: Action, description: str | None) -> None:
    form.kind.data = action.kind
    form.description.data = description
    form.owner_agency.data = str(action.owner_agency_id)
    form.owner_user.data = str(action.owner_user_id or "")
    form.due_on.process(None, action.due_on)  # fills its day, month and year boxes


@bp.route("/<int:case_id>/letter", methods=["GET", "POST"])
@accepted_once
def letter(case_id: int) -> Response | tuple[str, int]:
    """The complainant's action plan letter: the officer chooses who it is for and the
    actions it lists, says what we ask of them and how we keep in touch, and gets the
    letter to print on the page, or as a PDF kept with the case (on its document page)."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "letter form")
    form = LetterForm()
    people = letters.addressees(db(), authorised)
    plan = letters.planned_actions(db(), authorised)
    form.person.choices = [(str(a.person_id), a.label) for a in people]
    form.actions.choices = [
        (str(p.id), f"{p.kind}, {p.owner}: {p.description or 'not recorded'}") for p in plan
    ]
    if request.method == "GET":
        form.person.data = form.person.choices[0][0] if people else ""
        form.actions.data = [value for value, _ in form.actions.choices]
        form.asks.data = letters.USUAL_ASKS
        form.keeping_in_touch.data = (
            f"{authorised.case.officer.display_name} will phone you every two weeks, and "
            "after every incident you report, at the times you told us suit you."
        )
    if form.validate_on_submit():
        data = letters.LetterInput(
            person_id=whole_number(form.person.data),
            action_ids=[int(a) for a in form.actions.data or []],
            asks=form.asks.data or "",
            keeping_in_touch=form.keeping_in_touch.data or "",
        )
        try:
            made = letters.complainant_letter(
                db(), authorised, data, current_app.extensions["hub.letters"].contact
            )
        except InputError as e:
            form.refuse(e)
        else:
            title = f"Action plan letter, case {case.reference}"
            if request.form.get("as") == "pdf":
                html = render_template("cases/letter_pdf.html", title=title, letter=made)
                pdf = render_pdf(html)
                kept = letters.keep_letter(
                    db(), authorised, current_app.extensions["hub.file_store"], made, pdf
                )
                # To the kept letter's page (its download there), as a standard letter goes:
                # the form left behind, Back shows it afresh for another letter.
                flash("Action plan letter: produced and kept with the case.", "success")
                return redirect(url_for("documents.show", case_id=case.id, document_id=kept.id))
            return render_template("cases/letter.html", title=title, letter=made, case=case), 200
    return render_template(
        "cases/letter_form.html",
        title=f"Action plan letter for case {case.reference}",
        form=form,
        case=case,
        nobody=not people,
    ), 400 if request.method == "POST" else 200


@bp.route("/<int:case_id>/referrals/new", methods=["GET", "POST"])
@accepted_once
def refer(case_id: int) -> Response | tuple[str, int]:
    """Record a referral to the hate incident support service (procedure 3.5)."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "referral form")
    form = ReferralForm()
    form.person.choices = [
        (str(i), label) for i, label in referrals.people_to_refer(db(), authorised)
    ]
    return _record(
        case,
        form,
        lambda: referrals.refer(
            db(),
            authorised,
            ReferralKind.HATE_SERVICE,
            whole_number(form.person.data),
            form.reason.data or "",
        ),
        template="cases/referral.html",
        title=f"Refer to the hate incident support service: case {case.reference}",
        done="Referral recorded. Record its outcome when the service tells you.",
        anchor="hate-pathway",
    )


@bp.route("/<int:case_id>/safeguarding/new", methods=["GET", "POST"])
@accepted_once
def refer_to_safeguarding(case_id: int) -> Response | tuple[str, int]:
    """Refer someone on the case to the adult or children's safeguarding team: the case is
    shared with the team under the safeguarding referral protocol."""
    authorised, case = case_to_work_on(case_id, Act.SHARE, "safeguarding referral form")
    teams = referrals.safeguarding_teams(db(), authorised.case)
    form = SafeguardingForm()
    form.kind.choices = [(t.kind.value, t.kind.label) for t in teams]
    form.person.choices = [
        (str(i), label) for i, label in referrals.people_to_refer(db(), authorised)
    ]
    hints = {
        t.kind.value: t.refusal
        or f"Shares the case with {t.agency.name} for "
        f"{referrals.REFERRAL_SHARE_DAYS} days under {t.protocol.title}"
        for t in teams
        if t.refusal or (t.agency and t.protocol)
    }

    def record() -> object:
        try:
            return referrals.refer_to_safeguarding(
                db(),
                authorised,
                next((k for k in ReferralKind if k.value == form.kind.data), None),
                whole_number(form.person.data),
                form.reason.data or "",
            )
        except NotAllowed as e:
            raise InputError("kind", f"The case cannot be shared: {e}") from None

    return _record(
        case,
        form,
        record,
        template="cases/safeguarding.html",
        title=f"Safeguarding referral: case {case.reference}",
        done="Referral made. The safeguarding team can now open the case, and records the "
        "outcome on the referral.",
        anchor="safeguarding",
        hints=hints,
    )


@bp.route("/<int:case_id>/referrals/<int:referral_id>", methods=["GET", "POST"])
def referral_outcome(case_id: int, referral_id: int) -> Response | tuple[str, int]:
    """Record what became of a referral: the case's own agency, or (opening the case for
    the referral) the safeguarding team it went to."""
    purpose = request.args.get("purpose") or None
    if purpose is None:
        authorised, case = case_to_work_on(case_id, Act.RECORD, "referral outcome form")
    else:
        authorised = authorised_case(case_id, Act.VIEW, purpose)
        case = pages.case_heading(db(), authorised, "referral outcome form")
    referral = db().get(Referral, referral_id)
    if referral is None or referral.case_id != case_id:
        abort(404)
    form = ReferralOutcomeForm()
    form.outcome.choices = [(o.value, o.label) for o in referrals.OUTCOMES[referral.kind]]

    def record() -> object:
        try:
            return referrals.record_outcome(
                db(),
                authorised,
                referral_id,
                next(
                    (o for o in referrals.OUTCOMES[referral.kind] if o.value == form.outcome.data),
                    None,
                ),
                form.note.data or "",
            )
        except NotFound:
            abort(404)
        except NotAllowed as refused:
            forbid(refused)

    return _record(
        case,
        form,
        record,
        template="cases/referral_outcome.html",
        title=f"Outcome of the referral: case {case.reference}",
        done="Outcome recorded.",
        anchor="safeguarding" if referral.kind.safeguarding else "hate-pathway",
        purpose=purpose,
    )


@bp.route("/<int:case_id>/close", methods=["GET", "POST"])
def close(case_id: int) -> Response | tuple[str, int]:
    authorised, case = case_to_work_on(case_id, Act.CLOSE, "close form")
    form = CloseForm()
    response = _record(
        case,
        form,
        lambda: casework.close_case(
            db(),
            authorised,
            form.reason.data,
            form.note.data or "",
            outcome=form.outcome.data,
            resolved_by=form.resolved_by.data,
        ),
        template="cases/close.html",
        refused_as=acts.Action.CASE_CLOSE,
        title=f"Close case {case.reference}",
        done=f"Case {case.reference} closed. Offer the complainant the satisfaction survey.",
    )
    if isinstance(response, Response) and response.status_code == 302:
        return redirect(url_for("cases.survey", case_id=case.id))
    return response


@bp.route("/<int:case_id>/people/new", methods=["GET", "POST"])
@accepted_once
def add_person(case_id: int) -> Response | tuple[str, int]:
    """Add someone to the case: check first whether the agency already holds them (by the
    blind indexes, as the new-case form does), then add them as new or link the person
    already known."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "add a person form")
    form = AddPersonForm()
    form.known_person.choices = [("", "No: add them as a new person")]
    known: list[SearchHit] | None = None
    problem, unseen = "", False
    if request.method == "POST":
        known, problem, unseen = _already_known(form.person.form)
        form.known_person.choices += _known_people(known)
    if "check_known" in request.form:
        return render_template(
            "cases/add_person.html",
            title=f"Add a person to {case.reference}",
            form=form,
            case=case,
            known=known,
            known_problem=problem,
            known_unseen=unseen,
        ), 200

    def record() -> object:
        role = form.role.data or PartyRole.VICTIM
        data = _person(form.person.form, role, "person-") or casework.PersonInput(
            role=role, prefix="person-"
        )
        return casework.add_person(
            db(), authorised, data, known_person_id=whole_number(form.known_person.data)
        )

    return _record(
        case,
        form,
        record,
        template="cases/add_person.html",
        title=f"Add a person to {case.reference}",
        done="Person added to the case.",
        anchor="parties",
        known=known,
        known_problem=problem,
        known_unseen=unseen,
    )


def _known_people(hits: list[SearchHit]) -> list[tuple[str, str]]:
    """One choice for each person of the agency the check found."""
    found: dict[int, str] = {}
    for hit in hits:
        if hit.person_id is not None and hit.person_id not in found:
            found[hit.person_id] = f"Yes: {hit.matched} on case {hit.reference}"
    return [(str(person_id), label) for person_id, label in found.items()]


@bp.route("/<int:case_id>/people/<int:party_id>/change", methods=["GET", "POST"])
def change_person(case_id: int, party_id: int) -> Response | tuple[str, int]:
    """Change someone's details, reasonable adjustments, contact needs or part in the
    case."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "change a person form")
    if party_id not in dict(case.parties):
        abort(404)
    form = AddPersonForm()
    form.known_person.choices = [("", "")]  # not asked when changing
    if request.method == "GET":
        shown = pages.person_to_change(db(), authorised, party_id)
        _fill_person_form(form, shown)
        opened.carry(shown.stamp)
    else:
        opened.carry(None)

    def record() -> object:
        role = form.role.data or PartyRole.VICTIM
        data = _person(form.person.form, role, "person-") or casework.PersonInput(
            role=role, prefix="person-"
        )
        return casework.change_person(db(), authorised, party_id, data, opened=opened.sent())

    def as_now() -> tuple[HubForm, str]:
        now = AddPersonForm(formdata=None)
        now.known_person.choices = [("", "")]
        shown = pages.person_to_change(db(), authorised, party_id)
        _fill_person_form(now, shown)
        return now, shown.stamp

    return _record(
        case,
        form,
        record,
        template="cases/change_person.html",
        title=f"Change a person on {case.reference}",
        done="Their details are changed.",
        unchanged="Nothing changed: their details are as they were.",
        anchor="parties",
        as_now=as_now,
        label=dict(case.parties)[party_id],
    )


def _fill_person_form(form: AddPersonForm, found: pages.PersonToChange) -> None:
    person, values, needs = form.person.form, found.values, found.needs
    form.role.data = found.role
    for name in (
        "given_names",
        "family_name",
        "phone",
        "email",
        "address",
        "postcode",
        "support_needs",
        "contact_preferences",
    ):
        person[name].data = values[name] or ""
    if values["date_of_birth"]:
        person.date_of_birth.process(None, date.fromisoformat(values["date_of_birth"]))
    person.adjustments.data = [a.value for a in needs.adjustments]
    person.language.data = needs.language
    person.advocate.data = needs.advocate
    person.contact_by.data = needs.contact_by
    person.times_to_avoid.data = needs.times_to_avoid
    person.no_home_visits.data = needs.no_home_visits


@bp.route("/<int:case_id>/people/<int:party_id>/remove", methods=["GET", "POST"])
def remove_person(case_id: int, party_id: int) -> Response | tuple[str, int]:
    """Take someone off the case, after a confirmation."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "remove a person form")
    label = dict(case.parties).get(party_id)
    if label is None:
        abort(404)
    form = HubForm()
    if form.validate_on_submit():
        erased = casework.remove_person(db(), authorised, party_id)
        flash(
            f"{label} taken off the case."
            + (" They were on no other case, so their record is erased." if erased else ""),
            "success",
        )
        return redirect(url_for("cases.show", case_id=case.id, _anchor="parties"))
    return render_template(
        "cases/remove_person.html",
        title=f"Take someone off {case.reference}",
        form=form,
        case=case,
        label=label,
    ), 200


#: "Could not reach them" among the ways of contact.
NOT_REACHED = "not_reached"
#: "No change since the last review" among the risk assessments a review links.
NO_CHANGE = "no_change"


def _review_days() -> dict[str, int]:
    return review_days(current_app.config["HUB_SETTINGS"])


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
    assessments = reviews.assessments_to_link(db(), authorised.case, today)
    # "No change" has a value of its own: a radio with an empty value is not shown.
    form.assessment.choices = [(NO_CHANGE, "No change since the last review")] + [
        (str(a.id), f"The new assessment of {uk_date(a.assessed_at)}: {a.band.label.lower()}")
        for a in assessments
    ]
    days = reviews.interval(_review_days(), authorised.case.priority)
    default_next = today + timedelta(days=days)
    if request.method == "GET":
        form.assessment.data = str(assessments[0].id) if assessments else NO_CHANGE
    method = form.contact_method.data

    def record() -> object:
        return reviews.record_review(
            db(),
            authorised,
            reviews.ReviewInput(
                contact_method=ContactMethod(method) if method and method != NOT_REACHED else None,
                contacted_on=form.contacted_on.data,
                contact_note=form.contact_note.data or "",
                progress=form.progress.data or "",
                assessment_id=whole_number(form.assessment.data),
                risk_note=form.risk_note.data or "",
                decision=form.decision.data,
                next_review_on=form.next_review_on.data,
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


@bp.route("/<int:case_id>/survey", methods=["GET", "POST"])
def survey(case_id: int) -> Response | tuple[str, int]:
    """The complainant's satisfaction survey at closure, recorded by the case's agency."""
    authorised, case = case_to_work_on(case_id, Act.CLOSE, "closure survey form")
    questions = current_app.extensions["hub.closure_survey"]
    form = survey_form(questions)()
    if form.validate_on_submit() and form.channel.data is SurveyChannel.LINK:
        try:
            _, token = closure_survey.offer_link(db(), authorised, questions)
        except InputError as e:
            form.refuse(e)
            return render_template(
                "cases/survey.html",
                title=f"Closure survey: case {case.reference}",
                form=form,
                case=case,
                survey=questions,
            ), 400
        # Shown once, on this page alone: only the link's hash is kept.
        return render_template(
            "cases/survey_link.html",
            title=f"Closure survey link: case {case.reference}",
            case=case,
            link=url_for("your_say.answer", token=token, _external=True),
            days=closure_survey.LINK_DAYS,
        ), 200
    return _record(
        case,
        form,
        lambda: closure_survey.record_survey(
            db(),
            authorised,
            questions,
            closure_survey.SurveyInput(
                channel=form.channel.data.value if form.channel.data else "",
                answers={
                    q.id: answer.value
                    for q in questions.questions
                    if (answer := form[f"answer_{q.id}"].data) is not None
                },
                comment=form.comment.data or "",
            ),
        ),
        template="cases/survey.html",
        title=f"Closure survey: case {case.reference}",
        done="Survey recorded.",
        anchor="closure",
        survey=questions,
    )


def _record(
    case: pages.CaseHeading,
    form: HubForm,
    record: Callable[[], object],
    *,
    template: str,
    title: str,
    done: str,
    unchanged: str | None = None,
    anchor: str | None = None,
    purpose: str | None = None,
    refused_as: acts.Action = acts.Action.CASE_RECORD,
    as_now: Callable[[], tuple[HubForm, str]] | None = None,
    **context: object,
) -> Response | tuple[str, int]:
    """Show the form; once it is valid, ``record`` it through the core and go back to the
    case (opened for ``purpose``, for a partner). A refusal (by the form or the core) shows
    the page again with status 400, which rolls the request back; one by the form itself
    is recorded as ``refused_as`` naming its fields, as the core records its own. A form
    of a record that changed after it was opened is shown again beside the record as it
    is now (``as_now``: the form filled from it, and its stamp), saving nothing; the view
    of the record now is kept in the audit log, so that page answers 200. A change that
    ``record`` says changed nothing (it gives False) is told so with ``unchanged``."""
    if form.validate_on_submit():
        try:
            outcome = record()
        except ChangedMeanwhile as e:
            if as_now is None:
                raise
            opened.show_changed(form, e, *as_now())
            return render_template(
                template, title=title, form=form, case=case, purpose=purpose, **context
            ), 200
        except InputError as e:
            form.refuse(e)
        else:
            if outcome is False and unchanged:
                flash(unchanged, "info")
            else:
                flash(done, "success")
            return redirect(url_for("cases.show", case_id=case.id, purpose=purpose, _anchor=anchor))
    elif request.method == "POST":
        _refuse_input(refused_as, case.id, form)
    status = 400 if request.method == "POST" else 200
    return render_template(
        template, title=title, form=form, case=case, purpose=purpose, **context
    ), status


@bp.route("/<int:case_id>/erase", methods=["GET", "POST"])
def erase(case_id: int) -> Response | tuple[str, int]:
    """Erase a case by destroying its key: for the owning agency's managers who may see it.
    On a case already erased, the same form erases the people it kept whom no live case
    holds; with none left, it goes back to the case saying so."""
    authorised = authorised_case(case_id, Act.ERASE)
    case = authorised.case
    session = db()
    try:
        erasure.require_closed(session, authorised)
    except NotAllowed as refused:
        forbid(refused, "You cannot erase this case yet")
    already = case.erased_at is not None
    alone = erasure.held_alone(session, case.id) if already else []
    if already and not alone:
        flash(
            f"Case {case.reference} is already erased. Everyone it held is erased, or kept "
            "for another case.",
            "info",
        )
        return redirect(url_for("cases.show", case_id=case_id))
    form = EraseForm()
    if form.validate_on_submit():
        if (form.reference.data or "").strip().upper() != case.reference:
            form.reference.errors = [
                f"Type the reference {case.reference} exactly, to show this is the case to erase"
            ]
        else:
            before = len(erasure.people_left(session, case.id))
            erasure.erase_case(
                session, authorised, with_people=already or bool(form.with_people.data)
            )
            kept = len(erasure.people_left(session, case.id))
            flash(_erased_message(case.reference, already, before - kept, kept), "success")
            return redirect(url_for("cases.show", case_id=case_id))
    status = 400 if request.method == "POST" else 200
    if status == 400:  # the reference not typed as it is, or a stale form
        _refuse_input(acts.Action.CASE_ERASE, case.id, form)
    heading = pages.case_heading(session, authorised, "erase") if already else None
    return render_template(
        "cases/erase.html",
        title=f"Erase the people case {case.reference} kept"
        if already
        else f"Erase case {case.reference}",
        form=form,
        case=case,
        kept=[name for person_id, name in heading.people if person_id in alone] if heading else [],
    ), status


def _refuse_input(action: acts.Action, case_id: int, form: HubForm) -> None:
    """Record a case's form refused for its input: the fields named, never their values."""
    acts.refuse(
        db(),
        action,
        actor=current_user.actor,
        subject=acts.Subject("case", case_id),
        reason=f"refused input: {' '.join(sorted(form.errors)) or 'form'}",
    )


def _erased_message(reference: str, already: bool, erased: int, kept: int) -> str:
    """What an erasure did, for the flash: the case, the people it erased and kept."""
    said = (
        []
        if already
        else [
            f"Case {reference} erased: its own personal data can no longer be read in the hub, "
            "and in backups once the erasure is made final."
        ]
    )
    if erased:
        said.append(f"{_people(erased)} it alone held erased.")
    if kept:
        said.append(
            f"{_people(kept)} on it {'was' if kept == 1 else 'were'} kept as your agency's "
            f"record{'s' if kept > 1 else ''}, no longer part of the case: the case page "
            "lists them."
        )
    return " ".join(said)


def _people(n: int) -> str:
    return "1 person" if n == 1 else f"{n} people"
