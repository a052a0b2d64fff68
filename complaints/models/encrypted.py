"""Complainants' contact data encrypted at rest (PDPA): the column type and its cipher.

Names, phone numbers, e-mail addresses and LINE user ids are stored as Fernet
tokens (AES-128-CBC with HMAC-SHA256, from `cryptography`) under
CONTACT_ENCRYPTION_KEYS: one or more Fernet keys, comma-separated, the first
encrypts and all decrypt, so a key is rotated by putting the new one first and
re-encrypting (`flask rotate-contact-key`, complaints.services.privacy.contact_crypto).
Repeat complaints are matched by the keyed hashes (Complainant.*_key), never by
the plaintext, so no lookup needs it.

Without configured keys (the embedded demo set-up) a key is derived from
SECRET_KEY; production refuses to start without explicit keys (config guard).
"""

from __future__ import annotations

import base64
import hashlib

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from flask import Flask, current_app
from sqlalchemy import Dialect, Text, TypeDecorator

EXTENSION = "rongrian.contact_cipher"


def derived_key(secret: str) -> bytes:
    """A Fernet key derived from a secret string (for the embedded default only)."""
    digest = hashlib.sha256(b"rongrian-contact-encryption:" + secret.encode()).digest()
    return base64.urlsafe_b64encode(digest)


def init_app(app: Flask) -> None:
    """The app's cipher from CONTACT_ENCRYPTION_KEYS (else derived from SECRET_KEY)."""
    keys = app.config["CONTACT_ENCRYPTION_KEYS"]
    raw = [k.strip().encode() for k in (keys or []) if k.strip()] or [derived_key(app.config["SECRET_KEY"])]
    app.extensions[EXTENSION] = MultiFernet([Fernet(k) for k in raw])


class ContactUndecryptable(RuntimeError):
    """A stored contact that none of CONTACT_ENCRYPTION_KEYS decrypts (a wrong or missing key).

    Pages show "cannot be decrypted" (or a bilingual 503, complaints.errors) and
    /readyz reports it; it is never a 500.
    """


def cipher() -> MultiFernet:
    fernet: MultiFernet = current_app.extensions[EXTENSION]
    return fernet


def encrypt(value: str) -> str:
    return cipher().encrypt(value.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return cipher().decrypt(token.encode("ascii")).decode()
    except InvalidToken as exc:
        raise ContactUndecryptable("a contact value cannot be decrypted with the configured keys") from exc


def rotate(token: str) -> str:
    """The token re-encrypted under the first (newest) key."""
    return cipher().rotate(token.encode("ascii")).decode("ascii")


class EncryptedText(TypeDecorator[str]):
    """A string column stored encrypted; None stays NULL."""

    impl = Text
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else encrypt(value)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return None if value is None else decrypt(value)
