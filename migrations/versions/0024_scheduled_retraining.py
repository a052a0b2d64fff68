"""Retraining learns from confirmed complaints, on a schedule, judged on a recent hold-out too

training_runs: feedback_rows becomes confirmed_rows; new trigger (admin or schedule)
and recent_heldout_rows; candidate_metrics and active_metrics now hold metrics per
held-out set ({"base": {...}, "recent": {...}}), so earlier runs' figures move under "base".

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-26 14:40:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None

_runs = sa.table(
    "training_runs",
    sa.column("id", sa.Integer),
    sa.column("candidate_metrics", sa.JSON(none_as_null=True)),
    sa.column("active_metrics", sa.JSON(none_as_null=True)),
)


def _rewrite_metrics(change) -> None:
    conn = op.get_bind()
    for run_id, candidate, active in conn.execute(
        sa.select(_runs.c.id, _runs.c.candidate_metrics, _runs.c.active_metrics)
    ).all():
        conn.execute(
            _runs.update()
            .where(_runs.c.id == run_id)
            .values(candidate_metrics=change(candidate), active_metrics=change(active))
        )


def upgrade():
    with op.batch_alter_table("training_runs") as batch:
        batch.alter_column(
            "feedback_rows",
            new_column_name="confirmed_rows",
            existing_type=sa.Integer(),
            existing_nullable=False,
            existing_server_default="0",
        )
        batch.add_column(sa.Column("trigger", sa.String(length=20), nullable=False, server_default="admin"))
        batch.add_column(sa.Column("recent_heldout_rows", sa.Integer(), nullable=False, server_default="0"))
    _rewrite_metrics(lambda m: {"base": m} if m and "in_gold" in m else m)


def downgrade():
    _rewrite_metrics(lambda m: m.get("base") if m else m)
    with op.batch_alter_table("training_runs") as batch:
        batch.drop_column("recent_heldout_rows")
        batch.drop_column("trigger")
        batch.alter_column(
            "confirmed_rows",
            new_column_name="feedback_rows",
            existing_type=sa.Integer(),
            existing_nullable=False,
            existing_server_default="0",
        )
