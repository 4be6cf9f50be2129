"""Letters to a Community Trigger applicant: the acknowledgement, the threshold decision,
the outcome of the review and the appeal decision. One letter is made from the
application as it stands, for the lead's page, its PDF and the e-mail alike, so the three
never differ; an e-mail is queued (``TriggerLetter``) only when the applicant gave an
address, and its words are made when it is sent, so nothing personal waits in the queue.

Making a letter reveals the application's details under the lead's own decision and is
one audit entry, naming the application and the letter's kind.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing import clock, notices
from sharing.access.decide import Actor
from sharing.access.reveal import reveal
from sharing.audit import acts
from sharing.models import TriggerApplication, TriggerLetter
from sharing.trigger import applications
from sharing.trigger.procedure import Procedure
from sharing.trigger.workdays import england_and_wales
from sharing.vocabulary import AppealDecision, LetterKind, ThresholdDecision

_EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


@dataclass(frozen=True)
class Recommendation:
    agency: str
    text: str
    due_on: date


@dataclass(frozen=True)
class Letter:
    kind: LetterKind
    reference: str
    dated: date
    addressee: str
    address: tuple[str, ...]
    paragraphs: tuple[str, ...]
    recommendations: tuple[Recommendation, ...]
    #: The appeal body and the last day to ask it, when the letter offers an appeal.
    appeal: tuple[str, date] | None
    sender: str
    #: Where an e-mail of it goes, if the applicant gave an address.
    email: str | None

    @property
    def appeal_sentence(self) -> str:
        """The sentence offering the appeal, if the letter offers one."""
        return _appeal_words(*self.appeal) if self.appeal else ""

    @property
    def subject(self) -> str:
        return f"{self.kind.label} (reference {self.reference})"

    def as_text(self) -> str:
        """The letter as plain text, for the e-mail."""
        lines = [f"Reference: {self.reference}", _uk(self.dated), ""]
        lines += [f"Dear {self.addressee},", ""]
        for paragraph in self.paragraphs:
            lines += [paragraph, ""]
        for r in self.recommendations:
            lines += [f"- {r.agency}, by {_uk(r.due_on)}: {r.text}"]
        if self.recommendations:
            lines.append("")
        if self.appeal:
            lines += [self.appeal_sentence, ""]
        lines += ["Yours sincerely,", "", self.sender]
        return "\n".join(lines) + "\n"


def _uk(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def _appeal_words(body: str, by: date) -> str:
    return (
        f"If you are not satisfied with the way your application was dealt with, you can "
        f"ask {body} to look at it again. Write to them, or to us quoting your reference, "
        f"by {_uk(by)}."
    )


def email_of(details: dict[str, str | None], on_behalf: bool) -> str | None:
    """The applicant's e-mail address: the third party's, if the contact they gave is
    one, else the victim's."""
    contact = details.get("applicant_contact") if on_behalf else details.get("victim_email")
    found = _EMAIL.search(contact or "")
    return found.group(0) if found else None


def queue(
    session: Session,
    application: TriggerApplication,
    kind: LetterKind,
    details: dict[str, str | None],
    now: datetime,
) -> bool:
    """Queue the letter for e-mail if the applicant gave an address (once per kind);
    whether it was queued."""
    if email_of(details, application.on_behalf is not None) is None:
        return False
    exists = session.scalar(
        select(TriggerLetter.id).where(
            TriggerLetter.application_id == application.id, TriggerLetter.kind == kind
        )
    )
    if exists is None:
        session.add(TriggerLetter(application_id=application.id, kind=kind, created_at=now))
        session.flush()
        session.info[notices.QUEUED] = True
    return exists is None


def appeal_by(application: TriggerApplication, procedure: Procedure) -> date | None:
    """The last day to ask for an appeal: the procedure's working days after the outcome
    letter (or after a "not met" decision); None before either."""
    start = application.outcome_on
    if start is None and application.decision is ThresholdDecision.NOT_MET:
        start = application.decided_at.date() if application.decided_at else None
    if start is None:
        return None
    return england_and_wales().add(start, procedure.appeal.within_working_days)


