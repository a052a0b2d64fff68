"""HMAC-SHA256 signatures of webhook bodies (SMS gateway, inbound mail)."""

from __future__ import annotations

import hashlib
import hmac

from complaints.domain.errors import BilingualError


def sign(body: bytes, secret: str) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(body: bytes, signature: str | None, secret: str | None, channel: str) -> None:
    """Raise a 400 unless `signature` (hex, optionally "sha256=…") is the body's HMAC; 404 when unconfigured."""
    if not secret:
        raise BilingualError(
            404, "channel-not-configured", f"ยังไม่ได้เปิดใช้ช่องทาง {channel}", f"The {channel} channel is not configured."
        )
    if not signature:
        raise BilingualError(400, "missing-signature", "ไม่มีลายเซ็นของข้อมูล", "The signature header is missing.")
    given = signature.strip().removeprefix("sha256=").lower()
    # Headers arrive decoded as Latin-1, and compare_digest raises TypeError on str with
    # non-ASCII characters: check ASCII first, then compare bytes.
    if not given.isascii() or not hmac.compare_digest(given.encode("ascii"), sign(body, secret).encode("ascii")):
        raise BilingualError(400, "bad-signature", "ลายเซ็นไม่ถูกต้อง", "The signature does not match.")
