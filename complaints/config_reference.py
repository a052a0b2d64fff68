"""The configuration reference, generated from the code so it cannot drift.

The settings are found by reading complaints/config.py (every `env.get("NAME", default)`
and `env["NAME"]` it holds), their defaults are the expressions written there, and
"required in production" is complaints.startup_checks.PRODUCTION_REQUIRED; only the one-line
descriptions are kept here, and a test fails when a setting has none.

    python -m complaints.config_reference          # writes docs/configuration.md and .env.example
    python -m complaints.config_reference --check  # exit status 1 when either is stale
(or `flask --app complaints config-reference [--check]`).
"""

from __future__ import annotations

import ast
import sys
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from complaints import startup_checks
from complaints.config import DEFAULT_SECRET_KEY

ROOT = Path(__file__).resolve().parent.parent
CONFIG_SOURCE = Path(__file__).resolve().parent / "config.py"
REFERENCE_PATH = ROOT / "docs" / "configuration.md"
ENV_EXAMPLE_PATH = ROOT / ".env.example"

# Placeholders for .env.example's production settings; each contains startup_checks.PLACEHOLDER,
# so a copy nobody edited is refused at start-up.
PLACEHOLDERS = {
    "RONGRIAN_ENV": "production",
    "SECRET_KEY": f"{startup_checks.PLACEHOLDER}-random-secret",
    "CONTACT_KEY_SECRET": f"{startup_checks.PLACEHOLDER}-another-random-secret",
    "CONTACT_ENCRYPTION_KEYS": f"{startup_checks.PLACEHOLDER}-fernet-key",
    "DATABASE_URL": "postgresql://rongrian:change-me@db.example.go.th:5432/rongrian",
    "REDIS_URL": "redis://redis.example.go.th:6379/0",
    "MAIL_SERVER": "smtp.example.go.th",
    "PUBLIC_BASE_URL": "https://complaints.example.go.th",
    "SESSION_COOKIE_SECURE": "1",
}


# Names a default expression may use, as the reference shows them (never this machine's paths).
_DEFAULT_NAMES = {
    "__builtins__": {},
    "str": str,
    "instance": PurePosixPath("<instance>"),
    "instance_path": "<instance> (the Flask instance folder, ./instance)",
    "DEFAULT_SECRET_KEY": DEFAULT_SECRET_KEY,
    "DEFAULT_BASE_DATA": "data/traffy/train.csv.gz",
    "redis_url": "$REDIS_URL",
    "env": None,
    "_development_base_url": lambda env: "http://$FLASK_RUN_HOST:$FLASK_RUN_PORT",
}


@dataclass(frozen=True)
class Setting:
    name: str
    default: str  # as written in config.py, or "—" (unset)
    required_in_production: bool
    description: str


def _env_name(node: ast.AST) -> tuple[str, ast.expr | None] | None:
    """("NAME", default expression) for env.get("NAME"[, default]) or env["NAME"]."""
    if (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "get"
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "env"
        and node.args
        and isinstance(node.args[0], ast.Constant)
        and isinstance(node.args[0].value, str)
    ):
        return node.args[0].value, (node.args[1] if len(node.args) > 1 else None)
    if (
        isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == "env"
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, str)
    ):
        return node.slice.value, None
    return None


def _default_text(call: ast.AST, default: ast.expr | None, parents: dict) -> str:
    parent = parents.get(call)
    if default is None:
        if isinstance(parent, ast.BoolOp) and isinstance(parent.op, ast.Or) and parent.values[0] is call:
            default = parent.values[1]  # env.get("X") or <fallback>
        elif isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name) and parent.func.id == "_bool":
            found = [k.value for k in parent.keywords if k.arg == "default"]
            return "on" if found and getattr(found[0], "value", False) else "off"
    if default is None or (isinstance(default, ast.Constant) and default.value is None):
        return "—"
    fallback = _env_name(default)
    if fallback:
        return f"${fallback[0]}"  # another setting's value
    if isinstance(default, ast.Constant):
        return repr(default.value) if default.value == "" else str(default.value)
    try:  # arithmetic such as str(5 * 1024 * 1024), paths in the instance folder
        return str(eval(compile(ast.Expression(default), "<default>", "eval"), _DEFAULT_NAMES))
    except Exception:  # noqa: BLE001 - anything else is shown as written
        return ast.unparse(default)


