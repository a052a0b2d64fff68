"""Row ids and small whole numbers from URLs, query strings and forms.

Python's `int()` and `str.isdigit()` accept far more than a row id: '²' and '①' pass
`isdigit()` and then make `int()` raise, '٣' (Arabic-Indic three) and '1_000' are read
as numbers, and an id of 30 digits overflows the database's integers (SQLite raises
OverflowError binding anything beyond 64 bits; PostgreSQL's id columns are INTEGER,
32 bits, and refuse 2**31 with "integer out of range"). Every id the app reads from a
request goes through `parse_id` (query and form values) or the `int` URL converter
below, which accept ASCII digits up to the largest value every id column can hold and
nothing else: anything else is an unknown id (a 404 or the caller's bilingual 4xx),
never a 500.
"""

from __future__ import annotations

import re
import secrets

from flask import Flask
from werkzeug.routing import BaseConverter, IntegerConverter, ValidationError

from complaints.domain import tracking_numbers

# The largest id any table can hold: the id columns are INTEGER, a signed 32-bit
# integer on PostgreSQL (SQLite's INTEGER is 64-bit, a larger range).
MAX_ID = 2**31 - 1
_ASCII_DIGITS = re.compile(r"[0-9]{1,10}")


def parse_id(raw: object) -> int | None:
    """The non-negative integer `raw` spells in ASCII digits (surrounding spaces allowed),
    or None: empty, signed, Unicode digits, underscores, or beyond MAX_ID."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, int):
        return raw if 0 <= raw <= MAX_ID else None
    if not isinstance(raw, str):
        return None
    text = raw.strip(" \t")
    if not _ASCII_DIGITS.fullmatch(text):
        return None
    value = int(text)
    return value if value <= MAX_ID else None


# A list page beyond this is empty anyway; an offset past it would overflow the database.
MAX_PAGE = 100_000


def page_number(raw: object) -> int:
    """A list's `?page=`: 1 unless ASCII digits, at most MAX_PAGE (a page past the end is empty)."""
    value = parse_id(raw)
    return min(max(value or 1, 1), MAX_PAGE)


class IdConverter(IntegerConverter):
    """`<int:…>` for the whole app: ASCII digits only (Werkzeug's `\\d+` also matches
    Unicode digits) and at most MAX_ID, so a route never hands the database an id it
    cannot bind; anything else does not match the route (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, *args, **kwargs) -> None:  # noqa: A002 - Werkzeug's name
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)
        self.regex = type(self).regex  # also when signed=True: ids are never negative

    def to_python(self, value: str) -> int:
        parsed = parse_id(value)
        if parsed is None or (self.max is not None and parsed > self.max):
            raise ValidationError()
        return parsed


class CaseConverter(BaseConverter):
    """`<case:number>`: a staff case page addressed by its tracking number, never its row id.

    Row ids are dense: a gap in them (a tip-off hidden from a manager) would say that a
    tip-off exists and when it came (issue 16). The tracking number is random. Any case,
    with or without hyphens, is read; the view gets the canonical `RR-2569-XXXX-XXXX`.
    Text that cannot be a tracking number does not match the route (the same 404 as an
    unknown or hidden number). `url_for` takes the number or the Complaint itself.
    """

    regex = r"[A-Za-z0-9-]{1,64}"

    def to_python(self, value: str) -> str:
        try:
            return str(tracking_numbers.parse(value))
        except tracking_numbers.MalformedTrackingNumber:
            raise ValidationError() from None

    def to_url(self, value: object) -> str:
        number = getattr(value, "tracking_number", value)
        if not isinstance(number, str) or not number:
            # A row id must never be turned into a staff URL by mistake.
            raise ValueError("a case URL takes a tracking number or a Complaint")
        return super().to_url(number)


# --- random keys for rows that pages name (attachments, outbox messages) --------------

KEY_LENGTH = 22  # secrets.token_urlsafe(16): 16 random bytes, 22 URL-safe characters
_KEY = re.compile(rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}")


def new_key() -> str:
    """A random, unguessable key for a row a page or form names instead of its row id.

    Row ids are dense, so a gap between two ids a user can see (an attachment or an
    outbox message of a tip-off hidden from them) would tell them that a hidden row
    exists and when it was made (issue 16). 128 random bits cannot be enumerated.
    """
    return secrets.token_urlsafe(16)


def parse_key(raw: object) -> str | None:
    """The key `raw` spells (surrounding spaces allowed), or None for anything that cannot be one."""
    if not isinstance(raw, str):
        return None
    text = raw.strip(" \t")
    return text if _KEY.fullmatch(text) else None


class KeyConverter(BaseConverter):
    """`<key:…>`: a row addressed by its random key (`new_key`). Text that cannot be a key
    does not match the route (the same 404 as an unknown or hidden key). `url_for` takes
    the key itself, or a row with a `url_key`; never a row id."""

    regex = rf"[A-Za-z0-9_-]{{{KEY_LENGTH}}}"

    def to_url(self, value: object) -> str:
        key = getattr(value, "url_key", value)
        if not isinstance(key, str) or parse_key(key) != key:
            raise ValueError("a key URL takes a random key or a row that has one")
        return super().to_url(key)


def init_app(app: Flask) -> None:
    """Replace the `int` converter before any blueprint adds its rules."""
    app.url_map.converters["int"] = IdConverter
    app.url_map.converters["case"] = CaseConverter
    app.url_map.converters["key"] = KeyConverter
