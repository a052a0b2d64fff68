"""Sign-in for staff, and the role check every signed-in page uses."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, abort, session
from flask_login import current_user, login_required, logout_user

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


@bp.before_app_request
def _end_stale_sessions() -> None:
    """A staff session past its idle or total time is signed out before the view runs,
    which then answers as to anyone not signed in (the sign-in page)."""
    from complaints.services.staff import staff_sessions

    if "_user_id" in session and not staff_sessions.still_valid():
        logout_user()
        session.clear()


@bp.app_context_processor
def _integrity_notices() -> dict:
    """Recent integrity grants, for the notice on an integrity officer's pages (called lazily)."""
    def notices():
        from complaints.services.staff import integrity_grants

        return integrity_grants.recent_grants()

    return {"integrity_notices": notices}


from complaints.auth import first_run, views  # noqa: E402,F401  (routes attach to bp)
