"""Migration 0062: letters the hub kept before it are read only by those given what a
letter holds beside what happened. Which letter each was is sealed with it, so each "letter
sent" PDF about a person filed under "what happened" is taken to hold its addressee's name
and address and the case's actions (deny by default); every other document is left as it
was."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from hub.migrate import downgrade, upgrade
from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import documents
from sharing.models import Document
from sharing.vocabulary import DocumentKind, Marking
from tests.fixtures.app import CaseFactory, UserFactory
from tests.fixtures.files import pdf


def test_letters_kept_before_0062_need_identity_location_and_actions(
    app: Flask, db_session: Session, create_user: UserFactory, create_case: CaseFactory
) -> None:
    officer = create_user()
    case = create_case(officer)
    person_id = case.parties[0].person_id
    authorised = authorise(db_session, Actor.of(officer), case.id, Act.RECORD)
    store = app.extensions["hub.file_store"]

    def attach(kind: DocumentKind, category: str, about: int | None) -> int:
        data = documents.DocumentInput(
            kind=kind,
            category=category,
            incident_id=None,
            person_id=about,
            description="",
            filename="letter.pdf",
            content=pdf("Dear Amelia Testperson"),
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
    diary = attach(DocumentKind.DIARY_SHEET, "narrative", person_id)
    medical = attach(DocumentKind.LETTER_SENT, "vulnerability", person_id)
    about_the_case = attach(DocumentKind.LETTER_SENT, "narrative", None)
    # As the letter was kept before 0062: nothing said what it holds.
    db_session.execute(update(Document).values(also_holds=None))
    db_session.commit()
    db_session.close()
    engine = app.extensions["hub.engine"]
    downgrade(engine, "0061")
    upgrade(engine)

    with engine.connect() as connection:
        held = dict(connection.execute(text("SELECT id, also_holds FROM documents")).all())
    assert held == {
        letter: "identity,location,actions",
        diary: None,
        medical: None,
        about_the_case: None,
    }
    assert db_session.scalar(select(Document).where(Document.id == letter)).categories == (
        "narrative",
        "identity",
        "location",
        "actions",
    )
