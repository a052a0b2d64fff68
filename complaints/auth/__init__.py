"""Sign-in for staff, the first-run setup page, and the session checks every request passes.

(The role check the signed-in pages use is complaints.web.security.roles_required.)
"""

from complaints.auth import first_run  # noqa: F401  (its routes attach to bp)
from complaints.auth.views import bp

__all__ = ["bp"]
