"""Email in: a mail from the mailbox (IMAP) or the inbound-mail webhook.

A new mail becomes a complaint (its attachments' photos included); a reply
threads to the complaint it answers, by In-Reply-To/References against the
Message-IDs stored in and out, or by the tracking number in the subject, and in
both cases only when it comes from the complainant's own address: a Message-ID
can be guessed or copied (ours were once `<outbox-N.TRACKING@…>`) and a subject
always can, the sender's address is the one thing a stranger's mail does not
share with the complainant's. The same Message-ID twice creates one complaint.

A mail that cannot be recorded is answered only when its sender is a known
complainant: `From:` is forged at will, and answering any address would make us
a source of backscatter.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import imaplib
import logging
import re
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import getaddresses, parseaddr
from html.parser import HTMLParser

from flask import current_app
from markupsafe import escape
from sqlalchemy import select

from complaints.domain.errors import BilingualError, invalid, unsafe_text
from complaints.extensions import db
from complaints.models import Channel, Complainant, Complaint, TimelineEvent
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.nlp.similarity import contact_key
from complaints.schemas import parse_submission
from complaints.services.access import Public
from complaints.services.casework import similarity
from complaints.services.casework.intake import Upload, submit_complaint
from complaints.services.casework.public_view import find_complaint
from complaints.services.messaging import channel_refs, mailer
from complaints.services.messaging.delivery import DeliveryFailed
from complaints.services.messaging.tls import verifying_context
from complaints.services.public_urls import page_url

log = logging.getLogger(__name__)

MESSAGE_ID = re.compile(r"<[^<>\s]+>")
TRACKING_IN_SUBJECT = re.compile(r"\b[A-Z]{1,6}-?\d{4}-?[0-9A-Z]{4}-?[0-9A-Z]{4}\b", re.IGNORECASE)
# "<https://…>" and "<name@host>" in plain text are links, not markup.
BRACKETED_LINK = re.compile(r"<((?:https?://|mailto:)[^<>\s]+|[^<>\s@]+@[^<>\s]+)>")
IMAGE_TYPES = {"image/jpeg", "image/png", "image/webp"}


@dataclass
class EmailResult:
    outcome: str  # complaint, follow_up, duplicate, ignored
    tracking_number: str | None = None


class _TextOfHtml(HTMLParser):
    """The readable text of an HTML-only mail (scripts and styles dropped)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        if tag in ("script", "style"):
            self._skip += 1
        elif tag in ("br", "p", "div", "li", "tr"):
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


