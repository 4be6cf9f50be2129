"""Exact search on encrypted values, on both databases: what an officer can find, and
what they cannot."""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Iterator
from datetime import UTC, date, datetime

import hypothesis
import pytest
from hypothesis import strategies as st
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.access.decide import Actor
from sharing.cases import casework
from sharing.cases.people import PersonInput
from sharing.cases.search import SearchQuery, search
from sharing.crypto.blind_index import (
    index_lengths,
    normalise_name,
    other_name_terms,
    person_terms,
)
from sharing.db import make_session_factory
from sharing.errors import InputError
from sharing.models import Agency, Area, BlindIndex, Person
from sharing.vocabulary import AgencyType, CaseCategory, PartyRole, Priority, Role, Triage

NOW = datetime(2026, 5, 1, 9, 0, tzinfo=UTC)


def find(*args: object) -> list:
    """The hits of a search (the tests here look at hits, not truncation)."""
    return search(*args).hits  # type: ignore[arg-type]


@pytest.fixture
def session(migrated_engine: Engine, keys) -> Iterator[Session]:
    with make_session_factory(migrated_engine, keys)() as session:
        yield session


@pytest.fixture
def officers(session: Session) -> tuple[Actor, Actor]:
    area = Area(code="q", name="Q")
    homes = Agency(
        code="q-homes", name="Q Homes", type=AgencyType.LANDLORD, area=area, case_prefix="QH"
    )
    police = Agency(
        code="q-police", name="Q Police", type=AgencyType.POLICE, area=area, case_prefix="QP"
    )
    session.add_all([homes, police])
    session.flush()
    made = [
        accounts.create_user(
            session,
            agency=a,
            email=f"{a.code}@q.example",
            display_name=a.code,
            roles={Role.CASE_OFFICER},
            password_hash="x",
        )
        for a in (homes, police)
    ]
    session.commit()
    return Actor.of(made[0]), Actor.of(made[1])


def _case(
    session: Session,
    actor: Actor,
    *people: PersonInput,
    postcode: str = "",
    uprn: str = "",
) -> str:
    case = casework.open_case(
        session,
        actor,
        casework.CaseInput(
            category=CaseCategory.NOISE,
            priority=Priority.AMBER,
            triage=Triage.LOW_LEVEL,
            summary="Noise",
            postcode=postcode,
            uprn=uprn,
            parties=list(people),
        ),
        now=NOW,
    )
    session.commit()
    return case.reference


def _victim(
    family: str, given: str = "Sam", dob: date | None = None, phone: str = "", postcode: str = ""
) -> PersonInput:
    return PersonInput(
        role=PartyRole.VICTIM,
        family_name=family,
        given_names=given,
        date_of_birth=dob,
        phone=phone,
        postcode=postcode,
    )


def test_surname_search_finds_exact_surnames_in_any_case_or_spacing(session, officers) -> None:
    officer, _ = officers
    ref = _case(session, officer, _victim("O'Brien"))
    _case(session, officer, _victim("OBrien"))
    _case(session, officer, _victim("Brien"))
    hits = find(session, officer, SearchQuery("surname", surname="  o'brien "))
    assert [(h.reference, h.matched) for h in hits] == [(ref, "Victim: Sam O'Brien")]


