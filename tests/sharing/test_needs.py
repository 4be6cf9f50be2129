"""A person's reasonable adjustments and contact needs (``sharing.cases.needs``): checked
(an interpreter needs a language, an advocate a name), kept as documents that give back
the same needs, read as sentences, and an erased person's marker shown as it is."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sharing.access.reveal import ERASED
from sharing.cases.needs import (
    Needs,
    adjustments_sentence,
    contact_sentence,
    needs_of,
)
from sharing.errors import InputError
from sharing.vocabulary import Adjustment, ContactMethod

texts = st.text(
    alphabet=st.characters(categories=["L", "N", "Zs"]), min_size=1, max_size=40
).filter(str.strip)


@given(
    st.lists(st.sampled_from(list(Adjustment)), unique=True),
    texts,
    texts,
    st.none() | st.sampled_from(list(ContactMethod)),
    st.booleans(),
)
def test_needs_come_back_from_their_documents(adjustments, language, advocate, way, visits):
    needs = Needs(tuple(adjustments), language, advocate, way, "", visits).checked()
    back = needs_of(needs.adjustments_document(), needs.contact_document())
    assert back.adjustments == needs.adjustments
    assert back.language == needs.language
    assert back.advocate == needs.advocate
    assert back.contact_by == needs.contact_by
    assert back.no_home_visits == needs.no_home_visits


@given(st.lists(st.sampled_from(list(Adjustment)), min_size=1), st.randoms())
def test_the_same_needs_in_any_order_are_the_same_document(adjustments, random) -> None:
    """What a form sends in its checkboxes' order, an import or the demo in another, is
    kept alike: saving a person's form as it was changes nothing."""
    shuffled = list(adjustments)
    random.shuffle(shuffled)
    given_order = Needs(tuple(adjustments), "Polish", "Ms Y")
    other_order = Needs(tuple(shuffled), "Polish", "Ms Y")
    assert given_order.adjustments_document() == other_order.adjustments_document()
    checked = given_order.checked()
    assert checked.adjustments_document() == other_order.checked().adjustments_document()
    assert checked.adjustments == other_order.checked().adjustments


def test_an_interpreter_needs_a_language_and_an_advocate_a_name() -> None:
    with pytest.raises(InputError, match="which language") as refused:
        Needs((Adjustment.INTERPRETER,), prefix="person-").checked()
    assert refused.value.field == "person-language"
    with pytest.raises(InputError, match="who the advocate"):
        Needs((Adjustment.ADVOCATE,)).checked()


def test_sentences_and_an_erased_persons_marker() -> None:
    needs = Needs(
        (Adjustment.INTERPRETER, Adjustment.LARGE_PRINT),
        language="Polish",
        contact_by=ContactMethod.PHONE,
        times_to_avoid="not before 10am",
        no_home_visits=True,
    ).checked()
    assert adjustments_sentence(needs.adjustments_document()) == (
        "Large print; An interpreter (Polish)"  # in the order the form offers them
    )
    assert contact_sentence(needs.contact_document()) == (
        "By phone; Avoid: not before 10am; No home visits"
    )
    assert adjustments_sentence(ERASED) == ERASED
    assert contact_sentence(None) is None
    assert needs_of(ERASED, ERASED) == Needs()
