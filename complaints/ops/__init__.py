"""Operations endpoints: liveness and readiness (/healthz, /readyz) and Prometheus metrics (/metrics).

The blueprint is defined in views; each subject's module adds its routes to it when imported.
"""

from complaints.ops import health, metrics  # noqa: F401  (their routes)
from complaints.ops.views import bp

__all__ = ["bp"]
