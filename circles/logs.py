"""Secrets never reach a log: the request lines of web servers lose their tokens.

A reset, invitation, sign-up or calendar link is a password for as long as it works, and an
Engine.IO ``sid`` lets whoever holds it read that connection's messages. The development
server (``werkzeug``) and gunicorn's access log (when an operator turns it on) write every
request line; this filter rewrites them before they are written: route variables named
``token``, the query values of ``token``, ``sid`` and ``q`` (search words), and any other path
segment or query value that looks like a random token become ``[redacted]``.
"""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from werkzeug.exceptions import HTTPException
from werkzeug.routing import Map

REDACTED = "[redacted]"
#: Query parameters whose values are secrets, or private: ``q`` is what someone searched for (in
#: their own journal, or a roster's names).
_SECRET_PARAMETERS = frozenset({"token", "sid", "q"})
#: Route variables whose values are secrets.
_SECRET_VARIABLES = frozenset({"token"})
#: What a random token looks like: a long run of URL-safe characters (ours are 43 long; signed
#: ones such as reset links have dots).
_TOKEN_LIKE = re.compile(r"[A-Za-z0-9_\-.]{24,}")
#: A request target inside a log message: a path after a method, or on its own.
_TARGET = re.compile(r"(?<![^\s\"'])(/[^\s\"']*)")
#: The loggers that write request lines.
REQUEST_LOGGERS = ("werkzeug", "gunicorn.access")


class RedactSecrets(logging.Filter):
    """Rewrites request targets in a record's message and arguments; never drops a record."""

    def __init__(self, url_map: Map) -> None:
        super().__init__()
        self._adapter = url_map.bind("localhost")

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = self.redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(self.redact(a) if isinstance(a, str) else a for a in record.args)
        elif isinstance(record.args, dict):  # gunicorn's access log: atoms by name
            record.args = {k: self._atom(k, v) for k, v in record.args.items()}
        return True

    def redact(self, text: str) -> str:
        """Every request target in ``text`` (after a space or a quote) with its secrets out."""
        return _TARGET.sub(lambda m: self._target(m.group(1)), text)

    def _atom(self, name: str, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if name == "q":  # the query string alone
            return self._query(value)
        if name == "U":  # the path alone
            return self._path(value)
        if name == "f":  # the referrer: a whole URL
            parts = urlsplit(value)
            target = self._target(f"{parts.path}?{parts.query}" if parts.query else parts.path)
            return urlunsplit((parts.scheme, parts.netloc, "", "", "")) + target
        return self.redact(value)

    def _target(self, target: str) -> str:
        path, _, query = target.partition("?")
        return f"{self._path(path)}?{self._query(query)}" if query else self._path(path)

    def _query(self, query: str) -> str:
        pairs = [(k, self._value(k, v)) for k, v in parse_qsl(query, keep_blank_values=True)]
        return urlencode(pairs, safe="[]/")

    def _value(self, name: str, value: str) -> str:
        if name in _SECRET_PARAMETERS or _TOKEN_LIKE.fullmatch(value):
            return REDACTED
        if value.startswith("/"):  # a page to go to next: /login?next=/join/<token>
            return self._target(value)
        return value

    def _path(self, path: str) -> str:
        try:
            _, values = self._adapter.match(path, method="GET")
        except (HTTPException, Exception):  # not a page of ours, or a redirect
            values = {}
        for name in _SECRET_VARIABLES & set(values):
            value = str(values[name])
            if value:
                path = path.replace(value, REDACTED)
        return "/".join(
            REDACTED if _TOKEN_LIKE.fullmatch(segment) else segment for segment in path.split("/")
        )


def install(url_map: Map, loggers: Any = REQUEST_LOGGERS) -> RedactSecrets:
    """Put the filter on the loggers that write request lines (once per logger)."""
    redactor = RedactSecrets(url_map)
    for name in loggers:
        logger = logging.getLogger(name)
        for old in [f for f in logger.filters if isinstance(f, RedactSecrets)]:
            logger.removeFilter(old)
        logger.addFilter(redactor)
    return redactor