def _body_text(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return ""
    try:
        content = part.get_content()
    except (LookupError, ValueError):
        return ""
    if part.get_content_subtype() == "html":
        parser = _TextOfHtml()
        parser.feed(content)
        content = "".join(parser.parts)
    # The quoted mail below a reply is ours or theirs already on file.
    lines = [line for line in content.splitlines() if not line.lstrip().startswith(">")]
    return BRACKETED_LINK.sub(r"\1", "\n".join(lines))


def _photos(msg: EmailMessage) -> list[Upload]:
    """The attachments that look like images; intake leaves out those the photo service
    refuses (a mail cannot be corrected and sent again like a form)."""
    uploads = []
    for part in msg.iter_attachments():
        if part.get_content_type() not in IMAGE_TYPES and not (part.get_filename() or "").lower().endswith(
            (".jpg", ".jpeg", ".png", ".webp")
        ):
            continue
        data = part.get_payload(decode=True)
        if isinstance(data, bytes):
            uploads.append(Upload("photos", part.get_filename(), data))
    return uploads


def _message_id(msg: EmailMessage, raw: bytes) -> str:
    found = MESSAGE_ID.search(str(msg.get("Message-ID", "")))
    if found:
        return found.group(0)
    # No Message-ID: the content itself identifies a second copy.
    return f"<sha256-{hashlib.sha256(raw).hexdigest()}@inbound.invalid>"


def _sender_key(sender: str) -> str | None:
    """The keyed hash of an address, as Complainant.email_key holds it (contacts are
    encrypted at rest; they are matched by this hash, never by decrypting rows)."""
    return contact_key("email", sender, similarity.secret())


def is_complainants_address(complaint: Complaint, sender: str) -> bool:
    """Whether `sender` (a parsed address) is the complainant's e-mail address, compared
    case-insensitively; never for an anonymous or erased complainant."""
    complainant = complaint.complainant
    if complaint.anonymous or complainant is None or not complainant.email_key:
        return False
    key = _sender_key(sender)
    return key is not None and hmac.compare_digest(key, complainant.email_key)


def is_known_complainant(sender: str) -> bool:
    key = _sender_key(sender)
    return (
        key is not None
        and db.session.scalar(select(Complainant.id).where(Complainant.email_key == key).limit(1)) is not None
    )


def _thread(msg: EmailMessage, sender: str) -> Complaint | None:
    """The complaint this mail continues, or None (then it is a new complaint)."""
    refs = MESSAGE_ID.findall(f"{msg.get('In-Reply-To', '')} {msg.get('References', '')}")
    complaint = None
    complaint_id = channel_refs.complaint_id_for("email", refs[:50])
    if complaint_id is not None:
        complaint = db.session.get(Complaint, complaint_id)
    else:
        found = TRACKING_IN_SUBJECT.search(str(msg.get("Subject", "")))
        if found:
            try:  # only the complainant may learn of their tip-off
                complaint = find_complaint(found.group(0), Public(owns=lambda c: is_complainants_address(c, sender)))
            except BilingualError:  # malformed or unknown
                return None
    # References and subjects can be guessed or copied; only the complainant's own
    # address threads into their case (also for cases whose stored ids are guessable).
    if complaint is None or not is_complainants_address(complaint, sender):
        return None
    return complaint


def _from_a_person(msg) -> str | None:
    """The sender's address, or None for what must not be answered (bounces, auto-replies,
    mailing lists, our own mail, several senders)."""
    _, sender = parseaddr(str(msg.get("From", "")))
    own = parseaddr(current_app.config["MAIL_SENDER"])[1].lower()
    auto = str(msg.get("Auto-Submitted", "no")).strip().lower()
    if not sender or sender.lower() == own or auto != "no" or msg.get("List-Id"):
        return None
    if len(getaddresses([str(msg.get("From", ""))])) != 1:
        return None
    return sender


def answer_refusal(raw: bytes, error: BilingualError) -> bool:
    """Tell the person whose mail could not be recorded why, in Thai and English, in
    their thread; machines get no answer. Returns whether an answer was sent."""
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    sender = _from_a_person(msg)
    if sender is None or not is_known_complainant(sender):
        return False
    reasons = [(e.th, e.en) for e in error.errors] or [(error.th, error.en)]
    text = (
        "ขออภัย เรื่องของท่านยังไม่ได้รับการบันทึก เนื่องจาก:\n"
        + "\n".join(f"- {th}" for th, _ in reasons)
        + "\nกรุณาแก้ไขแล้วส่งใหม่ หรือแจ้งเรื่องทางเว็บไซต์\n\n"
        "Sorry, your message was not recorded:\n"
        + "\n".join(f"- {en}" for _, en in reasons)
        + "\nPlease correct it and send it again, or use the web form.\n"
        + f"{page_url('public.new_complaint')}\n"
    )
    html = "<p>" + "<br>".join(escape(line) for line in text.splitlines()) + "</p>"
    references = [m for m in [str(msg.get("Message-ID", "")).strip()] if m]
    try:
        mailer.send(
            mailer.build_message(
                sender, "ไม่สามารถรับเรื่องได้ / Your message could not be recorded", text, html, references=references
            )
        )
    except DeliveryFailed:
        log.warning("could not answer a refused mail")
        return False
    return True


def receive(raw: bytes) -> EmailResult:
    """Handle one raw RFC 5322 message; raises a 4xx BilingualError for one that cannot be a complaint."""
    if len(raw) > current_app.config["MAX_INBOUND_EMAIL_BYTES"]:
        raise BilingualError(413, "too-large", "อีเมลมีขนาดใหญ่เกินกำหนด", "The email is too large.")
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    message_id = _message_id(msg, raw)
    if (seen := channel_refs.find("email", message_id)) is not None:
        complaint = db.session.get(Complaint, seen.complaint_id) if seen.complaint_id else None
        return EmailResult("duplicate", complaint.tracking_number if complaint else None)
    sender = _from_a_person(msg)
    if sender is None:
        return EmailResult("ignored")  # bounces, auto-replies and lists make no complaints
    name, _ = parseaddr(str(msg.get("From", "")))
    text = _body_text(msg)
    complaint = _thread(msg, sender)
    if complaint is not None:
        return _follow_up(complaint, message_id, text)
    subject = str(msg.get("Subject", "")).strip()[:200] or None
    submission = parse_submission(
        {
            "title": subject,
            "description": text.strip() or (subject or ""),
            "contact": {"name": name.strip()[:200] or None, "email": sender},
        }
    )
    result = submit_complaint(
        submission,
        channel=Channel.EMAIL,
        photos=_photos(msg),
        leave_out_rejected_photos=True,
        idempotency_key=f"email:{channel_refs.external_key(message_id)}",
        attach=channel_refs.attach("email", message_id),
    )
    return EmailResult("complaint", result.receipt["tracking_number"])


def _follow_up(complaint: Complaint, message_id: str, text: str) -> EmailResult:
    """The citizen's further message, on the complaint's timeline for officers (never public)."""
    try:
        cleaned = clean_text(text)[:5000]
    except UnsafeText:
        raise invalid([unsafe_text("body")]) from None
    rows = (
        [TimelineEvent(complaint_id=complaint.id, kind="citizen_message", actor="citizen", text=cleaned, public=False)]
        if cleaned
        else []
    )
    number = complaint.tracking_number
    if not channel_refs.record_once("email", message_id, rows=rows, complaint_id=complaint.id):
        return EmailResult("duplicate", number)
    return EmailResult("follow_up", number)


def _imap_client(config) -> imaplib.IMAP4:
    """The mailbox connection; over TLS (the default) the server's certificate and name
    are verified (complaints.services.messaging.tls), so the IMAP password goes to no one else."""
    if config["IMAP_USE_SSL"]:
        return imaplib.IMAP4_SSL(
            config["IMAP_HOST"], config["IMAP_PORT"], timeout=30, ssl_context=verifying_context(config["IMAP_CA_FILE"])
        )
    return imaplib.IMAP4(config["IMAP_HOST"], config["IMAP_PORT"], timeout=30)


def poll_mailbox() -> dict:
    """Read the unseen mails of the IMAP folder; each is marked seen once handled (or refused)."""
    config = current_app.config
    if not config["IMAP_HOST"]:
        return {"skipped": True}
    counts = {"complaint": 0, "follow_up": 0, "duplicate": 0, "ignored": 0, "refused": 0}
    with _imap_client(config) as imap:
        imap.login(config["IMAP_USERNAME"] or "", config["IMAP_PASSWORD"] or "")
        imap.select(config["IMAP_FOLDER"])
        _, found = imap.uid("SEARCH", "UNSEEN")  # no charset argument: imaplib sends the same command
        for uid in (found[0] or b"").decode("ascii").split()[: config["IMAP_BATCH"]]:
            _, fetched = imap.uid("FETCH", uid, "(BODY.PEEK[])")
            raw = next((item[1] for item in fetched if isinstance(item, tuple)), None)
            if raw is None:
                continue
            try:
                counts[receive(raw).outcome] += 1
            except BilingualError as exc:
                db.session.rollback()
                counts["refused"] += 1
                log.warning("inbound mail %s refused: %s", uid, exc.en)
                answer_refusal(raw, exc)
            imap.uid("STORE", uid, "+FLAGS", "(\\Seen)")
    return counts
