"""Checking and normalising the formats of values people type: postcodes, UPRNs, phones,
and the characters any text may hold."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable
from enum import StrEnum
from typing import TypeVar

import phonenumbers

from sharing.errors import InputError
from sharing.models.base import MAX_ID

#: UK postcode without its space: outward code then inward code (BS 7666).
_POSTCODE = re.compile(r"^([A-Z]{1,2}[0-9][A-Z0-9]?)([0-9][A-Z]{2})$")
_PHONE_ALLOWED = re.compile(r"^\+?[0-9 ()-]+$")
#: An extension after a number, as people write one: ``ext 4``, ``ext. 4``, ``extn 4``,
#: ``extension 4``, ``x4`` (after a space, a comma or the number itself).
_EXTENSION = re.compile(
    r"[\s,;]*(?<![a-z])(?:extension|extn|ext|x)\.?\s*:?\s*(\d{1,6})$", re.IGNORECASE
)
#: An e-mail address as people type one: something, one @, a domain with a dot; one plain
#: address, so no spaces and none of the characters that make a list, a display name, a
#: comment or quoting of it (a mail server would read ``jane,doe@example.org`` as two).
_EMAIL_PART = r"[^@\s,;:<>\"()\[\]\\]+"
_EMAIL = re.compile(rf"{_EMAIL_PART}@{_EMAIL_PART}\.{_EMAIL_PART}")
#: The longest e-mail address (RFC 5321's path, less its angle brackets).
MAX_EMAIL = 254


CONTROL_CHARACTERS = (
    "must not contain control characters (such as a null byte or an escape): "
    "remove them or type the text again"
)


#: Unicode's control characters (category Cc: U+0000 to U+001F and U+007F to U+009F)
#: except those text may hold: tab, and new lines as browsers send them (CR LF).
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


#: Why a TOML or JSON file is refused that is well formed but beyond what Python's parsers
#: read (they raise RecursionError, and ValueError for an integer of over 4,300 digits).
BEYOND_THE_PARSER = "nested too deeply, or holding a number of more than 4,300 digits"


#: What a spreadsheet runs as a formula when a cell starts with it (OWASP's guidance on
#: CSV injection): =, +, - and @ (their full-width and small forms too, which NFKC makes
#: them), also after a tab, a carriage return or spaces.
_FORMULA_STARTS = frozenset("=+-@")
#: What a text that would run as a formula is told (after its field's name).
FORMULA = "holds a spreadsheet formula (it starts with =, +, - or @): send the text itself"


def runs_as_formula(text: str) -> bool:
    """Whether free text (a description, a note; not a phone number or another value with
    its own format) would run as a formula in a spreadsheet it is exported to."""
    first = text.lstrip()[:1]  # a tab, a carriage return or spaces before it too
    return bool(first) and unicodedata.normalize("NFKC", first)[:1] in _FORMULA_STARTS


def other_names(document: str | None) -> list[tuple[str, str]]:
    """The other names a person is also known by, each (name, what it is: "" for no
    note), from their sealed ``other_names`` document."""
    if not document or not document.startswith("["):  # none, or shown as erased or unreadable
        return []
    return [(str(n["name"]), str(n.get("note") or "")) for n in json.loads(document)]


def other_names_document(names: Iterable[tuple[str, str]]) -> str | None:
    """The sealed ``other_names`` document of (name, what it is) pairs; None for none."""
    listed = [{"name": name, "note": note} for name, note in names]
    return json.dumps(listed, ensure_ascii=False) if listed else None


def same_value(held: str | None, sent: str) -> bool:
    """Whether a value sent is the one held, its letters' case aside ("OKAFOR" is "Okafor",
    an e-mail address in capitals the same address)."""
    return (held or "").casefold() == sent.casefold()


def has_control_characters(text: str) -> bool:
    """Whether ``text`` holds a control character other than a tab or a new line: a null
    byte, an escape, a bell... which no one types, and which break exports and letters."""
    return _CONTROLS.search(text) is not None


def too_long(what: str, limit: int, length: int) -> str:
    """What a text longer than its limit is told, naming it (``what``: "the summary"):
    "The summary must be 2,000 characters or fewer (you entered 2,345)"."""
    return f"{_sentence(what)} must be {limit:,} characters or fewer (you entered {length:,})"


def with_control_characters(what: str) -> str:
    """What a text holding control characters is told, naming it ("the note")."""
    return f"{_sentence(what)} {CONTROL_CHARACTERS}"


def _sentence(what: str) -> str:
    return what[:1].upper() + what[1:]


def with_plain_line_breaks(text: str) -> str:
    """``text`` with each line break as one new line: a browser sends a text box's line
    breaks as two characters (CR LF), which a reader and a character count take as one."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


