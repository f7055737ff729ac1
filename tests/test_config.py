"""Configuration from the environment: safe defaults, refusal to run production unsafely."""

from __future__ import annotations

import pytest

from circles import create_app
from circles.config import ConfigError, load_config
from circles.extensions import db


def test_production_refuses_to_start_without_a_real_secret(monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCLES_ENV", "production")
    monkeypatch.setenv("CIRCLES_BASE_URL", "https://circles.example.org")
    monkeypatch.delenv("CIRCLES_SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="CIRCLES_SECRET_KEY"):
        load_config(str(tmp_path))
    monkeypatch.setenv("CIRCLES_SECRET_KEY", "too-short")
    with pytest.raises(ConfigError):
        load_config(str(tmp_path))
    monkeypatch.setenv("CIRCLES_SECRET_KEY", "s" * 64)
    config = load_config(str(tmp_path))
    assert config["SESSION_COOKIE_SECURE"] is True and config["CIRCLES_PRODUCTION"] is True


def test_production_needs_a_base_url_for_emailed_links(monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCLES_ENV", "production")
    monkeypatch.setenv("CIRCLES_SECRET_KEY", "s" * 64)
    monkeypatch.delenv("CIRCLES_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="CIRCLES_BASE_URL"):
        load_config(str(tmp_path))


def test_embedded_default_persists_a_generated_secret(monkeypatch, tmp_path):
    for name in ("CIRCLES_ENV", "CIRCLES_SECRET_KEY", "CIRCLES_DATABASE_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("CIRCLES_INSTANCE_PATH", str(tmp_path))
    first = create_app()
    second = create_app()
    assert len(first.config["SECRET_KEY"]) == 64
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'circles.sqlite3'}"
    assert first.config["SESSION_COOKIE_SECURE"] is False
    assert first.config["RATELIMIT_STORAGE_URI"] == "memory://"
    for made in (first, second):
        with made.app_context():
            db.engine.dispose()


def test_redis_is_used_for_rate_limits_when_configured(monkeypatch, tmp_path):
    monkeypatch.setenv("CIRCLES_REDIS_URL", "redis://127.0.0.1:6379/3")
    assert load_config(str(tmp_path))["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/3"
