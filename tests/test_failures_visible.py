"""Issue 17 point 6, failures visible: failed outbox messages listed and sent again (admin
page, `flask outbox`), liveness and readiness (/healthz, /readyz), Prometheus metrics
(/metrics), and a missing upload or a wrong encryption key answered without a 500."""

from __future__ import annotations

import re
import time
from datetime import timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import Attachment, OutboxMessage, encrypted, utcnow
from complaints.services.messaging import outbox
from complaints.services.operations import heartbeat
from tests.helpers import case_url, complaint_by_number, csrf_from, login, make_staff, signed_in, submit_api

EMAIL = "somchai@example.com"
TIP_EMAIL = "whistle.blower@example.org"
METRICS_TOKEN = "metrics-token-for-tests-0123456789"


class Sender:
    """What sends a Celery signal (a worker's consumer, a task): it has an `app`, and is hashable."""

    def __init__(self, app, name: str = "worker"):
        self.app, self.name = app, name


def fail_all(app) -> None:
    """What about 20 minutes of mail outage leaves: every message given up."""
    with app.app_context():
        db.session.execute(
            update(OutboxMessage).values(status="failed", attempts=10, last_error="SMTP 421 service not available")
        )
        db.session.commit()


def message_of(app, number: str) -> OutboxMessage:
    with app.app_context():
        complaint = complaint_by_number(number)
        message = db.session.scalar(select(OutboxMessage).where(OutboxMessage.complaint_id == complaint.id))
        db.session.expunge(message)
        return message


@pytest.fixture
def failed(app, client):
    """An ordinary complaint and a tip-off whose acknowledgements failed; (number, tip number)."""
    number = submit_api(client)
    tip = submit_api(
        client,
        kind="tip_off",
        description="เจ้าหน้าที่เรียกรับเงินใต้โต๊ะเพื่อออกใบอนุญาต",
        contact={"name": "ผู้แจ้ง ลับ", "email": TIP_EMAIL},
    )
    fail_all(app)
    return number, tip


def admin_client(app):
    return signed_in(app, "ops-admin", "admin")


# --- the admin page ----------------------------------------------------------------------


def test_admin_lists_failed_messages_masked_and_counts_tip_offs_without_naming_them(app, failed):
    number, tip = failed
    client = admin_client(app)
    page = client.get("/admin/outbox")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "ข้อความที่ส่งไม่สำเร็จ" in html and "Failed outbox messages" in html  # Thai first, English too
    assert number in html and "s***@example.com" in html
    assert EMAIL not in html and "somchai" not in html  # never the full contact on a staff list
    assert "SMTP 421" in html  # why it failed
    # The tip-off: no number, no contact, no row, not even a count (issue 16).
    assert tip not in html and TIP_EMAIL not in html and "w***@example.org" not in html
    assert len(re.findall(r"data-message-key=", html)) == 1
    assert re.search(r'id="outbox-total">ทั้งหมด 1 ข้อความ', html)
    assert "ไม่แสดงและไม่นับที่นี่" in html and not re.search(r"\b1 messages? of complaints you may not see", html)


def test_the_integrity_officer_is_no_admin_and_an_officer_gets_no_page(app, failed):
    for role, name in (("integrity", "ops-integrity"), ("officer", "ops-officer")):
        make_staff(app, name, role, "integrity" if role == "integrity" else "public-works")
        client = app.test_client()
        login(client, name)
        response = client.get("/admin/outbox")
        assert response.status_code in (302, 403)
        assert TIP_EMAIL not in response.get_data(as_text=True)


def test_filters_by_channel_and_purpose_and_refuses_unknown_or_hostile_ones(app, failed):
    number, _ = failed
    client = admin_client(app)
    assert number in client.get("/admin/outbox?channel=email&purpose=acknowledgement").text
    assert number not in client.get("/admin/outbox?channel=sms").text
    assert number not in client.get("/admin/outbox?purpose=status_update").text
    for bad in ("<script>alert(1)</script>", "email' OR '1'='1", "email\u200b", "e\x00mail", "x" * 5000):
        response = client.get("/admin/outbox", query_string={"channel": bad})
        html = response.get_data(as_text=True)
        assert response.status_code == 422, bad[:20]
        assert "ตัวกรอง channel ไม่ถูกต้อง" in html and "Unknown channel" in html
        assert "<script>alert(1)</script>" not in html
        assert number not in html  # nothing listed under a filter that was refused


