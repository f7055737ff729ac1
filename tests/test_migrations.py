"""Migrations: one head, upgrade from empty, models agree with migrations, downgrade to base."""

from __future__ import annotations

import os

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade

from circles import create_app
from circles.extensions import db
from tests.conftest import reset_database


@pytest.fixture
def scratch_app(app, tmp_path):
    """A second app on its own empty database (a separate schema on PostgreSQL)."""
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
            conn.execute(sa.text("CREATE SCHEMA migration_check"))
        engine.dispose()
        options = {"connect_args": {"options": "-csearch_path=migration_check"}}
    else:
        url = f"sqlite:///{tmp_path / 'migrations.sqlite3'}"
        options = {}
        reset_database(url)
    scratch = create_app(
        {**app.config, "SQLALCHEMY_DATABASE_URI": url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    yield scratch
    with scratch.app_context():
        db.engine.dispose()
    if os.environ.get("TEST_DATABASE_URL"):
        engine = sa.create_engine(os.environ["TEST_DATABASE_URL"])
        with engine.begin() as conn:
            conn.execute(sa.text("DROP SCHEMA IF EXISTS migration_check CASCADE"))
        engine.dispose()


def test_single_head(app):
    with app.app_context():
        config = app.extensions["migrate"].migrate.get_config()
        assert len(ScriptDirectory.from_config(config).get_heads()) == 1


def test_every_revision_file_is_dated_and_can_downgrade(app):
    with app.app_context():
        script = ScriptDirectory.from_config(app.extensions["migrate"].migrate.get_config())
        for revision in script.walk_revisions():
            assert revision.path.rsplit("/", 1)[1][:4].isdigit(), revision.path
            with open(revision.path) as handle:
                source = handle.read()
            assert "def downgrade" in source and "pass\n" not in source.split("def downgrade")[1]


def test_upgrade_matches_models_and_downgrades_to_base(scratch_app):
    with scratch_app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(context, db.metadata)
        assert diff == [], f"models and migrations disagree: {diff}"
        downgrade(revision="base")
        with db.engine.connect() as conn:
            tables = set(sa.inspect(conn).get_table_names()) - {"alembic_version"}
        assert tables == set()
        upgrade()


def test_second_factor_revision_keeps_existing_organisations_optional(scratch_app):
    """Organisations made before two-step sign-in existed do not start requiring it."""
    with scratch_app.app_context():
        upgrade(revision="47676d5a9ad0")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO organisations (name, personal, anonymity_k, crisis_resources,"
                    " live_retention_days, created_at) VALUES ('Old', false, 5, '', 0, :now)"
                ),
                {"now": "2026-01-01 00:00:00+00:00"},
            )
        upgrade(revision="d20275d5403f")
        with db.engine.connect() as conn:
            required = conn.execute(sa.text("SELECT require_second_factor FROM organisations"))
            assert [bool(value) for (value,) in required] == [False]
            tables = set(sa.inspect(conn).get_table_names())
        assert {"totp_credentials", "recovery_codes"} <= tables
        downgrade(revision="47676d5a9ad0")
        with db.engine.connect() as conn:
            inspector = sa.inspect(conn)
            assert "totp_credentials" not in inspector.get_table_names()
            columns = {c["name"] for c in inspector.get_columns("organisations")}
        assert "require_second_factor" not in columns
        downgrade(revision="base")
