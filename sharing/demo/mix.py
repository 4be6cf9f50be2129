"""How often things happen: the weights the demo draws its cases from.

Action weights follow the national benchmark of the main action that resolved ASB
(HouseMark 2012/13, quoted in ``domain/``): perpetrator visits and warning letters first.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import TypeVar

from sharing.vocabulary import (
    ActionKind,
    AgencyType,
    CaseCategory,
    ClosureReason,
    Priority,
    Triage,
)

C = CaseCategory
A = ActionKind

T = TypeVar("T")

CATEGORY_MIX: dict[AgencyType, tuple[tuple[CaseCategory, float], ...]] = {
    AgencyType.LANDLORD: (
        (C.NOISE, 24),
        (C.VERBAL_ABUSE, 18),
        (C.NEIGHBOUR_DISPUTE, 12),
        (C.DRUGS, 10),
        (C.COMMUNAL_AREAS, 8),
        (C.DAMAGE, 6),
        (C.LITTER, 5),
        (C.ANIMALS, 5),
        (C.ALCOHOL, 3),
        (C.VEHICLES, 3),
        (C.PHYSICAL_VIOLENCE, 3),
        (C.CRIMINAL, 2),
        (C.OTHER, 1),
    ),
    AgencyType.POLICE: (
        (C.VERBAL_ABUSE, 24),
        (C.DRUGS, 20),
        (C.PHYSICAL_VIOLENCE, 12),
        (C.CRIMINAL, 12),
        (C.ALCOHOL, 10),
        (C.DAMAGE, 10),
        (C.VEHICLES, 9),
        (C.OTHER, 3),
    ),
    AgencyType.ENVIRONMENTAL_HEALTH: (
        (C.NOISE, 56),
        (C.LITTER, 18),
        (C.ANIMALS, 10),
        (C.SMOKE_ODOUR, 12),
        (C.OTHER, 4),
    ),
    AgencyType.COMMUNITY_SAFETY: (
        (C.VERBAL_ABUSE, 20),
        (C.VEHICLES, 15),
        (C.DAMAGE, 15),
        (C.NEIGHBOUR_DISPUTE, 15),
        (C.LITTER, 10),
        (C.ALCOHOL, 10),
        (C.DRUGS, 10),
        (C.OTHER, 5),
    ),
}

#: Categories a hate incident may be recorded under.
HATE_CATEGORIES = (C.VERBAL_ABUSE, C.DAMAGE, C.PHYSICAL_VIOLENCE)
#: Share of cases that are hate motivated (a few percent, as in landlords' returns).
HATE_SHARE = 0.04
#: Categories where the behaviour is usually a crime.
CRIME_CATEGORIES = (C.PHYSICAL_VIOLENCE, C.CRIMINAL, C.DRUGS, C.DAMAGE)
#: Categories that are red priority more often than not.
SERIOUS_CATEGORIES = (C.PHYSICAL_VIOLENCE, C.CRIMINAL)
#: Categories where there is often nobody to name as the reported person.
FACELESS_CATEGORIES = (C.LITTER, C.VEHICLES, C.COMMUNAL_AREAS)
#: Categories often reported at a public place rather than a home.
PUBLIC_PLACE_CATEGORIES = (C.LITTER, C.VEHICLES)

PRIORITY_MIX: tuple[tuple[Priority, float], ...] = (
    (Priority.RED_URGENT, 7),
    (Priority.RED_HIGH, 21),
    (Priority.AMBER, 72),
)
SERIOUS_PRIORITY_MIX: tuple[tuple[Priority, float], ...] = (
    (Priority.RED_URGENT, 30),
    (Priority.RED_HIGH, 50),
    (Priority.AMBER, 20),
)
TRIAGE_BY_PRIORITY: dict[Priority, tuple[tuple[Triage, float], ...]] = {
    Priority.RED_URGENT: ((Triage.SERIOUS, 1),),
    Priority.RED_HIGH: ((Triage.SERIOUS, 85), (Triage.LOW_LEVEL, 15)),
    Priority.AMBER: ((Triage.LOW_LEVEL, 75), (Triage.ADVICE_ONLY, 25)),
}

ACTION_MIX: tuple[tuple[ActionKind, float], ...] = (
    (A.PERPETRATOR_VISIT, 29.3),
    (A.WARNING_LETTER, 21),
    (A.EARLY_INTERVENTION_HOUSING, 19.8),
    (A.EARLY_INTERVENTION_OTHER, 10.2),
    (A.REFERRAL_OTHER_AGENCY, 4.5),
    (A.REFERRAL_POLICE, 4.0),
    (A.NOTICE_SEEKING_POSSESSION, 2.7),
    (A.FAMILY_INTERVENTION, 2.2),
    (A.MEDIATION, 2.0),
    (A.MANAGEMENT_TRANSFER, 1.3),
    (A.OTHER_LEGAL, 1.3),
    (A.EVICTION, 0.9),
    (A.SURRENDER, 0.7),
    (A.ABC, 3.0),
    (A.GOOD_NEIGHBOUR_AGREEMENT, 1.5),
    (A.SUPPORT_REFERRAL, 2.5),
    (A.SAFEGUARDING_REFERRAL, 2.0),
    (A.VICTIM_SUPPORT, 2.5),
    (A.COMMUNITY_PROTECTION_NOTICE, 1.5),
    (A.INJUNCTION, 1.0),
    (A.CLOSURE_ORDER, 0.3),
    (A.OTHER, 1.0),
)
#: Actions only a landlord takes (they act on a tenancy).
LANDLORD_ONLY = (
    A.EARLY_INTERVENTION_HOUSING,
    A.NOTICE_SEEKING_POSSESSION,
    A.MANAGEMENT_TRANSFER,
    A.EVICTION,
    A.SURRENDER,
    A.SUPPORT_REFERRAL,
    A.GOOD_NEIGHBOUR_AGREEMENT,
)
#: Actions the police do not refer to themselves.
NOT_POLICE = (A.REFERRAL_POLICE, A.FAMILY_INTERVENTION)

R = ClosureReason
CLOSURE_MIX: tuple[tuple[ClosureReason, float], ...] = (
    (R.RESOLVED, 30),
    (R.IMPROVED, 14),
    (R.INTERVENTIONS_SUCCESSFUL, 16),
    (R.NO_CONTACT, 8),
    (R.NO_REPORTS_28_DAYS, 14),
    (R.MEDIATION_DECLINED, 4),
    (R.NO_BREACH, 5),
    (R.EVIDENCE_INSUFFICIENT, 5),
    (R.NOT_ENGAGING, 4),
)

INCIDENT_COUNT_MIX: tuple[tuple[int, float], ...] = (
    (1, 20),
    (2, 22),
    (3, 18),
    (4, 14),
    (5, 10),
    (6, 7),
    (7, 5),
    (8, 4),
)
ACTION_COUNT_MIX: tuple[tuple[int, float], ...] = ((0, 15), (1, 30), (2, 28), (3, 17), (4, 10))


def pick(rng: random.Random, mix: Sequence[tuple[T, float]]) -> T:
    """One value of ``mix`` drawn by weight."""
    values = [value for value, _ in mix]
    weights = [weight for _, weight in mix]
    return rng.choices(values, weights)[0]


#: Environmental health's own words for actions of the mix: its noise monitoring (the
#: others' "other action"), its community protection warnings and its abatement notices,
#: each counted in the same benchmark category as the kind drawn.
ENVIRONMENTAL_HEALTHS = {
    A.OTHER: A.NOISE_MONITORING,
    A.EARLY_INTERVENTION_OTHER: A.COMMUNITY_PROTECTION_WARNING,
    A.OTHER_LEGAL: A.ABATEMENT_NOTICE,
}


def recorded_by(kind: ActionKind, agency_type: AgencyType) -> ActionKind:
    """The kind of action ``kind`` (drawn from the mix) that an agency of ``agency_type``
    records it as."""
    if agency_type is AgencyType.ENVIRONMENTAL_HEALTH:
        return ENVIRONMENTAL_HEALTHS.get(kind, kind)
    return kind


def actions_for(agency_type: AgencyType) -> tuple[tuple[ActionKind, float], ...]:
    """The action mix an agency of ``agency_type`` draws from."""
    excluded: tuple[ActionKind, ...] = ()
    if agency_type is not AgencyType.LANDLORD:
        excluded += LANDLORD_ONLY
    if agency_type is AgencyType.POLICE:
        excluded += NOT_POLICE
    return tuple((kind, weight) for kind, weight in ACTION_MIX if kind not in excluded)