@pytest.mark.parametrize(
    ("recorded", "typed"),
    [
        ("Wiśniewski", "Wisniewski"),
        ("Zoë-Müller", "ZOE-MULLER"),
        ("Małecki", "malecki"),
        ("O\u2018Brien", "O'Brien"),  # a left quote, as a word processor may turn it
        ("D\u00b4Arcy", "D'Arcy"),  # an acute accent typed for an apostrophe
        ("Smith\u2013Jones", "Smith-Jones"),  # an en dash
        ("Da\u200bSilva", "DaSilva"),  # a zero-width space pasted in
        (
            "\u0645\u064f\u062d\u064e\u0645\u0651\u064e\u062f",
            "\u0645\u062d\u0645\u062f",
        ),  # Arabic, vowelled
        (
            "\u05e9\u05c1\u05b8\u05dc\u05d5\u05b9\u05dd",
            "\u05e9\u05dc\u05d5\u05dd",
        ),  # Hebrew, pointed
    ],
)
def test_surname_search_finds_a_name_however_its_accents_and_marks_are_typed(
    session, officers, recorded: str, typed: str
) -> None:
    officer, _ = officers
    ref = _case(session, officer, _victim(recorded, dob=date(1980, 1, 2)))
    assert [h.reference for h in find(session, officer, SearchQuery("surname", surname=typed))] == [
        ref
    ]
    assert [
        h.reference for h in find(session, officer, SearchQuery("surname", surname=recorded))
    ] == [ref]
    with_dob = SearchQuery("surname_dob", surname=typed, date_of_birth=date(1980, 1, 2))
    assert [h.reference for h in find(session, officer, with_dob)] == [ref]


@hypothesis.given(st.text(max_size=40))
def test_a_normalised_surname_is_its_own_normal_form(typed: str) -> None:
    """What the index hashes is stable: normalising again changes nothing, so a search
    for a stored name's normal form finds it, and no invisible character survives."""
    name = normalise_name(typed)
    if name is not None:
        assert normalise_name(name) == name
        assert name == name.strip()
        assert not any(unicodedata.category(c) == "Cf" for c in name)


def test_different_letters_are_still_different_surnames(session, officers) -> None:
    officer, _ = officers
    _case(session, officer, _victim("Müller"))
    _case(session, officer, _victim("Smith Jones"))
    assert find(session, officer, SearchQuery("surname", surname="Mueller")) == []
    assert find(session, officer, SearchQuery("surname", surname="Smith-Jones")) == []


def test_surname_and_date_of_birth_tells_namesakes_apart(session, officers) -> None:
    officer, _ = officers
    first = _case(session, officer, _victim("Patel", "Asha", date(1980, 1, 2)))
    _case(session, officer, _victim("Patel", "Ravi", date(1990, 5, 6)))
    assert len(find(session, officer, SearchQuery("surname", surname="Patel"))) == 2
    hits = find(
        session,
        officer,
        SearchQuery("surname_dob", surname="patel", date_of_birth=date(1980, 1, 2)),
    )
    assert [h.reference for h in hits] == [first]


def test_phone_and_postcode_match_however_they_are_typed(session, officers) -> None:
    officer, _ = officers
    ref = _case(
        session,
        officer,
        _victim("Ng", phone="07700 900 444", postcode="QA1 2BC"),
        postcode="qa1 9zz",
        uprn="1234",
    )
    assert [
        h.reference for h in find(session, officer, SearchQuery("phone", phone="+44 7700 900444"))
    ] == [ref]
    by_postcode = find(session, officer, SearchQuery("postcode", postcode="qa12bc"))
    assert [(h.reference, h.matched) for h in by_postcode] == [(ref, "Victim: Sam Ng")]
    location = find(session, officer, SearchQuery("postcode", postcode="QA1 9ZZ"))
    assert [(h.reference, h.matched) for h in location] == [(ref, "Location of the case")]
    assert [h.reference for h in find(session, officer, SearchQuery("uprn", uprn="0001234"))] == [
        ref
    ]


def test_a_case_found_by_its_people_and_its_location_is_listed_once_saying_each(
    session, officers
) -> None:
    officer, _ = officers
    ref = _case(
        session,
        officer,
        _victim("Ng", postcode="QB1 2BC"),
        _victim("Ng", given="Lee", postcode="QB1 2BC"),
        postcode="QB1 2BC",
    )
    [hit] = find(session, officer, SearchQuery("postcode", postcode="QB1 2BC"))
    assert (hit.reference, hit.matched) == (
        ref,
        "Victim: Sam Ng; Victim: Lee Ng; Location of the case",
    )
    assert len(hit.person_ids) == 2


def test_another_agency_finds_nothing_of_ours(session, officers) -> None:
    officer, police = officers
    _case(session, officer, _victim("Kowalski", phone="07700900777"))
    assert find(session, police, SearchQuery("surname", surname="Kowalski")) == []
    assert find(session, police, SearchQuery("phone", phone="07700900777")) == []


