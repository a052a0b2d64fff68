"""Absolute addresses of Rongrian's pages under PUBLIC_BASE_URL, for what leaves the app.

Links sent to citizens and officers (acknowledgements, chat replies, receipts from the API)
are built where there may be no request (a Celery task, a webhook answered for another
host), so they come from the app's URL map bound to PUBLIC_BASE_URL: a route that moves
moves its links with it, and a base with a path (behind a proxy at /rongrian) keeps it.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app


def page_url(endpoint: str, **params: str) -> str:
    """The absolute URL of `endpoint` with `params` (path arguments, the rest as the query)."""
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc or "localhost", script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, params, force_external=True)


def tracking_page(tracking_number: str) -> str:
    """The public tracking page of a complaint (a tip-off has none: see citizen_links)."""
    return page_url("public.track", tracking_number=tracking_number)
