"""Imports every model so that metadata (Alembic, tests) sees all tables.

The live package's tables come with the package itself (:mod:`circles.live` imports its models),
which only the app factory imports: no other module reaches into it (tests/test_boundaries.py).
"""

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
    "DosingSession",
    "FollowUp",
    "IntegrationPlan",
    "JournalEntry",
    "Meeting",
    "MeetingSeries",
    "OrgInvite",
    "OrgMember",
    "Organisation",
    "RecoveryCode",
    "ReminderSent",
    "Rsvp",
    "SharedNote",
    "SignupRequest",
    "SupportRequest",
    "TotpCredential",
    "User",
]
