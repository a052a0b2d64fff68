"""One definition per figure (issue 19): every dashboard figure and tile and every 3.4 metric
has one, the public page shows its four parts in Thai and in English, every figure links to
it, and the three totals of one period are told apart where they are shown."""

from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import func, select

from assessment import evidence
from assessment.evidence import needs
from assessment.evidence.common import all_received
from complaints.domain.periods import Period
from complaints.extensions import db
from complaints.models import Complaint, User
from complaints.services.access import visible_complaints
from complaints.services.analytics import api
from complaints.services.analytics.metrics import definitions, figures
from complaints.services.analytics.metrics.definitions import DEFINITIONS, KPI_TILES, METRIC_LISTS, TOTALS
from complaints.services.analytics.metrics.dimensions import DIMENSIONS
from complaints.services.analytics.metrics.scope import scope_for
from tests import analytics_data
from tests.assessment_scenario import seed_fy2569

THAI = re.compile(r"[\u0E00-\u0E7F]")
PARTS = ("label", "population", "numerator", "denominator", "as_of")
FY = Period(2569)


def _metric_keys(period: Period = FY) -> list[str]:
    """The keys criterion34.METRICS produce: the real list, not a copy of it."""
    items = evidence.criterion_34(period)["items"].values()
    return [m["key"] for item in items for m in item["metrics"]]


def _main(page: str) -> str:
    """The text of the page's <main>, tags stripped."""
    found = re.search(r"<main[^>]*>(.*)</main>", page, re.S)
    assert found
    return html.unescape(re.sub(r"<[^>]+>", " ", found.group(1)))


# --- every figure and metric has a definition -------------------------------------------------


def test_every_dashboard_figure_and_tile_has_a_definition(app, manager):
    assert definitions.undefined(figures=figures.FIGURES, kpis=KPI_TILES) == []
    # The tiles the dashboard shows are the tiles the registry knows.
    page = manager.get("/manager/?period=2569").text
    assert set(re.findall(r'<a class="kpi" id="kpi-([\w-]+)"', page)) == set(KPI_TILES)
    # No definition names a figure or tile that does not exist.
    assert {k for d in DEFINITIONS for k in d.figures} <= set(figures.FIGURES)
    assert {k for d in DEFINITIONS for k in d.kpis} <= set(KPI_TILES)


def test_every_criterion_34_metric_has_a_definition(app):
    with app.app_context():
        seed_fy2569()
        keys = _metric_keys()
    assert keys and definitions.undefined(metrics=keys) == []
    with app.app_context():  # and those of criteria 3.1-3.3 (tests/test_assessment_needs.py)
        needs_keys = {m["key"] for item in needs.computed(FY).values() for m in item["metrics"]}
    assert {k for d in DEFINITIONS for k in d.metrics} <= set(keys) | needs_keys
    assert set(METRIC_LISTS) <= set(keys)
    # Each list is made of drill-down dimensions the manager's list reads.
    assert {name for lst in METRIC_LISTS.values() for name in lst.drill} <= set(DIMENSIONS)


def test_a_figure_or_metric_without_a_definition_is_reported(monkeypatch):
    monkeypatch.setitem(figures.FIGURES, "by_weather", figures.by_kind)
    assert definitions.undefined(figures=figures.FIGURES) == ["figure:by_weather"]
    assert definitions.undefined(kpis=["weather"], metrics=["reopened", "weather_share"]) == [
        "kpi:weather",
        "metric:weather_share",
    ]


def test_each_definition_has_its_four_parts_in_thai_and_english():
    assert len({d.key for d in DEFINITIONS}) == len(DEFINITIONS)
    for d in DEFINITIONS:
        for part in PARTS:
            th, en = d.text(part, "th"), d.text(part, "en")
            assert th and en, (d.key, part)
            assert THAI.search(th) or part == "denominator", (d.key, part)  # "—" for a count
            assert not THAI.search(en), (d.key, part, en)
        assert bool(d.differs_th) == bool(d.differs_en) and not THAI.search(d.differs_en), d.key
        # A definition shared by the dashboard and criterion 3.4 says why their numbers differ.
        if (d.figures or d.kpis) and d.metrics:
            assert d.differs_th, d.key
    assert {t for d in DEFINITIONS for t in d.totals} == set(TOTALS)


def test_the_assessment_reaches_the_registry_through_its_api():
    assert api.definitions is definitions and "definitions" in api.__all__


# --- the three totals -------------------------------------------------------------------------


