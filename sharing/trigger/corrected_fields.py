"""The fields a correction of a Community Trigger application changed, in the words of
the lead's forms. A correction's audit entry names the fields as stored (``fields
victim_email, reported_to``; ``removed victim_date_of_birth``), never their values; the
application's history and the DPO's audit log both read them here, so that each says
them alike. It imports nothing, so that the audit log may read it without reading the
Trigger's workings.
"""

from __future__ import annotations

#: How each field a correction changed is named, as the forms correcting it ask for it.
FIELD_NAMES = {
    "received_on": "the date received",
    "channel": "how it was received",
    "victim_kind": "who suffered it",
    "on_behalf": "who applied",
    "consent_recorded": "the victim's consent",
    "victim_given_names": "the victim's given names",
    "victim_family_name": "the victim's surname",
    "victim_date_of_birth": "the victim's date of birth",
    "victim_phone": "the victim's phone",
    "victim_email": "the victim's e-mail address",
    "victim_address": "the victim's address",
    "victim_postcode": "the victim's postcode",
    "victim_uprn": "the victim's UPRN",
    "problem": "the behaviour in the applicant's words",
    "applicant_name": "the name of whoever applied for the victim",
    "applicant_contact": "how to contact whoever applied for the victim",
    "applicant_address": "the postal address of whoever applied for the victim",
    "consent_note": "the note on consent",
    "reported_to": "who the applicant reported it to",
}
#: Why a correction removed the victim's date of birth, as the page says it.
REMOVED = "Removed, as a business or community group has none"


def named(fields: list[str]) -> str:
    """The fields in the forms' words (one no form names, with spaces for underscores)."""
    return ", ".join(FIELD_NAMES.get(f, f.replace("_", " ")) for f in fields)


def corrected(fields: str) -> str:
    """A correction's "fields ..." (``victim_email, reported_to``) as it reads."""
    return "Corrected: " + named(fields.split(", "))


def removed(fields: str) -> str:
    """A correction's "removed ..." (``victim_date_of_birth``) as it reads."""
    return f"{REMOVED}: " + named(fields.split(", "))
