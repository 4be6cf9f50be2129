"""Field-level encryption: AES-256-GCM under per-record data keys, bound to table, column,
row and key; integrity failures named without the data; erasure by destroying keys."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import accounts
from sharing.access.decide import CATEGORIES
from sharing.crypto.blind_index import index_lengths
from sharing.crypto.data_keys import destroy_data_key, forget_data_keys
from sharing.crypto.keys import KeyringError, LocalKeyring
from sharing.crypto.sealed_format import (
    ErasedValue,
    IntegrityFailure,
    SealedValueError,
    personal_columns,
)
from sharing.crypto.sealing import (
    open_file,
    seal,
    seal_file,
    seal_many,
    unseal,
    unseal_many,
    unseal_records,
)
from sharing.db import make_engine, make_session_factory
from sharing.models import (
    Action,
    Agency,
    Area,
    Base,
    Case,
    DataKey,
    Document,
    Incident,
    LockRequest,
    Person,
)
from sharing.vocabulary import AgencyType, Role


@pytest.fixture
def session(keys: LocalKeyring) -> Iterator[Session]:
    engine = make_engine("sqlite://")
    Base.metadata.create_all(engine)
    with make_session_factory(engine, keys)() as session:
        area = Area(code="s", name="S")
        agency = Agency(code="s", name="S", type=AgencyType.LANDLORD, area=area, case_prefix="S")
        session.add(agency)
        accounts.create_user(
            session,
            agency=agency,
            email="s@s.example",
            display_name="S",
            roles={Role.CASE_OFFICER},
            password_hash="unused",
        )
        yield session
    engine.dispose()


def _person(session: Session, **values: str) -> Person:
    person = Person(agency_id=1)
    session.add(person)
    for column, value in values.items():
        seal(person, column, value)
    session.flush()
    return person


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.text(min_size=1, max_size=300))
def test_a_sealed_value_reads_back_exactly_and_is_not_stored_in_plain(
    session: Session, value: str
) -> None:
    person = _person(session, family_name=value)
    assert unseal(person, "family_name") == value
    assert person.family_name[0] == 0x01
    if len(value.encode()) >= 4:
        assert value.encode() not in person.family_name


_PERSON_FIELDS = ("family_name", "given_names", "phone", "email", "address", "postcode")


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    values=st.fixed_dictionaries(
        {c: st.one_of(st.none(), st.just(""), st.text(max_size=80)) for c in _PERSON_FIELDS}
    )
)
def test_sealing_a_records_fields_together_is_sealing_them_one_by_one(
    session: Session, values: dict[str, str | None]
) -> None:
    """seal_many / unseal_many (a form's or a page's fields at once) agree with seal /
    unseal field by field, in both directions; empty values are stored as nothing."""
    together, alone = Person(agency_id=1), Person(agency_id=1)
    session.add_all([together, alone])
    seal_many(together, values)
    for column, value in values.items():
        seal(alone, column, value)
    session.flush()
    expected = {c: (v or None) for c, v in values.items()}
    assert unseal_many(together, _PERSON_FIELDS) == expected
    assert {c: unseal(together, c) for c in _PERSON_FIELDS} == expected
    assert unseal_many(alone, _PERSON_FIELDS) == expected
    # the same, with the values to load and the keys to unwrap again
    session.expire_all()
    session.info.pop("data_keys", None)
    assert unseal_many(together, _PERSON_FIELDS) == expected
    assert unseal_many(alone, _PERSON_FIELDS[::-1]) == expected


def test_reading_fields_together_still_checks_each_ones_integrity(session: Session) -> None:
    person = _person(session, family_name="Jones", given_names="Ann", phone="07700900123")
    person.given_names = person.family_name
    with pytest.raises(IntegrityFailure, match="persons.given_names"):
        unseal_many(person, ["family_name", "given_names"])
    person.given_names = None
    assert unseal_many(person, ["family_name", "given_names"]) == {
        "family_name": "Jones",
        "given_names": None,
    }
    with pytest.raises(AttributeError, match="not a sealed column"):
        unseal_many(person, ["family_name", "agency_id"])
    with pytest.raises(AttributeError, match="not a sealed column"):
        seal_many(person, {"agency_id": "2"})
    destroy_data_key(session, person)
    with pytest.raises(ErasedValue):
        unseal_many(person, ["family_name"])


def test_records_read_together_are_read_as_each_alone(session: Session) -> None:
    """unseal_records (a page's list) gives what unseal_many gives for each record, whether
    its values are loaded, its key unwrapped, or neither; and stops at a damaged value,
    naming its row."""
    people = [
        _person(session, family_name=f"Name{n}", phone=f"0770090{n:04d}" if n % 2 else "")
        for n in range(6)
    ]
    expected = [unseal_many(p, ["family_name", "phone"]) for p in people]
    assert expected[1] == {"family_name": "Name1", "phone": "07700900001"}
    assert expected[2]["phone"] is None
    assert unseal_records(people, ["family_name", "phone"]) == expected
    session.expire(people[1])  # values to load
    session.info["data_keys"].pop(people[3].data_key_id)  # a key to unwrap
    assert unseal_records(people, ["family_name", "phone"]) == expected
    assert unseal_records([], ["family_name"]) == []
    people[4].family_name = people[5].family_name
    with pytest.raises(IntegrityFailure, match=f"persons.family_name row {people[4].id}"):
        unseal_records(people, ["family_name", "phone"])


def test_a_session_that_forgets_its_keys_reads_and_seals_as_before(session: Session) -> None:
    person = _person(session, family_name="Testperson")
    key_id = person.data_key_id
    forget_data_keys(session)
    assert unseal(person, "family_name") == "Testperson"  # unwrapped again from the store
    forget_data_keys(session)
    seal(person, "given_names", "Amelia")
    session.flush()
    assert unseal(person, "given_names") == "Amelia"
    assert person.data_key_id == key_id  # the same key, not a new one


def test_the_same_value_seals_differently_for_each_record(session: Session) -> None:
    first, second = _person(session, family_name="Smith"), _person(session, family_name="Smith")
    assert first.family_name != second.family_name
    assert first.data_key_id != second.data_key_id  # a data key per person


@settings(max_examples=50, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(before=st.text(max_size=40), after=st.text(max_size=40))
def test_a_value_is_sealed_afresh_only_when_it_changes(
    session: Session, before: str, after: str
) -> None:
    """Saving a form unchanged changes no stored value (so a colleague's form opened
    meanwhile still saves); a changed value gets a fresh nonce and reads back as changed."""
    person = _person(session, family_name="Smith", given_names=before)
    stored = person.given_names
    seal_many(person, {"family_name": "Smith", "given_names": after})
    session.flush()
    assert unseal_many(person, ("family_name", "given_names")) == {
        "family_name": "Smith",
        "given_names": after or None,
    }
    assert (person.given_names == stored) is (before == after)


def test_a_value_sealed_under_another_key_is_sealed_again_under_the_records_own(
    session: Session,
) -> None:
    first, second = _person(session, family_name="Smith"), _person(session, family_name="Smith")
    first.family_name = second.family_name  # moved from another record
    seal(first, "family_name", "Smith")
    session.flush()
    assert first.family_name != second.family_name
    assert unseal(first, "family_name") == "Smith"


def test_incidents_are_sealed_under_their_cases_key(session: Session) -> None:
    case = Case(
        reference="S-1",
        agency_id=1,
        officer_id=1,
        created_by_id=1,
        category="noise",
        priority="amber",
        triage="low_level",
    )
    session.add(case)
    seal(case, "summary", "Noise")
    incident = Incident(
        case=case, occurred_at=datetime.now(UTC), recorded_by_id=1, received_by_agency_id=1
    )
    session.add(incident)
    seal(incident, "description", "Music")
    assert int.from_bytes(incident.description[1:9], "big") == case.data_key_id


def test_a_value_moved_to_another_row_fails_its_integrity_check(session: Session, caplog) -> None:
    victim, other = (
        _person(session, family_name="Secretname"),
        _person(session, family_name="Other"),
    )
    other.family_name = victim.family_name
    other.data_key_id = victim.data_key_id  # even with the right key, the row is bound
    other.data_key = victim.data_key
    with caplog.at_level(logging.ERROR), pytest.raises(IntegrityFailure) as failure:
        unseal(other, "family_name")
    assert f"persons.family_name row {other.id}" in str(failure.value)
    assert "Secretname" not in str(failure.value) + caplog.text
    assert "integrity check failed" in caplog.text


def test_a_value_moved_to_another_column_fails_its_integrity_check(session: Session) -> None:
    person = _person(session, family_name="Jones", given_names="Ann")
    person.given_names = person.family_name
    with pytest.raises(IntegrityFailure, match="persons.given_names"):
        unseal(person, "given_names")


def test_an_altered_value_fails_its_integrity_check(session: Session) -> None:
    person = _person(session, phone="07700900123")
    damaged = bytearray(person.phone)
    damaged[-1] ^= 0x01
    person.phone = bytes(damaged)
    with pytest.raises(IntegrityFailure):
        unseal(person, "phone")


def test_a_value_from_an_unknown_key_is_refused_clearly(session: Session) -> None:
    person = _person(session, family_name="Brown")
    nonce = b"\x07" * 12
    elsewhere = AESGCM(AESGCM.generate_key(256)).encrypt(
        nonce, b"Brown", f"hub-sealed-v1|persons|family_name|{person.id}|999".encode()
    )
    person.family_name = b"\x01" + (999).to_bytes(8, "big") + nonce + elsewhere
    with pytest.raises(IntegrityFailure, match="sealed under another record's key"):
        unseal(person, "family_name")


def test_the_header_is_a_label_the_associated_data_is_what_binds(session: Session) -> None:
    """A value is authenticated by its associated data (format, table, column, row and
    key): a header relabelled to another key still opens, as the value it always was,
    under its record's key and no other."""
    person = _person(session, family_name="Brown")
    person.family_name = person.family_name[:1] + (999).to_bytes(8, "big") + person.family_name[9:]
    assert unseal(person, "family_name") == "Brown"


def test_unencrypted_values_from_before_encryption_are_refused(session: Session) -> None:
    person = _person(session)
    person.family_name = b"\x00Plain"
    with pytest.raises(SealedValueError, match="unknown format"):
        unseal(person, "family_name")


def test_only_sealed_columns_can_be_sealed(session: Session) -> None:
    with pytest.raises(AttributeError, match="not a sealed column"):
        seal(Case(id=1), "reference", "X")


def test_a_record_outside_a_session_cannot_be_sealed() -> None:
    with pytest.raises(SealedValueError, match="added to a session"):
        seal(Person(), "family_name", "X")


def test_a_record_taken_out_of_its_session_cannot_be_read(session: Session) -> None:
    person = _person(session, family_name="Grey")
    session.expunge(person)
    with pytest.raises(SealedValueError, match="added to a session"):
        unseal_many(person, ["family_name"])


def test_a_wrong_key_store_is_named_as_such(session: Session, tmp_path: Path) -> None:
    person = _person(session, family_name="Green")
    session.info["keys"] = LocalKeyring.create(tmp_path / "other.json", index_lengths())
    session.info.pop("data_keys")
    with pytest.raises(KeyringError, match="does not match this database"):
        unseal(person, "family_name")


def test_erasure_makes_the_value_unrecoverable_even_with_the_key_store(
    session: Session, keys: LocalKeyring
) -> None:
    person = _person(session, family_name="Erasedname", phone="07700900999")
    ciphertext = person.family_name
    _person(session, family_name="Survivor")
    destroy_data_key(session, person)
    session.commit()
    session.info.pop("data_keys", None)
    with pytest.raises(ErasedValue):
        unseal(person, "family_name")
    # Everything left: the ciphertext, every remaining wrapped key, every key-encryption key.
    for record in session.scalars(select(DataKey).where(DataKey.wrapped.is_not(None))):
        for version in keys.versions():
            try:
                data_key = keys.unwrap(
                    version,
                    record.wrapped,
                    f"hub-data-key-v1|{record.id}|{record.kek_version}".encode(),
                )
            except KeyringError:
                continue
            with pytest.raises(InvalidTag):
                AESGCM(data_key).decrypt(ciphertext[9:21], ciphertext[21:], None)
            with pytest.raises(InvalidTag):
                AESGCM(data_key).decrypt(
                    ciphertext[9:21],
                    ciphertext[21:],
                    f"hub-sealed-v1|persons|family_name|{person.id}|{record.id}".encode(),
                )
    assert session.get(DataKey, person.data_key_id).wrapped is None


def test_every_personal_column_names_a_known_category() -> None:
    for model in (Person, Case, Incident, Action, LockRequest):
        for column, category in personal_columns(model).items():
            assert category in CATEGORIES, f"{model.__name__}.{column}"
    assert personal_columns(Person)["support_needs"] == "vulnerability"
    assert personal_columns(Incident)["crime_reference"] == "offending"


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda p: p.unlink(), "does not exist: create it with `hub keys init`"),
        (lambda p: p.chmod(0o644), "can be read by other users: chmod 600 it"),
        (lambda p: p.write_text("{not json"), "is damaged"),
        (
            lambda p: p.write_text(
                '{"format": 1, "active": 3, "versions": {}, "index": {"key": "", "bits": {}}}'
            ),
            "is damaged",
        ),
    ],
)
def test_a_missing_loose_or_corrupt_key_store_is_refused_with_one_line(
    keys: LocalKeyring, damage, message: str
) -> None:
    damage(keys.path)
    with pytest.raises(KeyringError) as refused:
        LocalKeyring(keys.path)
    assert message in str(refused.value)
    assert "\n" not in str(refused.value)


