"""Keys derived from the app's secret, and AES-GCM sealing of small values stored at rest.

A value sealed here can be opened only by someone holding both the database row and the app's
``SECRET_KEY``; a database copy alone reads nothing. Rotating the secret makes every sealed value
unreadable (callers treat that as "cannot be opened", never as an error page).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NONCE_BYTES = 12


def derive_key(secret_key: str | bytes, purpose: str) -> bytes:
    """A 256-bit key for one purpose (and often one person), derived from the app's secret."""
    secret = secret_key.encode() if isinstance(secret_key, str) else secret_key
    return hmac.new(secret, purpose.encode(), hashlib.sha256).digest()


def seal(key: bytes, plain: bytes, context: bytes | None = None) -> bytes:
    """Nonce and AES-GCM ciphertext of ``plain``; ``context`` is authenticated, not stored."""
    nonce = secrets.token_bytes(_NONCE_BYTES)
    return nonce + AESGCM(key).encrypt(nonce, plain, context)


def unseal(key: bytes, sealed: bytes, context: bytes | None = None) -> bytes | None:
    """The plain bytes, or None when the key, the context or the bytes do not match."""
    try:
        return AESGCM(key).decrypt(sealed[:_NONCE_BYTES], sealed[_NONCE_BYTES:], context)
    except (InvalidTag, ValueError):
        return None
