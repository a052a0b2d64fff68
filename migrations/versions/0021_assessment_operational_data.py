"""assessment: the criterion-3.4 metrics and 3.1-3.3 facts of a period, stored as computed

Revision ID: 0021
Revises: 0017
Create Date: 2026-11-26 08:45:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0021"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assessment_operational_data",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("criterion_34", sa.Text(), nullable=False),
        sa.Column("prefill", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_assessment_operational_data")),
    )


def downgrade():
    op.drop_table("assessment_operational_data")
