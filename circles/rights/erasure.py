"""Account erasure: every row that identifies the person is deleted or emptied; anonymous
check-ins, and everything that belongs to other people, stay as they are.

The rules (docs/privacy.md, "Export and erasure"):

- A person who is the last facilitator of an open circle with other people in it hands it over
  or archives it first (an open circle they run with nobody else in it is archived with the
  account); the last owner of an organisation that has other staff makes someone else owner
  first.
- An organisation the person runs alone, in which nobody else has anything (no member, no
  check-in, no history, commitment, request or attendance), is deleted with the account. One
  that others still use stays, without staff, so that their circles and records stay theirs.
- Every column that points to the account is emptied where it may be (who scheduled a meeting,
  made an invitation, opened a session, wrote a library prompt, did something in an audit entry)
  and its row deleted where it may not (logins, roles, memberships, answers, history, ...).
- Copies of the person's names and email elsewhere go too: their named live answers, invitations
  bound to their email, and a personal organisation still named after them is renamed.
- The audit log keeps its entries, emptied of the person's id, and gains one entry per
  organisation saying that an account was deleted, with no identifier at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from sqlalchemy import Column, Select, Table, delete, exists, func, or_, select, update
from sqlalchemy.orm import aliased

from circles import signals
from circles.accounts.models import User
from circles.audit import services as audit
from circles.audit.models import SCRUB_OPTION, AuditAction, AuditEntry
from circles.checkins.models import CheckinHistory, CheckinResponse, CheckinWaiting
from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import Circle, CircleInvite, CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.orgs.models import Organisation, OrgInvite, OrgMember, OrgRole
from circles.rights.export import orgs_of
from circles.safety.models import SupportRequest

#: What a personal organisation that was named after the person is called afterwards.
RENAMED_PRACTICE = "Practice (name removed)"  # untranslated: stored name, the same for all


@dataclass(frozen=True)
class Blocker:
    """Something the person must settle before their account can go."""

    kind: Literal["circle", "organisation"]
    id: int
    name: str


def blockers(user_id: int) -> list[Blocker]:
    """Circles the person alone facilitates, and organisations they alone own among other staff."""
    fellow = aliased(CircleMember)
    circles = db.session.execute(
        _run_alone_circles(user_id)
        .where(exists().where(fellow.circle_id == Circle.id, fellow.user_id != user_id))
        .order_by(Circle.name)
    ).all()
    other = aliased(OrgMember)
    orgs = db.session.execute(
        select(Organisation.id, Organisation.name)
        .join(OrgMember, OrgMember.org_id == Organisation.id)
        .where(
            OrgMember.user_id == user_id,
            OrgMember.role == OrgRole.OWNER,
            ~exists().where(
                other.org_id == Organisation.id,
                other.role == OrgRole.OWNER,
                other.user_id != user_id,
            ),
            exists().where(other.org_id == Organisation.id, other.user_id != user_id),
        )
        .order_by(Organisation.name)
    ).all()
    return [Blocker("circle", id_, name) for id_, name in circles] + [
        Blocker("organisation", id_, name) for id_, name in orgs
    ]


def _run_alone_circles(user_id: int) -> Select[int, str]:
    """Open circles the person is the only facilitator of (with or without members)."""
    fellow = aliased(CircleMember)
    return (
        select(Circle.id, Circle.name)
        .join(CircleMember, CircleMember.circle_id == Circle.id)
        .where(
            CircleMember.user_id == user_id,
            CircleMember.role == CircleRole.FACILITATOR,
            Circle.archived_at.is_(None),
            ~exists().where(
                fellow.circle_id == Circle.id,
                fellow.role == CircleRole.FACILITATOR,
                fellow.user_id != user_id,
            ),
        )
    )


@dataclass(frozen=True)
class Erasure:
    """What the caller does after committing: close sockets, update rooms, tell the person."""

    email: str
    #: Open live sockets of the account, found before their rows went.
    live_sockets: list[str]
    #: Running live sessions whose presence list or talking round changed.
    live_rooms: list[int]
    orgs_deleted: list[int]
    orgs_told: list[int]


def erase_account(user: User) -> Erasure:
    """Erase the account in the caller's transaction; refuses while :func:`blockers` finds any."""
    uid = user.id
    if blockers(uid):
        raise ServiceError(
            _(
                "Some of your circles or organisations need someone else first. "
                "Reload the page to see which."
            )
        )
    db.session.flush()
    email = user.email
    orgs = orgs_of(uid)
    deleted = [org_id for org_id in _run_alone(uid) if not _others_in(org_id, uid)]

    # Copies of the person's names and email outside the rows that point to the account: the
    # live package deletes their named answers and takes them out of running rounds, and says
    # which sockets and rooms to tell after the commit.
    if not signals.account_erasing.receivers:
        raise RuntimeError("nothing listens for account_erasing: live answers would stay")
    sockets: list[str] = []
    rooms: set[int] = set()
    for _receiver, (their_sockets, their_rooms) in signals.account_erasing.send(uid):
        sockets += their_sockets
        rooms |= their_rooms
    for invite_model in (OrgInvite, CircleInvite):
        db.session.execute(delete(invite_model).where(invite_model.email == email))
    _rename_personal_orgs(uid, user.display_name)
    # Open circles they ran alone have nobody else in them (else blockers() refused): they close.
    alone = _run_alone_circles(uid).with_only_columns(Circle.id)
    db.session.execute(
        update(Circle)
        .where(Circle.id.in_(alone))
        .values(archived_at=utcnow())
        .execution_options(synchronize_session=False)
    )

    _scrub_audit(uid)
    if deleted:
        db.session.execute(delete(Organisation).where(Organisation.id.in_(deleted)))
    for table, column in _references_to_users():
        _forget(table, column, uid)
    db.session.execute(delete(User).where(User.id == uid))
    for obj in (user.current_session, user):
        if obj is not None and obj in db.session:
            db.session.expunge(obj)

    told = [org_id for org_id in orgs if org_id not in deleted]
    for org_id in told:
        audit.record(org_id, None, AuditAction.ACCOUNT_ERASED, "user", None)
    db.session.flush()
    return Erasure(email, sockets, sorted(rooms), deleted, told)


