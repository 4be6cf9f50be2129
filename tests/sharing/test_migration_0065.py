"""Migration 0065: documents kept before markings were asked for. Letters sent are
OFFICIAL, as a landlord's letter to a tenant is; every other document is left with no
marking recorded (its page says so and that it is handled as OFFICIAL-SENSITIVE), since
nobody said what it is."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from hub.migrate import downgrade, upgrade
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import documents
from sharing.vocabulary import DocumentKind, Marking
from tests.fixtures.app import CaseFactory, UserFactory
from tests.fixtures.files import pdf


def test_letters_sent_kept_before_0065_are_official_and_other_documents_unmarked(
    app: Flask, db_session: Session, create_user: UserFactory, create_case: CaseFactory
) -> None:
    officer = create_user()
    case = create_case(officer)
    person_id = case.parties[0].person_id
    authorised = authorise(db_session, Actor.of(officer), case.id, Act.RECORD)
    store = app.extensions["hub.file_store"]

    def attach(kind: DocumentKind) -> int:
        data = documents.DocumentInput(
            kind=kind,
            category="narrative",
            incident_id=None,
            person_id=None,
            description="",
            filename="file.pdf",
            content=pdf("A file kept before markings"),
            marking=Marking.OFFICIAL_SENSITIVE,
        )
        return documents.attach(db_session, authorised, store, data).id

    letter = documents.keep_letter(
        db_session,
        authorised,
        store,
        person_id=person_id,
        description="Written warning (standard)",
        filename="warning-letter.pdf",
        pdf=pdf("Dear Amelia Testperson"),
    ).id
    own_letter = attach(DocumentKind.LETTER_SENT)
    statement = attach(DocumentKind.STATEMENT)
    db_session.commit()
    db_session.close()
    engine = app.extensions["hub.engine"]
    downgrade(engine, "0064")
    with engine.connect() as connection:
        columns = connection.execute(text("SELECT * FROM documents")).keys()
    assert "marking" not in columns
    upgrade(engine)

    with engine.connect() as connection:
        marked = dict(connection.execute(text("SELECT id, marking FROM documents")).all())
    assert marked == {letter: "official", own_letter: "official", statement: None}
    # The marking is one of the two, as the models say.
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            text("UPDATE documents SET marking = 'secret' WHERE id = :id"), {"id": statement}
        )
