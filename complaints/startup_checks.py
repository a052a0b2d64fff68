"""Start-up checks: a process refuses settings only fit for a laptop.

Which runs are checked (docs/operations.md "Configuration and start-up checks",
docs/configuration.md):

- `RONGRIAN_ENV` must be `development` (the default) or `production`; anything else
  (`Production`, `prod`, `staging`) is refused everywhere, since a typo would otherwise
  silently mean development.
- A *local development run* is `RONGRIAN_ENV=development` with a SQLite database (what
  `make run` and the test suite use): nothing more is checked.
- `RONGRIAN_ENV=development` with a server database (PostgreSQL) starts, but every
  production problem is logged as a warning: that is a shared set-up someone may take
  for a real one.
- `RONGRIAN_ENV=production` refuses to start on any problem, each named by its setting
  in Thai and English.
"""

from __future__ import annotations

import ipaddress
import itertools
import logging
import math
import re
from collections import Counter
from urllib.parse import urlsplit

from complaints.config import DEFAULT_SECRET_KEY
from complaints.config_thresholds import threshold_problems

ENVIRONMENTS = ("development", "production")
# Secrets need at least this many bits by estimate_entropy_bits (a random 32-byte token
# has about 190 by that estimate; 32 x "a" has 0).
MIN_SECRET_BITS = 128
# The placeholders of .env.example: a copy nobody edited must not start.
PLACEHOLDER = "change-me"
# What production refuses to start without (docs/configuration.md marks these).
PRODUCTION_REQUIRED = (
    "RONGRIAN_ENV",
    "SECRET_KEY",
    "CONTACT_KEY_SECRET",
    "CONTACT_ENCRYPTION_KEYS",
    "DATABASE_URL",
    "REDIS_URL",
    "MAIL_SERVER",
    "PUBLIC_BASE_URL",
    "SESSION_COOKIE_SECURE",
)
GENERATE_SECRET = "python -c 'import secrets; print(secrets.token_urlsafe(32))'"
GENERATE_FERNET = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"

_LOCAL_BROKERS = ("sqla+sqlite", "memory", "filesystem")
# Neighbouring keys count as predictable steps (keyboard runs like "qwerty", "12345").
_KEYBOARD_ROWS = ("`1234567890-=", "qwertyuiop[]\\", "asdfghjkl;'", "zxcvbnm,./")

log = logging.getLogger("rongrian.security")


class UnsafeConfiguration(RuntimeError):
    pass


def _predictable_step(previous: str, current: str) -> bool:
    a, b = previous.lower(), current.lower()
    if a == b or abs(ord(a) - ord(b)) == 1:
        return True
    for row in _KEYBOARD_ROWS:
        i, j = row.find(a), row.find(b)
        if i >= 0 and j >= 0 and abs(i - j) == 1:
            return True
    return False


def estimate_entropy_bits(secret: str) -> float:
    """A rough, conservative estimate of a secret's entropy in bits.

    The smaller of (a) the secret's Shannon entropy over its own characters times its
    length and (b) the character-class pool's bits per character, counting only one bit
    for a character that repeats or continues a run (abc, 123, qwerty) from the one
    before. Good enough to refuse typed-in secrets; random tokens pass easily."""
    if not secret:
        return 0.0
    counts = Counter(secret)
    n = len(secret)
    shannon = -sum(c / n * math.log2(c / n) for c in counts.values()) * n
    pool = sum(
        size
        for test, size in ((str.islower, 26), (str.isupper, 26), (str.isdigit, 10))
        if any(test(ch) and ch.isascii() for ch in secret)
    )
    pool += 33 if any(not ch.isalnum() or not ch.isascii() for ch in secret) else 0
    per_char = math.log2(max(pool, 2))
    pooled = per_char + sum(1.0 if _predictable_step(a, b) else per_char for a, b in itertools.pairwise(secret))
    return min(shannon, pooled)


def _bilingual(th: str, en: str) -> str:
    return f"{th} / {en}"


