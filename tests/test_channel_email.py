"""Email: a mailbox polled over IMAP (a fake IMAP server on loopback), the inbound-mail webhook,
threading of replies, and answers through a real SMTP server (aiosmtpd) with text and HTML parts."""

from __future__ import annotations

import email
import email.policy
import re
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import pytest
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint, OutboxMessage, TimelineEvent, User
from complaints.services.casework import workflow
from complaints.services.channels import email_intake
from complaints.services.channels.webhook_signatures import sign
from complaints.services.messaging import outbox
from complaints.services.unit_of_work import unit_of_work
from tests.channel_fakes import FakeImapServer
from tests.helpers import complaint_by_number, counts, jpeg_bytes, root_cause_id

CITIZEN = "มานี มีใจ <manee@example.com>"


@pytest.fixture
def imap(app):
    with FakeImapServer() as server:
        app.config.update(
            IMAP_HOST="127.0.0.1",
            IMAP_PORT=server.port,
            IMAP_USE_SSL=False,
            IMAP_USERNAME="complaints",
            IMAP_PASSWORD="secret",
        )
        yield server


def mail(
    subject="ถนนชำรุดหน้าตลาด",
    body="ถนนหน้าตลาดสดเป็นหลุมใหญ่ รถจักรยานยนต์ล้มทุกวัน\n<https://maps.example/x>",
    sender=CITIZEN,
    message_id=None,
    photo=False,
    html=None,
    **headers,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, "complaints@agency.example", subject
    msg["Message-ID"] = message_id or make_msgid(domain="citizen.example")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    if body is not None:
        msg.set_content(body)
    if html is not None:
        if body is None:
            msg.set_content(html, subtype="html")
        else:
            msg.add_alternative(html, subtype="html")
    if photo:
        msg.add_attachment(jpeg_bytes(), maintype="image", subtype="jpeg", filename="หลุม.jpg")
    return msg


def deliver_pending(app) -> None:
    with app.app_context():
        for message_id in db.session.scalars(select(OutboxMessage.id).where(OutboxMessage.status == "pending")):
            assert outbox.deliver_message(message_id) == "sent"


def poll(app) -> dict:
    with app.app_context():
        return email_intake.poll_mailbox()


def test_a_mail_in_the_mailbox_becomes_a_complaint_answered_in_thai_in_its_thread(app, smtp_server, imap):
    original = mail(photo=True)
    imap.deliver(original.as_bytes())
    assert poll(app)["complaint"] == 1
    assert imap.messages[1][1] is True  # marked seen
    deliver_pending(app)
    [ack] = smtp_server.emails()
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.channel == "email"))
        number = complaint.tracking_number
        assert complaint.title == "ถนนชำรุดหน้าตลาด"
        assert "หลุมใหญ่" in complaint.description and "https://maps.example/x" in complaint.description
        assert (complaint.complainant.name, complaint.complainant.email) == ("มานี มีใจ", "manee@example.com")
        assert len(complaint.attachments) == 1
    assert number in ack["Subject"] and "ได้รับเรื่องของท่านแล้ว" in ack["Subject"]
    assert ack["In-Reply-To"] == original["Message-ID"] and original["Message-ID"] in ack["References"]
    text, html = ack.get_body(("plain",)).get_content(), ack.get_body(("html",)).get_content()
    assert number in text and "ตอบกลับอีเมลนี้" in text
    assert number in html and "ตอบกลับอีเมลนี้" in html


def test_the_same_message_id_twice_makes_one_complaint(app, smtp_server, imap):
    same = mail(message_id="<one-and-only@citizen.example>")
    imap.deliver(same.as_bytes())
    imap.deliver(same.as_bytes())
    assert poll(app) == {"complaint": 1, "follow_up": 0, "duplicate": 1, "ignored": 0, "refused": 0}
    assert poll(app)["complaint"] == 0  # nothing unseen is left
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "email")) == 1


