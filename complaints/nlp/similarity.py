"""Similarity of complaint texts and places: pure functions, no database.

The distinctive tokens of a Thai text (`text_signature`), their overlap, keyed
hashes of contacts, distances, and `pair_score`, which says how likely two
complaints are about the same problem. The database lookups that use them are in
`complaints.services.casework.similarity`; the precision and recall of
`pair_score` on real labelled pairs are measured by tests/labelled_pairs.py.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from complaints.domain.thai_calendar import THAI_MONTHS_ABBR

SIGNATURE_TOKENS = 64
NEARBY_METRES = 300
# Similar = pair_score at least SIMILAR_MINIMUM: text overlap plus these bonuses.
SIMILAR_MINIMUM = 0.3
PLACE_BONUS = 0.15
CATEGORY_BONUS = 0.1
# Measured on the labelled pairs (data/duplicates/duplicate_pairs.csv, BENCHMARKS.md).
MIN_SHARED_TOKENS = 3
FAR_METRES = 1000


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords())


# A number right after a name is where something is: "ซอย 45", "นวมินทร์ 64/2",
# "พัฒนาการ61", "แยก 9". Not after a word that makes it a count, date, time or
# house number, nor before a unit.
_NUMBER = re.compile(r"(\D*?)(\d{1,4}(?:/\d{1,4})?)")
_NOT_PLACE_BEFORE = frozenset(
    {
        "จำนวน",
        "วันที่",
        "เวลา",
        "ประมาณ",
        "มากกว่า",
        "น้อยกว่า",
        "กว่า",
        "ปี",
        "พ.ศ.",
        "อายุ",
        "ราคา",
        "ครั้งที่",
        "ทั้ง",
        "ตั้งแต่",
        "หลาย",
        "รวม",
        "ที่",
        "ถึง",
        "เกือบ",
        "อีก",
        "ละ",
        "ได้",
        "แล้ว",
        "ไป",
        "มา",
        "เลขที่",
        "ทุก",
    }
)
_UNITS = frozenset(
    {
        "เมตร",
        "ม.",
        "ม",
        "กม.",
        "กิโลเมตร",
        "คัน",
        "ชั่วโมง",
        "ชม.",
        "นาที",
        "วัน",
        "สัปดาห์",
        "อาทิตย์",
        "เดือน",
        "ปี",
        "ซม.",
        "ซม",
        "cm",
        "ดวง",
        "ป้าย",
        "จุด",
        "ตัว",
        "คน",
        "ครั้ง",
        "บาท",
        "ต้น",
        "เสา",
        "หลัง",
        "แห่ง",
        "%",
        "ช่อง",
        "เลน",
        "นาฬิกา",
        "น.",
        "โมง",
        "ทุ่ม",
        "ราย",
        "ใบ",
        "ชั้น",
        "เส้น",
        "ข้าง",
        "ฝั่ง",
        "ชิ้น",
        "กอง",
        "แผ่น",
        "ท่อ",
        "ล้อ",
        "สาย",
        *THAI_MONTHS_ABBR,
    }
)


def _place_number(tokens: list[str], i: int) -> str | None:
    """`#45` when token i is a soi, road or branch number, else None."""
    match = _NUMBER.fullmatch(tokens[i])
    if match is None:
        return None
    prefix, number = match.groups()
    before = prefix or (tokens[i - 1] if i else "")
    after = tokens[i + 1] if i + 1 < len(tokens) else ""
    if not any(ch.isalpha() for ch in before) or before in _NOT_PLACE_BEFORE or after in _UNITS:
        return None
    return "#" + number


def text_signature(text: str) -> str:
    """The distinctive tokens of a text, in order of first use, space-separated.

    Stop words and bare numbers are dropped; a number that says where (a soi or
    road number) is kept as `#<number>`, so that "นวมินทร์ 64" and "นวมินทร์ 80"
    can be told apart (`places_conflict`).
    """
    from complaints.nlp.text import normalize_text, tokenize

    seen: dict[str, None] = {}
    stop = _stopwords()
    tokens = [t for t in (token.strip().lower() for token in tokenize(normalize_text(text), normalized=True)) if t]
    for i, token in enumerate(tokens):
        place = _place_number(tokens, i) if any(ch.isdigit() for ch in token) else None
        if place is not None:
            token = place
        elif len(token) < 2 or token in stop or not any(ch.isalnum() for ch in token) or token.isdigit():
            continue
        seen.setdefault(token, None)
        if len(seen) >= SIGNATURE_TOKENS:
            break
    return " ".join(seen)


def place_numbers(signature: str | None) -> set[str]:
    return {token for token in (signature or "").split() if token.startswith("#")}


def places_conflict(a: str | None, b: str | None) -> bool:
    """Both signatures name soi/road numbers and none in common: two different spots."""
    left, right = place_numbers(a), place_numbers(b)
    return bool(left and right and not left & right)


def overlap(a: str | None, b: str | None) -> float:
    """Jaccard similarity of two signatures (0 to 1)."""
    if not a or not b:
        return 0.0
    left, right = set(a.split()), set(b.split())
    return len(left & right) / len(left | right)


def normalise_phone(phone: str) -> str | None:
    digits = re.sub(r"\D", "", phone.translate(str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")))
    if digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    return digits if len(digits) >= 9 else None


def contact_key(kind: str, value: str | None, secret: str) -> str | None:
    """A keyed hash of a normalised contact; None when there is nothing to match on."""
    if not value:
        return None
    if kind == "phone":
        value = normalise_phone(value)
    elif kind == "email":
        value = value.strip().lower()
    else:
        value = value.strip()
    if not value:
        return None
    return hmac.new(secret.encode(), f"{kind}:{value}".encode(), hashlib.sha256).hexdigest()


class Placed(Protocol):
    """Where a complaint is: coordinates, or a DOPA area code (a Signals or a Complaint)."""

    @property
    def lat(self) -> float | None: ...
    @property
    def lon(self) -> float | None: ...
    @property
    def area_code(self) -> str | None: ...


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(dlat, dlon)


def same_place(a: Placed, b: Placed) -> bool:
    """Within NEARBY_METRES when both have coordinates, else the same subdistrict."""
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        return metres_between(a.lat, a.lon, b.lat, b.lon) <= NEARBY_METRES
    return bool(a.area_code and len(a.area_code) == 6 and a.area_code == b.area_code)


@dataclass(frozen=True)
class Signals:
    """What scoring reads of a complaint (loading 300 whole complaints would cost more than the query)."""

    id: int | None
    text_signature: str | None
    lat: float | None
    lon: float | None
    area_code: str | None
    category: int | str | None


def far_apart(a: Placed, b: Placed) -> bool:
    """Clearly not the same place: coordinates over FAR_METRES apart, else other districts."""
    if a.lat is not None and a.lon is not None and b.lat is not None and b.lon is not None:
        return metres_between(a.lat, a.lon, b.lat, b.lon) > FAR_METRES
    codes = (a.area_code or "", b.area_code or "")
    return all(len(code) >= 4 and code.isdigit() for code in codes) and codes[0][:4] != codes[1][:4]


def pair_score(a: Signals, b: Signals) -> float:
    """How likely two complaints are about the same problem (0 to 1; SIMILAR_MINIMUM and up is "similar").

    The text overlap of their signatures, plus PLACE_BONUS at the same place and
    CATEGORY_BONUS in the same category; 0 when they cannot be the same spot
    (`far_apart`, `places_conflict`) or share fewer than MIN_SHARED_TOKENS
    distinctive tokens (two short texts such as "น้ำท่วม ค่ะ" say nothing about where).
    """
    left, right = set((a.text_signature or "").split()), set((b.text_signature or "").split())
    if len(left & right) < MIN_SHARED_TOKENS or far_apart(a, b) or places_conflict(a.text_signature, b.text_signature):
        return 0.0
    score = len(left & right) / len(left | right)
    if same_place(a, b):
        score += PLACE_BONUS
    if a.category is not None and a.category == b.category:
        score += CATEGORY_BONUS
    return round(min(score, 1.0), 3)
