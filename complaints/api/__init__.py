"""JSON API v1: intake, public view, OpenAPI description, reference lists."""

from complaints.api.views import bp

__all__ = ["bp"]
