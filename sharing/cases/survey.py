"""The complainant's satisfaction survey at a case's closure: the questions as data (a
reviewed TOML file in ``config/``, checked on load like a protocol), and recording how it
was offered and what was answered. A "fairly" or "very dissatisfied" answer to the overall
question opens a follow-up action for the owning agency's managers. Answers are kept
plain (they are opinions on a scale, counted by the figures without opening anything);
the complainant's own words are sealed under the case. One audit entry names the survey,
never an answer."""

from __future__ import annotations

import hashlib
import os
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock
from sharing.access.authorise import AuthorisedCase
from sharing.access.decide import Act
from sharing.audit import acts
from sharing.crypto.sealing import seal
from sharing.db import read_for_change
from sharing.errors import InputError, NotFound
from sharing.formats import checked_text
from sharing.models import Action, Case, ClosureSurvey, ClosureSurveyAnswer
from sharing.protocols.checker import read_header, read_text, read_toml, sorted_problems
from sharing.protocols.fields import Reader, one_of, path_of
from sharing.protocols.problems import FileInvalid, Problem
from sharing.trigger.workdays import working_day_from
from sharing.vocabulary import ActionKind, CaseStatus, Satisfaction, SurveyChannel

TOP_KEYS = ("id", "title", "version", "overall", "questions")
QUESTION_KEYS = ("id", "text")
QUESTION_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_ALLOWED = (
    "a TOML document (https://toml.io) with id, title, version, overall and one "
    '[[questions]] table per question, as README.md describes ("The closure survey file")'
)
MAX_COMMENT = 2_000
#: A follow-up of dissatisfaction is due within this many days.
FOLLOW_UP_DAYS = 10


class SurveyInvalid(FileInvalid):
    """The survey file has problems, so it is not loaded."""

    what = "closure survey"


@dataclass(frozen=True)
class Question:
    id: str
    text: str


@dataclass(frozen=True)
class Survey:
    id: str
    title: str
    version: int
    #: The question whose answer is the satisfaction figure.
    overall: str
    questions: tuple[Question, ...] = field(default_factory=tuple)


def parse_survey(text: str, source: str) -> Survey:
    """The survey in ``text``; ``SurveyInvalid`` listing every problem if it has any."""
    read = read_toml(text, source, _ALLOWED)
    if isinstance(read, Problem):
        raise SurveyInvalid([read])
    data, reader = read
    survey = _read(reader, data)
    if reader.problems or survey is None:
        raise SurveyInvalid(sorted_problems(reader.problems))
    return survey


def load_survey(path: str | os.PathLike[str]) -> Survey:
    """The survey at ``path``; ``SurveyInvalid`` if it cannot be read or has problems."""
    text = read_text(path, _ALLOWED)
    if isinstance(text, Problem):
        raise SurveyInvalid([text])
    return parse_survey(text, os.fspath(path))


def check_file(path: str | os.PathLike[str]) -> list[Problem]:
    """Every problem in the survey file at ``path``; empty when it is valid."""
    try:
        load_survey(path)
    except SurveyInvalid as invalid:
        return invalid.problems
    return []


def _read(reader: Reader, data: Mapping[str, Any]) -> Survey | None:
    reader.unknown_keys(data, TOP_KEYS, "")
    survey_id, title, version = read_header(reader, data, "northshire-asb-closure-survey")
    questions: list[Question] = []
    for index, table in reader.tables(data, "questions", "one [[questions]] table a question"):
        prefix = f"questions[{index}]"
        reader.unknown_keys(table, QUESTION_KEYS, prefix)
        question_id = reader.text(
            table,
            "id",
            prefix,
            pattern=QUESTION_ID,
            allowed="lower-case letters, digits and underscores, up to 40",
        )
        text = reader.text(table, "text", prefix, max_length=300)
        if question_id and any(q.id == question_id for q in questions):
            reader.add(
                path_of(prefix, "id"), f'"{question_id}" is already a question of the survey'
            )
        if question_id and text:
            questions.append(Question(question_id, text))
    if not questions and not reader.problems:
        reader.add("questions", "the survey has no questions", "at least one [[questions]]")
    overall = reader.text(data, "overall", "", allowed="the id of one of the questions")
    if overall and questions and overall not in {q.id for q in questions}:
        reader.add(
            "overall",
            f'"{overall}" is not a question of the survey',
            one_of([q.id for q in questions]),
        )
    if reader.problems:
        return None
    return Survey(
        id=survey_id or "",
        title=title or "",
        version=version or 0,
        overall=overall or "",
        questions=tuple(questions),
    )


