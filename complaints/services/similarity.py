"""Similar and repeat complaints.

*Similar*: open complaints that are probably about the same problem as this one:
Thai text overlap (the distinctive tokens kept in `text_signature`), the same or
a nearby place, the same category, received within SIMILAR_WINDOW_DAYS. Shown to
officers as merge suggestions and to the citizen on the receipt. `pair_score`
rules out pairs that cannot be the same spot (other districts, coordinates over
FAR_METRES apart, different soi/road numbers) or share too few words; its
precision and recall on 280 real, hand-labelled pairs are in BENCHMARKS.md.

*Repeat*: a complaint that comes back to an earlier one within
REPEAT_WINDOW_DAYS about the same issue (same category), either from the same
complainant (matched by keyed hashes of the normalised phone, email or LINE id)
or at the same place with similar text. Stored as `repeat_of_id` by a periodic
task, for the recurrence analytics.

Every lookup goes through an index (category or area with the date, contact
keys); none scans the table.
"""
from __future__ import annotations

import hashlib
import hmac
import math
import re
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select

from complaints.extensions import db
from complaints.models import Complainant, Complaint
from complaints.services.access import PUBLIC, may_link, visible_complaints
from complaints.services.workflow import OPEN

SIGNATURE_TOKENS = 64
NEARBY_METRES = 300
# Similar = pair_score at least SIMILAR_MINIMUM: text overlap plus these bonuses.
SIMILAR_MINIMUM = 0.3
PLACE_BONUS = 0.15
CATEGORY_BONUS = 0.1
# Measured on the labelled pairs (tests/data/duplicate_pairs.csv, BENCHMARKS.md).
MIN_SHARED_TOKENS = 3
FAR_METRES = 1000


# --- pure functions ------------------------------------------------------------------

@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from pythainlp.corpus import thai_stopwords

    return frozenset(thai_stopwords())


# A number right after a name is where something is: "ซอย 45", "นวมินทร์ 64/2",
# "พัฒนาการ61", "แยก 9". Not after a word that makes it a count, date, time or
# house number, nor before a unit.
_NUMBER = re.compile(r"(\D*?)(\d{1,4}(?:/\d{1,4})?)")
_NOT_PLACE_BEFORE = frozenset({
    "จำนวน", "วันที่", "เวลา", "ประมาณ", "มากกว่า", "น้อยกว่า", "กว่า", "ปี", "พ.ศ.", "อายุ", "ราคา", "ครั้งที่",
    "ทั้ง", "ตั้งแต่", "หลาย", "รวม", "ที่", "ถึง", "เกือบ", "อีก", "ละ", "ได้", "แล้ว", "ไป", "มา", "เลขที่", "ทุก"})
_UNITS = frozenset({
    "เมตร", "ม.", "ม", "กม.", "กิโลเมตร", "คัน", "ชั่วโมง", "ชม.", "นาที", "วัน", "สัปดาห์", "อาทิตย์", "เดือน", "ปี",
    "ซม.", "ซม", "cm", "ดวง", "ป้าย", "จุด", "ตัว", "คน", "ครั้ง", "บาท", "ต้น", "เสา", "หลัง", "แห่ง", "%", "ช่อง",
    "เลน", "นาฬิกา", "น.", "โมง", "ทุ่ม", "ราย", "ใบ", "ชั้น", "เส้น", "ข้าง", "ฝั่ง", "ชิ้น", "กอง", "แผ่น", "ท่อ",
    "ล้อ", "สาย", "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.", "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค."})


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


