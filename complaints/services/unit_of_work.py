"""One unit of work: what a request or a service changed is committed whole, or not at all.

    with unit_of_work():
        ...change rows...

commits when the block ends, and on any exception rolls everything back and re-raises
it; a unique or foreign-key clash at commit (a row another request stored in the
meantime) becomes a bilingual 409 instead of a 500. Services that commit themselves use
`commit()`, the same thing with nothing inside; views wrap the one service they call, so a
refused change (a BilingualError) leaves nothing half-done in the session.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Delete, Update
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError

from complaints.domain.errors import BilingualError
from complaints.extensions import db


def conflict() -> BilingualError:
    return BilingualError(
        409,
        "conflict",
        "ข้อมูลนี้ถูกบันทึกหรือใช้งานอยู่แล้ว กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง",
        "This conflicts with data saved in the meantime; reload the page and try again.",
    )


@contextmanager
def unit_of_work() -> Iterator[None]:
    """Commit the block's changes, or roll them all back (an IntegrityError becoming a 409)."""
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise conflict() from None
    except BaseException:
        db.session.rollback()
        raise


def commit() -> None:
    """Commit what is pending as one unit of work (see unit_of_work)."""
    with unit_of_work():
        pass


def rows_changed(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE in the session; the number of rows it matched.

    Session.execute is typed as returning a Result; for these statements it is a
    CursorResult, the one that has rowcount."""
    result = db.session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError(f"an UPDATE or DELETE gave a {type(result).__name__}, not a CursorResult")
    return result.rowcount
