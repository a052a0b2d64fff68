"""`flask retention run`: the retention service on demand, with --dry-run and --batch."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import AuditEntry, Complainant, utcnow
from tests.helpers import complaint_by_number, submit_api


def _close_long_ago(app, numbers: list[str]) -> None:
    with app.app_context():
        closed = utcnow() - timedelta(days=app.config["RETENTION_DAYS_AFTER_CLOSE"] + 1)
        for number in numbers:
            complaint = complaint_by_number(number)
            complaint.status, complaint.closed_at = "closed", closed
        db.session.commit()


def _named(app) -> int:
    with app.app_context():
        return db.session.scalar(select(func.count()).select_from(Complainant).where(Complainant.name.is_not(None)))


def _seed(app, client, old: int) -> list[str]:
    numbers = [submit_api(client, contact={"name": f"คนที่ {i}", "phone": f"08111112{i:02d}"}) for i in range(old)]
    _close_long_ago(app, numbers)
    submit_api(client, contact={"name": "ยังเปิด", "phone": "0899999998"})  # open: kept
    return numbers


def test_dry_run_counts_and_erases_nothing(app, client):
    _seed(app, client, old=3)
    result = app.test_cli_runner().invoke(args=["retention", "run", "--dry-run"])
    assert result.exit_code == 0, result.output
    assert "would erase the contact data of 3 people" in result.output
    assert "จะลบข้อมูลติดต่อของ 3 ราย" in result.output
    assert _named(app) == 4  # nothing touched
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0


def test_run_erases_at_most_a_batch_and_says_how_many_are_left(app, client):
    numbers = _seed(app, client, old=3)
    runner = app.test_cli_runner()
    result = runner.invoke(args=["retention", "run", "--batch", "2"])
    assert result.exit_code == 0, result.output
    assert "erased the contact data of 2 people" in result.output and "1 left" in result.output
    assert _named(app) == 2  # one old, one open
    result = runner.invoke(args=["retention", "run"])
    assert "erased the contact data of 1 people" in result.output and "0 left" in result.output
    assert _named(app) == 1
    with app.app_context():
        assert all(complaint_by_number(n).complainant.phone is None for n in numbers)
        assert set(db.session.scalars(select(AuditEntry.action))) == {"retention"}
    # Idempotent: a second run finds nobody.
    assert "erased the contact data of 0 people" in runner.invoke(args=["retention", "run"]).output


def test_bad_batch_is_refused_with_a_clear_message(app, client):
    _seed(app, client, old=1)
    runner = app.test_cli_runner()
    for bad in ["0", "-5", "abc", "1e9", "10;DROP TABLE complainants", "5\u200b", "99999999999"]:
        result = runner.invoke(args=["retention", "run", "--batch", bad])
        assert result.exit_code == 2, (bad, result.output)
        assert "--batch" in result.output
    assert _named(app) == 2  # nothing erased by a refused run
