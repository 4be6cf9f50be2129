"""The lead agency's Community Trigger applications, by working days left, narrowed by
the filters in the query string (no personal data: a reference is none)."""

from __future__ import annotations

import re
from typing import Any

from flask import render_template, request
from flask_login import current_user
from wtforms import StringField

from hub.choice_fields import ChoiceField
from hub.database import db
from hub.forms import HubForm, TextLimit
from hub.trigger.views import _procedure, _refused, bp
from sharing import clock
from sharing.errors import NotAllowed
from sharing.formats import whole_number
from sharing.trigger import listing, workdays

#: The filter for applications with a deadline passed.
OVERDUE = "yes"
#: The filter for applications with a letter still to post.
TO_POST = "to-post"
_YEAR = re.compile(r"[0-9]{4}")


class FilterForm(HubForm):
    """The list's filters, read from the query string."""

    class Meta:
        csrf = False

    state = ChoiceField(
        "State",
        choices=[("", "Any state"), *((k, v[1]) for k, v in listing.STATES.items())],
        message="Select a state",
    )
    overdue = ChoiceField(
        "Deadline",
        choices=[("", "Any"), (OVERDUE, "A deadline passed (overdue)")],
        message="Select whether a deadline passed",
    )
    letters = ChoiceField(
        "Letters",
        choices=[("", "Any"), (TO_POST, "A letter still to post")],
        message="Select whether a letter is still to post",
    )
    year = ChoiceField("Year received", message="Select a year received")
    reference = StringField("Reference", validators=[TextLimit(20, "the reference")])

    def offer_years(self) -> None:
        """The reporting years an application can have been received in, this one first;
        a year asked for that is not one is told so, naming the years there are."""
        latest = listing.reporting_year(clock.today())
        self.year.choices = [
            ("", "Any year"),
            *((str(y), listing.year_title(y)) for y in range(latest, listing.FIRST_YEAR - 1, -1)),
        ]
        if not _YEAR.fullmatch(self.year.data or ""):
            self.year.message = (
                "The year received must be a year, like 2026 for April 2026 to March 2027"
            )
        else:
            self.year.message = (
                f"The year received must be from {listing.FIRST_YEAR} (the Community "
                f"Trigger began in October {listing.FIRST_YEAR}) to {latest}"
            )

    def filters(self) -> listing.Filters:
        return listing.Filters(
            state=self.state.data or None,
            overdue=self.overdue.data == OVERDUE,
            to_post=self.letters.data == TO_POST,
            year=whole_number(self.year.data),
            reference=(self.reference.data or "").strip() or None,
        )


@bp.route("")
def index() -> str | tuple[str, int]:
    form = FilterForm(request.args)
    form.offer_years()
    valid = form.validate()
    filters = form.filters() if valid else listing.Filters()
    try:
        page = listing.waiting(
            db(),
            current_user.actor,
            _procedure(),
            whole_number(request.args.get("page")) or 1,
            filters=filters,
        )
    except NotAllowed:
        return _refused()
    return render_template(
        "trigger/index.html",
        title="Community Trigger applications",
        page=page,
        form=form,
        filters=filters,
        args=_args(),
        said=_said(filters),
        calendar_warning=workdays.running_out(clock.today()),
    ), 200 if valid else 400


def _args() -> dict[str, Any]:
    """The filters as asked, for the pages' links (paging keeps them)."""
    return {k: v for k, v in request.args.items() if k != "page" and v}


def _said(filters: listing.Filters) -> str:
    """What the count line says the applications are: "being handled, overdue, received
    April 2026 to March 2027" ("" without filters)."""
    parts = [listing.STATES[filters.state][2]] if filters.state else []
    if filters.overdue:
        parts.append("with a deadline passed")
    if filters.to_post:
        parts.append("with a letter still to post")
    if filters.year is not None:
        parts.append(f"received {listing.year_title(filters.year)}")
    if filters.reference:
        parts.append(f"with the reference {listing.sought_reference(filters.reference)}")
    return ", ".join(parts)
