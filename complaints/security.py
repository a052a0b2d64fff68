"""Start-up checks: a production process refuses settings only fit for a laptop."""
from __future__ import annotations

from complaints.config import DEFAULT_SECRET_KEY

MIN_SECRET_LENGTH = 32


class UnsafeConfiguration(RuntimeError):
    pass


def production_problems(config) -> list[str]:
    """What makes this configuration unsafe for production (empty when it is fine)."""
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if secret == DEFAULT_SECRET_KEY or len(secret) < MIN_SECRET_LENGTH:
        problems.append(f"SECRET_KEY must be set to a random value of at least {MIN_SECRET_LENGTH} characters")
    if config.get("DEBUG") or config.get("TESTING"):
        problems.append("DEBUG and TESTING must be off")
    if not config.get("CONTACT_ENCRYPTION_KEYS"):
        problems.append("CONTACT_ENCRYPTION_KEYS must hold a Fernet key "
                        "(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')")
    if (config.get("CONTACT_KEY_SECRET") or secret) == DEFAULT_SECRET_KEY:
        problems.append("CONTACT_KEY_SECRET must not be the default")
    if str(config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        problems.append("DATABASE_URL must point to PostgreSQL")
    return problems


def check_production(config) -> None:
    if config.get("RONGRIAN_ENV") != "production":
        return
    problems = production_problems(config)
    if problems:
        raise UnsafeConfiguration("Refusing to start in production: " + "; ".join(problems))
