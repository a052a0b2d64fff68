"""Mixed traffic on Rongrian: citizens, officers and managers (Locust).

Run by `bench/load_test.py`, which starts the system and creates the staff accounts
this file signs in with (environment variable LOAD_STAFF, JSON
`{"officers": [{"username", "password", "id"}], "managers": [{"username", "password"}]}`).
Standalone against a running server with such accounts:

    LOAD_STAFF='{...}' locust -f bench/load/locustfile.py --host http://127.0.0.1:5000

Every request is checked (status, and the page or JSON it should give); anything else
is a failure. Form posts are sent without following the redirect and the page a
browser would open next is requested on its own, so each endpoint has its own line.
Request names (ENDPOINTS) put ids and tracking numbers in brackets.
"""

from __future__ import annotations

import html
import itertools
import json
import os
import random
import re
import threading
import uuid
from collections import deque
from datetime import datetime, timedelta, timezone

import gevent
from locust import HttpUser, between, task

# Every endpoint the scenario uses, as named in Locust's statistics ("METHOD name").
ENDPOINTS = {
    "citizen": [
        "GET /",
        "POST /api/v1/complaints",
        "GET /complaints/new",
        "POST /complaints/new",
        "GET /complaints/receipt/[number]",
        "GET /track?number=[number]",
        "GET /track/[number]",
        "GET /api/v1/complaints/[number]",
    ],
    "officer": [
        "GET /login",
        "POST /login",
        "GET /officer/",
        "GET /officer/?assigned=unassigned",
        "GET /officer/?assigned=me",
        "GET /officer/complaints/[id]",
        "POST /officer/complaints/[id]/action assign",
        "POST /officer/complaints/[id]/action start",
        "POST /officer/complaints/[id]/action resolve",
        "POST /officer/complaints/[id]/note",
        "POST /officer/complaints/[id]/reply",
    ],
    "manager": [
        "GET /manager/?period=[FY]",
        "GET /manager/?period=[FY-Q]",
        "GET /manager/complaints?[drill]",
        "GET /manager/exports",
        "POST /manager/complaints/export.csv",
        "GET /manager/exports/[id]",
        "GET /manager/exports/[id]/download",
        "GET /manager/export/dashboard.xlsx",
        "GET /manager/dashboard.pdf",
    ],
}

# What citizens write (Thai, with the category they pick and where it is).
SUBMISSIONS = [
    ("ถนน", "ถนนหน้าซอยเป็นหลุมลึก ฝนตกแล้วมีน้ำขัง รถจักรยานยนต์ล้มไปแล้วสองคัน ขอให้ช่วยซ่อมด่วน"),
    ("ท่อระบายน้ำ", "ท่อระบายน้ำหน้าตลาดอุดตัน น้ำเน่าส่งกลิ่นเหม็นมาหลายวันแล้ว"),
    ("แสงสว่าง", "ไฟฟ้าส่องสว่างริมถนนดับทั้งแนว กลางคืนมืดมาก เดินผ่านแล้วไม่ปลอดภัย"),
    ("ความสะอาด", "มีขยะกองอยู่ข้างป้ายรถเมล์หลายวัน ไม่มีรถมาเก็บ ส่งกลิ่นและมีแมลงวัน"),
    ("ทางเท้า", "ทางเท้าชำรุด กระเบื้องแตกและยุบ คนแก่เดินสะดุดล้ม"),
    ("กีดขวาง", "ร้านค้าตั้งแผงขายของบนทางเท้าจนคนเดินต้องลงไปเดินบนถนน"),
    ("ต้นไม้", "กิ่งไม้ใหญ่หักพาดสายไฟหน้าบ้าน กลัวจะล้มทับคนที่เดินผ่าน"),
    ("เสียงรบกวน", "โรงงานข้างหมู่บ้านเปิดเครื่องจักรเสียงดังตลอดทั้งคืน นอนไม่หลับ"),
    ("น้ำท่วม", "ฝนตกหนักทุกครั้งน้ำท่วมขังถนนในซอยสูงเกือบเข่า ระบายช้ามาก"),
    ("จราจร", "สัญญาณไฟจราจรที่แยกเสียมาสามวัน รถติดยาวและเกือบชนกันหลายครั้ง"),
]
# Bangkok, Chatuchak, Lat Yao (the web form sends DOPA codes, the API names).
WEB_PLACE = {"province": "10", "district": "1030", "subdistrict": "103001"}
API_PLACES = [
    {"province": "กรุงเทพมหานคร", "district": "จตุจักร", "address": "ถนนพหลโยธิน ใกล้สถานีหมอชิต"},
    {"province": "กรุงเทพมหานคร", "district": "บางเขน", "address": "ซอยรามอินทรา 5"},
    {"province": "เชียงใหม่", "district": "เมืองเชียงใหม่", "address": "ถนนห้วยแก้ว"},
]
NAMES = ["สมชาย ใจดี", "สุดารัตน์ แก้วมณี", "ประเสริฐ ศรีสุข", "วิภาวดี ทองคำ", "อนุชา พรหมมา"]

