"""Who may do what in a live session: the person behind an event, found by their login.

Every event is authorised here first: the login must still be alive, the session must belong to
one of the person's circles (anything else is "not found"), the person must not have been removed
from the session (whatever socket the event comes from), and some events are for facilitators
or members only. Services return an :class:`Outcome`; a refused event raises :class:`LiveError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import TYPE_CHECKING, Any, TypeGuard, cast

from sqlalchemy import Select, Table, bindparam, select, update

from circles.accounts.models import AuthSession, User
from circles.bulk import one_of
from circles.extensions import db
from circles.groups.models import CircleMember, CircleRole
from circles.i18n import lazy_gettext as _l
from circles.live.models import (
    LiveParticipant,
    LiveSession,
    LiveStatus,
)

if TYPE_CHECKING:
    from circles.live.mixing import Opened


class LiveError(Exception):
    """A refused event: a stable ``code`` for programs, a ``message`` for people.

    The message is lazy (``lazy_gettext``): it is put in words only when the refusal is sent,
    in the language of the socket it answers (:func:`circles.live.refusals.refusal`).
    """

    def __init__(self, code: str, message: Any) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def invalid(message: Any) -> LiveError:
    return LiveError("invalid", message)


@dataclass(frozen=True)
class Broadcast:
    """An event for the whole room, or for its facilitators only."""

    event: str
    data: dict[str, Any]
    to: str  # "room" | "facilitators"


@dataclass
class Outcome:
    ack: dict[str, Any] = field(default_factory=dict)
    broadcasts: list[Broadcast] = field(default_factory=list)
    #: Sockets to close (a removed participant's).
    disconnect_sids: list[str] = field(default_factory=list)
    #: Why those sockets leave: each is told ``session.left {session, reason}`` first.
    left_reason: str | None = None
    #: A reveal's anonymous answers, shown by its broadcasts and written out once they are
    #: sent (:func:`circles.live.mixing.write_out`).
    opened: list[Opened] = field(default_factory=list)


@dataclass(frozen=True)
class Actor:
    """The person behind a socket, as the circle knows them."""

    user_id: int
    role: CircleRole
    #: The circle display name.
    name: str

    @classmethod
    def of(cls, membership: CircleMember) -> Actor:
        return cls(membership.user_id, membership.role, membership.display_name)

    @property
    def is_facilitator(self) -> bool:
        return self.role == CircleRole.FACILITATOR


#: Ids are positive 64-bit integers in both databases; anything else is no id at all (a huge
#: number would otherwise fail inside the database, taking its batch's other events with it).
MAX_ID = 2**63 - 1


def is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool) and 0 < value <= MAX_ID


def _session_id(value: object) -> int:
    if not is_id(value):
        raise invalid("session must be a session id (a number).")
    return value


def actor_for(session_id: object, user_id: int) -> tuple[LiveSession, Actor]:
    """The session and the person's membership of its circle; anyone else is told not found."""
    row = db.session.execute(
        select(LiveSession, CircleMember)
        .join(CircleMember, CircleMember.circle_id == LiveSession.circle_id)
        .where(LiveSession.id == _session_id(session_id), CircleMember.user_id == user_id)
    ).first()
    if row is None:
        raise LiveError("not_found", _l("There is no such live session."))
    session, membership = row
    return session, Actor.of(membership)


@dataclass(frozen=True)
class Seat:
    """A person's place in a live session, as found for a batch of events by one query."""

    session_id: int
    circle_id: int
    meeting_id: int | None
    status: LiveStatus
    actor: Actor


_sessions, _members, _logins, _participants = (
    LiveSession.__table__.c,
    CircleMember.__table__.c,
    AuthSession.__table__.c,
    LiveParticipant.__table__.c,
)


#: Built once: batches run it many times a second.
_SEATS = (
    select(
        _logins.token_hash,
        _sessions.id,
        _sessions.circle_id,
        _sessions.meeting_id,
        _sessions.status,
        _members.user_id,
        _members.role,
        _members.display_name,
        _participants.removed_at,
    )
    .join(CircleMember.__table__, _members.user_id == _logins.user_id)
    .join(LiveSession.__table__, _sessions.circle_id == _members.circle_id)
    .outerjoin(
        LiveParticipant.__table__,
        (_participants.session_id == _sessions.id) & (_participants.user_id == _members.user_id),
    )
    .where(
        one_of(_logins.token_hash, "logins"),
        _logins.created_at > bindparam("since"),
        one_of(_sessions.id, "sessions"),
    )
)


_ALIVE = select(_logins.token_hash).where(
    one_of(_logins.token_hash, "logins"),
    _logins.created_at > bindparam("since"),
)


