"""Opening prompts, a batch at a time.

Facilitators of many rooms open prompts at the top of the hour. A batch of ``prompt.open``
events in different sessions (see :mod:`circles.live.batch`) is authorised by one query, and
written with one statement per table: one update closes each room's current prompt, one insert
adds the new prompts, one update sets each session's status and timer. :func:`open_prompt` is a
batch of one. Two opens of the same session are never in one call: the caller runs them one
after the other.

Before any of that, one statement locks the batch's sessions that have not ended (PostgreSQL,
in id order; SQLite batches hold the database's write lock already) and reads them afresh: an
open racing ``session.end`` in another process is either refused (``ended``), or written first
and then closed by the end, which takes the same lock before closing every prompt of its room.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, insert, select, update

from circles.bulk import one_of
from circles.db import utcnow
from circles.extensions import db
from circles.i18n import lazy_gettext as _l
from circles.live.access import (
    Actor,
    Broadcast,
    LiveError,
    Outcome,
    Seat,
    invalid,
    is_id,
    require_facilitator,
)
from circles.live.models import (
    LivePrompt,
    LiveSession,
    LiveStatus,
    PlanItem,
    PromptKind,
    PromptStatus,
)
from circles.live.protocol import validate_spec
from circles.live.state import prompt_payload


@dataclass(frozen=True)
class Opening:
    """A ``prompt.open`` as the client sent it: a new prompt, or a step of the session plan."""

    spec: object
    plan_item: object = None


_prompts, _sessions, _plan = (
    LivePrompt.__table__.c,
    LiveSession.__table__.c,
    PlanItem.__table__.c,
)
#: Built once: batches run them many times a second.
_PLAN_STEPS = select(_plan.id, _plan.meeting_id, _plan.spec).where(one_of(_plan.id, "items"))
_CLOSE_CURRENT = (
    update(LivePrompt)
    .where(
        one_of(_prompts.session_id, "sessions"),
        _prompts.status.in_([PromptStatus.OPEN, PromptStatus.REVEALED]),
    )
    .values(status=PromptStatus.CLOSED)
    .returning(_prompts.session_id, _prompts.id)
)
_INSERT = insert(LivePrompt).returning(_prompts.id, sort_by_parameter_order=True)
#: The sessions still running, locked until the batch commits (``FOR NO KEY UPDATE``: inserts
#: elsewhere that refer to a session, such as commitments at a reveal, go on meanwhile).
_LOCK_RUNNING = (
    select(_sessions.id)
    .where(one_of(_sessions.id, "sessions"), _sessions.status != LiveStatus.ENDED)
    .order_by(_sessions.id)
    .with_for_update(key_share=True)
)
_SET_SESSION = (
    update(LiveSession)
    .where(_sessions.id == bindparam("session"), _sessions.status != LiveStatus.ENDED)
    .values(status=LiveStatus.OPEN, timer_ends_at=bindparam("ends_at"))
)


def open_prompts(
    batch: Sequence[tuple[Seat, Opening]], now: datetime | None = None
) -> list[Outcome | LiveError]:
    """Put each room its new prompt (its current one closes); every session at most once."""
    now = now or utcnow()
    steps = _plan_steps({o.plan_item for _, o in batch if is_id(o.plan_item)})
    results: list[Outcome | LiveError] = []
    rows: list[dict[str, Any]] = []
    for seat, opening in batch:
        try:
            rows.append(_new_prompt(seat, opening, steps))
            results.append(Outcome())
        except LiveError as error:
            results.append(error)
    if not rows:
        return results
    connection = db.session.connection()
    running = set(connection.scalars(_LOCK_RUNNING, {"sessions": [r["session_id"] for r in rows]}))
    if len(running) < len(rows):
        rows = _refuse_ended(results, rows, running)
        if not rows:
            return results
    current = connection.execute(_CLOSE_CURRENT, {"sessions": [row["session_id"] for row in rows]})
    closed = {session_id: prompt_id for session_id, prompt_id in current}
    ids = connection.execute(_INSERT, rows).scalars().all()
    ends = [now + timedelta(seconds=row["seconds"]) if row["seconds"] else None for row in rows]
    connection.execute(
        _SET_SESSION,
        [
            {"session": row["session_id"], "ends_at": end}
            for row, end in zip(rows, ends, strict=True)
        ],
    )
    # Sessions and prompts already loaded in this transaction are now out of date.
    db.session.expire_all()
    opened = iter(zip(rows, ids, ends, strict=True))
    for index, result in enumerate(results):
        if isinstance(result, Outcome):
            row, prompt_id, ends_at = next(opened)
            results[index] = _outcome(row, prompt_id, ends_at, closed.get(row["session_id"]))
    return results


def _refuse_ended(
    results: list[Outcome | LiveError], rows: list[dict[str, Any]], running: set[int]
) -> list[dict[str, Any]]:
    """Refuse the opens whose session has ended since its seat was read; the rows still to
    write."""
    kept = iter(rows)
    for index, result in enumerate(results):
        if isinstance(result, Outcome) and next(kept)["session_id"] not in running:
            results[index] = LiveError("ended", _l("This session has ended."))
    return [row for row in rows if row["session_id"] in running]


def open_prompt(
    session: LiveSession,
    actor: Actor,
    spec: object,
    now: datetime | None = None,
    *,
    plan_item_id: object = None,
) -> Outcome:
    """Put a prompt to the room (a new one, or the next step of the plan): a batch of one."""
    seat = Seat(session.id, session.circle_id, session.meeting_id, session.status, actor)
    (result,) = open_prompts([(seat, Opening(spec, plan_item_id))], now)
    if isinstance(result, LiveError):
        raise result
    return result


def _plan_steps(item_ids: set[Any]) -> dict[int, tuple[int, dict[str, Any]]]:
    """Plan steps by id: (their meeting, their prompt)."""
    if not item_ids:
        return {}
    rows = db.session.connection().execute(_PLAN_STEPS, {"items": list(item_ids)})
    return {item_id: (meeting_id, spec) for item_id, meeting_id, spec in rows}


def _new_prompt(
    seat: Seat, opening: Opening, steps: dict[int, tuple[int, dict[str, Any]]]
) -> dict[str, Any]:
    """The new prompt's row; LiveError when the facilitator may not open it or it is invalid."""
    require_facilitator(seat.actor)
    if seat.status == LiveStatus.ENDED:
        raise LiveError("ended", _l("This session has ended."))
    spec, plan_item_id = opening.spec, None
    if opening.plan_item is not None:
        if not is_id(opening.plan_item):
            raise invalid("plan_item must be a step of the session plan (a number).")
        meeting_id, step = steps.get(opening.plan_item, (None, None))  # type: ignore[call-overload]
        if step is None or seat.meeting_id is None or meeting_id != seat.meeting_id:
            raise LiveError("not_found", _l("There is no such step in this meeting's plan."))
        spec, plan_item_id = step, opening.plan_item
    clean = validate_spec(spec)
    kind = PromptKind(clean["kind"])
    return {
        "session_id": seat.session_id,
        "kind": kind,
        "text": clean["text"],
        "anonymous": clean["anonymous"],
        "status": PromptStatus.OPEN,
        "seconds": clean.get("seconds"),
        "options": clean.get("options"),
        "max_picks": clean.get("max_picks"),
        "scale": {k: clean[k] for k in ("min", "max", "min_label", "max_label")}
        if kind == PromptKind.SCALE
        else None,
        "follow_up": clean.get("follow_up", False),
        "plan_item_id": plan_item_id,
    }


@dataclass(frozen=True)
class _Written:
    """A prompt as this batch wrote it (an ORM object per prompt would cost more than the
    insert)."""

    id: int
    session_id: int
    kind: PromptKind
    text: str
    anonymous: bool
    status: PromptStatus
    seconds: int | None
    options: list[str] | None
    max_picks: int | None
    scale: dict[str, Any] | None
    follow_up: bool
    plan_item_id: int | None


def _outcome(
    row: dict[str, Any], prompt_id: int, ends_at: datetime | None, closes: int | None
) -> Outcome:
    payload = prompt_payload(_Written(id=prompt_id, **row))
    # One message to the room: the new prompt, the timer it sets (or clears), and the prompt
    # it closes.
    opened: dict[str, Any] = {
        **payload,
        "timer": {"ends_at": ends_at.isoformat() if ends_at else None},
    }
    if closes is not None:
        opened["closes"] = closes
    return Outcome(ack={"prompt": payload}, broadcasts=[Broadcast("prompt.opened", opened, "room")])
