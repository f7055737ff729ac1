"""Reminder claims remember whether the mail server took the mail

A run that died between claiming a reminder and sending it left a claim that stopped every
later run: the reminder was lost. Claims now say whether they were delivered, and how many runs
took them, so that one later run takes an unfinished claim over (circles.mail.send_once).
Existing claims were sent (or lost) under the old rule: they count as delivered.

Revision ID: 5d0c1e2f7a90
Revises: cba235691065
Create Date: 2026-12-02 07:38:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '5d0c1e2f7a90'
down_revision = 'cba235691065'
branch_labels = None
depends_on = None


def upgrade():
    for table in ('checkin_reminders', 'meeting_reminders'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('delivered', sa.Boolean(), nullable=True))
            batch_op.add_column(sa.Column('attempts', sa.SmallInteger(), nullable=True))
        claims = sa.table(table, sa.column('delivered', sa.Boolean()), sa.column('attempts', sa.SmallInteger()))
        op.execute(claims.update().values(delivered=True, attempts=1))
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column('delivered', existing_type=sa.Boolean(), nullable=False)
            batch_op.alter_column('attempts', existing_type=sa.SmallInteger(), nullable=False)


def downgrade():
    for table in ('meeting_reminders', 'checkin_reminders'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.drop_column('attempts')
            batch_op.drop_column('delivered')
