"""Small helpers shared by the tests."""

from __future__ import annotations

import email
import email.policy
import io
import re
import socket
import ssl
from email.message import EmailMessage

from aiosmtpd.controller import Controller
from PIL import Image
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, Complainant, Complaint, OutboxMessage, TimelineEvent
from tests.processes import free_port

PERSON = {
    "name": "สมหญิง ใจงาม",
    "phone": "081-234-5678",
    "email": "somying@example.com",
    "line_user_id": "U" + "a1" * 16,
}


def png_bytes(size=(32, 24), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def counts(app) -> dict:
    """How many rows each complaint table holds."""
    with app.app_context():
        return {
            m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
            for m in (Complaint, Complainant, TimelineEvent, Attachment, OutboxMessage)
        }


def form_tokens(client, lang: str | None = None) -> dict:
    """The CSRF and submission tokens of a freshly rendered complaint form."""
    page = client.get("/complaints/new" + (f"?lang={lang}" if lang else "")).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf, "submission_token": token}


PASSWORD = "correct-horse-battery"


def csrf_from(html: str) -> str:
    match = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html)
    return match.group(1)


def make_staff(app, username: str, role: str, unit_code: str | None = None, email: str | None = None) -> int:
    from complaints.services.staff.accounts import create_user
    from complaints.services.unit_of_work import unit_of_work

    with app.app_context():
        with unit_of_work():
            user = create_user(username, f"{role} {username}", role, PASSWORD, unit_code, email=email)
        return user.id


def login(client, username: str, password: str = PASSWORD):
    token = csrf_from(client.get("/login").text)
    return client.post("/login", data={"username": username, "password": password, "csrf_token": token})


def signed_in(app, username: str, role: str | None = None, unit_code: str | None = None, client=None):
    """A test client signed in as `username` (a new one unless `client` is given); with a
    `role`, the account is made first (make_staff), else it must exist already."""
    if role is not None:
        make_staff(app, username, role, unit_code)
    if client is None:
        client = app.test_client()
    response = login(client, username)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def request_export(client, query: str, fmt: str = "csv"):
    """Ask for a complaint-list export as the manager pages do (a POST with the page's token)."""
    token = csrf_from(client.get("/manager/exports").text)
    return client.post(f"/manager/complaints/export.{fmt}?{query}", data={"csrf_token": token})


def export_file(app, client, query: str, fmt: str = "csv"):
    """Ask for an export, let the job run (as the worker would), and download the file."""
    from complaints.services.analytics import export_jobs

    asked = request_export(client, query, fmt)
    assert asked.status_code == 302, asked.get_data(as_text=True)[:500]
    job_id = int(asked.headers["Location"].rstrip("/").rsplit("/", 1)[1])
    with app.app_context():
        assert export_jobs.run(job_id) == "done"
    response = client.get(f"/manager/exports/{job_id}/download")
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    response.get_data()  # read, then close the file it was sent from
    response.close()
    return response


def submit_api(client, **fields) -> str:
    body = {
        "description": "ถนนเป็นหลุมลึกหน้าบ้านเลขที่ 5",
        "category": "ถนน",
        "contact": {"name": "สมชาย ใจดี", "email": "somchai@example.com", "phone": "0811111111"},
        **fields,
    }
    response = client.post("/api/v1/complaints", json=body)
    assert response.status_code == 201, response.get_data(as_text=True)
    return response.get_json()["tracking_number"]


def complaint_by_number(number: str):
    from sqlalchemy import select

    from complaints.models import Complaint

    return db.session.scalar(select(Complaint).where(Complaint.tracking_number == number))


def root_cause_id(code: str = "maintenance") -> int:
    """A seeded root cause, which staff give when they resolve or close a case."""
    from complaints.models import RootCause

    return db.session.scalar(select(RootCause.id).where(RootCause.code == code))


