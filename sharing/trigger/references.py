"""Community Trigger application references (``ASBR-2026-7KQ4MX``): the year received and
a random code that can be given over the phone, never a count, so that no applicant can
tell from theirs whether anyone else applied.
"""

from __future__ import annotations

import random
import re
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.models import TriggerApplication

#: The characters of a reference's code: capitals and digits, less those read or heard as
#: others (0 and O, 1, I and L, U and V), so that it can be given over the phone.
REFERENCE_CHARACTERS = "23456789ABCDEFGHJKMNPQRSTWXYZ"
REFERENCE_CODE_LENGTH = 6
#: The prefix of every application's reference, which someone writing one may leave out.
PREFIX = "ASBR-"
#: A reference as people write it down: any case, "ASBR" or not, and its parts joined by
#: hyphens, spaces or nothing ("asbr 2026 7kq4mx", "2026-7KQ4MX").
_AS_WRITTEN = re.compile(r"(?:ASBR[\s-]*)?(?P<year>\d{4})[\s-]*(?P<code>[0-9A-Z]{6})")


def as_written(text: str) -> str:
    """The reference ``text`` is as someone wrote it down (from a letter, or over the
    phone): "asbr 2026 7kq4mx" and "2026-7KQ4MX" are ``ASBR-2026-7KQ4MX``. Anything else
    is given back in capitals, as typed, which no application's reference is."""
    typed = " ".join(text.split()).upper()
    written = _AS_WRITTEN.fullmatch(typed)
    return f"{PREFIX}{written['year']}-{written['code']}" if written else typed


def new_reference(session: Session, received_on: date, codes: random.Random | None) -> str:
    """A reference no application has, e.g. ``ASBR-2026-7KQ4MX``: the year received and a
    random code (29 characters to the power 6: about 600 million codes a year), never a
    count, so that nobody can tell from their references how many others applied between
    them, or whether a neighbour did."""
    draw = codes or _SYSTEM_RANDOM
    while True:
        code = "".join(draw.choice(REFERENCE_CHARACTERS) for _ in range(REFERENCE_CODE_LENGTH))
        reference = f"ASBR-{received_on.year}-{code}"
        taken = select(TriggerApplication.id).where(TriggerApplication.reference == reference)
        if session.scalar(taken) is None:
            return reference


_SYSTEM_RANDOM = random.SystemRandom()
