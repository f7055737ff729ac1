"""Check-in tallies: what each period's released check-ins of a circle add up to

The organisation's report reads these (one row per circle and period) instead of every answer.
Release writes them with the released rows from now on; here they are added up once from the
check-ins released so far. Downgrade: the table goes (the answers it was added up from stay).

Revision ID: a4f2c8d19e37
Revises: 7b3e9d41c2a8
Create Date: 2026-12-02 19:40:00

"""
from collections import defaultdict

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4f2c8d19e37'
down_revision = '7b3e9d41c2a8'
branch_labels = None
depends_on = None

SCALE_MAX = 5


def upgrade():
    tallies = op.create_table(
        'checkin_tallies',
        sa.Column('circle_id', sa.Integer(), nullable=False),
        sa.Column('period', sa.Date(), nullable=False),
        sa.Column('respondents', sa.Integer(), nullable=False),
        sa.Column('scores', sa.JSON(), nullable=False),
        sa.Column('ticks', sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ['circle_id'], ['circles.id'],
            name=op.f('fk_checkin_tallies_circle_id_circles'), ondelete='CASCADE',
        ),
        sa.PrimaryKeyConstraint('circle_id', 'period', name=op.f('pk_checkin_tallies')),
    )
    bind = op.get_bind()
    found = defaultdict(lambda: {'respondents': 0, 'scores': {}, 'ticks': {'theme': {}, 'practice': {}}})
    released = "FROM checkin_responses r {join} WHERE r.released = {true} GROUP BY {by}"
    true = 'true' if bind.dialect.name == 'postgresql' else '1'
    for circle_id, period, n in bind.execute(sa.text(
        "SELECT r.circle_id, r.period, count(*) "
        + released.format(join='', true=true, by='r.circle_id, r.period')
    )):
        found[(circle_id, period)]['respondents'] = n
    for circle_id, period, item, value, n in bind.execute(sa.text(
        "SELECT r.circle_id, r.period, s.item_key, s.value, count(*) " + released.format(
            join='JOIN checkin_scores s ON s.response_id = r.id', true=true,
            by='r.circle_id, r.period, s.item_key, s.value',
        )
    )):
        found[(circle_id, period)]['scores'].setdefault(item, [0] * (SCALE_MAX + 1))[value] = n
    for circle_id, period, kind, key, n in bind.execute(sa.text(
        "SELECT r.circle_id, r.period, c.kind, c.option_key, count(*) " + released.format(
            join='JOIN checkin_choices c ON c.response_id = r.id', true=true,
            by='r.circle_id, r.period, c.kind, c.option_key',
        )
    )):
        found[(circle_id, period)]['ticks'].setdefault(kind, {})[key] = n
    rows = [
        {'circle_id': circle_id, 'period': _day(period), **tally}
        for (circle_id, period), tally in sorted(found.items())
    ]
    if rows:
        op.bulk_insert(tallies, rows)


def _day(value):
    """SQLite hands dates back as text."""
    if isinstance(value, str):
        from datetime import date

        return date.fromisoformat(value)
    return value


def downgrade():
    op.drop_table('checkin_tallies')
