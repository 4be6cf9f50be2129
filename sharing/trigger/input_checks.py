"""What a Community Trigger application says, as the lead records it (taken by phone,
letter, e-mail or in person) or an applicant sends it on the public form, and how it is
checked: each field's problem at the field, in the order of the form's fields. Markup is
refused in what applicants say: an application is read, never rendered.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import TypeVar

from sharing import clock
from sharing.cases import people
from sharing.errors import InputError
from sharing.formats import (
    checked_text,
    is_email_address,
    is_written_as_phone,
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
    phone_refusal,
)
from sharing.trigger import EARLIEST_RECEIVED
from sharing.vocabulary import Labelled, OnBehalf, TriggerChannel, VictimKind

T = TypeVar("T")

MAX_NAME = 200
MAX_TEXT = 5_000
MAX_REASONS = 3_000
MAX_ADDRESS = 500
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
#: Markup is refused in what applicants say: an application is read, never rendered.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]")


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


def plain_text(field: str, value: str, limit: int, *, what: str, required: str = "") -> str:
    """``value`` checked as ``checked_text`` does, and without markup; ``what`` names it."""
    text = checked_text(field, value, limit=limit, what=what, required=required)
    if _MARKUP.search(text):
        raise InputError(field, "Remove the < sign: write it in plain words, without HTML")
    return text


#: What an e-mail field that is not an address says (as the case and account forms do).
EMAIL_FORMAT = "Enter an e-mail address in the correct format, like name@example.org"


def email_text(field: str, value: str) -> str | None:
    """An optional e-mail address, whole, or None when left empty: the letters go to it,
    so a mistyped one (a space, two @) is refused rather than sent to part of it."""
    text = checked_text(field, value, limit=MAX_NAME, what="the victim's e-mail address")
    if text and not is_email_address(text):
        raise InputError(field, EMAIL_FORMAT)
    return text or None


def contact_text(field: str, value: str, *, what: str, required: str) -> str:
    """How to reach whoever applied for the victim, as the lead records it from a phone
    call or a letter: an e-mail address or a UK phone number, checked as the public form
    checks them (``online_contact_text``), or other words ("through the ward office", a
    postal address), kept as written."""
    return _contact(field, value, what=what, required=required, words=True)


#: What the public form says of a way to contact the applicant that is neither an e-mail
#: address nor a UK phone number.
CONTACT_FORMAT = (
    "Enter an e-mail address, like name@example.org, or a UK phone number, like "
    "07700 900 982 or 01632 960 001"
)
#: What the lead's form says of a contact written as an e-mail address or a phone number
#: that is not one (naming the field, as the lead's form has two e-mail boxes and two
#: phone numbers).
CONTACT_EMAIL_FORMAT = (
    "Enter how to contact the person applying as an e-mail address in the correct format, "
    "like name@example.org, on its own (or give a phone number)"
)
CONTACT_PHONE_FORMAT = (
    "Enter how to contact the person applying as a UK phone number of 10 or 11 digits, "
    "like 07700 900 982 or 01632 960 001, or an e-mail address; to reach them another "
    'way, say how in words, like "through the ward office"'
)
#: What the lead's form says of a number abroad written alone (as the public form, it
#: takes none: the office cannot ring one), and of one dialled with 00, which is as often
#: a UK number with a 0 too many; words around a number abroad keep it.
_ABROAD_IN_WORDS = (
    "the office cannot ring a number abroad, so one on its own is not taken. If it must "
    'be one, say so in words beside it, like "in France: +33 1 23 45 67 89"'
)
CONTACT_ABROAD = (
    "Enter how to contact the person applying as a UK phone number, like 07700 900 982 "
    f"or 01632 960 001, or an e-mail address: {_ABROAD_IN_WORDS}"
)
CONTACT_DIALLED_ABROAD = (
    "Enter how to contact the person applying as a UK phone number starting with one 0, "
    f"like 07700 900 982, or an e-mail address: {_ABROAD_IN_WORDS}"
)
#: What the public form says of a number abroad (it takes no words beside one): what to
#: give instead; and of one dialled with 00, which may be a UK number with a 0 too many.
ONLINE_CONTACT_ABROAD = (
    f"{CONTACT_FORMAT}: the office cannot ring a number abroad, so give an e-mail address"
)
ONLINE_CONTACT_DIALLED_ABROAD = (
    "Enter an e-mail address, like name@example.org, or a UK phone number starting with "
    "one 0, like 07700 900 982: the office cannot ring a number abroad, so give an e-mail "
    "address"
)
#: A number written as dialled abroad: + or 00, then a country code other than the UK's.
_DIALLED_ABROAD = re.compile(r"\(?\s*(?P<how>\+|00)\s*(?!44)\d")


def online_contact_text(field: str, value: str, *, what: str, required: str) -> str:
    """How to reach whoever applied for the victim on the public form, where nobody can
    ask again what they meant: an e-mail address (the letters go to it) or a UK phone
    number (with an extension, or written as dialled from abroad, +44), never other words
    or a number abroad, which the lead's office cannot ring."""
    return _contact(field, value, what=what, required=required, words=False)


