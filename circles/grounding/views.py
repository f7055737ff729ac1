"""The grounding page (for everyone, logged in or not), the web app manifest, the service worker
and the page it shows offline.

The service worker keeps only what carries nothing personal or what the person needs most when
the connection is gone: the help page, the exercises, the offline page and the static files.
Every other page stays ``no-store`` and is never cached (:func:`circles._security_headers`).

The kept pages are in the language they were fetched in. They say which (``Content-Language``),
so that the worker refreshes its copy, made without cookies, in the language the person reads.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from flask import Response, current_app, render_template, url_for

from circles.grounding import bp
from circles.i18n import current_language, naming_language
from circles.i18n import gettext as _

#: Pages the service worker keeps a copy of, refreshed on every visit while online.
OFFLINE_PAGES = ("main.crisis_help", "grounding.exercises", "grounding.offline")
#: Static files it keeps, so those pages look and work the same offline.
OFFLINE_STATIC = (
    "css/circles.css",
    "css/grounding.css",
    "js/circles.js",
    "js/grounding.js",
    "js/offline.js",
    "favicon.svg",
)


@bp.get("/grounding")
def exercises() -> Response:
    """Paced breathing, 5-4-3-2-1 and a body scan: plain instructions that work without
    JavaScript, and, with it, a gentle guide through each."""
    return naming_language(render_template("grounding/exercises.html"))


@bp.get("/offline")
def offline() -> Response:
    """What the service worker shows for a page it cannot fetch and must not keep."""
    return naming_language(render_template("grounding/offline.html"))


@bp.get("/manifest.webmanifest")
def manifest() -> Response:
    """What a browser needs to install Circles, in the language of the request."""
    manifest = {
        "name": "Circles",
        "short_name": "Circles",
        "description": _("Your integration circle, your journal and grounding exercises."),
        "lang": current_language(),
        "start_url": url_for("main.home"),
        "scope": "/",
        "display": "standalone",
        "background_color": "#f7f6f2",
        "theme_color": "#2f5d50",
        "icons": [
            _icon("favicon.svg", "any", "image/svg+xml"),
            _icon("icons/icon-192.png", "192x192"),
            _icon("icons/icon-512.png", "512x512"),
            # Its shapes sit inside the middle four-fifths, so any mask shape leaves them whole.
            _icon("icons/icon-maskable-512.png", "512x512", purpose="maskable"),
        ],
    }
    response = Response(
        json.dumps(manifest, ensure_ascii=False), mimetype="application/manifest+json"
    )
    response.headers["Content-Language"] = current_language()
    return response


def _icon(path: str, sizes: str, kind: str = "image/png", purpose: str = "any") -> dict[str, str]:
    """An icon of the manifest: Android installs from PNGs of these sizes, drawn from the SVGs
    (:mod:`circles.grounding.icons`)."""
    return {
        "src": url_for("static", filename=path),
        "sizes": sizes,
        "type": kind,
        "purpose": purpose,
    }


@bp.get("/sw.js")
def service_worker() -> Response:
    """The service worker, from the site's root so that its scope is the whole site; the list of
    what it keeps is written into it here, from the URL map."""
    pages = [url_for(endpoint) for endpoint in OFFLINE_PAGES]
    assets = [url_for("static", filename=name) for name in OFFLINE_STATIC]
    static = Path(current_app.static_folder or "")
    source = (static / "js" / "sw.js").read_text()
    # A new version of any kept file is a new cache: the worker then drops the old one.
    digest = hashlib.sha256(source.encode())
    for name in OFFLINE_STATIC:
        digest.update((static / name).read_bytes())
    head = (
        f"const CACHE = {json.dumps('circles-' + digest.hexdigest()[:16])};\n"
        f"const OFFLINE_PAGES = {json.dumps(pages)};\n"
        f"const OFFLINE_ASSETS = {json.dumps(assets)};\n"
    )
    # Served no-store like every page (circles._security_headers): browsers look for a new
    # worker on each visit and never get a stale one.
    return Response(head + source, mimetype="text/javascript")