def metres_between(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    dlat = math.radians(lat2 - lat1)
    dlon = math.radians(lon2 - lon1) * math.cos(math.radians((lat1 + lat2) / 2))
    return 6_371_000 * math.hypot(dlat, dlon)


def same_place(a, b) -> bool:
    """Within NEARBY_METRES when both have coordinates, else the same subdistrict."""
    if a.lat is not None and b.lat is not None:
        return metres_between(a.lat, a.lon, b.lat, b.lon) <= NEARBY_METRES
    return bool(a.area_code and len(a.area_code) == 6 and a.area_code == b.area_code)


def secret() -> str:
    """The key of the contact hashes. Only development falls back to SECRET_KEY: production
    refuses to start without a CONTACT_KEY_SECRET of its own (complaints.security), so
    rotating SECRET_KEY there never changes these hashes."""
    return current_app.config["CONTACT_KEY_SECRET"] or current_app.config["SECRET_KEY"]


def complainant_keys(complainant: Complainant) -> None:
    """Fill the contact keys of a complainant (at intake)."""
    key = secret()
    complainant.phone_key = contact_key("phone", complainant.phone, key)
    complainant.email_key = contact_key("email", complainant.email, key)
    complainant.line_key = contact_key("line", complainant.line_user_id, key)


# --- lookups ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Match:
    complaint: Complaint
    score: float


def category_of(complaint: Complaint) -> int | None:
    return complaint.category_id or complaint.suggested_category_id


def _window(complaint: Complaint, days_before: int, days_after: int):
    return and_(Complaint.id != complaint.id,
                Complaint.received_at >= complaint.received_at - timedelta(days=days_before),
                Complaint.received_at <= complaint.received_at + timedelta(days=days_after))


def _place_filter(complaint: Complaint):
    """Candidates by place, through the (area_code, received_at) index."""
    if complaint.area_code and len(complaint.area_code) >= 4 and complaint.area_code.isdigit():
        district = complaint.area_code[:4]
        following = f"{int(district) + 1:04d}"
        # The same district as a range of digit codes: a LIKE prefix would skip the
        # index under a non-C collation, and digits sort alike in every collation.
        return and_(Complaint.area_code >= district, Complaint.area_code < following)
    return None


@dataclass(frozen=True)
class Signals:
    """What scoring reads of a complaint (loading 300 whole complaints would cost more than the query)."""

    id: int | None
    text_signature: str | None
    lat: float | None
    lon: float | None
    area_code: str | None
    category: int | str | None


def far_apart(a, b) -> bool:
    """Clearly not the same place: coordinates over FAR_METRES apart, else other districts."""
    if a.lat is not None and b.lat is not None:
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
    if (len(left & right) < MIN_SHARED_TOKENS or far_apart(a, b)
            or places_conflict(a.text_signature, b.text_signature)):
        return 0.0
    score = len(left & right) / len(left | right)
    if same_place(a, b):
        score += PLACE_BONUS
    if a.category is not None and a.category == b.category:
        score += CATEGORY_BONUS
    return round(min(score, 1.0), 3)


def signals_of(complaint: Complaint) -> Signals:
    return Signals(complaint.id, complaint.text_signature, complaint.lat, complaint.lon, complaint.area_code,
                   category_of(complaint))


def _candidate_columns():
    return (Complaint.id, Complaint.text_signature, Complaint.lat, Complaint.lon, Complaint.area_code,
            Complaint.category_id, Complaint.suggested_category_id)


def _candidates(statement) -> list[Signals]:
    return [Signals(cid, sig, lat, lon, area, cat or suggested)
            for cid, sig, lat, lon, area, cat, suggested in db.session.execute(statement)]


def similar_open(complaint: Complaint, limit: int = 3, minimum: float = SIMILAR_MINIMUM,
                 visible: ColumnElement[bool] | None = None) -> list[Match]:
    """Open complaints probably about the same problem that the reader may know of
    (`visible`: access.visible_complaints of the reader; by default what the public
    may know of), best first. Never across the tip-off wall (access.may_link).
    """
    visible = visible_complaints(PUBLIC) if visible is None else visible
    signature = complaint.text_signature
    if not signature:
        return []
    category = category_of(complaint)
    days = current_app.config["SIMILAR_WINDOW_DAYS"]
    base = [_window(complaint, days, days), Complaint.status.in_(OPEN), may_link(complaint), visible]
    # One query per way of being related (same category, same district), each
    # served by its own partial index on open complaints: an OR of the two lets
    # PostgreSQL walk the date index and filter thousands of rows instead.
    scopes = [c for c in (Complaint.category_id == category if category else None, _place_filter(complaint))
              if c is not None] or [None]
    candidates: dict[int, Signals] = {}
    for scope in scopes:
        conditions = base + ([scope] if scope is not None else [])
        for other in _candidates(select(*_candidate_columns()).where(*conditions)
                                 .order_by(Complaint.received_at.desc()).limit(300)):
            candidates.setdefault(other.id, other)
    scored = []
    this = signals_of(complaint)
    for other in candidates.values():
        score = pair_score(this, other)
        if score >= minimum:
            scored.append((score, other.id))
    best = sorted(scored, reverse=True)[:limit]
    found = {c.id: c for c in db.session.scalars(select(Complaint).where(Complaint.id.in_([i for _, i in best])))}
    return [Match(found[i], score) for score, i in best]


def same_person(person: Complainant | None):
    """A subquery of the complainants sharing a phone, e-mail or LINE id with `person`,
    compared as keyed hashes (the contacts themselves are encrypted), or None."""
    if person is None:
        return None
    keys = [(Complainant.phone_key, person.phone_key), (Complainant.email_key, person.email_key),
            (Complainant.line_key, person.line_key)]
    matches = [column == value for column, value in keys if value]
    return select(Complainant.id).where(or_(*matches)) if matches else None


def find_repeat(complaint: Complaint) -> Complaint | None:
    """The most recent earlier complaint this one repeats, if any."""
    category = category_of(complaint)
    if category is None:
        return None
    window = _window(complaint, current_app.config["REPEAT_WINDOW_DAYS"], 0)
    # A repeat link is shown with the case: never from an ordinary complaint to a tip-off.
    earlier = [Complaint.received_at < complaint.received_at, Complaint.category_id == category,
               may_link(complaint)]
    people = same_person(complaint.complainant)
    if people is not None:
        found = db.session.scalar(select(Complaint).where(
            window, *earlier, Complaint.complainant_id.in_(people)).order_by(Complaint.received_at.desc()))
        if found is not None:
            return found
    for other in _candidates(select(*_candidate_columns()).where(window, *earlier)
                             .order_by(Complaint.received_at.desc()).limit(300)):
        if same_place(complaint, other) and overlap(complaint.text_signature, other.text_signature) >= 0.2:
            return db.session.get(Complaint, other.id)
    return None


def mark_repeats(complaints: list[Complaint], now) -> None:
    """Link each new complaint to the earlier one it repeats (or to none), once."""
    for complaint in complaints:
        repeat = find_repeat(complaint)
        complaint.repeat_of_id = repeat.id if repeat is not None else None
        complaint.repeat_checked_at = now
