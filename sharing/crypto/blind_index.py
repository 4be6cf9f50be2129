"""Blind indexes: exact search on encrypted values without decrypting every row.

For each searchable field the hub stores the first *n* bits of
HMAC-SHA256(field key, normalised value), where each field's key is derived from the key
store's index root key with HKDF-SHA256 (so one field's index says nothing about
another's). A search computes the same hash, fetches the rows in that bucket, decrypts
them and keeps only exact matches: the hash only narrows the search, it never decides it.

Sizing rule (the CipherSweet approach): an index must be short enough that each bucket
holds several *different* values, so that an index alone never pins down a value, and
long enough that a search decrypts few rows. For a field with about D distinct values,

    bits = clamp(floor(log2(D / K)), 8, 32)    with K = 4 distinct values per bucket.

D is estimated from the number of persons the partnership expects to hold, P (``hub keys
init --expected-persons``, default 1,000,000), as in ``distinct_values``. With P = 1,000,000:
surname 13 bits (8,192 buckets of about 6 surnames, ~120 rows each), surname and date of
birth 17, postcode 12, phone 17, UPRN 15. The lengths are fixed in the key store when it
is made: changing them means rebuilding every index.
"""

from __future__ import annotations

import functools
import hmac
import math
import re
import unicodedata
from collections.abc import Collection, Iterable
from datetime import date

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from sqlalchemy import and_, delete, distinct, func, or_, select
from sqlalchemy.orm import Session

from sharing.audit import acts
from sharing.crypto.data_keys import provider_of
from sharing.crypto.keys import KeyProvider
from sharing.crypto.sealing import unseal_many
from sharing.formats import (
    normalise_phone,
    normalise_postcode,
    normalise_uprn,
    without_invisible,
)
from sharing.formats import (
    other_names as other_names_of,
)
from sharing.models import BlindIndex, Case, Person

FIELDS = ("surname", "surname_dob", "postcode", "phone", "uprn")
#: Distinct values per bucket the sizing rule aims for.
VALUES_PER_BUCKET = 4


def distinct_values(persons: int) -> dict[str, int]:
    """Estimated distinct values of each field for a partnership holding ``persons``."""
    return {
        "surname": min(persons, 50_000),  # a district's surnames; the UK has ~500,000
        "surname_dob": persons,  # close to one per person
        "postcode": min(persons, 25_000),  # a district's postcodes
        "phone": persons,
        "uprn": min(persons, 250_000),  # addressable properties in a large district
    }


def index_lengths(expected_persons: int = 1_000_000) -> dict[str, int]:
    """The sizing rule: bits per field for the expected number of persons."""
    if expected_persons < 1:
        raise ValueError("expected persons must be at least 1")
    return {
        field: max(8, min(32, math.floor(math.log2(max(distinct / VALUES_PER_BUCKET, 1)))))
        for field, distinct in distinct_values(expected_persons).items()
    }


#: The normalising rules of the index's values (``normalise_name``, and the phone numbers,
#: postcodes and UPRNs of ``sharing.formats``), and so of every index entry made now:
#: raise it when any of them changes, so that ``hub keys status`` counts the entries made
#: under older rules and ``hub keys reindex`` makes them again. 2: accents folded; 3:
#: apostrophes typed as an acute accent, Arabic and Hebrew vowel marks and invisible
#: characters dropped, and phone numbers written with 0044 or +44 (0) read as UK ones; 4:
#: another country's trunk zero in brackets dropped (``+353 (0)87 …``).
RULES = 4

#: Apostrophes as people and word processors type them: ‘ ’ ʼ ʹ ` ´ ′.
_APOSTROPHES = dict.fromkeys(map(ord, "\u2018\u2019\u02bc\u02b9`\u00b4\u2032"), "'")
#: Hyphens and dashes (a word processor turns "Smith-Jones" into "Smith–Jones").
_DASHES = dict.fromkeys(map(ord, "\u2010\u2011\u2012\u2013\u2014\u2015\u2212"), "-")
#: Letters with a stroke, which Unicode does not split into a letter and an accent.
_STROKES = {ord(k): v for k, v in {"ł": "l", "ø": "o", "đ": "d", "ħ": "h", "ı": "i"}.items()}
_FOLD = _APOSTROPHES | _DASHES | _STROKES