def seats(
    requests: Sequence[tuple[object, str]], logged_in_since: datetime
) -> list[Seat | LiveError]:
    """For each (session id, login hash) of a batch: the person's seat, in one query.

    The login must still exist (not logged out, password unchanged, not too old), or the event
    is told to log in again; a session outside the person's circles is not found; someone the
    facilitator removed from the session is refused every event of it, whichever socket sends it.
    """
    wanted = [(session_id, login) for session_id, login in requests if is_id(session_id)]
    found: dict[tuple[object, str], Seat] = {}
    removed: set[tuple[object, str]] = set()
    connection = db.session.connection()
    if wanted:
        rows = connection.execute(
            _SEATS,
            {
                "logins": list({login for _, login in wanted}),
                "sessions": list({session_id for session_id, _ in wanted}),
                "since": logged_in_since,
            },
        )
        for login, session_id, circle_id, meeting_id, status, user_id, role, name, gone in rows:
            if gone is not None:
                removed.add((session_id, login))
                continue
            actor = Actor(user_id, role, name)
            found[session_id, login] = Seat(session_id, circle_id, meeting_id, status, actor)
    missing = list(
        {
            login
            for session_id, login in wanted
            if (session_id, login) not in found and (session_id, login) not in removed
        }
    )
    alive = (
        set(connection.scalars(_ALIVE, {"logins": missing, "since": logged_in_since}))
        if missing
        else set()
    )
    seated: list[Seat | LiveError] = []
    for session_id, login in requests:
        seat = found.get((session_id, login)) if is_id(session_id) else None
        if not is_id(session_id):  # checked first: True and 1.0 are equal to 1 as keys
            seated.append(invalid("session must be a session id (a number)."))
        elif seat is not None:
            seated.append(seat)
        elif (session_id, login) in removed:
            seated.append(removed_error())
        elif login not in alive:
            seated.append(LiveError("unauthenticated", _l("Please log in again.")))
        else:
            seated.append(LiveError("not_found", _l("There is no such live session.")))
    return seated


@cache
def _login_query() -> Select[Any]:
    """The login behind a session cookie's token, as the user loader finds it (built once:
    every socket runs it when it opens; on first use, as the accounts package imports this)."""
    from circles.accounts.second_factor import second_factor_due

    return (
        select(
            _logins.token_hash,
            _logins.user_id,
            _logins.created_at,
            _logins.last_seen_at,
            second_factor_due(User.id),
            User.__table__.c.language,
        )
        .select_from(AuthSession.__table__)
        .join(User.__table__, User.__table__.c.id == _logins.user_id)
        .where(one_of(_logins.token_hash, "logins"))
    )


_SEEN = (
    update(cast(Table, AuthSession.__table__))
    .where(one_of(_logins.token_hash, "logins"))
    .values(last_seen_at=bindparam("seen_at"))
)


@dataclass(frozen=True)
class SocketLogin:
    """The login a socket is opened with."""

    token_hash: str
    user_id: int
    #: The person's own language setting (None: the browser's, see :mod:`.events`).
    language: str | None = None


def socket_logins(
    token_hashes: Sequence[str], logged_in_since: datetime, now: datetime
) -> dict[str, SocketLogin]:
    """The logins behind sockets' session cookies (by token hash; those refused are missing),
    checked as the user loader checks a page's (``accounts.services.load_session_user``), in
    one query for all the sockets opening together: the login exists (not logged out,
    password unchanged), it is younger than ``CIRCLES_SESSION_MAX_DAYS``, and two-step sign-in
    is not due (their organisation requires it and they have not set it up). Their last
    activity is recorded as a page's would be."""
    from circles.accounts.services import LAST_SEEN_RESOLUTION

    connection = db.session.connection()
    rows = connection.execute(_login_query(), {"logins": list(set(token_hashes))})
    found, seen = {}, []
    for token_hash, user_id, created_at, last_seen_at, due, language in rows:
        if created_at <= logged_in_since or due:
            continue
        if now - last_seen_at > LAST_SEEN_RESOLUTION:
            seen.append(token_hash)
        found[token_hash] = SocketLogin(token_hash, user_id, language)
    if seen:
        connection.execute(_SEEN, {"logins": seen, "seen_at": now})
    return found


def removed_error() -> LiveError:
    """The refusal for someone the facilitator asked to leave (on `join` and every event)."""
    return LiveError("removed", _l("The facilitator has asked you to leave this session."))


def actor_for_login(
    session_id: object, login_hash: str, logged_in_since: datetime
) -> tuple[LiveSession, Actor]:
    """One event's seat (:func:`seats`), with the session itself, for events that change it."""
    (seat,) = seats([(session_id, login_hash)], logged_in_since)
    if isinstance(seat, LiveError):
        raise seat
    session = db.session.get(LiveSession, seat.session_id)
    if session is None:  # deleted since, in this very transaction
        raise LiveError("not_found", _l("There is no such live session."))
    return session, seat.actor


def require_facilitator(actor: Actor) -> None:
    if not actor.is_facilitator:
        raise LiveError("forbidden", _l("Only the circle's facilitators can do that."))


def require_member(actor: Actor) -> None:
    if actor.is_facilitator:
        raise LiveError("forbidden", _l("Facilitators hold the space; members answer prompts."))


def require_running(session: LiveSession) -> None:
    if session.status == LiveStatus.ENDED:
        raise LiveError("ended", _l("This session has ended."))
