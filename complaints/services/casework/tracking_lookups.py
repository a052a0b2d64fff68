"""A daily count of successful tracking lookups (web page and JSON API): criterion 3.4 evidence."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from complaints.domain.thai_calendar import to_bangkok
from complaints.extensions import db
from complaints.models import TrackingLookupDay, utcnow


def record_lookup(channel: str) -> None:
    """Add one lookup to today's count (Bangkok day), in one upsert statement; the caller
    commits it, in a unit of work of its own.

    On PostgreSQL the commit does not wait for the WAL to reach the disk
    (synchronous_commit off for this transaction only): a public page view does not
    pay a disk flush for a statistic, and the day's row is locked for microseconds,
    not for a flush, when many look up at once. A server crash may lose the last
    fraction of a second of counts; nothing else is written in this transaction.
    """
    postgres = db.engine.dialect.name == "postgresql"
    insert = pg_insert if postgres else sqlite_insert
    if postgres:
        db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    statement = insert(TrackingLookupDay).values(day=to_bangkok(utcnow()).date(), channel=channel, count=1)
    statement = statement.on_conflict_do_update(
        index_elements=["day", "channel"], set_={"count": TrackingLookupDay.count + 1}
    )
    db.session.execute(statement)


def lookups_between(first: date, last: date) -> dict[str, int]:
    """Lookups per channel over the days first..last (inclusive)."""
    rows = db.session.execute(
        select(TrackingLookupDay.channel, func.sum(TrackingLookupDay.count))
        .where(TrackingLookupDay.day.between(first, last))
        .group_by(TrackingLookupDay.channel)
    )
    return {channel: int(total) for channel, total in rows}
