"""Recomputing the keyed contact hashes after CONTACT_KEY_SECRET changes
(`flask rehash-contacts`).

`Complainant.phone_key`/`email_key`/`line_key` are HMACs under CONTACT_KEY_SECRET
(similarity.contact_key); repeat detection, the data-subject look-up and e-mail replies
find people by them. A new secret makes every stored hash a stranger, so this decrypts
each complainant's contacts (encrypted at rest, not hashed only) and hashes them again
under the secret now configured. Erased complainants (no contacts) get no keys.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass

from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Complainant
from complaints.nlp.similarity import contact_key
from complaints.services.casework import similarity

_KINDS = (("phone", "phone", "phone_key"), ("email", "email", "email_key"), ("line", "line_user_id", "line_key"))


@dataclass
class RehashResult:
    complainants: int = 0  # rows read
    changed: int = 0  # rows whose keys were rewritten
    # Rows whose stored keys matched neither the old secret (when given) nor the new one:
    # hashed under a third secret, or the old secret given is not the one they were made with.
    unexplained: int = 0


def _keys(complainant: Complainant, secret: str) -> dict[str, str | None]:
    return {attr: contact_key(kind, getattr(complainant, field), secret) for kind, field, attr in _KINDS}


def rehash_all(old_secret: str | None = None, batch: int = 500) -> RehashResult:
    """Rewrite every complainant's contact keys under the current secret, in batches of
    `batch` rows, one commit per batch (a large table is not held in one transaction;
    an interrupted run is finished by running it again)."""
    secret = similarity.secret()
    result = RehashResult()
    last_id = 0
    while True:
        rows = list(
            db.session.scalars(
                select(Complainant).where(Complainant.id > last_id).order_by(Complainant.id).limit(batch)
            )
        )
        if not rows:
            break
        for complainant in rows:
            result.complainants += 1
            stored = {attr: getattr(complainant, attr) for _, _, attr in _KINDS}
            fresh = _keys(complainant, secret)
            if fresh == stored:
                continue
            if old_secret is not None and not _same(stored, _keys(complainant, old_secret)):
                result.unexplained += 1
            for attr, value in fresh.items():
                setattr(complainant, attr, value)
            result.changed += 1
        db.session.commit()
        last_id = rows[-1].id
        db.session.expunge_all()
    return result


def _same(a: dict[str, str | None], b: dict[str, str | None]) -> bool:
    return all(hmac.compare_digest(a[k] or "", b[k] or "") for k in a)
