"""The documented columns of an import's CSV of cases (``COLUMNS``: what a template file
lists, what each means, which are required), and a problem found at a line and column
of it (``Problem``), as the import's report and the API name it."""

from __future__ import annotations

from dataclasses import dataclass

_OTHER_NAMES = (
    ": each with what it is in brackets if you like, separated by semicolons: "
    "Spider (nickname); Wood (surname before marriage). A name holding brackets or a "
    "semicolon of its own cannot be given here: add it on the case once it is imported"
)


@dataclass(frozen=True)
class Column:
    name: str
    meaning: str
    required: bool = False


#: The documented column set, in the order a template file lists them.
COLUMNS = (
    Column(
        "reference",
        "the case's reference in your own system (up to 60 characters); unique in the file",
        True,
    ),
    Column(
        "opened_on",
        "the day the case was opened: 2026-03-31 or 31/03/2026 (1 January 1990 or later)",
        True,
    ),
    Column("category", "one of the hub's categories, by code or name (e.g. noise)", True),
    Column("priority", "red_urgent, red_high or amber", True),
    Column("triage", "advice_only, low_level or serious", True),
    Column("summary", "what the problem is", True),
    Column("officer_email", "the case officer's e-mail address in the hub (empty: yours)"),
    Column("ward", "the ward's name, in your area"),
    Column("address", "where the problem is"),
    Column("postcode", "the postcode of that address"),
    Column("uprn", "the address's Unique Property Reference Number"),
    Column("hate_motivated", "yes or no (empty: no)"),
    Column("protected_characteristic", "if hate motivated: e.g. race, religion, disability"),
    Column("victim_given_names", "the victim's given names"),
    Column("victim_family_name", "the victim's family name"),
    Column("victim_date_of_birth", "the victim's date of birth"),
    Column("victim_phone", "the victim's phone number"),
    Column("victim_email", "the victim's e-mail address"),
    Column("victim_postcode", "the victim's postcode"),
    Column("victim_support_needs", "what support the victim needs"),
    Column("victim_other_names", "other names the victim is also known by" + _OTHER_NAMES),
    Column("reported_given_names", "the reported person's given names"),
    Column("reported_family_name", "the reported person's family name"),
    Column("reported_date_of_birth", "the reported person's date of birth"),
    Column("reported_postcode", "the reported person's postcode"),
    Column(
        "reported_other_names",
        "other names the reported person is also known by, written as for the victim",
    ),
    Column(
        "incident_at",
        "when the first incident happened: 2026-03-30 22:15 (UK time); in the hour the clocks "
        "go back, which time it was: 2026-10-25 01:30 BST, the first, or 01:30 GMT, the second",
        True,
    ),
    Column("incident_description", "what happened", True),
    Column("incident_place", "where it happened"),
    Column(
        "incident_reported_on",
        "the day it was reported to your agency (default: the day the case was opened, or the "
        "day it happened if later)",
    ),
    Column(
        "first_contact_on",
        "for a case your system holds from before: the day your agency first contacted the "
        "complainant about it (empty: not yet, so it is due as for a new case)",
    ),
    Column(
        "last_contact_on",
        "the day your agency was last in touch with the complainant (empty: the first contact)",
    ),
    Column(
        "next_review_on",
        "the day the case is next due for review, in the past if it is overdue (empty: its "
        "priority's interval after the day it was opened)",
    ),
)

#: The documented columns' names, and those a file's heading must name.
NAMES = frozenset(c.name for c in COLUMNS)

REQUIRED = tuple(c.name for c in COLUMNS if c.required)


@dataclass(frozen=True)
class Problem:
    """Why a row (or the file, at line 1 or the line reached) was rejected."""

    line: int
    column: str
    reason: str

    def __str__(self) -> str:
        where = f"line {self.line}" + (f", column {self.column}" if self.column else "")
        return f"{where}: {self.reason}"
