"""People choose a language: accounts and waiting sign-ups keep it

``users.language`` is the language code pages and mail use for the person (null: follow the
browser); ``signup_requests.language`` is the one the sign-up page spoke, for the confirmation
mail and the new account. Downgrade: the two columns go.

Revision ID: d2b9f4c6a718
Revises: c5a8e2f7d413
Create Date: 2026-12-03 14:20:00

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'd2b9f4c6a718'
down_revision = 'c5a8e2f7d413'
branch_labels = None
depends_on = None


def upgrade():
    # Plain ALTER TABLE: a SQLite batch would copy users and drop the old table, and with
    # foreign keys on, that drop cascades to everything that refers to an account.
    op.add_column('users', sa.Column('language', sa.String(length=8), nullable=True))
    op.add_column('signup_requests', sa.Column('language', sa.String(length=8), nullable=True))


def downgrade():
    # SQLite 3.35+ drops a column in place (no copy); so does PostgreSQL.
    op.drop_column('signup_requests', 'language')
    op.drop_column('users', 'language')
