"""Values kept at rest that a copy of the database cannot read, nor tell apart by their size.

Everything a person gives anonymously passes through here on its way to the database, and so do
their own private copies (check-in history, commitments): each is padded to a size fixed by its
kind, whatever it holds, then sealed with AES-GCM under a key derived from the app's secret and
a purpose ("checkin-waiting", "commitment:<user id>", ...). A copy of the database alone reads
nothing and learns nothing from lengths: a long answer and a short one, an answer and a pass,
are sealed to the same number of bytes (docs/privacy.md, "Unlinkable at rest").

Rotating the secret: put the old one in ``SECRET_KEY_FALLBACKS`` (Flask's setting, read from
``CIRCLES_SECRET_KEY_FALLBACKS``); values sealed under it still open, new ones use the new key.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
from collections.abc import Sequence
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import Flask, current_app

_NONCE = 12
_TAG = 16
_LENGTH = struct.Struct(">I")


def sealed_size(size: int) -> int:
    """Bytes stored for a value padded to ``size``: nonce, ciphertext and tag."""
    return _NONCE + size + _TAG


@lru_cache(maxsize=4096)
def _key(secret: bytes, purpose: str) -> bytes:
    # The key derivation of circles.crypto.derive_key, so earlier sealed values still open.
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


@lru_cache(maxsize=4096)
def _cipher(secret: bytes, purpose: str) -> AESGCM:
    return AESGCM(_key(secret, purpose))


def pad(plain: bytes, size: int) -> bytes:
    """``plain`` with its length in front, filled up with zero bytes to exactly ``size``."""
    if len(plain) + _LENGTH.size > size:
        raise ValueError(f"{len(plain)} bytes do not fit a sealed value of {size}")
    return _LENGTH.pack(len(plain)) + plain + bytes(size - _LENGTH.size - len(plain))


def unpad(padded: bytes) -> bytes:
    (length,) = _LENGTH.unpack_from(padded)
    return padded[_LENGTH.size : _LENGTH.size + length]


class Keyring:
    """The app's secret and the ones it replaced; seals under the first, opens under any."""

    def __init__(self, secret: str | bytes, fallbacks: Sequence[str | bytes] = ()) -> None:
        self._secrets = [s.encode() if isinstance(s, str) else s for s in (secret, *fallbacks)]

    def seal(self, purpose: str, plain: bytes, size: int) -> bytes:
        """``plain`` padded to ``size`` and sealed: always :func:`sealed_size` bytes."""
        nonce = secrets.token_bytes(_NONCE)
        return nonce + _cipher(self._secrets[0], purpose).encrypt(nonce, pad(plain, size), None)

    def mac(self, purpose: str, data: str) -> str:
        """A keyed hash of ``data`` (64 hex digits): equal for equal data, meaningless without
        the secret (client ids kept only to recognise a repeat)."""
        return hmac.digest(_key(self._secrets[0], purpose), data.encode(), "sha256").hex()

    def unseal(self, purpose: str, sealed: bytes) -> bytes | None:
        """The plain bytes, or None when no key of the ring opens them."""
        nonce, body = sealed[:_NONCE], sealed[_NONCE:]
        for secret in self._secrets:
            try:
                return unpad(_cipher(secret, purpose).decrypt(nonce, body, None))
            except (InvalidTag, ValueError, struct.error):
                continue
        return None


def init_app(app: Flask) -> None:
    app.extensions["circles_keyring"] = Keyring(
        app.config["SECRET_KEY"], app.config.get("SECRET_KEY_FALLBACKS") or ()
    )


def keyring() -> Keyring:
    """The running app's keyring."""
    ring: Keyring = current_app.extensions["circles_keyring"]
    return ring
