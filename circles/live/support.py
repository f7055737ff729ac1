"""Support requests from the live room: facilitators learn how many wait, never who."""

from __future__ import annotations

from typing import Any

from circles.exceptions import ServiceError
from circles.live.access import (
    Actor,
    Broadcast,
    LiveError,
    Outcome,
    require_member,
    require_running,
)
from circles.live.models import (
    LiveSession,
)
from circles.live.protocol import checked_text
from circles.safety import services as safety
from circles.safety.models import MAX_MESSAGE


def support_notice(circle_id: int) -> dict[str, Any]:
    """What facilitators see of support requests in the room: how many wait, never who."""
    return {"new": safety.new_count(circle_id)}


def support_broadcast(circle_id: int) -> Broadcast:
    return Broadcast("support.requested", support_notice(circle_id), "facilitators")


def ask_for_support(session: LiveSession, actor: Actor, message: object) -> Outcome:
    """A member asks, by name, for a facilitator to reach out (the room sees nothing of it)."""
    require_member(actor)
    require_running(session)
    text = checked_text(message, "message", MAX_MESSAGE, required=False)
    try:
        support = safety.request_support(session.circle_id, actor.user_id, text)
    except ServiceError as error:
        raise LiveError("invalid" if error.field else "limit", error.message) from None
    safety.notify_facilitators(session.circle_id)  # mailed once the batch commits
    return Outcome(
        ack={"support": safety.status_payload(support)},
        broadcasts=[support_broadcast(session.circle_id)],
    )
