"""Postcodes, UPRNs and phone numbers as people type them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.formats import normalise_phone, normalise_postcode, normalise_uprn


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("ng1 5ab", "NG1 5AB"),
        ("NG15AB", "NG1 5AB"),
        (" sw1a  1aa ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("XYZ", None),
        ("12345", None),
        ("", None),
    ],
)
def test_postcodes(typed: str, expected: str | None) -> None:
    assert normalise_postcode(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("07700 900123", "07700900123"),
        ("+44 7700 900123", "07700900123"),
        ("(0115) 496 0000", "01154960000"),
        ("+33 1 23 45 67 89", "+33123456789"),
        ("123", None),
        ("call me", None),
    ],
)
def test_phone_numbers(typed: str, expected: str | None) -> None:
    assert normalise_phone(typed) == expected


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("100012345678", "100012345678"),
        ("0042", "42"),
        ("0", None),
        ("1234567890123", None),
        ("12a", None),
    ],
)
def test_uprns(typed: str, expected: str | None) -> None:
    assert normalise_uprn(typed) == expected


@given(st.text(max_size=12))
def test_normalised_postcodes_are_stable(typed: str) -> None:
    once = normalise_postcode(typed)
    if once is not None:
        assert normalise_postcode(once) == once