def _is_accent(character: str) -> bool:
    """A mark people write or leave out of the same name: the combining diacritical marks
    of Latin, Greek and Cyrillic letters (U+0300 to U+036F), Hebrew points (U+0591 to
    U+05C7) and Arabic vowel marks (U+064B to U+065F, U+0670). Other scripts' combining
    marks (a Devanagari virama, a Japanese voicing mark) are part of the letter, and are
    kept."""
    if "\u0300" <= character <= "\u036f":
        return True
    in_hebrew_or_arabic = (
        "\u0591" <= character <= "\u05c7"
        or "\u064b" <= character <= "\u065f"
        or character == "\u0670"
    )  # their punctuation among them (a maqaf, Hebrew's hyphen) is kept
    return in_hebrew_or_arabic and unicodedata.category(character) == "Mn"


def normalise_name(value: str) -> str | None:
    """A surname as the index sees it: capitals, accents ("Wiśniewski" is "wisniewski"),
    apostrophes and dashes of every kind, spaces and invisible characters (format
    characters such as zero-width spaces and direction marks) made uniform."""
    # Apostrophes first: NFKC would split ´ into a space and an accent.
    folded = unicodedata.normalize("NFKC", value.translate(_APOSTROPHES)).casefold()
    parts = unicodedata.normalize("NFKD", without_invisible(folded))
    text = "".join(c for c in parts if not _is_accent(c))
    text = unicodedata.normalize("NFC", text).translate(_FOLD)
    text = re.sub(r"\s+", " ", text).strip()
    return text or None


def surname_dob(family_name: str, date_of_birth: date | str) -> str | None:
    name = normalise_name(family_name)
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
    return f"{name}|{dob}" if name and dob else None


_NORMALISE = {
    "surname": normalise_name,
    "postcode": normalise_postcode,
    "phone": normalise_phone,
    "uprn": normalise_uprn,
}


def normalise(field: str, value: str) -> str | None:
    """``value`` as its field's index sees it, or None if it is not a valid value."""
    if field == "surname_dob":
        name, _, dob = value.rpartition("|")
        return surname_dob(name, dob)
    return _NORMALISE[field](value)


def _field_key(provider: KeyProvider, field: str) -> bytes:
    return _derive_field_key(provider.index_root_key(), field)


@functools.lru_cache(maxsize=64)
def _derive_field_key(root_key: bytes, field: str) -> bytes:
    """HKDF once per root key and field, not once per value (the root key never changes)."""
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=f"hub-blind-index-v1|{field}".encode()
    ).derive(root_key)


def bucket(provider: KeyProvider, field: str, normalised: str) -> int:
    """The index value (the first ``bits`` bits of the keyed hash) of a normalised value."""
    bits = provider.index_bits()[field]
    digest = hmac.digest(_field_key(provider, field), normalised.encode("utf-8"), "sha256")
    return int.from_bytes(digest[:8], "big") >> (64 - bits)


def person_terms(
    *,
    family_name: str | None,
    date_of_birth: date | None,
    postcode: str | None,
    phone: str | None,
) -> dict[str, str | None]:
    """A person's normalised values, by index field (None: nothing to index)."""
    return {
        "surname": normalise_name(family_name) if family_name else None,
        "surname_dob": surname_dob(family_name, date_of_birth)
        if family_name and date_of_birth
        else None,
        "postcode": normalise_postcode(postcode) if postcode else None,
        "phone": normalise_phone(phone) if phone else None,
    }


def other_name_terms(
    other_names: Iterable[str], date_of_birth: date | None
) -> list[tuple[str, str]]:
    """The normalised values of the other names a person is also known by, each indexed
    as a surname is (alone, and with their date of birth), so that a search by surname
    finds them by any of their names."""
    terms: list[tuple[str, str]] = []
    for name in other_names:
        for field, value in (
            ("surname", normalise_name(name)),
            ("surname_dob", surname_dob(name, date_of_birth) if date_of_birth else None),
        ):
            if value and (field, value) not in terms:
                terms.append((field, value))
    return terms