def test_a_key_store_is_never_overwritten(keys: LocalKeyring) -> None:
    with pytest.raises(KeyringError, match="never overwritten"):
        LocalKeyring.create(keys.path, index_lengths())
    assert keys.path.stat().st_mode & 0o777 == 0o600


def test_a_data_key_wrapped_by_an_unknown_key_version_is_named(session: Session) -> None:
    person = _person(session, family_name="White")
    person.data_key.kek_version = 99
    session.info.pop("data_keys")
    with pytest.raises(KeyringError, match="key version 99 is not in key store"):
        unseal(person, "family_name")


def _document(session: Session) -> Document:
    case = Case(
        reference=f"S-{secrets.token_hex(4)}",
        agency_id=1,
        officer_id=1,
        created_by_id=1,
        category="noise",
        priority="amber",
        triage="low_level",
    )
    session.add(case)
    session.flush()
    document = Document(
        case=case,
        kind="diary_sheet",
        category="narrative",
        content_type="text/plain",
        size=1,
        storage_key=secrets.token_hex(32),
        digest="",
        added_by_id=1,
    )
    session.add(document)
    session.flush()
    return document


@settings(max_examples=40, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(min_size=0, max_size=4096), flip=st.integers(min_value=0))
def test_a_sealed_file_reads_back_exactly_and_any_change_to_it_is_refused(
    session: Session, content: bytes, flip: int
) -> None:
    """A file sealed for a document reads back as it was; it is not kept in plain; a byte
    changed anywhere in it, or the file offered as another document's or as the preview,
    fails its integrity check."""
    document = _document(session)
    sealed = seal_file(document, "content", content)
    assert open_file(document, "content", sealed) == content
    if len(content) >= 8:
        assert content not in sealed
    at = flip % len(sealed)
    altered = sealed[:at] + bytes([sealed[at] ^ 0x01]) + sealed[at + 1 :]
    with pytest.raises(IntegrityFailure):
        open_file(document, "content", altered)
    with pytest.raises(IntegrityFailure):
        open_file(document, "preview", sealed)
    other = _document(session)
    other.case = document.case
    with pytest.raises(IntegrityFailure):
        open_file(other, "content", sealed)


def test_a_file_of_an_erased_case_cannot_be_read(session: Session) -> None:
    document = _document(session)
    sealed = seal_file(document, "content", b"Monday 3 March: shouting at 2am")
    destroy_data_key(session, document.case)
    with pytest.raises(ErasedValue):
        open_file(document, "content", sealed)