# Tracking numbers accepted in this run, for the citizens who come back to track them.
ACCEPTED: deque[str] = deque(maxlen=2000)
_counter = itertools.count()
# Simulated staff take the accounts in turn (one account each while there are enough).
_staff_counters = {"officer": itertools.count(), "manager": itertools.count()}
_staff_lock = threading.Lock()

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SUBMISSION_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/officer/complaints/([0-9A-Z]+(?:-[0-9A-Z]+)+)"')  # case pages by tracking number
ACTION_FORM = re.compile(r'data-action="([a-z_]+)"')
ROOT_CAUSE = re.compile(r'<select name="root_cause_id".*?<option value="(\d+)"', re.S)
DRILL_LINK = re.compile(r'href="(/manager/complaints\?[^"]+)"')
TRACKING = re.compile(r"RR-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
BANGKOK = timezone(timedelta(hours=7))
# Think time between a user's steps is multiplied by this (a short run uses less, to cover every step).
THINK = float(os.environ.get("LOAD_THINK_SCALE") or 1)


def think(low: float, high: float):
    return between(low * THINK, high * THINK)


def staff() -> dict:
    return json.loads(os.environ.get("LOAD_STAFF") or '{"officers": [], "managers": []}')


def current_periods() -> tuple[str, str]:
    """The current Thai fiscal year (BE, 1 Oct - 30 Sep) and its current quarter."""
    today = datetime.now(BANGKOK).date()
    fy = today.year + 543 + (1 if today.month >= 10 else 0)
    return str(fy), f"{fy}-Q{(today.month - 10) % 12 // 3 + 1}"


def expect(response, status: int, needle: str | None = None) -> bool:
    """Mark the response failed unless it has the status (and the text); True when good."""
    if response.status_code != status:
        response.failure(f"status {response.status_code}, expected {status}: {response.text[:300]!r}")
        return False
    if needle is not None and needle not in response.text:
        response.failure(f"{needle!r} missing from the answer")
        return False
    response.success()
    return True


def one_of(items):
    return random.choice(items) if items else None


class Citizen(HttpUser):
    """Submits through the JSON API and the web form, comes back to track."""

    weight = 16
    wait_time = think(2, 6)

    def _body(self) -> dict:
        category, text = random.choice(SUBMISSIONS)
        body = {"description": text, "category": category, "kind": "complaint", "location": random.choice(API_PLACES)}
        if random.random() < 0.85:
            n = next(_counter)
            body["contact"] = {
                "name": random.choice(NAMES),
                "email": f"citizen{n}@example.co.th",
                "phone": f"08{n % 10}{n % 10000000:07d}",
            }
        else:
            body["anonymous"] = True
        return body

    @task(4)
    def submit_api(self) -> None:
        with self.client.post(
            "/api/v1/complaints",
            json=self._body(),
            headers={"Idempotency-Key": str(uuid.uuid4())},
            name="/api/v1/complaints",
            catch_response=True,
        ) as r:
            if expect(r, 201):
                number = r.json().get("tracking_number")
                if number and TRACKING.fullmatch(number):
                    ACCEPTED.append(number)
                else:
                    r.failure(f"no tracking number in {r.text[:200]!r}")

    @task(3)
    def submit_web(self) -> None:
        with self.client.get("/complaints/new", name="/complaints/new", catch_response=True) as r:
            if not expect(r, 200, "submission_token"):
                return
            csrf, token = CSRF.search(r.text), SUBMISSION_TOKEN.search(r.text)
        category, text = random.choice(SUBMISSIONS)
        n = next(_counter)
        form = {
            "csrf_token": csrf.group(1),
            "submission_token": token.group(1),
            "kind": "complaint",
            "category": category,
            "title": text[:40],
            "description": text,
            **WEB_PLACE,
            "address": "ซอยพหลโยธิน 24",
            "name": random.choice(NAMES),
            "email": f"web{n}@example.co.th",
            "phone": f"09{n % 10000000:08d}",
            "privacy_accepted": "y",
        }
        # A browser sends the form as multipart, with an empty file part when no photo is chosen.
        files = {"photos": ("", b"", "application/octet-stream")}
        with self.client.post(
            "/complaints/new",
            data=form,
            files=files,
            allow_redirects=False,
            name="/complaints/new",
            catch_response=True,
        ) as r:
            if not expect(r, 302):
                return
            location = r.headers.get("Location", "")
            number = TRACKING.search(location)
            if not number:
                r.failure(f"redirected to {location!r}, not a receipt")
                return
        ACCEPTED.append(number.group(0))
        with self.client.get(location, name="/complaints/receipt/[number]", catch_response=True) as r:
            expect(r, 200, number.group(0))

    @task(4)
    def track_page(self) -> None:
        number = one_of(ACCEPTED)
        if number is None:
            return self.submit_api()
        typed = number.replace("-", "").lower() if random.random() < 0.5 else number
        with self.client.get(
            f"/track?number={typed}", allow_redirects=False, name="/track?number=[number]", catch_response=True
        ) as r:
            if not expect(r, 302):
                return
            location = r.headers.get("Location", "")
        with self.client.get(location, name="/track/[number]", catch_response=True) as r:
            expect(r, 200, number)

    @task(4)
    def track_json(self) -> None:
        number = one_of(ACCEPTED)
        if number is None:
            return self.submit_api()
        with self.client.get(
            f"/api/v1/complaints/{number}", name="/api/v1/complaints/[number]", catch_response=True
        ) as r:
            if expect(r, 200) and r.json().get("tracking_number") != number:
                r.failure("another complaint answered")

    @task(1)
    def home(self) -> None:
        with self.client.get("/", name="/", catch_response=True) as r:
            expect(r, 200)


class StaffUser(HttpUser):
    abstract = True
    role = ""

    def on_start(self) -> None:
        accounts = staff()[f"{self.role}s"]
        if not accounts:
            raise RuntimeError(f"no {self.role} accounts in LOAD_STAFF")
        with _staff_lock:
            self.account = accounts[next(_staff_counters[self.role]) % len(accounts)]
        with self.client.get("/login", name="/login", catch_response=True) as r:
            expect(r, 200)
            csrf = CSRF.search(r.text).group(1)
        with self.client.post(
            "/login",
            data={"username": self.account["username"], "password": self.account["password"], "csrf_token": csrf},
            allow_redirects=False,
            name="/login",
            catch_response=True,
        ) as r:
            expect(r, 302)


class Officer(StaffUser):
    """Works the queue of their unit in rounds: takes new cases, starts them, notes, replies, resolves."""

    role = "officer"
    weight = 6
    wait_time = think(3, 8)

    def _queue(self, query: str, name: str) -> list[str]:
        with self.client.get(f"/officer/{query}", name=name, catch_response=True) as r:
            if not expect(r, 200, "คิวงาน"):
                return []
            return CASE_LINK.findall(r.text)

    def _case(self, case_id: str) -> str | None:
        with self.client.get(
            f"/officer/complaints/{case_id}", name="/officer/complaints/[id]", catch_response=True
        ) as r:
            return r.text if expect(r, 200, 'id="tracking-number"') else None

    def _post(self, case_id: str, path: str, form: dict, name: str) -> bool:
        with self.client.post(
            f"/officer/complaints/{case_id}/{path}", data=form, allow_redirects=False, name=name, catch_response=True
        ) as r:
            if not expect(r, 302):
                return False
        self._case(case_id)  # the page the redirect opens
        return True

    def on_start(self) -> None:
        super().on_start()
        # A working round: take a new case, start one, note, answer a citizen, resolve one, look over the queue
        # (resolved, a case leaves the open queue: the note and the reply come before).
        self.round = itertools.cycle(
            [self.take_new_case, self.start_case, self.note, self.reply, self.resolve_case, self.browse]
        )

    @task
    def next_step(self) -> None:
        next(self.round)()

    def browse(self) -> None:
        query = random.choice(["", "?sort=due_asc", "?due=due_soon", "?status=all&page=2"])
        self._queue(query, "/officer/")

    def take_new_case(self) -> None:
        cases = self._queue("?assigned=unassigned&sort=received_desc", "/officer/?assigned=unassigned")
        case_id = one_of(cases[:10])
        page = case_id and self._case(case_id)
        if page and "assign" in ACTION_FORM.findall(page):
            self._post(
                case_id,
                "action",
                {"csrf_token": CSRF.search(page).group(1), "action": "assign", "assignee_id": self.account["id"]},
                "/officer/complaints/[id]/action assign",
            )

    def _my_case(self, status: str = "") -> tuple[str, str] | tuple[None, None]:
        """One of my cases (in this status), opened: (id, page)."""
        query = "?assigned=me" + (f"&status={status}" if status else "")
        case_id = one_of(self._queue(query, "/officer/?assigned=me"))
        page = case_id and self._case(case_id)
        return (case_id, page) if page else (None, None)

    def start_case(self) -> None:
        case_id, page = self._my_case("assigned")
        if page and "start" in ACTION_FORM.findall(page):
            self._post(
                case_id,
                "action",
                {"csrf_token": CSRF.search(page).group(1), "action": "start", "reason": ""},
                "/officer/complaints/[id]/action start",
            )

    def resolve_case(self) -> None:
        case_id, page = self._my_case("in_progress")
        if page and "resolve" in ACTION_FORM.findall(page):
            cause = ROOT_CAUSE.search(page)
            self._post(
                case_id,
                "action",
                {
                    "csrf_token": CSRF.search(page).group(1),
                    "action": "resolve",
                    "reason": "ซ่อมแซมเรียบร้อยแล้ว ตรวจสอบหน้างานแล้ว",
                    "root_cause_id": cause.group(1) if cause else "",
                    "root_cause_note": "",
                },
                "/officer/complaints/[id]/action resolve",
            )

    def note(self) -> None:
        self._write("note", "โทรประสานผู้รับเหมาแล้ว นัดลงพื้นที่พรุ่งนี้")

    def reply(self) -> None:
        self._write("reply", "เจ้าหน้าที่รับเรื่องแล้ว กำลังตรวจสอบพื้นที่")

    def _write(self, form: str, text: str) -> None:
        """An internal note or a public reply on one of my cases."""
        case_id, page = self._my_case()
        if page:
            self._post(
                case_id,
                form,
                {"csrf_token": CSRF.search(page).group(1), "text": text},
                f"/officer/complaints/[id]/{form}",
            )


class Manager(StaffUser):
    """Reads the dashboard for the fiscal year and a quarter, drills down, exports."""

    role = "manager"
    weight = 2
    wait_time = think(5, 12)

    def on_start(self) -> None:
        super().on_start()
        self.drills: list[str] = []
        self.exports = itertools.cycle(
            [
                (None, None, None),  # the year's complaint list: a job the worker writes (list_export)
                ("/manager/export/dashboard.xlsx?period={q}", "/manager/export/dashboard.xlsx", "spreadsheetml"),
                ("/manager/dashboard.pdf?period={q}", "/manager/dashboard.pdf", "application/pdf"),
            ]
        )
        # A manager's round: the year, a drill-down, an export, the quarter, a drill-down, an export.
        self.visit = itertools.cycle([self.year, self.drill, self.export, self.quarter, self.drill, self.export])

    def _dashboard(self, period: str, name: str) -> None:
        with self.client.get(f"/manager/?period={period}", name=name, catch_response=True) as r:
            if expect(r, 200, 'id="kpi-total"'):
                self.drills = [html.unescape(link) for link in DRILL_LINK.findall(r.text)]

    def year(self) -> None:
        self._dashboard(current_periods()[0], "/manager/?period=[FY]")

    def quarter(self) -> None:
        self._dashboard(current_periods()[1], "/manager/?period=[FY-Q]")

    def drill(self) -> None:
        link = one_of(self.drills)
        if link is None:
            return self.year()
        with self.client.get(link, name="/manager/complaints?[drill]", catch_response=True) as r:
            expect(r, 200)

    def list_export(self, period: str) -> None:
        """Ask for the year's complaint list, follow the job page until the worker wrote it, download."""
        with self.client.get("/manager/exports", name="/manager/exports", catch_response=True) as r:
            if not expect(r, 200):
                return
            token = CSRF.search(r.text).group(1)
        with self.client.post(
            f"/manager/complaints/export.csv?period={period}",
            data={"csrf_token": token},
            name="/manager/complaints/export.csv",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if not expect(r, 302):
                return
            job_page = r.headers["Location"]
        for _ in range(60):  # the page refreshes itself every 3 s; a script-less browser would too
            with self.client.get(job_page, name="/manager/exports/[id]", catch_response=True) as r:
                if not expect(r, 200):
                    return
                status = re.search(rf'data-job-id="{job_page.rsplit("/", 1)[1]}" data-status="(\w+)"', r.text)
                if status and status.group(1) == "failed":
                    r.failure("export job failed")
                    return
            if status and status.group(1) == "done":
                break
            gevent.sleep(1)
        else:
            return
        with self.client.get(job_page + "/download", name="/manager/exports/[id]/download", catch_response=True) as r:
            if expect(r, 200) and "text/csv" not in r.headers.get("Content-Type", ""):
                r.failure(f"content type {r.headers.get('Content-Type')!r}")

    def export(self) -> None:
        fy, q = current_periods()
        path, name, kind = next(self.exports)
        if path is None:
            return self.list_export(fy)
        with self.client.get(path.format(fy=fy, q=q), name=name, catch_response=True) as r:
            if expect(r, 200) and kind not in r.headers.get("Content-Type", ""):
                r.failure(f"content type {r.headers.get('Content-Type')!r}")

    @task
    def next_page(self) -> None:
        next(self.visit)()