@dataclass(frozen=True)
class SurveyInput:
    channel: str
    #: Question id → the answer's value, for a survey answered now.
    answers: Mapping[str, str] = field(default_factory=dict)
    comment: str = ""


def record_survey(
    session: Session,
    authorised: AuthorisedCase,
    survey: Survey,
    data: SurveyInput,
    *,
    now: datetime | None = None,
) -> ClosureSurvey:
    """Record the closure survey of the case (authorised for ``Act.CLOSE``): how it was
    offered and, answered in person or by phone, every question's answer. Refused, with
    the field, nothing written and the refusal audited: a case not closed or already
    surveyed, no channel, a question unanswered or an answer not on the scale, answers or
    a comment for a survey not answered, or a comment too long."""
    authorised.require(Act.CLOSE)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=actor, subject=authorised.subject
    ):
        unanswered = _to_be_surveyed(session, case)
        channel = SurveyChannel.of(data.channel)
        if channel is None:
            raise InputError("channel", "Select how the survey was offered")
        if channel is SurveyChannel.LINK:
            raise InputError("channel", "A link is given with offer_link")
        answers: dict[str, Satisfaction] = {}
        if channel.answered:
            answers = _checked_answers(survey, data.answers)
        elif any(data.answers.values()) or data.comment.strip():
            raise InputError(
                "channel", "Answers are recorded only for a survey answered in person or by phone"
            )
        comment = checked_text("comment", data.comment, limit=MAX_COMMENT, what="the comment")
    withdrawn = _withdrawn(session, unanswered)
    record = ClosureSurvey(
        case_id=case.id,
        survey_key=survey.id,
        survey_version=survey.version,
        channel=channel,
        recorded_at=now,
        recorded_by_id=actor.user_id,
    )
    session.add(record)
    session.flush()
    _answered(session, record, survey, answers, comment, now)
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=actor,
        subject=authorised.subject,
        basis=f"closure survey {record.id}"
        + (f"; follow-up action {record.follow_up_id}" if record.follow_up_id else "")
        + withdrawn,
    )
    return record


def _to_be_surveyed(session: Session, case: Case) -> ClosureSurvey | None:
    """``InputError`` unless the case is closed and its survey not yet recorded; a link
    offered and not answered (live or expired) is returned, for the survey recorded now to
    replace: the complainant may answer by phone or in person after all."""
    if case.status is not CaseStatus.CLOSED:
        raise InputError("channel", "The survey is offered when the case is closed")
    read_for_change(session, case)  # recorded twice at once: the second waits, then sees it
    existing = session.scalar(select(ClosureSurvey).where(ClosureSurvey.case_id == case.id))
    if existing is None:
        return None
    if existing.channel is SurveyChannel.LINK and existing.answered_at is None:
        return existing
    raise InputError("channel", "The survey for this case is already recorded")


def _withdrawn(session: Session, link: ClosureSurvey | None) -> str:
    """Remove an unanswered link's record (its link stops working); the audit words."""
    if link is None:
        return ""
    session.delete(link)
    session.flush()
    return f"; unanswered link of closure survey {link.id} withdrawn"


def unanswered(survey: Survey, answers: Mapping[str, str]) -> list[InputError]:
    """Each question of ``survey`` that ``answers`` leaves without an answer on the scale,
    as the refusal at its field: a form shows them all at once, not one a send."""
    return [
        InputError(f"answer_{question.id}", f"Select an answer: {question.text}")
        for question in survey.questions
        if Satisfaction.of(answers.get(question.id, "")) is None
    ]


def _checked_answers(survey: Survey, answers: Mapping[str, str]) -> dict[str, Satisfaction]:
    missing = unanswered(survey, answers)
    if missing:
        raise missing[0]
    return {
        question.id: answer
        for question in survey.questions
        if (answer := Satisfaction.of(answers[question.id])) is not None
    }


def _answered(
    session: Session,
    record: ClosureSurvey,
    survey: Survey,
    answers: Mapping[str, Satisfaction],
    comment: str,
    now: datetime,
) -> None:
    """Keep the answers and the comment; a dissatisfied overall answer opens the
    follow-up."""
    record.overall = answers.get(survey.overall)
    for question_id, answer in answers.items():
        session.add(ClosureSurveyAnswer(survey_id=record.id, question=question_id, answer=answer))
    if comment:
        seal(record, "comment", comment)
    if record.overall is not None and record.overall.dissatisfied:
        record.follow_up = _follow_up(session, record, now)
    session.flush()


