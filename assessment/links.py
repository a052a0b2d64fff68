"""Where the facts behind a 3.4 metric are shown: filters in the data, links when rendering.

The evidence names a page of Rongrian and its query parameters (`Filters`), never a
URL: it is computed where there is no request (beat, the CLI) and frozen into the
snapshots of submitted assessments, which must not hold the route paths of the day.
The page's link is built when a report is rendered, from the routes of that moment.

Snapshots submitted before the filters (and figures stored then) hold a `link`, an
app-relative URL. They are read as they are (a snapshot stays the text its SHA-256
was taken of): `href` turns such a link back into filters by the paths those links
had (`LEGACY_PATHS`, fixed here as they were) and builds it anew; a link it does not
recognise is shown as stored.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from urllib.parse import parse_qsl, urlsplit

from flask import current_app, has_request_context, url_for

# The pages a metric may point at, and the endpoint that shows each.
PAGES = {
    "complaints": "officer.queue",  # the staff complaint list, filtered
    # The dashboard's drill-down list: a period and the dimensions a figure counts by
    # (metrics.dimensions), so the list is exactly the complaints a metric counts.
    "figures": "manager.complaints",
    "standards": "public.standards",  # the published service standards
    "tracking": "public.track_search",  # the citizens' tracking page
    "actions": "manager.actions",  # the corrective actions (a count of clusters, not of complaints)
}
# The first query parameters of a complaint list, in this order (as links always had them).
LEADING = ("status", "received_from", "received_to")
# Paths of the links stored before filters (up to revision 0029), and the page each showed.
LEGACY_PATHS = {"/officer/": "complaints", "/standards": "standards", "/track": "tracking"}


@dataclass(frozen=True)
class Filters:
    """A page of Rongrian (a key of PAGES) and its query parameters."""

    page: str
    params: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.page not in PAGES:
            raise ValueError(f"unknown page {self.page!r}")

    def as_dict(self) -> dict:
        return asdict(self)


def legacy_filters(link: str) -> dict | None:
    """The filters of a link stored before filters, or None when it is not one of theirs."""
    parts = urlsplit(link or "")
    if parts.scheme or parts.netloc:
        return None
    page = next((page for path, page in LEGACY_PATHS.items() if parts.path.endswith(path)), None)
    if page is None:
        return None
    return {"page": page, "params": dict(parse_qsl(parts.query, keep_blank_values=True))}


def _ordered(params: dict[str, str]) -> dict[str, str]:
    first = {key: params[key] for key in LEADING if key in params}
    return {**first, **{key: params[key] for key in sorted(params) if key not in first}}


def _build(endpoint: str, params: dict[str, str]) -> str:
    if has_request_context():
        return url_for(endpoint, **params)  # type: ignore[arg-type]  # mypy matches **params against url_for's _external
    # No request (the CLI writing a report): the paths under PUBLIC_BASE_URL, as a request there would have them.
    base = urlsplit(current_app.config["PUBLIC_BASE_URL"])
    adapter = current_app.url_map.bind(
        base.netloc or "localhost", script_name=base.path or "/", url_scheme=base.scheme or "http"
    )
    return adapter.build(endpoint, params)


def href(metric: dict) -> str:
    """The link of a metric's page, built now; "" when it has none."""
    filters = metric.get("filters")
    if filters is None and metric.get("link"):
        filters = legacy_filters(metric["link"])
        if filters is None:
            return metric["link"]  # not a link this code made: shown as stored
    if not filters or filters.get("page") not in PAGES:
        return ""
    return _build(PAGES[filters["page"]], _ordered(dict(filters.get("params") or {})))
