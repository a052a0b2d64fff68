"""Counters in the rate limiter's storage (Redis when configured, else memory),
for limits that are not one per route: failed sign-ins per address and account,
and status look-ups per chat sender.

Keys hold a keyed hash, never a username, phone number or LINE id: the limiter's
store is not a place for personal data.
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from limits import parse

from complaints.extensions import limiter


def key(*parts: str) -> str:
    secret = current_app.config["SECRET_KEY"].encode()
    return hmac.new(secret, "\x1f".join(parts).encode(), hashlib.sha256).hexdigest()[:32]


def _storage():
    return limiter.storage


def count(name: str) -> int:
    try:
        return int(_storage().get(f"rongrian:{name}") or 0)
    except Exception:  # a store that is down must not turn sign-in into errors
        current_app.logger.warning("throttle store unavailable; %s not counted", name)
        return 0


def add(name: str, expiry_seconds: float) -> int:
    """Add one to a counter that disappears `expiry_seconds` after its first hit."""
    try:
        return int(_storage().incr(f"rongrian:{name}", max(1, int(expiry_seconds))))
    except Exception:
        current_app.logger.warning("throttle store unavailable; %s not counted", name)
        return 0


def clear(name: str) -> None:
    try:
        _storage().clear(f"rongrian:{name}")
    except Exception:
        current_app.logger.warning("throttle store unavailable; %s not cleared", name)


def allow(limit: str, *identifiers: str) -> bool:
    """One hit against a limit such as "10 per hour"; False when it is used up."""
    try:
        return limiter.limiter.hit(parse(limit), "rongrian", *identifiers)
    except Exception:
        current_app.logger.warning("throttle store unavailable; %s not limited", limit)
        return True
