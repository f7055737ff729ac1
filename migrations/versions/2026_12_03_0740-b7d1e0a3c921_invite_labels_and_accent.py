"""Invitation links get a label and remember who joined through them; organisations an accent

A circle's invitation link may carry the facilitator's own name for it ("for Maria"), and a
membership remembers the link it was made through while that link is kept (it is set to null
when the link is purged). An organisation may choose an accent colour for its pages.
Downgrade: the three columns go.

Revision ID: b7d1e0a3c921
Revises: a4f2c8d19e37
Create Date: 2026-12-03 07:40:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b7d1e0a3c921'
down_revision = 'a4f2c8d19e37'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE for columns without constraints: on SQLite a batch would copy the
    # table and drop the old one, and with foreign keys on that drop cascades (an organisation's
    # drop would take its circles with it).
    op.add_column('circle_invites', sa.Column('label', sa.String(length=80), nullable=True))
    # Nothing refers to circle_members, so copying it (SQLite's batch) loses nothing.
    with op.batch_alter_table('circle_members', schema=None) as batch_op:
        batch_op.add_column(sa.Column('invite_id', sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f('ix_circle_members_invite_id'), ['invite_id'], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f('fk_circle_members_invite_id_circle_invites'),
            'circle_invites',
            ['invite_id'],
            ['id'],
            ondelete='SET NULL',
        )
    op.add_column('organisations', sa.Column('accent_colour', sa.String(length=7), nullable=True))


def downgrade():
    op.drop_column('organisations', 'accent_colour')
    with op.batch_alter_table('circle_members', schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f('fk_circle_members_invite_id_circle_invites'), type_='foreignkey'
        )
        batch_op.drop_index(batch_op.f('ix_circle_members_invite_id'))
        batch_op.drop_column('invite_id')
    op.drop_column('circle_invites', 'label')
