"""Revealing prompts, a batch at a time.

At the end of a round every facilitator reveals at once. A batch of ``prompt.reveal`` events
(see :mod:`circles.live.batch`) is authorised by one query for all of them
(:func:`circles.live.access.seats`), its prompts locked and read by one, anonymous prompts'
answers brought out of their seals together (:func:`circles.live.mixing.open_sealed`: one read),
named prompts' responses read by one query, and the prompts marked revealed by one update. An
anonymous prompt's payload is built from the responses just drawn; its outcome carries them,
for the writer to write out once the room has been sent them
(:func:`circles.live.mixing.write_out`).
:func:`reveal_prompt` is a batch of one, written out at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from circles.bulk import one_of
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
from circles.live.mixing import Sealed, open_sealed, write_out
from circles.live.models import (
    LivePrompt,
    LiveResponse,
    LiveSession,
    LiveStatus,
    PromptStatus,
)
from circles.live.state import reveal_payload


@dataclass(frozen=True)
class Reveal:
    """A ``prompt.reveal`` as the client sent it."""

    prompt_id: object


def reveal_prompt(session: LiveSession, actor: Actor, prompt_id: object) -> Outcome:
    """Show the answers to everyone, shuffled (a batch of one)."""
    seat = Seat(session.id, session.circle_id, session.meeting_id, session.status, actor)
    (result,) = reveal_prompts([(seat, Reveal(prompt_id))])
    if isinstance(result, LiveError):
        raise result
    write_out(result.opened)
    return result


def reveal_prompts(batch: Sequence[tuple[Seat, Reveal]]) -> list[Outcome | LiveError]:
    """Reveal each event's prompt; each event gets its outcome or the error it is refused with.

    The prompts are locked (PostgreSQL): answers being written in another process finish first
    and come out with the rest, or see the prompt no longer open.
    """
    ids = sorted({r.prompt_id for _, r in batch if is_id(r.prompt_id)})
    connection = db.session.connection()
    found = {row.id: row for row in connection.execute(_LOCKED, {"prompts": ids})} if ids else {}
    chosen: dict[int, tuple[Seat, Any]] = {}
    results: list[LiveError | int] = []
    for seat, reveal in batch:
        try:
            prompt = _revealable(seat, reveal.prompt_id, found, chosen)
        except LiveError as error:
            results.append(error)
            continue
        chosen[prompt.id] = (seat, prompt)
        results.append(prompt.id)
    if not chosen:
        return [r for r in results if isinstance(r, LiveError)]
    anonymous = [
        Sealed(p.id, p.kind, seat.session_id, seat.circle_id)
        for seat, p in chosen.values()
        if p.anonymous
    ]
    opened = open_sealed(anonymous)
    named = [prompt_id for prompt_id, (_, p) in chosen.items() if not p.anonymous]
    kept: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if named:
        for row in connection.execute(_NAMED, {"prompts": named}).mappings():
            kept[row["prompt_id"]].append(dict(row))
    connection.execute(_MARK_REVEALED, {"prompts": list(chosen)})
    # Prompts and submissions already loaded in this transaction are now out of date.
    db.session.expire_all()
    outcomes: list[Outcome | LiveError] = []
    for result in results:
        if isinstance(result, LiveError):
            outcomes.append(result)
            continue
        _, prompt = chosen[result]
        shown = opened.get(result) if prompt.anonymous else None
        rows = shown.responses if shown is not None else kept[result]
        rows = sorted(rows, key=lambda r: (r["shuffle_key"], r["id"]))
        payload = reveal_payload(prompt, rows)
        outcomes.append(
            Outcome(
                ack={},
                broadcasts=[Broadcast("prompt.revealed", payload, "room")],
                opened=[shown] if shown is not None else [],
            )
        )
    return outcomes


def _revealable(
    seat: Seat, prompt_id: object, found: dict[int, Any], chosen: dict[int, Any]
) -> Any:
    require_facilitator(seat.actor)
    if seat.status == LiveStatus.ENDED:
        raise LiveError("ended", _l("This session has ended."))
    if not is_id(prompt_id):
        raise invalid("prompt_id must be a number.")
    prompt = found.get(prompt_id)
    if prompt is None or prompt.session_id != seat.session_id:
        raise LiveError("not_found", _l("There is no such prompt in this session."))
    if prompt.status != PromptStatus.OPEN or prompt_id in chosen:
        raise LiveError("closed", _l("Only an open prompt can be revealed."))
    if not prompt.kind.takes_answers:
        raise invalid(_l("A silent reflection has nothing to reveal."))
    return prompt


_prompts, _responses = LivePrompt.__table__.c, LiveResponse.__table__.c
#: Built once: a round's reveals run them together.
_LOCKED = (
    select(
        _prompts.id,
        _prompts.session_id,
        _prompts.kind,
        _prompts.anonymous,
        _prompts.status,
        _prompts.options,
        _prompts.scale,
    )
    .where(one_of(_prompts.id, "prompts"))
    .order_by(_prompts.id)
    .with_for_update()
)
_NAMED = select(
    _responses.prompt_id,
    _responses.id,
    _responses.value,
    _responses.author_name,
    _responses.shuffle_key,
).where(one_of(_responses.prompt_id, "prompts"), _responses.hidden.is_(False))
_MARK_REVEALED = (
    update(LivePrompt)
    .where(one_of(_prompts.id, "prompts"))
    .values(status=PromptStatus.REVEALED, revealed=True)
)
