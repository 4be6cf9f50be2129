"""What a Community Trigger application says, as the lead records it (taken by phone,
letter, e-mail or in person) or an applicant sends it on the public form, and how it is
checked: each field's problem at the field, in the order of the form's fields. Markup is
refused in what applicants say: an application is read, never rendered.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import ParamSpec, TypeVar

from sharing import clock
from sharing.cases import people
from sharing.errors import InputError
from sharing.formats import is_email_address, normalise_postcode, normalise_uprn
from sharing.trigger.field_checks import (
    MAX_NAME,
    contact_text,
    email_text,
    normalised_text,
    online_contact_text,
    phone_text,
    plain_text,
    postal_address,
    received_date,
)
from sharing.vocabulary import Labelled, OnBehalf, TriggerChannel, VictimKind

T = TypeVar("T")
P = ParamSpec("P")

MAX_TEXT = 5_000
MAX_REASONS = 3_000
MAX_CONSENT_NOTE = 1_000
#: The details only a person has: a business or community group has no date of birth (the
#: public form does not ask it of one, recording one refuses it, and a correction to
#: either removes it).
PERSON_ONLY = ("victim_date_of_birth",)
#: Why a date of birth is refused for a business or community group.
NO_DATE_OF_BIRTH = (
    'A business or community group has no date of birth: leave it empty, or select "A '
    'person" under who suffered it'
)


#: The "someone else" of the agencies an applicant reported the behaviour to.
SOMEONE_ELSE = "other"


@dataclass(frozen=True)
class ReportedTo:
    """One of those the applicant says they reported the behaviour to, and roughly when:
    an agency of the partnership (its code, and its public name as the form offered it),
    or someone else, in the applicant's words."""

    #: The agency's code, or ``SOMEONE_ELSE``.
    agency: str
    #: The agency's name, or who else, as the applicant put it.
    name: str
    #: The first day of the month they reported it in, if they gave one.
    month: date | None = None

    @property
    def someone_else(self) -> bool:
        return self.agency == SOMEONE_ELSE


@dataclass(frozen=True)
class ApplicationInput:
    received_on: date | None
    channel: str
    victim_kind: str
    victim_family_name: str
    victim_given_names: str = ""
    victim_date_of_birth: date | None = None
    victim_phone: str = ""
    victim_email: str = ""
    victim_address: str = ""
    victim_postcode: str = ""
    victim_uprn: str = ""
    problem: str = ""
    #: Who applied for the victim ("" when the victim applied), their name and contact.
    on_behalf: str = ""
    applicant_name: str = ""
    applicant_contact: str = ""
    #: Their postal address, for the letters: needed when their contact is no e-mail.
    applicant_address: str = ""
    consent_recorded: bool = False
    consent_note: str = ""
    #: Who the applicant reported the behaviour to, and roughly when (the public form asks).
    reported_to: tuple[ReportedTo, ...] = ()


#: What is said of a detail left empty that an application needs (the public form says
#: each in the applicant's own words: ``hub.apply``).
CONSENT_NEEDED = (
    "Someone applying for the victim needs the victim's consent: record it, or ask the "
    "victim to apply"
)
APPLICANT_NAME_NEEDED = "Enter the name of the person applying"
#: What the lead's form says of a choice left unmade (or one it does not offer).
CHANNEL_NEEDED = "Select how the application was received"
VICTIM_KIND_NEEDED = "Select who suffered the anti-social behaviour"
ON_BEHALF_NEEDED = "Select who applied"
APPLICANT_CONTACT_NEEDED = "Enter how to contact the person applying"
FAMILY_NAME_NEEDED = "Enter the victim's surname (or the business's or group's name)"


#: Why the victim's address is asked of a victim applying for themselves without an e-mail.
VICTIM_ADDRESS_NEEDED = (
    "Enter the victim's address, where the letters about the application are posted, or "
    "give their e-mail address"
)


def checked(
    data: ApplicationInput, now: datetime
) -> tuple[dict[str, str | None], dict[str, object]]:
    """The sealed values and the choices of ``data``; its first problem, if it has any."""
    problems, values, choices = _examined(data, now)
    if problems:
        raise problems[0]
    return values, choices


def problems_in(data: ApplicationInput, now: datetime) -> list[InputError]:
    """Every problem ``data`` has, in the order of the form's fields (nothing recorded:
    the public form asks one thing a page and shows the page's own problems)."""
    return _examined(data, now)[0]


