"""Issue 16, the last leak: staff case URLs carry the random tracking number, never the
complaint's sequential row id.

A manager or admin sees every ordinary complaint but no tip-off; with row ids in the
links, the gap (…3000, 3002…) said that a tip-off came in and when. These tests crawl
what those roles see and find no row id in any link, form or export, and check the
number-addressed case pages: any case, with or without hyphens, hostile text a 404.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

import pytest

from complaints.domain.periods import Period
from complaints.services.casework import after_intake
from tests.helpers import case_url, complaint_by_number, csrf_from, export_file, signed_in, submit_api

TIP = "เจ้าหน้าที่เรียกรับเงินใต้โต๊ะค่าซ่อมถนน"
# A staff case URL with a row id: digits right after /officer/complaints/.
ID_URL = re.compile(r"/officer/complaints/\d")


class _Refs(HTMLParser):
    """Every href, form action and form value of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.actions: list[str] = []
        self.values: list[tuple[str, str]] = []  # (input name, value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag == "form":
            self.actions.append(attrs.get("action") or "")
        if tag in ("input", "option", "button", "textarea", "select") and attrs.get("value") is not None:
            self.values.append((attrs.get("name") or "", attrs["value"]))


def _refs(html: str) -> _Refs:
    parser = _Refs()
    parser.feed(html)
    return parser


@pytest.fixture
def world(app, client):
    """Ordinary complaints before and after a tip-off (a gap in the ids between them), one
    of them a repeat of another (the repeat link is on its case page)."""
    before = submit_api(client, description="ถนนเป็นหลุมลึกหน้าตลาด", category="ถนน")
    tip = submit_api(client, kind="tip_off", description=TIP, category="ถนน")
    after = submit_api(client, description="ถนนเป็นหลุมลึกหน้าตลาด อีกครั้ง", category="ถนน")
    flood = submit_api(client, description="น้ำท่วมขังซอย 5 สามวันแล้ว", category="น้ำท่วม")
    with app.app_context():
        after_intake.process_new()
        ids = {number: complaint_by_number(number).id for number in (before, tip, after, flood)}
        period = Period.containing(complaint_by_number(tip).received_at).code
    assert ids[after] > ids[tip] > ids[before]  # the gap the old links showed
    return {"ordinary": [before, after, flood], "tip": tip, "ids": ids, "period": period}


def _assert_no_row_ids(where: str, html: str, ids: dict) -> None:
    refs = _refs(html)
    assert not ID_URL.search(html), where
    for url in refs.links + refs.actions:
        assert not ID_URL.search(url) and "complaint_id" not in url, (where, url)
    for name, value in refs.values:
        # A form naming another complaint (a merge target, say) names it by number.
        if any(word in name for word in ("complaint", "target", "into", "case")):
            assert not re.fullmatch(r"\s*\d+\s*", value), (where, name, value)
    assert "data-complaint-id" not in html and "data-id=" not in html, where


