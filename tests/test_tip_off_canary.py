"""The tip-off canary (issue 16): a whistleblower's tip-off leaks nowhere.

A tip-off with a unique sender (name, phone, e-mail), unique text and place is
planted with look-alike ordinary complaints: one from the same phone (another
name, no e-mail) in the same category at the same soi, and one from a stranger.
Every background pass runs (repeat detection and triage, clusters, SLA sweep with
its escalations, the outbox relay, assessment data). Then a crawler signs in as
each non-integrity role and as the public and walks every URL it can reach: the
permission matrix's GET list plus the same-origin links found on pages (bounded),
export files (CSV/XLSX, export jobs run in process), the JSON API, Open311
(.json/.xml), the PDPA find/export and the chat "ติดตาม" answer. The tip-off's
number (in any spelling), its text and its sender's name and e-mail appear
nowhere; its sender's phone appears only beside the same-phone complaint it
legitimately belongs to. The integrity officer does see all of it.
"""

from __future__ import annotations

import html
import io
import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

import openpyxl
import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Attachment, Complaint, OutboxMessage, User
from tests.helpers import case_url, complaint_by_number, csrf_from, export_file, signed_in, submit_api
from tests.permission_matrix import ACCOUNTS, MATRIX, PERIOD, build_world, cell_url

SECRET_WORD = "นกขมิ้นเจ็ดสี"  # in the tip-off only
TIP_TITLE = f"แจ้งเบาะแส {SECRET_WORD} ซอยลาดพร้าว 71"
TIP_TEXT = f"เจ้าหน้าที่ฝ่ายโยธาเรียกรับเงินค่าซ่อมถนนซอยลาดพร้าว 71 หลุมใหญ่หน้าตลาด ผู้รับเหมาจ่ายใต้โต๊ะ รหัส {SECRET_WORD}"
SENDER = {"name": "วิสุทธิ์ ขมิ้นทอง", "phone": "0897651234", "email": "canary-whistle@example.org"}
PLACE = {
    "lat": 13.8163,
    "lon": 100.5985,
    "address": "ซอยลาดพร้าว 71",
    "province": "กรุงเทพมหานคร",
    "district": "วังทองหลาง",
}
TWIN_TEXT = "ถนนซอยลาดพร้าว 71 หลุมใหญ่หน้าตลาด ซ่อมถนนด่วน รถเสียหลักบ่อย"
STRANGER_TEXT = "ซอยลาดพร้าว 71 ถนนเป็นหลุมใหญ่หน้าตลาด ขอให้ซ่อมถนนด้วย"
CRAWL_LIMIT = 160  # pages per role beyond the seeds
NON_INTEGRITY = ("officer", "supervisor", "manager", "admin")


def _squash(text: str) -> str:
    """Lower case without separators: a number spelt without hyphens or spaces still matches."""
    return re.sub(r"[\s\-_./:]+", "", text.lower())


def _body_text(response) -> str:
    kind = response.mimetype or ""
    data = response.get_data()
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
        )
    if kind.startswith("image/") or kind == "application/pdf":
        return ""  # an attachment or the dashboard PDF (figures only): no text to read here
    return data.decode("utf-8", errors="replace")


class Canary:
    def __init__(self, number: str, twin: str, keys: tuple[str, ...] = ()):
        self.number, self.twin = number, twin
        # `keys`: the random keys of tip-offs' attachments and outbox messages (issue 16).
        self.forbidden = [
            _squash(s) for s in (number, TIP_TITLE, TIP_TEXT, SECRET_WORD, SENDER["name"], SENDER["email"], *keys)
        ]

    def leaks(self, text: str) -> list[str]:
        squashed = _squash(html.unescape(text))
        found = [f for f in self.forbidden if f in squashed]
        # The phone is also the same-phone complaint's: shown only where that complaint is.
        if _squash(SENDER["phone"]) in squashed and _squash(self.twin) not in squashed:
            found.append("phone")
        return found


def _links(page: str) -> list[str]:
    out = []
    for raw in re.findall(r'href="([^"]+)"', page):
        url = urldefrag(html.unescape(raw))[0]
        parts = urlsplit(url)
        if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("/static/"):
            continue
        out.append(url)
    return out