def settings(source: str | None = None) -> list[Setting]:
    """Every setting config.py reads, in the order it reads them (first reading wins)."""
    tree = ast.parse(source if source is not None else CONFIG_SOURCE.read_text(encoding="utf-8"))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: dict[str, Setting] = {}
    readings = sorted(
        (
            (node, env)
            for node in ast.walk(tree)
            if isinstance(node, ast.Call | ast.Subscript) and (env := _env_name(node)) is not None
        ),
        key=lambda reading: (reading[0].lineno, reading[0].col_offset),
    )
    for node, (name, default) in readings:
        text = _default_text(node, default, parents)
        previous = found.get(name)
        if previous is not None and (previous.default != "—" or text == "—"):
            continue
        found[name] = Setting(name, text, name in startup_checks.PRODUCTION_REQUIRED, DESCRIPTIONS.get(name, ""))
    return list(found.values())


# One line per setting; a test fails when a setting config.py reads has none.
DESCRIPTIONS: dict[str, str] = {
    "READY_WORKER_MAX_AGE_SECONDS": "`/readyz` fails when no worker heartbeat is younger than this",
    "WORKER_HEARTBEAT_FILE": "where workers record their heartbeat when there is no Redis (single host)",
    "READY_MAX_PENDING_ACK_SECONDS": "`/readyz` fails when an acknowledgement has waited longer than this",
    "METRICS_TOKEN": "bearer token for `/metrics` (Prometheus); unset, `/metrics` answers 404",
    "METRICS_CACHE_SECONDS": "how long a web process reuses its `/metrics` answer",
    "NLP_BASE_DATA": "the Traffy Fondue CSV the classifier is trained from (data/traffy/README.md)",
    "FLASK_RUN_HOST": "where `flask run` / `make run` listens; the development `PUBLIC_BASE_URL` follows it",
    "FLASK_RUN_PORT": "the port `flask run` / `make run` listens on; the development `PUBLIC_BASE_URL` follows it",
    "RONGRIAN_INSTANCE": "folder for the SQLite files, uploads and the mail folder",
    "REDIS_URL": "Redis as Celery broker and rate-limit store; required in production (or `CELERY_BROKER_URL` and `RATELIMIT_STORAGE_URI`)",
    "CELERY_BROKER_URL": "another Celery broker; default `REDIS_URL`, else a SQLite file in the instance folder (refused in production)",
    "MAIL_SERVER": "SMTP server; unset, mail is written to `MAIL_OUTBOX_DIR` and never sent (required in production)",
    "NLP_RETRAIN_CRONTAB": "scheduled retraining (cron fields, Thailand time; empty: only when an admin asks), and the newly confirmed complaints it needs",
    "RONGRIAN_ENV": "`development` or `production` (nothing else starts); production refuses to start with any unsafe setting (complaints/startup_checks.py)",
    "SECRET_KEY": 'signs sessions and citizens\' links; production needs a random value of 128+ bits (`python -c "import secrets; print(secrets.token_urlsafe(32))"`)',
    "CONTACT_ENCRYPTION_KEYS": "Fernet keys (comma-separated, newest first) encrypting complainants' contact data and outbox recipients at rest; after adding a key in front, `flask --app complaints rotate-contact-key` re-encrypts. Every process (web, worker, beat) needs the same keys",
    "LOG_FORMAT": "JSON log lines on stderr with the request id (`X-Request-ID`, echoed on every response), or `text`",
    "LOG_LEVEL": "the lowest level logged by web, worker and beat (`DEBUG`, `INFO`, `WARNING`, `ERROR`); failures are WARNING or above, routine relay passes DEBUG",
    "DATABASE_URL": "e.g. `postgresql://user@host/db` (psycopg 3 is used); production requires PostgreSQL",
    "POSTGRES_OPTIONS": "server settings for every PostgreSQL connection; JIT is off because it slows the dashboard's and the assessment's scans (BENCHMARKS.md)",
    "UPLOAD_DIR": "photos, stored under random names outside the web root",
    "EXPORT_DIR": "complaint-list export files, deleted after `EXPORT_KEEP_HOURS` (24); at most `EXPORT_MAX_ROWS` (2,000,000) rows",
    "EXPORT_KEEP_HOURS": "how long a complaint-list export file is kept for its requester",
    "EXPORT_MAX_ROWS": "most rows in one export (an XLSX sheet stops at 1,048,575)",
    "MAX_PHOTOS": "upload limits",
    "MAX_PHOTO_BYTES": "upload limits",
    "MAX_CONTENT_LENGTH": "upload limits",
    "MAX_DESCRIPTION_CHARS": "longest complaint description accepted",
    "TRACKING_PREFIX": "prefix of tracking numbers",
    "SIMILAR_WINDOW_DAYS": "similar open complaints, repeat complaints, how often the post-intake pass runs (repeat links; the category suggestion of complaints whose citizen chose a category)",
    "REPEAT_WINDOW_DAYS": "similar open complaints, repeat complaints, how often the post-intake pass runs (repeat links; the category suggestion of complaints whose citizen chose a category)",
    "CLUSTER_BATCH_SIZE": "complaints per claimed batch of the recurring-issue clustering",
    "CLUSTER_MIN_OVERLAP": "least text overlap with a cluster's terms for a complaint to join it",
    "CONTACT_KEY_SECRET": "key of the contact hashes (repeat complainants, data-subject look-up); its own random secret in production (development falls back to `SECRET_KEY`); after changing it run `flask --app complaints rehash-contacts`",
    "NLP_ENABLED": "classification at intake, and the confidence from which a suggestion is applied",
    "NLP_AUTO_APPLY_THRESHOLD": "classification at intake, and the confidence from which a suggestion is applied",
    "NLP_MODEL_DIR": "where retraining runs write their artefacts",
    "NLP_PROMOTION_TOLERANCE": "how much worse than the model in use a candidate may be and still be promoted: net rows lost (share of a held-out set, and beyond chance), and base-set macro-F1",
    "NLP_PROMOTION_F1_TOLERANCE": "how much worse than the model in use a candidate may be and still be promoted: net rows lost (share of a held-out set, and beyond chance), and base-set macro-F1",
    "NLP_ACTIVE_MODEL_CHECK_SECONDS": "how often a process looks for a newly promoted model",
    "NLP_RETRAIN_STALE_SECONDS": "after how long a queued or running retraining run counts as abandoned",
    "NLP_RETRAIN_MIN_NEW": "scheduled retraining (cron fields, Thailand time; empty: only when an admin asks), and the newly confirmed complaints it needs",
    "NLP_RETRAIN_MAX_CONFIRMED": "the recent hold-out's window and the rows it needs to count; the newest confirmed complaints a run reads",
    "NLP_RECENT_HOLDOUT_DAYS": "the recent hold-out's window and the rows it needs to count; the newest confirmed complaints a run reads",
    "NLP_RECENT_HOLDOUT_MIN": "the recent hold-out's window and the rows it needs to count; the newest confirmed complaints a run reads",
    "REFERENCE_CACHE_SECONDS": "how long a process keeps categories, standards and calendar overrides (an admin change clears its own process at once)",
    "INTAKE_UNIT_CODE": "the unit that triages complaints without a category",
    "SETUP_CODE_FILE": "file (mode 0600) holding the code the first-run page `/setup` asks for while no admin exists",
    "INTEGRITY_UNIT_CODE": "the unit that receives every tip-off",
    "INTEGRITY_GRANT_HOURS": "how long a proposed integrity grant waits for a second admin's approval",
    "INTEGRITY_NOTICE_DAYS": "integrity officers see the grants of this many days on their pages",
    "RETENTION_DAYS_AFTER_CLOSE": "PDPA retention: contact data of complaints closed longer ago than this is erased",
    "REOPEN_WINDOW_DAYS": "the complainant may reopen within…; an unanswered resolution closes after…",
    "AUTO_CLOSE_DAYS": "the complainant may reopen within…; an unanswered resolution closes after…",
    "DUE_SOON_WORKING_DAYS": '"due soon" starts this many working days before the deadline',
    "ASSESSMENT_EVIDENCE_MAX_BYTES": "largest evidence file of the self-assessment",
    "ASSESSMENT_THRESHOLDS": 'JSON overriding the criterion-3.4 thresholds, e.g. `{"min_channels": 5, "max_overdue": 0.03}`',
    "ASSESSMENT_DATA_MAX_AGE": 'seconds a draft assessment shows its figures from the complaint data as stored (the page says as of when; "Recompute now" and submitting read the data anew); 0 computes them on every view',
    "TRUSTED_PROXY_COUNT": 'how many reverse proxies in front of the app set `X-Forwarded-For`, `-Proto` and `-Host` (werkzeug\'s `ProxyFix`); 0 ignores those headers. See "Behind a reverse proxy (nginx) with TLS"',
    "TRUSTED_PROXY_PREFIX_COUNT": "the same for `X-Forwarded-Prefix`, when the proxy serves the app under a sub-path",
    "SESSION_COOKIE_SECURE": "send the session cookie over HTTPS only; required on in production",
    "HSTS_SECONDS": "`Strict-Transport-Security` max-age; 0 sends no header",
    "LOGIN_MAX_FAILURES": "sign-in throttle: after 5 failures for one account from one address, that address waits 30 s, doubling up to 900 s; no account is locked for everyone",
    "LOGIN_THROTTLE_SECONDS": "sign-in throttle: after 5 failures for one account from one address, that address waits 30 s, doubling up to 900 s; no account is locked for everyone",
    "LOGIN_THROTTLE_MAX_SECONDS": "sign-in throttle: after 5 failures for one account from one address, that address waits 30 s, doubling up to 900 s; no account is locked for everyone",
    "LOGIN_RATE_LIMIT": "sign-in posts per address",
    "SESSION_IDLE_MINUTES": "a staff session ends after this long without a request, and this long after sign-in",
    "SESSION_MAX_HOURS": "a staff session ends after this long without a request, and this long after sign-in",
    "PUBLIC_BASE_URL": "base of the links sent to citizens; in production the public `https://` address (development: where `make run` serves)",
    "AGENCY_NAME_TH": "shown on pages and mail",
    "AGENCY_NAME_EN": "shown on pages and mail",
    "PRIVACY_NOTICE_VERSION": "stored with each complaint",
    "TRACK_RATE_LIMIT": "per client address",
    "CHAT_TRACK_RATE_LIMIT": 'status look-ups by the LINE/SMS "ติดตาม" command, per sender',
    "INTAKE_RATE_LIMIT": "per client address",
    "RATELIMIT_STORAGE_URI": "rate-limit store; default `REDIS_URL`, else per-process memory (refused in production)",
    "MAIL_PORT": "real SMTP delivery (setting `MAIL_SERVER` switches from the mail folder to SMTP)",
    "MAIL_USE_SSL": "TLS from the first byte (SMTPS, port 465, then `MAIL_PORT`'s default); `MAIL_USE_TLS` is STARTTLS on a plain port (587, 25). Either way the certificate and host name are verified; a server that does not verify, or does not offer STARTTLS, gets no password and no mail (the message is retried, then marked failed)",
    "MAIL_USE_TLS": "real SMTP delivery (setting `MAIL_SERVER` switches from the mail folder to SMTP)",
    "MAIL_CA_FILE": "PEM file of the CA that signs the agency's own mail server, trusted instead of the system store",
    "MAIL_USERNAME": "real SMTP delivery (setting `MAIL_SERVER` switches from the mail folder to SMTP)",
    "MAIL_PASSWORD": "real SMTP delivery (setting `MAIL_SERVER` switches from the mail folder to SMTP)",
    "MAIL_SENDER": "real SMTP delivery (setting `MAIL_SERVER` switches from the mail folder to SMTP)",
    "MAIL_OUTBOX_DIR": "where mail goes without SMTP",
    "OUTBOX_RELAY_SECONDS": "how often the relay runs, and how old a pending message must be",
    "AFTER_INTAKE_SECONDS": "similar open complaints, repeat complaints, how often the post-intake pass runs (repeat links; the category suggestion of complaints whose citizen chose a category)",
    "RETENTION_SWEEP_SECONDS": "how often the retention sweep runs",
    "IMAP_POLL_SECONDS": "how often the mailbox is polled (when `IMAP_HOST` is set)",
    "EXPORT_PURGE_SECONDS": "how often expired export files are deleted",
    "CHANNEL_PURGE_SECONDS": "how often old channel events and conversations are purged",
    "CLUSTER_UPDATE_SECONDS": "how often recurring-issue clusters are updated",
    "SLA_SWEEP_SECONDS": "how often the service-standard sweep runs",
    "ASSESSMENT_DATA_REFRESH_SECONDS": "how often beat recomputes them for this fiscal year, this quarter and every draft",
    "LINE_CHANNEL_SECRET": "LINE Messaging API channel secret (verifies webhooks)",
    "LINE_CHANNEL_ACCESS_TOKEN": "LINE Messaging API access token (sends); unset, LINE messages go to `LINE_OUTBOX_DIR`",
    "LINE_API_BASE_URL": "LINE API base URL (tests point it at a local fake)",
    "LINE_DATA_API_BASE_URL": "LINE data API base URL (content downloads)",
    "LINE_OUTBOX_DIR": "where LINE messages go while the channel is not configured",
    "LINE_CONVERSATION_MINUTES": "a LINE conversation left this long starts again",
    "LINE_REPLY_TOKEN_SECONDS": "a LINE reply token is used while this fresh",
    "CHANNEL_EVENT_RETENTION_DAYS": "ids of channel events that made no complaint are kept this long (redelivery guard)",
    "SMS_WEBHOOK_SECRET": "HMAC-SHA256 secret of the inbound SMS webhook",
    "SMS_PROVIDER_URL": "HTTP gateway that sends SMS; unset, SMS go to `SMS_OUTBOX_DIR`",
    "SMS_PROVIDER_TOKEN": "bearer token of the SMS gateway",
    "SMS_SENDER": "sender name or number of outgoing SMS",
    "SMS_OUTBOX_DIR": "where SMS go while the channel is not configured",
    "SMS_MAX_PARTS": "most parts of one outgoing SMS",
    "IMAP_HOST": "mailbox polled for complaints by e-mail (unset: no polling)",
    "IMAP_PORT": "IMAP port",
    "IMAP_USE_SSL": "IMAP over TLS (certificate verified)",
    "IMAP_CA_FILE": "the same for the polled mailbox (`IMAP_USE_SSL`, on by default, is verified too)",
    "IMAP_USERNAME": "IMAP account",
    "IMAP_PASSWORD": "IMAP password",
    "IMAP_FOLDER": "mailbox folder polled",
    "IMAP_BATCH": "most messages read per poll",
    "EMAIL_WEBHOOK_SECRET": "HMAC-SHA256 secret of the inbound-mail webhook",
    "MAX_INBOUND_EMAIL_BYTES": "largest inbound e-mail accepted",
    "OUTBOX_RELAY_AFTER_SECONDS": "how often the relay runs, and how old a pending message must be",
    "OUTBOX_MAX_ATTEMPTS": "backoff after a refused send, doubling up to the cap; after the last attempt (about 20 minutes) the message is marked failed",
    "OUTBOX_LEASE_SECONDS": "how long a worker's claim on a message lasts; renewed every third of it while a send runs, so a worker killed mid-send frees its messages within one lease",
    "OUTBOX_RETRY_SECONDS": "backoff after a refused send, doubling up to the cap; after the last attempt (about 20 minutes) the message is marked failed",
    "OUTBOX_RETRY_MAX_SECONDS": "backoff after a refused send, doubling up to the cap; after the last attempt (about 20 minutes) the message is marked failed",
    "OPEN311_JURISDICTION_ID": "the Open311 jurisdiction served; when set, another `jurisdiction_id` is a 404",
    "OPEN311_SERVICE_TYPE": "`realtime` (POST answers the tracking number) or `batch` (POST answers a token)",
    "OPEN311_ENDPOINT_TYPE": "texts of the Open311 discovery document",
    "OPEN311_CONTACT": "texts of the Open311 discovery document",
    "OPEN311_KEY_SERVICE": "texts of the Open311 discovery document",
}


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(items: list[Setting] | None = None) -> str:
    items = settings() if items is None else items
    lines = [
        "# Configuration reference",
        "",
        "<!-- Generated by `python -m complaints.config_reference` from complaints/config.py;",
        "     do not edit by hand (tests/test_config_reference.py fails when it is stale). -->",
        "",
        "Every setting is an environment variable. `.env.example` lists them the same way,",
        "with the settings production requires uncommented.",
        "",
        "Which runs are checked at start-up (complaints/startup_checks.py):",
        "",
        "- `RONGRIAN_ENV` must be `development` (the default) or `production`; any other value",
        "  (`Production`, `prod`) refuses to start.",
        "- **Local development** is `RONGRIAN_ENV=development` with a SQLite database (`make run`,",
        "  `make test`): nothing else is checked.",
        "- `RONGRIAN_ENV=development` with PostgreSQL starts, but logs a warning for each",
        "  setting production would refuse.",
        "- `RONGRIAN_ENV=production` refuses to start, naming each setting in Thai and English, when",
        "  a setting marked *yes* below is missing or unsafe: a default, placeholder or weak",
        "  secret (under 128 bits of estimated entropy), `CONTACT_KEY_SECRET` equal to `SECRET_KEY`,",
        "  SQLite, no broker server or a memory rate-limit store, no `MAIL_SERVER`, a",
        "  `PUBLIC_BASE_URL` that is not `https://` or is local (localhost, 127.x, ::1), or",
        "  `SESSION_COOKIE_SECURE` off; and while `DEBUG` or `TESTING` is on.",
        "",
        "| setting | default | required in production | description |",
        "|---|---|---|---|",
    ]
    for s in items:
        default = s.default if s.default == "—" else f"`{s.default}`"
        lines.append(
            f"| `{s.name}` | {_cell(default)} | {'yes' if s.required_in_production else ''} | {_cell(s.description)} |"
        )
    return "\n".join(lines) + "\n"


