"""Answers for clients that do not follow the Socket.IO protocol, in front of the libraries.

Two gaps of python-engineio / python-socketio (checked against engineio 4.x, socketio 5.x; the
tests in ``tests/live/test_bad_packets.py`` fail if a new version changes them):

* A long-polling POST larger than ``max_http_buffer_size``, or holding packets a client may not
  send: Engine.IO closes the session and waits for the client to collect the close packet with
  a poll, which cannot come while that POST is still open; the POST gets no answer at all, and
  its server thread waits for good. :class:`PollingGuard` answers it (413, 400) before
  Engine.IO sees it.
* A Socket.IO event that is not ``[name, ...]`` (an empty list, a name that is not text, data
  that is not JSON): Socket.IO's dispatch fails on it, Engine.IO logs the traceback and the
  client never gets its acknowledgement. :class:`LivePacket` decodes such data as "none" and
  :func:`refuse_malformed_events` acknowledges those events ``invalid``; other packets that
  cannot be decoded are dropped with a one-line warning.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Callable, Iterable
from typing import Any

import socketio
from engineio import packet as engineio_packet
from engineio import payload as engineio_payload
from socketio import packet

from circles.i18n import lazy_gettext as _l

log = logging.getLogger(__name__)

MALFORMED = _l("Send the event's name and one object as its payload.")
#: The refusal where no namespace answers in its socket's language (see ``malformed`` below).
MALFORMED_EVENT = {
    "ok": False,
    "error": {
        "code": "invalid",
        "message": "Send the event's name and one object as its payload.",  # untranslated: fallback
    },
}

StartResponse = Callable[..., Any]
WsgiApp = Callable[[dict[str, Any], StartResponse], Iterable[bytes]]


class MalformedPacket(ValueError):
    """A Socket.IO packet that cannot be decoded, and has no acknowledgement to answer with."""


class LivePacket(packet.Packet):  # type: ignore[misc]
    """Socket.IO's packet; an event whose data cannot be decoded (not JSON, nested too deep, an
    integer of too many digits) keeps its id and gets no data, to be answered ``invalid``."""

    def decode(self, encoded_packet: Any) -> int:
        try:
            attachments = int(super().decode(encoded_packet) or 0)
        except (ValueError, RecursionError) as error:
            if self.packet_type == packet.EVENT and self.id is not None:
                self.data = None
                return 0
            # Named by its kind only: the message may quote what the client sent.
            raise MalformedPacket(type(error).__name__) from None
        if self.packet_type not in _FROM_CLIENTS:
            raise MalformedPacket("a packet type clients do not send")
        return attachments


#: The packet types a client may send (CONNECT_ERROR goes the other way only).
_FROM_CLIENTS = frozenset(
    {
        packet.CONNECT,
        packet.DISCONNECT,
        packet.EVENT,
        packet.ACK,
        packet.BINARY_EVENT,
        packet.BINARY_ACK,
    }
)


def refuse_malformed_events(server: socketio.Server) -> None:
    """Answer events that are not ``[name, ...]`` as ``invalid``; drop undecodable packets."""
    dispatch = server._handle_event
    on_message = server.eio.handlers["message"]

    def handle_event(eio_sid: str, namespace: str | None, id: int | None, data: Any) -> None:
        if isinstance(data, list) and data and isinstance(data[0], str):
            dispatch(eio_sid, namespace, id, data)
            return
        namespace = namespace or "/"
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        if id is not None and sid is not None and server.manager.is_connected(sid, namespace):
            # In the socket's language when its namespace knows it (the live namespace does).
            handler = server.namespace_handlers.get(namespace)
            malformed = getattr(handler, "malformed", None)
            refusal = malformed(sid) if malformed is not None else MALFORMED_EVENT
            ack = server.packet_class(packet.ACK, namespace=namespace, id=id, data=[refusal])
            server._send_packet(eio_sid, ack)

    def handle_message(eio_sid: str, data: Any) -> None:
        try:
            on_message(eio_sid, data)
        except MalformedPacket as error:
            log.warning("dropped a malformed Socket.IO packet: %s", error)

    server._handle_event = handle_event
    server.eio.on("message", handle_message)


class PollingGuard:
    """WSGI middleware for long-polling POSTs that Engine.IO would refuse: too large (413), or
    not Engine.IO packets a client may send (400). Engine.IO refuses both by closing the session
    and waiting for a poll to collect the close packet, which never comes while the POST is
    still open: no answer, and a server thread held for good."""

    #: Bodies up to this size are read (and thrown away) before answering, so that the client,
    #: still sending, sees the answer rather than a reset connection.
    DRAIN = 1024 * 1024

    def __init__(self, app: WsgiApp, limit: int, path: str = "/socket.io/") -> None:
        self.app = app
        self.limit = limit
        self.path = path

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("REQUEST_METHOD") != "POST" or not str(
            environ.get("PATH_INFO", "")
        ).startswith(self.path):
            return self.app(environ, start_response)
        declared = str(environ.get("CONTENT_LENGTH") or "0").strip()
        length = int(declared) if declared.isdigit() and len(declared) < 19 else None
        if length is None:
            return _refuse(start_response, "400 Bad Request")
        if length > self.limit:
            if length <= self.DRAIN:
                _drain(environ["wsgi.input"], length)
                return _refuse(start_response, "413 Request Entity Too Large")
            return _refuse(start_response, "413 Request Entity Too Large", close=True)
        body = environ["wsgi.input"].read(length)
        if not _client_packets(body):
            return _refuse(start_response, "400 Bad Request")
        environ["wsgi.input"] = io.BytesIO(body)
        return self.app(environ, start_response)


#: What a client sends on the long-polling transport (Engine.IO 4): pongs, messages, the
#: upgrade and the close.
_CLIENT_PACKETS = frozenset(
    {engineio_packet.PONG, engineio_packet.MESSAGE, engineio_packet.UPGRADE, engineio_packet.CLOSE}
)


def _client_packets(body: bytes) -> bool:
    try:
        packets = engineio_payload.Payload(encoded_payload=body.decode("utf-8")).packets
    except (ValueError, UnicodeDecodeError):
        return False
    return all(p.packet_type in _CLIENT_PACKETS for p in packets)


def _drain(stream: Any, length: int) -> None:
    while length > 0:
        chunk = stream.read(min(length, 64 * 1024))
        if not chunk:
            return
        length -= len(chunk)


def _refuse(start_response: StartResponse, status: str, *, close: bool = False) -> list[bytes]:
    headers = [("Content-Type", "text/plain; charset=utf-8")]
    if close:
        headers.append(("Connection", "close"))
    start_response(status, headers)
    return [status.split(" ", 1)[1].encode()]
