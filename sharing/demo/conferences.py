"""The demo partnership's case conferences: one held twelve days ago on a red Northshire
Homes case, with answered and unanswered information requests, attendance, agreed minutes,
a decision to seek an injunction, and an action plan with an action done, one overdue and
one still to come; and one convened for next week, its requests waiting for answers, whose
chair (the police sergeant, who can no longer attend it) its officer has changed.

And its partnership meeting (``sharing.demo.meetings``). Each step goes through the
conference services as the person who took it, with the partnership's clock held at the
moment it happened (``sharing.demo.steps``).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import closing_actions
from sharing.cases.actions import ActionInput
from sharing.demo import office
from sharing.demo.meetings import AGENDA_ITEMS as AGENDA_ITEMS  # read by the demo's tests
from sharing.demo.meetings import problem_solving_group
from sharing.demo.steps import (
    PURPOSE,
    SHARE_DAYS,
    agency_id_of,
    at,
    at_hour,
    notices_went,
    staff_with,
    weekday,
)
from sharing.meetings import (
    conference_actions,
    conference_attendance,
    conference_chairs,
    conference_decisions,
    conferences,
    minutes,
    requests,
)
from sharing.models import Action, Agency, Case, Conference, ProtocolRecord, User
from sharing.vocabulary import (
    ActionKind,
    Attendance,
    CaseStatus,
    ChairChangeReason,
    Priority,
    ProtocolStatus,
    Role,
)


def _red_cases(session: Session) -> list[Case]:
    """Northshire Homes' open red cases that are neither locked nor erased, oldest first."""
    return list(
        session.scalars(
            select(Case)
            .join(Agency, Agency.id == Case.agency_id)
            .where(
                Agency.code == "northshire-homes",
                Case.status != CaseStatus.CLOSED,
                Case.priority.in_([Priority.RED_URGENT, Priority.RED_HIGH]),
                Case.locked.is_(False),
                Case.erased_at.is_(None),
            )
            .order_by(Case.id)
        )
    )


def _larkmoor(session: Session) -> Case | None:
    """Larkmoor's oldest open case that is neither locked nor erased, if it has one."""
    return session.scalars(
        select(Case)
        .join(Agency, Agency.id == Case.agency_id)
        .where(
            Agency.code == "larkmoor-ha",
            Case.status != CaseStatus.CLOSED,
            Case.locked.is_(False),
            Case.erased_at.is_(None),
        )
        .order_by(Case.id)
    ).first()


def hold_conferences(session: Session, today: date) -> int:
    """Convene, hold and minute the demo's conferences, and hold its partnership meeting;
    how many conferences there are (those on the meeting's agenda among them)."""
    protocol = session.scalar(
        select(ProtocolRecord).where(
            ProtocolRecord.key == "northshire-case-conference",
            ProtocolRecord.status == ProtocolStatus.ACTIVE,
        )
    )
    cases = _red_cases(session)
    if protocol is None or len(cases) < 2:
        return 0
    _held(session, protocol.id, cases[0], today)
    _upcoming(session, protocol.id, cases[1], today)
    if len(cases) > 3:
        problem_solving_group(session, protocol.id, cases[2], [cases[3], _larkmoor(session)], today)
    session.flush()
    notices_went(session)
    return len(session.scalars(select(Conference.id)).all())


def _convene(
    session: Session,
    protocol_id: int,
    case: Case,
    *,
    convened_at: datetime,
    starts_at: datetime,
    agencies: list[str],
    chair: User,
    attendees: list[User],
    question: str,
    agenda: str,
) -> Conference:
    officer = Actor.of(case.officer)
    with at(convened_at) as now:
        return conferences.convene(
            session,
            authorise(session, officer, case.id, Act.CONVENE),
            conferences.ConferenceInput(
                question=question,
                starts_at=starts_at,
                protocol_id=protocol_id,
                purpose=PURPOSE,
                agency_ids=[agency_id_of(session, code) for code in agencies],
                chair_id=chair.id,
                place="Northshire Civic Centre, committee room 2",
                agenda=agenda,
                attendee_ids=[u.id for u in attendees],
            ),
            share_days=SHARE_DAYS,
            now=now,
        )


