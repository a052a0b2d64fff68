"""dashboard: covering index for the period's column dimensions (index-only on PostgreSQL)

Revision ID: 0016
Revises: 0013
Create Date: 2026-11-26 06:30:00

"""

from alembic import op

# revision identifiers, used by Alembic.
revision = "0016"
down_revision = "0013"
branch_labels = None
depends_on = None

COLUMNS = ["category_id", "kind", "channel", "unit_id", "district", "cluster_id", "root_cause_id"]


def upgrade():
    # INCLUDE is PostgreSQL's; elsewhere this is a plain index on received_at.
    op.create_index("ix_complaints_received_at_dimensions", "complaints", ["received_at"], postgresql_include=COLUMNS)


def downgrade():
    op.drop_index("ix_complaints_received_at_dimensions", table_name="complaints")