def compose(
    session: Session,
    application: TriggerApplication,
    kind: LetterKind,
    procedure: Procedure,
    *,
    actor: Actor | None,
) -> Letter | None:
    """The letter of ``kind`` as it stands, or None if the application has not reached
    it (no decision, no outcome, no appeal decision). One audit entry."""
    dated = _dated(application, kind)
    if dated is None:
        return None
    details = reveal(applications.LEAD, application, applications.DETAILS)
    recommendations: list[Recommendation] = []
    if kind in (LetterKind.OUTCOME, LetterKind.APPEAL_DECISION):
        on_appeal = kind is LetterKind.APPEAL_DECISION
        wanted = [r for r in application.recommendations if r.on_appeal == on_appeal]
        texts = [reveal(applications.LEAD, r, ("text",))["text"] or "" for r in wanted]
        recommendations = [
            Recommendation(r.owner_agency.name, text, r.due_on)
            for r, text in zip(wanted, texts, strict=True)
        ]
    acts.record(
        session,
        acts.Action.TRIGGER_LETTER,
        actor=actor,
        subject=acts.Subject("trigger_application", application.id),
        basis=f"{kind.value} letter",
    )
    on_behalf = application.on_behalf is not None
    victim = " ".join(
        n for n in (details["victim_given_names"], details["victim_family_name"]) if n
    )
    addressee = (details["applicant_name"] or "") if on_behalf else victim
    address = tuple(
        line.strip()
        for line in [*(details["victim_address"] or "").splitlines(), details["victim_postcode"]]
        if line and line.strip()
    )
    appeal = None
    if kind in (LetterKind.OUTCOME, LetterKind.THRESHOLD):
        last = appeal_by(application, procedure)
        appeal = (procedure.appeal.body, last) if last else None
    return Letter(
        kind=kind,
        reference=application.reference,
        dated=dated,
        addressee=addressee,
        address=() if on_behalf else address,
        paragraphs=tuple(_paragraphs(application, kind, procedure, details, victim)),
        recommendations=tuple(recommendations),
        appeal=appeal,
        sender=application.lead_agency.name,
        email=email_of(details, on_behalf),
    )


def _dated(application: TriggerApplication, kind: LetterKind) -> date | None:
    if kind is LetterKind.ACKNOWLEDGEMENT:
        return clock.day_of(application.recorded_at)
    if kind is LetterKind.THRESHOLD:
        return clock.day_of(application.decided_at) if application.decided_at else None
    if kind is LetterKind.OUTCOME:
        return application.outcome_on
    return application.appeal_decided_on


def _paragraphs(
    application: TriggerApplication,
    kind: LetterKind,
    procedure: Procedure,
    details: dict[str, str | None],
    victim: str,
) -> list[str]:
    calendar = england_and_wales()
    for_whom = f" for {victim}" if application.on_behalf is not None else ""
    received = _uk(application.received_on)
    if kind is LetterKind.ACKNOWLEDGEMENT:
        due = applications.decision_due(application, procedure, calendar)
        return [
            f"Thank you for your application for an ASB Case Review (the Community "
            f"Trigger){for_whom}, which we received on {received}. Your reference is "
            f"{application.reference}: please quote it if you contact us.",
            f"The council, the police, the integrated care board and the housing providers "
            f"will look at the complaints made about the anti-social behaviour and decide "
            f"together whether the threshold for a review is met. We will tell you by "
            f"{_uk(due)}.",
        ]
    if kind is LetterKind.THRESHOLD:
        reasons = details["decision_reasons"] or ""
        if application.decision is ThresholdDecision.NOT_MET:
            return [
                f"We have looked at your application for an ASB Case Review{for_whom}, "
                f"received on {received}, with the other agencies. It does not meet the "
                f"threshold for a review.",
                f"Our reasons: {reasons}",
                "This does not stop you reporting anti-social behaviour: please keep "
                "reporting every incident to the agency dealing with it.",
            ]
        meeting = applications.review_due(application, procedure, calendar)
        return [
            f"We have looked at your application for an ASB Case Review{for_whom}, received "
            f"on {received}, with the other agencies. It meets the threshold, and a review "
            f"panel of the agencies involved will look at how your complaints were dealt "
            f"with.",
            f"Our reasons: {reasons}",
            f"The panel will meet by {_uk(meeting)}, and we will write to "
            f"you with its outcome within {procedure.timescales.outcome} working days of the "
            f"meeting. You may tell us anything you would like the panel to know.",
        ]
    if kind is LetterKind.OUTCOME:
        findings = details.get("outcome_findings") or ""
        next_steps = details.get("outcome_next_steps") or ""
        made = (
            "The panel made the recommendations below; each agency named will carry out its "
            "recommendation by the date given, and we will follow them up until they are done."
            if any(not r.on_appeal for r in application.recommendations)
            else "The panel made no recommendations."
        )
        return [
            f"The review panel has looked at how the complaints in your application{for_whom} "
            f"(received on {received}) were dealt with.",
            f"What the panel found: {findings}",
            made,
            f"What happens next: {next_steps}",
        ]
    decision = application.appeal_decision
    findings = details.get("appeal_findings") or ""
    return [
        f"{procedure.appeal.body} has considered your appeal about the review of your "
        f"application {application.reference}.",
        f"Their decision: {decision.label if decision else ''}.",
        f"Their findings: {findings}",
        "Further recommendations are below."
        if decision is not AppealDecision.NOT_UPHELD
        and any(r.on_appeal for r in application.recommendations)
        else "They made no further recommendations.",
    ]


def pending(session: Session, limit: int = 100) -> list[TriggerLetter]:
    """Letters waiting to be e-mailed and not given up on, oldest first."""
    return list(
        session.scalars(
            select(TriggerLetter)
            .where(TriggerLetter.sent_at.is_(None), TriggerLetter.attempts < notices.MAX_ATTEMPTS)
            .order_by(TriggerLetter.id)
            .limit(limit)
        )
    )
