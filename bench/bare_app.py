"""The baseline: a bare Flask endpoint that stores the same complaint row.

`POST /bare` parses the same JSON body as `POST /api/v1/complaints`, inserts one
row into the `complaints` table of the migrated Rongrian schema and one row into
`timeline_events` (SQLAlchemy Core, one transaction), and answers 201 with a
receipt of the same shape. No validation, text cleaning, place lookup, working-day
calendar, complainant row, outbox, broker or rate limiting: it is the floor cost of
"Flask + JSON + one INSERT transaction" on the same database, server and client.

Run: DATABASE_URL=postgresql://... gunicorn --pythonpath bench 'bare_app:create_app()'
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime, timedelta

from flask import Flask, jsonify, request
from sqlalchemy import MetaData, create_engine, select, text


def _engine_url(raw: str) -> str:
    for old in ("postgres://", "postgresql://"):
        if raw.startswith(old):
            return "postgresql+psycopg://" + raw[len(old) :]
    return raw


def create_app() -> Flask:
    app = Flask(__name__)
    engine = create_engine(_engine_url(os.environ["DATABASE_URL"]))
    meta = MetaData()
    meta.reflect(engine, only=["complaints", "timeline_events", "categories"])
    complaints = meta.tables["complaints"]
    timeline = meta.tables["timeline_events"]
    categories = meta.tables["categories"]
    with engine.connect() as conn:
        # Looked up once: the baseline does the least a real endpoint could do.
        category_ids = {
            code: (cid, unit_id)
            for code, cid, unit_id in conn.execute(select(categories.c.code, categories.c.id, categories.c.unit_id))
        }
    engine.dispose()  # gunicorn may fork after this; each worker opens its own pool
    app.extensions["bare_engine"] = engine

    @app.get("/healthz")
    def healthz():
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        return jsonify(status="ok")

    @app.post("/bare")
    def bare():
        data = request.get_json()
        location = data.get("location") or {}
        now = datetime.now(UTC)
        tracking_number = "BARE-" + secrets.token_hex(6).upper()
        category_id, unit_id = category_ids.get(data.get("category"), (None, None))
        deadlines = {"ack_due_at": now + timedelta(days=1), "due_at": now + timedelta(days=15)}
        if "first_response_due_at" in complaints.c:  # schema 0002 and later
            deadlines["first_response_due_at"] = now + timedelta(days=5)
        with engine.begin() as conn:
            complaint_id = conn.execute(
                complaints.insert()
                .values(
                    **deadlines,
                    tracking_number=tracking_number,
                    kind=data.get("kind") or "complaint",
                    channel="api",
                    title=data.get("title"),
                    description=data["description"],
                    category_id=category_id,
                    unit_id=unit_id,
                    status="received",
                    priority="normal",
                    lat=location.get("lat"),
                    lon=location.get("lon"),
                    address=location.get("address"),
                    subdistrict=location.get("subdistrict"),
                    district=location.get("district"),
                    province=location.get("province"),
                    anonymous=bool(data.get("anonymous")),
                    privacy_notice_version="2569-1",
                    received_at=now,
                )
                .returning(complaints.c.id)
            ).scalar_one()
            conn.execute(
                timeline.insert().values(
                    complaint_id=complaint_id,
                    at=now,
                    kind="received",
                    actor="citizen",
                    public=True,
                )
            )
        response = jsonify(
            {
                "tracking_number": tracking_number,
                "status": "received",
                "received_at": now.isoformat(),
                "public_url": f"http://127.0.0.1:5000/track/{tracking_number}",
            }
        )
        response.status_code = 201
        return response

    return app