def test_the_list_is_paginated(app, client):
    for i in range(55):
        submit_api(client, description=f"ถนนเป็นหลุมลึกหน้าบ้านเลขที่ {i + 1}")
    fail_all(app)
    admin = admin_client(app)
    first, second = admin.get("/admin/outbox").text, admin.get("/admin/outbox?page=2").text
    assert len(re.findall(r"data-message-key=", first)) == 50
    assert len(re.findall(r"data-message-key=", second)) == 5
    assert "หน้า 1 / 2" in first and "page=2" in first
    ids_first = set(re.findall(r'data-message-key="(\d+)"', first))
    assert not ids_first & set(re.findall(r'data-message-key="(\d+)"', second))
    assert admin.get("/admin/outbox?page=-3").status_code == 200
    assert admin.get("/admin/outbox?page=99999999999999999999").status_code == 200


def test_resend_one_needs_the_csrf_token_and_then_goes_through_the_existing_sender(app, failed):
    number, _ = failed
    client = admin_client(app)
    message = message_of(app, number)
    refused = client.post("/admin/outbox/resend", data={"message_key": message.url_key})
    assert refused.status_code == 400 and "csrf" in refused.get_data(as_text=True).lower()
    assert message_of(app, number).status == "failed"

    token = csrf_from(client.get("/admin/outbox").text)
    # The page names the message by its key; its row id is not taken (issue 16).
    assert client.post("/admin/outbox/resend", data={"message_id": message.id, "csrf_token": token}).status_code == 422
    assert message_of(app, number).status == "failed"
    done = client.post("/admin/outbox/resend", data={"message_key": message.url_key, "csrf_token": token})
    assert done.status_code == 302
    again = message_of(app, number)
    assert (again.status, again.attempts, again.last_error) == ("pending", 0, None)
    assert "ส่งใหม่ 1 ข้อความ" in client.get("/admin/outbox").text
    # The worker's own sender delivers it now (development outbox: counts as sent here).
    with app.app_context():
        assert outbox.deliver_message(message.id) == "sent"
        assert complaint_by_number(number).acknowledged_at is not None


def test_an_admin_cannot_resend_or_probe_a_tip_off_message(app, failed):
    number, tip = failed
    client = admin_client(app)
    tip_message = message_of(app, tip)
    token = csrf_from(client.get("/admin/outbox").text)
    response = client.post("/admin/outbox/resend", data={"message_key": tip_message.url_key, "csrf_token": token})
    unknown_key = "A" * 22
    unknown = client.post("/admin/outbox/resend", data={"message_key": unknown_key, "csrf_token": token})
    # Exactly the answer of a message that does not exist.
    assert response.status_code == unknown.status_code == 404
    assert response.get_data(as_text=True) == unknown.get_data(as_text=True)
    assert message_of(app, tip).status == "failed"
    for bad in (
        "١",
        "1 OR 1=1",
        "-1",
        "<b>1</b>",
        "9" * 400,
        str(tip_message.id),
        tip_message.url_key + "x",
        tip_message.url_key[:-1] + "\u200b",
        "' OR '1'='1' --------------",
    ):
        answer = client.post("/admin/outbox/resend", data={"message_key": bad, "csrf_token": token})
        assert answer.status_code == 404 and "<b>1</b>" not in answer.get_data(as_text=True), bad[:30]
    assert message_of(app, tip).status == "failed"
    # "Resend all (email)" resends what the admin may know of, not the tip-off's.
    done = client.post("/admin/outbox/resend", data={"channel": "email", "csrf_token": token})
    assert done.status_code == 302
    assert message_of(app, number).status == "pending"
    assert message_of(app, tip).status == "failed"
    bad = client.post("/admin/outbox/resend", data={"channel": "pigeon", "csrf_token": token})
    assert bad.status_code == 422 and "Unknown channel" in bad.get_data(as_text=True)


# --- the command line --------------------------------------------------------------------


