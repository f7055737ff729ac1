"""What a text reads in another language, from the app's own catalogues (tests compare pages
against these rather than against words copied into the test)."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_babel import gettext, ngettext

from circles.i18n import DEFAULT, LANGUAGES, speaking

#: Every language but the source language.
OTHER_LANGUAGES = [code for code in LANGUAGES if code != DEFAULT]
#: What a browser that prefers each language sends.
ACCEPT = {"en": "en-GB,en;q=0.9", "de": "de-DE,de;q=0.9,en;q=0.5", "es": "es-ES,es;q=0.9"}


def translated(app: Flask, code: str, text: str, **values: Any) -> str:
    """``text`` as the catalogue of ``code`` has it; asserts that it is translated."""
    with app.test_request_context(), speaking(code):
        result: str = gettext(text, **values)
    if code != DEFAULT:
        assert result != (text % values if values else text), f"{text!r} has no {code} text"
    return result


def translated_plural(app: Flask, code: str, one: str, many: str, count: int) -> str:
    with app.test_request_context(), speaking(code):
        result: str = ngettext(one, many, count)
    return result
