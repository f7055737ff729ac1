"""What a refused live event is answered: ``{"ok": false, "error": {"code", "message"}}``, the
message in the language of the socket it answers (docs/protocol.md)."""

from __future__ import annotations

from typing import Any

from flask import Flask

from circles.i18n import DEFAULT, LANGUAGES, speaking
from circles.i18n import lazy_gettext as _l


def refusal(code: str, message: Any, language: str = DEFAULT) -> dict[str, Any]:
    """A refused event's acknowledgement, its message (lazy, see :class:`.access.LiveError`)
    put in words in the language of the socket it answers. Needs an app context."""
    with speaking(language):
        text = str(message)
    return {"ok": False, "error": {"code": code, "message": text}}


SOMETHING_WENT_WRONG = _l("Something went wrong; please try again.")


class Refusals:
    """The refusals that carry no detail, in each language, put in words once (they are sent
    outside any app context too: throttled events, undecodable packets)."""

    def __init__(self, app: Flask, messages: dict[str, Any]) -> None:
        with app.app_context():
            self.ready = {
                (key, language): refusal(code, message, language)
                for key, (code, message) in messages.items()
                for language in LANGUAGES
            }

    def __call__(self, key: str, language: str) -> dict[str, Any]:
        return self.ready.get((key, language)) or self.ready[key, DEFAULT]
