"""One unit of work: what a request or a service changed is committed whole, or not at all.

    with unit_of_work():
        ...change rows...

commits when the block ends, and on any exception rolls everything back and re-raises
it; a unique or foreign-key clash at commit (a row another request stored in the
meantime) becomes a bilingual 409 instead of a 500.

The entry point owns the transaction: a view wraps the one service it calls (or runs it
through form_page), a Celery task or CLI command uses `unit_of_work()` or `commit()` (the
same thing with nothing inside). A service a view calls only adds and flushes, never
commits or rolls back, so a refused change (a BilingualError) leaves nothing half-done in
the session. What must wait for the commit (enqueueing outbox messages, clearing a cache)
is handed to `after_commit()`: it runs once the transaction commits, and is dropped if it
rolls back; what must be undone outside the database if it rolls back (a stored file)
goes to `after_rollback()`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import Delete, Update, event
from sqlalchemy.engine import CursorResult
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, SessionTransaction

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


_AFTER_COMMIT = "rongrian.after_commit"
_AFTER_ROLLBACK = "rongrian.after_rollback"


def after_commit(action: Callable[[], object]) -> None:
    """Run `action` once the session's transaction commits; forget it if it rolls back."""
    _actions(_AFTER_COMMIT).append(action)


def after_rollback(action: Callable[[], object]) -> None:
    """Run `action` if the session's transaction ends without a commit (to undo what is
    not in the database, such as a stored file); forget it once it commits."""
    _actions(_AFTER_ROLLBACK).append(action)


def _actions(key: str) -> list[Callable[[], object]]:
    session = db.session()  # this app context's Session, behind the scoped proxy
    if not session.in_transaction():
        session.begin()  # so that its end, commit or rollback, is seen even if no SQL ran
    return session.info.setdefault(key, [])


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    session.info.pop(_AFTER_ROLLBACK, None)
    for action in session.info.pop(_AFTER_COMMIT, []):
        action()


@event.listens_for(Session, "after_transaction_end")
def _run_after_rollback(session: Session, transaction: SessionTransaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended; after a commit both are empty
        session.info.pop(_AFTER_COMMIT, None)
        for action in session.info.pop(_AFTER_ROLLBACK, []):
            action()


def rows_changed(statement: Update | Delete) -> int:
    """Run an UPDATE or DELETE in the session; the number of rows it matched.

    Session.execute is typed as returning a Result; for these statements it is a
    CursorResult, the one that has rowcount."""
    result = db.session.execute(statement)
    if not isinstance(result, CursorResult):
        raise TypeError(f"an UPDATE or DELETE gave a {type(result).__name__}, not a CursorResult")
    return result.rowcount
