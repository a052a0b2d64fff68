"""`flask --app complaints retention run [--dry-run] [--batch N]`: the PDPA retention pass on demand.

Beat runs the same service daily (rongrian.apply_retention, at most 500 people a
pass); an operator catching up on a backlog, or checking what the next pass would
do, runs it here.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from complaints.services.privacy import duties

DEFAULT_BATCH = 500
MAX_BATCH = 100_000  # one transaction: a larger backlog is cleared in several runs

retention = AppGroup("retention", help="PDPA retention of contact data (RETENTION_DAYS_AFTER_CLOSE).")


@retention.command("run")
@click.option("--dry-run", is_flag=True, help="Only count the people whose contact data would be erased")
@click.option(
    "--batch",
    type=click.IntRange(1, MAX_BATCH),
    default=DEFAULT_BATCH,
    show_default=True,
    help="Most people erased in this run",
)
def run_command(dry_run: bool, batch: int) -> None:
    """Erase the contact data of people whose complaints all closed before the retention period."""
    cutoff = duties.retention_cutoff().date().isoformat()
    due = duties.count_due_for_retention()
    if dry_run:
        click.echo(
            f"จะลบข้อมูลติดต่อของ {due} ราย (ปิดเรื่องก่อน {cutoff}) / "
            f"would erase the contact data of {due} people (closed before {cutoff}); "
            f"a run erases at most {min(due, batch)}"
        )
        return
    erased = duties.apply_retention(batch=batch)
    left = due - erased
    click.echo(
        f"ลบข้อมูลติดต่อแล้ว {erased} ราย เหลือ {left} ราย / "
        f"erased the contact data of {erased} people (closed before {cutoff}); {left} left"
    )
