"""What the live package answers when other features ask (the questions of
:mod:`circles.signals`): the open room of a circle or a person, the size of meeting plans, the
demo's plan, a person's live data for the export, other people's live data for erasure, and the
daily clean-up of expired answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from circles import signals
from circles.extensions import db
from circles.groups.models import Circle
from circles.live import planning, rooms
from circles.live.models import Commitment, LiveParticipant, LiveSession
from circles.live.personal import personal_sections
from circles.live.retention import purge_expired_content
from circles.meetings.models import Meeting


def open_room(circle_id: int, **_: Any) -> LiveSession | None:
    return rooms.active_session(circle_id)


def open_rooms(user_id: int, **_: Any) -> list[tuple[LiveSession, Circle]]:
    return rooms.active_sessions_for(user_id)


def plan_sizes(meeting_ids: Iterable[int], **_: Any) -> dict[int, int]:
    return planning.plan_sizes(meeting_ids)


def plan_demo(meeting: Meeting, *, keys: Iterable[str], **_: Any) -> int:
    """Plan the demo's first meeting from the built-in library (the caller commits)."""
    circle = db.session.get_one(Circle, meeting.circle_id)
    for key in keys:
        planning.add_to_plan(meeting, planning.entry_by_ref(circle, f"builtin:{key}").spec)
    return len(planning.plan_for(meeting.id))


def personal_data(user_id: int, **_: Any) -> dict[str, list[dict[str, Any]]]:
    return personal_sections(user_id)


def others_content(user_id: int, *, circles: Select[Any], **_: Any) -> list[Select[Any]]:
    """Commitments and room places of anyone but the person, in those circles."""
    return [
        select(Commitment.id).where(
            Commitment.circle_id.in_(circles), Commitment.user_id != user_id
        ),
        select(LiveParticipant.id)
        .join(LiveSession, LiveSession.id == LiveParticipant.session_id)
        .where(LiveSession.circle_id.in_(circles), LiveParticipant.user_id != user_id),
    ]


def content_expired(now: datetime, **_: Any) -> int:
    return purge_expired_content(now)


def connect() -> None:
    """Answer (once per process; connecting the same listener again changes nothing)."""
    signals.open_room_asked.connect(open_room)
    signals.open_rooms_asked.connect(open_rooms)
    signals.plan_sizes_asked.connect(plan_sizes)
    signals.demo_plan_asked.connect(plan_demo)
    signals.personal_data_asked.connect(personal_data)
    signals.others_content_asked.connect(others_content)
    signals.content_expired.connect(content_expired)
