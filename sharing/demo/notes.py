"""What officers note about people, actions, closures and lock requests."""

from __future__ import annotations

from sharing.vocabulary import ActionKind, AgencyType, ClosureReason, LockReason

A = ActionKind

SUPPORT_NEEDS: tuple[str, ...] = (
    "Lives alone; mobility impairment, uses a wheelchair.",
    "Anxiety and depression; GP is aware of the ASB.",
    "Hearing impairment: contact by text message or e-mail, not by phone.",
    "Learning disability; support worker attends visits.",
    "Recently bereaved and socially isolated.",
    "Older person with early-stage dementia; daughter is the main contact.",
    "Long-term health condition made worse by lack of sleep.",
    "Care leaver; tenancy sustainment worker involved.",
)
#: The ages (from, to) a support need in ``SUPPORT_NEEDS`` fits, where not every age does:
#: care leavers are supported to 25, and dementia is noted of older people.
SUPPORT_NEED_AGES: dict[str, tuple[int, int]] = {
    "Older person with early-stage dementia; daughter is the main contact.": (65, 120),
    "Care leaver; tenancy sustainment worker involved.": (18, 25),
}


def support_need_for(need: str, age: int) -> str:
    """``need`` (one of ``SUPPORT_NEEDS``, or "") when it fits someone of ``age``; else the
    next in the list that does, so a draw is kept and only the need moves."""
    if not need:
        return need
    start = SUPPORT_NEEDS.index(need)
    for n in range(len(SUPPORT_NEEDS)):
        candidate = SUPPORT_NEEDS[(start + n) % len(SUPPORT_NEEDS)]
        youngest, oldest = SUPPORT_NEED_AGES.get(candidate, (0, 120))
        if youngest <= age <= oldest:
            return candidate
    return need


CONTACT_PREFERENCES: tuple[str, ...] = (
    "Text message before calling.",
    "Do not call before 10am.",
    "Prefers e-mail.",
    "Needs an interpreter (Polish).",
    "Needs an interpreter (Urdu).",
    "Contact through their support worker.",
    "Do not visit: the reported person can see the front door.",
)

#: Contact notes of someone who reports for a vulnerable victim.
REPORTER_ON_BEHALF: tuple[str, ...] = (
    "Family member reporting for the victim; happy to be called on their mobile.",
    "Support worker reporting for the victim; office hours only.",
    "Friend of the victim; prefers e-mail.",
)

ACTION_DESCRIPTIONS: dict[ActionKind, str] = {
    A.PERPETRATOR_VISIT: "Visit the reported person to discuss the allegations and expectations.",
    A.WARNING_LETTER: "Send a warning letter setting out the tenancy conditions breached.",
    A.EARLY_INTERVENTION_HOUSING: "Joint estate walkabout and tenancy check with the resident.",
    A.EARLY_INTERVENTION_OTHER: "Community protection warning issued; monitor for breaches.",
    A.REFERRAL_OTHER_AGENCY: "Refer to the partner agency for assessment and support.",
    A.REFERRAL_POLICE: "Refer the incidents to the neighbourhood policing team.",
    A.MEDIATION: "Offer mediation to both households through the mediation service.",
    A.GOOD_NEIGHBOUR_AGREEMENT: "Agree and sign a good neighbour agreement with both parties.",
    A.ABC: "Draw up an acceptable behaviour contract and review it monthly.",
    A.FAMILY_INTERVENTION: "Refer the household to the family intervention project.",
    A.SUPPORT_REFERRAL: "Refer the tenant for tenancy sustainment support.",
    A.SAFEGUARDING_REFERRAL: "Make a safeguarding referral for the vulnerable adult.",
    A.VICTIM_SUPPORT: "Fit a video doorbell and extra locks; refer to victim support.",
    A.COMMUNITY_PROTECTION_NOTICE: "Serve a community protection notice.",
    A.NOTICE_SEEKING_POSSESSION: "Serve notice seeking possession on ground 14.",
    A.INJUNCTION: "Apply to the county court for a civil injunction.",
    A.CLOSURE_ORDER: "Apply for a closure order on the premises.",
    A.MANAGEMENT_TRANSFER: "Arrange a management transfer for the victim.",
    A.OTHER_LEGAL: "Seek legal advice on further enforcement.",
    A.EVICTION: "Proceed to possession hearing and eviction.",
    A.SURRENDER: "Accept surrender of the tenancy.",
    A.OTHER: "Install noise monitoring equipment for two weeks.",
    A.NOISE_MONITORING: "Install noise monitoring equipment for two weeks.",
    A.COMMUNITY_PROTECTION_WARNING: "Community protection warning issued; monitor for breaches.",
    A.ABATEMENT_NOTICE: "Serve an abatement notice on the occupier; monitor for breaches.",
}
#: What an agency other than a landlord writes instead, where a landlord's words speak of
#: a tenancy or its housing team.
NOT_A_LANDLORDS_ACTIONS: dict[ActionKind, str] = {
    A.WARNING_LETTER: "Send a warning letter setting out what must stop, and what we will do "
    "if it does not.",
}


