"""The demo's year of Community Trigger applications as planned: what its applicants
describe (``PROBLEMS``), each application's ``Slot`` (when it came, what the lead decided,
and how far its review went) in ``YEAR``, and the working days they are counted in
(``working_days_before``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sharing.trigger import input_checks
from sharing.trigger.workdays import england_and_wales

PROBLEMS = (
    "Loud parties and shouting most nights, and I have been threatened on the stairs. I "
    "have reported it to my landlord and the police and nothing changes.",
    "Youths gathering outside my shop every evening, damaging the shutters and swearing at "
    "customers.",
    "The people next door play music through the night and bang on the wall when I ask "
    "them to stop.",
    "My elderly mother is being targeted by people who come to her door at night; she is "
    "frightened to go out.",
    "Motorbikes ridden round the estate late at night, and the riders threaten anyone who "
    "complains.",
    "Rubbish dumped in our garden and eggs thrown at the windows by the family opposite.",
    "Drug dealing from the flat below: people coming and going all night, and needles on "
    "the stairs.",
    "People knock on my door at night asking for my neighbour; I am frightened to answer.",
)


@dataclass(frozen=True)
class Slot:
    """One application of the demo's year: when it came, what the lead decided, and how
    far its review went."""

    working_days_ago: int
    decision: str | None
    problem: str
    #: Recommendations of the panel: (owner agency code, days after the panel, text).
    recommendations: tuple[tuple[str, int, str], ...] = ()
    reviewed: bool = False
    appealed: bool = False
    #: Lock one case holding a counted complaint before the application is made.
    lock_one: bool = False
    #: Put before the panel's next sitting, not yet sat.
    before_the_panel: bool = False
    #: How it came (``TriggerChannel``): by phone, or on the public form.
    channel: str = "phone"
    #: Whom the applicant says they reported it to ("Who have you reported it to?"):
    #: (an agency's code, or ``input_checks.SOMEONE_ELSE`` and who, months before it came).
    reported_to: tuple[tuple[str, str, int | None], ...] = ()
    #: The lead corrects whom it was reported to, the working day after it came, adding
    #: the agency holding the applicant's latest complaint that they did not name.
    corrected: bool = False
    #: "Not met", appealed four working days after, and the appeal upheld eight working
    #: days later: the threshold is to be decided again (``sharing.trigger.decided_again``).
    sent_back: bool = False


PATROLS = (
    "northshire-police",
    30,
    "Neighbourhood patrols of the block on Friday and Saturday evenings",
)


VISIT = ("northshire-homes", 20, "Visit the household with the police and consider an injunction")


YEAR = (
    Slot(200, "met", PROBLEMS[4], (PATROLS, VISIT), reviewed=True),
    Slot(170, "not_met", PROBLEMS[5]),
    Slot(140, "met", PROBLEMS[6], reviewed=True, lock_one=True),
    Slot(
        110,
        "discretion",
        PROBLEMS[3],
        (("northshire-csp", 25, "Arrange a support worker and a weekly call"),),
        reviewed=True,
    ),
    Slot(40, "met", PROBLEMS[0], (PATROLS, VISIT), reviewed=True, appealed=True),
    Slot(25, "not_met", PROBLEMS[1], sent_back=True),
    Slot(12, "discretion", PROBLEMS[7], before_the_panel=True),
    Slot(
        3,
        None,
        PROBLEMS[2],
        channel="online",
        reported_to=(
            ("northshire-police", "", 2),
            ("northshire-csp", "", 1),
            (input_checks.SOMEONE_ELSE, "My ward councillor", None),
        ),
        corrected=True,
    ),
)


def working_days_before(day: date, count: int) -> date:
    """The working day ``count`` working days before ``day``."""
    calendar = england_and_wales()
    found = day
    while calendar.between(found, day) < count or not calendar.is_working_day(found):
        found = date.fromordinal(found.toordinal() - 1)
    return found
