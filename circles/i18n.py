"""Languages: which one a page, a mail or a live room speaks, and how people choose it.

English, German and Spanish. The language comes from the person's own setting, else from the
choice made on this browser with the switcher (kept in the session, also before sign-in), else
from the browser's ``Accept-Language``. Texts go through Flask-Babel's catalogues in
``circles/translations``; dates, times and numbers are formatted by Babel for that language.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

import flask_babel
from flask import (
    Blueprint,
    Flask,
    Response,
    abort,
    g,
    has_request_context,
    make_response,
    redirect,
    request,
    session,
)
from flask.typing import ResponseReturnValue
from flask_babel import Babel, force_locale, get_locale
from flask_login import current_user
from markupsafe import Markup
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from circles.extensions import db


@dataclass(frozen=True)
class Language:
    #: The code pages and settings use (``<html lang>``, the stored setting).
    code: str
    #: Its own name for itself, as the switcher shows it.
    name: str
    #: The Babel locale its dates and numbers follow (British English: day before month, 24 h).
    locale: str


LANGUAGES: dict[str, Language] = {
    language.code: language
    for language in (
        Language("en", "English", "en_GB"),
        Language("de", "Deutsch", "de_DE"),
        Language("es", "Español", "es_ES"),
    )
}
DEFAULT = "en"
#: Where a browser-chosen language is kept between requests (also before sign-in).
SESSION_KEY = "language"

babel = Babel()
bp = Blueprint("i18n", __name__)


# Flask-Babel's own functions, typed (it ships no type hints). Features import these:
# ``from circles.i18n import gettext as _, lazy_gettext as _l, ngettext``.


def gettext(text: str, **values: Any) -> str:
    """``text`` in the current language, with ``%(name)s`` placeholders filled."""
    return str(flask_babel.gettext(text, **values))


def ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    """The form for ``num`` in the current language; ``%(num)d`` is filled too."""
    return str(flask_babel.ngettext(singular, plural, num, **values))


def pgettext(context: str, text: str, **values: Any) -> str:
    """``text`` where the same English words need telling apart (``context``)."""
    return str(flask_babel.pgettext(context, text, **values))


def lazy_gettext(text: str, **values: Any) -> str:
    """A text translated when it is shown, for what is made at import time (form labels,
    module constants). A ``LazyString``, which behaves as the ``str`` it becomes."""
    return cast(str, flask_babel.lazy_gettext(text, **values))


def lazy_pgettext(context: str, text: str, **values: Any) -> str:
    return cast(str, flask_babel.lazy_pgettext(context, text, **values))


class Labelled:
    """A mixin for a ``StrEnum`` whose members have a name people read: the enum's
    :meth:`labels` maps each value to its lazy text (:func:`lazy_gettext`)."""

    value: str

    @classmethod
    def labels(cls) -> Mapping[str, str]:
        raise NotImplementedError

    @property
    def label(self) -> str:
        """The name in the reader's language."""
        return str(self.labels()[self.value])

    @property
    def lazy_label(self) -> str:
        """The same, translated only when shown (form choices built at import time)."""
        return self.labels()[self.value]


def lazy_ngettext(singular: str, plural: str, num: int, **values: Any) -> str:
    return cast(str, flask_babel.lazy_ngettext(singular, plural, num, **values))


def choose(setting: str | None, chosen: str | None, accept: LanguageAccept | None) -> str:
    """The language code for a person: their setting, else this browser's choice, else the
    browser's preference among ours, else English."""
    for code in (setting, chosen):
        if code in LANGUAGES:
            return code  # type: ignore[return-value]
    if accept is not None:
        # In the browser's order of preference (highest quality first); "de-AT" is German.
        for value, quality in accept:
            primary = value.replace("_", "-").split("-")[0].lower()
            if quality > 0 and primary in LANGUAGES:
                return primary
    return DEFAULT


def accept_from_header(header: str | None) -> LanguageAccept:
    """The parsed ``Accept-Language`` header of a request seen outside Flask (a socket's)."""
    return parse_accept_header(header, LanguageAccept)


def current_language() -> str:
    """The language code of this request (English outside one)."""
    if not has_request_context():
        locale = get_locale()
        return _code_of(str(locale)) if locale is not None else DEFAULT
    if "language" not in g:
        setting = getattr(current_user, "language", None) if current_user else None
        g.language = choose(setting, session.get(SESSION_KEY), request.accept_languages)
    code: str = g.language
    return code


def _code_of(locale: str) -> str:
    for language in LANGUAGES.values():
        if locale in (language.code, language.locale):
            return language.code
    return DEFAULT


def _select_locale() -> str:
    # Outside a request (a job, a socket's event) only speaking() chooses: English otherwise.
    if not has_request_context():
        return LANGUAGES[DEFAULT].locale
    return LANGUAGES[current_language()].locale


def _select_timezone() -> str:
    return getattr(current_user, "timezone", None) or "UTC"


def locale_of(code: str | None) -> str:
    """The Babel locale for a stored language setting (English when unset)."""
    return LANGUAGES.get(code or DEFAULT, LANGUAGES[DEFAULT]).locale


def language_for(person: object) -> str:
    """The language to write to someone in: their setting, else (in a request they made, or
    one on their behalf) this request's, else English."""
    setting = getattr(person, "language", None)
    if setting in LANGUAGES:
        return setting  # type: ignore[no-any-return]
    return current_language() if has_request_context() else DEFAULT


@contextmanager
def speaking(code: str | None) -> Iterator[None]:
    """Texts and dates inside the block in this language: a mail to someone, a job's output, a
    live room's answer to one socket. Needs an app context."""
    with force_locale(locale_of(code)):
        yield


def js_texts(texts: Mapping[str, str]) -> Markup:
    """Texts a page's script shows, already translated, as a JSON island the script reads
    (``Circles.text(key)`` in ``static/js/circles.js``)."""
    import json

    payload = json.dumps(dict(texts), ensure_ascii=False).replace("</", "<\\/")
    # JSON of our own texts, with "</" escaped: it cannot end the script element early.
    return Markup('<script type="application/json" id="page-texts">{}</script>').format(
        Markup(payload)  # noqa: S704
    )


def naming_language(html: str) -> Response:
    """A page whose response names its language (``Content-Language``): the service worker
    asks for the same one when it refreshes its kept copy."""
    response = make_response(html)
    response.headers["Content-Language"] = current_language()
    return response


@bp.post("/language")
def switch() -> ResponseReturnValue:
    """The switcher in every page's footer: this browser speaks the chosen language from now
    on, and a signed-in person's setting changes with it."""
    from circles.security import safe_next_url  # imports the feature packages' models

    code = request.form.get("language", "")
    if code not in LANGUAGES:
        abort(400)
    session[SESSION_KEY] = code
    if current_user.is_authenticated:
        current_user.language = code
        db.session.commit()
    return redirect(safe_next_url(request.form.get("next")) or "/", 303)


def init_app(app: Flask) -> None:
    babel.init_app(app, locale_selector=_select_locale, timezone_selector=_select_timezone)
    app.register_blueprint(bp)

    app.add_template_global(js_texts, "js_texts")

    @app.context_processor
    def languages() -> dict[str, object]:
        return {"languages": LANGUAGES.values(), "page_language": current_language}
