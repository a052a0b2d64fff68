"""TLS for the connections the app opens itself (SMTP, IMAP).

smtplib's starttls() and SMTP_SSL, and imaplib's IMAP4_SSL, given no context, use one
that checks neither the certificate nor the host name: anyone on the path could
present any certificate and read the mail password and the citizens' mail.
"""

from __future__ import annotations

import ssl


def verifying_context(ca_file: str | None = None) -> ssl.SSLContext:
    """A client context that verifies the server's certificate chain and host name:
    against the system trust store, or only against `ca_file` (PEM) when given."""
    return ssl.create_default_context(cafile=ca_file or None)
