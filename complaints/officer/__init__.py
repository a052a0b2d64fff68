"""Officer pages: the queue, a case, its actions, and entry on a citizen's behalf."""

from complaints.officer.views import bp

__all__ = ["bp"]