def crawl(client, seeds: list[str], canary: Canary, limit: int = CRAWL_LIMIT) -> tuple[int, list]:
    """GET the seeds and the same-origin links found on pages, breadth first; the leaks found."""
    seen, queue, leaks, fetched = set(), list(seeds), [], 0
    budget = len(seeds) + limit
    while queue and fetched < budget:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        fetched += 1
        text = _body_text(response)
        response.close()  # a file download holds its file open until closed
        if found := canary.leaks(text):
            leaks.append((url, response.status_code, found))
        if (response.mimetype or "").startswith("text/html"):
            queue.extend(link for link in _links(text) if link not in seen)
        elif response.status_code in (301, 302, 303) and response.location:
            queue.append(response.location)
    return fetched, leaks


def _plant(app, client) -> tuple[str, str, str]:
    tip = submit_api(
        client, kind="tip_off", title=TIP_TITLE, description=TIP_TEXT, category="ถนน", contact=SENDER, location=PLACE
    )
    twin = submit_api(
        client,
        description=TWIN_TEXT,
        category="ถนน",
        location=PLACE,
        contact={"name": "ผู้แจ้งอีกชื่อหนึ่ง", "phone": SENDER["phone"]},
    )
    stranger = submit_api(
        client,
        description=STRANGER_TEXT,
        category="ถนน",
        location=PLACE,
        contact={"name": "คนแปลกหน้า", "phone": "0812223344"},
    )
    return tip, twin, stranger


def _background_passes(app) -> None:
    """Everything the beat runs, called directly (worker-free)."""
    from assessment import service as assessment_service
    from complaints.services.analytics import clusters
    from complaints.services.casework import after_intake, sla
    from complaints.services.messaging import outbox

    with app.app_context():
        after_intake.process_new()
        clusters.update_clusters()
        latest = max(db.session.scalars(select(Complaint.received_at)))
        sla.sweep(latest + timedelta(days=120))  # everything overdue: escalations go out
        db.session.commit()
        outbox.relay_pending()
        assessment_service.refresh_all()


def _seeds(app, world, extra: list[str]) -> list[str]:
    urls = [
        cell_url(app, world, endpoint, subject) for (endpoint, method, subject) in sorted(MATRIX) if method == "GET"
    ]
    return extra + urls


