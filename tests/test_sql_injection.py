"""SQL injection through every query-string filter and path parameter that reaches a query:
the officer queue (filters, sort), the manager drill-down and exports, the period, track
lookups, Open311 queries. Each answer is a 4xx or an ordinary result, never a 500; no row
outside the user's scope shows up; every table is still there with the same rows.

On SQLite by default and on PostgreSQL (marker `postgres`), whose SQL differs.
"""

from __future__ import annotations

from urllib.parse import urlencode

from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Complaint, User
from complaints.services.analytics import export_jobs
from tests.helpers import case_url, complaint_by_number, login, make_staff, request_export, submit_api

PAYLOADS = [
    "' OR 1=1 --",
    "' OR '1'='1",
    "1; DROP TABLE complaints; --",
    "') OR ('a'='a",
    "x' UNION SELECT tracking_number, NULL FROM complaints --",
    "1 OR 1=1",
    "'; UPDATE users SET role='admin'; --",
    "%' OR 1=1 --",
]
QUEUE_FILTERS = [
    "status",
    "category",
    "due",
    "channel",
    "district",
    "kind",
    "assigned",
    "triage",
    "sort",
    "received_from",
    "received_to",
    "page",
]
DRILL_FILTERS = [
    "period",
    "unit",
    "category",
    "kind",
    "channel",
    "handling_unit",
    "district",
    "month",
    "week",
    "ack",
    "resolution",
    "age",
    "reopened",
    "repeat",
    "cluster",
    "root_cause",
    "page",
]
OPEN311_FILTERS = ["service_request_id", "service_code", "status", "start_date", "end_date"]


EXPORT = "/manager/complaints/export.csv"


def table_rows(app) -> dict:
    with app.app_context():
        return {
            "complaints": db.session.scalar(select(func.count()).select_from(Complaint)),
            "roles": sorted(db.session.execute(select(User.username, User.role)).all()),
        }


def test_injection_attempts_are_refused_or_harmless(any_app):
    app = any_app
    client = app.test_client()
    make_staff(app, "pw-officer", "officer", "public-works")
    make_staff(app, "do-supervisor", "supervisor", "district-office")
    make_staff(app, "manager", "manager", None)
    own = submit_api(client)  # roads: public works
    other_unit = submit_api(client, category="น้ำท่วม", description="น้ำท่วมขังซอยสุขุมวิท 5")  # drainage
    tip_off = submit_api(client, kind="tip_off", description="เจ้าหน้าที่เรียกรับเงินใต้โต๊ะ")
    with app.app_context():
        ids = {n: complaint_by_number(n).id for n in (own, other_unit, tip_off)}
    before = table_rows(app)

    staff = {}
    for username in ("pw-officer", "do-supervisor", "manager"):
        staff[username] = app.test_client()
        assert login(staff[username], username).status_code == 302
    # (client, URL, what must never show): outside the unit, tip-offs; the public sees no
    # complaint through a lookup that matches nothing.
    hidden_from_units = [other_unit, tip_off, case_url(app, ids[other_unit]), case_url(app, ids[tip_off])]
    everything = [own, other_unit, tip_off]
    targets = []
    for payload in PAYLOADS:
        targets += [(staff["pw-officer"], "/officer/", {name: payload}, hidden_from_units) for name in QUEUE_FILTERS]
        targets += [
            (staff["do-supervisor"], path, {name: payload}, hidden_from_units)
            for name in DRILL_FILTERS
            for path in ("/manager/complaints", EXPORT)
        ]
        targets += [
            (staff["do-supervisor"], "/manager/", {name: payload}, hidden_from_units) for name in ("period", "unit")
        ]
        targets += [
            (staff["manager"], f"/assessment/{payload}", {}, []),
            (staff["manager"], f"/assessment/{payload}/report.html", {}, []),
            (client, "/track", {"number": payload}, everything),
            (client, f"/track/{payload}", {}, everything),
            (client, f"/complaints/receipt/{payload}", {}, everything),
            (client, f"/api/v1/complaints/{payload}", {}, everything),
            (client, f"/open311/v2/requests/{payload}.json", {}, everything),
            (client, f"/open311/v2/services/{payload}.json", {}, everything),
            (client, f"/api/v1/places/provinces/{payload}/districts", {}, everything),
        ]
        targets += [(client, "/open311/v2/requests.json", {name: payload}, everything) for name in OPEN311_FILTERS]
        # Ignored without OPEN311_JURISDICTION_ID: the public list, which never has tip-offs.
        targets.append((client, "/open311/v2/requests.json", {"jurisdiction_id": payload}, [tip_off]))
    for who, path, query, never in targets:
        if path == EXPORT:  # asked for with a POST, written by the job, read from the file
            response = request_export(who, urlencode(query))
            if response.status_code == 302:
                job_id = int(response.headers["Location"].rsplit("/", 1)[1])
                with app.app_context():
                    export_jobs.run(job_id)
                response = who.get(f"/manager/exports/{job_id}/download")
        else:
            response = who.get(path, query_string=query)
        body = response.get_data(as_text=True)
        response.close()
        assert response.status_code < 500, (path, query, body[:300])
        if response.status_code < 400:
            assert response.status_code in (200, 302), (path, query)
            shown = [item for item in never if item in body]
            assert shown == [], (path, query, "revealed", shown)
    assert table_rows(app) == before
    # The tables answer as before: nothing dropped, no role raised.
    assert own in staff["pw-officer"].get("/officer/").text
