"""assessed bodies: a unit may run its own self-assessment; assessments and their
operational data are per (unit, period), unit NULL being the whole deployment

Existing assessments keep every value and get unit NULL (the whole deployment, as
before). Uniqueness moves from (agency name, period) to (unit, period): two partial
unique indexes, one for the bodies and one for the deployment (NULLs are distinct in a
unique constraint). The stored operational data is a cache of what the complaint data
says (recomputed whenever older than ASSESSMENT_DATA_MAX_AGE, and always at submission):
its table is made anew with an id and a unit, the old rows dropped with it.

Revision ID: 0031
Revises: 0029
Create Date: 2026-12-08 03:00:00

"""

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0031"
down_revision = "0029"
branch_labels = None
depends_on = None

WHOLE = "unit_id IS NULL"
BODY = "unit_id IS NOT NULL"


def _unique_per_unit_and_period(table: str) -> None:
    op.create_index(
        f"uq_{table}_unit_period",
        table,
        ["unit_id", "period"],
        unique=True,
        postgresql_where=sa.text(BODY),
        sqlite_where=sa.text(BODY),
    )
    op.create_index(
        f"uq_{table}_whole_period",
        table,
        ["period"],
        unique=True,
        postgresql_where=sa.text(WHOLE),
        sqlite_where=sa.text(WHOLE),
    )


def _operational_data_v1() -> None:
    op.create_table(
        "assessment_operational_data",
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("criterion_34", sa.Text(), nullable=False),
        sa.Column("prefill", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("period", name=op.f("pk_assessment_operational_data")),
    )


def _foreign_keys(on: bool) -> None:
    """SQLite remakes a table to change its constraints (batch mode): dropping the old
    `assessments` or `units` while rows elsewhere point at them would break their foreign
    keys for a moment, and SQLite would refuse. Off while the tables are remade (the
    pysqlite driver runs DDL outside a transaction, where `foreign_keys` applies); inside
    a transaction, where that pragma does nothing, checked at commit instead, when the new
    tables hold the same ids. Both are checked by `PRAGMA foreign_key_check` in the tests."""
    if op.get_bind().dialect.name != "sqlite":
        return
    if on:
        op.execute("PRAGMA foreign_keys = ON")
    else:
        op.execute("PRAGMA defer_foreign_keys = ON")
        op.execute("PRAGMA foreign_keys = OFF")


def upgrade():
    _foreign_keys(on=False)
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("assessed_body", sa.Boolean(), server_default=sa.false(), nullable=False))

    with op.batch_alter_table("assessments") as batch:
        batch.add_column(sa.Column("unit_id", sa.Integer(), nullable=True))
        batch.create_foreign_key(op.f("fk_assessments_unit_id_units"), "units", ["unit_id"], ["id"])
        batch.create_index(batch.f("ix_assessments_unit_id"), ["unit_id"], unique=False)
        batch.drop_constraint("uq_assessments_agency_period", type_="unique")
    _unique_per_unit_and_period("assessments")

    op.drop_table("assessment_operational_data")
    op.create_table(
        "assessment_operational_data",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("period", sa.String(length=10), nullable=False),
        sa.Column("computed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.Column("criterion_34", sa.Text(), nullable=False),
        sa.Column("prefill", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(["unit_id"], ["units.id"], name=op.f("fk_assessment_operational_data_unit_id_units")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_operational_data")),
    )
    _unique_per_unit_and_period("assessment_operational_data")
    _foreign_keys(on=True)


def downgrade():
    _foreign_keys(on=False)
    # A body's assessments have no place in the old schema (one per agency name and period).
    bodies = "SELECT id FROM assessments WHERE unit_id IS NOT NULL"
    op.execute(f"DELETE FROM assessment_evidence WHERE assessment_id IN ({bodies})")
    op.execute(f"DELETE FROM assessment_answers WHERE assessment_id IN ({bodies})")
    op.execute("DELETE FROM assessments WHERE unit_id IS NOT NULL")
    op.drop_table("assessment_operational_data")
    _operational_data_v1()
    op.drop_index("uq_assessments_whole_period", table_name="assessments")
    op.drop_index("uq_assessments_unit_period", table_name="assessments")
    with op.batch_alter_table("assessments") as batch:
        batch.create_unique_constraint("uq_assessments_agency_period", ["agency", "period"])
        batch.drop_index(batch.f("ix_assessments_unit_id"))
        batch.drop_constraint(op.f("fk_assessments_unit_id_units"), type_="foreignkey")
        batch.drop_column("unit_id")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("assessed_body")
    _foreign_keys(on=True)
