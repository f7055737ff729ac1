"""Journal entries against the attackers of PRODUCT.md: a copy of the database, the logs.

An entry is its writer's alone: a copy of the database (the SQLite file and its write-ahead log,
or every row as PostgreSQL returns it) reads no text, no title, no theme and no link to a dosing
session, and tells a short entry from a long one by nothing, size included.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from circles.db import utcnow
from circles.extensions import db
from circles.journal.models import MAX_ENTRY
from circles.journal.prompts import THEMES
from circles.logs import RedactSecrets
from tests import factories as f
from tests.conftest import client_for

TEXT = "Quietly remembering grandmother Zelinska's kitchen"
TITLE = "Zelinska morning"
THEME_KEY, THEME_LABEL = "t_grief", "Grief"


def _write(client: Any, **fields: Any) -> None:
    data = {"text": TEXT, "title": TITLE, "themes": [THEME_KEY], "dosing_session": "0"}
    response = client.post("/journal/new", data={"meeting": "0", **data, **fields})
    assert response.status_code == 302, response.get_data(as_text=True)[:400]


def test_the_table_holds_a_person_and_sealed_bytes_nothing_else(app):
    with app.app_context():
        columns = {c["name"] for c in sa.inspect(db.engine).get_columns("journal_entries")}
    assert columns == {"id", "user_id", "sealed"}


def test_the_sqlite_file_and_its_log_read_nothing_of_an_entry(sqlite_app):
    app, path = sqlite_app
    with app.app_context():
        member = f.create_user("Member")
        session = f.dosing_session(member, utcnow() - timedelta(days=1))
        f.create_user(TITLE)  # the scan below can see a plain value of this file
        db.session.commit()
        member_id, session_id = member.id, session.id
    client = client_for(app, type("U", (), {"id": member_id})())
    _write(client, dosing_session=str(session_id))
    data = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    assert TITLE.encode() in data  # the user's name, in the users table
    assert TEXT.encode() not in data
    assert TEXT.encode("utf-16-le") not in data and TEXT.encode("utf-16-be") not in data
    with app.app_context():
        stored = db.session.execute(sa.text("SELECT * FROM journal_entries")).all()
    flat = b"".join(
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode()
        for row in stored
        for v in row
    )
    for secret in (TITLE, THEME_KEY, THEME_LABEL, "dosing"):
        assert secret.encode() not in flat


def test_every_row_as_the_database_returns_it_reads_nothing(app, make):
    """On the suite's own database (PostgreSQL in CI): every value of every row."""
    member = make.create_user("Member")
    _write(client_for(app, member))
    with app.app_context():
        rows = db.session.execute(sa.text("SELECT * FROM journal_entries")).all()
    values = [
        bytes(v) if isinstance(v, bytes | memoryview) else str(v).encode() for r in rows for v in r
    ]
    assert len(rows) == 1
    for secret in (TEXT, TITLE, THEME_KEY, THEME_LABEL):
        assert not any(secret.encode() in v for v in values)


def test_a_short_entry_and_the_longest_are_the_same_size(app, make):
    member = make.create_user("Member")
    client = client_for(app, member)
    _write(client, text="ok", title="", themes=[])
    _write(client, text="ж" * MAX_ENTRY, title="é" * 120, themes=list(THEMES))
    with app.app_context():
        sizes = db.session.scalars(sa.text("SELECT length(sealed) FROM journal_entries")).all()
    assert len(sizes) == 2 and sizes[0] == sizes[1]


def test_the_logs_never_hold_an_entry_or_what_was_searched(app, make, caplog):
    member = make.create_user("Member")
    client = client_for(app, member)
    engine_logger = logging.getLogger("sqlalchemy.engine")
    old_level = engine_logger.level
    engine_logger.setLevel(logging.INFO)  # as if echo were on in production
    try:
        with caplog.at_level(logging.DEBUG):
            _write(client)
            assert client.get("/journal?q=Zelinska").status_code == 200
    finally:
        engine_logger.setLevel(old_level)
    text = "\n".join(record.getMessage() for record in caplog.records)
    assert caplog.records, "the engine log was captured"
    for secret in (TEXT, TITLE, "Zelinska"):
        assert secret not in text
    # The development server's request line loses the search words too.
    record = logging.LogRecord("werkzeug", logging.INFO, __file__, 1, '%s - - "%s" %s', None, None)
    record.args = ("127.0.0.1", "GET /journal?q=Zelinska+kitchen HTTP/1.1", "200")
    RedactSecrets(app.url_map).filter(record)
    assert "Zelinska" not in record.getMessage() and "/journal?q=" in record.getMessage()
