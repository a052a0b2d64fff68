"""The checks views put in front of themselves: signed in with a role, and rate limits.

One place for them, so that no blueprint imports another (checked by `make lint`).
"""

from __future__ import annotations

from functools import wraps

from flask import abort, current_app
from flask_login import current_user, login_required

from complaints.extensions import limiter


def roles_required(*roles: str):
    """Signed in, and one of these roles; otherwise the login page or a 403."""

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(*args, **kwargs):
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped

    return decorator


def tracking_limit() -> str:
    return current_app.config["TRACK_RATE_LIMIT"]


def intake_limit() -> str:
    return current_app.config["INTAKE_RATE_LIMIT"]


# Web and API lookups share one budget per client, against enumeration.
tracking_rate = limiter.shared_limit(tracking_limit, scope="tracking")
