"""Configuration read from the environment.

Every setting has a safe default for the embedded set-up (`make run`): SQLite, a
broker that needs no server (kombu's SQLAlchemy transport over SQLite) and mail
written to a local folder. `DATABASE_URL`, `REDIS_URL` and `MAIL_SERVER` switch to
PostgreSQL, Redis and real SMTP delivery.
"""
from __future__ import annotations

import json
import os
from pathlib import Path


# The shared Traffy Fondue training file, beside the checkout (as in README/BENCHMARKS).
DEFAULT_BASE_DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "traffy" / "train.csv.gz"


def _bool(value: str | None, default: bool = False) -> bool:
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _database_url(raw: str | None, instance: Path) -> str:
    if not raw:
        return f"sqlite:///{instance / 'rongrian.sqlite'}"
    # Heroku-style and plain postgres URLs use psycopg 3.
    for old in ("postgres://", "postgresql://"):
        if raw.startswith(old):
            return "postgresql+psycopg://" + raw[len(old):]
    return raw


def load_config(instance_path: str) -> dict:
    """Build the Flask config mapping from the process environment."""
    env = os.environ
    instance = Path(env.get("RONGRIAN_INSTANCE", instance_path))
    redis_url = env.get("REDIS_URL") or None
    broker_url = env.get("CELERY_BROKER_URL") or redis_url or (
        f"sqla+sqlite:///{instance / 'broker.sqlite'}"
    )
    mail_server = env.get("MAIL_SERVER") or None
    return {
        "SECRET_KEY": env.get("SECRET_KEY", "dev-only-not-secret"),
        "SQLALCHEMY_DATABASE_URI": _database_url(env.get("DATABASE_URL"), instance),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True},
        "REDIS_URL": redis_url,
        "UPLOAD_DIR": env.get("UPLOAD_DIR", str(instance / "uploads")),
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
        # Key of the contact hashes (defaults to SECRET_KEY).
        "CONTACT_KEY_SECRET": env.get("CONTACT_KEY_SECRET") or None,
        # Thai-text classification at intake (complaints.nlp).
        "NLP_ENABLED": _bool(env.get("NLP_ENABLED"), default=True),
        "NLP_AUTO_APPLY_THRESHOLD": float(env.get("NLP_AUTO_APPLY_THRESHOLD", "0.6")),
        # Retraining (complaints.services.retraining): the base data the officers'
        # corrections are added to, where run artefacts go, how much worse than the
        # model in use (in_gold, lenient_macro_f1) a candidate may be and still be
        # promoted, how often a process looks for a newly promoted model, and after
        # how long a queued/running run counts as abandoned (a worker that died).
        "NLP_BASE_DATA": env.get("NLP_BASE_DATA") or env.get("RONGRIAN_TRAFFY_DATA") or str(DEFAULT_BASE_DATA),
        "NLP_MODEL_DIR": env.get("NLP_MODEL_DIR", str(instance / "models")),
        "NLP_PROMOTION_TOLERANCE": float(env.get("NLP_PROMOTION_TOLERANCE", "0.002")),
        "NLP_ACTIVE_MODEL_CHECK_SECONDS": float(env.get("NLP_ACTIVE_MODEL_CHECK_SECONDS", "30")),
        "NLP_RETRAIN_STALE_SECONDS": float(env.get("NLP_RETRAIN_STALE_SECONDS", str(4 * 3600))),
        # Thai fonts for PDF reports: a folder holding Laksaman.ttf and Laksaman-Bold.ttf
        # (Debian's fonts-thai-tlwg; Laksaman is the free TH Sarabun).
        "THAI_FONT_DIR": env.get("THAI_FONT_DIR", "/usr/share/fonts/truetype/tlwg"),
        # How long a process keeps categories, standards and calendar overrides.
        "REFERENCE_CACHE_SECONDS": float(env.get("REFERENCE_CACHE_SECONDS", "30")),
        # The unit that triages complaints arriving without a category.
        "INTAKE_UNIT_CODE": env.get("INTAKE_UNIT_CODE", "complaints-centre"),
        # A complainant may reopen within this many days of the resolution;
        # a resolved case the complainant leaves unanswered closes after AUTO_CLOSE_DAYS.
        "REOPEN_WINDOW_DAYS": int(env.get("REOPEN_WINDOW_DAYS", "14")),
        "AUTO_CLOSE_DAYS": int(env.get("AUTO_CLOSE_DAYS", "7")),
        # "Due soon" starts this many working days before the deadline.
        "DUE_SOON_WORKING_DAYS": int(env.get("DUE_SOON_WORKING_DAYS", "2")),
        # PMQA self-assessment (assessment/): evidence upload limit, and the criterion-3.4
        # thresholds as JSON, e.g. {"min_channels": 5, "max_overdue": 0.03} (see assessment/evidence.py).
        "ASSESSMENT_EVIDENCE_MAX_BYTES": int(env.get("ASSESSMENT_EVIDENCE_MAX_BYTES", str(10 * 1024 * 1024))),
        "ASSESSMENT_THRESHOLDS": json.loads(env.get("ASSESSMENT_THRESHOLDS") or "{}"),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": _bool(env.get("SESSION_COOKIE_SECURE")),
        "REMEMBER_COOKIE_HTTPONLY": True,
        "LOGIN_MAX_FAILURES": int(env.get("LOGIN_MAX_FAILURES", "5")),
        "LOGIN_LOCKOUT_MINUTES": int(env.get("LOGIN_LOCKOUT_MINUTES", "15")),
        "PUBLIC_BASE_URL": env.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
        "AGENCY_NAME_TH": env.get("AGENCY_NAME_TH", "หน่วยงานตัวอย่าง"),
        "AGENCY_NAME_EN": env.get("AGENCY_NAME_EN", "Example Agency"),
        "PRIVACY_NOTICE_VERSION": env.get("PRIVACY_NOTICE_VERSION", "2569-1"),
        "TRACK_RATE_LIMIT": env.get("TRACK_RATE_LIMIT", "30 per minute"),
        "INTAKE_RATE_LIMIT": env.get("INTAKE_RATE_LIMIT", "60 per minute"),
        "RATELIMIT_STORAGE_URI": env.get("RATELIMIT_STORAGE_URI", redis_url or "memory://"),
        "RATELIMIT_HEADERS_ENABLED": True,
        # A rate-limit store that is down must not turn intake into errors.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        "MAIL_BACKEND": env.get("MAIL_BACKEND", "smtp" if mail_server else "file"),
        "MAIL_SERVER": mail_server,
        "MAIL_PORT": int(env.get("MAIL_PORT", "25")),
        "MAIL_USE_TLS": _bool(env.get("MAIL_USE_TLS")),
        "MAIL_USERNAME": env.get("MAIL_USERNAME") or None,
        "MAIL_PASSWORD": env.get("MAIL_PASSWORD") or None,
        "MAIL_SENDER": env.get("MAIL_SENDER", "Rongrian <no-reply@rongrian.invalid>"),
        "MAIL_OUTBOX_DIR": env.get("MAIL_OUTBOX_DIR", str(instance / "mail-outbox")),
        "CELERY": {
            "broker_url": broker_url,
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
                "rongrian.acknowledge": {"queue": "notify"},
                "rongrian.relay_outbox": {"queue": "notify"},
            },
            "beat_schedule": {
                "relay-outbox": {
                    "task": "rongrian.relay_outbox",
                    "schedule": float(env.get("OUTBOX_RELAY_SECONDS", "15")),
                },
                "check-repeats": {
                    "task": "rongrian.check_repeats",
                    "schedule": float(env.get("REPEAT_CHECK_SECONDS", "30")),
                },
                "sla-sweep": {
                    "task": "rongrian.sla_sweep",
                    "schedule": float(env.get("SLA_SWEEP_SECONDS", "300")),
                },
            },
        },
        # An outbox message not sent after this many seconds is re-enqueued by the relay.
        "OUTBOX_RELAY_AFTER_SECONDS": float(env.get("OUTBOX_RELAY_AFTER_SECONDS", "10")),
        "OUTBOX_MAX_ATTEMPTS": int(env.get("OUTBOX_MAX_ATTEMPTS", "10")),
    }
