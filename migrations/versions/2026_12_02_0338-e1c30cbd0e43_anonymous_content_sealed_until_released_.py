"""Anonymous content sealed until released in shuffled batches (docs/privacy.md, rule 8)

- ``checkin_waiting``: check-ins not yet released wait here, sealed; every readable check-in
  left unreleased by the earlier code moves here (the next release writes out whatever is due).
- Released check-ins and live responses kept so far are rewritten in a random order under new
  keys, so their places and transactions no longer replay the order they were given in.
- ``commitments.text`` becomes ``commitments.sealed``, sealed under each member's own key.
- ``checkin_history`` is sealed again at one fixed size (it was padded to multiples of 512).
- ``live_submissions.sealed``: anonymous answers waiting for their reveal.

The data steps need the app's secret (``SECRET_KEY``, and ``SECRET_KEY_FALLBACKS``): run it with
``flask db upgrade``. The sealing code is copied here so that this revision keeps working
whatever the app's code becomes.

Revision ID: e1c30cbd0e43
Revises: d20275d5403f
Create Date: 2026-12-02 03:38:56.290522

"""

import hashlib
import hmac
import json
import random
import secrets
import struct
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

# revision identifiers, used by Alembic.
revision = "e1c30cbd0e43"
down_revision = "d20275d5403f"
branch_labels = None
depends_on = None

_ANSWERS_SIZE = 4096  # circles.checkins.services.ANSWERS_SIZE
_TEXT_SIZE = 4 * 1000 + 8  # commitments and text answers (MAX_RESPONSE is 1000)
_OLD_PAD = 512  # the earlier history padding: a multiple of this, with spaces