def test_flask_outbox_status_and_resend(app, failed, runner):
    number, tip = failed
    status = runner.invoke(args=["outbox", "status"])
    assert status.exit_code == 0
    assert re.search(r"failed\s+email\s+2", status.output)
    assert "oldest pending: none" in status.output

    assert runner.invoke(args=["outbox", "resend"]).exit_code != 0  # neither --id, --key nor --all-failed
    both = runner.invoke(args=["outbox", "resend", "--id", "1", "--key", "A" * 22])
    assert both.exit_code != 0 and message_of(app, number).status == "failed"
    for bad in ("A" * 22, "<script>", "1"):
        unknown = runner.invoke(args=["outbox", "resend", "--key", bad])
        assert unknown.exit_code == 1 and "No failed message with that key" in unknown.output, bad
    missing = runner.invoke(args=["outbox", "resend", "--id", "424242"])
    assert missing.exit_code != 0 and "No failed message with id 424242" in missing.output
    assert runner.invoke(args=["outbox", "resend", "--all-failed", "--channel", "sms"]).output.startswith(
        "ส่งใหม่ 0 ข้อความ / resent 0"
    )

    one = runner.invoke(args=["outbox", "resend", "--id", str(message_of(app, number).id)])
    assert one.exit_code == 0 and "resent 1 message(s)" in one.output and one.output.startswith("ส่งใหม่")
    fail_all(app)
    # The key an admin reads off the page works too (a tip-off's: the operator sees every message).
    by_key = runner.invoke(args=["outbox", "resend", "--key", message_of(app, number).url_key])
    assert by_key.exit_code == 0 and "resent 1 message(s)" in by_key.output
    assert message_of(app, number).status == "pending" and message_of(app, tip).status == "failed"
    # The operator resends the rest, the tip-off's included.
    rest = runner.invoke(args=["outbox", "resend", "--all-failed", "--channel", "email"])
    assert "resent 1 message(s)" in rest.output
    assert message_of(app, tip).status == "pending" and message_of(app, tip).attempts == 0
    status = runner.invoke(args=["outbox", "status"])
    assert re.search(r"pending\s+email\s+2", status.output)
    assert re.search(r"oldest pending acknowledgement: \d+ s", status.output)
    assert EMAIL not in status.output and TIP_EMAIL not in status.output


# --- liveness and readiness --------------------------------------------------------------


def test_healthz_is_liveness_and_readyz_wants_a_worker(app, client):
    assert client.get("/healthz").status_code == 200  # no worker: still alive
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 503 and body["status"] == "not_ready"
    assert body["checks"]["db"]["ok"] and body["checks"]["broker"]["ok"]
    assert body["checks"]["worker"]["ok"] is False
    assert "no worker heartbeat" in body["checks"]["worker"]["reason"]


# Looking the task up finalizes this test's Celery app, which warns about the names
# an earlier test's app registered; the task called is this app's own.
@pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")
def test_readyz_with_a_worker_heartbeat_from_the_relay_task(app, client):
    submit_api(client)  # a fresh pending acknowledgement: within the limit
    with app.app_context():
        app.extensions["celery"].tasks[TaskName.RELAY_OUTBOX]()  # beat's relay records the heartbeat
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200, body
    assert body["status"] == "ready" and body["checks"]["worker"]["age_seconds"] < 5
    assert body["checks"]["acknowledgements"]["ok"] and body["checks"]["contacts"]["ok"]
    # A heartbeat older than READY_WORKER_MAX_AGE_SECONDS: not ready again.
    with app.app_context():
        heartbeat.record_worker(time.time() - 120)
    stale = client.get("/readyz").get_json()["checks"]["worker"]
    assert stale["ok"] is False and "limit 60 s" in stale["reason"]


def test_readyz_reports_an_old_pending_acknowledgement(app, client):
    number = submit_api(client)
    with app.app_context():
        heartbeat.record_worker()
        db.session.execute(update(OutboxMessage).values(created_at=utcnow() - timedelta(seconds=600)))
        db.session.commit()
    response = client.get("/readyz")
    check = response.get_json()["checks"]["acknowledgements"]
    assert response.status_code == 503
    assert check["ok"] is False and "limit 300 s" in check["reason"] and check["oldest_pending_seconds"] >= 600
    assert number not in response.get_data(as_text=True) and EMAIL not in response.get_data(as_text=True)


