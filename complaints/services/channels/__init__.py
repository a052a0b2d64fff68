"""Inbound channel adapters (LINE, e-mail, SMS, Open311, webhooks): each turns a message into one intake."""