def case_terms(*, postcode: str | None, uprn: str | None) -> dict[str, str | None]:
    """A case location's normalised values, by index field (None: nothing to index)."""
    return {
        "postcode": normalise_postcode(postcode) if postcode else None,
        "uprn": normalise_uprn(uprn) if uprn else None,
    }


def entries(
    provider: KeyProvider,
    terms: dict[str, str | None],
    *,
    agency_id: int,
    person_id: int | None = None,
    case_id: int | None = None,
    more: Iterable[tuple[str, str]] = (),
) -> list[dict[str, object]]:
    """The index rows of the ``terms`` of a person's or a case's record, and of ``more``
    (field, value) pairs (a person's other names), every row with the same columns, so
    that many records' rows go in one statement."""
    return [
        {
            "field": field,
            "value": bucket(provider, field, value),
            "agency_id": agency_id,
            "person_id": person_id,
            "case_id": case_id,
            "rules": RULES,
        }
        for field, value in [*terms.items(), *more]
        if value
    ]


def index_person(
    session: Session,
    person: Person,
    *,
    family_name: str | None,
    date_of_birth: date | None,
    postcode: str | None,
    phone: str | None,
    other_names: Iterable[str] = (),
) -> None:
    """Replace the person's index entries with ones for these (plain) values, each of
    their ``other_names`` indexed as a surname is."""
    terms = person_terms(
        family_name=family_name, date_of_birth=date_of_birth, postcode=postcode, phone=phone
    )
    _replace(
        session,
        BlindIndex.person_id == person.id,
        terms,
        agency_id=person.agency_id,
        person_id=person.id,
        more=other_name_terms(other_names, date_of_birth),
    )


def index_case(session: Session, case: Case, *, postcode: str | None, uprn: str | None) -> None:
    """Replace the case location's index entries."""
    _replace(
        session,
        BlindIndex.case_id == case.id,
        case_terms(postcode=postcode, uprn=uprn),
        agency_id=case.agency_id,
        case_id=case.id,
    )


def _replace(
    session: Session,
    owner: object,
    terms: dict[str, str | None],
    *,
    agency_id: int,
    person_id: int | None = None,
    case_id: int | None = None,
    more: Iterable[tuple[str, str]] = (),
) -> None:
    session.flush()
    session.execute(delete(BlindIndex).where(owner))  # type: ignore[arg-type]
    provider = provider_of(session)
    rows = entries(
        provider, terms, agency_id=agency_id, person_id=person_id, case_id=case_id, more=more
    )
    session.add_all(BlindIndex(**row) for row in rows)


def remove(session: Session, *, person_id: int | None = None, case_id: int | None = None) -> None:
    """Drop a record's index entries (on erasure)."""
    if person_id is not None:
        session.execute(delete(BlindIndex).where(BlindIndex.person_id == person_id))
    if case_id is not None:
        session.execute(delete(BlindIndex).where(BlindIndex.case_id == case_id))


def candidates(
    session: Session, field: str, normalised: str, agency_ids: Iterable[int]
) -> tuple[list[int], list[int]]:
    """Person ids and case ids in the bucket of ``normalised``, within ``agency_ids``.
    Candidates only: the caller decrypts and compares before showing anything.

    The agencies are filtered here rather than in SQL: given both conditions, SQLite's
    planner picks the agency index, which reads every index entry of the agency (millions
    in a large partnership) instead of the few hundred in the bucket."""
    agencies = set(agency_ids)
    rows = session.execute(
        select(BlindIndex.person_id, BlindIndex.case_id, BlindIndex.agency_id).where(
            BlindIndex.field == field,
            BlindIndex.value == bucket(provider_of(session), field, normalised),
        )
    ).all()
    mine = [(p, c) for p, c, agency in rows if agency in agencies]
    return [p for p, _ in mine if p is not None], [c for _, c in mine if c is not None]