def test_replies_thread_by_message_id_or_by_the_tracking_number_from_the_same_address(app, smtp_server, imap):
    imap.deliver(mail().as_bytes())
    poll(app)
    deliver_pending(app)
    ack = smtp_server.emails()[0]
    number = ack["Subject"].split("]")[0].strip("[")
    # A reply to our acknowledgement (In-Reply-To is our Message-ID only).
    imap.deliver(
        mail(
            subject=f"Re: {ack['Subject']}", body="เพิ่มเติม: หลุมลึกประมาณ 30 ซม.\n> quoted", In_Reply_To=ack["Message-ID"]
        ).as_bytes()
    )
    # A new mail from the same address with the tracking number in the subject.
    imap.deliver(mail(subject=f"เรื่อง {number.lower()}", body="ยังไม่มีใครมาซ่อมเลย").as_bytes())
    # Someone else quoting the number does not reach the complaint: it is a new one.
    imap.deliver(mail(subject=f"เรื่อง {number}", body="ขอร้องเรียนเรื่องเดียวกัน", sender="other@example.com").as_bytes())
    assert poll(app) == {"complaint": 1, "follow_up": 2, "duplicate": 0, "ignored": 0, "refused": 0}
    with app.app_context():
        complaint = complaint_by_number(number)
        notes = [e.text for e in complaint.events if e.kind == "citizen_message"]
        assert notes == ["เพิ่มเติม: หลุมลึกประมาณ 30 ซม.", "ยังไม่มีใครมาซ่อมเลย"]
        assert all(not e.public for e in complaint.events if e.kind == "citizen_message")
        assert db.session.scalar(select(func.count()).select_from(Complaint).where(Complaint.channel == "email")) == 2


def test_status_updates_go_by_smtp_in_the_same_thread(app, smtp_server, imap):
    original = mail()
    imap.deliver(original.as_bytes())
    poll(app)
    deliver_pending(app)
    with app.app_context():
        complaint = db.session.scalar(select(Complaint).where(Complaint.channel == "email"))
        officer = db.session.scalar(select(User).where(User.role == "officer"))
        complaint.unit_id = officer.unit_id
        db.session.commit()
        with unit_of_work():
            workflow.transition(
                complaint, "resolve", officer, workflow.Params(reason="ซ่อมถนนเรียบร้อยแล้ว", root_cause_id=root_cause_id())
            )
    deliver_pending(app)
    update = smtp_server.emails()[-1]
    assert "ความคืบหน้าเรื่องของท่าน" in update["Subject"]
    assert original["Message-ID"] in update["References"]
    assert update.get_body(("plain",)) is not None and update.get_body(("html",)) is not None
    text = update.get_body(("plain",)).get_content()
    assert "แจ้งผลการดำเนินการ" in text and "ซ่อมถนนเรียบร้อยแล้ว" in text
    assert "ซ่อมถนนเรียบร้อยแล้ว" in update.get_body(("html",)).get_content()


def post_raw(client, raw: bytes, secret="mail-secret", signature=None):
    headers = {"Content-Type": "message/rfc822", "X-Signature": signature or sign(raw, secret)}
    return client.post("/channels/email/inbound", data=raw, headers=headers)


