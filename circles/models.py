"""Imports every model so that metadata (Alembic, tests) sees all tables."""

from circles.accounts.models import (
    AuthSession,
    RecoveryCode,
    SignupRequest,
    TotpCredential,
    User,
)
from circles.audit.models import AuditEntry
from circles.checkins.models import (
    CheckinChoice,
    CheckinHistory,
    CheckinInstrument,
    CheckinOption,
    CheckinReceipt,
    CheckinReminder,
    CheckinResponse,
    CheckinScore,
    CheckinTally,
    CheckinWaiting,
)
from circles.groups.models import Circle, CircleInvite, CircleMember
from circles.journal.models import JournalEntry, SharedNote
from circles.live.models import (
    Commitment,
    LiveConnection,
    LiveParticipant,
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveSubmission,
    PlanItem,
    SavedPrompt,
)
from circles.meetings.models import (
    CalendarFeed,
    DosingSession,
    Meeting,
    MeetingSeries,
    ReminderSent,
    Rsvp,
)
from circles.orgs.models import Organisation, OrgInvite, OrgMember
from circles.safety.models import SupportRequest
from circles.space.models import FollowUp, IntegrationPlan

__all__ = [
    "AuditEntry",
    "AuthSession",
    "CalendarFeed",
    "CheckinChoice",
    "CheckinHistory",
    "CheckinInstrument",
    "CheckinOption",
    "CheckinReceipt",
    "CheckinReminder",
    "CheckinResponse",
    "CheckinScore",
    "CheckinTally",
    "CheckinWaiting",
    "Circle",
    "CircleInvite",
    "CircleMember",
    "Commitment",
    "DosingSession",
    "FollowUp",
    "IntegrationPlan",
    "JournalEntry",
    "LiveConnection",
    "LiveParticipant",
    "LivePrompt",
    "LiveResponse",
    "LiveSession",
    "LiveSubmission",
    "Meeting",
    "MeetingSeries",
    "OrgInvite",
    "OrgMember",
    "Organisation",
    "PlanItem",
    "RecoveryCode",
    "ReminderSent",
    "Rsvp",
    "SavedPrompt",
    "SharedNote",
    "SignupRequest",
    "SupportRequest",
    "TotpCredential",
    "User",
]
