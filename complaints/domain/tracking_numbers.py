"""Tracking numbers: `<PREFIX>-<BE year>-XXXX-XXXX`.

Eight Crockford base32 characters (no I, L, O, U): seven random ones and a check
character. The check covers the year and the random part, with odd weights so
that every single-character error changes it (each weight is a unit mod 32).
Numbers are random, not sequential, so one number says nothing about another.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_VALUE = {ch: i for i, ch in enumerate(ALPHABET)}
# Crockford decoding: letters people confuse with digits read as those digits.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
RANDOM_LENGTH = 7
_WEIGHTS = (1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21)  # year digits (4) then random (7)
_SHAPE = re.compile(r"^([A-Z]{1,6})(\d{4})([0-9A-Z]{8})$")


class MalformedTrackingNumber(ValueError):
    """The text cannot be a tracking number (wrong shape or check character)."""


@dataclass(frozen=True)
class TrackingNumber:
    prefix: str
    be_year: int
    body: str  # 8 characters, the last one the check character

    def __str__(self) -> str:
        return f"{self.prefix}-{self.be_year}-{self.body[:4]}-{self.body[4:]}"


def check_character(be_year: int, random_part: str) -> str:
    values = [int(d) for d in f"{be_year:04d}"] + [_VALUE[c] for c in random_part]
    return ALPHABET[sum(w * v for w, v in zip(_WEIGHTS, values, strict=True)) % 32]


def generate(prefix: str, be_year: int, choice: Callable[[str], str] = secrets.choice) -> str:
    """A new number; `choice` may be a seeded `random.Random().choice` for reproducible demo data."""
    random_part = "".join(choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return str(TrackingNumber(prefix, be_year, random_part + check_character(be_year, random_part)))


def parse(text: str, prefix: str | None = None) -> TrackingNumber:
    """Read a tracking number typed by a person: any case, hyphens and spaces optional.

    Raises MalformedTrackingNumber when the text cannot be one; a well-formed number
    may still be unknown.
    """
    if not isinstance(text, str) or len(text) > 64:
        raise MalformedTrackingNumber("not a tracking number")
    compact = re.sub(r"[\s\-]", "", text).upper()
    match = _SHAPE.match(compact)
    if not match:
        raise MalformedTrackingNumber("wrong shape")
    got_prefix, year, body = match.groups()
    if prefix is not None and got_prefix != prefix.upper():
        raise MalformedTrackingNumber("wrong prefix")
    body = body.translate(_ALIASES)
    if any(c not in _VALUE for c in body):
        raise MalformedTrackingNumber("character outside Crockford base32")
    be_year = int(year)
    if body[-1] != check_character(be_year, body[:-1]):
        raise MalformedTrackingNumber("check character does not match")
    return TrackingNumber(got_prefix, be_year, body)