def _secret_problem(name: str, value: str | None) -> str | None:
    if not value:
        return _bilingual(f"ต้องตั้งค่า {name} เป็นค่าสุ่ม", f"{name} must be set to a random value ({GENERATE_SECRET})")
    if value == DEFAULT_SECRET_KEY or PLACEHOLDER in value.lower():
        return _bilingual(
            f"{name} ยังเป็นค่าตัวอย่าง ต้องเปลี่ยนเป็นค่าสุ่ม",
            f"{name} is still the default or placeholder; set a random value ({GENERATE_SECRET})",
        )
    bits = estimate_entropy_bits(value)
    if bits < MIN_SECRET_BITS:
        return _bilingual(
            f"{name} คาดเดาง่ายเกินไป (ประมาณ {bits:.0f} บิต ต้องอย่างน้อย {MIN_SECRET_BITS})",
            f"{name} is too weak (about {bits:.0f} bits of entropy, at least {MIN_SECRET_BITS} needed; "
            f"{GENERATE_SECRET})",
        )
    return None


# A host name (lower case, as urlsplit gives it) or an IPv6 address (without brackets).
_HOST = re.compile(r"[a-z0-9.\-]+|[0-9a-f:.]+")


def _fernet_key(key: str) -> bool:
    from cryptography.fernet import Fernet

    try:
        Fernet(key.strip())
    except (ValueError, TypeError):
        return False
    return True


