"""Search for people and places on encrypted records: exact matches only."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_login import current_user
from wtforms import StringField

from hub.choice_fields import ChoiceField
from hub.database import db
from hub.date_fields import DateInputField
from hub.forms import HubForm
from hub.guard import require_roles
from sharing.audit import acts
from sharing.cases.search import KINDS, SearchQuery, search
from sharing.errors import InputError

bp = Blueprint("search", __name__, url_prefix="/search")
require_roles(bp, "case_officer", "manager")


class SearchForm(HubForm):
    """What to search for. Posted, so that a name or phone number never appears in an
    address (browser history, server logs)."""

    kind = ChoiceField("Search by", choices=list(KINDS.items()), message="Select what to search by")
    surname = StringField("Surname")
    date_of_birth = DateInputField("Date of birth", subject="The date of birth")
    postcode = StringField("Postcode")
    phone = StringField("Phone number")
    uprn = StringField("UPRN")

    def validate(self, extra_validators: Any = None) -> bool:
        """Only a search by surname and date of birth reads the date: a date left half
        typed in its boxes does not stop a search by postcode or phone."""
        valid = super().validate(extra_validators)
        if self.kind.data != "surname_dob" and self.date_of_birth.errors:
            self.date_of_birth.errors = []
            self.date_of_birth.data = None
            valid = not any(field.errors for field in self)
        return valid


def query_of(form: SearchForm) -> SearchQuery:
    return SearchQuery(
        kind=form.kind.data or "",
        surname=form.surname.data or "",
        date_of_birth=form.date_of_birth.data,
        postcode=form.postcode.data or "",
        phone=form.phone.data or "",
        uprn=form.uprn.data or "",
    )


@bp.route("", methods=["GET", "POST"])
def search_page() -> tuple[str, int]:
    form = SearchForm()
    if request.method == "GET":
        form.kind.data = "surname"
    outcome = None
    if form.validate_on_submit():
        try:
            outcome = search(db(), current_user.actor, query_of(form))
        except InputError as e:
            field = form.field_by_name(e.field) or form.kind
            field.errors = [*field.errors, e.message]  # type: ignore[list-item]
    elif request.method == "POST":  # the fields named, never what was typed
        acts.refuse(
            db(),
            acts.Action.SEARCH,
            actor=current_user.actor,
            reason=acts.input_refused(sorted(form.errors)),
        )
    status = 400 if form.errors else 200
    return render_template(
        "search/search.html",
        title="Search",
        form=form,
        hits=outcome.hits if outcome else None,
        truncated=outcome.truncated if outcome else False,
    ), status
