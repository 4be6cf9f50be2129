"""HouseMark's national table of the main action that resolved anti-social behaviour
cases, 2012/13 (quoted in Derby Homes' ASB review, ``../shared/domain/004_*`` §3.8), shown
beside the partnership's own figures."""

from __future__ import annotations

from sharing.vocabulary import Intervention

SOURCE = (
    "National share: HouseMark benchmarking 2012/13, the main action responsible for "
    "resolving ASB, 17,192 cases across the country; each share as HouseMark published "
    "them."
)

#: Each main intervention's share of the cases resolved nationally, 2012/13, exactly as
#: HouseMark published it ("Proportion of total (%)"). Three differ by a tenth from the
#: share its numbers of cases would give (warning letter 21.2, referral to another agency
#: 4.4, other legal action 1.4): a coordinator compares the hub's table with the published
#: one, so it quotes the published figure rather than working out another.
SHARES: dict[Intervention, str] = {
    Intervention.PERPETRATOR_VISIT: "29.3",
    Intervention.WARNING_LETTER: "21",
    Intervention.EARLY_INTERVENTION_HOUSING: "19.8",
    Intervention.EARLY_INTERVENTION_OTHER: "10.2",
    Intervention.REFERRAL_OTHER_AGENCY: "4.5",
    Intervention.REFERRAL_POLICE: "4.0",
    Intervention.NOTICE_SEEKING_POSSESSION: "2.7",
    Intervention.FAMILY_INTERVENTION: "2.2",
    Intervention.MEDIATION: "2.0",
    Intervention.MANAGEMENT_TRANSFER: "1.3",
    Intervention.OTHER_LEGAL: "1.3",
    Intervention.EVICTION: "0.9",
    Intervention.SURRENDER: "0.7",
}


def share_text(intervention: Intervention) -> str:
    """The national share of cases the intervention resolved, as published: ``29.3%``."""
    return f"{SHARES[intervention]}%"
