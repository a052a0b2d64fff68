"""Configuration read from the environment.

Every setting has a safe default for the embedded set-up (`make run`): SQLite, a
broker that needs no server (kombu's SQLAlchemy transport over SQLite) and mail
written to a local folder. `DATABASE_URL`, `REDIS_URL` and `MAIL_SERVER` switch to
PostgreSQL, Redis and real SMTP delivery.
"""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

from complaints.config_thresholds import parse_thresholds
from complaints.domain.task_names import TaskName

# The Traffy Fondue reports the shipped classifier, the demo year and the benchmarks are
# made from: shipped inside the repository (data/traffy/README.md says where they come from).
DEFAULT_BASE_DATA = Path(__file__).resolve().parent.parent / "data" / "traffy" / "train.csv.gz"


def base_data_path(env=None) -> Path:
    """The Traffy Fondue CSV (`NLP_BASE_DATA`, default: the repository's copy); the one
    place its path is decided, for the app, the tests and the benchmarks alike."""
    env = os.environ if env is None else env
    return Path(env.get("NLP_BASE_DATA") or DEFAULT_BASE_DATA)


DEFAULT_SECRET_KEY = "dev-only-not-secret"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _crontab(fields: str):
    """A Celery crontab from "minute hour day-of-month month day-of-week" (app timezone)."""
    from celery.schedules import crontab

    parts = fields.split()
    if len(parts) != 5:
        raise ValueError(f"a crontab needs 5 fields (minute hour day month weekday), got {fields!r}")
    minute, hour, day_of_month, month_of_year, day_of_week = parts
    return crontab(
        minute=minute, hour=hour, day_of_month=day_of_month, month_of_year=month_of_year, day_of_week=day_of_week
    )


def _development_base_url(env) -> str:
    """Where the development server listens: `make run` exports FLASK_RUN_HOST and
    FLASK_RUN_PORT (which `flask run` reads too) to the web app and the worker, so the
    links in acknowledgements point at the port actually served."""
    host = (env.get("FLASK_RUN_HOST") or "127.0.0.1").strip()
    if host in {"", "0.0.0.0", "::"}:  # listening everywhere: this machine answers locally
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{(env.get('FLASK_RUN_PORT') or '5000').strip()}"


