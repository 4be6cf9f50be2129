"""The checks of one field of an application's forms: plain words without markup (an
application is read, never rendered), an e-mail address, a way to contact whoever
applied, a postal address, a phone number, a postcode or UPRN, the date received. Each
returns the value as stored (the date received is only refused or not), or raises
``InputError`` saying what is wrong at its field.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from sharing.errors import InputError
from sharing.formats import (
    checked_text,
    is_email_address,
    is_written_as_phone,
    normalise_phone,
    phone_refusal,
)
from sharing.trigger import EARLIEST_RECEIVED

#: The most a name, a contact or an e-mail address may say, and a postal address.
MAX_NAME = 200
MAX_ADDRESS = 500

#: Markup is refused in what applicants say: an application is read, never rendered.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!]")


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


#: Why a postal address is asked of someone applying for the victim without an e-mail.
ADDRESS_NEEDED = (
    "Enter a postal address for the letters about the application, or give an e-mail "
    "address to contact them"
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


def phone_text(field: str, value: str) -> str | None:
    """The phone number, normalised (``normalise_phone``), or None when left empty; else
    ``InputError`` saying why it is not one."""
    if not value.strip():
        return None
    phone = normalise_phone(value)
    if phone is None:
        raise InputError(field, f"{phone_refusal(value)}, or leave it empty")
    return phone


def normalised_text(
    value: str, normalise: Callable[[str], str | None], field: str, what: str
) -> str | None:
    """``value`` as ``normalise`` writes it, or None when left empty; else ``InputError``
    asking for ``what``."""
    if not value.strip():
        return None
    normalised = normalise(value)
    if normalised is None:
        raise InputError(field, f"Enter {what}, or leave it empty")
    return normalised


def received_date(received_on: date | None, today: date) -> None:
    """Refuses the date an application was received left empty, in the future, or before
    the Community Trigger began."""
    if received_on is None:
        raise InputError("received_on", "Enter the date the application was received")
    if received_on > today:
        raise InputError("received_on", "The date received cannot be in the future")
    if received_on < EARLIEST_RECEIVED:
        raise InputError(
            "received_on",
            "The date received must be on or after 20 October 2014, when the Community "
            "Trigger began",
        )