def _follow_up(session: Session, record: ClosureSurvey, now: datetime) -> Action:
    """The action a dissatisfied complainant opens: the owning agency's, for its managers,
    due in ``FOLLOW_UP_DAYS`` (the next working day when that is a weekend or a bank
    holiday), created by whoever offered the survey."""
    case = record.case
    action = Action(
        case_id=case.id,
        kind=ActionKind.DISSATISFACTION_FOLLOW_UP,
        owner_agency_id=case.agency_id,
        due_on=working_day_from(clock.day_of(now) + timedelta(days=FOLLOW_UP_DAYS)),
        created_at=now,
        created_by_id=record.recorded_by_id,
    )
    session.add(action)
    session.flush()
    seal(
        action,
        "description",
        "Contact the complainant about their dissatisfaction with how the case was handled, "
        "and record what was done.",
    )
    return action


#: How long a survey link works.
LINK_DAYS = 28


def _link_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def offer_link(
    session: Session,
    authorised: AuthorisedCase,
    survey: Survey,
    *,
    now: datetime | None = None,
) -> tuple[ClosureSurvey, str]:
    """Offer the survey by a link the complainant answers online, no account needed
    (authorised for ``Act.CLOSE``): the survey and the link's secret, shown once to the
    officer (only its hash is kept); it works for ``LINK_DAYS``, once, and a new link or
    answers recorded by the officer replace it while it is unanswered. Refused as
    ``record_survey`` refuses a case not closed or already surveyed."""
    authorised.require(Act.CLOSE)
    case, actor = authorised.case, authorised.actor
    now = now or clock.now()
    with acts.refusing_input(
        session, acts.Action.CASE_RECORD, actor=actor, subject=authorised.subject
    ):
        unanswered = _to_be_surveyed(session, case)
    withdrawn = _withdrawn(session, unanswered)
    token = secrets.token_urlsafe(24)
    record = ClosureSurvey(
        case_id=case.id,
        survey_key=survey.id,
        survey_version=survey.version,
        channel=SurveyChannel.LINK,
        recorded_at=now,
        recorded_by_id=actor.user_id,
        link_hash=_link_hash(token),
        link_expires_at=now + timedelta(days=LINK_DAYS),
    )
    session.add(record)
    session.flush()
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=actor,
        subject=authorised.subject,
        basis=f"closure survey {record.id} offered by link{withdrawn}",
    )
    return record, token


def linked(session: Session, token: str, now: datetime | None = None) -> ClosureSurvey:
    """The survey a link opens, while it works and is unanswered; ``NotFound`` otherwise
    (the same whether it never existed, was answered or has expired)."""
    now = now or clock.now()
    record = session.scalar(
        select(ClosureSurvey).where(ClosureSurvey.link_hash == _link_hash(token))
    )
    if (
        record is None
        or record.answered_at is not None
        or record.link_expires_at is None
        or record.link_expires_at <= now
        or record.case.erased_at is not None
    ):
        raise NotFound("survey link")
    return record


def answer_online(
    session: Session,
    survey: Survey,
    token: str,
    answers: Mapping[str, str],
    comment: str = "",
    *,
    now: datetime | None = None,
) -> ClosureSurvey:
    """The complainant's answers by the link: every question on the scale and anything
    they want to say. Refused with the field (audited, nothing written) for a question
    unanswered or a comment too long or with markup; ``NotFound`` for a link that does not
    work, and for one answered or recorded by the officer meanwhile (sent twice at once,
    the second waits for the first, as the officer's form waits under the same lock, then
    finds the link used). One audit entry, with no actor, naming the survey."""
    now = now or clock.now()
    read_for_change(session, linked(session, token, now).case)
    record = linked(session, token, now)  # read again under the lock
    subject = acts.Subject("case", record.case_id)
    with acts.refusing_input(session, acts.Action.CASE_RECORD, actor=None, subject=subject):
        checked = _checked_answers(survey, answers)
        text = checked_text("comment", comment, limit=MAX_COMMENT, what="the comment")
        if "<" in text:
            raise InputError("comment", "Remove the < sign: write it in plain words")
    record.answered_at = now
    record.link_hash = None  # the link works once
    _answered(session, record, survey, checked, text, now)
    acts.record(
        session,
        acts.Action.CASE_RECORD,
        actor=None,
        subject=subject,
        basis=f"closure survey {record.id} answered online"
        + (f"; follow-up action {record.follow_up_id}" if record.follow_up_id else ""),
    )
    return record