@pytest.mark.redis
@pytest.mark.filterwarnings("ignore::celery.exceptions.DuplicateTaskNameWarning")
def test_heartbeat_and_task_failures_in_redis(app, client, redis_url):
    import redis
    from celery.signals import task_failure

    redis.Redis.from_url(redis_url).delete(heartbeat.HEARTBEAT_KEY, heartbeat.TASK_FAILURES_KEY)
    app.config.update(REDIS_URL=redis_url, METRICS_TOKEN=METRICS_TOKEN)
    assert client.get("/readyz").get_json()["checks"]["worker"]["ok"] is False
    with app.app_context():
        heartbeat.record_worker()
        task = app.extensions["celery"].tasks[TaskName.ACKNOWLEDGE]
        task_failure.send(sender=task, task_id="x", exception=RuntimeError("boom"))
        task_failure.send(sender=task, task_id="y", exception=RuntimeError("boom"))
        # A task of another Celery app in this process (another test's) is not counted here.
        task_failure.send(sender=Sender(object(), TaskName.ACKNOWLEDGE), task_id="z", exception=RuntimeError("boom"))
    assert client.get("/readyz").get_json()["checks"]["worker"]["ok"] is True
    body = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(as_text=True)
    assert 'rongrian_task_failures_total{task="rongrian.acknowledge"} 2.0' in body
    assert "rongrian_worker_heartbeat_age_seconds" in body
    redis.Redis.from_url(redis_url).delete(heartbeat.HEARTBEAT_KEY, heartbeat.TASK_FAILURES_KEY)


# --- metrics -----------------------------------------------------------------------------


def test_metrics_are_off_by_default_and_need_the_token(app, client):
    assert client.get("/metrics").status_code == 404
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    assert client.get("/metrics").status_code == 401
    for header in (
        f"Bearer {METRICS_TOKEN[:-1]}",
        METRICS_TOKEN,
        f"Basic {METRICS_TOKEN}",
        "Bearer ",
        f"Bearer {METRICS_TOKEN}\u200b",
        "Bearer ' OR 1=1 --",
    ):
        assert client.get("/metrics", headers={"Authorization": header}).status_code == 401, header
    assert client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).status_code == 200


def test_metrics_content(app, client):
    app.config["METRICS_TOKEN"] = METRICS_TOKEN
    first, second = submit_api(client), submit_api(client)
    tip = submit_api(
        client, kind="tip_off", description="เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ", contact={"name": "ผู้แจ้ง ลับ", "email": TIP_EMAIL}
    )
    with app.app_context():
        # One acknowledged 2 minutes after receipt, the other's message failed.
        message = db.session.scalar(
            select(OutboxMessage).where(OutboxMessage.complaint_id == complaint_by_number(first).id)
        )
        assert outbox.deliver_message(message.id) == "sent"
        complaint = complaint_by_number(first)
        complaint.acknowledged_at = complaint.received_at + timedelta(seconds=120)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.complaint_id == complaint_by_number(second).id)
            .values(status="failed")
        )
        db.session.commit()
    response = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"})
    body = response.get_data(as_text=True)
    assert response.mimetype == "text/plain"
    # The tip-off is not counted: its count is known to the integrity role alone.
    assert 'rongrian_complaints_received_total{channel="api"} 2.0' in body
    assert 'rongrian_acknowledgement_latency_seconds_bucket{le="60.0"} 0.0' in body
    assert 'rongrian_acknowledgement_latency_seconds_bucket{le="300.0"} 1.0' in body
    assert "rongrian_acknowledgement_latency_seconds_count 1.0" in body
    assert re.search(r"rongrian_acknowledgement_latency_seconds_sum 1[12]\d\.\d", body)
    assert 'rongrian_outbox_messages{channel="email",status="sent"} 1.0' in body
    assert 'rongrian_outbox_messages{channel="email",status="failed"} 1.0' in body
    assert 'rongrian_outbox_messages{channel="email",status="pending"} 1.0' in body
    for personal in (EMAIL, TIP_EMAIL, "0811111111", "สมชาย", first, second, tip):
        assert personal not in body


# --- a missing upload, a wrong key -------------------------------------------------------


def test_a_missing_upload_file_is_a_bilingual_404(app, client):
    number = submit_api(client)
    with app.app_context():
        attachment = Attachment(
            complaint_id=complaint_by_number(number).id,
            storage_key="gone/never-written.jpg",
            original_name="photo.jpg",
            content_type="image/jpeg",
            size_bytes=10,
            sha256="0" * 64,
            width=1,
            height=1,
        )
        db.session.add(attachment)
        db.session.commit()
        attachment_key = attachment.url_key
    client = admin_client(app)
    response = client.get(f"/officer/attachments/{attachment_key}")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "ไม่พบไฟล์แนบนี้ในระบบจัดเก็บ" in html and "missing from storage" in html
    assert "never-written" not in html  # the storage path stays on the server


