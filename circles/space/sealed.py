"""Small records sealed under their owner's key, padded to one size per kind (circles.sealing)."""

from __future__ import annotations

import json
from typing import Any

from circles.sealing import keyring


def seal_record(purpose: str, record: dict[str, Any], size: int) -> bytes:
    return keyring().seal(
        purpose, json.dumps(record, ensure_ascii=False, separators=(",", ":")).encode(), size
    )


def open_record(purpose: str, sealed: bytes) -> dict[str, Any] | None:
    plain = keyring().unseal(purpose, sealed)
    return None if plain is None else json.loads(plain)  # type: ignore[no-any-return]
