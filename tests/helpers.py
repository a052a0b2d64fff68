"""Small helpers shared by the tests."""
from __future__ import annotations

import io
import re

from PIL import Image
from sqlalchemy import func, select

from complaints.extensions import db
from complaints.models import Attachment, Complainant, Complaint, OutboxMessage, TimelineEvent

PERSON = {"name": "สมหญิง ใจงาม", "phone": "081-234-5678", "email": "somying@example.com",
          "line_user_id": "U" + "a1" * 16}


def png_bytes(size=(32, 24), color=(200, 30, 30)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, color).save(out, format="PNG")
    return out.getvalue()


def jpeg_bytes(size=(64, 48)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (20, 120, 200)).save(out, format="JPEG")
    return out.getvalue()


def counts(app) -> dict:
    """How many rows each complaint table holds."""
    with app.app_context():
        return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m))
                for m in (Complaint, Complainant, TimelineEvent, Attachment, OutboxMessage)}


def form_tokens(client, lang: str | None = None) -> dict:
    """The CSRF and submission tokens of a freshly rendered complaint form."""
    page = client.get("/complaints/new" + (f"?lang={lang}" if lang else "")).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    token = re.search(r'name="submission_token" type="hidden" value="([^"]+)"', page).group(1)
    return {"csrf_token": csrf, "submission_token": token}
