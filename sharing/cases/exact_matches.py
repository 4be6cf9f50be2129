"""The records that hold exactly a searched value, read through the blind index: the
people (or cases, by their own location) in the value's bucket, within the agencies
given, each decrypted only as far as the search compares and kept when it holds the
value; then where the people found appear, and what a hit shows of each case. Rows are
read as they are wanted, so that a search that has found enough stops reading a bucket of
thousands. Whether the user may see a case is decided by ``sharing.cases.search``."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Generator, Iterable
from contextlib import closing
from typing import Any, TypeAlias

from sqlalchemy import Result, Row, Select, bindparam, select
from sqlalchemy.orm import Session

from sharing.access.reveal import Comparison
from sharing.crypto import blind_index
from sharing.crypto.data_keys import provider_of
from sharing.models import Agency, BlindIndex, Case, CaseParty, DataKey, Person

#: A row of any columns.
AnyRow: TypeAlias = "Row[*tuple[Any, ...]]"


def people_matching(
    session: Session, field: str, value: str, agency_ids: list[int], limit: int
) -> list[AnyRow]:
    """People of ``agency_ids`` (not erased) holding exactly the searched value, as plain
    rows with their searched columns still sealed; at most ``limit``, in the index's order."""
    with closing(matching_people(session, field, value, agency_ids)) as people:
        return list(itertools.islice(people, limit))


#: The sealed person columns a search by each field compares (and reads no others).
_COMPARED = {
    "surname": ("family_name", "other_names"),
    "surname_dob": ("family_name", "date_of_birth", "other_names"),
    "postcode": ("postcode",),
    "phone": ("phone",),
    "uprn": (),
}
#: What a hit shows of its case (``sharing.cases.search``'s hits), with the case joined
#: to its agency.
_SHOWN = (Case.reference, Case.category, Case.priority, Case.status, Agency.name.label("agency"))
#: Rows of the index's bucket fetched at a time: a search that has found enough stops
#: reading a bucket of thousands.
STREAM_ROWS = 200


def matching_people(
    session: Session, field: str, value: str, agency_ids: Iterable[int]
) -> Generator[AnyRow, None, None]:
    """The people of ``agency_ids`` (not erased) in the index's bucket for ``value`` who
    hold it exactly, read as they are wanted: plain rows, with only the sealed columns the
    search compares and each one's wrapped data key, in one statement."""
    if not _COMPARED[field]:
        return
    matches = Comparison(session, field, value).person
    yield from _holding(session, _people_in_bucket(field), field, value, agency_ids, matches)


def matching_cases(
    session: Session, field: str, value: str, agency_ids: Iterable[int]
) -> Generator[AnyRow, None, None]:
    """The cases of ``agency_ids`` (not erased) whose own location holds ``value``
    exactly, as ``matching_people`` reads people."""
    if field not in ("postcode", "uprn"):
        return
    matches = Comparison(session, field, value).case
    yield from _holding(session, _cases_in_bucket(), field, value, agency_ids, matches)


# The statements are made once: making one costs more than running it on a small bucket.


@functools.cache
def _people_in_bucket(field: str) -> Select[Any]:
    return _in_bucket(Person, BlindIndex.person_id).add_columns(
        *(getattr(Person, c) for c in _COMPARED[field])
    )


@functools.cache
def _cases_in_bucket() -> Select[Any]:
    return _in_bucket(Case, BlindIndex.case_id).add_columns(Case.postcode, Case.uprn)


def _in_bucket(model: Any, entry_of: Any) -> Select[Any]:
    """The records of ``model`` (not erased) whose index entries (``entry_of`` names the
    record) are in bucket ``:bucket`` of field ``:field``, each with its agency and wrapped
    data key."""
    return (
        select(
            BlindIndex.agency_id, model.id, model.data_key_id, DataKey.kek_version, DataKey.wrapped
        )
        .select_from(BlindIndex)
        .join(model, model.id == entry_of)
        .join(DataKey, DataKey.id == model.data_key_id)
        .where(
            BlindIndex.field == bindparam("field"),
            BlindIndex.value == bindparam("bucket"),
            model.erased_at.is_(None),
            DataKey.wrapped.is_not(None),
        )
    )


def _holding(
    session: Session,
    query: Select[Any],
    field: str,
    value: str,
    agency_ids: Iterable[int],
    holds: Callable[[AnyRow], bool],
) -> Generator[AnyRow, None, None]:
    """The rows of ``query`` in the bucket of ``value`` of ``agency_ids`` that ``holds``,
    fetched as they are wanted."""
    # The agencies are filtered here rather than in SQL: given both conditions, SQLite's
    # planner picks the agency index, which reads every index entry of the agency
    # (millions in a large partnership) instead of the few hundred in the bucket.
    agencies = set(agency_ids)
    # On the session's connection, as Core: plain rows, without the ORM's loading.
    rows: Result[Any] = session.connection().execute(
        query.execution_options(yield_per=STREAM_ROWS),
        {"field": field, "bucket": blind_index.bucket(provider_of(session), field, value)},
    )
    try:
        for row in rows:
            if row.agency_id in agencies and holds(row):
                yield row
    finally:
        rows.close()


def parties(session: Session, person_ids: list[int]) -> list[AnyRow]:
    """Where the matched people appear: plain columns only (no ORM objects to build)."""
    if not person_ids:
        return []
    return list(session.connection().execute(_parties_query(), {"ids": person_ids}))


def cases_shown(session: Session, case_ids: list[int]) -> list[AnyRow]:
    """What a hit shows of each matched case (read for matches only, not for every
    candidate in the bucket)."""
    return list(session.connection().execute(_cases_shown_query(), {"ids": case_ids}))


@functools.cache
def _cases_shown_query() -> Select[*tuple[Any, ...]]:
    return (
        select(Case.id.label("case_id"), *_SHOWN)
        .join(Agency, Agency.id == Case.agency_id)
        .where(Case.id.in_(bindparam("ids", expanding=True)))
    )


@functools.cache
def _parties_query() -> Select[*tuple[Any, ...]]:
    return (
        select(CaseParty.case_id, CaseParty.person_id, CaseParty.role, *_SHOWN)
        .join(Case, Case.id == CaseParty.case_id)
        .join(Agency, Agency.id == Case.agency_id)
        .where(
            CaseParty.person_id.in_(bindparam("ids", expanding=True)),
            Case.erased_at.is_(None),
        )
        .order_by(CaseParty.id)
    )
