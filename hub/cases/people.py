"""The people on a case: whether the agency already knows them, adding them, changing
their details, taking them off."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.wrappers import Response

from hub import opened
from hub.cases.person_forms import AddPersonForm, PersonForm
from hub.cases.views import _record, bp, case_to_work_on
from hub.database import db
from hub.forms import HubForm
from hub.sent_once import accepted_once
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.cases import case_forms, people
from sharing.cases.needs import Needs
from sharing.cases.search import SearchHit, SearchQuery, held_on_cases_unseen, search
from sharing.errors import InputError, NotFound
from sharing.formats import other_names, whole_number
from sharing.vocabulary import Adjustment, PartyRole


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
        data = _person(form.person.form, role, "person-") or people.PersonInput(
            role=role, prefix="person-"
        )
        return people.add_person(
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
        for what, person_id in hit.places:
            if person_id is not None and person_id not in found:
                found[person_id] = f"Yes: {what} on case {hit.reference}"
    return [(str(person_id), label) for person_id, label in found.items()]


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
    hits: dict[int, SearchHit] = {}
    problems = []
    unseen = False
    for query in queries:
        try:
            for hit in search(db(), current_user.actor, query).hits:
                # A case found by several of the values is listed once, saying each place.
                if (before := hits.get(hit.case_id)) is not None:
                    new = tuple(p for p in hit.places if p not in before.places)
                    hit = replace(before, places=before.places + new)
                hits[hit.case_id] = hit
            unseen = unseen or held_on_cases_unseen(db(), current_user.actor, query)
        except InputError as e:
            problems.append(e.message)
    return sorted(hits.values(), key=lambda h: h.reference), ". ".join(problems), unseen


def _person(form: PersonForm, role: PartyRole, prefix: str) -> people.PersonInput | None:
    if form.is_empty() and role is not PartyRole.REPORTED:
        return None
    return people.PersonInput(
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
        other_names=tuple(form.typed_other_names()),
        needs=Needs(
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
        shown = case_forms.person_to_change(db(), authorised, party_id)
        _fill_person_form(form, shown)
        opened.carry(shown.stamp)
    else:
        opened.carry(None)

    def record() -> object:
        role = form.role.data or PartyRole.VICTIM
        data = _person(form.person.form, role, "person-") or people.PersonInput(
            role=role, prefix="person-"
        )
        try:
            return people.change_person(db(), authorised, party_id, data, opened=opened.sent())
        except NotFound:  # taken off the case as this was saved: as if before
            abort(404)

    def as_now() -> tuple[HubForm, str]:
        now = AddPersonForm(formdata=None)
        now.known_person.choices = [("", "")]
        shown = case_forms.person_to_change(db(), authorised, party_id)
        _fill_person_form(now, shown)
        return now, shown.stamp

    return _record(
        case,
        form,
        record,
        template="cases/change_person.html",
        title=f"Change a person on {case.reference}",
        page_title=f"Change a person on {case.reference}: {_part_in_case(authorised, party_id)}",
        done="Their details are changed.",
        unchanged="Nothing changed: their details are as they were.",
        anchor="parties",
        as_now=as_now,
        label=dict(case.parties)[party_id],
    )


def _part_in_case(authorised: AuthorisedCase, party_id: int) -> str:
    """Someone's part in the case, numbered in the order the case lists them where two have
    the same ("witness 2"): what a page's title names them by, never their name, which a
    browser keeps in its history and shows in its list of tabs."""
    parties = sorted(authorised.case.parties, key=lambda p: p.id)
    role = next(p.role for p in parties if p.id == party_id)
    same = [p.id for p in parties if p.role == role]
    return role.label.lower() + (f" {same.index(party_id) + 1}" if len(same) > 1 else "")


def _fill_person_form(form: AddPersonForm, found: case_forms.PersonToChange) -> None:
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
    recorded = other_names(values["other_names"])
    person.number_other_names(len(recorded))
    for entry, (name, note) in zip(person.other_names.entries, recorded, strict=False):
        entry.form.name.data, entry.form.note.data = name, note
    person.adjustments.data = [a.value for a in needs.adjustments]
    person.language.data = needs.language
    person.advocate.data = needs.advocate
    person.contact_by.data = needs.contact_by
    person.times_to_avoid.data = needs.times_to_avoid
    person.no_home_visits.data = needs.no_home_visits


@bp.route("/<int:case_id>/people/<int:party_id>/remove", methods=["GET", "POST"])
@accepted_once
def remove_person(case_id: int, party_id: int) -> Response | tuple[str, int]:
    """Take someone off the case, after a confirmation."""
    authorised, case = case_to_work_on(case_id, Act.RECORD, "remove a person form")
    label = dict(case.parties).get(party_id)
    if label is None:
        abort(404)
    form = HubForm()
    if form.validate_on_submit():
        erased = people.remove_person(db(), authorised, party_id)
        flash(
            f"{label} taken off the case."
            + (" They were on no other case, so their record is erased." if erased else ""),
            "success",
        )
        return redirect(url_for("cases.show", case_id=case.id, _anchor="parties"))
    return render_template(
        "cases/remove_person.html",
        title=f"Take someone off {case.reference}",
        page_title=f"Take someone off {case.reference}: {_part_in_case(authorised, party_id)}",
        form=form,
        case=case,
        label=label,
    ), 200
