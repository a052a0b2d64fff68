"""What every sender raises when a channel refuses a message."""

from __future__ import annotations


class DeliveryFailed(RuntimeError):
    """The message could not be handed over; it may be tried again."""
