"""The users' words: the fixed lists the hub records against, each with its label.

Values are stored in the database; labels are what people read. Changing a value needs a
migration; changing a label does not.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Self

#: The data categories a case summary is divided into (DESIGN.md §3, "Case summary"):
#: what protocols grant and access decisions allow, category by category.
CATEGORIES: tuple[str, ...] = (
    "identity",
    "contact",
    "location",
    "narrative",
    "risk",
    "vulnerability",
    "offending",
    "actions",
    "outcome",
)


class Labelled(StrEnum):
    """A string enum whose members carry a human label."""

    label: str

    def __new__(cls, value: str, label: str) -> Labelled:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @property
    def in_sentence(self) -> str:
        """The label as it reads after other words: its first letter lower-cased ("A hate
        incident was recorded" -> "a hate incident was recorded")."""
        return self.label[:1].lower() + self.label[1:]

    @classmethod
    def of(cls, value: str) -> Self | None:
        """The member whose value is ``value``; None when there is none."""
        return next((m for m in cls if m.value == value), None)

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        """(value, label) pairs in declaration order, for forms and filters."""
        return [(m.value, m.label) for m in cls]


class AgencyType(Labelled):
    LANDLORD = "landlord", "Social landlord"
    POLICE = "police", "Police"
    ENVIRONMENTAL_HEALTH = "environmental_health", "Environmental health"
    COMMUNITY_SAFETY = "community_safety", "Council community safety"
    ADULT_SAFEGUARDING = "adult_safeguarding", "Adult safeguarding"
    CHILDRENS_SAFEGUARDING = "childrens_safeguarding", "Children's safeguarding"
    HEALTH = "health", "Health"
    OTHER = "other", "Other"


class Role(Labelled):
    CASE_OFFICER = "case_officer", "Case officer"
    MANAGER = "manager", "Manager"
    PARTNER_VIEWER = "partner_viewer", "Partner viewer"
    CONFERENCE_CHAIR = "conference_chair", "Conference chair or coordinator"
    TRIGGER_LEAD = "trigger_lead", "Community Trigger lead"
    ANALYST = "analyst", "Analyst"
    DPO = "dpo", "Data protection officer"
    ADMINISTRATOR = "administrator", "Administrator"


class SessionEnd(Labelled):
    """Why a signed-in session ended; the page the user lands on says so."""

    SIGNED_OUT = "signed_out", "You have signed out."
    IDLE = "idle", "You were signed out because you had not used the hub for a while."
    SIGNED_OUT_EVERYWHERE = (
        "signed_out_everywhere",
        "You were signed out because you chose to sign out everywhere.",
    )
    ENDED_BY_MANAGER = (
        "ended_by_manager",
        "You were signed out by your agency's manager or administrator.",
    )
    PASSWORD_RESET = "password_reset", "You were signed out because your password was reset."
    SECOND_FACTOR_RESET = (
        "second_factor_reset",
        "You were signed out because your authenticator app was reset.",
    )
    ACCOUNT_DISABLED = "account_disabled", "You were signed out because your account was disabled."


#: Roles that must use a second factor at every sign-in.
ROLES_REQUIRING_SECOND_FACTOR = frozenset({Role.MANAGER, Role.DPO, Role.ADMINISTRATOR})


class PartyRole(Labelled):
    VICTIM = "victim", "Victim"
    REPORTER = "reporter", "Reporter"
    WITNESS = "witness", "Witness"
    REPORTED = "reported", "Reported person"
    HOUSEHOLD = "household", "Member of a household involved"
    GROUP = "group", "Business or community group making the complaint"


class CaseCategory(Labelled):
    NOISE = "noise", "Noise"
    SMOKE_ODOUR = "smoke_odour", "Smoke, fumes, odours and bonfires"
    VERBAL_ABUSE = "verbal_abuse", "Verbal abuse, harassment or intimidation"
    PHYSICAL_VIOLENCE = "physical_violence", "Physical violence"
    DRUGS = "drugs", "Drugs or substance misuse"
    ALCOHOL = "alcohol", "Alcohol related"
    DAMAGE = "damage", "Vandalism and damage to property"
    LITTER = "litter", "Litter, rubbish and fly-tipping"
    VEHICLES = "vehicles", "Vehicle nuisance"
    ANIMALS = "animals", "Pets and animal nuisance"
    COMMUNAL_AREAS = "communal_areas", "Misuse of communal areas"
    NEIGHBOUR_DISPUTE = "neighbour_dispute", "Neighbour dispute"
    CRIMINAL = "criminal", "Criminal behaviour"
    OTHER = "other", "Other"


class Priority(Labelled):
    """Harm-centred priority (ASB & hate incident procedure, 3.5)."""

    RED_URGENT = "red_urgent", "Red: urgent"
    RED_HIGH = "red_high", "Red: high risk"
    AMBER = "amber", "Amber"


class Triage(Labelled):
    """How a report is categorised on receipt (ASB procedure, 3.0)."""

    ADVICE_ONLY = "advice_only", "Advice only"
    LOW_LEVEL = "low_level", "Low level or low risk"
    SERIOUS = "serious", "Serious or high risk"


class ProtectedCharacteristic(Labelled):
    """The nine protected characteristics of the Equality Act 2010."""

    AGE = "age", "Age"
    DISABILITY = "disability", "Disability"
    GENDER_REASSIGNMENT = "gender_reassignment", "Gender reassignment"
    MARRIAGE = "marriage", "Marriage and civil partnership"
    PREGNANCY = "pregnancy", "Pregnancy and maternity"
    RACE = "race", "Race"
    RELIGION = "religion", "Religion or belief"
    SEX = "sex", "Sex"
    SEXUAL_ORIENTATION = "sexual_orientation", "Sexual orientation"


class CaseStatus(Labelled):
    ACTIVE = "active", "Active"
    INACTIVE = "inactive", "Inactive"
    CLOSED = "closed", "Closed"


class ClosureReason(Labelled):
    """Why a case is closed (ASB & hate incident procedure, 3.13 and 3.6)."""

    RESOLVED = "resolved", "The ASB has been resolved"
    IMPROVED = "improved", "Significant improvement; monitored by the housing team"
    INTERVENTIONS_SUCCESSFUL = (
        "interventions_successful",
        "Interventions have been successful in improving the behaviour",
    )
    NO_CONTACT = "no_contact", "The reporter has made no further contact"
    NO_REPORTS_28_DAYS = "no_reports_28_days", "There have been no reports of ASB for 28 days"
    MEDIATION_DECLINED = (
        "mediation_declined",
        "The reporter is unwilling to consider mediation where it is recommended",
    )
    NO_BREACH = "no_breach", "Unable to determine a breach of tenancy by the person reported"
    EVIDENCE_INSUFFICIENT = (
        "evidence_insufficient",
        "Evidence (witnesses, interviews) does not support the claims made",
    )
    NOT_ENGAGING = "not_engaging", "The reporter has not engaged with the investigation"

    def said_by(self, agency_type: AgencyType) -> str:
        """The reason as an agency of ``agency_type`` says it: the landlord procedure's
        own words, which speak of a tenancy and a housing team, only for a landlord
        (environmental health closes a case where it found no statutory nuisance)."""
        if agency_type is AgencyType.LANDLORD:
            return self.label
        words = _NOT_A_LANDLORDS_REASONS.get(self.value, {})
        return words.get(agency_type.value) or words.get("others") or self.label


#: The reasons whose landlord words a case of another agency says otherwise, by the type
#: of agency ("others": any but a landlord).
_NOT_A_LANDLORDS_REASONS = {
    "improved": {"others": "Significant improvement; we will keep monitoring it"},
    "no_breach": {
        "environmental_health": "No statutory nuisance found",
        "others": "Unable to determine a breach of the law or of an order by the person reported",
    },
}


class ClosureOutcome(Labelled):
    """Whether a closed case's anti-social behaviour was resolved (HouseMark's measure)."""

    RESOLVED = "resolved", "Resolved: the anti-social behaviour has stopped"
    NOT_RESOLVED = "not_resolved", "Not resolved"


class Intervention(Labelled):
    """The main action that resolved a case, in HouseMark's benchmarking list (the
    national table of 2012/13 is ``sharing.figures.housemark``)."""

    PERPETRATOR_VISIT = "perpetrator_visit", "Perpetrator visit or interview"
    WARNING_LETTER = "warning_letter", "Warning letter"
    EARLY_INTERVENTION_HOUSING = (
        "early_intervention_housing",
        "Other early intervention by housing management staff",
    )
    EARLY_INTERVENTION_OTHER = (
        "early_intervention_other",
        "Other early intervention, enforcement, or perpetrator supportive action or referral",
    )
    REFERRAL_OTHER_AGENCY = (
        "referral_other_agency",
        "Early intervention by referral to an agency other than the police",
    )
    REFERRAL_POLICE = "referral_police", "Referral to police"
    NOTICE_SEEKING_POSSESSION = "notice_seeking_possession", "Notice seeking possession"
    FAMILY_INTERVENTION = (
        "family_intervention",
        "Referral to or provision of a family intervention project",
    )
    MEDIATION = "mediation", "Mediation"
    MANAGEMENT_TRANSFER = (
        "management_transfer",
        "Management transfer of the complainant or the perpetrator",
    )
    OTHER_LEGAL = "other_legal", "Other legal action"
    EVICTION = "eviction", "Eviction"
    SURRENDER = "surrender", "Surrender of property by a complainant"

    @classmethod
    def open_to(cls, agency_type: AgencyType) -> list[Intervention]:
        """The actions an agency of ``agency_type`` can have resolved a case by: a
        landlord's own (possession, eviction, a management transfer, its housing staff's
        early intervention, a surrender of a tenancy) only for a landlord."""
        return [m for m in cls if agency_type is AgencyType.LANDLORD or m not in _LANDLORDS_ONLY]

    @classmethod
    def of_action(cls, kind: ActionKind) -> Intervention | None:
        """The benchmark category an action of ``kind`` falls in (None for a follow-up of
        dissatisfaction, which resolves nothing)."""
        return _INTERVENTION_OF.get(kind.value)


#: The interventions only a landlord makes: its tenancies and its housing staff.
_LANDLORDS_ONLY = frozenset(
    {
        Intervention.EARLY_INTERVENTION_HOUSING,
        Intervention.NOTICE_SEEKING_POSSESSION,
        Intervention.MANAGEMENT_TRANSFER,
        Intervention.EVICTION,
        Intervention.SURRENDER,
    }
)

#: Action kind → benchmark category, where the names differ (the rest are the same).
_INTERVENTION_KINDS = {
    "good_neighbour_agreement": "early_intervention_housing",
    "abc": "early_intervention_other",
    "support_referral": "referral_other_agency",
    "safeguarding_referral": "referral_other_agency",
    "victim_support": "early_intervention_other",
    "noise_monitoring": "early_intervention_other",
    "community_protection_warning": "early_intervention_other",
    "community_protection_notice": "other_legal",
    "abatement_notice": "other_legal",
    "injunction": "other_legal",
    "closure_order": "other_legal",
    "other": "early_intervention_other",
}


class SurveyChannel(Labelled):
    """How the complainant was offered the satisfaction survey at closure."""

    IN_PERSON = "in_person", "In person: answers recorded now"
    PHONE = "phone", "By phone: answers recorded now"
    LINK = "link", "Given a link to answer online themselves"
    DECLINED = "declined", "Offered, and they declined"
    UNREACHABLE = "unreachable", "Could not be reached to offer it"

    @property
    def answered(self) -> bool:
        return self in (SurveyChannel.IN_PERSON, SurveyChannel.PHONE)


class Satisfaction(Labelled):
    """An answer on the closure survey's five-point scale."""

    VERY_SATISFIED = "very_satisfied", "Very satisfied"
    FAIRLY_SATISFIED = "fairly_satisfied", "Fairly satisfied"
    NEITHER = "neither", "Neither satisfied nor dissatisfied"
    FAIRLY_DISSATISFIED = "fairly_dissatisfied", "Fairly dissatisfied"
    VERY_DISSATISFIED = "very_dissatisfied", "Very dissatisfied"

    @property
    def satisfied(self) -> bool:
        return self in (Satisfaction.VERY_SATISFIED, Satisfaction.FAIRLY_SATISFIED)

    @property
    def dissatisfied(self) -> bool:
        return self in (Satisfaction.FAIRLY_DISSATISFIED, Satisfaction.VERY_DISSATISFIED)


class ActionKind(Labelled):
    """Actions and interventions: the national benchmark list (HouseMark 2012/13), the
    tools of the ASB, Crime and Policing Act 2014, and environmental health's own for a
    statutory nuisance (Environmental Protection Act 1990 Part III)."""

    PERPETRATOR_VISIT = "perpetrator_visit", "Perpetrator visit or interview"
    WARNING_LETTER = "warning_letter", "Warning letter"
    EARLY_INTERVENTION_HOUSING = (
        "early_intervention_housing",
        "Other early intervention by housing management staff",
    )
    EARLY_INTERVENTION_OTHER = (
        "early_intervention_other",
        "Other early intervention, enforcement or supportive action",
    )
    REFERRAL_OTHER_AGENCY = "referral_other_agency", "Referral to an agency other than the police"
    REFERRAL_POLICE = "referral_police", "Referral to police"
    MEDIATION = "mediation", "Mediation"
    GOOD_NEIGHBOUR_AGREEMENT = "good_neighbour_agreement", "Good neighbour agreement"
    ABC = "abc", "Acceptable behaviour contract (ABC)"
    FAMILY_INTERVENTION = "family_intervention", "Family intervention project"
    SUPPORT_REFERRAL = "support_referral", "Referral for support (tenancy sustainment)"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "Safeguarding referral"
    VICTIM_SUPPORT = "victim_support", "Victim support or target hardening"
    NOISE_MONITORING = (
        "noise_monitoring",
        "Noise monitoring: equipment installed or an out-of-hours visit",
    )
    COMMUNITY_PROTECTION_WARNING = "community_protection_warning", "Community protection warning"
    COMMUNITY_PROTECTION_NOTICE = "community_protection_notice", "Community protection notice"
    ABATEMENT_NOTICE = "abatement_notice", "Abatement notice (statutory nuisance)"
    NOTICE_SEEKING_POSSESSION = "notice_seeking_possession", "Notice seeking possession"
    INJUNCTION = "injunction", "Civil injunction"
    CLOSURE_ORDER = "closure_order", "Closure order"
    MANAGEMENT_TRANSFER = "management_transfer", "Management transfer"
    OTHER_LEGAL = "other_legal", "Other legal action"
    EVICTION = "eviction", "Eviction"
    SURRENDER = "surrender", "Surrender of property"
    DISSATISFACTION_FOLLOW_UP = (
        "dissatisfaction_follow_up",
        "Follow-up of a complainant dissatisfied with how the case was handled",
    )
    OTHER = "other", "Other action"

    @property
    def landlords_only(self) -> bool:
        """Whether only a landlord takes this action: it acts on a tenancy, or is its
        housing staff's own (another agency records it as the landlord's)."""
        return self.value in _LANDLORDS_ACTIONS


#: The actions only a landlord takes, by value.
_LANDLORDS_ACTIONS = frozenset(
    {
        "early_intervention_housing",
        "notice_seeking_possession",
        "management_transfer",
        "eviction",
        "surrender",
    }
)


class ContactMethod(Labelled):
    """How the officer was in touch with the complainant at a case review."""

    IN_PERSON = "in_person", "In person: a visit or a meeting"
    PHONE = "phone", "By phone"
    VIDEO = "video", "By video call"
    EMAIL = "email", "By e-mail"
    LETTER = "letter", "By letter"
    TEXT = "text", "By text message"


class Adjustment(Labelled):
    """A reasonable adjustment a person needs (Equality Act 2010), as the procedures list
    them; recorded with a person, read under "vulnerability"."""

    LARGE_PRINT = "large_print", "Large print"
    PLAIN_LANGUAGE = "plain_language", "Plain language or easy read"
    INTERPRETER = "interpreter", "An interpreter (say which language)"
    BSL = "bsl", "A British Sign Language interpreter"
    ADVOCATE = "advocate", "A named advocate or supporter (say who)"


class DocumentKind(Labelled):
    """What a file attached to a case is (the procedures' evidence: 003 §3.4, appendices
    5 to 12), with the data category it is read under unless the officer chooses another."""

    DIARY_SHEET = "diary_sheet", "Diary sheet"
    PHOTO = "photo", "Photo or image"
    RECORDING = "recording", "Noise app or other recording"
    LETTER_RECEIVED = "letter_received", "Letter or e-mail received"
    STATEMENT = "statement", "Statement or report"
    LETTER_SENT = "letter_sent", "Letter sent"
    OTHER = "other", "Other document"


class Marking(Labelled):
    """A document's protective marking (Government Security Classifications), given by
    whoever attaches it: how its readers must handle it. OFFICIAL is routine public
    business (a landlord's letter to a tenant); OFFICIAL-SENSITIVE is OFFICIAL that would
    do harm if lost or seen by the wrong people, and is handled more strictly (a police
    intelligence report, a safeguarding referral, health information)."""

    OFFICIAL = "official", "OFFICIAL"
    OFFICIAL_SENSITIVE = "official_sensitive", "OFFICIAL-SENSITIVE"


class ReviewDecision(Labelled):
    """What a case review decided (003 §3.11)."""

    CONTINUE = "continue", "Continue with the action plan"
    ESCALATE = "escalate", "Escalate: raise the priority or take further action"
    CONFERENCE = "conference", "Refer to a case conference"
    CLOSE = "close", "Close the case"


class ActionStatus(Labelled):
    OPEN = "open", "Open"
    DONE = "done", "Done"
    CANCELLED = "cancelled", "Cancelled"


class LockReason(Labelled):
    """Why a case is locked (ASB & hate incident procedure, 3.7)."""

    EMPLOYEE_REPORTED = (
        "employee_reported",
        "The reported person is an employee or linked to an employee",
    )
    EMPLOYEE_REPORTER = (
        "employee_reporter",
        "The reporter is an employee with a personal connection",
    )
    SENSITIVE = "sensitive", "The case is particularly sensitive"


class LockStatus(Labelled):
    REQUESTED = "requested", "Requested, awaiting the manager"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"


class ProtocolStatus(Labelled):
    """Where a protocol version is in its life (DESIGN.md §3)."""

    DRAFT = "draft", "Draft"
    AWAITING_SIGNATURES = "awaiting_signatures", "Awaiting signatures"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    SUPERSEDED = "superseded", "Superseded"
    EXPIRED = "expired", "Expired"


class SuspensionReason(Labelled):
    """Why a party's DPO suspended a protocol: a choice, so the reason can be recorded in
    the audit log, which never holds free text."""

    DATA_INCIDENT = "data_incident", "A personal data breach is being investigated"
    BREACH_OF_TERMS = "breach_of_terms", "A party has not kept to the protocol's terms"
    LAWFUL_BASIS = "lawful_basis", "The lawful basis for sharing is in doubt"
    REGULATOR = "regulator", "The ICO or another regulator has asked for sharing to stop"
    PARTY_LEAVING = "party_leaving", "A party is leaving the partnership or changing its role"
    OTHER = "other", "Another reason (say in the note)"


#: A version every party has signed, whatever became of it since: a later one of these
#: ends the versions before it on the day it starts.
SIGNED_BY_EVERY_PARTY = (
    ProtocolStatus.ACTIVE,
    ProtocolStatus.SUSPENDED,
    ProtocolStatus.SUPERSEDED,
    ProtocolStatus.EXPIRED,
)


class ShareOrigin(Labelled):
    """What created a share."""

    MANUAL = "manual", "Shared by the case owner"
    CONFERENCE = "conference", "Case conference"
    TRIGGER = "trigger", "Community Trigger review"
    REFERRAL = "referral", "Safeguarding referral"


class AlertKind(Labelled):
    BREAK_GLASS = "break_glass", "Emergency (break-glass) access"
    PROTOCOL_REVIEW = "protocol_review", "Protocol review due"
    LOCK_REQUEST = "lock_request", "Lock request to decide"
    RISK_ESCALATION = "risk_escalation", "Shared case escalated"


class RiskBand(Labelled):
    """The Risk Assessment Matrix's bands (their cut-offs are in the matrix's data file)."""

    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"

    @property
    def rank(self) -> int:
        return list(RiskBand).index(self)


class AssessmentStage(Labelled):
    """When in the case a risk assessment is made: at the outset, then at each stage
    (CIH "How to... manage ASB cases effectively": reviewed at each stage)."""

    INITIAL = "initial", "First assessment, when the case is opened"
    REVIEW = "review", "Regular review"
    CHANGE = "change", "Review after a change (new incidents, priority or circumstances)"
    CLOSURE = "closure", "Before closing the case"


class ConferenceStatus(Labelled):
    """Where a case conference is."""

    PLANNED = "planned", "Planned"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


class Attendance(Labelled):
    """Whether a person expected at a conference came."""

    PRESENT = "present", "Present"
    APOLOGIES = "apologies", "Sent apologies"
    DEPUTY = "deputy", "Sent a deputy"
    ABSENT = "absent", "Did not attend"


class TriggerChannel(Labelled):
    """How a Community Trigger application reached the lead."""

    ONLINE = "online", "Online form"
    PHONE = "phone", "Telephone"
    LETTER = "letter", "Letter"
    EMAIL = "email", "E-mail"
    IN_PERSON = "in_person", "In person"


class VictimKind(Labelled):
    """Who suffered the ASB a Community Trigger application is about."""

    PERSON = "person", "A person"
    BUSINESS = "business", "A business"
    COMMUNITY_GROUP = "community_group", "A community group"


class OnBehalf(Labelled):
    """Who applied for the victim, when they did not apply themselves."""

    FAMILY = "family", "A family member or friend"
    CARER = "carer", "A carer or support worker"
    COUNCILLOR = "councillor", "A councillor"
    MP = "mp", "A Member of Parliament"
    OTHER = "other", "Someone else"


class ThresholdDecision(Labelled):
    """The lead's decision on whether a Community Trigger application meets the threshold."""

    MET = "met", "Threshold met: the case is reviewed by the partnership"
    NOT_MET = "not_met", "Threshold not met"
    DISCRETION = "discretion", "Met by discretion: reviewed to protect the victim"


class AppealDecision(Labelled):
    """The appeal body's decision on how a Community Trigger review was carried out."""

    UPHELD = "upheld", "Upheld: the review is to be looked at again"
    PARTLY_UPHELD = "partly_upheld", "Partly upheld"
    NOT_UPHELD = "not_upheld", "Not upheld: the review was carried out properly"


class CaseRequestAnswer(Labelled):
    """How an agency asked about a case for a Community Trigger review answers the lead:
    the complaint confirmed on the case, or none held, and why (no free text: the lead's
    page and the audit log say it as chosen)."""

    CONFIRMED = "confirmed", "We hold the complaint: it is on this case"
    SOMEONE_ELSE = "someone_else", "We hold no such complaint: the case is about someone else"
    NOT_ASB = "not_asb", "We hold no such complaint: what was reported is not anti-social behaviour"
    IN_ERROR = "in_error", "We hold no such complaint: the report was recorded in error"

    @property
    def confirmed(self) -> bool:
        return self is CaseRequestAnswer.CONFIRMED


class LetterKind(Labelled):
    """A letter to a Community Trigger applicant."""

    ACKNOWLEDGEMENT = "acknowledgement", "We have received your application"
    THRESHOLD = "threshold", "Whether your case will be reviewed"
    OUTCOME = "outcome", "The outcome of your ASB Case Review"
    APPEAL_DECISION = "appeal_decision", "The decision on your appeal"
    DECIDED_AGAIN = "decided_again", "Your application looked at again"


class SittingCancelReason(Labelled):
    """Why a partnership meeting's sitting is cancelled (said to its members)."""

    SCHEDULED_IN_ERROR = "scheduled_in_error", "It was scheduled in error"
    CHAIR_UNAVAILABLE = "chair_unavailable", "The chair cannot attend and no one can stand in"
    TOO_FEW = "too_few", "Too few members can attend"
    NOTHING_TO_DISCUSS = "nothing_to_discuss", "Nothing on its agenda needs the meeting"
    VENUE = "venue", "The place is no longer available"
    OTHER = "other", "Another reason (say in the note)"


class MoreRequestEnd(Labelled):
    """Why a partner's request for more of a case ended before the case's agency answered
    it (``sharing.cases.more_ending``), as the pages say it to the case's agency and the
    asker (the asker never reads the lock's: for them a locked case does not exist)."""

    CASE_CLOSED = "case_closed", "The case was closed before the request was answered"
    CASE_LOCKED = "case_locked", "The case was locked before the request was answered"
    CASE_ERASED = "case_erased", "The case was erased before the request was answered"
    SHARE_ENDED = "share_ended", "The share the request was asked through has ended"


class ConferenceCancelReason(Labelled):
    """Why a case conference is cancelled (said to the people expected). The convenor
    chooses from the first few ("It did not take place" once its time has passed); closing
    or erasing its case cancels it for the next two, and its partnership meeting for the
    last two (its sitting cancelled, or the conference taken off the sitting's agenda)."""

    DID_NOT_TAKE_PLACE = "did_not_take_place", "It did not take place"
    NO_LONGER_NEEDED = "no_longer_needed", "It is no longer needed"
    MOVED_AWAY = "moved_away", "Someone it is about has moved away"
    TENANCY_ENDED = "tenancy_ended", "The tenancy of the person reported has ended"
    CONVENING_AGAIN = "convening_again", "The date no longer works: it will be convened again"
    CONVENED_IN_ERROR = "convened_in_error", "It was convened in error"
    OTHER = "other", "Another reason (say in the note)"
    CASE_CLOSED = "case_closed", "The case was closed"
    CASE_ERASED = "case_erased", "The case was erased"
    SITTING_CANCELLED = "sitting_cancelled", "Its partnership meeting's sitting was cancelled"
    TAKEN_OFF = "taken_off", "It was taken off its partnership meeting's agenda"

    @classmethod
    def offered(cls, *, passed: bool = False) -> list[tuple[str, str]]:
        """The reasons a person cancelling chooses from (not those its case or its
        partnership meeting gives it); "It did not take place" only once its time has
        ``passed``."""
        return [
            (m.value, m.label)
            for m in cls
            if m not in _NOT_CHOSEN and (passed or m is not cls.DID_NOT_TAKE_PLACE)
        ]


class ChairChangeReason(Labelled):
    """Why a case conference's chair is changed on its own page (recorded in its audit
    entry by value; nothing about the chair's health or circumstances is asked), or that
    it changed with its partnership meeting's chair (never chosen on the form)."""

    CANNOT_ATTEND = "cannot_attend", "The chair can no longer attend it"
    LEFT = "left", "The chair has left their agency or their role"
    ANOTHER_AGENCY = "another_agency", "It should be chaired by someone of another agency"
    OTHER = "other", "Another reason"
    MEETING_CHAIR = "meeting_chair", "Its partnership meeting's chair changed"

    @classmethod
    def offered(cls) -> list[tuple[str, str]]:
        """The reasons the form offers (not the meeting's chair changing, which only
        changing the meeting gives)."""
        return [(m.value, m.label) for m in cls if m is not cls.MEETING_CHAIR]

    @classmethod
    def chosen(cls, value: str) -> ChairChangeReason | None:
        """The reason ``value`` names if the form offers it; None otherwise."""
        reason = cls.of(value)
        return None if reason is cls.MEETING_CHAIR else reason


#: The reasons a conference is cancelled for by its case or its partnership meeting.
_NOT_CHOSEN = frozenset(
    {
        ConferenceCancelReason.CASE_CLOSED,
        ConferenceCancelReason.CASE_ERASED,
        ConferenceCancelReason.SITTING_CANCELLED,
        ConferenceCancelReason.TAKEN_OFF,
    }
)


class Cadence(Labelled):
    """How often a partnership meeting sits."""

    WEEKLY = "weekly", "Weekly"
    FORTNIGHTLY = "fortnightly", "Every two weeks"
    MONTHLY = "monthly", "Monthly"
    QUARTERLY = "quarterly", "Quarterly"


class MinutesStatus(Labelled):
    """Where a conference's minutes are: written by the convening agency (draft), sent to
    the attendees (circulated), then agreed by the chair, read-only from then on."""

    DRAFT = "draft", "Draft"
    CIRCULATED = "circulated", "Circulated for comment"
    AGREED = "agreed", "Agreed"


class DecisionKind(Labelled):
    """What a conference decided (003 §3.11–3.12: legal action is decided at a case
    review meeting, with the wider partnership's part)."""

    LEGAL_ACTION = "legal_action", "Take legal action"
    CONTINUE = "continue", "Continue with the action plan"
    REFER = "refer", "Refer to another agency or service"
    PARTNERSHIP = "partnership", "Ask the wider partnership to act"
    CLOSE = "close", "Close the case"
    OTHER = "other", "Other decision"


class ReferralKind(Labelled):
    """Where a case officer refers someone on the case."""

    HATE_SERVICE = "hate_service", "The hate incident support service"
    ADULT_SAFEGUARDING = "adult_safeguarding", "Adult safeguarding (Care Act 2014, s.42)"
    CHILDRENS_SAFEGUARDING = (
        "childrens_safeguarding",
        "Children's safeguarding (Children Act 1989, ss.17 and 47)",
    )

    @property
    def safeguarding(self) -> bool:
        """A referral to a safeguarding team in the hub (it shares the case with it)."""
        return self is not ReferralKind.HATE_SERVICE


class ReferralOutcome(Labelled):
    """What became of a referral."""

    ACCEPTED = "accepted", "Accepted: the service is supporting them"
    DECLINED_BY_PERSON = "declined_by_person", "They did not want the support"
    NOT_ACCEPTED = "not_accepted", "The service did not take it on"
    NO_CONTACT = "no_contact", "The service could not reach them"
    ENQUIRY = "enquiry", "Accepted: a safeguarding enquiry or assessment is under way"
    ADVICE = "advice", "Threshold not met: advice and information given"
    REFERRED_ON = "referred_on", "Passed to another service (such as early help)"


class NoticeKind(Labelled):
    """What a notice by e-mail tells someone (its subject line)."""

    INVITATION = "invitation", "You are invited to a case conference"
    INFORMATION_REQUEST = "information_request", "A case conference asks what your agency holds"
    MINUTES_CIRCULATED = "minutes_circulated", "Case conference minutes to read"
    MINUTES_AGREED = "minutes_agreed", "Case conference minutes agreed"
    ACTION_DUE = "action_due", "An action falls due"
    TRIGGER_REVIEW = "trigger_review", "A Community Trigger review asks for your case"
    RECOMMENDATION = "recommendation", "A Community Trigger recommendation for your agency"
    RECOMMENDATION_CANCELLED = (
        "recommendation_cancelled",
        "A Community Trigger recommendation for your agency is cancelled",
    )
    CASE_GIVEN = "case_given", "A case was given to you"
    SITTING_MOVED = "sitting_moved", "A partnership meeting's sitting has moved"
    SITTING_CANCELLED = "sitting_cancelled", "A partnership meeting's sitting is cancelled"
    SAFEGUARDING_REFERRAL = "safeguarding_referral", "A safeguarding referral for your team"
    TAKEN_OFF = "taken_off", "A case conference is taken off a partnership meeting's sitting"
    CLOSED_WITH_CASE = "closed_with_case", "Your agency's action closed with its case"
    CONFERENCE_CANCELLED = "conference_cancelled", "A case conference is cancelled"
    CHAIR_CHANGED = "chair_changed", "A case conference has a new chair"
    CONFERENCE_MOVED = "conference_moved", "A case conference has moved"
    NEW_CHAIR = "new_chair", "A case conference has a new chair"
    ACTION_RESTRICTED = "action_restricted", "Your agency's action is now on a restricted case"
    APOLOGIES = "apologies", "Apologies for a case conference"
    APOLOGIES_TAKEN_BACK = "apologies_taken_back", "Apologies for a case conference taken back"
    LOCK_DECIDED = "lock_decided", "A manager decided your request to lock or unlock a case"
    LOCK_REQUESTED = "lock_requested", "An officer asks for a case to be locked or unlocked"
    EMERGENCY_ACCESS = "emergency_access", "A partner opened your agency's case in an emergency"
    MORE_ASKED = "more_asked", "A partner agency asks for more of your agency's case"
    MORE_ANSWERED = "more_answered", "Your agency's request for more of a case is answered"
    TRIGGER_ANSWERED = (
        "trigger_answered",
        "An agency answered about its case for a Community Trigger application",
    )
    TRIGGER_ALL_ANSWERED = (
        "trigger_all_answered",
        "All agencies asked about a Community Trigger application have answered",
    )
    MORE_CLOSED = "more_closed", "A case your agency asked for more of was closed"
    MORE_SHARE_ENDED = "more_share_ended", "Your agency's request for more of a case has ended"
    MORE_RESTRICTED = "more_restricted", "Your agency's request for more of a case has ended"


class EscalationReason(Labelled):
    """Why the case officer is prompted to consider a case conference, a safeguarding
    referral and sharing with the police."""

    HIGH_RISK = "high_risk", "A risk assessment rose to high"
    HATE_INCIDENT = "hate_incident", "A hate incident was recorded"


_INTERVENTION_OF: dict[str, Intervention] = {
    kind.value: intervention
    for kind in ActionKind
    if (intervention := Intervention.of(_INTERVENTION_KINDS.get(kind.value, kind.value)))
    is not None
}