#: Unicode's embeddings, overrides and isolates (U+202A to U+202E, U+2066 to U+2069): each
#: turns the direction of the text after it, which on a page or in a letter makes a name
#: read as other words. Nobody types them; they come with pasted text.
_DIRECTION_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def tidied(text: str) -> str:
    """``text`` as a box's value is kept: line breaks as one new line each, without
    surrounding space or text-direction controls (``_DIRECTION_CONTROLS``: right-to-left
    scripts need none, the reader orders them), and empty when nothing in it can be seen
    (only zero-width spaces or direction marks)."""
    text = _DIRECTION_CONTROLS.sub("", with_plain_line_breaks(text)).strip()
    return text if without_invisible(text).strip() else ""


def checked_text(field: str, value: str, *, limit: int, what: str, required: str = "") -> str:
    """``value`` without surrounding space, or ``InputError`` at ``field``: empty when
    ``required`` (which says what to enter), longer than ``limit``, or holding control
    characters. The messages name the text as ``what`` ("the summary"), so that each of a
    form's lines in its error summary says which box it is about. The value is
    ``tidied``: a text of nothing but invisible characters is empty, and line breaks are
    one new line each."""
    value = tidied(value)
    if required and not value:
        raise InputError(field, required)
    if len(value) > limit:
        raise InputError(field, too_long(what, limit, len(value)))
    if has_control_characters(value):
        raise InputError(field, with_control_characters(what))
    return value


Reason = TypeVar("Reason", bound=StrEnum)


def reason_and_note(
    offered: Iterable[Reason], reason: str, note: str, *, other: Reason, limit: int, what: str
) -> tuple[Reason, str]:
    """The reason among ``offered`` whose value is ``reason``, and ``note`` as
    ``checked_text`` gives it; or ``InputError`` at "reason" when none is, and at "note"
    for a note too long, holding control characters, or missing for ``other`` ("another
    reason"). The messages name what is cancelled as ``what`` ("the sitting")."""
    why = next((r for r in offered if r.value == reason), None)
    if why is None:
        raise InputError("reason", f"Select why {what} is cancelled")
    note = checked_text("note", note, limit=limit, what="the note")
    if why is other and not note:
        raise InputError("note", f"Say why {what} is cancelled")
    return why, note


def is_email_address(text: str) -> bool:
    """Whether ``text`` looks like one e-mail address (``name@example.org``), up to
    ``MAX_EMAIL`` characters: the check GOV.UK asks of a form, and no list, display name,
    comment or quoting, which would send letters to other addresses than the one given."""
    return len(text) <= MAX_EMAIL and _EMAIL.fullmatch(text) is not None


def is_digits(text: str) -> bool:
    """Whether ``text`` is one or more of the digits 0 to 9. (``str.isdigit`` also holds
    for superscripts and other scripts' digits, which ``int`` refuses or reads as 0 to 9.)"""
    return text.isascii() and text.isdigit()


def whole_number(text: str | None) -> int | None:
    """An id or page number from a form or an address: its digits as a number, else None
    (also for a number too large to be an id: it names nothing)."""
    if not text or not is_digits(text):
        return None
    number = int(text)
    return number if number <= MAX_ID else None


