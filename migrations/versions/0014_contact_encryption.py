"""contact data encrypted at rest

Revision ID: 0014
Revises: 0007
Create Date: 2026-11-26 05:35:00

Complainants' name, phone, e-mail and LINE id, and outbox recipients, become Fernet tokens
(complaints.models.encrypted) under CONTACT_ENCRYPTION_KEYS: the columns
widen to TEXT, then existing plaintext is encrypted in place.
"""

import sqlalchemy as sa
from alembic import op

from complaints.models import encrypted as contact_crypto

# revision identifiers, used by Alembic.
revision = "0014"
down_revision = "0007"
branch_labels = None
depends_on = None

ENCRYPTED = {
    "complainants": {"name": 200, "phone": 32, "email": 254, "line_user_id": 64},
    "outbox_messages": {"recipient": 254},
}


def _convert(name: str, columns: dict, transform) -> None:
    conn = op.get_bind()
    table = sa.table(name, sa.column("id"), *(sa.column(c) for c in columns))
    for row in conn.execute(sa.select(table)).mappings().all():
        values = {c: transform(row[c]) for c in columns if row[c] is not None}
        if values:
            conn.execute(table.update().where(table.c.id == row["id"]).values(**values))


def upgrade():
    for name, columns in ENCRYPTED.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.alter_column(column, existing_type=sa.VARCHAR(length=length), type_=sa.Text())
        _convert(name, columns, contact_crypto.encrypt)


def downgrade():
    for name, columns in ENCRYPTED.items():
        _convert(name, columns, contact_crypto.decrypt)
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, length in columns.items():
                batch_op.alter_column(column, existing_type=sa.Text(), type_=sa.VARCHAR(length=length))
