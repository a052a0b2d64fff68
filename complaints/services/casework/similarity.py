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

from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import ColumnElement, and_, or_, select

from complaints.extensions import db
from complaints.models import Complainant, Complaint, Status
from complaints.nlp.similarity import SIMILAR_MINIMUM, Signals, contact_key, overlap, pair_score, same_place
from complaints.services.access import PUBLIC, may_link, visible_complaints


def secret() -> str:
    """The key of the contact hashes. Only development falls back to SECRET_KEY: production
    refuses to start without a CONTACT_KEY_SECRET of its own (complaints.startup_checks), so
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
    return and_(
        Complaint.id != complaint.id,
        Complaint.received_at >= complaint.received_at - timedelta(days=days_before),
        Complaint.received_at <= complaint.received_at + timedelta(days=days_after),
    )


def _place_filter(complaint: Complaint):
    """Candidates by place, through the (area_code, received_at) index."""
    if complaint.area_code and len(complaint.area_code) >= 4 and complaint.area_code.isdigit():
        district = complaint.area_code[:4]
        following = f"{int(district) + 1:04d}"
        # The same district as a range of digit codes: a LIKE prefix would skip the
        # index under a non-C collation, and digits sort alike in every collation.
        return and_(Complaint.area_code >= district, Complaint.area_code < following)
    return None


def signals_of(complaint: Complaint) -> Signals:
    return Signals(
        complaint.id,
        complaint.text_signature,
        complaint.lat,
        complaint.lon,
        complaint.area_code,
        category_of(complaint),
    )


def _candidate_columns():
    return (
        Complaint.id,
        Complaint.text_signature,
        Complaint.lat,
        Complaint.lon,
        Complaint.area_code,
        Complaint.category_id,
        Complaint.suggested_category_id,
    )


def _candidates(statement) -> list[tuple[int, Signals]]:
    """(id, signals) of each candidate row: a stored row always has its id."""
    return [
        (cid, Signals(cid, sig, lat, lon, area, cat or suggested))
        for cid, sig, lat, lon, area, cat, suggested in db.session.execute(statement)
    ]


def similar_open(
    complaint: Complaint, limit: int = 3, minimum: float = SIMILAR_MINIMUM, visible: ColumnElement[bool] | None = None
) -> list[Match]:
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
    base = [_window(complaint, days, days), Complaint.status.in_(Status.OPEN), may_link(complaint), visible]
    # One query per way of being related (same category, same district), each
    # served by its own partial index on open complaints: an OR of the two lets
    # PostgreSQL walk the date index and filter thousands of rows instead.
    scopes = [
        c for c in (Complaint.category_id == category if category else None, _place_filter(complaint)) if c is not None
    ] or [None]
    candidates: dict[int, Signals] = {}
    for scope in scopes:
        conditions = base + ([scope] if scope is not None else [])
        for cid, other in _candidates(
            select(*_candidate_columns()).where(*conditions).order_by(Complaint.received_at.desc()).limit(300)
        ):
            candidates.setdefault(cid, other)
    scored = []
    this = signals_of(complaint)
    for cid, other in candidates.items():
        score = pair_score(this, other)
        if score >= minimum:
            scored.append((score, cid))
    best = sorted(scored, reverse=True)[:limit]
    found = {c.id: c for c in db.session.scalars(select(Complaint).where(Complaint.id.in_([i for _, i in best])))}
    return [Match(found[i], score) for score, i in best]


def same_person(person: Complainant | None):
    """A subquery of the complainants sharing a phone, e-mail or LINE id with `person`,
    compared as keyed hashes (the contacts themselves are encrypted), or None."""
    if person is None:
        return None
    keys = [
        (Complainant.phone_key, person.phone_key),
        (Complainant.email_key, person.email_key),
        (Complainant.line_key, person.line_key),
    ]
    matches = [column == value for column, value in keys if value]
    return select(Complainant.id).where(or_(*matches)) if matches else None


def find_repeat(complaint: Complaint) -> Complaint | None:
    """The most recent earlier complaint this one repeats, if any."""
    category = category_of(complaint)
    if category is None:
        return None
    window = _window(complaint, current_app.config["REPEAT_WINDOW_DAYS"], 0)
    # A repeat link is shown with the case: never from an ordinary complaint to a tip-off.
    earlier = [Complaint.received_at < complaint.received_at, Complaint.category_id == category, may_link(complaint)]
    people = same_person(complaint.complainant)
    if people is not None:
        found = db.session.scalar(
            select(Complaint)
            .where(window, *earlier, Complaint.complainant_id.in_(people))
            .order_by(Complaint.received_at.desc())
        )
        if found is not None:
            return found
    for cid, other in _candidates(
        select(*_candidate_columns()).where(window, *earlier).order_by(Complaint.received_at.desc()).limit(300)
    ):
        if same_place(complaint, other) and overlap(complaint.text_signature, other.text_signature) >= 0.2:
            return db.session.get(Complaint, cid)
    return None


def mark_repeats(complaints: list[Complaint], now) -> None:
    """Link each new complaint to the earlier one it repeats (or to none), once."""
    for complaint in complaints:
        repeat = find_repeat(complaint)
        complaint.repeat_of_id = repeat.id if repeat is not None else None
        complaint.repeat_checked_at = now
