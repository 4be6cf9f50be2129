"""Two officers marking one document at the same moment, on PostgreSQL, each from a form
opened before either saved: the first is saved; the second waits for it, then is refused
as changed meanwhile, with nothing written but its refusal. Without the wait both would
be saved, the second silently undoing the first's marking.

As in ``tests.sharing.test_steps_taken_once``, the first step's transaction stays open
until the second waits for a lock: no sleep decides the order."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.audit import acts
from sharing.cases import document_markings
from sharing.crypto.keys import LocalKeyring
from sharing.db import make_session_factory
from sharing.files.stores import new_key
from sharing.models import Case, Document
from sharing.vocabulary import DocumentKind, Marking, Role
from tests.fixtures.app import TEST_COST
from tests.fixtures.demo import demo_actor, open_cases
from tests.sharing.test_steps_taken_once import _entries, _race

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("demo_database", ["postgresql"], indirect=True),
]


@pytest.fixture
def sessions(demo_database: tuple[Engine, LocalKeyring]) -> sessionmaker[Session]:
    engine, keys = demo_database
    return make_session_factory(engine, keys, TEST_COST)


def test_two_officers_marking_at_once_are_taken_one_after_the_other(
    demo_database: tuple[Engine, LocalKeyring], sessions: sessionmaker[Session]
) -> None:
    with sessions() as session:
        case = open_cases(session, "northshire-homes")[0]
        # Marking reads nothing of the file: a row is enough, attached before markings.
        document = Document(
            case_id=case.id,
            kind=DocumentKind.DIARY_SHEET,
            category="narrative",
            marking=None,
            content_type="application/pdf",
            size=1,
            storage_key=new_key(),
            digest="0" * 64,
            added_by_id=case.officer_id,
        )
        session.add(document)
        session.commit()
        case_id, document_id = document.case_id, document.id
        officer = Actor.of(session.get_one(Case, case_id).officer)
        manager = demo_actor(session, "northshire-homes", Role.MANAGER)
        opened = document_markings.to_mark(
            session, authorise(session, officer, case_id, Act.MARK), document_id
        ).stamp
        session.commit()

    def marking(actor: Actor, to: Marking):
        return lambda s: document_markings.mark(
            s, authorise(s, actor, case_id, Act.MARK), document_id, to, opened=opened
        )

    answers = _race(
        demo_database[0],
        sessions,
        marking(officer, Marking.OFFICIAL),
        marking(manager, Marking.OFFICIAL_SENSITIVE),
    )

    assert answers == ["done", "Someone changed this after you opened it"]
    with sessions() as session:
        assert session.get_one(Document, document_id).marking is Marking.OFFICIAL
        refused = _entries(session, acts.Action.CASE_RECORD, "case", case_id, acts.Outcome.REFUSED)
        assert refused == 1
