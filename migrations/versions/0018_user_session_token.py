"""users.session_token: a session cookie names the token it was issued under, so sign-out ends it

Revision ID: 0018
Revises: 0021
Create Date: 2026-11-26 08:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0018"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade():
    # Accounts get their token at their next sign-in; cookies from before are not accepted.
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("session_token", sa.String(length=64), nullable=True))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("session_token")
