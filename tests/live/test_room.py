"""The room over time: late joiners, timers, rounds, hands, moderation, the end, removal."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import func, select

from circles.extensions import db
from circles.live.commitments import opened_text
from circles.live.models import (
    Commitment,
    LiveParticipant,
    LivePrompt,
    LiveResponse,
    LiveSubmission,
)
from tests.conftest import client_for
from tests.live.conftest import TEXT_PROMPT, cookie_for, joined


def eventually_disconnected(client, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not client.sio.connected:
            return True
        time.sleep(0.05)
    return False


def rows(app, model):
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(model))


def test_a_late_joiner_gets_the_prompt_the_reveal_the_timer_and_the_round(connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    prompt_id = c["fran"].call(
        "prompt.open", {"session": s, "prompt": {**TEXT_PROMPT, "seconds": 120}}
    )["prompt"]["id"]
    c["mo"].call(
        "response.submit", {"session": s, "prompt_id": prompt_id, "value": "Calm", "client_id": "1"}
    )
    c["fran"].call("prompt.reveal", {"session": s, "prompt_id": prompt_id})
    assert c["fran"].call("round.start", {"session": s})["ok"]

    late = joined(connect, room, "ola")["ola"].state
    assert late["status"] == "open"
    assert late["prompt"]["id"] == prompt_id and late["prompt"]["status"] == "revealed"
    assert [r["value"] for r in late["revealed"]] == ["Calm"]
    assert late["timer"]["ends_at"]
    assert late["round"]["order"] == ["Mo", "Nic"] and late["round"]["speaker"] == "Mo"
    assert late["you"]["answered"] is False
    assert "count" not in late  # members never see how many answered

    # Reconnecting gives the same state back, including one's own answer.
    c["mo"].close()
    again = joined(connect, room, "mo")["mo"].state
    assert again["you"]["answered"] is True and again["revealed"] == late["revealed"]


def test_timers_rounds_and_hands_reach_everyone(connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    ack = c["fran"].call("timer.start", {"session": s, "seconds": 90})
    assert c["mo"].wait_for("timer") == {"ends_at": ack["ends_at"]}
    c["fran"].call("timer.stop", {"session": s})
    assert c["nic"].wait_for("timer") == {"ends_at": ack["ends_at"]}
    assert c["nic"].wait_for("timer") == {"ends_at": None}

    c["fran"].call("round.start", {"session": s})
    assert c["nic"].wait_for("round")["round"] == {
        "order": ["Mo", "Nic"],
        "current": 0,
        "speaker": "Mo",
    }
    c["fran"].call("round.next", {"session": s})
    assert c["nic"].wait_for("round")["round"]["speaker"] == "Nic"
    c["fran"].call("round.next", {"session": s})
    assert [c["mo"].wait_for("round")["round"] for _ in range(3)][-1] is None  # all have spoken

    c["nic"].received("presence")
    assert c["mo"].call("hand.raise", {"session": s})["ok"]
    hands = {p["name"]: p["hand"] for p in c["nic"].wait_for("presence")["participants"]}
    assert hands == {"Fran": False, "Mo": True, "Nic": False}
    c["mo"].call("hand.lower", {"session": s})
    assert not any(
        p["hand"] for p in c["fran"].wait_for("presence")["participants"] if p["name"] == "Mo"
    )

    assert c["nic"].call("reaction.send", {"session": s, "kind": "heart"})["ok"]
    assert c["mo"].wait_for("reaction") == {"kind": "heart"}  # no name on a reaction


def test_the_facilitator_hides_a_response_and_it_stays_hidden(connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    prompt_id = c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]["id"]
    c["mo"].call(
        "response.submit",
        {"session": s, "prompt_id": prompt_id, "value": "Something unkind", "client_id": "1"},
    )
    c["nic"].call(
        "response.submit",
        {"session": s, "prompt_id": prompt_id, "value": "Grateful", "client_id": "2"},
    )
    c["fran"].call("prompt.reveal", {"session": s, "prompt_id": prompt_id})
    responses = c["fran"].wait_for("prompt.revealed")["responses"]
    unkind = next(r["id"] for r in responses if r["value"] == "Something unkind")
    assert c["fran"].call("response.hide", {"session": s, "response_id": unkind})["ok"]
    assert c["nic"].wait_for("response.hidden") == {"response_id": unkind, "prompt_id": prompt_id}
    state = c["nic"].call("join", {"session": s})["state"]
    assert [r["value"] for r in state["revealed"]] == ["Grateful"]


def test_a_removed_participant_is_disconnected_and_cannot_rejoin(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    mo_member = next(
        p["id"]
        for p in c["fran"].state["participants"] + c["nic"].state["participants"]
        if p["name"] == "Mo"
    )
    assert c["fran"].call("participant.remove", {"session": s, "user": mo_member})["ok"]
    assert eventually_disconnected(c["mo"])
    time.sleep(0.2)
    last = c["nic"].received("presence")[-1]
    assert [p["name"] for p in last["participants"]] == ["Fran", "Nic"]
    back = connect(room["mo"]).call("join", {"session": s})
    assert back["ok"] is False and back["error"]["code"] == "removed"


@pytest.mark.parametrize("how", ["logout", "password", "removed_from_circle"])
def test_ending_the_login_or_the_membership_closes_the_socket_at_once(app, connect, room, how):
    browser = client_for(app, room["mo"])
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    mo = connect(cookie=f"{cookie.key}={cookie.value}")
    assert mo.call("join", {"session": room["session"].id})["ok"]
    if how == "logout":
        browser.post("/logout")
    elif how == "password":
        from tests.factories import PASSWORD

        new = "a new passphrase that is long"
        browser.post(
            "/account/password",
            data={"current_password": PASSWORD, "password": new, "confirm": new},
        )
    else:
        fran = client_for(app, room["fran"])
        with app.app_context():
            from circles.groups.models import CircleMember

            member_id = db.session.scalar(
                select(CircleMember.id).where(CircleMember.user_id == room["mo"].id)
            )
        fran.post(f"/circles/{room['circle'].id}/members/{member_id}/remove")
    assert eventually_disconnected(mo)


def test_a_socket_whose_login_ended_is_refused_even_without_a_push(app, connect, room):
    """If the disconnect push is missed, the next event still finds the login gone."""
    from circles.accounts.models import AuthSession

    mo = connect(cookie=cookie_for(app, room["mo"]))
    with app.app_context():
        db.session.execute(AuthSession.__table__.delete())
        db.session.commit()
    ack = mo.call("hand.raise", {"session": room["session"].id})
    assert ack["ok"] is False and ack["error"]["code"] == "unauthenticated"
    assert eventually_disconnected(mo)


def test_a_socket_whose_login_grew_too_old_is_refused(app, connect, room):
    from datetime import timedelta

    from circles.accounts.models import AuthSession

    mo = connect(cookie=cookie_for(app, room["mo"]))
    assert mo.call("join", {"session": room["session"].id})["ok"] is True
    with app.app_context():
        too_old = timedelta(days=app.config["CIRCLES_SESSION_MAX_DAYS"], minutes=1)
        for login in db.session.scalars(select(AuthSession)):
            login.created_at -= too_old
        db.session.commit()
    ack = mo.call("hand.raise", {"session": room["session"].id})
    assert ack["ok"] is False and ack["error"]["code"] == "unauthenticated"
    assert eventually_disconnected(mo)


def test_ending_keeps_attendance_and_commitments_and_deletes_the_rest(app, connect, room):
    c = joined(connect, room, "fran", "mo", "nic")
    s = room["session"].id
    text_id = c["fran"].call("prompt.open", {"session": s, "prompt": TEXT_PROMPT})["prompt"]["id"]
    c["mo"].call(
        "response.submit",
        {"session": s, "prompt_id": text_id, "value": "Heavy week", "client_id": "1"},
    )
    commit = {"kind": "commitment", "text": "One small thing for this week?"}
    commit_id = c["fran"].call("prompt.open", {"session": s, "prompt": commit})["prompt"]["id"]
    c["mo"].call(
        "response.submit",
        {"session": s, "prompt_id": commit_id, "value": "Walk every morning", "client_id": "2"},
    )
    assert c["fran"].call("session.end", {"session": s})["ok"]
    assert c["nic"].wait_for("session.ended") == {"session": s}

    assert rows(app, LiveResponse) == 0
    assert rows(app, LiveParticipant) == 3  # attendance
    assert rows(app, LivePrompt) == 2  # the prompts themselves (the facilitator's words) stay
    with app.app_context():
        kept = db.session.scalars(select(Commitment)).all()
        assert [(k.user_id, opened_text(k.user_id, k.sealed)) for k in kept] == [
            (room["mo"].id, "Walk every morning")
        ]
        assert b"Walk" not in kept[0].sealed  # sealed: a copy of the database cannot read it
        assert rows(app, LiveSubmission) == 2
        assert db.session.scalars(select(LiveSubmission.sealed)).all() == [None, None]
    after = c["mo"].call("hand.raise", {"session": s})
    assert after["ok"] is False and after["error"]["code"] == "ended"


def test_commitments_come_back_to_their_author_alone_next_session(app, make, connect, room):
    c = joined(connect, room, "fran", "mo")
    s = room["session"].id
    commit_id = c["fran"].call(
        "prompt.open", {"session": s, "prompt": {"kind": "commitment", "text": "This week?"}}
    )["prompt"]["id"]
    c["mo"].call(
        "response.submit",
        {"session": s, "prompt_id": commit_id, "value": "Call my sister", "client_id": "1"},
    )
    c["fran"].call("session.end", {"session": s})

    following = make.live_session(room["circle"], room["fran"])
    mo_state = connect(room["mo"]).call("join", {"session": following.id})["state"]
    assert [x["text"] for x in mo_state["commitments"]] == ["Call my sister"]
    nic_state = connect(room["nic"]).call("join", {"session": following.id})["state"]
    assert nic_state["commitments"] == []
    fran_state = connect(room["fran"]).call("join", {"session": following.id})["state"]
    assert "commitments" not in fran_state


def test_events_are_rate_limited_per_connection(connect, room):
    mo = connect(room["mo"])
    s = room["session"].id
    acks = [mo.call("reaction.send", {"session": s, "kind": "heart"}) for _ in range(25)]
    codes = [a["error"]["code"] for a in acks if not a["ok"]]
    assert "rate_limited" in codes
    other = connect(room["nic"])  # another connection has its own allowance
    assert other.call("reaction.send", {"session": s, "kind": "heart"})["ok"]


def test_the_connection_limit_is_a_moving_window_per_socket():
    import time

    from circles.live.events import ConnectionLimiter

    limiter = ConnectionLimiter("3 per second;5 per 2 seconds")
    assert [limiter.allow("a") for _ in range(4)] == [True, True, True, False]
    assert limiter.allow("b")  # each socket counts alone
    time.sleep(1.05)
    # A second later the per-second window has room again; refused events never counted.
    assert [limiter.allow("a") for _ in range(3)] == [True, True, False]  # 5 in 2 seconds
    limiter.forget("a")
    assert limiter.allow("a")