@pytest.mark.parametrize("role", ["manager", "admin"])
def test_no_staff_page_link_form_or_export_names_a_complaint_by_its_row_id(app, client, world, role):
    viewer = signed_in(app, f"crawl-{role}", role, None)
    period = world["period"]
    start = [
        "/officer/",
        "/officer/?status=all",
        "/manager/",
        f"/manager/?period={period}",
        f"/manager/complaints?period={period}",
        f"/manager/complaints?period={period}&category=",
        "/manager/exports",
        "/admin/audit",
        "/admin/outbox",
    ]
    seen: set[str] = set()
    queue, case_pages = list(start), set()
    while queue and len(seen) < 80:
        path = queue.pop(0)
        if path in seen:
            continue
        seen.add(path)
        response = viewer.get(path)
        if response.status_code in (302, 403, 404):
            continue  # a page this role does not have (admin pages for the manager)
        assert response.status_code == 200, (path, response.status_code)
        if response.mimetype != "text/html":
            continue
        html = response.get_data(as_text=True)
        _assert_no_row_ids(path, html, world["ids"])
        assert world["tip"] not in html and TIP not in html, path
        for link in _refs(html).links:
            target = urlsplit(urljoin(path, link))
            if target.netloc or not target.path.startswith(("/officer/complaints/", "/manager/complaints")):
                continue
            if target.path.startswith("/officer/complaints/") and target.path != "/officer/complaints/new":
                case_pages.add(target.path)
            queue.append(target.path + (f"?{target.query}" if target.query else ""))
    # The crawl reached every ordinary case page, by number, through the links.
    assert {case_url(app, number) for number in world["ordinary"]} <= case_pages
    assert all(re.fullmatch(r"/officer/complaints/[A-Z]+-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}", p) for p in case_pages)

    for fmt in ("csv", "xlsx"):
        data = export_file(app, viewer, f"period={period}", fmt).get_data()
        if fmt == "csv":
            text = data.decode("utf-8-sig")
            header = text.splitlines()[0].lower()
            assert "tracking number" in header and not re.search(r"(^|,)\s*\"?id\b", header)
            assert all(number in text for number in world["ordinary"]) and world["tip"] not in text

    # The tip-off's number is unknown to them, as is a number nobody was given; the
    # integrity officer opens it, in any spelling.
    real = case_url(app, world["ordinary"][0])
    unknown = real[:-1] + ("1" if real.endswith("0") else "0")  # a wrong check character
    for path in (case_url(app, world["tip"]), case_url(app, world["tip"], "/note"), unknown):
        method = viewer.post if path.endswith("/note") else viewer.get
        answer = method(path, data={"csrf_token": csrf_from(viewer.get("/officer/").text), "text": "x"})
        # A manager may not post casework at all (403 before any lookup, as for every case).
        expected = 403 if (role, path.endswith("/note")) == ("manager", True) else 404
        assert answer.status_code == expected and world["tip"] not in answer.get_data(as_text=True), path
    integrity = signed_in(app, f"integrity-{role}", "integrity", "integrity")
    compact = world["tip"].replace("-", "").lower()
    for spelling in (world["tip"], world["tip"].lower(), compact):
        page = integrity.get(f"/officer/complaints/{spelling}")
        assert page.status_code == 200 and TIP in page.get_data(as_text=True), spelling
        _assert_no_row_ids(spelling, page.get_data(as_text=True), world["ids"])


def test_the_old_row_id_urls_are_gone_for_every_role(app, client, world):
    """The sequential id no longer opens a case, not even for the role that may see it."""
    for username, role, unit in (
        ("mgr", "manager", None),
        ("root", "admin", None),
        ("pw", "officer", "public-works"),
        ("integ", "integrity", "integrity"),
    ):
        viewer = signed_in(app, username, role, unit)
        for number, complaint_id in world["ids"].items():
            assert viewer.get(f"/officer/complaints/{complaint_id}").status_code == 404, (role, number)
    # The officer of the unit opens the case by number, and is sent back to it after working on it.
    officer = signed_in(app, "pw2", "officer", "public-works")
    number = world["ordinary"][0]
    page = officer.get(case_url(app, number.lower()))
    assert page.status_code == 200 and number in page.text
    note = officer.post(case_url(app, number, "/note"), data={"csrf_token": csrf_from(page.text), "text": "โทรแล้ว"})
    assert note.status_code == 302 and note.headers["Location"].endswith(f"/officer/complaints/{number}")
    assert "โทรแล้ว" in officer.get(note.headers["Location"]).text


@pytest.mark.parametrize(
    "text",
    [
        "<script>alert(1)</script>",
        "RR-2569-'OR'1'='1",
        "..%2F..%2Fadmin",
        "RR-2569-ABCD-123%00",
        "RR-2569-AB\u200bCD-1234",
        "RR-2569-ABCD-1234%0d%0aX: y",
        "R" * 5000,
        "%EF%BC%91",
        "-1",
        "0",
        "RR-2569-ZZZZ-ZZZZ",  # well formed, wrong check character
    ],
)
def test_hostile_case_numbers_are_a_404_page_not_a_500(app, world, text):
    admin = signed_in(app, "root", "admin", None)
    for suffix in ("", "/action", "/reply", "/note", "/category", "/attachments"):
        path = f"/officer/complaints/{text}{suffix}"
        response = (
            admin.post(path, data={"csrf_token": csrf_from(admin.get("/officer/").text)}) if suffix else admin.get(path)
        )
        assert response.status_code == 404, (path, response.status_code)
        body = response.get_data(as_text=True)
        assert "ไม่พบ" in body and "<script>alert(1)" not in body
