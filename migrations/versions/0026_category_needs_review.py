"""categories.needs_review: categories made by `flask import --create-categories` await an admin's review

They were made from a file's labels: their names, unit and standard wait for an
admin to check them.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 18:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade():
    # Categories that exist already were made by an admin or the seed: nothing to review.
    with op.batch_alter_table("categories") as batch:
        batch.add_column(sa.Column("needs_review", sa.Boolean(), nullable=False, server_default=sa.false()))


def downgrade():
    with op.batch_alter_table("categories") as batch:
        batch.drop_column("needs_review")
