"""Re-encrypting stored contact data under the newest key (`flask rotate-contact-key`), and
whether the stored contacts still decrypt with the configured keys (GET /readyz).

The column type and its cipher are complaints.models.encrypted; CONTACT_ENCRYPTION_KEYS
lists the keys, the first encrypts and all decrypt.
"""

from __future__ import annotations

from sqlalchemy import String, column, select, table, type_coerce

from complaints.extensions import db
from complaints.models import Complainant
from complaints.models.base import Base
from complaints.models.encrypted import EncryptedText, decrypt, rotate


def encrypted_columns() -> dict[str, tuple[str, ...]]:
    """{table: its EncryptedText columns}, as the models declare them: a new encrypted
    column is rotated without being listed anywhere else."""
    found = {
        t.name: tuple(c.name for c in t.columns if isinstance(c.type, EncryptedText))
        for t in Base.metadata.tables.values()
    }
    return {name: columns for name, columns in found.items() if columns}


def rotate_all(batch: int = 1000) -> int:
    """Re-encrypt every stored contact value (complainants, outbox recipients) under the
    newest key; returns rows touched."""
    touched = 0
    for name, columns in encrypted_columns().items():
        rows_table = table(name, column("id"), *(column(c) for c in columns))
        last_id = 0
        while True:
            rows = (
                db.session.execute(
                    select(rows_table).where(rows_table.c.id > last_id).order_by(rows_table.c.id).limit(batch)
                )
                .mappings()
                .all()
            )
            if not rows:
                break
            for row in rows:
                values = {c: rotate(row[c]) for c in columns if row[c] is not None}
                if values:
                    db.session.execute(rows_table.update().where(rows_table.c.id == row["id"]).values(**values))
                    touched += 1
            db.session.commit()
            last_id = rows[-1]["id"]
    return touched


def newest_contact_readable() -> bool | None:
    """Does the newest stored contact (a phone number, else an e-mail address) decrypt with
    the configured keys? None when no contact is stored. A wrong key shows here (the
    readiness probe), not as a 500 on a case page."""
    token = None
    for stored in (Complainant.phone, Complainant.email):
        token = db.session.scalar(
            select(type_coerce(stored, String)).where(stored.is_not(None)).order_by(Complainant.id.desc()).limit(1)
        )
        if token is not None:
            break
    if token is None:
        return None
    try:
        decrypt(token)
    except RuntimeError:
        return False
    return True