def test_a_wrong_encryption_key_shows_cannot_be_decrypted_and_readyz_says_so(app, client, failed):
    number, _ = failed
    admin = admin_client(app)
    with app.app_context():
        complaint_id = complaint_by_number(number).id
        heartbeat.record_worker()
        db.session.execute(update(OutboxMessage).values(status="sent"))  # only the key is wrong
        db.session.commit()
    app.config["CONTACT_ENCRYPTION_KEYS"] = [Fernet.generate_key().decode()]
    encrypted.init_app(app)  # restarted with a key that is not the one the data was written with
    page = admin.get(case_url(app, complaint_id))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'id="contact-undecryptable"' in html and "cannot be decrypted" in html and "ถอดรหัส" in html
    assert number in html
    ready = admin.get("/readyz")
    assert ready.status_code == 503
    assert "cannot be decrypted" in ready.get_json()["checks"]["contacts"]["reason"]
    assert admin.get("/healthz").status_code == 200  # the process is alive: restarting would not help
    with app.app_context():
        db.session.execute(update(OutboxMessage).values(status="failed"))
        db.session.commit()
    listing = admin.get("/admin/outbox")
    assert listing.status_code == 200 and "cannot be decrypted" in listing.get_data(as_text=True)
    # Another page that reads the contact (the data-subject search): a bilingual 503, not a 500.
    token = csrf_from(admin.get("/admin/privacy").text)
    found = admin.post("/admin/privacy", data={"csrf_token": token, "contact_kind": "phone", "contact": "0811111111"})
    html = found.get_data(as_text=True)
    assert found.status_code == 503
    assert "ถอดรหัสข้อมูลติดต่อไม่ได้" in html and "cannot be decrypted (wrong encryption key)" in html


def test_metrics_are_reused_for_metrics_cache_seconds(app, client):
    app.config.update(METRICS_TOKEN=METRICS_TOKEN, METRICS_CACHE_SECONDS=60)
    auth = {"Authorization": f"Bearer {METRICS_TOKEN}"}
    submit_api(client)
    assert 'rongrian_complaints_received_total{channel="api"} 1.0' in client.get("/metrics", headers=auth).text
    submit_api(client)
    assert 'rongrian_complaints_received_total{channel="api"} 1.0' in client.get("/metrics", headers=auth).text
    app.config["METRICS_CACHE_SECONDS"] = 0
    app.extensions.pop("rongrian.metrics_cache")
    assert 'rongrian_complaints_received_total{channel="api"} 2.0' in client.get("/metrics", headers=auth).text
    assert client.get("/metrics").status_code == 401  # the cache never skips the token check


def test_a_starting_worker_records_a_heartbeat_for_its_own_app_only(app, client, tmp_path):
    from celery.signals import worker_ready

    worker_ready.send(sender=Sender(object()))  # another app's worker: not ours
    assert client.get("/readyz").get_json()["checks"]["worker"]["ok"] is False
    worker_ready.send(sender=Sender(app.extensions["celery"]))
    assert client.get("/readyz").get_json()["checks"]["worker"]["ok"] is True


@pytest.mark.postgres
def test_metrics_readyz_and_the_outbox_page_on_postgresql(pg_app):
    """The same figures on PostgreSQL, where seconds are computed another way (extract epoch)."""
    app, client = pg_app, pg_app.test_client()
    app.config.update(METRICS_TOKEN=METRICS_TOKEN)
    first, second = submit_api(client), submit_api(client)
    with app.app_context():
        complaint = complaint_by_number(first)
        complaint.acknowledged_at = complaint.received_at + timedelta(seconds=400)
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.complaint_id == complaint_by_number(second).id)
            .values(status="failed")
        )
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.complaint_id == complaint.id)
            .values(created_at=utcnow() - timedelta(seconds=900))
        )
        db.session.commit()
        heartbeat.record_worker()
    body = client.get("/metrics", headers={"Authorization": f"Bearer {METRICS_TOKEN}"}).get_data(as_text=True)
    assert 'rongrian_acknowledgement_latency_seconds_bucket{le="300.0"} 0.0' in body
    assert 'rongrian_acknowledgement_latency_seconds_bucket{le="900.0"} 1.0' in body
    assert re.search(r"rongrian_acknowledgement_latency_seconds_sum 400\.0", body)
    assert 'rongrian_outbox_messages{channel="email",status="failed"} 1.0' in body
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.get_json()["checks"]["acknowledgements"]["oldest_pending_seconds"] >= 900
    admin = admin_client(app)
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert second in page and first not in page and "s***@example.com" in page and EMAIL not in page
