"""Webhooks of the citizen channels: LINE, SMS gateway, inbound mail."""

from complaints.channels.views import bp

__all__ = ["bp"]
