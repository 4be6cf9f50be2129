"""Form fields as a refusal's audit entry names them ("refused input: due_on, note"), in
the words their forms use, for the DPO's "Why" (``sharing.audit.reasons``); and the
refusals about a record's state rather than what was typed.
"""

from __future__ import annotations

import re

#: Form fields whose stored names do not read as words with their underscores as spaces,
#: as their forms name them ("due_on" is the form's "due date"). Any other reads so, a
#: trailing "_id" left off ("owner_agency_id" is the form's "owner_agency").
FIELD_WORDS: dict[str, str] = {
    "uprn": "property reference (UPRN)",
    "victim_uprn": "victim's property reference (UPRN)",
    "agency_ids": "agencies",
    "attendee_ids": "attendees",
    "member_ids": "members",
    "owner_agency": "agency responsible",
    "owner_user": "named person",
    "acting_agency": "agency that acts",
    "dissenting_agency": "agency that dissented",
    "received_by": "agency that received the report",
    "received_by_agency": "agency that received the report",
    "reported_by": "who reported it",
    "escalation": "escalation prompt",
    "first_party": "victim or reporter",
    "first_party_role": "whether the person is the victim or the reporter",
    "reported": "reported person",
    "known": "whether the case is known to their agency",
    "known_person": "whether the person is one their agency holds",
    "asks": "what we ask of them",
    "contact_by": "how they prefer to be contacted",
    "confirm": "the new password confirmed",
    "first_at": "first sitting's date and time",
    "occurred_at": "when it happened",
    "occurred_which": "which of the hour's two times it was (the clocks went back)",
    "starts_at": "date and time",
    "on_behalf": "who applied",
    "victim_kind": "who suffered the behaviour",
    "protocol_purpose": "protocol and purpose",
    "with_people": "the people to erase with the case",
    "with_actions": "the open actions to give with the case",
    "other_domain": "the confirmation of an address at another agency's domain",
    "overdue": "deadline",
    "done_on": "date done",
    "due_on": "due date",
    "decided_on": "date of the decision",
    "received_on": "date received",
    "reported_on": "date reported",
    "withdrawn_on": "date withdrawn",
    "contacted_on": "date last in touch",
    "next_review_on": "next review date",
    "start": "first month",
    "end": "last month",
    "who": "user",
    "tool": "legal tool",
}

#: Refusals recorded as "refused input: ..." that are about the record's state, not what
#: was typed (or read better said whole), in words.
REFUSED_AS: dict[str, str] = {
    "other_domain": "Refused: the address at another agency's domain was not confirmed as theirs",
    "changed meanwhile": "Refused: someone else changed it meanwhile",
    "minutes agreed": "Refused: the minutes were agreed already",
    "minutes circulated": "Refused: the minutes were circulated already (only the chair amends them)",
    "minutes not ready": "Refused: the minutes were not ready to circulate",
    "minutes not circulated": "Refused: the minutes were not circulated yet",
    "conference cancelled": "Refused: the conference was cancelled",
    "conference not begun": "Refused: the conference had not begun",
}


def field_in_words(name: str) -> str:
    """A form field's stored name as the DPO reads it: "due date" for ``due_on``, "victim
    or reporter: family name" for a part of a form's field (``first_party-family_name``)."""
    return ": ".join(_one_field(part) for part in name.split("-"))


def _one_field(name: str) -> str:
    if name in FIELD_WORDS:
        return FIELD_WORDS[name]
    bare = name.removesuffix("_id")
    return FIELD_WORDS.get(bare, bare.replace("_", " "))


def fields_in_words(fields: str) -> str:
    """Fields named in a refusal, ", " between them (``acts.input_refused``), in words; or,
    as forms recorded them before, a space between names of which one at least has an
    underscore (entries are never rewritten: those still read so)."""
    separator = ", " if ", " in fields else " "
    return listed([field_in_words(f.strip()) for f in fields.split(separator)])


#: Field names as forms store them (lower case, an underscore or a hyphen within).
_FIELD = r"[a-z][a-z_]*(?:-[a-z_]+)?"
_FIELD_WITH_UNDERSCORE = r"[a-z]+_[a-z_]*(?:-[a-z_]+)?|[a-z]+-[a-z]*_[a-z_]*"
#: Fields a refusal names: ", " between them, or a space where one has an underscore.
FIELDS = rf"{_FIELD}(?:, {_FIELD})*|(?:{_FIELD} )*(?:{_FIELD_WITH_UNDERSCORE})(?: {_FIELD})*"
#: A field's name among other words ("action 12 due_on"), to say in words.
UNDERSCORED = re.compile(rf"(?<![\w-])(?:{_FIELD_WITH_UNDERSCORE})(?![\w-])")


def listed(names: list[str]) -> str:
    """Names as a sentence lists them: ``a, b and c``."""
    if len(names) <= 1:
        return "".join(names)
    return f"{', '.join(names[:-1])} and {names[-1]}"
