"""The app behind a real nginx, as docs/operations.md "Behind a reverse proxy (nginx) with TLS" sets it up.

nginx (its own process, config and files in tmp_path) listens on loopback and proxies
to the app served by werkzeug in a thread; it marks the connection as HTTPS with
`X-Forwarded-Proto https` as a TLS-terminating nginx does. Clients connect from
different loopback addresses (127.0.0.2, 127.0.0.3, ...), which nginx sees as
$remote_addr and appends to X-Forwarded-For: the path a real client's address takes.
"""

from __future__ import annotations

import http.client
import json
import logging
import os
import shutil
import socket
import subprocess
import threading
import time
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from complaints.extensions import db
from complaints.models import AuditEntry
from tests.conftest import _make_app, base_config, service_unavailable
from tests.helpers import PASSWORD, csrf_from, make_staff
from tests.processes import free_port

PUBLIC_HOST = "rongrian.example.go.th"
BODY = {
    "description": "ถนนเป็นหลุมลึกหน้าบ้านเลขที่ 5",
    "category": "ถนน",
    "contact": {"name": "สมชาย ใจดี", "email": "somchai@example.com"},
}

# The server block of docs/operations.md, less the certificate lines (TLS is simulated by the header),
# and a second server that, like the set-up in issue 17, passes neither Host nor
# X-Forwarded-Host (nginx then sends its upstream address as Host).
NGINX_CONF = """
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log info;
{user}
events {{ worker_connections 64; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    client_max_body_size 16m;
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
    server {{
        listen 127.0.0.1:{bare_port};
        location / {{
            proxy_pass http://127.0.0.1:{app_port};
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto https;
        }}
    }}
}}
"""


def nginx_binary() -> str:
    found = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if not found:
        service_unavailable("nginx (Debian package nginx)")
    return found


def loopback_sources(count: int) -> list[str]:
    """127.0.0.2, 127.0.0.3, ...: on Linux the whole 127/8 is this machine."""
    sources = [f"127.0.0.{n}" for n in range(2, 2 + count)]
    try:
        with socket.socket() as probe:
            probe.bind((sources[-1], 0))
    except OSError as exc:
        service_unavailable(f"loopback addresses beyond 127.0.0.1: {exc}")
    return sources


def wait_listening(port: int, proc: subprocess.Popen, log: Path, timeout: float = 15) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"nginx exited: {log.read_text(errors='replace') if log.exists() else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), 0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nginx not listening on {port}")


class Browser:
    """One client machine: its own source address and cookie jar, over plain HTTP/1.1."""

    def __init__(self, port: int, source: str, host: str = PUBLIC_HOST):
        self.port, self.source, self.host = port, source, host
        self.cookies: dict[str, str] = {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30, source_address=(self.source, 0))
        try:
            sent = {"Host": self.host, **(headers or {})}
            if self.cookies:
                sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
            conn.request(method, path, body=body, headers=sent)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            for value in response.headers.get_all("Set-Cookie") or []:
                jar = SimpleCookie()
                jar.load(value)
                self.cookies.update({name: morsel.value for name, morsel in jar.items()})
            return response.status, text
        finally:
            conn.close()

    def post_json(self, path: str, payload: dict, headers: dict | None = None):
        return self.request(
            "POST", path, json.dumps(payload).encode(), {"Content-Type": "application/json", **(headers or {})}
        )

    def post_form(self, path: str, fields: dict, referer: str):
        from urllib.parse import urlencode

        return self.request(
            "POST",
            path,
            urlencode(fields).encode(),
            {"Content-Type": "application/x-www-form-urlencoded", "Referer": referer},
        )