def test_the_inbound_webhook_is_signed_and_refuses_bad_input(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret", MAX_INBOUND_EMAIL_BYTES=200_000)
    # The citizen has complained before: a known complainant is told why a mail is refused.
    assert post_raw(client, mail(subject="ไฟทางดับ", body="ไฟทางดับทั้งซอย").as_bytes()).status_code == 200
    with app.app_context():
        db.session.execute(OutboxMessage.__table__.delete())  # their acknowledgement is not the point here
        db.session.commit()
    before = counts(app)
    raw = mail().as_bytes()
    assert post_raw(client, raw, secret="wrong").status_code == 400
    assert post_raw(client, raw + b"x" * 200_000).status_code == 413
    hostile_mail = mail(body="<img src=x onerror=alert(1)> ถนนพัง")
    hostile = post_raw(client, hostile_mail.as_bytes())
    assert hostile.status_code == 422 and hostile.get_json()["detail_th"]
    # A stranger's refused mail gets no answer: From: is forged at will (backscatter).
    stranger = post_raw(client, mail(body="<script>x</script>", sender="victim@elsewhere.example").as_bytes())
    assert stranger.status_code == 422
    # The citizen is told why, in Thai and English, in their own thread.
    answers = [
        email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
        for p in Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    ]
    assert len(answers) == 2  # the oversized mail and the hostile one, both from the known citizen
    assert {a["To"] for a in answers} == {CITIZEN.split("<")[1].rstrip(">")}
    [answer] = [a for a in answers if a["In-Reply-To"] == hostile_mail["Message-ID"]]
    body = answer.get_body(("plain",)).get_content()
    assert "ไม่รับข้อความที่มีแท็ก HTML" in body and "HTML tags or scripts are not accepted" in body
    auto = post_raw(client, mail(body="<script>x</script>", Auto_Submitted="auto-replied").as_bytes())
    assert (
        auto.status_code == 200
        and auto.get_json()["status"] == "ignored"
        and len(list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml"))) == 2
    )
    garbage = post_raw(client, b"\x00\xff garbage without headers")
    assert garbage.status_code == 200 and garbage.get_json()["status"] == "ignored"
    assert counts(app) == before
    ok = post_raw(client, raw)
    assert ok.status_code == 200 and ok.get_json()["status"] == "complaint"
    assert post_raw(client, raw).get_json() == {
        "status": "duplicate",
        "tracking_number": ok.get_json()["tracking_number"],
    }


def test_html_only_mail_keeps_the_text_and_drops_scripts(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    html = "<p>ไฟทางดับ<br>ซอย 5</p><script>alert('x')</script><style>p{}</style>"
    response = post_raw(client, mail(body=None, html=html).as_bytes())
    assert response.status_code == 200, response.text
    with app.app_context():
        complaint = complaint_by_number(response.get_json()["tracking_number"])
        assert complaint.description == "ไฟทางดับ\nซอย 5"


def test_auto_replies_and_bounces_make_no_complaint(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    before = counts(app)
    auto = post_raw(client, mail(Auto_Submitted="auto-replied").as_bytes())
    own = post_raw(client, mail(sender=app.config["MAIL_SENDER"]).as_bytes())
    assert auto.get_json()["status"] == own.get_json()["status"] == "ignored"
    assert counts(app) == before
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(TimelineEvent)) == before["timeline_events"]


def test_oversized_or_fake_attachments_are_left_out_and_the_complaint_kept(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret", MAX_PHOTO_BYTES=3000)
    msg = mail(photo=True)
    msg.add_attachment(b"\xff\xd8" + b"A" * 5000, maintype="image", subtype="jpeg", filename="../../etc/passwd.jpg")
    msg.add_attachment(b"MZ\x90\x00 not an image", maintype="image", subtype="png", filename="virus.png")
    response = post_raw(client, msg.as_bytes())
    assert response.status_code == 200, response.text
    with app.app_context():
        complaint = complaint_by_number(response.get_json()["tracking_number"])
        assert [a.original_name for a in complaint.attachments] == ["หลุม.jpg"]


def test_photos_beyond_the_limit_are_left_out_after_the_refused_ones(app, client):
    """MAX_PHOTOS counts the photos kept: a refused attachment does not take a place."""
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret", MAX_PHOTOS=2)
    msg = mail()
    msg.add_attachment(b"MZ\x90\x00 not an image", maintype="image", subtype="png", filename="virus.png")
    for name in ("a.jpg", "b.jpg", "c.jpg"):
        msg.add_attachment(jpeg_bytes(), maintype="image", subtype="jpeg", filename=name)
    response = post_raw(client, msg.as_bytes())
    assert response.status_code == 200, response.text
    with app.app_context():
        complaint = complaint_by_number(response.get_json()["tracking_number"])
        assert [a.original_name for a in complaint.attachments] == ["a.jpg", "b.jpg"]


def _ack_of_a_first_complaint(app, client) -> tuple[EmailMessage, str]:
    """The citizen's first mail becomes a complaint; our acknowledgement (file backend) and its number."""
    response = post_raw(client, mail().as_bytes())
    assert response.status_code == 200 and response.get_json()["status"] == "complaint"
    deliver_pending(app)
    [path] = Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")
    ack = email.message_from_bytes(path.read_bytes(), policy=email.policy.default)
    return ack, response.get_json()["tracking_number"]


def citizen_messages(app, number: str) -> list[str]:
    with app.app_context():
        return [e.text for e in complaint_by_number(number).events if e.kind == "citizen_message"]


def test_our_message_ids_are_unguessable(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    ack, number = _ack_of_a_first_complaint(app, client)
    with app.app_context():
        message = db.session.scalars(select(OutboxMessage)).one()
        ours = ack["Message-ID"]
        # Neither the counter nor the public tracking number: a keyed HMAC.
        assert number not in ours and f"outbox-{message.id}" not in ours and "outbox" not in ours
        assert re.fullmatch(r"<[0-9a-f]{32}@rongrian\.invalid>", ours)
        # Another secret gives another id: it cannot be computed without SECRET_KEY.
        app.config["SECRET_KEY"] = "another-secret"
        assert outbox._email_message_id(message) != ours
        app.config["SECRET_KEY"] = "test-secret"
        assert outbox._email_message_id(message) == ours  # stable across retries


def test_guessed_references_from_a_stranger_never_thread_into_a_case(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    ack, number = _ack_of_a_first_complaint(app, client)
    guesses = " ".join([ack["Message-ID"]] + [f"<outbox-{n}.{number}@rongrian.invalid>" for n in range(1, 30)])
    for headers in ({"In_Reply_To": ack["Message-ID"]}, {"References": guesses}):
        hijack = post_raw(
            client,
            mail(
                subject=f"Re: [{number}]",
                body="ยกเลิกเรื่องนี้ได้เลยครับ ไม่ต้องซ่อมแล้ว",
                sender="Attacker <attacker@evil.example>",
                **headers,
            ).as_bytes(),
        )
        assert hijack.status_code == 200
        # A new complaint of the stranger's, never a message on the citizen's case.
        assert hijack.get_json()["status"] == "complaint" and hijack.get_json()["tracking_number"] != number
    assert citizen_messages(app, number) == []


def test_the_complainants_reply_threads_whatever_the_case_of_the_address(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    ack, number = _ack_of_a_first_complaint(app, client)
    reply = post_raw(
        client,
        mail(
            subject=f"Re: {ack['Subject']}",
            body="หลุมลึกขึ้นอีก",
            sender="Manee <MANEE@Example.COM>",
            In_Reply_To=ack["Message-ID"],
        ).as_bytes(),
    )
    assert reply.get_json() == {"status": "follow_up", "tracking_number": number}
    assert citizen_messages(app, number) == ["หลุมลึกขึ้นอีก"]


def test_old_form_message_ids_thread_only_from_the_complainants_address(app, client):
    """Cases whose stored Message-IDs are of the guessable old form keep threading, under the sender rule."""
    from complaints.services.messaging import channel_refs

    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    _, number = _ack_of_a_first_complaint(app, client)
    with app.app_context():
        complaint = complaint_by_number(number)
        old = f"<outbox-1.{number}@rongrian.invalid>"
        db.session.add(channel_refs.reference("email", old, complaint.id, direction="out"))
        db.session.commit()
    stranger = post_raw(client, mail(body="ขอปิดเรื่อง", sender="x@evil.example", References=old).as_bytes())
    assert stranger.get_json()["status"] == "complaint"
    citizen = post_raw(client, mail(body="ยังไม่ได้ซ่อม", References=old).as_bytes())
    assert citizen.get_json() == {"status": "follow_up", "tracking_number": number}
    assert citizen_messages(app, number) == ["ยังไม่ได้ซ่อม"]


def test_a_refused_mail_from_an_unknown_sender_gets_no_answer(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret")
    refused = post_raw(client, mail(body="<script>alert(1)</script>", sender="nobody@forged.example").as_bytes())
    assert refused.status_code == 422 and refused.mimetype == "application/problem+json"
    assert list(Path(app.config["MAIL_OUTBOX_DIR"]).glob("*.eml")) == []
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(OutboxMessage)) == 0
        assert (
            email_intake.answer_refusal(mail(sender="nobody@forged.example").as_bytes(), email_intake.invalid([]))
            is False
        )


def test_a_non_ascii_signature_is_a_400_not_a_500(app, client):
    app.config.update(EMAIL_WEBHOOK_SECRET="mail-secret", SMS_WEBHOOK_SECRET="sms-secret")
    raw = mail().as_bytes()
    for url in ("/channels/email/inbound", "/channels/sms/inbound"):
        for signature in ("sha256=\u00e9\u00e9", "ลายเซ็น".encode().decode("latin-1"), "\xff" * 64):
            response = client.post(url, data=raw, headers={"X-Signature": signature})
            assert response.status_code == 400, (url, signature, response.status_code)
            assert response.mimetype == "application/problem+json"
            assert response.get_json()["code"] == "bad-signature"
