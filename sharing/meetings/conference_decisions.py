"""The decisions of a case conference, with the proportionality, evidence and
vulnerability considerations 003 §3.12 asks for, and any dissent: what one records, how
it is checked, and recording or amending one in the minutes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.decide import Actor
from sharing.access.reveal import allowed_columns
from sharing.crypto.sealing import seal_many
from sharing.errors import InputError
from sharing.formats import checked_text
from sharing.meetings import minute_writing
from sharing.models import Conference, ConferenceDecision
from sharing.vocabulary import ActionKind, DecisionKind

MAX_CONSIDERATION = 5_000
#: The legal tools a decision to take legal action names.
LEGAL_TOOLS = (
    ActionKind.COMMUNITY_PROTECTION_NOTICE,
    ActionKind.ABATEMENT_NOTICE,
    ActionKind.NOTICE_SEEKING_POSSESSION,
    ActionKind.INJUNCTION,
    ActionKind.CLOSURE_ORDER,
    ActionKind.OTHER_LEGAL,
)


@dataclass(frozen=True)
class DecisionInput:
    kind: str
    decision: str
    tool: str = ""
    acting_agency_id: int | None = None
    proportionality: str = ""
    evidence: str = ""
    vulnerability: str = ""
    dissenting_agency_id: int | None = None
    dissent: str = ""


#: A decision's sealed text, each part as the form names it, with what it holds.
DECISION_TEXT = {
    "decision": "the decision",
    "proportionality": "why this is the most proportionate intervention",
    "evidence": "the evidence available",
    "vulnerability": "the vulnerabilities of the people involved",
    "dissent": "the dissenting view",
}


def _required(legal: bool) -> dict[str, str]:
    """The parts a decision must record, each with what its field says when empty."""
    required = {"decision": "Enter the decision"}
    if legal:
        required |= {
            "proportionality": "Record why this is the most proportionate intervention",
            "evidence": "Record the evidence available",
            "vulnerability": "Record the vulnerabilities of the people involved, and how "
            "the action takes account of them",
        }
    return required


def _checked_decision(
    conference: Conference, data: DecisionInput, kept: Mapping[str, bool]
) -> dict[str, object]:
    """The decision's values checked. ``kept`` names the parts the writer may not see,
    each with whether something is stored: they keep it, and are never written."""
    kind = next((k for k in DecisionKind if k.value == data.kind), None)
    if kind is None:
        raise InputError("kind", "Select what the conference decided")
    legal = kind is DecisionKind.LEGAL_ACTION
    required = _required(legal)
    for part in required:
        if part in kept and not kept[part]:
            raise InputError(
                "kind",
                f"This decision needs {DECISION_TEXT[part]}, which your agency may not see, "
                "so only the convening agency can record it, while the minutes are a draft",
            )
    text = {
        part: checked_text(
            part,
            getattr(data, part),
            limit=MAX_CONSIDERATION,
            what=DECISION_TEXT[part],
            required=required.get(part, ""),
        )
        for part in DECISION_TEXT
        if part not in kept
    }
    dissent = kept["dissent"] if "dissent" in kept else bool(text["dissent"])
    tool = None
    if legal:
        tool = next((t for t in LEGAL_TOOLS if t.value == data.tool), None)
        if tool is None:
            raise InputError("tool", "Select the legal tool")
    elif data.tool:
        raise InputError("tool", "Select a legal tool only for a decision to take legal action")
    table = conference.at_the_table
    if legal and data.acting_agency_id is None:
        raise InputError("acting_agency_id", "Select the agency that takes the action")
    if data.acting_agency_id is not None and data.acting_agency_id not in table:
        raise InputError("acting_agency_id", "Select an agency at the conference")
    if data.dissenting_agency_id is not None and data.dissenting_agency_id not in table:
        raise InputError("dissenting_agency_id", "Select an agency at the conference")
    if data.dissenting_agency_id is not None and not dissent:
        raise InputError("dissent", "Record the dissenting agency's view")
    if dissent and data.dissenting_agency_id is None:
        raise InputError("dissenting_agency_id", "Select the agency that dissented")
    return {
        "kind": kind,
        "tool": tool,
        "acting_agency_id": data.acting_agency_id,
        "dissenting_agency_id": data.dissenting_agency_id,
        "text": {k: v or None for k, v in text.items()},
    }


def save_decision(
    session: Session,
    actor: Actor,
    conference_id: int,
    data: DecisionInput,
    decision_id: int | None = None,
    now: datetime | None = None,
    *,
    opened: str | None = None,
) -> bool:
    """Record a decision of the conference, or amend one (``decision_id``). Legal action
    names its tool and the agency that acts, and records proportionality, evidence and
    vulnerability; a dissent names the agency that dissented. A part the writer may not
    see (vulnerability, for most partners) keeps what is stored, whatever was sent.
    ``ChangedMeanwhile``, naming who wrote it last and when, if it was amended after the
    form was opened (its stamp ``opened``): a dissent recorded meanwhile is not wiped.
    Whether anything changed: an amendment saved as it was writes and records nothing."""
    now = now or clock.now()
    conference = minute_writing.conference(session, actor, conference_id)
    authorised = minute_writing.writer(session, actor, conference, now=now)
    record = minute_writing.part(session, ConferenceDecision, decision_id, conference)
    if record is not None:
        minute_writing.unchanged(session, opened, record)
    shown = allowed_columns(authorised.decision, record or ConferenceDecision(), DECISION_TEXT)
    kept = {
        part: record is not None and getattr(record, part) is not None
        for part in DECISION_TEXT
        if part not in shown
    }
    try:
        checked = _checked_decision(conference, data, kept)
    except InputError as refused:
        minute_writing.refuse(session, actor, conference, f"refused input: {refused.field}")
        raise
    choices = ("kind", "tool", "acting_agency_id", "dissenting_agency_id")
    if record is None:
        record = ConferenceDecision(
            conference=conference, written_by_id=actor.user_id, written_at=now
        )
        session.add(record)
        as_it_was: tuple[object, ...] | None = None
    else:
        as_it_was = tuple(getattr(record, name) for name in choices)
    for name in choices:
        setattr(record, name, checked[name])
    sealed = seal_many(record, checked["text"])  # type: ignore[arg-type]
    if not sealed and as_it_was == tuple(checked[name] for name in choices):
        return False
    record.written_by_id, record.written_at = actor.user_id, now
    minute_writing.begin(conference)
    session.flush()
    minute_writing.recorded(session, authorised, conference, f"decision {record.id}")
    return True
