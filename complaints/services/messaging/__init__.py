"""Outbound messages: the outbox (exactly once), dispatch to the broker, and the senders (mail, SMS, LINE)."""
