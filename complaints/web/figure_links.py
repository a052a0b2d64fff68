"""Template helpers that tie a figure on any page (dashboard, assessment, exports) to its one
definition on /definitions (analytics.metrics.definitions), registered for every template."""

from __future__ import annotations

from flask import Flask, url_for

from complaints.services.analytics.metrics import definitions as figure_definitions
from complaints.services.analytics.metrics.figures import Figure
from complaints.services.analytics.metrics.scope import Scope

_DEFINITION_OF = {
    "definition": figure_definitions.by_key,
    "figure": figure_definitions.for_figure,
    "kpi": figure_definitions.for_kpi,
    "metric": figure_definitions.for_metric,
}


def figure_definition(key: str, of: str = "definition") -> figure_definitions.Definition | None:
    """The definition of a definition key, or (`of`) of a dashboard "figure", a dashboard
    "kpi" tile or a 3.4 "metric"; None when there is none."""
    return _DEFINITION_OF[of](key)


def definition_url(key: str, of: str = "definition") -> str:
    """The link to that definition on /definitions ("" when there is none)."""
    found = figure_definition(key, of)
    return url_for("public.definitions", _anchor=found.key) if found else ""


def dashboard_totals(scope: Scope, by_kind: Figure) -> dict[str, int] | None:
    """The period's three totals (definitions.TOTALS) beside the dashboard's, from its "by kind"
    figure when that counts every unit and no tip-off; None otherwise (one unit, a supervisor,
    the integrity role): the note then says what each total counts without the numbers."""
    counts = {row.key: row.count for row in by_kind.rows}
    if scope.unit_ids is not None or "tip_off" in counts:
        return None
    return figure_definitions.totals_from_kinds(scope.period, counts)


def register(app: Flask) -> None:
    app.jinja_env.globals.update(
        figure_definition=figure_definition, definition_url=definition_url, dashboard_totals=dashboard_totals
    )
