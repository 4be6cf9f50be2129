"""What every record on a case shares: the longest text a field takes, the checks of a
text and a postcode, a new record's checked values (``Checked``) and the audit entry of a
record on a case (``recorded``).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sharing.access.decide import Actor
from sharing.audit import acts
from sharing.errors import InputError
from sharing.formats import checked_text, normalise_postcode
from sharing.models import Case

#: Longest free text accepted in one field.
MAX_TEXT = 5000
MAX_LINE = 200


def text(
    field_name: str, value: str, *, what: str, limit: int = MAX_TEXT, required: str = ""
) -> str:
    return checked_text(field_name, value, limit=limit, what=what, required=required)


def postcode(field_name: str, value: str) -> str | None:
    if not value.strip():
        return None
    postcode = normalise_postcode(value)
    if postcode is None:
        raise InputError(field_name, "Enter a real postcode, like NG1 5AB")
    return postcode


@dataclass(frozen=True)
class Checked:
    """A new record's values, checked: its plain columns (all but those the writer
    gives: a case's reference, an incident's case) and the values to seal, by column."""

    columns: dict[str, object]
    sealed: dict[str, str | None]


def recorded(session: Session, actor: Actor, case: Case, what: str) -> None:
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=actor,
        subject=acts.Subject("case", case.id),
        basis=what,
    )
