"""Erased data leaves the database's files at once, write-ahead log included (SQLite).

Whoever copies the SQLite file and its ``-wal`` right after an erasure must find nothing of the
person: the log keeps copies of the pages the erasure wrote over until it is checkpointed, and
deleted rows stay in the file's free space unless overwritten. This runs on a SQLite file of its
own whatever the suite's database is, because it is about that file's bytes.
"""

from __future__ import annotations

from pathlib import Path

from circles.accounts.models import User
from circles.extensions import db
from tests.conftest import client_for
from tests.factories import PASSWORD
from tests.rights.conftest import MORGAN, build_harbour

#: What the person typed or was called, as the files would hold it.
TRACES = (MORGAN["email"], MORGAN["name"], MORGAN["support"], MORGAN["evening_name"])


def file_bytes(path: Path) -> bytes:
    return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())


def test_nothing_of_the_person_is_left_in_the_file_or_its_log(sqlite_app):
    app, path = sqlite_app
    with app.app_context():
        harbour = build_harbour()
        morgan = db.session.get(User, harbour.morgan)
    before = file_bytes(path)
    assert all(t.encode() in before for t in TRACES)  # the scan can see them

    client = client_for(app, morgan)
    response = client.post("/account/delete", data={"password": PASSWORD, "understood": "y"})
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "deleted" in response.get_data(as_text=True)

    after = file_bytes(path)
    left = [t for t in TRACES if t.encode() in after]
    assert left == []
