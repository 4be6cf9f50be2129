"""A form refused for what was typed names its fields in its audit entry with ", " between
them, so the "Why" reads each back as the form names it, whatever the names; entries
written before, with a space between the names, read as they did (the log is never
rewritten)."""

from __future__ import annotations

import itertools

import pytest

from sharing.audit import acts, basis_names, field_words, reasons


def _why(basis: str) -> str | None:
    return reasons.in_words(basis, basis_names.Names())


def test_a_refused_forms_fields_are_stored_with_a_comma_between_them() -> None:
    assert acts.input_refused(["due_on", "agency"]) == "refused input: due_on, agency"
    assert acts.input_refused(["note", "note"], "action 12") == "refused input: action 12 note"
    assert acts.input_refused([]) == "refused input: form"


@pytest.mark.parametrize(
    ("fields", "record", "said"),
    [
        # Names with no underscore, which a space between them could not tell apart.
        (["name", "email"], "", "Refused for what was typed in name and email"),
        (["due_on", "agency"], "", "Refused for what was typed in due date and agency"),
        (
            ["done_on", "note"],
            "action 598",
            "Refused for what was typed in date done and note (action 598)",
        ),
        (["note"], "emergency access 7", "Refused for what was typed in note (emergency access 7)"),
        (
            ["first_party-family_name", "uprn"],
            "",
            "Refused for what was typed in victim or reporter: family name and property "
            "reference (UPRN)",
        ),
        ([], "", "Refused for what was typed in form"),
    ],
)
def test_a_new_entrys_fields_read_as_their_forms_name_them(
    fields: list[str], record: str, said: str
) -> None:
    assert _why(acts.input_refused(fields, record)) == said


def test_every_pair_of_named_fields_reads_back_as_two_fields() -> None:
    for first, second in itertools.permutations(field_words.FIELD_WORDS, 2):
        assert _why(acts.input_refused([first, second])) == (
            "Refused for what was typed in "
            f"{field_words.field_in_words(first)} and {field_words.field_in_words(second)}"
        )


@pytest.mark.parametrize(
    ("stored", "said"),
    [
        ("refused input: due_on agency", "Refused for what was typed in due date and agency"),
        (
            "refused input: received_on victim_family_name",
            "Refused for what was typed in date received and victim family name",
        ),
        (
            "refused input: action 598 done_on note",
            "Refused for what was typed in date done and note (action 598)",
        ),
        (
            "refused input: emergency access 7 note",
            "Refused for what was typed in note (emergency access 7)",
        ),
    ],
)
def test_an_old_entrys_fields_with_a_space_between_still_read_as_fields(
    stored: str, said: str
) -> None:
    assert _why(stored) == said
