"""Sign-in for staff, and the role check every signed-in page uses."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort
from flask_login import current_user, login_required

bp = Blueprint("auth", __name__)


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


from complaints.auth import first_run, views  # noqa: E402,F401  (routes attach to bp)
