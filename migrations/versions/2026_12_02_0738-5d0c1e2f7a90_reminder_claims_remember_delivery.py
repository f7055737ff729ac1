"""Reminder claims remember whether the mail server took the mail

A run that died between claiming a reminder and sending it left a claim that stopped every
later run: the reminder was lost. Claims now say whether they were delivered (and, for check-ins,
which keep no time, whether a scan found them abandoned), so that one later run takes an
unfinished claim over (circles.mail.send_once).
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
    for table, columns in (
        ('checkin_reminders', ('delivered', 'abandoned')),
        ('meeting_reminders', ('delivered',)),
    ):
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in columns:
                batch_op.add_column(sa.Column(name, sa.Boolean(), nullable=True))
        claims = sa.table(table, *(sa.column(name, sa.Boolean()) for name in columns))
        op.execute(claims.update().values(delivered=True, **dict.fromkeys(columns[1:], False)))
        with op.batch_alter_table(table, schema=None) as batch_op:
            for name in columns:
                batch_op.alter_column(name, existing_type=sa.Boolean(), nullable=False)


def downgrade():
    with op.batch_alter_table('meeting_reminders', schema=None) as batch_op:
        batch_op.drop_column('delivered')
    with op.batch_alter_table('checkin_reminders', schema=None) as batch_op:
        batch_op.drop_column('abandoned')
        batch_op.drop_column('delivered')
