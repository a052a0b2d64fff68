"""Complaint source key: imported history is not imported twice

Revision ID: 0013
Revises: 0011
Create Date: 2026-11-26 05:02:29.641099

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0013"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.add_column(sa.Column("source_key", sa.String(length=64), nullable=True))
        batch_op.create_index(batch_op.f("ix_complaints_source_key"), ["source_key"], unique=True)


def downgrade():
    with op.batch_alter_table("complaints", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_complaints_source_key"))
        batch_op.drop_column("source_key")
