"""Support requests: created by name, delivered to the circle's facilitators, never tied to a
check-in. The live room (and any other entry point) creates them through :func:`request_support`."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, or_, select

from circles import paging
from circles.accounts.models import User
from circles.db import utcnow
from circles.exceptions import ServiceError
from circles.extensions import db
from circles.groups.models import CircleMember, CircleRole
from circles.i18n import gettext as _
from circles.i18n import language_for, speaking
from circles.i18n import lazy_gettext as _l
from circles.mail import send_mail
from circles.safety.models import MAX_MESSAGE, SupportRequest, SupportStatus
from circles.urls import external_url

#: Requests a member may have waiting (new) in one circle at a time.
MAX_OPEN = 3


def request_support(circle_id: int, user_id: int, message: str = "") -> SupportRequest:
    """Record a member's request for contact; then :func:`notify_facilitators`, and commit."""
    membership = db.session.scalar(
        select(CircleMember).where(
            CircleMember.circle_id == circle_id, CircleMember.user_id == user_id
        )
    )
    if membership is None or membership.role != CircleRole.MEMBER:
        raise ServiceError(_("Only members of the circle can ask its facilitators for support."))
    message = message.strip()
    if len(message) > MAX_MESSAGE:
        raise ServiceError(
            _("Please keep the message under %(max)d characters.", max=MAX_MESSAGE), "message"
        )
    waiting = db.session.scalars(
        select(SupportRequest.id).where(
            SupportRequest.circle_id == circle_id,
            SupportRequest.user_id == user_id,
            SupportRequest.status == SupportStatus.NEW,
        )
    ).all()
    if len(waiting) >= MAX_OPEN:
        raise ServiceError(
            _(
                "Your facilitators already have your requests and will be in touch. "
                "If you need help now, use the crisis resources."
            )
        )
    request = SupportRequest(circle_id=circle_id, user_id=user_id, message=message)
    db.session.add(request)
    db.session.flush()
    return request


def notify_facilitators(circle_id: int) -> int:
    """Mail each facilitator of the circle that a request waits (no name, no message, no check-in).

    One queued mail each, sent once the caller commits (:func:`circles.mail.send_mail`); nothing
    waits for the mail server here. Returns how many were queued.
    """
    facilitators = db.session.scalars(
        select(User)
        .join(CircleMember, CircleMember.user_id == User.id)
        .where(
            CircleMember.circle_id == circle_id,
            CircleMember.role == CircleRole.FACILITATOR,
        )
    ).all()
    inbox = external_url("safety.inbox", circle_id=circle_id)
    for facilitator in facilitators:
        # Each in their own language.
        with speaking(language_for(facilitator)):
            body = "\n".join(
                [
                    _("Hello,"),
                    "",
                    _("Someone in a circle you facilitate has asked you to reach out to them."),
                    _("Who it is, and anything they wrote, is on the circle's support page:"),
                    "",
                    inbox,
                    "",
                    _("This note went only to the circle's facilitators."),
                ]
            )
            send_mail(facilitator.email, _("A request for contact"), body)
    return len(facilitators)


#: Requests listed on one page of a circle's support inbox.
INBOX_PAGE_SIZE = 20
#: How the inbox names a request whose member has left the circle.
FORMER_MEMBER = _l("A former member")


def inbox_page(
    circle_id: int, q: str = "", page: int = 1
) -> paging.Page[tuple[SupportRequest, str]]:
    """One page of the circle's requests, open ones first, newest first, each with the
    member's name in the circle. ``q`` keeps those whose name, message or status (as the
    inbox shows them) contains it, in any case."""
    query = (
        select(SupportRequest, CircleMember.display_name)
        .outerjoin(
            CircleMember,
            (CircleMember.circle_id == SupportRequest.circle_id)
            & (CircleMember.user_id == SupportRequest.user_id),
        )
        .where(SupportRequest.circle_id == circle_id)
        .order_by(
            SupportRequest.status == SupportStatus.CLOSED,
            SupportRequest.created_at.desc(),
            SupportRequest.id.desc(),
        )
    )
    if q:
        wanted = q.casefold()
        found = [
            CircleMember.name_key.like(paging.contains(" ".join(wanted.split())), escape="\\"),
            SupportRequest.message.ilike(paging.contains(q), escape="\\"),
        ]
        statuses = [s for s in SupportStatus if wanted in s.label.casefold()]
        if statuses:
            found.append(SupportRequest.status.in_(statuses))
        if wanted in str(FORMER_MEMBER).casefold():
            found.append(CircleMember.id.is_(None))
        query = query.where(or_(*found))
    rows = paging.paginate_rows(query, page, INBOX_PAGE_SIZE)
    return paging.Page(
        [(request, name or str(FORMER_MEMBER)) for request, name in rows.items],
        rows.total,
        rows.page,
        rows.per_page,
    )


def request_count(circle_id: int) -> int:
    """Every request the circle holds, whatever its status (one count)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SupportRequest)
            .where(SupportRequest.circle_id == circle_id)
        )
        or 0
    )


def own_requests(user_id: int, circle_id: int) -> list[SupportRequest]:
    return list(
        db.session.scalars(
            select(SupportRequest)
            .where(SupportRequest.user_id == user_id, SupportRequest.circle_id == circle_id)
            .order_by(SupportRequest.created_at.desc())
        )
    )


def set_status(request: SupportRequest, status: SupportStatus) -> None:
    """Mark a request as seen or closed (or open it again)."""
    if status != request.status:
        request.closed_at = utcnow() if status == SupportStatus.CLOSED else None
    request.status = status
    db.session.flush()


def new_count(circle_id: int) -> int:
    """Requests of the circle that no facilitator has looked at yet."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(SupportRequest)
            .where(
                SupportRequest.circle_id == circle_id, SupportRequest.status == SupportStatus.NEW
            )
        )
        or 0
    )


def status_payload(request: SupportRequest) -> dict[str, Any]:
    """A request as its member's own live page shows it (never sent to anyone else)."""
    return {
        "id": request.id,
        "status": request.status.value,
        "label": request.status.label,
        "created_at": request.created_at.isoformat(),
    }
