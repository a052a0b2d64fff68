"""`flask outbox status | resend`: the operator's view of the outbox (issue 17).

The operator at the command line sees every message (tip-offs' too, as counts and
masked contacts): they already hold the database. Resending uses the same service
as the admin page (services.outbox_admin), which hands messages back to the
existing sender.

A message is named by its key (`--key`, what the admin page shows: an admin can pass
it on) or by its row id (`--id`, what the worker's log lines name). Row ids are kept
here because only the operator, who holds the database and the logs, reaches this
command; the output prints counts, never a list of ids.
"""

from __future__ import annotations

import click
from flask.cli import AppGroup

from complaints.ids import parse_key
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
    for label, oldest in (
        ("oldest pending", summary.oldest_pending),
        ("oldest pending acknowledgement", summary.oldest_pending_ack),
    ):
        age = "none" if oldest is None else f"{max((now - oldest).total_seconds(), 0):.0f} s"
        click.echo(f"{label}: {age}")


@outbox.command("resend")
@click.option("--id", "message_id", type=click.IntRange(min=1), default=None, help="One failed message, by row id")
@click.option("--key", "message_key", default=None, help="One failed message, by the key the admin page shows")
@click.option("--all-failed", is_flag=True, help="Every failed message (of --channel, if given)")
@click.option("--channel", type=click.Choice(outbox_admin.CHANNELS), default=None)
def resend_command(message_id: int | None, message_key: str | None, all_failed: bool, channel: str | None) -> None:
    """Put failed messages back to pending (attempts reset) so the worker sends them again."""
    if [message_id is not None, message_key is not None, all_failed].count(True) != 1:
        raise click.UsageError(
            "give one of --id N, --key KEY or --all-failed / ใช้ --id N, --key KEY หรือ --all-failed อย่างใดอย่างหนึ่ง"
        )
    if message_key is not None:
        key = parse_key(message_key)
        count = 0 if key is None else outbox_admin.resend(None, message_key=key, channel=channel)
    else:
        count = outbox_admin.resend(None, message_id=message_id, channel=channel)
    if count == 0 and message_id is not None:
        raise click.ClickException(
            f"ไม่พบข้อความที่ส่งไม่สำเร็จหมายเลข {message_id} / No failed message with id {message_id}."
        )
    if count == 0 and message_key is not None:
        raise click.ClickException("ไม่พบข้อความที่ส่งไม่สำเร็จตามรหัสอ้างอิงนี้ / No failed message with that key.")
    click.echo(f"ส่งใหม่ {count} ข้อความ / resent {count} message(s)")
