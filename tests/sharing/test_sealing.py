"""Sealed personal columns: the one way values are stored and read."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.access import CATEGORIES
from sharing.models import Action, Case, Incident, LockRequest, Person
from sharing.sealing import SealedValueError, personal_columns, seal, unseal


@given(st.text(min_size=1, max_size=500))
def test_a_sealed_value_reads_back_exactly(value: str) -> None:
    person = Person(id=7)
    seal(person, "family_name", value)
    assert unseal(person, "family_name") == value


def test_empty_values_are_stored_as_nothing() -> None:
    person = Person(id=7)
    seal(person, "phone", "")
    assert person.phone is None
    assert unseal(person, "phone") is None


def test_only_sealed_columns_can_be_sealed() -> None:
    with pytest.raises(AttributeError, match="not a sealed column"):
        seal(Case(id=1), "reference", "X")


def test_damaged_value_fails_with_where_but_not_what() -> None:
    person = Person(id=42)
    person.family_name = b"\x09Secret-Surname"
    with pytest.raises(SealedValueError) as caught:
        unseal(person, "family_name")
    assert "persons.family_name row 42" in str(caught.value)
    assert "Secret" not in str(caught.value)


def test_every_personal_column_names_a_known_category() -> None:
    for model in (Person, Case, Incident, Action, LockRequest):
        for column, category in personal_columns(model).items():
            assert category in CATEGORIES, f"{model.__name__}.{column}"
    assert personal_columns(Person)["support_needs"] == "vulnerability"
    assert personal_columns(Incident)["crime_reference"] == "offending"
