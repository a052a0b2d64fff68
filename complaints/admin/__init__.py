"""Admin pages: users, units, categories, service standards, canned responses, holidays.

The blueprint is defined in views; each subject's module adds its pages to it when imported.
"""

from complaints.admin import catalogue, deadlines, operations, privacy, users  # noqa: F401  (their routes)
from complaints.admin.views import bp

__all__ = ["bp"]
