"""The demo partnership's meeting: the monthly ASB problem-solving group, set up by
community safety and chaired by its conference chair, which sat 26 days ago on one case
(minutes agreed, its action done) and sits next within the month on two cases brought by
Northshire Homes and Larkmoor, its organiser's own two items and the figures pack on its
agenda, and two apologies sent for it (the police sergeant by name, and environmental
health). Each step is taken as in ``sharing.demo.steps``, on working days."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy.orm import Session

from sharing.access.authorise import authorise
from sharing.access.decide import Act, Actor
from sharing.cases import closing_actions
from sharing.cases.actions import ActionInput
from sharing.demo import office
from sharing.demo.steps import PURPOSE, SHARE_DAYS, at, at_hour, staff_with, weekday
from sharing.meetings import (
    agenda_changes,
    bringing_cases,
    conference_actions,
    conference_attendance,
    minutes,
    series,
    sitting_apologies,
    sitting_dates,
)
from sharing.models import Case, Conference
from sharing.vocabulary import ActionKind, Attendance, Role

#: The items the problem-solving group's organiser adds to its next sitting's agenda.
AGENDA_ITEMS = (
    "Hotspot review: Eastgate shopping parade after 8pm",
    "Summer school holidays: youth diversion offer",
)


def problem_solving_group(
    session: Session, protocol_id: int, earlier: Case, to_come: list[Case | None], today: date
) -> None:
    """The monthly problem-solving group: set up 40 days ago, it sat 26 days ago on
    ``earlier`` (minutes agreed, the environmental health action done) and sits next on
    ``to_come``, with the police sergeant (by name) and environmental health sending
    apologies for it."""
    organiser = Actor.of(staff_with(session, "northshire-csp", Role.MANAGER))
    chair = staff_with(session, "northshire-csp", Role.CONFERENCE_CHAIR)
    sergeant = staff_with(session, "northshire-police", Role.MANAGER)
    noise = staff_with(session, "northshire-eh", Role.CASE_OFFICER)
    homes = staff_with(session, "northshire-homes", Role.MANAGER)
    sat_on = weekday(today - timedelta(days=26))
    with at(at_hour(office.on_or_before(today - timedelta(days=40)), 10)) as now:
        group = series.set_up(
            session,
            organiser,
            series.SeriesInput(
                name="Northshire ASB problem-solving group",
                cadence="monthly",
                protocol_id=protocol_id,
                purpose=PURPOSE,
                chair_id=chair.id,
                member_ids=[sergeant.id, noise.id, homes.id],
                first_at=at_hour(sat_on, 10),
                place="Northshire Police Station, briefing room",
            ),
            now=now,
        )
    first = group.sittings[0]
    conference = _bring(
        session,
        earlier,
        first.id,
        at_hour(office.on_or_before(sat_on - timedelta(days=7)), 15),
        "Noise and visitors at all hours: agree a joint plan with environmental health",
    )
    chair_actor = Actor.of(chair)
    with at(at_hour(sat_on, 12)) as now:
        marks = {a.id: conference_attendance.Mark(Attendance.PRESENT) for a in conference.attendees}
        conference_attendance.record_attendance(session, chair_actor, conference.id, marks, now=now)
        minutes.save_minute(
            session,
            chair_actor,
            conference.id,
            "Joint plan",
            "Environmental health to install noise monitoring equipment; the landlord to "
            "visit with the police neighbourhood team.",
            now=now,
        )
        action = conference_actions.add_action(
            session,
            Actor.of(earlier.officer),
            conference.id,
            ActionInput(
                kind=ActionKind.EARLY_INTERVENTION_OTHER,
                description="Install noise monitoring equipment for two weeks",
                owner_agency_id=noise.agency_id,
                due_on=sat_on + timedelta(days=14),
            ),
            now=now,
        )
        minutes.circulate(session, chair_actor, conference.id, now=now)
    with at(at_hour(office.on_or_after(sat_on + timedelta(days=3)), 10)) as now:
        minutes.agree(session, chair_actor, conference.id, now=now)
    with at(at_hour(office.on_or_after(sat_on + timedelta(days=13)), 16)) as now:
        closing_actions.close_action(
            session,
            Actor.of(noise),
            action.id,
            done=True,
            note="Monitoring recorded amplified music after 11pm on five nights.",
            now=now,
        )
    # The latest steps on the last working days before today, in order.
    told_on = office.on_or_before(today - timedelta(days=1))
    brought_on = office.on_or_before(min(today - timedelta(days=2), told_on - timedelta(1)))
    with at(at_hour(office.on_or_before(today - timedelta(days=20)), 9)) as now:
        following = series.schedule(
            session, organiser, group.id, sitting_dates.next_sitting(group, after=now), now=now
        )
    for case in to_come:
        if case is not None:
            _bring(
                session,
                case,
                following.id,
                at_hour(brought_on, 11),
                "Persistent ASB with several agencies involved: agree who leads and a joint plan",
            )
    with at(at_hour(told_on, 10)) as now:
        for item in AGENDA_ITEMS:
            agenda_changes.add_item(session, organiser, group.id, following.id, item, opened=None)
        agenda_changes.attach_figures(
            session, organiser, group.id, following.id, attached=True, opened=None
        )
    # The organiser, told by phone and by e-mail, records the apologies sent for it.
    with at(at_hour(told_on, 15)):
        for agency_id, name in ((sergeant.agency_id, sergeant.display_name), (noise.agency_id, "")):
            sitting_apologies.record(
                session, organiser, group.id, following.id, agency_id, name, opened=None
            )


def _bring(
    session: Session, case: Case, sitting_id: int, moment: datetime, question: str
) -> Conference:
    officer = Actor.of(case.officer)
    with at(moment) as now:
        return bringing_cases.bring_case(
            session,
            authorise(session, officer, case.id, Act.CONVENE),
            sitting_id,
            question,
            share_days=SHARE_DAYS,
            now=now,
        )
