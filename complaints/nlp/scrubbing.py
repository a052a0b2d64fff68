"""One data subject's own values (name and its parts, phones in any spelling, e-mail, LINE id,
address) found and replaced in free text, on top of the general PII rules (`pii_masking`).

Used by erasure and retention (the subject's data removed everywhere) and by the public
pages (a complainant's own contacts masked in the agency's public answers).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from complaints.nlp.pii_masking import PLACEHOLDERS, mask_text
from complaints.nlp.similarity import normalise_phone


class Person(Protocol):
    name: str | None
    phone: str | None
    email: str | None
    line_user_id: str | None


class Located(Protocol):
    address: str | None


ADDRESS_PLACEHOLDER = "[ที่อยู่]"
# Name parts shorter than this are too likely to be ordinary words or syllables.
MIN_NAME_PART = 2
# Titles are parts of a name but not personal: "นาย" alone would also mask "นายก".
TITLES = frozenset(
    {"นาย", "นาง", "นางสาว", "น.ส", "นส", "คุณ", "ด.ช", "ด.ญ", "เด็กชาย", "เด็กหญิง", "ดร", "mr", "mrs", "ms", "miss", "dr"}
)
_THAI_DIGIT = dict(zip("0123456789", "๐๑๒๓๔๕๖๗๘๙", strict=True))
_SEPARATOR = r"[ \-.\u00a0]?"


@dataclass
class Scrubber:
    """Exact patterns of one subject's values, each with its placeholder."""

    patterns: list[tuple[re.Pattern[str], str]] = field(default_factory=list)
    emails: set[str] = field(default_factory=set)
    phones: set[str] = field(default_factory=set)  # normalised (normalise_phone)

    def literals(self, value: str) -> str:
        """Only this subject's own values replaced (the general rules not applied)."""
        for pattern, placeholder in self.patterns:
            value = pattern.sub(placeholder, value)
        return value

    def text(self, value: str | None) -> str | None:
        if not value:
            return value
        return mask_text(self.literals(value))

    def json(self, value: Any) -> Any:
        """Every string inside a JSON value scrubbed (outbox payloads): any JSON value in,
        the same shape out."""
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.json(v) for v in value]
        if isinstance(value, dict):
            return {k: self.json(v) for k, v in value.items()}
        return value

    def add_literal(self, value: str | None, placeholder: str) -> None:
        value = (value or "").strip()
        if len(value) < MIN_NAME_PART:
            return
        pattern = re.escape(value)
        if value.isascii():  # "Lee" is not in "Leeds"; Thai has no spaces between words
            pattern = rf"(?<![A-Za-z0-9]){pattern}(?![A-Za-z0-9])"
        self.patterns.append((re.compile(pattern, re.IGNORECASE), placeholder))

    def add_phone(self, phone: str | None) -> None:
        """081-234-5678, 0812345678, +66 81 234 5678, 66812345678, in Thai digits too."""
        digits = normalise_phone(phone or "")
        if not digits:
            return
        self.phones.add(digits)
        core = digits[1:] if digits.startswith("0") else digits
        body = _SEPARATOR.join(f"[{d}{_THAI_DIGIT[d]}]" for d in core)
        prefix = r"(?:(?:(?:\+|00)\s?)?(?:66|๖๖)[ \-.]?\(?[0๐]?\)?[ \-.]?|[0๐][ \-.\u00a0]?)"
        self.patterns.append((re.compile(rf"(?<![0-9๐-๙]){prefix}{body}(?![0-9๐-๙])"), PLACEHOLDERS["phone"]))


def _name_like(part: str) -> bool:
    """A word that can be part of a name: letters (with Thai marks), digits, . - ' only.
    Whatever else a name field holds ("<b>", "a=b") is no name, and matching it alone
    would blank the same characters in unrelated text."""
    return unicodedata.category(part[0])[0] == "L" and all(
        unicodedata.category(ch)[0] in "LMN" or ch in ".-'" for ch in part
    )


def scrubber_for(complainants: Iterable[Person], complaints: Iterable[Located]) -> Scrubber:
    scrubber = Scrubber()
    names: list[str] = []
    for person in complainants:
        if person.email:
            scrubber.emails.add(person.email.strip().lower())
            scrubber.add_literal(person.email, PLACEHOLDERS["email"])
            # Also when written out to dodge filters ("somchai77 at example.org").
            scrubber.add_literal(person.email.split("@")[0], PLACEHOLDERS["email"])
        scrubber.add_phone(person.phone)
        scrubber.add_literal(person.line_user_id, PLACEHOLDERS["line_id"])
        if person.name:
            names.append(person.name)
    # The whole name first, then its parts (a note says "คุณมานี" or "Mr Mee-jai").
    parts = [
        part
        for name in names
        for part in re.split(r"\s+", name.strip())
        if len(part) >= MIN_NAME_PART and part.lower().rstrip(".") not in TITLES and _name_like(part)
    ]
    for value in sorted(set(names) | set(parts), key=len, reverse=True):
        scrubber.add_literal(value, PLACEHOLDERS["name"])
    for complaint in complaints:
        scrubber.add_literal(complaint.address, ADDRESS_PLACEHOLDER)
    return scrubber
