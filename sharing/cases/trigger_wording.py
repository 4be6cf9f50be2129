"""The Community Trigger's letters to an applicant in the letters file (its
``[[trigger_letters]]``): each letter's paragraphs, and for the outcome and the appeal
decision the sentences for recommendations made and for none.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sharing.cases.letter_words import placeholders
from sharing.protocols.fields import Reader, one_of, path_of

#: The letters to a Community Trigger applicant, and what the hub fills theirs with.
TRIGGER_LETTERS = (
    "acknowledgement",
    "acknowledgement_late",
    "threshold_met",
    "threshold_not_met",
    "outcome",
    "appeal_decision",
    "appeal_decision_not_met_sent_back",
    "appeal_decision_not_met_stands",
    "decided_again_met",
    "decided_again_not_met",
    "appeal_offer",
)
TRIGGER_KEYS = ("id", "paragraphs", "with_recommendations", "without_recommendations")
TRIGGER_PLACEHOLDERS = (
    "reference",
    "received",
    "for_whom",
    "decision_due",
    "decision_late_by",
    "reasons",
    "panel_by",
    "outcome_days",
    "findings",
    "next_steps",
    "recommendations",
    "appeal_body",
    "appeal_by",
    "appeal_decision",
    "appealed",
    "appeal_decided",
    "decide_again_by",
)
#: The trigger letters that say whether the panel made recommendations.
WITH_RECOMMENDATIONS = (
    "outcome",
    "appeal_decision",
    "appeal_decision_not_met_sent_back",
    "appeal_decision_not_met_stands",
)


@dataclass(frozen=True)
class TriggerWording:
    """A letter to a Community Trigger applicant: its paragraphs, and for the outcome and
    the appeal decision, the sentence for recommendations made and for none."""

    paragraphs: tuple[str, ...]
    with_recommendations: str = ""
    without_recommendations: str = ""


def trigger_letters(reader: Reader, data: Mapping[str, Any]) -> dict[str, TriggerWording]:
    """The Community Trigger's letters: each of ``TRIGGER_LETTERS`` once."""
    found: dict[str, TriggerWording] = {}
    tables = reader.tables(data, "trigger_letters", "one [[trigger_letters]] table a letter")
    for index, table in tables:
        prefix = f"trigger_letters[{index}]"
        reader.unknown_keys(table, TRIGGER_KEYS, prefix)
        letter_id = reader.choice(table, "id", prefix, TRIGGER_LETTERS, "Community Trigger letter")
        paragraphs = reader.strings(
            table,
            "paragraphs",
            prefix,
            required=True,
            allowed="a list of paragraphs, each in quotes",
        )
        if letter_id is None or paragraphs is None:
            continue
        if letter_id in found:
            reader.add(path_of(prefix, "id"), f'"{letter_id}" is already a letter of the file')
        used = placeholders(reader, path_of(prefix, "paragraphs"), paragraphs, TRIGGER_PLACEHOLDERS)
        sentences = {
            key: reader.text(table, key, prefix, required=letter_id in WITH_RECOMMENDATIONS)
            for key in ("with_recommendations", "without_recommendations")
        }
        if letter_id in WITH_RECOMMENDATIONS and "recommendations" not in used:
            reader.add(
                path_of(prefix, "paragraphs"),
                "never uses {recommendations}, which says whether any were made",
                "{recommendations} in one of its paragraphs",
            )
        found[letter_id] = TriggerWording(
            tuple(paragraphs),
            sentences["with_recommendations"] or "",
            sentences["without_recommendations"] or "",
        )
    for letter_id in TRIGGER_LETTERS:
        if letter_id not in found and not reader.problems:
            reader.add(
                "trigger_letters",
                f'the file has no Community Trigger letter "{letter_id}"',
                one_of(TRIGGER_LETTERS),
            )
    return found
