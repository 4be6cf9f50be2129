"""HouseMark's national table of the main action that resolved anti-social behaviour
cases, 2012/13 (quoted in Derby Homes' ASB review, ``../shared/domain/004_*`` §3.8), shown
beside the partnership's own figures."""

from __future__ import annotations

from sharing.vocabulary import Intervention

SOURCE = (
    "National share: HouseMark benchmarking 2012/13, the main action responsible for "
    "resolving ASB, 17,192 cases across the country."
)

#: Cases nationally resolved by each main intervention, 2012/13.
CASES: dict[Intervention, int] = {
    Intervention.PERPETRATOR_VISIT: 5_033,
    Intervention.WARNING_LETTER: 3_640,
    Intervention.EARLY_INTERVENTION_HOUSING: 3_405,
    Intervention.EARLY_INTERVENTION_OTHER: 1_751,
    Intervention.REFERRAL_OTHER_AGENCY: 755,
    Intervention.REFERRAL_POLICE: 689,
    Intervention.NOTICE_SEEKING_POSSESSION: 462,
    Intervention.FAMILY_INTERVENTION: 370,
    Intervention.MEDIATION: 347,
    Intervention.MANAGEMENT_TRANSFER: 229,
    Intervention.OTHER_LEGAL: 237,
    Intervention.EVICTION: 148,
    Intervention.SURRENDER: 126,
}
TOTAL = sum(CASES.values())


def share_text(intervention: Intervention) -> str:
    """The national share of cases the intervention resolved, like ``29.4%``."""
    return f"{100 * CASES[intervention] / TOTAL:.1f}%"