def action_description(kind: ActionKind, agency_type: AgencyType) -> str:
    """What an officer of an agency of ``agency_type`` writes an action of ``kind`` is for."""
    if agency_type is not AgencyType.LANDLORD and kind in NOT_A_LANDLORDS_ACTIONS:
        return NOT_A_LANDLORDS_ACTIONS[kind]
    return ACTION_DESCRIPTIONS[kind]


CLOSURE_NOTES: dict[ClosureReason, str] = {
    ClosureReason.RESOLVED: "No further reports after the interventions; reporter agrees to close.",
    ClosureReason.IMPROVED: "Behaviour much improved; the housing team will keep an eye on it.",
    ClosureReason.INTERVENTIONS_SUCCESSFUL: "Acceptable behaviour contract kept for 3 months.",
    ClosureReason.NO_CONTACT: "Three attempts to contact the reporter with no reply.",
    ClosureReason.NO_REPORTS_28_DAYS: "No reports for 28 days; closure letter sent.",
    ClosureReason.MEDIATION_DECLINED: "Reporter declined the recommended mediation.",
    ClosureReason.NO_BREACH: "Noise monitoring found no breach of tenancy.",
    ClosureReason.EVIDENCE_INSUFFICIENT: "Witnesses did not support the allegations.",
    ClosureReason.NOT_ENGAGING: "Reporter has not returned diary sheets or answered visits.",
}

#: What an agency other than a landlord notes instead, by its type ("others": any but a
#: landlord): environmental health finds no statutory nuisance, where a landlord finds no
#: breach of tenancy.
NOT_A_LANDLORDS_CLOSURE_NOTES: dict[ClosureReason, dict[str, str]] = {
    ClosureReason.IMPROVED: {"others": "Behaviour much improved; we will keep an eye on it."},
    ClosureReason.NO_BREACH: {
        "environmental_health": "Noise monitoring found no statutory nuisance.",
        "others": "The evidence did not show a breach of the law or of an order.",
    },
}


def closure_note(reason: ClosureReason, agency_type: AgencyType) -> str:
    """What an officer of an agency of ``agency_type`` notes closing a case for ``reason``."""
    words = NOT_A_LANDLORDS_CLOSURE_NOTES.get(reason, {})
    if agency_type is AgencyType.LANDLORD or not words:
        return CLOSURE_NOTES[reason]
    return words.get(agency_type.value) or words["others"]


LOCK_NOTES: dict[LockReason, str] = {
    LockReason.EMPLOYEE_REPORTED: (
        "The reported person works for us in the repairs team. Please restrict the case to "
        "me and my manager."
    ),
    LockReason.EMPLOYEE_REPORTER: (
        "The reporter is a member of our staff and knows the reported person personally."
    ),
    LockReason.SENSITIVE: (
        "The victim has fled domestic abuse and the perpetrator is trying to find them. "
        "Their address must not be seen outside the case team."
    ),
}