def test_buckets_hold_other_values_that_are_never_shown(session, officers, keys) -> None:
    """Index collisions are expected by design; the decrypt-and-compare step drops them."""
    officer, _ = officers
    bits = index_lengths()["surname"]
    assert keys.index_bits()["surname"] == bits
    _case(session, officer, _victim("Alpha"), _victim("Beta"))
    # Force a collision: give Beta's surname index Alpha's value.
    alpha, beta = session.scalars(
        select(BlindIndex).where(BlindIndex.field == "surname").order_by(BlindIndex.id)
    ).all()
    beta.value = alpha.value
    session.commit()
    hits = find(session, officer, SearchQuery("surname", surname="Alpha"))
    assert [h.matched for h in hits] == ["Victim: Sam Alpha"]


@pytest.mark.parametrize(
    ("query", "field", "message"),
    [
        (SearchQuery("surname", surname=""), "surname", "Enter a surname"),
        (SearchQuery("surname", surname="x"), "surname", "Enter at least 2 letters"),
        (SearchQuery("surname_dob", surname="Smith"), "date_of_birth", "Enter a date of birth"),
        (SearchQuery("postcode", postcode="not a postcode"), "postcode", "Enter a real postcode"),
        (SearchQuery("phone", phone="12"), "phone", "Enter a phone number"),
        (
            SearchQuery("phone", phone="0033 1 23 45 67 89"),
            "phone",
            "a number abroad: + and its country code",
        ),
        (SearchQuery("uprn", uprn="12ab"), "uprn", "A UPRN is a number"),
        (SearchQuery("colour"), "kind", "Select what to search by"),
    ],
)
def test_bad_search_input_says_what_is_wrong(session, officers, query, field, message) -> None:
    officer, _ = officers
    with pytest.raises(InputError) as refused:
        find(session, officer, query)
    assert refused.value.field == field
    assert message in refused.value.message


def test_too_many_matches_are_cut_and_the_user_asked_to_narrow(
    session, officers, monkeypatch
) -> None:
    officer, _ = officers
    for given in ("Ann", "Bea", "Cy", "Di"):
        _case(session, officer, _victim("Common", given))
    monkeypatch.setattr("sharing.cases.search.MAX_RESULTS", 2)
    monkeypatch.setattr("sharing.cases.search.BATCH", 1)
    outcome = search(session, officer, SearchQuery("surname", surname="Common"))
    assert outcome.truncated
    assert len(outcome.hits) == 2
    monkeypatch.setattr("sharing.cases.search.MAX_RESULTS", 10)
    everyone = search(session, officer, SearchQuery("surname", surname="Common"))
    assert not everyone.truncated
    assert len(everyone.hits) == 4


def test_the_cap_counts_cases_not_the_people_found_on_them(session, officers, monkeypatch) -> None:
    """Many people of one surname on two cases are two cases: all shown, none cut."""
    officer, _ = officers
    crowded = [
        _case(session, officer, *(_victim("Crowd", given) for given in ("Ann", "Bea", "Cy")))
        for _ in range(2)
    ]
    monkeypatch.setattr("sharing.cases.search.MAX_RESULTS", 2)
    monkeypatch.setattr("sharing.cases.search.FIRST_BATCH", 2)
    outcome = search(session, officer, SearchQuery("surname", surname="Crowd"))
    assert not outcome.truncated
    assert [h.reference for h in outcome.hits] == sorted(crowded)
    assert {h.matched for h in outcome.hits} == {
        "Victim: Ann Crowd; Victim: Bea Crowd; Victim: Cy Crowd"
    }
    _case(session, officer, _victim("Crowd", "Di"))
    more = search(session, officer, SearchQuery("surname", surname="Crowd"))
    assert more.truncated
    assert len(more.hits) == 2