def _local_host(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in {"localhost", ""} or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def _placeholder_host(host: str) -> bool:
    """A host of .env.example (`complaints.example.go.th`) or any reserved example domain."""
    labels = host.strip("[]").lower().rstrip(".").split(".")
    return "example" in labels or labels[-1] in {"example", "invalid", "test"}


def _public_url_problem(url: str | None) -> str | None:
    try:
        parts = urlsplit(url or "")
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError:
        parts, host = urlsplit(""), ""
    # Only plain ASCII host names (IDN as punycode): a zero-width or control character
    # would make "localhost\u200b" look public, and a link nobody can open.
    if (
        parts.scheme != "https"
        or not _HOST.fullmatch(host)
        or _local_host(host)
        or "@" in parts.netloc
        or parts.query
        or parts.fragment
        or _placeholder_host(host)
    ):
        return _bilingual(
            "PUBLIC_BASE_URL ต้องเป็นที่อยู่ https ที่ประชาชนเข้าถึงได้ ไม่ใช่ localhost",
            f"PUBLIC_BASE_URL must be the public https:// address citizens reach, "
            f"not {url or 'unset'!r} (links in acknowledgements point there; example hosts are placeholders)",
        )
    return None


def _mail_server_problem(server: str | None) -> str | None:
    if not server:
        return _bilingual("ต้องตั้งค่า MAIL_SERVER มิฉะนั้นอีเมลจะไม่ถูกส่ง", "MAIL_SERVER must be set, or no e-mail is ever sent")
    if _placeholder_host(str(server)):
        return _bilingual(
            f"MAIL_SERVER={server!r} เป็นค่าตัวอย่าง ต้องเป็นเซิร์ฟเวอร์อีเมลของหน่วยงาน",
            f"MAIL_SERVER={server!r} is a placeholder; name the agency's mail server",
        )
    return None


def production_problems(config) -> list[str]:
    """What makes this configuration unsafe for production (empty when it is fine);
    each problem is one bilingual sentence naming its setting."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    for name, value in (("SECRET_KEY", secret), ("CONTACT_KEY_SECRET", config.get("CONTACT_KEY_SECRET"))):
        problem = _secret_problem(name, value)
        if problem:
            problems.append(problem)
    if secret and config.get("CONTACT_KEY_SECRET") == secret:
        # The contact hashes must survive a rotation of SECRET_KEY (flask rehash-contacts).
        problems.append(
            _bilingual("CONTACT_KEY_SECRET ต้องต่างจาก SECRET_KEY", "CONTACT_KEY_SECRET must differ from SECRET_KEY")
        )
    if config.get("DEBUG") or config.get("TESTING"):
        problems.append(_bilingual("ต้องปิด DEBUG และ TESTING", "DEBUG and TESTING must be off"))
    keys = config.get("CONTACT_ENCRYPTION_KEYS") or []
    if not keys or not all(_fernet_key(k) for k in keys):
        problems.append(
            _bilingual(
                "ต้องตั้งค่า CONTACT_ENCRYPTION_KEYS เป็นกุญแจ Fernet (คั่นด้วยจุลภาค)",
                f"CONTACT_ENCRYPTION_KEYS must hold Fernet keys, comma-separated ({GENERATE_FERNET})",
            )
        )
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append(_bilingual("DATABASE_URL ต้องชี้ไปที่ PostgreSQL", "DATABASE_URL must point to PostgreSQL"))
    broker = str((config.get("CELERY") or {}).get("broker_url") or "")
    # What config falls back to without a broker server: a file or memory of this machine,
    # which other hosts' workers never see and a lost container takes with it.
    if not broker or broker.startswith(_LOCAL_BROKERS):
        problems.append(
            _bilingual(
                "ต้องตั้งค่า REDIS_URL (หรือ CELERY_BROKER_URL) ให้คิวงานใช้เซิร์ฟเวอร์",
                f"REDIS_URL (or CELERY_BROKER_URL) must name a broker server, not {broker or 'unset'!r}",
            )
        )
    if str(config.get("RATELIMIT_STORAGE_URI") or "memory://").startswith("memory"):
        problems.append(
            _bilingual(
                "ต้องตั้งค่า REDIS_URL (หรือ RATELIMIT_STORAGE_URI) ให้การจำกัดอัตราใช้ร่วมกันทุกโปรเซส",
                "REDIS_URL (or RATELIMIT_STORAGE_URI) must be set: rate limits in memory are per process",
            )
        )
    problems += [
        p
        for p in (_mail_server_problem(config.get("MAIL_SERVER")), _public_url_problem(config.get("PUBLIC_BASE_URL")))
        if p
    ]
    if not config.get("SESSION_COOKIE_SECURE"):
        problems.append(
            _bilingual(
                "ต้องตั้งค่า SESSION_COOKIE_SECURE=1 (คุกกี้ส่งเฉพาะผ่าน HTTPS)",
                "SESSION_COOKIE_SECURE must be on (1): the session cookie only over HTTPS",
            )
        )
    return problems


def environment_problem(config) -> str | None:
    env = config.get("RONGRIAN_ENV")
    if env not in ENVIRONMENTS:
        return _bilingual(
            f"RONGRIAN_ENV={env!r} ไม่รู้จัก ใช้ได้เฉพาะ {' หรือ '.join(ENVIRONMENTS)}",
            f"RONGRIAN_ENV={env!r} is unknown; allowed values: {', '.join(ENVIRONMENTS)}",
        )
    return None


def local_development(config) -> bool:
    """`make run` and the tests: development on a SQLite file (or in memory)."""
    return config.get("RONGRIAN_ENV") == "development" and str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith(
        "sqlite"
    )


def check_production(config) -> None:
    """Refuse an unknown environment or an unsafe production; warn about a development
    run on a server database (module docstring)."""
    problem = environment_problem(config)
    if problem:
        raise UnsafeConfiguration("ไม่เริ่มทำงาน / Refusing to start: " + problem)
    # The assessment's thresholds decide what an agency signs: refused in every environment.
    problems = threshold_problems(config.get("ASSESSMENT_THRESHOLDS") or {})
    if problems:
        raise UnsafeConfiguration("ไม่เริ่มทำงาน / Refusing to start:\n- " + "\n- ".join(problems))
    if local_development(config):
        return
    problems = production_problems(config)
    if config.get("RONGRIAN_ENV") == "production":
        if problems:
            raise UnsafeConfiguration(
                "ไม่เริ่มทำงานในโหมดใช้งานจริง / Refusing to start in production:\n- " + "\n- ".join(problems)
            )
        return
    for problem in problems:
        log.warning("development mode on a server database; not fit for production: %s", problem)
