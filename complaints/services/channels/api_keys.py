"""API keys for Open311 client apps: issued and revoked by an admin, checked on
every POST. Only a digest of each key is stored; the key is shown once."""

from __future__ import annotations

import hashlib
import secrets

from flask import current_app
from sqlalchemy import select

from complaints.domain.errors import BilingualError
from complaints.extensions import db
from complaints.models import ApiKey, User, utcnow
from complaints.services.catalogue.checking import Checker

KEY_PREFIX = "rr311_"
# Long enough for any key we issue, short enough that hashing a hostile value costs nothing.
MAX_KEY_LENGTH = 100


def digest(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def list_keys() -> list[ApiKey]:
    return list(db.session.scalars(select(ApiKey).order_by(ApiKey.revoked_at.is_not(None), ApiKey.id.desc())))


def get_key(key_id: int) -> ApiKey:
    row = db.session.get(ApiKey, key_id)
    if row is None:
        raise BilingualError(404, "not-found", "ไม่พบ API key นี้", "No such API key.")
    return row


def issue_key(admin: User, name: str | None) -> tuple[ApiKey, str]:
    """A new key for the client app `name`: the row, and the key to show once."""
    check = Checker()
    clean_name = check.text("name", name, ("ชื่อแอปหรือผู้ใช้ key", "Client name"), max_len=200)
    check.raise_if_any()
    key = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(name=clean_name, prefix=key[: len(KEY_PREFIX) + 4], key_hash=digest(key), created_by_id=admin.id)
    db.session.add(row)
    db.session.flush()
    current_app.logger.info("admin: API key %s issued to %r by %s", row.prefix, row.name, admin.username)
    return row, key


def revoke_key(admin: User, row: ApiKey) -> ApiKey:
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        current_app.logger.info("admin: API key %s revoked by %s", row.prefix, admin.username)
    return row


def authenticate(key: str | None) -> ApiKey | None:
    """The active key row for a presented key, or None. Marks it used (committed
    with whatever the request stores)."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    wanted = digest(key)
    row = db.session.scalar(select(ApiKey).where(ApiKey.key_hash == wanted))
    if row is None or row.revoked_at is not None:
        return None
    row.last_used_at = utcnow()
    return row