def render_env_example(items: list[Setting] | None = None) -> str:
    items = settings() if items is None else items
    lines = [
        "# Rongrian settings (generated by `python -m complaints.config_reference`; see",
        "# docs/configuration.md). Copy to .env and replace every change-me value: production",
        "# refuses to start while one is left. Commented lines show the defaults.",
        f"# Secrets: {startup_checks.GENERATE_SECRET}",
        f"# Fernet key: {startup_checks.GENERATE_FERNET}",
        "",
        "# --- required in production ---",
    ]
    for s in items:
        if s.required_in_production:
            lines += [f"# {s.description}", f"{s.name}={PLACEHOLDERS[s.name]}"]
    lines += ["", "# --- optional ---"]
    for s in items:
        if not s.required_in_production:
            value = "" if s.default in ("—", "''") else s.default
            lines += [f"# {s.description}", f"# {s.name}={value}"]
    return "\n".join(lines) + "\n"


def outputs() -> dict[Path, str]:
    items = settings()
    return {REFERENCE_PATH: render_markdown(items), ENV_EXAMPLE_PATH: render_env_example(items)}


def stale() -> list[Path]:
    return [path for path, text in outputs().items() if not path.exists() or path.read_text(encoding="utf-8") != text]


def write() -> list[Path]:
    written = stale()
    for path, text in outputs().items():
        if path in written:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return written


def main(argv: list[str]) -> int:
    if "--check" in argv:
        out_of_date = stale()
        for path in out_of_date:
            print(f"stale: {path.relative_to(ROOT)} (run python -m complaints.config_reference)")
        return 1 if out_of_date else 0
    for path in write():
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