class _Findings:
    """The problems an application's checks find, kept in the order the checks ran (the
    order of the form's fields) rather than raised at the first."""

    def __init__(self) -> None:
        self.problems: list[InputError] = []

    def attempt(self, check: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T | None:
        """What ``check`` returns, or None when it refuses (its problem kept)."""
        try:
            return check(*args, **kwargs)
        except InputError as problem:
            self.problems.append(problem)
            return None


def _examined(
    data: ApplicationInput, now: datetime
) -> tuple[list[InputError], dict[str, str | None], dict[str, object]]:
    """Every problem of ``data`` in the order of the form's fields, its sealed values and
    its choices."""
    found, today = _Findings(), clock.day_of(now)
    found.attempt(received_date, data.received_on, today)
    channel = found.attempt(_chosen, data, "channel", TriggerChannel, CHANNEL_NEEDED)
    on_behalf = found.attempt(_behalf, data.on_behalf)
    values = _applicant_values(data, on_behalf, found)
    victim_kind = found.attempt(_chosen, data, "victim_kind", VictimKind, VICTIM_KIND_NEEDED)
    values |= _victim_values(data, today, found)
    values["problem"] = found.attempt(_problem, data.problem)
    values["reported_to"] = found.attempt(_reports, data)
    choices = {"channel": channel, "victim_kind": victim_kind, "on_behalf": on_behalf}
    return found.problems, values, choices


def _chosen(data: ApplicationInput, field: str, kind: type[Labelled], message: str) -> object:
    """The choice ``data`` made at ``field``; ``message`` when it made none the form offers."""
    found = kind.of(getattr(data, field))
    if found is None:
        raise InputError(field, message)
    return found


def _behalf(given: str) -> OnBehalf | None:
    """Who applied for the victim, or None when the victim applied for themselves."""
    if not given:
        return None
    on_behalf = OnBehalf.of(given)
    if on_behalf is None:
        raise InputError("on_behalf", ON_BEHALF_NEEDED)
    return on_behalf


def _applicant_values(
    data: ApplicationInput, on_behalf: OnBehalf | None, found: _Findings
) -> dict[str, str | None]:
    """The name, contact and postal address of whoever applied for the victim and the
    note on the victim's consent (each None when the victim applied), once the consent a
    third party needs is recorded."""
    values: dict[str, str | None] = dict.fromkeys(
        ("applicant_name", "applicant_contact", "applicant_address")
    )
    if on_behalf is not None:
        values["applicant_name"] = found.attempt(_applicant_name, data.applicant_name)
        values["applicant_contact"] = found.attempt(_applicant_contact, data)
        values["applicant_address"] = found.attempt(_applicant_address, data)
    found.attempt(_consent, data)
    values["consent_note"] = (
        found.attempt(_consent_note, data.consent_note) if on_behalf is not None else None
    )
    return values


def _applicant_name(given: str) -> str:
    """The name of whoever applied for the victim, which is needed."""
    return plain_text(
        "applicant_name",
        given,
        MAX_NAME,
        what="the name of the person applying",
        required=APPLICANT_NAME_NEEDED,
    )


def _applicant_contact(data: ApplicationInput) -> str:
    """How to reach whoever applied for the victim, as the public form takes it when the
    application came online, else as the lead's form does."""
    contact = online_contact_text if data.channel == TriggerChannel.ONLINE.value else contact_text
    return contact(
        "applicant_contact",
        data.applicant_contact,
        what="how to contact the person applying",
        required=APPLICANT_CONTACT_NEEDED,
    )


def _applicant_address(data: ApplicationInput) -> str | None:
    """The postal address of whoever applied, needed unless their contact is an e-mail."""
    return postal_address(
        "applicant_address",
        data.applicant_address,
        emailed=is_email_address(data.applicant_contact.strip()),
    )


def _consent(data: ApplicationInput) -> None:
    """Refuses an application for the victim without the victim's consent recorded."""
    if data.on_behalf and not data.consent_recorded:
        raise InputError("consent_recorded", CONSENT_NEEDED)


def _consent_note(given: str) -> str | None:
    """The note on the victim's consent, or None when left empty."""
    return plain_text("consent_note", given, MAX_CONSENT_NOTE, what="the note on consent") or None


def _victim_values(data: ApplicationInput, today: date, found: _Findings) -> dict[str, str | None]:
    """Who suffered the behaviour, in the order the form asks: their names, date of birth,
    address and how to reach them."""
    return {
        "victim_given_names": found.attempt(_given_names, data.victim_given_names),
        "victim_family_name": found.attempt(_family_name, data.victim_family_name),
        "victim_date_of_birth": found.attempt(_date_of_birth, data, today),
        "victim_address": found.attempt(_victim_address, data),
        "victim_postcode": found.attempt(
            normalised_text,
            data.victim_postcode,
            normalise_postcode,
            "victim_postcode",
            "a real postcode, like NX1 1AA",
        ),
        "victim_uprn": found.attempt(
            normalised_text,
            data.victim_uprn,
            normalise_uprn,
            "victim_uprn",
            "a UPRN of up to 12 digits",
        ),
        "victim_phone": found.attempt(phone_text, "victim_phone", data.victim_phone),
        "victim_email": found.attempt(email_text, "victim_email", data.victim_email),
    }


def _given_names(given: str) -> str | None:
    """The victim's given names, or None when left empty."""
    return (
        plain_text("victim_given_names", given, MAX_NAME, what="the victim's given names") or None
    )


def _family_name(given: str) -> str:
    """The victim's surname, or the business's or group's name, which is needed."""
    return plain_text(
        "victim_family_name",
        given,
        MAX_NAME,
        what="the victim's surname",
        required=FAMILY_NAME_NEEDED,
    )


def _date_of_birth(data: ApplicationInput, today: date) -> str | None:
    """The victim's date of birth (ISO), or None when not given: only a person has one,
    in the past and within a lifetime."""
    born_on = data.victim_date_of_birth
    if born_on is None:
        return None
    if data.victim_kind not in ("", VictimKind.PERSON.value):
        raise InputError("victim_date_of_birth", NO_DATE_OF_BIRTH)
    if born_on >= today:
        raise InputError("victim_date_of_birth", "The date of birth must be in the past")
    if born_on < people.earliest_date_of_birth(today):
        raise InputError(
            "victim_date_of_birth",
            f"The victim's date of birth must be within the last {people.MAX_AGE} years",
        )
    return born_on.isoformat()


def _victim_address(data: ApplicationInput) -> str | None:
    """The victim's address: a victim applying for themselves is written to there unless
    they give an e-mail address, so one of the two is needed (an address mistyped is
    refused at its own field, not here)."""
    return postal_address(
        "victim_address",
        data.victim_address,
        emailed=bool(data.on_behalf) or bool(data.victim_email.strip()),
        what="the victim's address",
        needed=VICTIM_ADDRESS_NEEDED,
    )


def _problem(given: str) -> str:
    """What the behaviour is and its effect, which is needed."""
    return plain_text(
        "problem",
        given,
        MAX_TEXT,
        what="the description of the anti-social behaviour",
        required="Describe the anti-social behaviour and its effect",
    )


#: What is said of "someone else" ticked without saying who.
REPORTED_OTHER_NEEDED = "Enter who else the behaviour was reported to"


def _reports(data: ApplicationInput) -> str | None:
    """Who the applicant reported it to, as the sealed value (JSON), or None when they
    said no one; someone else needs a name, and no month is after the application's."""
    return reports_text(data.reported_to, data.received_on or clock.today())


def reports_text(given: tuple[ReportedTo, ...], latest: date) -> str | None:
    """Those the behaviour was reported to, as the sealed value (JSON), or None for no
    one; "someone else" needs a name (``reported_other``), and no month is after
    ``latest``'s (``reported_when``)."""
    reports = []
    for report in given:
        name = report.name
        if report.someone_else:
            name = plain_text(
                "reported_other",
                report.name,
                MAX_NAME,
                what="the name of whoever else it was reported to",
                required=REPORTED_OTHER_NEEDED,
            )
        if report.month is not None and report.month > latest.replace(day=1):
            raise InputError(
                "reported_when",
                f"The month it was reported to {name} cannot be after this month",
            )
        month = report.month.strftime("%Y-%m") if report.month else None
        reports.append({"agency": report.agency, "name": name, "month": month})
    return json.dumps(reports) if reports else None


def reports_of(value: str | None) -> list[ReportedTo]:
    """Who the applicant said they reported it to, from the sealed value (the list
    ``_reports`` wrote); none from a value that is not one, such as the words a page
    shows for a value erased or unreadable."""
    if not value or not value.startswith("["):
        return []
    return [
        ReportedTo(
            agency=str(report["agency"]),
            name=str(report["name"]),
            month=date.fromisoformat(f"{report['month']}-01") if report.get("month") else None,
        )
        for report in json.loads(value)
    ]
