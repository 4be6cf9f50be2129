"""The procedure file's ``[appeal]`` table: who hears a dissatisfied applicant's appeal
(often the Police and Crime Commissioner's office), how the applicant reaches them (a
postal address, an e-mail address, a phone number: any of them, at least one), and the
time limit. The letters that offer the appeal print the body's contact under its offer,
so that "contact them" says how.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sharing.formats import is_email_address, normalise_phone
from sharing.protocols.fields import Reader, path_of

APPEAL_KEYS = ("body", "address", "email", "phone", "within_working_days")
#: The ways to reach the appeal body, of which the file gives at least one.
CONTACT_KEYS = ("address", "email", "phone")
#: Lines of a postal address, and the length of one.
MOST_ADDRESS_LINES = 8
MOST_LINE = 100


@dataclass(frozen=True)
class Appeal:
    body: str
    within_working_days: int
    #: The body's postal address, line by line; () when the file gives none.
    address: tuple[str, ...] = ()
    email: str = ""
    phone: str = ""

    def contact_lines(self) -> tuple[str, ...]:
        """How the applicant reaches the body, as a letter prints it under the offer."""
        lines = [self.body, *self.address]
        if self.email:
            lines.append(f"E-mail: {self.email}")
        if self.phone:
            lines.append(f"Phone: {self.phone}")
        return tuple(lines)


def read_appeal(reader: Reader, table: Mapping[str, Any] | None, most_days: int) -> Appeal | None:
    """The ``[appeal]`` table (its unknown keys already named), or None with its
    problems named at their keys' lines."""
    if table is None:
        return None
    problems = len(reader.problems)
    body = reader.text(table, "body", "appeal", max_length=200)
    within = reader.integer(table, "within_working_days", "appeal", most=most_days)
    address = _address(reader, table)
    email = reader.text(table, "email", "appeal", required=False, max_length=254)
    if email is not None and not is_email_address(email):
        reader.add("appeal.email", f'"{email}" is not an e-mail address', "e.g. pcc@example.org")
        email = None
    phone = reader.text(table, "phone", "appeal", required=False, max_length=40)
    if phone is not None and normalise_phone(phone) is None:
        reader.add("appeal.phone", f'"{phone}" is not a phone number', "e.g. 01632 960 100")
        phone = None
    if not any(key in table for key in CONTACT_KEYS):
        reader.add(
            "appeal",
            "says no way to reach the appeal body: the letters offering an appeal would say "
            "to contact them without saying how",
            "at least one of address (a list of lines), email or phone",
        )
    if body is None or within is None or len(reader.problems) > problems:
        return None
    return Appeal(body, within, address, email or "", phone or "")


def _address(reader: Reader, table: Mapping[str, Any]) -> tuple[str, ...]:
    allowed = f"a list of up to {MOST_ADDRESS_LINES} lines, each in quotes"
    lines = reader.strings(table, "address", "appeal", required=False, allowed=allowed)
    if lines is None:
        return ()
    path = path_of("appeal", "address")
    if len(lines) > MOST_ADDRESS_LINES:
        reader.add(path, f"has {len(lines)} lines", allowed)
    for line in lines:
        if not line.strip():
            reader.add(path, "has an empty line", allowed)
        elif len(line) > MOST_LINE:
            reader.add(path, f"has a line {len(line)} characters long", f"at most {MOST_LINE}")
    return tuple(lines)
