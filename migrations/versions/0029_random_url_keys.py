"""attachments.url_key and outbox_messages.url_key: random keys that pages name these rows by

Row ids are dense: an officer who saw attachments 41 and 43, or an admin who saw
outbox messages 41 and 43, learnt that a row of a complaint hidden from them (a
tip-off) came in between (issue 16). Pages and forms now name both by a random key;
existing rows get one here, each its own. The downgrade drops the keys.

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-07 21:30:00

"""

import secrets

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

TABLES = ("attachments", "outbox_messages")
BATCH = 1000


def upgrade():
    conn = op.get_bind()
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.add_column(sa.Column("url_key", sa.String(length=22), nullable=True))
        table = sa.table(name, sa.column("id", sa.Integer), sa.column("url_key", sa.String))
        ids = conn.execute(sa.select(table.c.id)).scalars().all()
        fill = table.update().where(table.c.id == sa.bindparam("row_id")).values(url_key=sa.bindparam("key"))
        for start in range(0, len(ids), BATCH):  # one statement run per batch, not per row
            conn.execute(fill, [{"row_id": i, "key": secrets.token_urlsafe(16)} for i in ids[start : start + BATCH]])
        with op.batch_alter_table(name) as batch:
            batch.alter_column("url_key", existing_type=sa.String(length=22), nullable=False)
            batch.create_unique_constraint(op.f(f"uq_{name}_url_key"), ["url_key"])


def downgrade():
    for name in TABLES:
        with op.batch_alter_table(name) as batch:
            batch.drop_constraint(op.f(f"uq_{name}_url_key"), type_="unique")
            batch.drop_column("url_key")
