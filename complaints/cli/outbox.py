"""`flask outbox status | resend`: the operator's view of the outbox (issue 17).

The operator at the command line sees every message (tip-offs' too, as counts and
masked contacts): they already hold the database. Resending uses the same service
as the admin page (services.outbox_admin), which hands messages back to the
existing sender.
"""
from __future__ import annotations

import click
from flask.cli import AppGroup

from complaints.models import utcnow
from complaints.services.messaging import outbox_admin

outbox = AppGroup("outbox", help="Outbox messages: counts, and failed ones sent again.")


@outbox.command("status")
def status_command() -> None:
    """Messages by status and channel, and the age of the oldest pending one."""
    summary = outbox_admin.status()
    if not summary.counts:
        click.echo("no outbox messages")
    for (status, channel), count in sorted(summary.counts.items()):
        click.echo(f"{status:<10} {channel:<6} {count}")
    now = utcnow()
    for label, oldest in (("oldest pending", summary.oldest_pending),
                          ("oldest pending acknowledgement", summary.oldest_pending_ack)):
        age = "none" if oldest is None else f"{max((now - oldest).total_seconds(), 0):.0f} s"
        click.echo(f"{label}: {age}")


@outbox.command("resend")
@click.option("--id", "message_id", type=click.IntRange(min=1), default=None, help="One failed message")
@click.option("--all-failed", is_flag=True, help="Every failed message (of --channel, if given)")
@click.option("--channel", type=click.Choice(outbox_admin.CHANNELS), default=None)
def resend_command(message_id: int | None, all_failed: bool, channel: str | None) -> None:
    """Put failed messages back to pending (attempts reset) so the worker sends them again."""
    if (message_id is None) == (not all_failed):
        raise click.UsageError("give either --id N or --all-failed / ใช้ --id N หรือ --all-failed อย่างใดอย่างหนึ่ง")
    count = outbox_admin.resend(None, message_id=message_id, channel=channel)
    if message_id is not None and count == 0:
        raise click.ClickException(f"ไม่พบข้อความที่ส่งไม่สำเร็จหมายเลข {message_id} / "
                                   f"No failed message with id {message_id}.")
    click.echo(f"resent {count} message(s) / ส่งใหม่ {count} ข้อความ")