def without_invisible(text: str) -> str:
    """``text`` without Unicode's format characters (category Cf): the zero-width spaces
    and text-direction marks that come with a number copied from a message or a contact
    card (WhatsApp wraps a phone number in U+202A and U+202C), which nobody sees."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


def normalise_postcode(value: str) -> str | None:
    """``value`` as an upper-case postcode with one space, or None if it is not one."""
    match = _POSTCODE.match(re.sub(r"\s+", "", without_invisible(value).upper()))
    return f"{match.group(1)} {match.group(2)}" if match else None


def normalise_uprn(value: str) -> str | None:
    """A UPRN (1 to 12 digits, leading zeros dropped), or None if ``value`` is not one."""
    digits = without_invisible(value).strip()
    if not is_digits(digits) or len(digits) > 12 or int(digits) == 0:
        return None
    return str(int(digits))


def normalise_address(value: str) -> str | None:
    """Address lines as one comparable line: capitals, spaces, line breaks and punctuation
    made uniform (``Flat 13, Lark House`` / ``13 Lark Way`` is ``flat 13 lark house 13 lark
    way``; an apostrophe is dropped, so "Bishop's" is "Bishops"); None when nothing is left.
    Every word still counts: "39 Lark Way" is not "39a Lark Way", nor the same with a town."""
    text = unicodedata.normalize("NFKC", value).casefold()
    text = re.sub(r"['\u2018\u2019`]", "", text)
    return " ".join(re.sub(r"[\W_]+", " ", text).split()) or None


def normalise_phone(value: str) -> str | None:
    """A phone number as digits: UK numbers in national form (``07700900123``), others
    as ``+`` and the international digits, then any extension as `` ext 4``; None if
    ``value`` is not a phone number (``phone_refusal`` says why).
    A UK number may be written as dialled from abroad (``+44 7700 900123``, ``0044 7700
    900123``, ``00 44 …``, ``(+44) 7700 900123``), keeping its trunk zero after the 44
    (``+44 07700 900123``); any number may keep its trunk zero in brackets after its
    country code (``+44 (0)7700 900123``, ``+353 (0)87 123 4567``), which is not dialled.
    Digits may be grouped by spaces, dashes, brackets or dots; an extension follows the
    number (``01632 960 123 ext 4``, ``x4``, ``extension 4``).
    Another country's number is written with ``+``: a ``00`` before anything but 44 is
    more often a mistyped UK number (``007700 900123``) than a call abroad, so it is
    refused rather than guessed."""
    extension, text = _without_extension(_phone_text(value))
    if not _PHONE_ALLOWED.match(text):
        return None
    text = re.sub(r"^00\s*44", "+44", text)
    if text.startswith("00"):
        return None
    text = re.sub(r"^\+\s*(\d{1,3})\s*\(0\)", r"+\1", text)
    text = re.sub(r"^\+\s*44[\s-]*0", "+44", text)  # the trunk zero kept, not bracketed
    digits = re.sub(r"\D", "", text)
    if text.startswith("+"):
        if not digits.startswith("44"):
            return "+" + digits + extension if 8 <= len(digits) <= 15 and digits[0] != "0" else None
        digits = "0" + digits[2:]
    if digits.startswith("0") and len(digits) in (10, 11):
        return digits + extension
    return None


def is_written_as_phone(value: str) -> bool:
    """Whether ``value`` is written as a phone number alone: digits and what groups them
    (spaces, dashes, brackets, dots, a leading ``+``), with any extension after it, and no
    other words; ``normalise_phone`` says whether it is one."""
    _, text = _without_extension(_phone_text(value))
    return bool(_PHONE_ALLOWED.match(text)) and any(c.isdigit() for c in text)


def phone_for_reading(value: str) -> str:
    """A phone number as ``normalise_phone`` stores it, grouped as people write it: a UK
    number in its national groups (``07700 900123``, ``020 7946 0123``, ``0113 496 0123``),
    another country's with its code (``+353 87 123 4567``), an extension kept after it.
    Anything else (a value stored before numbers were checked) is given back as it is."""
    number, _, extension = value.partition(" ext ")
    try:
        parsed = phonenumbers.parse(number, "GB")
    except phonenumbers.NumberParseException:
        return value
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if parsed.country_code == 44
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    grouped = phonenumbers.format_number(parsed, style)
    if re.sub(r"\D", "", grouped) != re.sub(r"\D", "", number):
        return value  # no grouping known for it: the digits as stored, none lost
    return f"{grouped} ext {extension}" if extension else grouped


def phone_refusal(value: str, whom: str = "") -> str:
    """Why ``value`` is not a phone number ``normalise_phone`` takes, for a form to say
    (never quoting the value); ``whom`` it is for ("the victim"), where a form asks for
    more than one person's."""
    of = f" for {whom}" if whom else ""
    _, text = _without_extension(_phone_text(value))
    if not _PHONE_ALLOWED.match(text):
        return (
            f"Enter a phone number{of} in digits, spaces, brackets, dashes and dots only, "
            "with any extension after it, like 01632 960 123 ext 4"
        )
    if re.match(r"^00\s*(?!44)", text):
        return (
            f"Enter a UK phone number{of} starting with one 0, like 07700 900 982, or a "
            "number abroad with + and its country code, like +353 87 123 4567"
        )
    if re.match(r"^\+\s*0", text):
        return f"Enter a number abroad{of} with + and its country code, like +353 87 123 4567"
    if text.startswith("+") and not re.match(r"^\+\s*44", text):
        return f"Enter a number abroad{of} with + then 8 to 15 digits, like +353 87 123 4567"
    return (
        f"Enter a UK phone number{of} of 10 or 11 digits, starting 0 (or +44), like "
        "01632 960 123 or 07700 900 982"
    )


def _phone_text(value: str) -> str:
    """The number as typed, every kind of space one space, dots as spaces, an
    international code written in brackets (``(+44) 1632 …``) out of them."""
    text = re.sub(r"\s", " ", without_invisible(value)).strip()
    return re.sub(r"^\(\s*(\+\s*\d{1,3})\s*\)", r"\1", text).replace(".", " ")


def _without_extension(text: str) -> tuple[str, str]:
    found = _EXTENSION.search(text)
    if found is None:
        return "", text
    return f" ext {found.group(1)}", text[: found.start()].strip()
