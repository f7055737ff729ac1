"""JSON for Socket.IO packets: the standard library's, with the decoder built once.

Engine.IO's own ``loads`` passes a ``parse_int`` to :func:`json.loads` on every packet, which
makes the standard library build a new decoder each time: about a tenth of a busy live
server's CPU (docs/benchmarks.md). Here one decoder with the same guard serves every packet,
as :func:`json.loads` itself does with its default decoder.
"""

from __future__ import annotations

import json
from typing import Any

#: Engine.IO's limit: an integer of more digits than this is refused rather than parsed.
MAX_INT_DIGITS = 100


def _bounded_int(text: str) -> int:
    if len(text) > MAX_INT_DIGITS:
        raise ValueError("Integer is too large")
    return int(text)


_decoder = json.JSONDecoder(parse_int=_bounded_int)


def loads(text: str | bytes | bytearray, **options: Any) -> Any:
    if options:  # nothing in Socket.IO passes any; keep the guard if someone does
        return json.loads(text, **{"parse_int": _bounded_int, **options})
    if not isinstance(text, str):
        text = text.decode()
    return _decoder.decode(text)


dumps = json.dumps