def _run_alone(uid: int) -> list[int]:
    """Organisations whose only staff member is the person."""
    other = aliased(OrgMember)
    return list(
        db.session.scalars(
            select(OrgMember.org_id).where(
                OrgMember.user_id == uid,
                ~exists().where(other.org_id == OrgMember.org_id, other.user_id != uid),
            )
        )
    )


def _others_in(org_id: int, uid: int) -> bool:
    """Whether anyone else has anything in the organisation's circles (one query)."""
    circles = select(Circle.id).where(Circle.org_id == org_id)
    theirs = [
        select(CircleMember.id).where(
            CircleMember.circle_id.in_(circles), CircleMember.user_id != uid
        ),
        select(CheckinResponse.id).where(CheckinResponse.circle_id.in_(circles)),
        select(CheckinWaiting.id).where(CheckinWaiting.circle_id.in_(circles)),
        select(CheckinHistory.id).where(
            CheckinHistory.circle_id.in_(circles), CheckinHistory.user_id != uid
        ),
        select(SupportRequest.id).where(
            SupportRequest.circle_id.in_(circles), SupportRequest.user_id != uid
        ),
        *signals.ask(signals.others_content_asked, uid, circles=circles),
    ]
    return bool(db.session.scalar(select(or_(*(query.exists() for query in theirs)))))


def _rename_personal_orgs(uid: int, display_name: str) -> None:
    """A personal organisation still named after the person loses that name."""
    db.session.execute(
        update(Organisation)
        .where(
            Organisation.personal.is_(True),
            Organisation.id.in_(select(OrgMember.org_id).where(OrgMember.user_id == uid)),
            func.lower(Organisation.name).contains(display_name.lower(), autoescape=True),
        )
        .values(name=RENAMED_PRACTICE)
        .execution_options(synchronize_session=False)
    )


def _scrub_audit(uid: int) -> None:
    """Empty the person's id from the log: as actor, and as the object of an action."""
    scrub = {SCRUB_OPTION: True, "synchronize_session": False}
    db.session.execute(
        update(AuditEntry).where(AuditEntry.actor_id == uid).values(actor_id=None),
        execution_options=scrub,
    )
    db.session.execute(
        update(AuditEntry)
        .where(AuditEntry.object_type == "user", AuditEntry.object_id == uid)
        .values(object_id=None),
        execution_options=scrub,
    )


def _references_to_users() -> list[tuple[Table, Column[int]]]:
    """Every column of every table that points to ``users.id``, children before parents."""
    users = User.__table__
    return [
        (table, fk.parent)
        for table in reversed(db.metadata.sorted_tables)
        for fk in table.foreign_keys
        if fk.column.table is users
    ]


def _forget(table: Table, column: Column[int], uid: int) -> None:
    """Empty the reference where the column allows it, else delete the row.

    The database would do the same (ON DELETE SET NULL / CASCADE); doing it here keeps erasure
    complete even where foreign keys are not enforced, and covers tables added later.
    """
    options = {SCRUB_OPTION: True} if table.name == AuditEntry.__tablename__ else {}
    if column.nullable:
        statement = update(table).where(column == uid).values({column.name: None})
    else:
        statement = delete(table).where(column == uid)  # type: ignore[assignment]
    db.session.execute(statement, execution_options=options)
