"""Postcodes, UPRNs, phone numbers and address lines as people type them."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.errors import InputError
from sharing.figures import spreadsheets
from sharing.formats import (
    checked_text,
    has_control_characters,
    is_email_address,
    normalise_address,
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
    phone_for_reading,
    phone_refusal,
    runs_as_formula,
)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ng1 5ab", "NG1 5AB"),
        ("NG15AB", "NG1 5AB"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("\u200bNG1 5AB\u200b", "NG1 5AB"),  # pasted with zero-width spaces
        ("XYZ", None),
        ("12345", None),
        ("", None),
    ],
)
def test_postcodes(typed: str, expected: str | None) -> None:
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        (
            "flat 13 lark house, 13 lark way, northtown",
            "Flat 13, Lark House\n13 Lark Way\nNorthtown",
        ),
        ("  39  LARK WAY\r\nNorthtown ", "39 Lark Way\nNorthtown"),
        ("4 Bishops Road", "4 Bishop’s Road"),
        ("4 Bishop's Road", "4 Bishop’s Road"),
        ("12-14 Mill St.", "12 14 Mill St"),
    ],
)
def test_address_lines_typed_differently_are_the_same_address(typed: str, stored: str) -> None:
    assert normalise_address(typed) == normalise_address(stored) is not None


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("Flat 1, Lark House", "Flat 13, Lark House"),
        ("39 Lark Way", "43 Lark Way"),
        ("39 Lark Way", "39 Lark Way\nNorthtown"),
        ("39a Lark Way", "39 Lark Way"),
    ],
)
def test_neighbours_addresses_are_not_the_same_address(one: str, other: str) -> None:
    assert normalise_address(one) != normalise_address(other)


def test_an_address_of_punctuation_alone_is_none() -> None:
    assert normalise_address(" ,.\n- ") is None


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("(0115) 496 0000", "01154960000"),
        ("+33 1 23 45 67 89", "+33123456789"),
        # Another country's trunk zero in brackets is not dialled from abroad either.
        ("+33 (0)1 23 45 67 89", "+33123456789"),
        ("+353 (0)87 123 4567", "+353871234567"),
        ("+49(0)30 1234567", "+49301234567"),
        ("+44 (0)7700 900123", "07700900123"),
        ("+44(0)115 496 0000", "01154960000"),
        ("0044 7700 900123", "07700900123"),
        ("00 44 7700 900123", "07700900123"),
        ("0044 (0)7700 900123", "07700900123"),
        ("+ 44 7700 900123", "07700900123"),
        ("007700 900123", None),  # a UK mobile with a zero too many, not a call abroad
        ("0033 1 23 45 67 89", None),  # abroad is written with +
        ("07700\u00a0900\u2009123", "07700900123"),  # no-break and thin spaces
        ("+0 1234 5678", None),
        ("+44 (0)", None),
        ("\u202a+44 7700 900123\u202c", "07700900123"),  # copied from WhatsApp
        ("07700\u200b900123", "07700900123"),
        ("00", None),
        ("123", None),
        ("call me", None),
        # As people write them on letterheads and e-mail signatures: the (0) is dropped,
        # an extension kept after the number, written one way.
        ("+44 (0)1632 960123", "01632960123"),
        ("+44 (0) 1632 960 123", "01632960123"),
        ("+44 01632 960123", "01632960123"),  # the trunk zero kept, not bracketed
        ("+44 0 1632 960123", "01632960123"),
        ("(+44) 1632 960123", "01632960123"),
        ("01632.960.123", "01632960123"),
        ("01632 960 123 ext 4", "01632960123 ext 4"),
        ("01632 960 123 ext. 4", "01632960123 ext 4"),
        ("01632 960 123 Ext: 204", "01632960123 ext 204"),
        ("01632 960 123, extn 4", "01632960123 ext 4"),
        ("01632 960 123 extension 4", "01632960123 ext 4"),
        ("01632 960123 x4", "01632960123 ext 4"),
        ("01632 960123x4", "01632960123 ext 4"),
        ("+44 (0)1632 960123 ext 4", "01632960123 ext 4"),
        ("+353 (0)87 123 4567 ext 12", "+353871234567 ext 12"),
        # Still refused: words that are not an extension, an extension alone or too long.
        ("01632 960123 (work)", None),
        ("01632 960123 ext", None),
        ("ext 4", None),
        ("01632 960123 ext 1234567", None),
        ("01632 960123 / 07700 900123", None),
    ],
)
def test_phone_numbers(typed: str, expected: str | None) -> None:
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize(
    ("stored", "read"),
    [
        ("07700900123", "07700 900123"),
        ("02079460123", "020 7946 0123"),
        ("01134960123", "0113 496 0123"),
        ("01632960123 ext 4", "01632 960123 ext 4"),
        ("0800123456", "0800 123456"),
        ("+353871234567", "+353 87 123 4567"),
        ("0161496012", "0161496012"),  # no grouping known: the digits as stored
        ("not a number", "not a number"),  # stored before numbers were checked
    ],
)
def test_a_stored_phone_number_is_grouped_for_reading(stored: str, read: str) -> None:
    assert phone_for_reading(stored) == read


@given(st.from_regex(r"0[1-37-9]\d{8,9}( ext \d{1,6})?", fullmatch=True))
def test_grouping_a_phone_number_for_reading_adds_only_spaces(stored: str) -> None:
    assert phone_for_reading(stored).replace(" ", "") == stored.replace(" ", "")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("01632 960123 (work)", "digits, spaces, brackets, dashes and dots only"),
        ("call me", "like 01632 960 123 ext 4"),
        ("007700 900123", "starting with one 0"),
        ("0033 1 23 45 67 89", "abroad with + and its country code"),
        ("+0 1234 5678", "abroad with + and its country code"),
        ("+33 12", "8 to 15 digits"),
        ("0163 296", "10 or 11 digits"),
        ("+44 1632 96", "10 or 11 digits"),
    ],
)
def test_a_phone_number_refused_says_why(typed: str, says: str) -> None:
    assert normalise_phone(typed) is None
    assert says in phone_refusal(typed)
    assert typed not in phone_refusal(typed)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("100012345678", "100012345678"),
        ("0042", "42"),
        ("0", None),
        ("1234567890123", None),
        ("12a", None),
        ("²", None),  # a superscript: str.isdigit takes it, int does not
        ("١٢٣", None),  # Arabic-Indic digits
    ],
)
def test_uprns(typed: str, expected: str | None) -> None:
    assert normalise_uprn(typed) == expected


@given(st.text(max_size=12))
def test_normalised_postcodes_are_stable(typed: str) -> None:
    once = normalise_postcode(typed)
    if once is not None:
        assert normalise_postcode(once) == once


@given(st.text(alphabet=st.characters(max_codepoint=0x2FF)) | st.text())
def test_control_characters_are_unicodes_except_tab_and_new_lines(text: str) -> None:
    expected = any(unicodedata.category(c) == "Cc" and c not in "\t\n\r" for c in text)
    assert has_control_characters(text) is expected


def test_every_control_character_but_tab_and_new_lines_is_caught() -> None:
    for code in range(0x110000):
        c = chr(code)
        if unicodedata.category(c) == "Cc":
            assert has_control_characters(f"a{c}b") is (c not in "\t\n\r"), hex(code)


@pytest.mark.parametrize(
    "typed",
    [
        "jane@example.org",
        "jane.doe@example.org",
        "robin+asb@mail.northshire.example",
        "o'brien@example.co.uk",
        "j_doe-1@sub.domain.example.org",
    ],
)
def test_an_ordinary_email_address_is_one(typed: str) -> None:
    assert is_email_address(typed)


@pytest.mark.parametrize(
    "typed",
    [
        "jane,doe@example.org",  # a comma typed for a dot: a list, to "jane" and "doe@..."
        "postmaster,robin@example.org",
        "jane;doe@example.org",
        '"Hub"<x>evil@evil.example',  # a display name: the letter would go to "x"
        "Jane <jane@example.org>",
        "jane(home)@example.org",
        '"jane doe"@example.org',
        "jane@[127.0.0.1].example",
        "jane\\doe@example.org",
        "group:jane@example.org;",
        "jane doe@example.org",
        "jane@example.org\u2028",
        "jane@@example.org",
        "jane@example",
    ],
)
def test_a_list_a_display_name_or_quoting_is_not_one_email_address(typed: str) -> None:
    assert not is_email_address(typed)


def test_a_text_too_long_or_with_control_characters_is_named_in_its_message() -> None:
    with pytest.raises(InputError) as too_long:
        checked_text("summary", "x" * 2_345, limit=2_000, what="the summary")
    assert too_long.value.field == "summary"
    assert too_long.value.message == (
        "The summary must be 2,000 characters or fewer (you entered 2,345)"
    )
    with pytest.raises(InputError) as controls:
        checked_text("note", "Seen\x1b", limit=2_000, what="the note")
    assert controls.value.message.startswith("The note must not contain control characters")
    assert checked_text("note", "  Seen  ", limit=4, what="the note") == "Seen"


@pytest.mark.parametrize("typed", ["\u200b", " \u200b\u2060 ", "\u202e", "\ufeff\u200e"])
def test_a_required_text_of_invisible_characters_only_is_empty(typed: str) -> None:
    with pytest.raises(InputError) as empty:
        checked_text("surname", typed, limit=100, what="the surname", required="Enter a surname")
    assert empty.value.message == "Enter a surname"
    assert checked_text("note", typed, limit=100, what="the note") == ""
    # a joiner inside a name is kept: Persian and Indic names need it
    assert checked_text("surname", "Mir\u200cdamadi", limit=100, what="the surname") == (
        "Mir\u200cdamadi"
    )


@pytest.mark.parametrize(
    ("typed", "kept"),
    [
        # An override turns what follows it round: "Robin" then "gnidaer" shows as
        # "Robin reading", and the rest of a letter's line after it.
        ("Robin\u202e gnidaer", "Robin gnidaer"),
        ("\u202aSmith\u202c", "Smith"),  # as WhatsApp wraps a pasted text
        ("Ali\u2067ce\u2069", "Alice"),  # isolates
        ("\u202bداود\u202c Khan", "داود Khan"),  # embeddings: the script needs none
    ],
)
def test_text_direction_controls_are_not_kept(typed: str, kept: str) -> None:
    """Nobody types an embedding, override or isolate: they come with pasted text, and
    turn round, on the lead's page and in a letter, the text after them (a name that reads
    as other words). Right-to-left scripts need none: the browser and the letter's reader
    order them. The marks (U+200E, U+200F) and joiners stay."""
    assert checked_text("surname", typed, limit=100, what="the surname") == kept
    assert checked_text("name", "Levi\u200f", limit=100, what="the name") == "Levi\u200f"


def test_a_text_boxs_line_breaks_are_one_new_line_each_and_count_as_one() -> None:
    sent = "Flat 2\r\n14 Mill Lane\rNorthshire"  # as a browser sends a text box
    assert checked_text("address", sent, limit=100, what="the address") == (
        "Flat 2\n14 Mill Lane\nNorthshire"
    )
    lines = "ab\r\n" * 25  # 100 characters as sent; 74 as typed, the last break trimmed
    assert len(checked_text("note", lines, limit=74, what="the note")) == 74


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ('=HYPERLINK("http://x")', True),
        ("+44 is not a number here", True),
        ("-2+3", True),
        ("@SUM(A1)", True),
        ("\uff1d1+1", True),  # a full-width equals sign
        ("\t=1+2", True),  # a tab before it
        ("\r\n@cmd", True),
        ("  -5", True),
        ("\tLoud music until 3am", False),  # a tab before words is not a formula
        ("Loud music - until 3am", False),
        ("", False),
    ],
)
def test_text_that_a_spreadsheet_would_run_as_a_formula(text: str, runs: bool) -> None:
    assert runs_as_formula(text) is runs


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ("=HYPERLINK(1)", "'=HYPERLINK(1)"),
        ("\uff1dcmd", "'\uff1dcmd"),  # a full-width equals sign
        ("\t@SUM(A1)", "'\t@SUM(A1)"),
        ("Abbey ward", "Abbey ward"),
        ("fewer than 5", "fewer than 5"),
    ],
)
def test_a_figures_spreadsheet_writes_a_formula_as_text(cell: str, written: str) -> None:
    """A published figures file refuses to run a cell as a formula as the API and the
    import do: full-width forms and a tab before one too, where it looked at the first
    character alone."""
    assert spreadsheets.safe(cell) == written
