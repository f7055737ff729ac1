"""Audit entries: append-only through the app; they never hold check-in or answer content."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, event
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from circles.db import Base, CreatedMixin
from circles.i18n import Labelled
from circles.i18n import lazy_gettext as _l


class AuditAction(Labelled, enum.StrEnum):
    """What was done; the label is what admins read."""

    SETTINGS_CHANGED = "settings_changed"
    ROLE_CHANGED = "role_changed"
    STAFF_INVITED = "staff_invited"
    STAFF_INVITE_REVOKED = "staff_invite_revoked"
    STAFF_REMOVED = "staff_removed"
    MEMBERS_INVITED = "members_invited"
    MEMBER_INVITE_REVOKED = "member_invite_revoked"
    CO_FACILITATOR_ADDED = "co_facilitator_added"
    MEMBER_REMOVED = "member_removed"
    REPORT_VIEWED = "report_viewed"
    REPORT_EXPORTED = "report_exported"
    SECOND_FACTOR_ON = "second_factor_on"
    SECOND_FACTOR_OFF = "second_factor_off"
    SECOND_FACTOR_RESET = "second_factor_reset"
    RECOVERY_CODE_USED = "recovery_code_used"
    DATA_EXPORTED = "data_exported"
    ACCOUNT_ERASED = "account_erased"

    @classmethod
    def labels(cls) -> Mapping[str, str]:
        return _ACTION_LABELS


_ACTION_LABELS = {
    "settings_changed": _l("Changed the organisation's settings"),
    "role_changed": _l("Changed a team member's role"),
    "staff_invited": _l("Made a team invitation link"),
    "staff_invite_revoked": _l("Withdrew a team invitation link"),
    "staff_removed": _l("Removed someone from the team"),
    "members_invited": _l("Made a circle invitation link"),
    "member_invite_revoked": _l("Withdrew a circle invitation link"),
    "co_facilitator_added": _l("Added a co-facilitator"),
    "member_removed": _l("Removed a member from a circle"),
    "report_viewed": _l("Viewed a check-in report"),
    "report_exported": _l("Exported a check-in report (CSV)"),
    "second_factor_on": _l("Turned on two-step sign-in"),
    "second_factor_off": _l("Turned off two-step sign-in"),
    "second_factor_reset": _l("Had two-step sign-in removed by the server's operator"),
    "recovery_code_used": _l("Logged in with a recovery code"),
    "data_exported": _l("Downloaded their own data"),
    "account_erased": _l("An account was deleted at its owner's request"),
}


class AuditEntry(CreatedMixin, Base):
    """One recorded action. Rows are only ever added; the app refuses to change or delete them."""

    __tablename__ = "audit_entries"
    __table_args__ = (Index("ix_audit_entries_org_id_created_at", "org_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organisations.id", ondelete="CASCADE"))
    #: Who did it; emptied when that account is erased.
    actor_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    #: Which object: "circle", "user", "invite", "organisation", ... and its id.
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[int | None]
    #: Small facts about the action (a role, the names of changed settings); never content.
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


class AppendOnlyError(RuntimeError):
    """Something tried to change or delete an audit entry."""


#: Execution option that lets erasure empty a person's ids from the log (nothing else may).
SCRUB_OPTION = "audit_scrub"


@event.listens_for(Session, "before_flush")
def _refuse_changes(session: Session, flush_context: Any, instances: Any) -> None:
    if any(isinstance(obj, AuditEntry) for obj in (*session.dirty, *session.deleted)):
        raise AppendOnlyError("The audit log is append-only.")  # untranslated: developer error


@event.listens_for(Session, "do_orm_execute")
def _refuse_bulk_changes(state: ORMExecuteState) -> None:
    if not (state.is_update or state.is_delete):
        return
    if state.execution_options.get(SCRUB_OPTION):
        return
    table = getattr(state.statement, "table", None)
    if table is not None and getattr(table, "name", None) == AuditEntry.__tablename__:
        raise AppendOnlyError("The audit log is append-only.")  # untranslated: developer error