def _held(session: Session, protocol_id: int, case: Case, today: date) -> None:
    chair = staff_with(session, "northshire-homes", Role.CONFERENCE_CHAIR)
    sergeant = staff_with(session, "northshire-police", Role.MANAGER)
    pcso = staff_with(session, "northshire-police", Role.CASE_OFFICER)
    adults = staff_with(session, "northshire-adults", Role.PARTNER_VIEWER)
    csp = staff_with(session, "northshire-csp", Role.CONFERENCE_CHAIR)
    held_on = weekday(today - timedelta(days=12))
    conference = _convene(
        session,
        protocol_id,
        case,
        convened_at=at_hour(office.on_or_before(held_on - timedelta(days=18)), 11),
        starts_at=at_hour(held_on, 10),
        agencies=["northshire-police", "northshire-adults", "northshire-csp"],
        chair=chair,
        attendees=[case.officer, sergeant, adults, csp],
        question="Agree a multi-agency action plan, and whether to seek a civil injunction",
        agenda="1. Incidents since the last review\n2. Risk to the victim\n3. Legal options\n"
        "4. Action plan",
    )
    by_agency = {r.agency_id: r for r in conference.requests}
    with at(at_hour(office.on_or_before(held_on - timedelta(days=4)), 15)) as now:
        requests.answer(
            session,
            Actor.of(pcso),
            by_agency[pcso.agency_id].id,
            requests.AnswerInput(
                known=True,
                incidents_note="Four calls to 101 about shouting and threats on the landing "
                "since the summer; one attendance by the neighbourhood team.",
                offending_note="The reported person was cautioned for criminal damage in 2024.",
                actions_note="Extra patrols on Friday and Saturday evenings.",
            ),
            now=now,
        )
        requests.answer(
            session,
            Actor.of(adults),
            by_agency[adults.agency_id].id,
            requests.AnswerInput(
                known=True,
                vulnerability_note="Known to adult social care: the victim has a care "
                "package and lives alone.",
                concerns_note="Asks the conference to agree who visits the victim each week.",
            ),
            now=now,
        )
    officer, chair_actor = Actor.of(case.officer), Actor.of(chair)
    with at(at_hour(held_on, 12)) as now:
        marks = {
            a.id: conference_attendance.Mark(
                Attendance.APOLOGIES if a.user_id == adults.id else Attendance.PRESENT
            )
            for a in conference.attendees
        }
        conference_attendance.record_attendance(session, officer, conference.id, marks, now=now)
        for heading, discussion in (
            (
                "1. Incidents since the last review",
                "The officer summarised the diary sheets: abuse on the landing most evenings "
                "and two threats to damage the victim's door. Police confirmed four calls.",
            ),
            (
                "2. Risk to the victim",
                "The victim's risk assessment is high and rising. Adult safeguarding (by "
                "apology, in writing) asked that contact goes through the victim's carer.",
            ),
            (
                "3. Legal options",
                "A warning letter and an acceptable behaviour contract have not stopped the "
                "behaviour. The conference agreed to seek a civil injunction.",
            ),
        ):
            minutes.save_minute(session, officer, conference.id, heading, discussion, now=now)
        conference_decisions.save_decision(
            session,
            officer,
            conference.id,
            conference_decisions.DecisionInput(
                kind="legal_action",
                decision="Northshire Homes applies for a civil injunction under Part 1 of "
                "the 2014 Act, with a power of arrest for the threats.",
                tool=ActionKind.INJUNCTION.value,
                acting_agency_id=case.agency_id,
                proportionality="Early interventions were tried and failed; an injunction "
                "protects the victim without ending the reported person's tenancy.",
                evidence="Diary sheets, four police logs and the officer's own visit notes.",
                vulnerability="The victim lives alone with a care package after a brain "
                "injury; the reported person has no known support needs.",
            ),
            now=now,
        )
        plan = [
            (
                ActionKind.EARLY_INTERVENTION_OTHER,
                "Neighbourhood patrols on Friday and Saturday evenings for four weeks",
                sergeant.agency_id,
                3,
            ),
            (
                ActionKind.INJUNCTION,
                "Instruct solicitors and apply for the injunction",
                case.agency_id,
                7,
            ),
            (
                ActionKind.SAFEGUARDING_REFERRAL,
                "Review the victim's care package and contact arrangements",
                adults.agency_id,
                30,
            ),
        ]
        for kind, description, agency_id, days in plan:
            conference_actions.add_action(
                session,
                officer,
                conference.id,
                ActionInput(
                    kind=kind,
                    description=description,
                    owner_agency_id=agency_id,
                    due_on=held_on + timedelta(days=days),
                ),
                now=now,
            )
    circulated_on = office.on_or_after(held_on + timedelta(days=2))
    agreed_on = office.on_or_after(held_on + timedelta(days=5))
    if agreed_on >= today:  # a long weekend or Christmas after it: the last working day
        agreed_on = max(office.on_or_before(today - timedelta(days=1)), circulated_on)
    with at(at_hour(circulated_on, 9)) as now:
        minutes.circulate(session, officer, conference.id, now=now)
    with at(at_hour(agreed_on, 16)) as now:
        minutes.agree(session, chair_actor, conference.id, now=now)
        patrols = session.scalars(
            select(Action).where(
                Action.conference_id == conference.id,
                Action.owner_agency_id == sergeant.agency_id,
            )
        ).one()
        closing_actions.close_action(
            session,
            Actor.of(sergeant),
            patrols.id,
            done=True,
            note="Patrols done on eight evenings; no incidents seen while officers were there.",
            now=now,
        )


def _upcoming(session: Session, protocol_id: int, case: Case, today: date) -> None:
    """Convened three days ago, chaired by the police sergeant, who could no longer attend
    it: the next day its officer gave it community safety's conference chair."""
    chair = staff_with(session, "northshire-csp", Role.CONFERENCE_CHAIR)
    # On working days: the chair changed on the last but one before today, convened on
    # the one before that.
    changed_on = office.on_or_before(today - timedelta(days=2))
    convened_on = office.on_or_before(min(today - timedelta(days=3), changed_on - timedelta(1)))
    conference = _convene(
        session,
        protocol_id,
        case,
        convened_at=at_hour(convened_on, 14),
        starts_at=at_hour(weekday(today + timedelta(days=6)), 14),
        agencies=["northshire-police", "northshire-csp", "northshire-eh", "northshire-icb"],
        chair=staff_with(session, "northshire-police", Role.MANAGER),
        attendees=[
            case.officer,
            staff_with(session, "northshire-police", Role.CASE_OFFICER),
            staff_with(session, "northshire-icb", Role.PARTNER_VIEWER),
        ],
        question="Is the partnership's response working, and should the case go to the "
        "ASB problem-solving group?",
        agenda="1. What each agency holds\n2. Risk, and the victim's health and care needs\n"
        "3. Options and action plan",
    )
    with at(at_hour(changed_on, 9)) as now:
        conference_chairs.change_chair(
            session,
            Actor.of(case.officer),
            conference.id,
            chair.id,
            ChairChangeReason.CANNOT_ATTEND.value,
            now=now,
        )
