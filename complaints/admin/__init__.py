"""Admin pages: users, units, categories, service standards, canned responses, holidays."""

from complaints.admin.views import bp

__all__ = ["bp"]
