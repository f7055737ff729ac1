"""Live clients that connect from an address of their own.

nginx's ``ip_hash`` keys on the first three octets of a client's IPv4 address, so every client
here comes from its own 127.N.0.1 (Linux routes all of 127.0.0.0/8 to the loopback interface):
through one nginx, clients then land on different processes, each always on the same one.
"""

from __future__ import annotations

import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
import socketio
from requests.adapters import HTTPAdapter

from tests.live.conftest import ORIGIN, LiveClient


@dataclass
class RecordingClient(LiveClient):
    """A live client that also keeps every event it received, in order, for counting."""

    history: list[tuple[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def times(self, event: str, prompt_id: int) -> int:
        """How many times ``event`` about ``prompt_id`` has arrived."""
        key = "id" if event == "prompt.opened" else "prompt_id"
        with self.lock:
            return sum(1 for name, data in self.history if name == event and data[key] == prompt_id)

    def await_event(self, event: str, prompt_id: int, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not self.times(event, prompt_id):
            assert time.monotonic() < deadline, f"no {event} for prompt {prompt_id}"
            time.sleep(0.02)


def loopback(n: int) -> str:
    """The n-th client address: its own /24 inside 127.0.0.0/8."""
    return f"127.{n}.0.1"


class FromAddress(HTTPAdapter):
    """Every connection of a requests session made from ``address``."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()  # builds the pool manager, so the address is set first

    def init_poolmanager(self, *args: Any, **kwargs: Any) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def http_session(address: str) -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # straight to nginx, whatever proxy the environment names
    session.mount("http://", FromAddress(address))
    return session


def connect_live(url: str, address: str, cookie: str, transport: str) -> RecordingClient:
    """A live client from ``address`` on one transport only: "websocket" or "polling"."""
    headers = {"Cookie": cookie}
    if transport == "websocket":
        # websocket-client cannot bind a source address, but takes a connected socket.
        parts = urlsplit(url)
        connected = socket.create_connection(
            (parts.hostname, parts.port), timeout=10, source_address=(address, 0)
        )
        sio = socketio.Client(
            reconnection=False, websocket_extra_options={"origin": ORIGIN, "socket": connected}
        )
    else:
        headers["Origin"] = ORIGIN  # what a browser sends with every long-polling request
        sio = socketio.Client(reconnection=False, http_session=http_session(address))
    client = RecordingClient(sio)

    @sio.on("*", namespace="/live")
    def record(event: str, data: Any = None) -> None:
        with client.lock:
            client.history.append((event, data))
        client.events.put((event, data))

    try:
        sio.connect(
            url, headers=headers, namespaces=["/live"], transports=[transport], wait_timeout=10
        )
    except Exception:
        if transport == "websocket":
            connected.close()
        raise
    return client