def production_environment(tmp_path) -> dict[str, str]:
    """The environment variables of a complete, safe production (what an operator exports)."""
    from cryptography.fernet import Fernet

    from tests.conftest import PG_URL, REDIS_URL

    return {
        "RONGRIAN_ENV": "production",
        "RONGRIAN_INSTANCE": str(tmp_path),
        "SECRET_KEY": "kQ7vZ2pX9mL4tR8wB3nY6cF1hJ5sD0gA-uE_iO",
        "CONTACT_KEY_SECRET": "Wm3Nc8Rf2Tq7Yb1Vx6Kz9Lp4Hs0Dg5Ja_Ue-Io",
        "CONTACT_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
        "DATABASE_URL": PG_URL,
        "REDIS_URL": REDIS_URL,
        "MAIL_SERVER": "smtp.district-office.go.th",
        "PUBLIC_BASE_URL": "https://complaints.district-office.go.th",
        "SESSION_COOKIE_SECURE": "1",
    }


def production_settings(tmp_path, **overrides) -> dict:
    """A complete production configuration (complaints.startup_checks accepts it) on the test
    PostgreSQL address; create_app connects nothing, so no server is needed to start."""
    from cryptography.fernet import Fernet

    from tests.conftest import PG_URL, REDIS_URL, base_config

    config = {
        **base_config(tmp_path, PG_URL),
        "TESTING": False,
        "RONGRIAN_ENV": "production",
        "SECRET_KEY": "kQ7vZ2pX9mL4tR8wB3nY6cF1hJ5sD0gA-uE_iO",
        "CONTACT_KEY_SECRET": "Wm3Nc8Rf2Tq7Yb1Vx6Kz9Lp4Hs0Dg5Ja_Ue-Io",
        "CONTACT_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
        "RATELIMIT_STORAGE_URI": REDIS_URL,
        "MAIL_SERVER": "smtp.district-office.go.th",
        "PUBLIC_BASE_URL": "https://complaints.district-office.go.th",
        "SESSION_COOKIE_SECURE": True,
    }
    config["CELERY"] = {**config["CELERY"], "broker_url": REDIS_URL}
    config.update(overrides)
    return config


def case_url(app, ref, suffix: str = "") -> str:
    """The staff case page (plus `suffix`, e.g. "/note") of a complaint given by its row id,
    the Complaint or its tracking number: staff URLs carry the tracking number (issue 16)."""
    number = getattr(ref, "tracking_number", ref)
    if not isinstance(number, str):
        with app.app_context():
            number = db.session.scalar(select(Complaint.tracking_number).where(Complaint.id == number))
        assert number, f"no complaint {ref!r}"
    return f"/officer/complaints/{number}{suffix}"


class SmtpInbox:
    """What an SMTP server on loopback (start_smtp_server) received: each message's
    envelope, and whether it came over TLS."""

    def __init__(self):
        self.messages = []
        self.over_tls: list[bool] = []
        self.port = 0

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(envelope)
        # STARTTLS sets session.ssl; on an implicit-TLS port the transport itself is TLS.
        self.over_tls.append(session.ssl is not None or server.transport.get_extra_info("ssl_object") is not None)
        return "250 OK"

    def emails(self) -> list[EmailMessage]:
        """The messages received, parsed."""
        return [email.message_from_bytes(e.content, policy=email.policy.default) for e in self.messages]


class ImplicitTLSController(Controller):
    """aiosmtpd's controller checks it is up with a plain connection; on a TLS-only port
    that check is done with a TLS client that trusts anything (the test's own probe)."""

    def _trigger_server(self):
        probe = ssl.create_default_context()
        probe.check_hostname = False
        probe.verify_mode = ssl.CERT_NONE
        with socket.create_connection((self.hostname, self.port), 2) as raw:
            with probe.wrap_socket(raw) as conn:
                conn.recv(1024)


def start_smtp_server(context: ssl.SSLContext | None = None, implicit: bool = False) -> tuple[Controller, SmtpInbox]:
    """A started aiosmtpd server on a free loopback port (the caller stops the controller):
    plain, with STARTTLS required when `context` is given, or implicit TLS (port 465 style)."""
    inbox = SmtpInbox()
    if implicit:
        controller = ImplicitTLSController(inbox, hostname="127.0.0.1", port=free_port(), ssl_context=context)
    else:
        controller = Controller(
            inbox, hostname="127.0.0.1", port=free_port(), tls_context=context, require_starttls=context is not None
        )
    controller.start()
    inbox.port = controller.port
    return controller, inbox
