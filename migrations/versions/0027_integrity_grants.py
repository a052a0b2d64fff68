"""Integrity grants wait for a second admin

integrity_grants: a proposed creation, promotion, demotion, password reset or
reactivation of an integrity officer, until a different admin approves it.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 18:30:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "integrity_grants",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=20), nullable=False),
        sa.Column("target_user_id", sa.Integer(), nullable=True),
        sa.Column("username", sa.String(length=80), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["target_user_id"], ["users.id"], name="fk_integrity_grants_target_user_id_users"),
        sa.ForeignKeyConstraint(["proposed_by_id"], ["users.id"], name="fk_integrity_grants_proposed_by_id_users"),
        sa.ForeignKeyConstraint(["decided_by_id"], ["users.id"], name="fk_integrity_grants_decided_by_id_users"),
        sa.PrimaryKeyConstraint("id", name="pk_integrity_grants"),
    )
    op.create_index("ix_integrity_grants_target_user_id", "integrity_grants", ["target_user_id"])
    op.create_index("ix_integrity_grants_status", "integrity_grants", ["status"])


def downgrade():
    op.drop_index("ix_integrity_grants_status", table_name="integrity_grants")
    op.drop_index("ix_integrity_grants_target_user_id", table_name="integrity_grants")
    op.drop_table("integrity_grants")
