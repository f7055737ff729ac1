"""Each live socket speaks its person's language, decided once when it opens: their own setting,
else the ``Accept-Language`` of the socket's handshake, else English. Refusals are put in words
in that language (event names, payload keys and error codes never change)."""

from __future__ import annotations

import socketio
from sqlalchemy import update

from circles.accounts.models import User
from circles.extensions import db
from circles.i18n import gettext, speaking
from circles.live.sockets import LOGINS
from tests.live.conftest import ORIGIN, cookie_for


def set_language(app, user, code):
    with app.app_context():
        db.session.execute(update(User).where(User.id == user.id).values(language=code))
        db.session.commit()


def open_socket(app, server_url, user, accept_language=None):
    headers = {"Cookie": cookie_for(app, user)}
    if accept_language:
        headers["Accept-Language"] = accept_language
    sio = socketio.Client(reconnection=False, websocket_extra_options={"origin": ORIGIN})
    sio.connect(
        server_url, headers=headers, namespaces=["/live"], transports=["websocket"], wait_timeout=5
    )
    return sio


def language_of(app, sio):
    return app.extensions[LOGINS][sio.get_sid(namespace="/live")].language


def in_language(app, code, text):
    with app.app_context(), speaking(code):
        return gettext(text)


def test_the_setting_comes_first_then_the_browser_then_english(app, server_url, room):
    set_language(app, room["mo"], "de")
    sockets = [
        open_socket(app, server_url, room["mo"], "es-MX,es;q=0.9"),
        open_socket(app, server_url, room["nic"], "es-MX,es;q=0.9,en;q=0.5"),
        open_socket(app, server_url, room["ola"], "fr-FR,fr;q=0.9"),
        open_socket(app, server_url, room["ola"]),
    ]
    try:
        assert [language_of(app, sio) for sio in sockets] == ["de", "es", "en", "en"]
    finally:
        for sio in sockets:
            sio.disconnect()


def test_a_refusal_is_put_in_words_in_the_sockets_language(app, server_url, room):
    set_language(app, room["mo"], "de")
    german = open_socket(app, server_url, room["mo"])
    spanish = open_socket(app, server_url, room["nic"], "es")
    english = open_socket(app, server_url, room["ola"])
    try:
        missing = {"session": room["session"].id + 1000}
        for sio, code in ((german, "de"), (spanish, "es"), (english, "en")):
            ack = sio.call("join", missing, namespace="/live", timeout=5)
            assert ack["ok"] is False
            assert ack["error"]["code"] == "not_found"
            expected = in_language(app, code, "There is no such live session.")
            assert ack["error"]["message"] == expected
        ack = english.call("join", missing, namespace="/live", timeout=5)
        assert ack["error"]["message"] == "There is no such live session."
        # Refused before the batch writer too (the payload is not an object).
        ack = german.call("join", "not an object", namespace="/live", timeout=5)
        assert ack["error"] == {
            "code": "invalid",
            "message": in_language(app, "de", "Send one object as the event's payload."),
        }
    finally:
        for sio in (german, spanish, english):
            sio.disconnect()
