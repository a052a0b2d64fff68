"""dashboard: the covering index also holds repeat links (days and quarters index-only)

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-26 08:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

NAME = "ix_complaints_received_at_dimensions"
BEFORE = ["category_id", "kind", "channel", "unit_id", "district", "cluster_id", "root_cause_id"]


def _recreate(include):
    op.drop_index(NAME, table_name="complaints")
    op.create_index(NAME, "complaints", ["received_at"], postgresql_include=include)


def upgrade():
    if op.get_bind().dialect.name == "postgresql":  # elsewhere INCLUDE is ignored: nothing changes
        _recreate([*BEFORE, "repeat_of_id"])


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        _recreate(BEFORE)