def _contact(field: str, value: str, *, what: str, required: str, words: bool) -> str:
    """The contact as written (it is stored so: the DPO's search finds a phone number in
    it), once an e-mail address is one address on its own and a phone number (written as
    one alone) a UK number; other ``words`` are kept only on the lead's form."""
    text = plain_text(field, value, MAX_NAME, what=what, required=required)
    if "@" in text:
        if not is_email_address(text):
            raise InputError(
                field,
                CONTACT_EMAIL_FORMAT
                if words
                else f"{EMAIL_FORMAT}, on its own (or give a phone number)",
            )
        return text
    if words and not is_written_as_phone(text):
        return text
    phone = normalise_phone(text)
    if phone is None or phone.startswith("+"):
        raise InputError(field, _not_a_uk_number(text, words))
    return text


def _not_a_uk_number(text: str, words: bool) -> str:
    """Why a contact written as a phone number alone is refused, on the lead's form
    (``words``) or the public one: a number abroad (with + or 00), or not a UK number's
    digits."""
    abroad = _DIALLED_ABROAD.match(text)
    if abroad is None:
        return CONTACT_PHONE_FORMAT if words else CONTACT_FORMAT
    if abroad["how"] == "+":
        return CONTACT_ABROAD if words else ONLINE_CONTACT_ABROAD
    return CONTACT_DIALLED_ABROAD if words else ONLINE_CONTACT_DIALLED_ABROAD


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


#: Why a postal address is asked of someone applying for the victim without an e-mail.
ADDRESS_NEEDED = (
    "Enter a postal address for the letters about the application, or give an e-mail "
    "address to contact them"
)


#: Why the victim's address is asked of a victim applying for themselves without an e-mail.
VICTIM_ADDRESS_NEEDED = (
    "Enter the victim's address, where the letters about the application are posted, or "
    "give their e-mail address"
)


def postal_address(
    field: str, value: str, *, emailed: bool, what: str = "the postal address", needed: str = ""
) -> str | None:
    """The postal address the letters go to, or None when left empty: needed unless the
    letters can be e-mailed (``emailed``), as a letter with neither is never sent."""
    text = plain_text(field, value, MAX_ADDRESS, what=what)
    if not text and not emailed:
        raise InputError(field, needed or ADDRESS_NEEDED)
    return text or None


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