def _secrets() -> list[bytes]:
    from flask import current_app

    config = current_app.config
    found = [config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS") or [])]
    return [s.encode() if isinstance(s, str) else s for s in found if s]


def _cipher(secret: bytes, purpose: str) -> AESGCM:
    return AESGCM(hmac.new(secret, purpose.encode(), hashlib.sha256).digest())


def _seal(purpose: str, plain: bytes, size: int) -> bytes:
    padded = struct.pack(">I", len(plain)) + plain
    padded += bytes(size - len(padded))
    nonce = secrets.token_bytes(12)
    return nonce + _cipher(_secrets()[0], purpose).encrypt(nonce, padded, None)


def _open_raw(purpose: str, sealed: bytes) -> bytes | None:
    for secret in _secrets():
        try:
            return _cipher(secret, purpose).decrypt(sealed[:12], sealed[12:], None)
        except (InvalidTag, ValueError):
            continue
    return None


def _unseal(purpose: str, sealed: bytes) -> bytes | None:
    padded = _open_raw(purpose, sealed)
    if padded is None:
        return None
    (length,) = struct.unpack_from(">I", padded)
    return padded[4 : 4 + length]


def _encode(scores: dict, themes: list, practices: list) -> bytes:
    return json.dumps(
        {
            "scores": dict(sorted(scores.items())),
            "themes": sorted(themes),
            "practices": sorted(practices),
        },
        separators=(",", ":"),
    ).encode()


#: Tables whose ``sealed`` column holds fixed-size sealed values.
SEALED_COLUMNS = ("live_submissions", "commitments", "checkin_waiting", "checkin_history")


def _table(name: str, *columns: str) -> sa.TableClause:
    return sa.table(name, *(sa.column(c) for c in columns))


responses = _table("checkin_responses", "id", "circle_id", "period", "released")
scores = _table("checkin_scores", "response_id", "item_key", "value")
choices = _table("checkin_choices", "response_id", "kind", "option_key")
waiting = _table("checkin_waiting", "id", "circle_id", "period", "sealed")
history = _table("checkin_history", "id", "user_id", "sealed")
commitments = _table("commitments", "id", "user_id", "text", "sealed")
live_responses = _table(
    "live_responses", "id", "prompt_id", "value", "author_name", "shuffle_key", "hidden"
)
submissions = _table("live_submissions", "id", "prompt_id", "user_id", "client_id", "sealed")


def _checkins(connection, released) -> dict:
    """Readable check-ins by key: (circle, period, scores, themes, practices)."""
    found = {
        key: (circle_id, period, {}, [], [])
        for key, circle_id, period in connection.execute(
            sa.select(responses.c.id, responses.c.circle_id, responses.c.period).where(
                responses.c.released == released
            )
        )
    }
    for key, item, value in connection.execute(
        sa.select(scores.c.response_id, scores.c.item_key, scores.c.value)
    ):
        if key in found:
            found[key][2][item] = value
    for key, kind, option in connection.execute(
        sa.select(choices.c.response_id, choices.c.kind, choices.c.option_key)
    ):
        if key in found:
            found[key][3 if kind == "theme" else 4].append(option)
    return found


def _delete_checkins(connection, keys) -> None:
    for chunk in [list(keys)[i : i + 500] for i in range(0, len(keys), 500)]:
        connection.execute(sa.delete(scores).where(scores.c.response_id.in_(chunk)))
        connection.execute(sa.delete(choices).where(choices.c.response_id.in_(chunk)))
        connection.execute(sa.delete(responses).where(responses.c.id.in_(chunk)))


def _write_checkins(connection, rows, released) -> None:
    """Check-ins (circle, period, scores, themes, practices) in a random order, new keys."""
    rows = list(rows)
    random.SystemRandom().shuffle(rows)
    for circle_id, period, given, themes, practices in rows:
        key = secrets.token_hex(16)
        connection.execute(
            sa.insert(responses).values(
                id=key, circle_id=circle_id, period=period, released=released
            )
        )
        for item, value in given.items():
            connection.execute(
                sa.insert(scores).values(response_id=key, item_key=item, value=value)
            )
        for kind, keys in (("theme", themes), ("practice", practices)):
            for option in keys:
                connection.execute(
                    sa.insert(choices).values(response_id=key, kind=kind, option_key=option)
                )


def upgrade():
    op.create_table(
        "checkin_waiting",
        sa.Column("id", sa.String(length=32), nullable=False),
        sa.Column("circle_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.Date(), nullable=False),
        sa.Column("sealed", sa.LargeBinary(), nullable=False),
        sa.ForeignKeyConstraint(
            ["circle_id"],
            ["circles.id"],
            name=op.f("fk_checkin_waiting_circle_id_circles"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_checkin_waiting")),
        sqlite_with_rowid=False,
    )
    with op.batch_alter_table("checkin_waiting", schema=None) as batch_op:
        batch_op.create_index(
            "ix_checkin_waiting_circle_id_period", ["circle_id", "period"], unique=False
        )
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("live_submissions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sealed", sa.LargeBinary(), nullable=True))

    connection = op.get_bind()
    # Commitments: sealed under each member's key.
    for row_id, user_id, text in connection.execute(
        sa.select(commitments.c.id, commitments.c.user_id, commitments.c.text)
    ):
        sealed = _seal(f"commitment:{user_id}", text.encode(), _TEXT_SIZE)
        connection.execute(
            sa.update(commitments).where(commitments.c.id == row_id).values(sealed=sealed)
        )
    # Private histories: one size for everyone (a copy no secret opens stays unopenable).
    for row_id, user_id, sealed in connection.execute(
        sa.select(history.c.id, history.c.user_id, history.c.sealed)
    ):
        purpose = f"checkin-history:{user_id}"
        plain = _open_raw(purpose, sealed)
        if plain is None:
            again = secrets.token_bytes(12 + _ANSWERS_SIZE + 16)
        else:
            data = json.loads(plain)
            again = _seal(
                purpose, _encode(data["scores"], data["themes"], data["practices"]), _ANSWERS_SIZE
            )
        connection.execute(sa.update(history).where(history.c.id == row_id).values(sealed=again))
    # Check-ins left unreleased: sealed, to wait for the next release.
    unreleased = _checkins(connection, False)
    _delete_checkins(connection, unreleased)
    for circle_id, period, given, themes, practices in unreleased.values():
        connection.execute(
            sa.insert(waiting).values(
                id=secrets.token_hex(16),
                circle_id=circle_id,
                period=period,
                sealed=_seal("checkin-waiting", _encode(given, themes, practices), _ANSWERS_SIZE),
            )
        )
    # Released check-ins: written anew, shuffled, under new keys.
    released = _checkins(connection, True)
    _delete_checkins(connection, released)
    _write_checkins(connection, released.values(), True)
    # Live responses still kept: the same, shuffled, under new keys.
    kept = list(connection.execute(sa.select(live_responses)).mappings())
    connection.execute(sa.delete(live_responses))
    random.SystemRandom().shuffle(kept)
    for row in kept:
        connection.execute(sa.insert(live_responses).values({**row, "id": secrets.token_hex(16)}))
    # Client ids kept only as keyed hashes ("pass", or a client's time in its id, said too much).
    mac_key = hmac.new(_secrets()[0], b"live-client", hashlib.sha256).digest()
    for row_id, prompt_id, user_id, client_id in connection.execute(
        sa.select(
            submissions.c.id,
            submissions.c.prompt_id,
            submissions.c.user_id,
            submissions.c.client_id,
        )
    ):
        hashed = hmac.new(mac_key, f"{prompt_id}:{user_id}:{client_id}".encode(), hashlib.sha256)
        connection.execute(
            sa.update(submissions)
            .where(submissions.c.id == row_id)
            .values(client_id=hashed.hexdigest())
        )

    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.alter_column("sealed", existing_type=sa.LargeBinary(), nullable=False)
        batch_op.drop_column("text")
    if connection.dialect.name == "postgresql":
        # Sealed values are random bytes of one fixed size (about 4 KiB): compressing them never
        # helps, and keeping them in the row spares a TOAST insert for every answer.
        for table in SEALED_COLUMNS:
            op.execute(f"ALTER TABLE {table} ALTER COLUMN sealed SET STORAGE PLAIN")
    else:
        # The rows rewritten above, and everything deleted before deleted rows were overwritten
        # (secure_delete), may still lie in free space or in the -wal: rebuild the file, then
        # empty the -wal.
        with op.get_context().autocommit_block():
            op.execute("VACUUM")
            op.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE checkin_history ALTER COLUMN sealed SET STORAGE EXTENDED")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.VARCHAR(length=1000), nullable=True))
    connection = op.get_bind()
    for row_id, user_id, sealed in connection.execute(
        sa.select(commitments.c.id, commitments.c.user_id, commitments.c.sealed)
    ):
        plain = _unseal(f"commitment:{user_id}", sealed)
        text = "(This commitment could not be opened.)" if plain is None else plain.decode()
        connection.execute(
            sa.update(commitments).where(commitments.c.id == row_id).values(text=text)
        )
    # An empty commitment stood for a pass on an anonymous prompt; the earlier code had none.
    connection.execute(sa.delete(commitments).where(commitments.c.text == ""))
    # Histories in the earlier format: JSON padded with spaces to a multiple of 512.
    for row_id, user_id, sealed in connection.execute(
        sa.select(history.c.id, history.c.user_id, history.c.sealed)
    ):
        purpose = f"checkin-history:{user_id}"
        plain = _unseal(purpose, sealed)
        if plain is None:
            continue
        plain += b" " * (-len(plain) % _OLD_PAD)
        nonce = secrets.token_bytes(12)
        old = nonce + _cipher(_secrets()[0], purpose).encrypt(nonce, plain, None)
        connection.execute(sa.update(history).where(history.c.id == row_id).values(sealed=old))
    # Waiting check-ins become readable unreleased rows again, as the earlier code kept them.
    rows = []
    for circle_id, period, sealed in connection.execute(
        sa.select(waiting.c.circle_id, waiting.c.period, waiting.c.sealed)
    ):
        plain = _unseal("checkin-waiting", sealed)
        if plain is not None:
            data = json.loads(plain)
            rows.append((circle_id, period, data["scores"], data["themes"], data["practices"]))
    _write_checkins(connection, rows, False)
    # Anonymous answers waiting for their reveal: responses, and commitments, as the earlier
    # code wrote them at once.
    prompts = _table("live_prompts", "id", "kind", "session_id")
    sessions = _table("live_sessions", "id", "circle_id")
    for prompt_id, user_id, sealed, kind, session_id, circle_id in connection.execute(
        sa.select(
            submissions.c.prompt_id,
            submissions.c.user_id,
            submissions.c.sealed,
            prompts.c.kind,
            prompts.c.session_id,
            sessions.c.circle_id,
        )
        .join(prompts, prompts.c.id == submissions.c.prompt_id)
        .join(sessions, sessions.c.id == prompts.c.session_id)
        .where(submissions.c.sealed.is_not(None))
    ):
        plain = _unseal("live-answer", sealed)
        if plain is None or plain[:1] != b"a":
            continue
        connection.execute(
            sa.insert(live_responses).values(
                id=secrets.token_hex(16),
                prompt_id=prompt_id,
                value=plain[1:].decode(),
                author_name=None,
                shuffle_key=secrets.randbits(31),
                hidden=False,
            )
        )
        if kind == "commitment":
            connection.execute(
                sa.insert(
                    _table(
                        "commitments",
                        "user_id",
                        "circle_id",
                        "session_id",
                        "text",
                        "sealed",
                        "created_at",
                    )
                ).values(
                    user_id=user_id,
                    circle_id=circle_id,
                    session_id=session_id,
                    text=plain[1:].decode(),
                    sealed=b"",
                    created_at=datetime.now(UTC),
                )
            )

    with op.batch_alter_table("live_submissions", schema=None) as batch_op:
        batch_op.drop_column("sealed")
    with op.batch_alter_table("commitments", schema=None) as batch_op:
        batch_op.alter_column("text", existing_type=sa.VARCHAR(length=1000), nullable=False)
        batch_op.drop_column("sealed")
    with op.batch_alter_table("checkin_waiting", schema=None) as batch_op:
        batch_op.drop_index("ix_checkin_waiting_circle_id_period")
    op.drop_table("checkin_waiting")
