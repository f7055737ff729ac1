"""The baseline: a bare python-socketio server doing the same room broadcast as the app.

No database, no authorisation: join a room (telling the room who is present, as the app does on
every join and departure), fan a prompt out to it, count answers for the facilitator, reveal
them to the room shuffled. Served the same way as the app (gunicorn, one gevent worker), with
python-socketio's defaults.

``BENCH_BARE_TUNED=1`` gives it the app's own process settings instead (events on each socket's
reader, the app's packet JSON, the app's garbage-collector tuning): a second baseline that shows
how much of the difference is the app's own work.
"""

from __future__ import annotations

import itertools
import os
import random
import secrets
from collections import defaultdict
from typing import Any

import socketio

TUNED = os.environ.get("BENCH_BARE_TUNED") == "1"
tuning: dict[str, Any] = {}
if TUNED:
    from circles.live import wire

    tuning = {"async_handlers": False, "json": wire}

sio = socketio.Server(
    async_mode="gevent", cors_allowed_origins="*", max_http_buffer_size=64 * 1024, **tuning
)
app = socketio.WSGIApp(sio)
if TUNED:
    from circles.serving import tune_garbage_collector

    tune_garbage_collector()
NS = "/live"
_prompt_ids = itertools.count(1)
_answers: dict[int, int] = defaultdict(int)
_values: dict[int, list[Any]] = defaultdict(list)
_roles: dict[str, str] = {}
_people = itertools.count(1)
#: Who is in each room (the app's ``presence`` list: id, name, role, raised hand), and where
#: each socket is.
_present: dict[Any, list[dict[str, Any]]] = defaultdict(list)
_seat_of: dict[str, tuple[Any, dict[str, Any]]] = {}


def _presence(session: Any) -> list[dict[str, Any]]:
    """The room's participants, facilitators first, as the app orders them."""
    return sorted(_present[session], key=lambda p: (p["role"] != "facilitator", p["name"]))


@sio.on("join", namespace=NS)
def join(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    session = data["session"]
    role = data.get("role", "member")
    _roles[sid] = role
    number = next(_people)
    person = {"id": number, "name": f"Person {number}", "role": role, "hand": False}
    _present[session].append(person)
    _seat_of[sid] = (session, person)
    sio.enter_room(sid, f"live:{session}", namespace=NS)
    if role == "facilitator":
        sio.enter_room(sid, f"live:{session}:facilitators", namespace=NS)
    # The app tells the room who is present on every join (the joiner included).
    participants = _presence(session)
    sio.emit("presence", {"participants": participants}, to=f"live:{session}", namespace=NS)
    return {"ok": True, "state": {"session": session, "participants": participants}}


@sio.on("disconnect", namespace=NS)
def disconnect(sid: str, reason: Any = None) -> None:
    seat = _seat_of.pop(sid, None)
    if seat is None:
        return
    session, person = seat
    _present[session].remove(person)
    participants = _presence(session)
    sio.emit("presence", {"participants": participants}, to=f"live:{session}", namespace=NS)


@sio.on("prompt.open", namespace=NS)
def prompt_open(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    prompt = {**data["prompt"], "id": next(_prompt_ids), "status": "open"}
    sio.emit("prompt.opened", prompt, to=f"live:{data['session']}", namespace=NS)
    return {"ok": True, "prompt": prompt}


@sio.on("response.submit", namespace=NS)
def response_submit(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    _answers[data["prompt_id"]] += 1
    _values[data["prompt_id"]].append(data["value"])
    count = {"prompt_id": data["prompt_id"], "count": _answers[data["prompt_id"]]}
    sio.emit("response.count", count, to=f"live:{data['session']}:facilitators", namespace=NS)
    return {"ok": True}


@sio.on("prompt.reveal", namespace=NS)
def prompt_reveal(sid: str, data: dict[str, Any]) -> dict[str, Any]:
    values = _values.pop(data["prompt_id"], [])
    random.shuffle(values)
    responses = [{"id": secrets.token_hex(16), "value": value} for value in values]
    revealed = {"prompt_id": data["prompt_id"], "responses": responses}
    sio.emit("prompt.revealed", revealed, to=f"live:{data['session']}", namespace=NS)
    return {"ok": True}
