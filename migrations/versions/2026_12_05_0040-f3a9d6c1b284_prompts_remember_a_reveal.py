"""Prompts remember being revealed

``live_prompts.revealed`` is set by a reveal and stays set once the prompt is closed. A reveal is
written in two steps (circles.live.mixing): should the second fail and the prompt be closed
before its session ends, the end still knows its answers were shown, and writes them out.
Downgrade: the column goes.

Revision ID: f3a9d6c1b284
Revises: d2b9f4c6a718
Create Date: 2026-12-05 00:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f3a9d6c1b284'
down_revision = 'd2b9f4c6a718'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE (a SQLite batch would copy the table, and its drop would cascade).
    op.add_column(
        'live_prompts',
        sa.Column('revealed', sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.execute("UPDATE live_prompts SET revealed = true WHERE status = 'revealed'")


def downgrade():
    # SQLite 3.35+ drops a column in place (no copy); so does PostgreSQL.
    op.drop_column('live_prompts', 'revealed')
