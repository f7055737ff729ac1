"""Word and pick prompts; a grounding pause for the whole room; one running room per circle

Two new prompt kinds: "word" (one word, shown as a word cloud) and "pick" (up to max_picks of the
options). The kind column is a plain VARCHAR (no native enum, no check constraint), so only the
number of picks is new. A session may run a guided breathing pause (grounding) in step with the
server's clock. A partial unique index keeps one room running per circle, even when two
facilitators open it at the same moment (older duplicates, if any, are ended first).
Downgrade: the earlier code cannot read prompts of the new kinds; they are deleted with their
answers.

Revision ID: 7b3e9d41c2a8
Revises: 5d0c1e2f7a90
Create Date: 2026-12-02 15:30:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '7b3e9d41c2a8'
down_revision = '5d0c1e2f7a90'
branch_labels = None
depends_on = None


def upgrade():
    op.add_column('live_prompts', sa.Column('max_picks', sa.Integer(), nullable=True))
    op.add_column('live_sessions', sa.Column('grounding', sa.JSON(), nullable=True))
    op.execute(
        "UPDATE live_sessions SET status = 'ended' WHERE status != 'ended' AND id NOT IN"
        " (SELECT max(id) FROM live_sessions WHERE status != 'ended' GROUP BY circle_id)"
    )
    op.create_index(
        'uq_live_sessions_running_circle', 'live_sessions', ['circle_id'], unique=True,
        sqlite_where=sa.text("status != 'ended'"), postgresql_where=sa.text("status != 'ended'"),
    )


def downgrade():
    prompts = sa.table('live_prompts', sa.column('kind', sa.String(20)))
    op.execute(prompts.delete().where(prompts.c.kind.in_(['word', 'pick'])))
    op.drop_index('uq_live_sessions_running_circle', table_name='live_sessions')
    # Plain ALTER TABLE ... DROP COLUMN (SQLite 3.35+): a batch's copy of live_sessions would
    # drop the old table, and with it, by cascade, every prompt and answer of every session.
    op.drop_column('live_sessions', 'grounding')
    op.drop_column('live_prompts', 'max_picks')