def test_a_bucket_read_a_row_at_a_time_finds_the_same(session, officers, monkeypatch) -> None:
    """The bucket is streamed (on PostgreSQL a server-side cursor) while each batch of
    matches is placed on its cases by other statements on the same connection."""
    officer, _ = officers
    for given in ("Ann", "Bea", "Cy", "Di", "Ed"):
        _case(session, officer, _victim("Stream", given, postcode="LS1 4AP"), postcode="LS1 4AP")
    whole = find(session, officer, SearchQuery("postcode", postcode="LS1 4AP"))
    monkeypatch.setattr("sharing.cases.exact_matches.STREAM_ROWS", 1)
    monkeypatch.setattr("sharing.cases.search.FIRST_BATCH", 1)
    one_by_one = find(session, officer, SearchQuery("postcode", postcode="ls14ap"))
    assert one_by_one == whole
    assert sorted(h.matched for h in whole) == [
        f"Victim: {given} Stream; Location of the case"
        for given in ("Ann", "Bea", "Cy", "Di", "Ed")
    ]


def test_a_moved_value_in_the_bucket_is_never_shown_and_is_logged_without_it(
    session, officers, caplog
) -> None:
    officer, _ = officers
    _case(session, officer, _victim("Moved", "Ann"), _victim("Moved", "Bea"))
    ann, bea = session.scalars(
        select(Person).where(Person.given_names.is_not(None)).order_by(Person.id)
    ).all()
    bea.family_name = ann.family_name  # Ann's sealed surname copied onto Bea's row
    session.commit()
    with caplog.at_level(logging.ERROR):
        hits = find(session, officer, SearchQuery("surname", surname="Moved"))
    assert [h.matched for h in hits] == ["Victim: Ann Moved"]
    assert f"persons.family_name row {bea.id}" in caplog.text
    assert "Moved" not in caplog.text


def _known_as(family: str, *others: str, dob: date | None = None) -> PersonInput:
    return PersonInput(
        role=PartyRole.VICTIM,
        family_name=family,
        given_names="Sam",
        date_of_birth=dob,
        other_names=tuple((name, "") for name in others),
    )


def test_a_person_is_found_by_any_name_they_are_also_known_by(session, officers) -> None:
    officer, police = officers
    ref = _case(
        session, officer, _known_as("Okonjo", "Wiśniewska", "Sparrow", dob=date(1980, 1, 2))
    )
    other = _case(session, officer, _victim("Sparrowhawk"))
    for typed in ("wisniewska", "WIŚNIEWSKA", "sparrow"):
        hits = find(session, officer, SearchQuery("surname", surname=typed))
        assert [h.reference for h in hits] == [ref], typed
    (hit,) = find(session, officer, SearchQuery("surname", surname="Sparrow"))
    assert hit.matched == "Victim: Sam Okonjo (found by a name they are also known by: Sparrow)"
    (by_own,) = find(session, officer, SearchQuery("surname", surname="okonjo"))
    assert by_own.matched == "Victim: Sam Okonjo"
    born = SearchQuery("surname_dob", surname="Sparrow", date_of_birth=date(1980, 1, 2))
    assert [h.reference for h in find(session, officer, born)] == [ref]
    wrong = SearchQuery("surname_dob", surname="Sparrow", date_of_birth=date(1980, 1, 3))
    assert find(session, officer, wrong) == []
    assert [
        h.reference for h in find(session, officer, SearchQuery("surname", surname="Sparrowhawk"))
    ] == [other]
    # Another agency finds nothing by it, as by a surname.
    assert find(session, police, SearchQuery("surname", surname="Sparrow")) == []


@hypothesis.given(st.text(max_size=30), st.dates(min_value=date(1900, 1, 1)))
def test_another_name_is_indexed_exactly_as_a_surname_is(typed: str, born: date) -> None:
    """One scheme: another name's index terms are the terms of the same text recorded as
    a surname (the same normalisation), so a search finds either the same way."""
    as_surname = person_terms(family_name=typed, date_of_birth=born, postcode=None, phone=None)
    expected = [(f, as_surname[f]) for f in ("surname", "surname_dob") if as_surname[f]]
    assert other_name_terms([typed], born) == expected