def _examined(
    data: ApplicationInput, now: datetime
) -> tuple[list[InputError], dict[str, str | None], dict[str, object]]:
    problems: list[InputError] = []

    def attempt(check: Callable[[], T]) -> T | None:
        try:
            return check()
        except InputError as problem:
            problems.append(problem)
            return None

    def received() -> None:
        if data.received_on is None:
            raise InputError("received_on", "Enter the date the application was received")
        if data.received_on > clock.day_of(now):
            raise InputError("received_on", "The date received cannot be in the future")
        if data.received_on < EARLIEST_RECEIVED:
            raise InputError(
                "received_on",
                "The date received must be on or after 20 October 2014, when the Community "
                "Trigger began",
            )

    def chosen(field: str, kind: type[Labelled], message: str) -> Callable[[], object]:
        def check() -> object:
            found = kind.of(getattr(data, field))
            if found is None:
                raise InputError(field, message)
            return found

        return check

    def born() -> None:
        born_on, today = data.victim_date_of_birth, clock.day_of(now)
        if born_on is not None and data.victim_kind not in ("", VictimKind.PERSON.value):
            raise InputError("victim_date_of_birth", NO_DATE_OF_BIRTH)
        if born_on is not None and born_on >= today:
            raise InputError("victim_date_of_birth", "The date of birth must be in the past")
        if born_on is not None and born_on < people.earliest_date_of_birth(today):
            raise InputError(
                "victim_date_of_birth",
                f"The victim's date of birth must be within the last {people.MAX_AGE} years",
            )

    def behalf() -> OnBehalf | None:
        if not data.on_behalf:
            return None
        on_behalf = OnBehalf.of(data.on_behalf)
        if on_behalf is None:
            raise InputError("on_behalf", ON_BEHALF_NEEDED)
        return on_behalf

    def consent() -> None:
        if data.on_behalf and not data.consent_recorded:
            raise InputError("consent_recorded", CONSENT_NEEDED)

    attempt(received)
    channel = attempt(chosen("channel", TriggerChannel, CHANNEL_NEEDED))
    on_behalf = attempt(behalf)
    values: dict[str, str | None] = {
        "applicant_name": None,
        "applicant_contact": None,
        "applicant_address": None,
    }
    if on_behalf is not None:
        values["applicant_name"] = attempt(
            lambda: plain_text(
                "applicant_name",
                data.applicant_name,
                MAX_NAME,
                what="the name of the person applying",
                required=APPLICANT_NAME_NEEDED,
            )
        )
        contact = (
            online_contact_text if data.channel == TriggerChannel.ONLINE.value else contact_text
        )
        values["applicant_contact"] = attempt(
            lambda: contact(
                "applicant_contact",
                data.applicant_contact,
                what="how to contact the person applying",
                required=APPLICANT_CONTACT_NEEDED,
            )
        )
        values["applicant_address"] = attempt(
            lambda: postal_address(
                "applicant_address",
                data.applicant_address,
                emailed=is_email_address(data.applicant_contact.strip()),
            )
        )
    attempt(consent)
    values["consent_note"] = (
        attempt(
            lambda: (
                plain_text(
                    "consent_note", data.consent_note, MAX_CONSENT_NOTE, what="the note on consent"
                )
                or None
            )
        )
        if on_behalf is not None
        else None
    )
    victim_kind = attempt(chosen("victim_kind", VictimKind, VICTIM_KIND_NEEDED))
    values["victim_given_names"] = attempt(
        lambda: (
            plain_text(
                "victim_given_names",
                data.victim_given_names,
                MAX_NAME,
                what="the victim's given names",
            )
            or None
        )
    )
    values["victim_family_name"] = attempt(
        lambda: plain_text(
            "victim_family_name",
            data.victim_family_name,
            MAX_NAME,
            what="the victim's surname",
            required=FAMILY_NAME_NEEDED,
        )
    )
    attempt(born)
    values["victim_date_of_birth"] = (
        data.victim_date_of_birth.isoformat() if data.victim_date_of_birth else None
    )
    # The victim applying for themselves is written to at their address unless they
    # give an e-mail address: one of the two is needed, or no letter reaches them (an
    # address mistyped is refused at its own field, not here).
    values["victim_address"] = attempt(
        lambda: postal_address(
            "victim_address",
            data.victim_address,
            emailed=bool(data.on_behalf) or bool(data.victim_email.strip()),
            what="the victim's address",
            needed=VICTIM_ADDRESS_NEEDED,
        )
    )
    values["victim_postcode"] = attempt(
        lambda: _optional(
            data.victim_postcode,
            normalise_postcode,
            "victim_postcode",
            "a real postcode, like NX1 1AA",
        )
    )
    values["victim_uprn"] = attempt(
        lambda: _optional(
            data.victim_uprn, normalise_uprn, "victim_uprn", "a UPRN of up to 12 digits"
        )
    )
    values["victim_phone"] = attempt(lambda: _phone("victim_phone", data.victim_phone))
    values["victim_email"] = attempt(lambda: email_text("victim_email", data.victim_email))
    values["problem"] = attempt(
        lambda: plain_text(
            "problem",
            data.problem,
            MAX_TEXT,
            what="the description of the anti-social behaviour",
            required="Describe the anti-social behaviour and its effect",
        )
    )
    values["reported_to"] = attempt(lambda: _reports(data))
    choices = {"channel": channel, "victim_kind": victim_kind, "on_behalf": on_behalf}
    return problems, values, choices


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


def _phone(field: str, value: str) -> str | None:
    """The phone number, normalised (``normalise_phone``), or None when left empty; else
    ``InputError`` saying why it is not one."""
    if not value.strip():
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise InputError(field, f"{phone_refusal(value)}, or leave it empty")
    return phone


def _optional(
    value: str, normalise: Callable[[str], str | None], field: str, what: str
) -> str | None:
    if not value.strip():
        return None
    normalised = normalise(value)
    if normalised is None:
        raise InputError(field, f"Enter {what}, or leave it empty")
    return normalised
