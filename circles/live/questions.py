"""What the live package answers when other features ask (the questions of
:mod:`circles.signals`): the open room of a circle or a person, the size of meeting plans, the
demo's plan and finished session, a person's live data for the export, other people's live data
for erasure, and the daily clean-up of expired answers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, or_, select

from circles import signals
from circles.extensions import db
from circles.groups.models import Circle, CircleMember
from circles.live import demo, planning, rooms
from circles.live.commitments import made_by
from circles.live.models import Commitment, LiveParticipant, LiveSession, SavedPrompt
from circles.live.personal import personal_sections
from circles.live.retention import purge_expired_content
from circles.meetings.models import Meeting
from circles.orgs.models import Organisation


def open_room(circle_id: int, **_: Any) -> LiveSession | None:
    return rooms.active_session(circle_id)


def open_rooms(user_id: int, **_: Any) -> list[tuple[LiveSession, Circle]]:
    return rooms.active_sessions_for(user_id)


def plan_sizes(meeting_ids: Iterable[int], **_: Any) -> dict[int, int]:
    return planning.plan_sizes(meeting_ids)


def demo_live(meeting: Meeting, *, keys: Iterable[str], **_: Any) -> tuple[int, int]:
    """Plan the demo's first meeting and hold a short, finished session in its circle (the
    caller commits): the steps planned and the commitments made."""
    steps = demo.plan_meeting(meeting, keys)
    return steps, demo.hold_finished_session(db.session.get_one(Circle, meeting.circle_id))


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


def commitments(user_id: int, **_: Any) -> list[dict[str, Any]]:
    return made_by(user_id)


def journal_prompts(user_id: int, **_: Any) -> list[dict[str, Any]]:
    """Open-text prompts of the libraries of the person's circles, for their journal: the
    organisation's shared ones and each circle's own (only circles they are in)."""
    circles = select(CircleMember.circle_id).where(CircleMember.user_id == user_id)
    orgs = select(Circle.org_id).where(Circle.id.in_(circles))
    rows = db.session.execute(
        select(SavedPrompt, Organisation.name, Circle.name)
        .join(Organisation, Organisation.id == SavedPrompt.org_id)
        .outerjoin(Circle, Circle.id == SavedPrompt.circle_id)
        .where(
            SavedPrompt.org_id.in_(orgs),
            or_(SavedPrompt.circle_id.is_(None), SavedPrompt.circle_id.in_(circles)),
        )
        .order_by(SavedPrompt.id)
    ).all()
    found = [
        {"key": f"saved:{p.id}", "text": p.spec["text"], "source": circle or org}
        for p, org, circle in rows
        if p.spec.get("kind") == "text"
    ]
    return sorted(found, key=lambda p: p["source"])


def connect() -> None:
    """Answer (once per process; connecting the same listener again changes nothing)."""
    signals.open_room_asked.connect(open_room)
    signals.open_rooms_asked.connect(open_rooms)
    signals.plan_sizes_asked.connect(plan_sizes)
    signals.demo_live_asked.connect(demo_live)
    signals.personal_data_asked.connect(personal_data)
    signals.others_content_asked.connect(others_content)
    signals.content_expired.connect(content_expired)
    signals.commitments_asked.connect(commitments)
    signals.journal_prompts_asked.connect(journal_prompts)