def test_the_three_totals_differ_and_match_what_each_page_counts(app):
    with app.app_context():
        analytics_data.build()  # FY2569 holds a suggestion (c4) and a merged duplicate (c8)
        manager = db.session.scalar(select(User).where(User.role == "manager"))
        assert manager is not None
        totals = definitions.period_totals(FY, visible_complaints(manager))
        scope = scope_for(manager, FY)
        assert totals["dashboard"] == figures.total_received(scope)
        assert totals["criterion_31"] == db.session.scalar(select(func.count(Complaint.id)).where(*all_received(FY)))
        assert totals["criterion_34"] == db.session.scalar(
            select(func.count(Complaint.id)).where(*evidence.population(FY))
        )
        assert totals["dashboard"] > totals["criterion_31"] > totals["criterion_34"] > 0


# --- the pages --------------------------------------------------------------------------------


def test_the_definitions_page_in_thai_and_in_english(client):
    assert 'href="/definitions"' in client.get("/standards").text  # reachable from the public pages
    thai = client.get("/definitions")
    assert thai.status_code == 200
    for d in DEFINITIONS:
        section = re.search(rf'<section class="card definition" id="{d.key}">(.*?)</section>', thai.text, re.S)
        assert section, d.key
        for part in PARTS:
            assert d.text(part, "th") in html.unescape(section.group(1)), (d.key, part)
    english = client.get("/definitions?lang=en")
    main = _main(english.text)
    for d in DEFINITIONS:
        for part in PARTS:
            assert d.text(part, "en") in main, (d.key, part)
    assert not THAI.findall(main), THAI.findall(main)[:10]


def test_the_dashboard_links_each_figure_to_its_definition_and_tells_the_totals_apart(app, manager):
    with app.app_context():
        analytics_data.build()
    page = manager.get("/manager/?period=2569").text
    anchors = {d.key for d in DEFINITIONS}
    sections = re.findall(r'<section class="card[^"]*" id="fig-(\w+)"><h2>.*?</h2>', page, re.S)
    assert set(sections) == set(figures.FIGURES)
    for key in figures.FIGURES:
        heading = re.search(rf'id="fig-{key}"><h2>(.*?)</h2>', page, re.S)
        assert heading, key
        link = re.search(r'<a class="defn" href="/definitions#([\w-]+)">', heading.group(1))
        assert link and link.group(1) in anchors, key
    tiles = dict(re.findall(r'<a class="defn" data-kpi="([\w-]+)" href="/definitions#([\w-]+)"', page))
    assert set(tiles) == set(KPI_TILES) and set(tiles.values()) <= anchors
    note = re.search(r'<p class="totals-note" id="totals-note-dashboard".*?</p>', page, re.S)
    assert note
    shown = dict(re.findall(r'data-total="(\w+)" data-count="(\d+)"', note.group(0)))
    with app.app_context():
        user = db.session.scalar(select(User).where(User.role == "manager"))
        totals = definitions.period_totals(FY, visible_complaints(user))
    assert {k: int(v) for k, v in shown.items()} == totals
    kpi_total = re.search(r'id="kpi-total" href="[^"]+"><b>(\d+)</b>', page)
    assert kpi_total and int(kpi_total.group(1)) == totals["dashboard"]


@pytest.fixture
def opened(app, manager):
    from tests.helpers import csrf_from

    with app.app_context():
        seed_fy2569()
    token = csrf_from(manager.get("/assessment/").text)
    assert manager.post("/assessment/open", data={"period": "2569", "csrf_token": token}).status_code == 302
    return manager


def test_the_assessment_links_each_metric_to_its_definition_and_tells_the_totals_apart(app, opened):
    page = opened.get("/assessment/2569").text
    rows = re.findall(r'<tr data-metric="(\w+)" data-met="\w+"><td>(.*?)</td>', page, re.S)
    assert rows
    for key, cell in rows:
        link = re.search(r'<a class="defn" href="/definitions#([\w-]+)">', cell)
        assert link and link.group(1) == definitions.for_metric(key).key, key  # type: ignore[union-attr]
    # The assessment page reads stored figures (fast at 1M): its notes say what each total
    # counts and link to the definitions, without counting anew.
    for here in ("criterion_31", "criterion_34"):
        note = re.search(rf'<p class="totals-note" id="totals-note-{here}".*?</p>', page, re.S)
        assert note, here
        links = re.findall(r'href="/definitions#(\w+)"', note.group(0))
        assert links == ["received", "criterion_31_total", "criterion_34_population"]


def test_a_supervisor_sees_what_each_total_counts_without_the_others_numbers(app, staff_client):
    with app.app_context():
        analytics_data.build()
    supervisor = staff_client("supervisor", "public-works", "pw-supervisor")
    page = supervisor.get("/manager/?period=2569").text
    note = re.search(r'<p class="totals-note" id="totals-note-dashboard".*?</p>', page, re.S)
    assert note
    counted = dict(re.findall(r'data-total="(\w+)" data-count="(\d+)"', note.group(0)))
    total = re.search(r'id="kpi-total" href="[^"]+"><b>(\d+)</b>', page)
    assert total and counted == {"dashboard": total.group(1)}  # the unit's total, not the agency's