def _database_url(raw: str | None, instance: Path) -> str:
    if not raw:
        return f"sqlite:///{instance / 'rongrian.sqlite'}"
    # Heroku-style and plain postgres URLs use psycopg 3.
    for old in ("postgres://", "postgresql://"):
        if raw.startswith(old):
            return "postgresql+psycopg://" + raw[len(old) :]
    return raw


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the process environment."""
    env = os.environ
    instance = Path(env.get("RONGRIAN_INSTANCE", instance_path))
    redis_url = env.get("REDIS_URL") or None
    broker_url = env.get("CELERY_BROKER_URL") or redis_url or (f"sqla+sqlite:///{instance / 'broker.sqlite'}")
    mail_server = env.get("MAIL_SERVER") or None
    retrain_crontab = env.get("NLP_RETRAIN_CRONTAB", "0 2 * * sun").strip()  # Sunday 02:00
    production = env.get("RONGRIAN_ENV", "development") == "production"
    return {
        # "development" or "production" (any other value refuses to start); production
        # refuses settings only safe on a laptop (complaints.startup_checks.check_production).
        "RONGRIAN_ENV": env.get("RONGRIAN_ENV", "development"),
        "SECRET_KEY": env.get("SECRET_KEY", DEFAULT_SECRET_KEY),
        # Fernet keys for complainants' contact data at rest, comma-separated, newest
        # first (complaints.models.encrypted); derived from SECRET_KEY when unset.
        "CONTACT_ENCRYPTION_KEYS": [k for k in env.get("CONTACT_ENCRYPTION_KEYS", "").split(",") if k.strip()],
        "LOG_FORMAT": env.get("LOG_FORMAT", "json"),  # json or text
        "LOG_LEVEL": env.get("LOG_LEVEL", "INFO"),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        # Server settings for every PostgreSQL connection (libpq "options"). JIT compilation
        # is off: it only starts on the dashboard's and the assessment's scans, where it
        # costs a quarter of a second or more and saves less (BENCHMARKS.md).
        "POSTGRES_OPTIONS": env.get("POSTGRES_OPTIONS", "-c jit=off"),
        "REDIS_URL": redis_url,
        "UPLOAD_DIR": env.get("UPLOAD_DIR", str(instance / "uploads")),
        # Complaint-list exports (export_jobs): written by a worker, kept this long for
        # their requester, at most this many rows (an XLSX sheet stops at 1,048,575).
        "EXPORT_DIR": env.get("EXPORT_DIR", str(instance / "exports")),
        "EXPORT_KEEP_HOURS": float(env.get("EXPORT_KEEP_HOURS", "24")),
        "EXPORT_MAX_ROWS": int(env.get("EXPORT_MAX_ROWS", "2000000")),
        "MAX_PHOTOS": int(env.get("MAX_PHOTOS", "5")),
        "MAX_PHOTO_BYTES": int(env.get("MAX_PHOTO_BYTES", str(5 * 1024 * 1024))),
        # The whole request: a few photos plus the form. Larger bodies get a 413.
        "MAX_CONTENT_LENGTH": int(env.get("MAX_CONTENT_LENGTH", str(16 * 1024 * 1024))),
        "MAX_DESCRIPTION_CHARS": int(env.get("MAX_DESCRIPTION_CHARS", "10000")),
        "TRACKING_PREFIX": env.get("TRACKING_PREFIX", "RR"),
        # Similar open complaints are looked for this far back; a repeat complaint
        # comes back to an earlier one within REPEAT_WINDOW_DAYS.
        "SIMILAR_WINDOW_DAYS": int(env.get("SIMILAR_WINDOW_DAYS", "30")),
        "REPEAT_WINDOW_DAYS": int(env.get("REPEAT_WINDOW_DAYS", "90")),
        # Recurring-issue clusters (services/analytics/clusters.py): complaints per claimed
        # batch, and the least text overlap with a cluster's terms to join it.
        "CLUSTER_BATCH_SIZE": int(env.get("CLUSTER_BATCH_SIZE", "500")),
        "CLUSTER_MIN_OVERLAP": float(env.get("CLUSTER_MIN_OVERLAP", "0.2")),
        # Key of the contact hashes (development falls back to SECRET_KEY; production
        # requires its own, and `flask rehash-contacts` recomputes them after a change).
        "CONTACT_KEY_SECRET": env.get("CONTACT_KEY_SECRET") or None,
        # Thai-text classification at intake (complaints.nlp).
        "NLP_ENABLED": _bool(env.get("NLP_ENABLED"), default=True),
        "NLP_AUTO_APPLY_THRESHOLD": float(env.get("NLP_AUTO_APPLY_THRESHOLD", "0.6")),
        # Retraining (complaints.services.classifier.retraining): the base data the confirmed
        # complaints are added to, where run artefacts go, how much worse than the
        # model in use a candidate may be and still be promoted (net in_gold loss as
        # a share of a held-out set, and base macro-F1; see nlp.retraining_policy),
        # how often a process looks for a newly promoted model, and after how long a
        # queued/running run counts as abandoned (a worker that died).
        "NLP_BASE_DATA": str(base_data_path(env)),
        "NLP_MODEL_DIR": env.get("NLP_MODEL_DIR", str(instance / "models")),
        "NLP_PROMOTION_TOLERANCE": float(env.get("NLP_PROMOTION_TOLERANCE", "0.002")),
        "NLP_PROMOTION_F1_TOLERANCE": float(env.get("NLP_PROMOTION_F1_TOLERANCE", "0.02")),
        "NLP_ACTIVE_MODEL_CHECK_SECONDS": float(env.get("NLP_ACTIVE_MODEL_CHECK_SECONDS", "30")),
        "NLP_RETRAIN_STALE_SECONDS": float(env.get("NLP_RETRAIN_STALE_SECONDS", str(4 * 3600))),
        # Scheduled retraining (complaints.nlp.retraining_policy): when (cron fields
        # "minute hour day month weekday", Thailand time; empty: only when an admin
        # asks) and with how many newly confirmed complaints at least; the newest
        # confirmed complaints a run reads; the recent hold-out's window and the
        # least rows it needs to count in the promotion decision.
        "NLP_RETRAIN_CRONTAB": retrain_crontab,
        "NLP_RETRAIN_MIN_NEW": int(env.get("NLP_RETRAIN_MIN_NEW", "100")),
        "NLP_RETRAIN_MAX_CONFIRMED": int(env.get("NLP_RETRAIN_MAX_CONFIRMED", "200000")),
        "NLP_RECENT_HOLDOUT_DAYS": int(env.get("NLP_RECENT_HOLDOUT_DAYS", "28")),
        "NLP_RECENT_HOLDOUT_MIN": int(env.get("NLP_RECENT_HOLDOUT_MIN", "30")),
        # How long a process keeps categories, standards and calendar overrides.
        "REFERENCE_CACHE_SECONDS": float(env.get("REFERENCE_CACHE_SECONDS", "30")),
        # The unit that triages complaints arriving without a category.
        "INTAKE_UNIT_CODE": env.get("INTAKE_UNIT_CODE", "complaints-centre"),
        # The first-run page (/setup) asks for the code written here (mode 0600) while no
        # admin exists, so whoever reaches a new server first cannot make itself its admin.
        "SETUP_CODE_FILE": env.get("SETUP_CODE_FILE", str(instance / "setup-code")),
        # The unit that receives every tip-off (never the unit complained about).
        "INTEGRITY_UNIT_CODE": env.get("INTEGRITY_UNIT_CODE", "integrity"),
        # A proposed integrity grant (services/staff/integrity_grants.py) waits this long for a
        # second admin's approval, then expires.
        "INTEGRITY_GRANT_HOURS": float(env.get("INTEGRITY_GRANT_HOURS", "72")),
        # Integrity officers see the grants of this many days on their pages.
        "INTEGRITY_NOTICE_DAYS": int(env.get("INTEGRITY_NOTICE_DAYS", "14")),
        # PDPA retention: contact data of complaints closed longer ago than this is erased.
        "RETENTION_DAYS_AFTER_CLOSE": int(env.get("RETENTION_DAYS_AFTER_CLOSE", str(5 * 365))),
        # A complainant may reopen within this many days of the resolution;
        # a resolved case the complainant leaves unanswered closes after AUTO_CLOSE_DAYS.
        "REOPEN_WINDOW_DAYS": int(env.get("REOPEN_WINDOW_DAYS", "14")),
        "AUTO_CLOSE_DAYS": int(env.get("AUTO_CLOSE_DAYS", "7")),
        # "Due soon" starts this many working days before the deadline.
        "DUE_SOON_WORKING_DAYS": int(env.get("DUE_SOON_WORKING_DAYS", "2")),
        # PMQA self-assessment (assessment/): evidence upload limit, and the criterion-3.4
        # thresholds as JSON, e.g. {"min_channels": 5, "max_overdue": 0.03} (docs/thresholds.md;
        # complaints.config_thresholds; startup_checks refuses a bad value at start).
        "ASSESSMENT_EVIDENCE_MAX_BYTES": int(env.get("ASSESSMENT_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024))),
        "ASSESSMENT_THRESHOLDS": parse_thresholds(env.get("ASSESSMENT_THRESHOLDS") or "{}"),
        # A draft's figures from the complaint data are read as stored while younger than
        # this (seconds; 0: computed on every view); beat refreshes them (ASSESSMENT_DATA_REFRESH_SECONDS).
        "ASSESSMENT_DATA_MAX_AGE": float(env.get("ASSESSMENT_DATA_MAX_AGE", "900")),
        # Reverse proxies in front of the app (nginx, a load balancer): how many of them
        # append to X-Forwarded-For and set X-Forwarded-Proto/-Host/-Port, which werkzeug's
        # ProxyFix then trusts (that many hops from the right). 0: no proxy, and those
        # headers are ignored, so a client cannot pick its own address for the rate
        # limits and the audit trail. X-Forwarded-Prefix (an app under a sub-path) only
        # when TRUSTED_PROXY_PREFIX_COUNT says so.
        "TRUSTED_PROXY_COUNT": int(env.get("TRUSTED_PROXY_COUNT", "0")),
        "TRUSTED_PROXY_PREFIX_COUNT": int(env.get("TRUSTED_PROXY_PREFIX_COUNT", "0")),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        # Strict-Transport-Security in production (browsers ignore it over plain HTTP,
        # so a compose stack on http://localhost still works); 0 sends none.
        "HSTS_SECONDS": int(env.get("HSTS_SECONDS", str(365 * 86400 if production else 0))),
        # Sign-in throttle (services/accounts.authenticate): after LOGIN_MAX_FAILURES failures
        # for one username from one address, that address waits LOGIN_THROTTLE_SECONDS,
        # doubling per further failure up to LOGIN_THROTTLE_MAX_SECONDS; no account is
        # locked for everyone. LOGIN_RATE_LIMIT caps sign-in posts per address.
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_THROTTLE_SECONDS": float(env.get("LOGIN_THROTTLE_SECONDS", "30")),
        "LOGIN_THROTTLE_MAX_SECONDS": float(env.get("LOGIN_THROTTLE_MAX_SECONDS", "900")),
        "LOGIN_RATE_LIMIT": env.get("LOGIN_RATE_LIMIT", "20 per minute"),
        # Staff sessions (services/staff/staff_sessions.py) end after this many minutes without a
        # request, and in any case SESSION_MAX_HOURS after sign-in.
        "SESSION_IDLE_MINUTES": float(env.get("SESSION_IDLE_MINUTES", "30")),
        "SESSION_MAX_HOURS": float(env.get("SESSION_MAX_HOURS", "12")),
        "PERMANENT_SESSION_LIFETIME": timedelta(hours=float(env.get("SESSION_MAX_HOURS", "12"))),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL") or _development_base_url(env),
        "AGENCY_NAME_TH": env.get("AGENCY_NAME_TH", "หน่วยงานตัวอย่าง"),
        "AGENCY_NAME_EN": env.get("AGENCY_NAME_EN", "Example Agency"),
        "PRIVACY_NOTICE_VERSION": env.get("PRIVACY_NOTICE_VERSION", "2569-1"),
        "TRACK_RATE_LIMIT": env.get("TRACK_RATE_LIMIT", "30 per minute"),
        # Status look-ups by the LINE/SMS "ติดตาม" command, per sender.
        "CHAT_TRACK_RATE_LIMIT": env.get("CHAT_TRACK_RATE_LIMIT", "10 per hour"),
        "INTAKE_RATE_LIMIT": env.get("INTAKE_RATE_LIMIT", "60 per minute"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # A rate-limit store that is down must not turn intake into errors.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # Outbound channels follow one rule (complaints.services.messaging.channel_status): a channel
        # is configured when its credentials are set (MAIL_SERVER; LINE_CHANNEL_ACCESS_TOKEN;
        # SMS_PROVIDER_URL). One that is not makes no network call: each message is written
        # as one file to the channel's development outbox folder, <channel>-outbox in the
        # instance folder (MAIL_OUTBOX_DIR, LINE_OUTBOX_DIR, SMS_OUTBOX_DIR).
        "MAIL_SERVER": mail_server,
        # MAIL_USE_TLS: STARTTLS on a plain connection (port 587 or 25); MAIL_USE_SSL:
        # TLS from the first byte (port 465, the default port then). Either way the
        # server's certificate and name are verified against the system's trust store,
        # or only against MAIL_CA_FILE (PEM) when an agency's own CA signs its server.
        "MAIL_PORT": int(env.get("MAIL_PORT") or ("465" if _bool(env.get("MAIL_USE_SSL")) else "25")),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USE_SSL": _bool(env.get("MAIL_USE_SSL")),
        "MAIL_CA_FILE": env.get("MAIL_CA_FILE") or None,
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_SENDER": env.get("MAIL_SENDER", "Rongrian <no-reply@rongrian.invalid>"),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR", str(instance / "mail-outbox")),
        "CELERY": {
            "broker_url": broker_url,
            # Crontab entries (NLP_RETRAIN_CRONTAB) are read in Thailand time; times on the wire stay UTC.
            "timezone": "Asia/Bangkok",
            "task_ignore_result": True,
            "task_acks_late": True,
            "task_reject_on_worker_lost": True,
            "worker_prefetch_multiplier": 1,
            "broker_connection_retry_on_startup": True,
            # Redis: fail fast when the server is away instead of hanging a request.
            # (kombu's SQLAlchemy transport hands every option to create_engine(),
            # so it gets none; it polls its table once a second.)
            "broker_transport_options": (
                {"socket_connect_timeout": 2} if broker_url.startswith(("redis", "rediss")) else {}
            ),
            "task_default_queue": "default",
            "task_routes": {
                TaskName.ACKNOWLEDGE: {"queue": "notify"},
                TaskName.RELAY_OUTBOX: {"queue": "notify"},
            },
            "beat_schedule": {
                "relay-outbox": {
                    "task": TaskName.RELAY_OUTBOX,
                    "schedule": float(env.get("OUTBOX_RELAY_SECONDS", "15")),
                },
                "after-intake": {
                    "task": TaskName.AFTER_INTAKE,
                    "schedule": float(env.get("AFTER_INTAKE_SECONDS", "15")),
                },
                "retention": {
                    "task": TaskName.APPLY_RETENTION,
                    "schedule": float(env.get("RETENTION_SWEEP_SECONDS", str(24 * 3600))),
                },
                # Does nothing until IMAP_HOST is set.
                "poll-mailbox": {
                    "task": TaskName.POLL_MAILBOX,
                    "schedule": float(env.get("IMAP_POLL_SECONDS", "60")),
                },
                "purge-exports": {
                    "task": TaskName.PURGE_EXPORTS,
                    "schedule": float(env.get("EXPORT_PURGE_SECONDS", "3600")),
                },
                "purge-channel-state": {
                    "task": TaskName.PURGE_CHANNEL_STATE,
                    "schedule": float(env.get("CHANNEL_PURGE_SECONDS", "3600")),
                },
                "update-clusters": {
                    "task": TaskName.UPDATE_CLUSTERS,
                    "schedule": float(env.get("CLUSTER_UPDATE_SECONDS", "300")),
                },
                "sla-sweep": {
                    "task": TaskName.SLA_SWEEP,
                    "schedule": float(env.get("SLA_SWEEP_SECONDS", "300")),
                },
                "assessment-data": {
                    "task": TaskName.REFRESH_ASSESSMENT_DATA,
                    "schedule": float(env.get("ASSESSMENT_DATA_REFRESH_SECONDS", "600")),
                },
                **(
                    {
                        "retrain-classifier": {
                            "task": TaskName.SCHEDULED_RETRAINING,
                            "schedule": _crontab(retrain_crontab),
                        }
                    }
                    if retrain_crontab
                    else {}
                ),
            },
        },
        # Channels (complaints.channels). LINE Messaging API: the channel secret signs
        # webhooks, the access token sends; the base URLs point tests at a local fake.
        "LINE_CHANNEL_SECRET": env.get("LINE_CHANNEL_SECRET") or None,
        "LINE_CHANNEL_ACCESS_TOKEN": env.get("LINE_CHANNEL_ACCESS_TOKEN") or None,
        "LINE_API_BASE_URL": env.get("LINE_API_BASE_URL", "https://api.line.me"),
        "LINE_DATA_API_BASE_URL": env.get("LINE_DATA_API_BASE_URL", "https://api-data.line.me"),
        "LINE_OUTBOX_DIR": env.get("LINE_OUTBOX_DIR", str(instance / "line-outbox")),
        # A conversation left this long starts again; a reply token is used while this fresh.
        "LINE_CONVERSATION_MINUTES": int(env.get("LINE_CONVERSATION_MINUTES", "30")),
        "LINE_REPLY_TOKEN_SECONDS": float(env.get("LINE_REPLY_TOKEN_SECONDS", "50")),
        # Ids of channel events that made no complaint are kept this long (redelivery guard).
        "CHANNEL_EVENT_RETENTION_DAYS": int(env.get("CHANNEL_EVENT_RETENTION_DAYS", "30")),
        # SMS: inbound webhook signed with HMAC-SHA256 of the body; outbound by an HTTP
        # gateway at SMS_PROVIDER_URL or, while that is unset, the development outbox.
        "SMS_WEBHOOK_SECRET": env.get("SMS_WEBHOOK_SECRET") or None,
        "SMS_PROVIDER_URL": env.get("SMS_PROVIDER_URL") or None,
        "SMS_PROVIDER_TOKEN": env.get("SMS_PROVIDER_TOKEN") or None,
        "SMS_SENDER": env.get("SMS_SENDER") or None,
        "SMS_OUTBOX_DIR": env.get("SMS_OUTBOX_DIR", str(instance / "sms-outbox")),
        "SMS_MAX_PARTS": int(env.get("SMS_MAX_PARTS", "3")),
        # Email in: a mailbox polled over IMAP (set IMAP_HOST) and/or an inbound-mail
        # webhook signed like the SMS one with EMAIL_WEBHOOK_SECRET.
        "IMAP_HOST": env.get("IMAP_HOST") or None,
        "IMAP_PORT": int(env.get("IMAP_PORT", "993")),
        "IMAP_USE_SSL": _bool(env.get("IMAP_USE_SSL"), default=True),
        # The mailbox's certificate is verified like the SMTP server's; a private CA
        # (PEM) for it, by default the same as MAIL_CA_FILE.
        "IMAP_CA_FILE": env.get("IMAP_CA_FILE") or env.get("MAIL_CA_FILE") or None,
        "IMAP_USERNAME": env.get("IMAP_USERNAME") or None,
        "IMAP_PASSWORD": env.get("IMAP_PASSWORD") or None,
        "IMAP_FOLDER": env.get("IMAP_FOLDER", "INBOX"),
        "IMAP_BATCH": int(env.get("IMAP_BATCH", "50")),
        "EMAIL_WEBHOOK_SECRET": env.get("EMAIL_WEBHOOK_SECRET") or None,
        "MAX_INBOUND_EMAIL_BYTES": int(env.get("MAX_INBOUND_EMAIL_BYTES", str(25 * 1024 * 1024))),
        # An outbox message not sent after this many seconds is re-enqueued by the relay.
        "OUTBOX_RELAY_AFTER_SECONDS": float(env.get("OUTBOX_RELAY_AFTER_SECONDS", "10")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "10")),
        # A claimed message is left alone this long, and the claim is renewed every third
        # of it while a send runs (services.messaging.outbox._LeaseKeeper): a worker that died while
        # sending (SIGKILL) frees its messages within one lease, and the relay sends them
        # again (issue 17: lease + OUTBOX_RELAY_SECONDS + a send stays under 30 s).
        "OUTBOX_LEASE_SECONDS": float(env.get("OUTBOX_LEASE_SECONDS", "10")),
        # A message the channel refused waits OUTBOX_RETRY_SECONDS, doubling after each
        # try up to OUTBOX_RETRY_MAX_SECONDS; after OUTBOX_MAX_ATTEMPTS tries (about 20
        # minutes with the defaults) it is marked failed.
        "OUTBOX_RETRY_SECONDS": float(env.get("OUTBOX_RETRY_SECONDS", "5")),
        "OUTBOX_RETRY_MAX_SECONDS": float(env.get("OUTBOX_RETRY_MAX_SECONDS", "300")),
        # Readiness (/readyz, complaints.ops.health): a worker heartbeat no older than this, and
        # no acknowledgement pending longer than this (seconds).
        "READY_WORKER_MAX_AGE_SECONDS": float(env.get("READY_WORKER_MAX_AGE_SECONDS", "60")),
        # Where a worker's heartbeat is kept when there is no Redis (services.heartbeat).
        "WORKER_HEARTBEAT_FILE": env.get("WORKER_HEARTBEAT_FILE", str(instance / "worker-heartbeat")),
        "READY_MAX_PENDING_ACK_SECONDS": float(env.get("READY_MAX_PENDING_ACK_SECONDS", "300")),
        # GET /metrics (Prometheus): off (404) unless a bearer token is set.
        "METRICS_TOKEN": env.get("METRICS_TOKEN") or None,
        # A scrape's figures are reused for this many seconds in each web process (0: never).
        "METRICS_CACHE_SECONDS": float(env.get("METRICS_CACHE_SECONDS", "10")),
        # Open311 GeoReport v2 (/open311/v2): the jurisdiction served (empty: the
        # parameter is ignored), "realtime" (POST answers the tracking number) or
        # "batch" (POST answers a token for tokens/{token}), and the discovery texts.
        "OPEN311_JURISDICTION_ID": env.get("OPEN311_JURISDICTION_ID", ""),
        "OPEN311_SERVICE_TYPE": env.get("OPEN311_SERVICE_TYPE", "realtime"),
        "OPEN311_ENDPOINT_TYPE": env.get("OPEN311_ENDPOINT_TYPE", "production"),
        "OPEN311_CONTACT": env.get("OPEN311_CONTACT", ""),
        "OPEN311_KEY_SERVICE": env.get(
            "OPEN311_KEY_SERVICE", "ขอ API key ได้จากผู้ดูแลระบบของหน่วยงาน / Ask the agency's administrator for an API key"
        ),
    }
