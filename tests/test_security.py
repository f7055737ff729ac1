"""The security baseline: headers, cookies, CSRF, error pages and no third-party requests."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import login_as

ROOT = Path(__file__).resolve().parent.parent


def test_security_headers_on_every_page(client):
    for path in ("/", "/login", "/does-not-exist", "/static/css/circles.css"):
        with client.get(path) as response:
            headers = response.headers
        csp = headers["Content-Security-Policy"]
        assert "default-src 'self'" in csp and "script-src 'self'" in csp
        assert "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "no-referrer"


def test_pages_are_not_cached_but_assets_may_be(client):
    assert client.get("/login").headers["Cache-Control"] == "no-store"
    with client.get("/static/css/circles.css") as asset:
        assert "no-store" not in asset.headers.get("Cache-Control", "")


def test_session_cookie_flags(client, make):
    user = make.create_user()
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery"}
    )
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_csrf_is_enforced_on_forms(app, client, make, monkeypatch):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    user = make.create_user()
    response = client.post(
        "/login", data={"email": user.email, "password": "correct horse battery"}
    )
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    with app.app_context():
        login_as(client, user.id)
    assert client.post("/logout").status_code == 400
    assert client.get("/account").status_code == 200  # still logged in: nothing happened


def test_templates_use_no_inline_script_style_or_third_party_host():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), f"inline script in {template}"
        assert " style=" not in text and "<style" not in text, f"inline style in {template}"
        assert not re.search(r"(src|href)=\"(https?:)?//", text), f"third-party asset in {template}"


def test_error_pages_leak_nothing(another_app, caplog):
    broken = another_app(TESTING=False, PROPAGATE_EXCEPTIONS=False)

    @broken.get("/boom")
    def boom() -> str:
        # Database errors quote the values they choke on (PostgreSQL's DETAIL line does).
        raise RuntimeError("Key (email)=(private@example.org) already exists")

    response = broken.test_client().get("/boom", data={"note": "private words"})
    page = response.get_data(as_text=True)
    assert response.status_code == 500
    assert "Something went wrong on our side" in page
    assert "private@example.org" not in page and "Traceback" not in page
    assert "unhandled RuntimeError on GET /boom" in caplog.text
    assert "private@example.org" not in caplog.text and "private words" not in caplog.text


@pytest.mark.parametrize(
    ("path", "status", "text"), [("/nope", 404, "We could not find that page")]
)
def test_not_found_page(client, path, status, text):
    response = client.get(path)
    assert response.status_code == status and text in response.get_data(as_text=True)


def test_health(client):
    response = client.get("/health")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


@pytest.mark.parametrize("path", ["/circles/99999999999999999999999", "/circles/0", "/orgs/-1"])
def test_out_of_range_ids_are_not_found(client, make, app, path):
    with app.app_context():
        login_as(client, make.create_user().id)
    assert client.get(path).status_code == 404


def test_proxy_headers_are_trusted_only_when_configured(app, another_app):
    trusted = another_app(CIRCLES_PROXY_HOPS=1)
    headers = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    with trusted.test_client().get("/health", headers=headers) as response:
        assert "Strict-Transport-Security" in response.headers
    with app.test_client().get("/health", headers=headers) as response:
        assert "Strict-Transport-Security" not in response.headers
