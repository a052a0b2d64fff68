"""Delivering outbox messages exactly once, and relaying the ones left behind.

A worker claims a message with a conditional UPDATE (a lease), which works the
same on PostgreSQL and SQLite and never holds a lock while talking to a mail
server. A message already sent is never sent again; a crashed worker's lease
runs out and the message can be claimed anew.

Exactly once, as far as a channel allows (issue 17): SMTP has no idempotency key, so
a message the server accepted but we did not record would go twice. The window is
kept to the time between the server's 250 and our commit: the record is written as
soon as the 250 comes (before QUIT), nothing after the 250 counts as a failure, stop
signals wait until the record is written (messaging.stop_signals), and the lease is
short but renewed while a send runs, so that one lost with its worker (SIGKILL) is
sent again within seconds, not minutes.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, render_template
from markupsafe import escape
from sqlalchemy import func, or_, select, update
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from complaints.domain.thai_calendar import format_english_datetime, format_thai_datetime
from complaints.extensions import db
from complaints.i18n import EVENT_LABELS, KIND_LABELS, STATUS_LABELS
from complaints.models import Channel, Complaint, OutboxMessage, Status, utcnow
from complaints.models.base import table_of
from complaints.services.catalogue import agency
from complaints.services.messaging import (
    channel_refs,
    channel_status,
    citizen_links,
    dispatch,
    line_api,
    mailer,
    sms,
    stop_signals,
)
from complaints.services.messaging.delivery import DeliveryFailed
from complaints.services.public_urls import page_url, tracking_page
from complaints.services.unit_of_work import rows_changed

log = logging.getLogger(__name__)

# How often a sent message's record is tried again while the database is away.
RECORD_RETRY_SECONDS = 0.5


def _lease() -> timedelta:
    return timedelta(seconds=current_app.config["OUTBOX_LEASE_SECONDS"])


def _claim(message_id: int, now: datetime) -> bool:
    claimed = rows_changed(
        update(OutboxMessage)
        .where(
            OutboxMessage.id == message_id,
            OutboxMessage.status == "pending",
            or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
        )
        .values(claimed_until=now + _lease(), attempts=OutboxMessage.attempts + 1)
    )
    db.session.commit()
    return claimed == 1


class _LeaseKeeper:
    """Renews a claim while its message is being sent, from a thread of its own.

    The lease can then be short (OUTBOX_LEASE_SECONDS) whatever a send takes: a
    worker that dies mid-send (SIGKILL, the machine gone) holds its messages at most
    one lease. The claim is ours while `attempts` is the count our claim set; a message
    recorded sent, or claimed anew, is left alone. `until` is how long the claim holds.
    """

    def __init__(self, message_id: int, attempts: int, until: datetime):
        self.message_id, self.attempts, self.until = message_id, attempts, until
        self._lease = _lease()
        self._engine = db.engine
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"outbox-lease-{message_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopped.set()
        if self._thread.is_alive():
            self._thread.join()

    def _run(self) -> None:
        table = table_of(OutboxMessage)
        while not self._stopped.wait(self._lease.total_seconds() / 3):
            until = utcnow() + self._lease
            try:
                with self._engine.begin() as conn:
                    renewed = conn.execute(
                        update(table)
                        .where(
                            table.c.id == self.message_id,
                            table.c.status == "pending",
                            table.c.attempts == self.attempts,
                        )
                        .values(claimed_until=until)
                    ).rowcount
            except SQLAlchemyError as exc:
                log.warning("could not renew the claim on outbox message %s: %s", self.message_id, exc)
                continue
            if renewed != 1:
                return
            self.until = until


SUBJECTS = {
    "acknowledgement": ("ได้รับเรื่องของท่านแล้ว", "We have received your complaint"),
    "status_update": ("ความคืบหน้าเรื่องของท่าน", "Progress on your complaint"),
    "interim_notice": ("เรื่องของท่านอยู่ระหว่างดำเนินการ", "Your complaint is being handled"),
    "supervisor_alert": ("เรื่องเกินกำหนดมาตรฐานการให้บริการ", "Complaint past its service standard"),
}


def citizen_route(complaint: Complaint) -> tuple[str, str] | None:
    """(outbox channel, recipient) for messages to the complainant, or None.

    The citizen is answered on the channel they used when it can carry an
    answer (LINE, SMS), otherwise by email when they gave an address.
    """
    complainant = complaint.complainant
    if complaint.anonymous or complainant is None:
        return None
    if complaint.channel == Channel.LINE and complainant.line_user_id:
        return "line", complainant.line_user_id
    if complaint.channel == Channel.SMS and complainant.phone:
        return "sms", complainant.phone
    if complainant.email:
        return "email", complainant.email
    return None


def message_to_citizen(
    complaint: Complaint, purpose: str, payload: dict, created_at: datetime | None = None
) -> OutboxMessage | None:
    """An outbox message to the complainant, added to the session; None when they cannot be reached."""
    route = citizen_route(complaint)
    if route is None:
        return None
    channel, recipient = route
    message = OutboxMessage(
        complaint=complaint,
        purpose=purpose,
        channel=channel,
        recipient=recipient,
        payload=payload,
        created_at=created_at or utcnow(),
    )
    db.session.add(message)
    return message


def _context(message: OutboxMessage, complaint: Complaint) -> dict:
    """What the templates of a message about `complaint` (the message's own) read."""
    action = message.payload.get("action")
    return {
        "complaint": complaint,
        "payload": message.payload,
        "action_th": EVENT_LABELS.get(action, ("", ""))[0] if action else "",
        "action_en": EVENT_LABELS.get(action, ("", ""))[1] if action else "",
        "status_now_th": STATUS_LABELS[complaint.status][0],
        "status_now_en": STATUS_LABELS[complaint.status][1],
        "respond_url": citizen_links.response_url(complaint.tracking_number),
        "officer_url": page_url("officer.detail", number=complaint.tracking_number),  # never the row id (issue 16)
        "track_url": tracking_page(complaint.tracking_number),
        "kind_th": KIND_LABELS[complaint.kind][0],
        "kind_en": KIND_LABELS[complaint.kind][1],
        "status_th": STATUS_LABELS[Status.ACKNOWLEDGED][0],
        "received_th": format_thai_datetime(complaint.received_at),
        "received_en": format_english_datetime(complaint.received_at),
        "due_th": format_thai_datetime(complaint.due_at, with_time=False),
        "due_en": format_english_datetime(complaint.due_at),
        "agency_th": agency.name().th,
        "agency_en": agency.name().en,
    }


def _email_message_id(message: OutboxMessage) -> str:
    """Our Message-ID for an outbox mail: a keyed HMAC of the message's id, so that the
    same message keeps its id across retries yet nobody can compute another's (the old
    `<outbox-N.TRACKING@…>` was counted and public, and a stranger's References could
    name it). Threading also needs the complainant's address (email_intake)."""
    key = hashlib.sha256(b"rongrian-message-id:" + current_app.config["SECRET_KEY"].encode()).digest()
    token = hmac.new(key, f"outbox:{message.id}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"<{token}@rongrian.invalid>"


def _render_email(message: OutboxMessage, complaint: Complaint) -> mailer.EmailMessage:
    template = message.payload.get("template", "acknowledgement")
    context = _context(message, complaint)
    th, en = SUBJECTS[template]
    subject = f"[{complaint.tracking_number}] {th} / {en}"
    return mailer.build_message(
        message.recipient,
        subject,
        render_template(f"mail/{template}.txt", **context),
        render_template(f"mail/{template}.html", **context),
        message_id=_email_message_id(message),
        # Threaded under the citizen's own mails about this complaint, if any.
        references=channel_refs.ids_for("email", complaint.id, "in")[-10:],
    )


def _short_text(message: OutboxMessage) -> str:
    """The text of a LINE or SMS message: Thai first, tracking number on the first line."""
    complaint = message.complaint
    if complaint is None:  # a conversation prompt: its text is ready
        return message.payload["text"]
    template = message.payload.get("template", "acknowledgement")
    return render_template(f"messages/{template}.txt", **_context(message, complaint)).strip()


def _staff_notice(message: OutboxMessage) -> mailer.EmailMessage:
    """A notice to staff about no complaint (integrity grants): its subject and text are ready."""
    text = message.payload["text"]
    html = "<pre>" + escape(text) + "</pre>"
    return mailer.build_message(
        message.recipient,
        message.payload["subject"],
        text,
        str(html),
        message_id=f"<outbox-{message.id}.staff@rongrian.invalid>",
    )


def _email(message: OutboxMessage) -> mailer.EmailMessage:
    complaint = message.complaint
    return _staff_notice(message) if complaint is None else _render_email(message, complaint)


def _send_email(message: OutboxMessage, accepted: Callable[[], None]) -> None:
    mailer.send_smtp(_email(message), accepted)


def _write_email(message: OutboxMessage, folder: Path) -> Path:
    return mailer.write_to_folder(_email(message), folder)


def _remember_email_id(message: OutboxMessage) -> None:
    # Our Message-ID, so that a reply quoting only it still threads to the complaint.
    message_id = _email_message_id(message)
    if channel_refs.find("email", message_id) is None:
        db.session.add(channel_refs.reference("email", message_id, message.complaint_id, direction="out"))


def _send_line(message: OutboxMessage, accepted: Callable[[], None]) -> None:
    line_api.send(message, _short_text(message))


def _write_line(message: OutboxMessage, folder: Path) -> Path:
    return line_api.write_to_folder(message, _short_text(message), folder)


def _sms_reference(message: OutboxMessage) -> str:
    return f"outbox-{message.id}"


def _send_sms(message: OutboxMessage, accepted: Callable[[], None]) -> None:
    sms.send(message.recipient, _short_text(message), reference=_sms_reference(message))


def _write_sms(message: OutboxMessage, folder: Path) -> Path:
    return sms.write_to_folder(message.recipient, _short_text(message), _sms_reference(message), folder)


@dataclass(frozen=True)
class Sender:
    """How one outbox channel sends (raising DeliveryFailed when the channel refuses), and
    how it writes a message to its development outbox folder (returning the file).

    `send` may call its `accepted` callback the moment the channel took the message
    (SMTP: at the 250, before QUIT) so that it is recorded then; otherwise it is
    recorded once `send` returns."""

    send: Callable[[OutboxMessage, Callable[[], None]], None]
    write: Callable[[OutboxMessage, Path], Path]


SENDERS: dict[str, Sender] = {
    "email": Sender(_send_email, _write_email),
    "line": Sender(_send_line, _write_line),
    "sms": Sender(_send_sms, _write_sms),
}


def _hand_over(message: OutboxMessage, accepted: Callable[[], None]) -> Path | None:
    """Send the message, or write it to the development outbox when its channel is not
    configured (channel_status: no network call then); returns the file written, if any."""
    sender = SENDERS.get(message.channel)
    if sender is None:
        raise DeliveryFailed(f"no sender for channel {message.channel}")
    if channel_status.configured(message.channel):
        sender.send(message, accepted)
        return None
    return sender.write(message, channel_status.dev_outbox_dir(message.channel))


# What another context does, in the same transaction, when a message of a purpose has been
# sent: (complaint, sent_at, via). Registered by the app factory (create_app): casework
# records an acknowledgement through its workflow. Messaging itself knows no workflow.
SentHook = Callable[[Complaint, datetime, str], None]
_SENT_HOOKS = "rongrian.outbox_sent_hooks"


def on_sent(app, purpose: str, hook: SentHook) -> None:
    app.extensions.setdefault(_SENT_HOOKS, {})[purpose] = hook


def _sent_hook(purpose: str) -> SentHook | None:
    return current_app.extensions.get(_SENT_HOOKS, {}).get(purpose)


class RetryLater(DeliveryFailed):
    """The channel refused the message; it is held until `retry_in` seconds from now."""

    def __init__(self, reason: str, retry_in: float):
        super().__init__(reason)
        self.retry_in = retry_in


def retry_delay(attempts: int) -> float:
    """Seconds a message that failed its `attempts`-th try waits for the next: doubling, capped."""
    config = current_app.config
    return min(config["OUTBOX_RETRY_SECONDS"] * 2 ** max(attempts - 1, 0), config["OUTBOX_RETRY_MAX_SECONDS"])


def deliver_message(message_id: int) -> str:
    """Send one outbox message; returns 'sent', 'already_sent', 'busy' or 'missing', and in
    production 'dev_outbox' / 'already_written' for a channel that is not configured.

    Raises RetryLater when the channel refused it and it may be tried again, and
    DeliveryFailed when it has had its last try (status 'failed').
    """
    now = utcnow()
    if not _claim(message_id, now):
        message = db.session.get(OutboxMessage, message_id)
        if message is None:
            return "missing"
        if message.status == channel_status.DEV_OUTBOX_STATUS:
            return "already_written"
        return "already_sent" if message.status == "sent" else "busy"
    message = db.session.get_one(OutboxMessage, message_id)  # claimed just now
    keeper = _LeaseKeeper(message_id, message.attempts, now + _lease())
    recorded: list[bool] = []

    def accepted() -> None:
        # The channel has the message: record it now, once; the claim holds until keeper.until.
        if not recorded:
            keeper.stop()
            _record_sent(message_id, utcnow(), held_until=keeper.until)
            recorded.append(True)

    # SIGTERM/SIGINT wait for the send and its record (messaging.stop_signals).
    with stop_signals.deferred():
        keeper.start()
        try:
            written = _hand_over(message, accepted)
        except DeliveryFailed as exc:
            if recorded:  # the channel had taken it: whatever failed next is no reason to send it again
                log.warning("outbox message %s was sent; a later step failed: %s", message_id, exc)
                return "sent"
            keeper.stop()  # before the backoff's claim, which it must not overwrite
            _record_failure(message, message_id, exc)
        finally:
            keeper.stop()
        if written is None:
            accepted()
            return "sent"
        return _record_written(message_id, message.channel, written, utcnow(), held_until=keeper.until)


def _record_failure(message: OutboxMessage, message_id: int, exc: DeliveryFailed) -> None:
    """Record a try the channel refused; raises RetryLater, or DeliveryFailed after the last try."""
    message.last_error = str(exc)[:2000]
    # For the log: a refusal can quote the address (SMTPRecipientsRefused); logs leave the PDPA's reach.
    reason = str(exc).replace(message.recipient, "<recipient>") if message.recipient else str(exc)
    if message.attempts >= current_app.config["OUTBOX_MAX_ATTEMPTS"]:
        message.status = "failed"
        message.claimed_until = None
        db.session.commit()
        # An operator's alert: this citizen will not hear from us by this channel.
        log.error(
            "outbox message %s (%s) failed for good after %d tries: %s",
            message_id,
            message.channel,
            message.attempts,
            reason,
        )
        raise exc
    # Held (claimed) for the backoff, so the next try comes after it whoever makes
    # it: the task's own retry, the relay, or a redelivered copy of the task. Each
    # trying at once would spend OUTBOX_MAX_ATTEMPTS in seconds while a mail server
    # is down, and the message would be given up for good.
    delay = retry_delay(message.attempts)
    message.claimed_until = utcnow() + timedelta(seconds=delay)
    db.session.commit()
    # A WARNING, not Celery's INFO "retry" line: a mail server or gateway that
    # refuses is an outage an operator must see (the recipient is not logged: PDPA).
    log.warning(
        "outbox message %s (%s) not delivered, try %d; next in %.0fs: %s",
        message_id,
        message.channel,
        message.attempts,
        delay,
        reason,
    )
    raise RetryLater(reason, delay) from exc


def _record_written(message_id: int, channel: str, path: Path, at: datetime, held_until: datetime) -> str:
    """Record a message written to the development outbox: as sent outside production (the
    demo flows on), as DEV_OUTBOX_STATUS in production, where nobody received it and the
    complaint is not acknowledged by it. Returns "sent" or DEV_OUTBOX_STATUS."""
    if channel_status.dev_outbox_counts_as_sent():
        _record_sent(message_id, at, held_until, dev_outbox=path.name)
        return "sent"
    log.warning(
        "%s is not configured: outbox message %s written to the development outbox, not delivered", channel, message_id
    )
    _record_sent(message_id, at, held_until, dev_outbox=path.name, status=channel_status.DEV_OUTBOX_STATUS)
    return channel_status.DEV_OUTBOX_STATUS


def _record_sent(
    message_id: int, sent_at: datetime, held_until: datetime, dev_outbox: str | None = None, status: str = "sent"
) -> None:
    """Mark a message sent, trying again while the database is away (restarting,
    failing over) for as long as the claim holds: the message is out, and one left
    pending would be sent a second time once the claim ran out.

    `dev_outbox` names the file a message of an unconfigured channel was written to
    instead; it is kept in the payload, and the acknowledgement says so."""
    while True:
        try:
            message = db.session.get_one(OutboxMessage, message_id)
            message.status = status
            message.sent_at = sent_at
            message.claimed_until = None
            message.last_error = None
            if dev_outbox:
                message.payload = {**message.payload, "dev_outbox": dev_outbox}
            if message.channel == "email" and message.complaint is not None:
                _remember_email_id(message)
            hook = _sent_hook(message.purpose) if status == "sent" else None
            if hook is not None and message.complaint is not None:
                hook(
                    message.complaint,
                    sent_at,
                    f"{message.channel} (development outbox)" if dev_outbox else message.channel,
                )
            db.session.commit()
            return
        except (OperationalError, InterfaceError):
            db.session.rollback()
            if utcnow() + timedelta(seconds=RECORD_RETRY_SECONDS) >= held_until:
                raise
            log.warning("database away after sending outbox message %s; recording it again", message_id)
            time.sleep(RECORD_RETRY_SECONDS)


def relay_pending(limit: int = 500) -> int:
    """Enqueue again the pending messages nobody is working on; returns how many."""
    now = utcnow()
    stale = now - timedelta(seconds=current_app.config["OUTBOX_RELAY_AFTER_SECONDS"])
    ids = list(
        db.session.scalars(
            select(OutboxMessage.id)
            .where(
                OutboxMessage.status == "pending",
                func.coalesce(OutboxMessage.enqueued_at, OutboxMessage.created_at) < stale,
                or_(OutboxMessage.claimed_until.is_(None), OutboxMessage.claimed_until < now),
            )
            .order_by(OutboxMessage.id)
            .limit(limit)
        )
    )
    if not ids:
        return 0
    if dispatch.enqueue_outbox(ids):
        db.session.execute(update(OutboxMessage).where(OutboxMessage.id.in_(ids)).values(enqueued_at=now))
        db.session.commit()
        log.info("relayed %d outbox messages", len(ids))
        return len(ids)
    db.session.rollback()
    return 0