# SQLite, and PostgreSQL, whose dashboard counts take another path (one GROUPING SETS pass).
@pytest.mark.parametrize("database", ["app", pytest.param("pg_app", marks=pytest.mark.postgres)])
def test_a_planted_tip_off_leaks_to_no_other_role_nor_the_public(request, database):
    app = request.getfixturevalue(database)
    client = app.test_client()
    world = build_world(app, client)
    tip, twin, stranger = _plant(app, client)
    with app.app_context():
        from complaints.nlp.similarity import SIMILAR_MINIMUM, pair_score
        from complaints.services.casework import similarity

        tip_row, twin_row = complaint_by_number(tip), complaint_by_number(twin)
        tip_id, twin_id = tip_row.id, twin_row.id
        integrity_unit = tip_row.unit_id
        # The plant is a real look-alike: without the wall the twin would link to the tip-off.
        assert pair_score(similarity.signals_of(tip_row), similarity.signals_of(twin_row)) >= SIMILAR_MINIMUM
        people = similarity.same_person(twin_row.complainant)
        assert tip_row.complainant_id in db.session.scalars(people).all()
    _background_passes(app)
    with app.app_context():
        assert complaint_by_number(twin).repeat_of_id != tip_id
        assert complaint_by_number(tip).cluster_id is None
        # An overdue tip-off alerts the integrity role only, never the unit's supervisors.
        staff_mail = {u.email: u.role for u in db.session.scalars(select(User)) if u.email}
        alerted = db.session.scalars(
            select(OutboxMessage.recipient).where(
                OutboxMessage.complaint_id == tip_id, OutboxMessage.purpose == "supervisor_alert"
            )
        ).all()
        assert all(staff_mail.get(r) == "integrity" for r in alerted), alerted

        # What pages name a tip-off's photo and messages by: no other role may see these keys.
        tip_offs = select(Complaint.id).where(Complaint.kind == "tip_off")
        keys = [
            *db.session.scalars(select(Attachment.url_key).where(Attachment.complaint_id.in_(tip_offs))),
            *db.session.scalars(select(OutboxMessage.url_key).where(OutboxMessage.complaint_id.in_(tip_offs))),
        ]
        assert len(keys) >= 3  # the matrix's tip-off photo, and acknowledgements

    canary = Canary(tip, twin, tuple(keys))
    twin_case, tip_case = case_url(app, twin_id), case_url(app, tip_id)
    manager_urls = [
        f"/manager/complaints?period={PERIOD}&{q}"
        for q in ("kind=tip_off", "category=", "district=วังทองหลาง", f"handling_unit={integrity_unit}", "repeat=yes")
    ]
    manager_urls += [f"/manager/?period={PERIOD}", f"/manager/complaints?period={PERIOD}"]
    report = {}
    for role in NON_INTEGRITY:
        staff = signed_in(app, ACCOUNTS[role][0])
        extra = [twin_case, tip_case, "/officer/", "/officer/?kind=tip_off&status=all"]
        if role in ("supervisor", "manager", "admin"):
            extra += manager_urls
        fetched, leaks = crawl(staff, _seeds(app, world, extra), canary)
        report[role] = fetched
        assert not leaks, (role, leaks[:5])
        if role in ("supervisor", "manager", "admin"):
            for query in (
                f"period={PERIOD}",
                f"period={PERIOD}&kind=tip_off",
                f"period={PERIOD}&handling_unit={integrity_unit}",
            ):
                for fmt in ("csv", "xlsx"):
                    body = _body_text(export_file(app, staff, query, fmt))
                    assert not canary.leaks(body), (role, query, fmt)
        if role == "admin":
            page = staff.get("/admin/privacy").text
            for kind, value in (("phone", SENDER["phone"]), ("email", SENDER["email"])):
                for action in ("find", "export"):
                    answer = staff.post(
                        "/admin/privacy",
                        data={"csrf_token": csrf_from(page), "contact_kind": kind, "contact": value, "action": action},
                    )
                    assert answer.status_code == 200
                    # The form gives back what the admin typed; nothing else may name the sender.
                    text = re.sub(r'name="contact" value="[^"]*"', "", answer.get_data(as_text=True))
                    assert not canary.leaks(text), (kind, action)
    assert all(n > 20 for n in report.values()), report  # the crawler did walk

    public = app.test_client()
    public_seeds = [
        "/",
        f"/track/{tip}",
        f"/track?number={tip}",
        f"/complaints/receipt/{tip}",
        f"/complaints/receipt/{twin}",
        f"/complaints/receipt/{stranger}",
        f"/track/{twin}",
        f"/api/v1/complaints/{tip}",
        f"/api/v1/complaints/{tip.replace('-', '')}",
        f"/open311/v2/requests/{tip}.json",
        f"/open311/v2/requests/{tip}.xml",
        f"/open311/v2/requests.json?service_request_id={tip}",
        f"/open311/v2/requests.xml?service_request_id={tip},{twin}",
        "/open311/v2/requests.json",
        "/open311/v2/requests.xml?status=open",
        "/standards",
    ]
    fetched, leaks = crawl(public, public_seeds, canary, limit=60)
    assert not leaks, leaks[:5]
    print(f"canary: pages fetched per role {report}, public {fetched}")  # shown with -s
    with app.app_context():
        from complaints.services.channels import chat_replies

        assert not canary.leaks(chat_replies.status_text(tip, lambda c: False))
        # Mail goes out about the tip-off only to its sender and the integrity role.
        folder = Path(app.config["MAIL_OUTBOX_DIR"])
        integrity_mail = {u.email for u in db.session.scalars(select(User).where(User.role == "integrity"))}
        for mail in folder.glob("*") if folder.exists() else []:
            text = mail.read_text(errors="replace")
            if canary.leaks(text):
                to = re.search(r"^To: (.+)$", text, re.MULTILINE).group(1)
                assert SENDER["email"] in to or any(e and e in to for e in integrity_mail), mail.name

    # The integrity officer does see it all (so this test can fail).
    integrity = signed_in(app, ACCOUNTS["integrity"][0])
    case = integrity.get(tip_case).get_data(as_text=True)
    assert {"number", "title", "text", "name", "email"} <= {
        label
        for label, needle in (
            ("number", tip),
            ("title", TIP_TITLE),
            ("text", TIP_TEXT),
            ("name", SENDER["name"]),
            ("email", SENDER["email"]),
        )
        if needle in html.unescape(case)
    }
    assert canary.leaks(integrity.get("/officer/").get_data(as_text=True))
