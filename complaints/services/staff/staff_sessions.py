"""How long a staff sign-in lasts: SESSION_IDLE_MINUTES without a request, and
SESSION_MAX_HOURS in all (issue 16: a session used to last 31 days).

The session cookie is signed, so the two times it carries (sign-in, last request)
cannot be moved by the browser; a copied cookie ages like the original.
"""

from __future__ import annotations

import time

from flask import current_app, session
from flask_login import login_user

from complaints.models import User

SIGNED_IN_AT = "signed_in_at"
SEEN_AT = "seen_at"


def now() -> float:
    """The clock (a function of its own so tests can move it)."""
    return time.time()


def sign_in(user: User) -> None:
    """The one way a staff member is signed in (the login form, the first-run page): a
    fresh session, so nothing from before survives (session fixation), with its clock."""
    session.clear()
    login_user(user)
    start()


def start() -> None:
    """At sign-in, after the session was cleared."""
    moment = now()
    session[SIGNED_IN_AT] = moment
    session[SEEN_AT] = moment


def still_valid() -> bool:
    """Is the signed-in session in the cookie still fresh? Records this request if so."""
    config = current_app.config
    moment = now()
    started, seen = session.get(SIGNED_IN_AT), session.get(SEEN_AT)
    if not isinstance(started, (int, float)) or not isinstance(seen, (int, float)):
        return False  # a session from before these rules, or a forged one
    if moment - seen > config["SESSION_IDLE_MINUTES"] * 60:
        return False
    if moment - started >= config["SESSION_MAX_HOURS"] * 3600:
        return False
    if moment - seen >= 1:  # not a new cookie for every request of the same second
        session[SEEN_AT] = moment
    return True
