"""What an audit entry records: the act (``Action``, its value stored and its label
for the DPO's pages), its outcome (``Outcome``), and the acts that are a page's views of
what it shows (``SHOWN``), kept when a refused form's page is shown again
(``sharing.audit.acts.roll_back_keeping_refusals``).
"""

from __future__ import annotations

from sharing.vocabulary import Labelled


class Outcome(Labelled):
    ALLOWED = "allowed", "Allowed"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


class Action(Labelled):
    """What an entry records. The value is stored; the label is for the DPO's pages."""

    SIGN_IN = "sign_in", "Signed in"
    SIGN_IN_FAILED = "sign_in.failed", "Failed to sign in"
    SIGN_OUT = "sign_out", "Signed out"
    PASSWORD_RESET = "password.reset", "Password reset"
    SECOND_FACTOR_RESET = "second_factor.reset", "Authenticator app reset"
    SECOND_FACTOR_ENROL = "second_factor.enrol", "Set up an authenticator app"
    ACCOUNT_CREATE = "account.create", "Created an account"
    AREA_CREATE = "area.create", "Added a partnership area and its wards"
    AREA_WARD_ADD = "area.ward_add", "Added a ward to a partnership area"
    AGENCY_CREATE = "agency.create", "Added an agency to the partnership"
    AGENCY_RENAME = "agency.rename", "Renamed an agency"
    SESSIONS_END = "sessions.end", "Ended a user's sessions"
    ACCOUNT_DISABLE = "account.disable", "Disabled an account"
    ACCOUNT_ENABLE = "account.enable", "Enabled an account"
    ACCOUNT_UNLOCK = "account.unlock", "Lifted an account's lock-out"
    ACCOUNT_ROLES = "account.roles", "Changed an account's roles or team"
    PASSWORD_LINK_SEND = "password_link.send", "Sent a link to set a password"
    PASSWORD_LINK_USE = "password_link.use", "Set a password with a link"
    CASE_VIEW = "case.view", "Viewed a case"
    CASE_OPEN = "case.open", "Opened a case"
    CASE_RECORD = "case.record", "Recorded on a case"
    CASE_CLOSE = "case.close", "Closed a case"
    CASE_OFFICER = "case.officer", "Gave a case to another officer"
    CASE_REVIEW = "case.review", "Recorded a case review"
    CASE_ERASE = "case.erase", "Erased a case"
    PERSON_ERASE = "person.erase", "Erased a person"
    SEARCH = "search", "Searched for a person"
    SHARE = "share.create", "Shared a case"
    SHARE_REVOKE = "share.revoke", "Revoked a share"
    ACTIONS_LIST = "actions.list", "Listed the actions for an agency"
    ACTIONS_CLOSED_LIST = "actions.closed", "Listed the actions an agency closed lately"
    CASES_EXPORT = "cases.export", "Exported the agency's cases"
    CASES_IMPORT = "cases.import", "Imported cases from the agency's own system"
    API_CLIENT_ADD = "api_client.add", "Registered a partner system's API client"
    API_CLIENT_REVOKE = "api_client.revoke", "Revoked a partner system's API client"
    API_CLIENT_ROTATE = "api_client.rotate", "Gave a partner system's API client a new secret"
    API_TOKEN = "api.token", "Issued an API access token"
    CASES_SHARED_LIST = "cases.shared", "Listed the cases shared with an agency"
    ACTION_CLOSE = "action.close", "Marked an action done or cancelled"
    CONFERENCE_CONVENE = "conference.convene", "Convened a case conference"
    CONFERENCE_VIEW = "conference.view", "Viewed a case conference"
    INFORMATION_ANSWER = "information.answer", "Answered a conference information request"
    MORE_ASK = "share.ask_more", "Asked a case's agency for more of the case"
    MORE_VIEW = "share.more_read", "Read a partner's request for more of a case"
    MORE_ANSWER = "share.more_answer", "Answered a partner's request for more of a case"
    MORE_END = "share.more_ended", "A partner's request for more of a case ended unanswered"
    CONFERENCE_WITHDRAW = "conference.withdraw", "Withdrew a conference invitation"
    CONFERENCE_PACK = "conference.pack", "Read a conference pack"
    CONFERENCE_CANCEL = "conference.cancel", "Cancelled a case conference"
    CONFERENCE_CHANGE = "conference.change", "Changed a case conference"
    MINUTES_RECORD = "minutes.record", "Recorded a conference's attendance, minutes or decisions"
    MINUTES_CIRCULATE = "minutes.circulate", "Circulated a conference's minutes"
    MINUTES_AGREE = "minutes.agree", "Agreed a conference's minutes"
    MEETING_SET_UP = "meeting.set_up", "Set up a partnership meeting"
    MEETING_SCHEDULE = "meeting.schedule", "Scheduled a partnership meeting's sitting"
    MEETING_BRING = "meeting.bring", "Brought a case to a partnership meeting"
    MEETING_CHANGE = "meeting.change", "Changed a partnership meeting"
    MEETING_MOVE = "meeting.move", "Moved a partnership meeting's sitting"
    MEETING_CANCEL = "meeting.cancel", "Cancelled a partnership meeting's sitting"
    MEETING_AGENDA = "meeting.agenda", "Read a partnership meeting sitting's agenda"
    MEETING_AGENDA_CHANGE = "meeting.agenda_change", "Changed a sitting's agenda"
    TRIGGER_RECORD = "trigger.record", "Recorded a Community Trigger application"
    TRIGGER_VIEW = "trigger.view", "Viewed a Community Trigger application"
    TRIGGER_DECIDE = "trigger.decide", "Decided a Community Trigger threshold"
    TRIGGER_FIGURES = "trigger.figures", "Viewed the Community Trigger figures"
    FIGURES_VIEW = "figures.view", "Viewed the partnership's figures"
    TRIGGER_ASK = (
        "trigger.ask",
        "Asked agencies to confirm complaints counted for a Community Trigger",
    )
    TRIGGER_CASE_ANSWER = (
        "trigger.case_answer",
        "Answered a Community Trigger lead asking about a case",
    )
    TRIGGER_REVIEW = "trigger.review", "Convened a Community Trigger review panel"
    TRIGGER_RECOMMEND = "trigger.recommend", "Recorded a Community Trigger recommendation"
    TRIGGER_RECOMMENDATIONS = (
        "trigger.recommendations",
        "Viewed the Community Trigger recommendations for an agency",
    )
    TRIGGER_RECOMMENDATION_DONE = (
        "trigger.recommendation_done",
        "Marked a Community Trigger recommendation done",
    )
    TRIGGER_OUTCOME = "trigger.outcome", "Recorded a Community Trigger review's outcome"
    TRIGGER_LETTER = "trigger.letter", "Produced or sent a letter to a Community Trigger applicant"
    TRIGGER_APPEAL = "trigger.appeal", "Recorded a Community Trigger appeal"
    TRIGGER_APPEAL_DECIDE = "trigger.appeal_decide", "Recorded a Community Trigger appeal decision"
    TRIGGER_APPEAL_WITHDRAW = (
        "trigger.appeal_withdraw",
        "Recorded a Community Trigger appeal withdrawn by the applicant",
    )
    TRIGGER_LETTER_POSTED = (
        "trigger.letter_posted",
        "Marked a letter to a Community Trigger applicant as posted",
    )
    TRIGGER_ERASE = "trigger.erase", "Erased a Community Trigger application's personal data"
    TRIGGER_WITHDRAW = "trigger.withdraw", "Recorded a Community Trigger application withdrawn"
    TRIGGER_DUPLICATE = (
        "trigger.duplicate",
        "Recorded a Community Trigger application as a duplicate of another",
    )
    TRIGGER_CORRECT = "trigger.correct", "Corrected a Community Trigger application's details"
    LOCK_REQUEST = "lock.request", "Asked to lock a case"
    UNLOCK_REQUEST = "unlock.request", "Asked to unlock a case"
    LOCK_DECIDE = "lock.decide", "Decided a lock request"
    LOCK_REQUESTS_VIEW = "lock.requests_view", "Viewed lock requests"
    ALERTS_VIEW = "alerts.view", "Viewed their alerts"
    ALERT_DISMISS = "alert.dismiss", "Dismissed an alert"
    BREAK_GLASS = "break_glass", "Used emergency access"
    BREAK_GLASS_REVIEW = "break_glass.review", "Reviewed an emergency access"
    BREAK_GLASS_LIST_VIEW = "break_glass.list_view", "Viewed emergency accesses to review"
    BREAK_GLASS_ERASE = (
        "break_glass.erase",
        "Erased an emergency access's reason and review at the end of its retention",
    )
    PROTOCOL_IMPORT = "protocol.import", "Imported a protocol"
    PROTOCOL_SIGN = "protocol.sign", "Signed a protocol"
    PROTOCOL_STATUS = "protocol.status", "Changed a protocol's status"
    KEYS_ROTATE = "keys.rotate", "Rotated the key-encryption key"
    KEYS_SEAL_SECRETS = "keys.seal_secrets", "Sealed the authenticator secrets kept in plain"
    KEYS_REINDEX = "keys.reindex", "Indexed records again for search, under new rules"
    HUB_BACKUP = "hub.backup", "Took a backup of the hub"
    HUB_RESTORE = "hub.restore", "Restored the hub from a backup"
    #: A command the command line refused before it ran (an option unknown, missing or
    #: with a bad value); its own refusals are recorded under the action it does.
    HUB_COMMAND = "hub.command", "Ran a command on the command line"
    PAGE_REFUSED = "page.refused", "Was refused a page their roles do not open"
    AUDIT_SEARCH = "audit.search", "Searched the audit log"
    AUDIT_EXPORT = "audit.export", "Exported the audit log"
    AUDIT_CHECKPOINT = "audit.checkpoint", "Made an audit checkpoint"
    AUDIT_COSIGN = "audit.cosign", "Co-signed an audit checkpoint"
    AUDIT_KEY_REGISTER = "audit.key_register", "Registered an agency's co-signing key"
    AUDIT_KEY_REVOKE = "audit.key_revoke", "Revoked an agency's co-signing key"
    RISK_RECORD = "risk.record", "Recorded a risk assessment"
    RISK_VIEW = "risk.view", "Viewed risk assessments"
    SHARED_RISK_LIST = "shared.list", "Viewed risk shared with their agency"
    TRIAGE_CHANGE = "triage.change", "Changed a case's triage"
    ESCALATION_DECIDE = "escalation.decide", "Decided on an escalation prompt"
    KNOWN_CHECK = "known.check", "Checked who else knows a case's people"
    SUBJECT_ACCESS_SEARCH = "subject_access.search", "Looked for a subject access requester"
    SUBJECT_ACCESS = "subject_access.report", "Compiled a subject access report"


#: What a page shows when it is read: a view of a record, a list, a search. A refused
#: form's page, shown again, keeps these entries of what it showed
#: (``acts.roll_back_keeping_refusals`` with ``shown``); entries of acts (a share, a
#: close) are not kept.
SHOWN = frozenset(
    {
        Action.CASE_VIEW,
        Action.SEARCH,
        Action.ACTIONS_LIST,
        Action.ACTIONS_CLOSED_LIST,
        Action.CASES_SHARED_LIST,
        Action.CONFERENCE_VIEW,
        Action.CONFERENCE_PACK,
        Action.MORE_VIEW,
        Action.MEETING_AGENDA,
        Action.TRIGGER_VIEW,
        Action.TRIGGER_FIGURES,
        Action.FIGURES_VIEW,
        Action.TRIGGER_RECOMMENDATIONS,
        Action.LOCK_REQUESTS_VIEW,
        Action.ALERTS_VIEW,
        Action.BREAK_GLASS_LIST_VIEW,
        Action.AUDIT_SEARCH,
        Action.RISK_VIEW,
        Action.SHARED_RISK_LIST,
        Action.KNOWN_CHECK,
        Action.SUBJECT_ACCESS_SEARCH,
    }
)