def people_in_buckets(
    session: Session, terms: Collection[tuple[str, str]], agency_ids: Collection[int]
) -> dict[tuple[str, str], list[int]]:
    """For each (field, normalised value), the ids of the people of ``agency_ids`` in its
    bucket: one query for them all (an import's batch, a case's people). Candidates only,
    as from ``candidates``: the caller decrypts and compares. The agencies are filtered
    here, as ``candidates`` does."""
    provider = provider_of(session)
    buckets: dict[tuple[str, int], list[tuple[str, str]]] = {}
    for field, value in terms:
        buckets.setdefault((field, bucket(provider, field, value)), []).append((field, value))
    found: dict[tuple[str, str], list[int]] = {term: [] for term in terms}
    if not buckets:
        return found
    by_field: dict[str, list[int]] = {}
    for field, value_bucket in buckets:
        by_field.setdefault(field, []).append(value_bucket)
    rows = session.execute(
        select(
            BlindIndex.field, BlindIndex.value, BlindIndex.person_id, BlindIndex.agency_id
        ).where(
            BlindIndex.person_id.is_not(None),
            or_(
                *(and_(BlindIndex.field == f, BlindIndex.value.in_(v)) for f, v in by_field.items())
            ),
        )
    )
    agencies = set(agency_ids)
    for field, in_bucket, person_id, agency in rows:
        if agency in agencies and person_id is not None:
            for term in buckets[field, in_bucket]:
                found[term].append(person_id)
    return found


def stale_records(session: Session) -> int:
    """How many records (people and case locations) have index entries made under older
    normalising rules than ``RULES``: each may be missed by a search until it is indexed
    again (``reindex``)."""
    people, cases = session.execute(
        select(
            func.count(distinct(BlindIndex.person_id)), func.count(distinct(BlindIndex.case_id))
        ).where(BlindIndex.rules < RULES)
    ).one()
    return int(people) + int(cases)


def reindex(session: Session, *, limit: int) -> int:
    """Index again, under the current rules, up to ``limit`` records whose entries were
    made under older ones (people first, then case locations): how many were done. The
    caller commits, and calls again until it returns 0. An erased record's entries (there
    should be none) are dropped, as erasure drops them. Each batch is recorded in the
    audit log as an operator's act (how many records, never which)."""
    stale = select(BlindIndex.person_id).where(BlindIndex.rules < RULES)
    people = session.scalars(
        select(Person)
        .where(Person.id.in_(stale))
        .order_by(Person.id)
        .limit(limit)
        .with_for_update()  # a change made meanwhile waits, and then indexes its own values
    ).all()
    for person in people:
        if person.erased_at is not None:
            remove(session, person_id=person.id)
            continue
        values = unseal_many(
            person, ("family_name", "date_of_birth", "postcode", "phone", "other_names")
        )
        born = values["date_of_birth"]
        index_person(
            session,
            person,
            family_name=values["family_name"],
            date_of_birth=date.fromisoformat(born) if born else None,
            postcode=values["postcode"],
            phone=values["phone"],
            other_names=[name for name, _ in other_names_of(values["other_names"])],
        )
    stale_cases = select(BlindIndex.case_id).where(BlindIndex.rules < RULES)
    cases = session.scalars(
        select(Case)
        .where(Case.id.in_(stale_cases))
        .order_by(Case.id)
        .limit(limit - len(people))
        .with_for_update()
    ).all()
    for case in cases:
        if case.erased_at is not None:
            remove(session, case_id=case.id)
            continue
        values = unseal_many(case, ("postcode", "uprn"))
        index_case(session, case, postcode=values["postcode"], uprn=values["uprn"])
    done = len(people) + len(cases)
    if done:
        acts.record(
            session,
            acts.Action.KEYS_REINDEX,
            subject=acts.Subject("key_store"),
            basis=f"{done} records indexed again under search rules {RULES}",
        )
    session.flush()
    return done
