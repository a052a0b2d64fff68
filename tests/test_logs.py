"""Logs an operator can ship: JSON lines with zone-aware ISO 8601 times, the request id
carried into the tasks a request caused, failures at WARNING, routine passes at DEBUG,
and who made each request on the access line."""

from __future__ import annotations

import io
import json
import logging
import re
from datetime import UTC, datetime

import pytest
from celery import signals
from celery.app import trace as celery_trace

from complaints import observability
from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import OutboxMessage
from complaints.services.messaging import outbox
from tests.helpers import login, make_staff, submit_api
from tests.processes import free_port
from workers import log_context

ISO_WITH_ZONE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00")


def _record(msg="hello", level=logging.INFO, name="rongrian.test", args=(), **extra) -> logging.LogRecord:
    record = logging.LogRecord(name, level, __file__, 1, msg, args, None)
    record.__dict__.update(extra)
    return record


class Collect(logging.Handler):
    """The lines as production writes them: the app's filter and JSON formatter."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.stream = io.StringIO()
        self.addFilter(observability.RequestIdFilter())
        self.setFormatter(observability.make_formatter("json"))

    def emit(self, record):
        self.stream.write(self.format(record) + "\n")

    def lines(self) -> list[dict]:
        return [json.loads(line) for line in self.stream.getvalue().splitlines()]


@pytest.fixture
def collected():
    handler = Collect()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


def test_json_lines_have_iso_8601_times_with_zone():
    record = _record('สวัสดี "quoted" <script>alert(1)</script>\nnext line')
    record.created = datetime(2026, 12, 7, 19, 30, 0, 123456, tzinfo=UTC).timestamp()
    record.request_id = "abc"
    line = observability.make_formatter("json").format(record)
    assert "\n" not in line  # one record, one line, whatever the message holds
    parsed = json.loads(line)
    assert parsed["time"] == "2026-12-07T19:30:00.123+00:00"
    assert datetime.fromisoformat(parsed["time"]).utcoffset() is not None
    assert parsed["level"] == "INFO" and parsed["message"].startswith('สวัสดี "quoted" <script>')
    text = observability.make_formatter("text").format(record)
    assert text.startswith("2026-12-07T19:30:00.123+00:00 INFO rongrian.test [abc] ")


def test_publishing_from_a_request_puts_its_id_in_the_task_headers(app, client):
    published = []

    def spy(headers=None, body=None, **_):
        published.append((body[0] if body else None, dict(headers or {})))

    signals.before_task_publish.connect(spy)
    try:
        response = client.post(
            "/api/v1/complaints",
            json={"description": "ไฟถนนดับทั้งซอย มืดมาก อันตราย", "contact": {"name": "ก", "email": "a@example.com"}},
            headers={"X-Request-ID": "intake-7f3a"},
        )
    finally:
        signals.before_task_publish.disconnect(spy)
    assert response.status_code == 201, response.text
    assert response.headers["X-Request-ID"] == "intake-7f3a"
    acknowledgements = [h for _, h in published if h.get("task") == TaskName.ACKNOWLEDGE]
    assert acknowledgements, published
    assert all(h[log_context.REQUEST_ID_TASK_HEADER] == "intake-7f3a" for h in acknowledgements)


def test_a_task_logs_the_id_of_the_request_that_caused_it_and_a_delivery_failure_at_warning(app, client, collected):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens: an SMTP outage
    submit_api(client, contact={"name": "ข", "email": "citizen@example.com"})
    with app.app_context():
        message_id = db.session.query(OutboxMessage.id).scalar()
    collected.stream.truncate(0)
    collected.stream.seek(0)
    task = app.extensions["celery"].tasks[TaskName.ACKNOWLEDGE]
    result = task.apply(args=[message_id], headers={log_context.REQUEST_ID_TASK_HEADER: "intake-7f3a"})
    assert result.result == "busy"  # eager: Celery's retry ran at once and found the message held
    warnings = [line for line in collected.lines() if line["logger"] == "complaints.services.messaging.outbox"]
    assert warnings and warnings[0]["level"] == "WARNING", collected.lines()
    assert f"outbox message {message_id} (email) not delivered, try 1" in warnings[0]["message"]
    assert "citizen@example.com" not in collected.stream.getvalue()  # the address stays out of logs
    assert warnings[0]["request_id"] == "intake-7f3a"
    assert ISO_WITH_ZONE.fullmatch(warnings[0]["time"])
    # After the task, nothing is left bound: the next line outside any request has no id.
    logging.getLogger("rongrian.test").warning("after")
    assert collected.lines()[-1]["request_id"] is None


def test_the_last_failed_try_is_an_error(app, client, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port(), OUTBOX_MAX_ATTEMPTS=1)
    submit_api(client, contact={"name": "ค", "email": "c@example.com"})
    caplog.set_level(logging.INFO, logger="complaints.services.messaging.outbox")
    with app.app_context():
        message_id = db.session.query(OutboxMessage.id).scalar()
        with pytest.raises(outbox.DeliveryFailed):
            outbox.deliver_message(message_id)
    [record] = [r for r in caplog.records if r.name == "complaints.services.messaging.outbox"]
    assert record.levelno == logging.ERROR and "failed for good after 1 tries" in record.getMessage()


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "a\nforged line",
        "x" * 65,
        "id\u200b",
        "'; DROP TABLE outbox_messages;--",
        "../../etc/passwd",
    ],
)
def test_a_hostile_request_id_in_a_task_header_is_not_logged(app, collected, hostile):
    @app.extensions["celery"].task(name="test.log_line", shared=False)
    def log_line() -> str | None:
        logging.getLogger("rongrian.test").warning("inside")
        return observability.current_request_id()

    assert log_line.apply(headers={log_context.REQUEST_ID_TASK_HEADER: hostile}).result is None
    assert collected.lines()[-1]["request_id"] is None
    assert log_line.apply(headers={log_context.REQUEST_ID_TASK_HEADER: "good-id.1"}).result == "good-id.1"


def _celery_line(logger: str, fmt: str, data: dict) -> None:
    logging.getLogger(logger).info(fmt, data, extra={"data": data})


def test_routine_relay_passes_are_debug_and_a_pass_that_did_something_is_info(app, caplog):
    caplog.set_level(logging.INFO)
    relay = TaskName.RELAY_OUTBOX
    _celery_line("celery.worker.strategy", celery_trace.LOG_RECEIVED, {"id": "1", "name": relay})
    _celery_line(
        "celery.app.trace", celery_trace.LOG_SUCCESS, {"id": "1", "name": relay, "return_value": "0", "runtime": 0.01}
    )
    _celery_line(
        "celery.app.trace",
        celery_trace.LOG_SUCCESS,
        {
            "id": "2",
            "name": TaskName.PURGE_CHANNEL_STATE,
            "return_value": "{'conversations': 0, 'event_ids': 0}",
            "runtime": 0.01,
        },
    )
    logging.getLogger("celery.beat").info("Scheduler: Sending due task %s (%s)", "relay-outbox", relay)
    assert [r.getMessage() for r in caplog.records] == []  # nothing at INFO for no-op passes
    _celery_line(
        "celery.app.trace", celery_trace.LOG_SUCCESS, {"id": "3", "name": relay, "return_value": "12", "runtime": 0.01}
    )
    _celery_line(
        "celery.app.trace",
        celery_trace.LOG_SUCCESS,  # not periodic: an intake's acknowledgement
        {"id": "4", "name": TaskName.ACKNOWLEDGE, "return_value": "'already_sent'", "runtime": 0.01},
    )
    assert [(r.levelname, r.getMessage().split(" succeeded")[0]) for r in caplog.records] == [
        ("INFO", f"Task {relay}[3]"),
        ("INFO", "Task rongrian.acknowledge[4]"),
    ]
    caplog.clear()
    caplog.set_level(logging.DEBUG)
    _celery_line(
        "celery.app.trace", celery_trace.LOG_SUCCESS, {"id": "5", "name": relay, "return_value": "0", "runtime": 0.01}
    )
    assert [r.levelname for r in caplog.records] == ["DEBUG"]  # still there for whoever asks for DEBUG


def test_the_access_line_names_the_signed_in_user_and_the_client(app, client, caplog):
    make_staff(app, "somchai", "officer", None)
    login(client, "somchai")
    caplog.set_level(logging.INFO, logger="rongrian.access")
    client.get("/officer/", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    client.get("/track", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    lines = [r for r in caplog.records if r.name == "rongrian.access"]
    assert lines[0].username == "somchai" and isinstance(lines[0].user_id, int)
    assert lines[0].remote_addr == "203.0.113.9"
    assert ":" not in str(lines[0].user_id)  # never get_id(): that holds the session token
    assert lines[1].username == "somchai"  # a public page visited while signed in
    app.test_client().get("/track")
    assert [r for r in caplog.records if r.name == "rongrian.access"][-1].username is None


def test_gunicorns_own_lines_are_json_too(capsys):
    import logging.config

    from complaints import gunicorn_conf

    logging.config.dictConfig(gunicorn_conf.logconfig_dict)
    logger = logging.getLogger("gunicorn.error")
    try:
        logger.info("Booting worker with pid: %s", 42)
        logger.critical("WORKER TIMEOUT (pid:%s)", 42)
    finally:
        for handler in list(logger.handlers):
            logger.removeHandler(handler)
    lines = [json.loads(line) for line in capsys.readouterr().err.splitlines()]
    assert [(line["level"], line["message"]) for line in lines] == [
        ("INFO", "Booting worker with pid: 42"),
        ("CRITICAL", "WORKER TIMEOUT (pid:42)"),
    ]
    assert all(ISO_WITH_ZONE.fullmatch(line["time"]) for line in lines)