@pytest.fixture
def behind_nginx(tmp_path, sqlite_template):
    binary = nginx_binary()
    shutil.copy(sqlite_template, tmp_path / "rongrian.sqlite")
    app = _make_app(
        {
            **base_config(tmp_path, f"sqlite:///{tmp_path / 'rongrian.sqlite'}"),
            "TRUSTED_PROXY_COUNT": 1,
            "INTAKE_RATE_LIMIT": "60 per minute",
        }
    )
    server = make_server("127.0.0.1", free_port(), app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    folder = tmp_path / "nginx"
    folder.mkdir()
    port, bare_port = free_port(), free_port()
    conf = folder / "nginx.conf"
    # A root master hands requests to workers running as "user"; they must reach tmp_path.
    user = "user root;" if os.geteuid() == 0 else ""
    conf.write_text(
        NGINX_CONF.format(tmp=folder, port=port, bare_port=bare_port, app_port=server.server_port, user=user)
    )
    proc = subprocess.Popen(
        [binary, "-e", str(folder / "error.log"), "-c", str(conf), "-p", str(folder), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        wait_listening(port, proc, folder / "error.log")
        wait_listening(bare_port, proc, folder / "error.log")
        yield app, port, bare_port
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        server.shutdown()
        server.server_close()
        with app.app_context():
            db.engine.dispose()


def test_each_client_behind_nginx_has_its_own_intake_budget(behind_nginx, caplog):
    app, port, _ = behind_nginx
    first, second = (Browser(port, source) for source in loopback_sources(2))
    caplog.set_level(logging.INFO, logger="rongrian.access")
    # One client writes a new made-up X-Forwarded-For each time: nginx appends the
    # address it sees, and only that last hop is trusted, so the limit holds.
    statuses = [
        first.post_json("/api/v1/complaints", BODY, {"X-Forwarded-For": f"203.0.113.{n}"})[0] for n in range(61)
    ]
    assert statuses == [201] * 60 + [429]
    status, text = first.post_json("/api/v1/complaints", BODY)
    assert status == 429 and "บ่อยเกินไป" in json.loads(text)["detail_th"]
    # Before, the whole agency shared one budget behind the proxy; now the next client goes through.
    assert second.post_json("/api/v1/complaints", BODY)[0] == 201
    logged = [r.remote_addr for r in caplog.records if r.name == "rongrian.access"]
    assert logged == ["127.0.0.2"] * 62 + ["127.0.0.3"]


def sign_in(browser: Browser, referer_host: str):
    token = csrf_from(browser.request("GET", "/login")[1])
    return browser.post_form(
        "/login",
        {"username": "viewer", "password": PASSWORD, "csrf_token": token},
        referer=f"https://{referer_host}/login",
    )


def test_staff_sign_in_over_the_https_proxy_and_the_audit_trail_has_the_client(behind_nginx):
    app, port, _ = behind_nginx
    citizen, officer = (Browser(port, source) for source in loopback_sources(3)[1:])
    status, text = citizen.post_json("/api/v1/complaints", BODY)
    assert status == 201
    make_staff(app, "viewer", "officer", "public-works")
    status, _ = sign_in(officer, PUBLIC_HOST)
    assert status == 302  # was 400 "the form has expired" in issue 17
    status, page = officer.request("GET", f"/officer/complaints/{json.loads(text)['tracking_number']}")
    assert status == 200 and "somchai@example.com" in page
    with app.app_context():
        addresses = db.session.scalars(select(AuditEntry.ip).where(AuditEntry.action == "view_contact")).all()
    assert addresses == ["127.0.0.4"]  # the officer's machine, not nginx's 127.0.0.1


def test_a_proxy_that_drops_the_host_is_refused_with_the_reason_logged(behind_nginx, caplog):
    app, _, bare_port = behind_nginx
    make_staff(app, "viewer", "officer", "public-works")
    officer = Browser(bare_port, loopback_sources(1)[0])
    caplog.set_level(logging.WARNING)
    status, page = sign_in(officer, PUBLIC_HOST)
    assert status == 400 and "referrer check" in page
    reasons = [r.getMessage() for r in caplog.records if "CSRF check failed" in r.getMessage()]
    assert len(reasons) == 1 and "The referrer does not match the host." in reasons[0]
    assert "host '127.0.0.1:" in reasons[0]


def test_nginx_refuses_a_body_over_the_apps_upload_limit_before_the_app(behind_nginx, caplog):
    app, port, _ = behind_nginx
    client = Browser(port, loopback_sources(1)[0])
    caplog.set_level(logging.INFO, logger="rongrian.access")
    too_big = b"x" * (app.config["MAX_CONTENT_LENGTH"] + 1)
    status, text = client.request("POST", "/api/v1/complaints", too_big, {"Content-Type": "application/json"})
    assert status == 413 and "nginx" in text  # nginx's own page: the app never read the body
    assert [r for r in caplog.records if r.name == "rongrian.access"] == []
    # Within the limit the same path reaches the app.
    assert client.post_json("/api/v1/complaints", BODY)[0] == 201
