"""A live socket opens only with a login a page would accept (checked without a request context,
see ``circles.live.handshake.login_token``): these fail if Flask or Flask-Login change how the
session cookie holds the login, or if the socket's check drifts from the pages' one."""

from __future__ import annotations

from datetime import timedelta

import pytest
import socketio
from sqlalchemy import delete, select, update

from circles.accounts.models import AuthSession
from circles.db import utcnow
from circles.extensions import db
from circles.orgs.models import Organisation
from tests.conftest import client_for


def cookie_of(app, browser):
    cookie = browser.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return f"{cookie.key}={cookie.value}"


def refused(connect, cookie):
    with pytest.raises(socketio.exceptions.ConnectionError):
        connect(cookie=cookie)
    return True


def logins_of(user):
    return select(AuthSession).where(AuthSession.user_id == user.id)


def test_the_cookie_a_page_accepts_opens_a_socket_and_a_forged_one_does_not(app, connect, room):
    browser = client_for(app, room["mo"])
    cookie = cookie_of(app, browser)

    client = connect(cookie=cookie)
    assert client.call("join", {"session": room["session"].id})["ok"]

    name, value = cookie.split("=", 1)
    assert refused(connect, f"{name}={value[:-2]}xx")
    assert refused(connect, f"{name}=")
    assert refused(connect, "other_cookie=1")


def test_a_login_that_ended_or_grew_too_old_opens_no_socket(app, connect, room):
    browser = client_for(app, room["mo"])
    cookie = cookie_of(app, browser)
    with app.app_context():
        too_old = utcnow() - timedelta(days=app.config["CIRCLES_SESSION_MAX_DAYS"], minutes=1)
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == room["mo"].id)
            .values(created_at=too_old)
        )
        db.session.commit()
    assert refused(connect, cookie)

    other = client_for(app, room["nic"])
    cookie = cookie_of(app, other)
    with app.app_context():
        db.session.execute(delete(AuthSession).where(AuthSession.user_id == room["nic"].id))
        db.session.commit()
    assert refused(connect, cookie)


def test_staff_who_must_set_up_two_step_sign_in_first_open_no_socket(app, connect, room):
    with app.app_context():
        db.session.execute(update(Organisation).values(require_second_factor=True))
        db.session.commit()
    assert refused(connect, cookie_of(app, client_for(app, room["fran"])))
    # Members of the circle who are not staff of the organisation are not held to it.
    assert connect(room["mo"]).call("join", {"session": room["session"].id})["ok"]


def test_opening_a_socket_counts_as_activity_on_the_login(app, connect, room):
    cookie = cookie_of(app, client_for(app, room["mo"]))
    an_hour_ago = utcnow() - timedelta(hours=1)
    with app.app_context():
        db.session.execute(
            update(AuthSession)
            .where(AuthSession.user_id == room["mo"].id)
            .values(last_seen_at=an_hour_ago)
        )
        db.session.commit()
    connect(cookie=cookie)
    with app.app_context():
        (login,) = db.session.scalars(logins_of(room["mo"])).all()
        assert login.last_seen_at > an_hour_ago + timedelta(minutes=59)
