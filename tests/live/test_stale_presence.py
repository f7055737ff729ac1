"""After a crash, presence forgets the people whose process is gone."""

from __future__ import annotations

from sqlalchemy import select

from circles.db import utcnow
from circles.extensions import db
from circles.live import processes
from circles.live.models import LiveConnection, LiveParticipant
from tests.live.conftest import joined


def names(state_or_presence):
    return [p["name"] for p in state_or_presence["participants"]]


def leave_a_row_behind(app, session_id, user, sid):
    """What a crashed process leaves: a connection row nobody will delete."""
    with app.app_context():
        if (
            db.session.scalar(
                select(LiveParticipant).where(
                    LiveParticipant.session_id == session_id, LiveParticipant.user_id == user.id
                )
            )
            is None
        ):
            db.session.add(
                LiveParticipant(session_id=session_id, user_id=user.id, joined_at=utcnow())
            )
        db.session.add(LiveConnection(sid=sid, session_id=session_id, user_id=user.id))
        db.session.commit()


def test_rows_of_a_gone_process_leave_presence_and_the_room_is_told(app, connect, room):
    s = room["session"].id
    c = joined(connect, room, "fran", "mo")
    leave_a_row_behind(app, s, room["nic"], "dead0000.left-behind")  # Nic's process died
    assert names(c["fran"].call("join", {"session": s})["state"]) == ["Fran", "Mo", "Nic"]

    processes.Liveness(app, None).once()

    assert names(c["mo"].wait_for("presence")) == ["Fran", "Mo"]
    with app.app_context():
        sids = set(db.session.scalars(select(LiveConnection.sid)))
    assert len(sids) == 2 and all(processes.owner_of(sid) == processes.process_id() for sid in sids)
    assert names(c["fran"].call("join", {"session": s})["state"]) == ["Fran", "Mo"]


def test_a_process_sweeps_when_it_takes_its_first_socket_and_only_then(app, room):
    s = room["session"].id
    leave_a_row_behind(app, s, room["nic"], "dead0000.left-behind")
    liveness = processes.Liveness(app, None)
    ran = []

    def start(task, sleep):
        ran.append(task)
        task(sleep)  # without a queue: one sweep, no beat

    liveness.first_socket(start, sleep=lambda seconds: None)
    liveness.first_socket(start, sleep=lambda seconds: None)
    assert len(ran) == 1
    with app.app_context():
        assert list(db.session.scalars(select(LiveConnection.sid))) == []


def test_with_a_queue_rows_of_live_processes_are_kept(app, room):
    s = room["session"].id
    leave_a_row_behind(app, s, room["nic"], "a11ce000.other-process")
    leave_a_row_behind(app, s, room["ola"], "dead0000.gone-process")
    leave_a_row_behind(app, s, room["mo"], "no-owner-at-all")
    with app.app_context():
        processes.sweep(lambda owner: owner == "a11ce000")
        db.session.commit()
        assert set(db.session.scalars(select(LiveConnection.sid))) == {"a11ce000.other-process"}


class FakeRedis:
    """Just enough of Redis for the process keys."""

    def __init__(self):
        self.keys = set()

    def exists(self, key):
        return key in self.keys

    def set(self, key, value, ex=None):
        self.keys.add(key)


def test_with_a_queue_a_process_is_gone_once_its_key_is_missing_at_two_beats(app):
    liveness = processes.Liveness(app, None)
    liveness.redis = FakeRedis()
    liveness.redis.set("circles:live:process:a11ce000", "1")
    assert liveness.is_alive("a11ce000")
    assert liveness.is_alive("dead0000")  # missing once: perhaps Redis was away a while
    assert not liveness.is_alive("dead0000")  # missing again a beat later: gone
