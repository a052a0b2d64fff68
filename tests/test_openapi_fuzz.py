"""The JSON API fuzzed from its own OpenAPI description (schemathesis): for every
operation the description declares, generated requests (valid and almost valid) never
get a 5xx, and a refused request stores nothing."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error

from complaints.extensions import db
from complaints.models import Complaint

SETTINGS = settings(max_examples=30, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def stored(app) -> int:
    with app.app_context():
        return db.session.query(Complaint).count()


def test_no_operation_of_the_api_ever_answers_5xx(app):
    app.config["INTAKE_RATE_LIMIT"] = app.config["TRACK_RATE_LIMIT"] = "100000 per minute"
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {(op.method.upper(), op.path) for op in operations} >= {
        ("POST", "/api/v1/complaints"),
        ("GET", "/api/v1/complaints/{tracking_number}"),
    }
    seen = {}
    for operation in operations:
        fuzz(app, operation, seen)
    # The fuzzing reached both outcomes of intake, not only refusals.
    assert 201 in seen["/api/v1/complaints"] and any(400 <= s < 500 for s in seen["/api/v1/complaints"])


def fuzz(app, operation, seen: dict) -> None:
    @SETTINGS
    @given(data=st.data())
    def run(data):
        case = data.draw(operation.as_strategy())
        before = stored(app)
        response = case.call()
        case.validate_response(response, checks=(not_a_server_error,))
        headers = {k.lower(): v if isinstance(v, str) else ",".join(v) for k, v in response.headers.items()}
        replayed = headers.get("idempotent-replayed") == "true"  # a replay stores nothing new
        created = operation.method.upper() == "POST" and response.status_code == 201 and not replayed
        assert stored(app) == before + (1 if created else 0)
        seen.setdefault(operation.path, set()).add(response.status_code)

    run()
