"""The hub's data model, split by aggregate."""

from sharing.models.agencies import Agency, Area, CaseReferenceCounter, Ward
from sharing.models.api import ApiClient, ApiIdempotencyKey, ApiToken
from sharing.models.audit import (
    AuditAgencyKey,
    AuditCheckpoint,
    AuditCosignature,
    AuditEntry,
    AuditListing,
    AuditQueued,
    AuditTree,
    AuditWitnessCosignature,
    AuditWitnessStatus,
)
from sharing.models.base import Base, LastChanged
from sharing.models.cases import Action, Case, CaseParty, CaseReview, Incident, OfficerChange
from sharing.models.chair_changes import ChairChange
from sharing.models.conferences import (
    Conference,
    ConferenceAttendee,
    ConferenceDecision,
    ConferenceInvitation,
    InformationRequest,
    MinuteItem,
)
from sharing.models.documents import Document
from sharing.models.emergency import Alert, BreakGlass
from sharing.models.form_sends import FormSend
from sharing.models.keys import BlindIndex, DataKey
from sharing.models.locks import LockMember, LockRequest
from sharing.models.meetings import (
    AgendaItem,
    MeetingSeries,
    MeetingSitting,
    SeriesMember,
    SittingApology,
    SittingMember,
)
from sharing.models.more_requests import MoreRequest
from sharing.models.notices import Notice
from sharing.models.persons import Person
from sharing.models.protocols import ProtocolRecord, ProtocolSignature, Share
from sharing.models.referrals import Referral
from sharing.models.risk import Escalation, RiskAssessment, TriageChange
from sharing.models.surveys import ClosureSurvey, ClosureSurveyAnswer
from sharing.models.trigger import (
    PublicFormUse,
    TriggerApplication,
    TriggerBodyCount,
    TriggerCaseRequest,
    TriggerLetter,
    TriggerRecommendation,
)
from sharing.models.users import (
    PasswordLink,
    SignInFailure,
    SignInSession,
    SignInStep,
    User,
    UserRole,
)

__all__ = [
    "MoreRequest",
    "ChairChange",
    "PasswordLink",
    "ApiClient",
    "ApiIdempotencyKey",
    "ApiToken",
    "Document",
    "ClosureSurvey",
    "ClosureSurveyAnswer",
    "AuditAgencyKey",
    "AuditCheckpoint",
    "AuditCosignature",
    "AuditEntry",
    "AuditListing",
    "AuditQueued",
    "AuditTree",
    "AuditWitnessCosignature",
    "AuditWitnessStatus",
    "Alert",
    "ConferenceDecision",
    "MeetingSeries",
    "AgendaItem",
    "MeetingSitting",
    "SeriesMember",
    "SittingApology",
    "SittingMember",
    "MinuteItem",
    "Notice",
    "OfficerChange",
    "Referral",
    "TriggerApplication",
    "TriggerBodyCount",
    "TriggerCaseRequest",
    "TriggerLetter",
    "TriggerRecommendation",
    "PublicFormUse",
    "BreakGlass",
    "FormSend",
    "LockMember",
    "ProtocolRecord",
    "ProtocolSignature",
    "RiskAssessment",
    "TriageChange",
    "Share",
    "SignInFailure",
    "SignInSession",
    "SignInStep",
    "Action",
    "Agency",
    "Area",
    "Base",
    "BlindIndex",
    "Case",
    "CaseParty",
    "CaseReview",
    "CaseReferenceCounter",
    "Conference",
    "ConferenceAttendee",
    "ConferenceInvitation",
    "DataKey",
    "Escalation",
    "Incident",
    "InformationRequest",
    "LastChanged",
    "LockRequest",
    "Person",
    "User",
    "UserRole",
    "Ward",
]
