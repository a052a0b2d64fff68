"""Memory of the gunicorn workers under a fixed number of mixed requests (issue 17).

Starts, on loopback, a fresh PostgreSQL database (migrated, seeded, `flask demo
generate`, staff accounts as in bench/load_test.py), a Celery worker on Redis (db 8 by
default, flushed before and after) and gunicorn with the image's settings
(`--config python:complaints.gunicorn_conf`, sync workers, 2 by default); then sends
exactly --requests HTTP requests from a few client threads, in a fixed seeded mix:
citizens submitting by the JSON API (30 % without a category, which the classifier
suggests at intake) and by the web form (with and without a photo),
following their receipt, tracking by page and by API; officers on their queue and
case pages, assigning, noting and replying; managers on the dashboard, drill-downs,
the XLSX and PDF exports and a CSV export job; the public API (categories, places,
OpenAPI, Open311). Every few seconds it samples each gunicorn worker's RSS
(/proc/PID/status) and PSS (/proc/PID/smaps_rollup), and the PSS of the whole stack
(gunicorn master and workers, the Celery worker and its pool, PostgreSQL backends of
the run's database, Redis not counted: it is shared on this machine).

    .venv/bin/python bench/worker_memory.py                 # 5,000 requests, 10-13 minutes on 2 shared cores
    .venv/bin/python bench/worker_memory.py --quick         # 600 requests, smoke run (~2 min)
    .venv/bin/python bench/worker_memory.py --commit main   # measure a commit (before/after)
    .venv/bin/python bench/worker_memory.py --tracemalloc   # also: what grows, per worker

--tracemalloc serves bench/memory_app.py, whose hook writes tracemalloc snapshots in
each worker; the run then prints the allocation sites that grew most between a
worker's first and last snapshot (slower, and RSS is then not the figure to quote).
Exit code 1 when a request failed or a worker ended above --limit-mb RSS.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import harness  # noqa: E402
import load_test  # noqa: E402

CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')
SUBMISSION_TOKEN = re.compile(r'name="submission_token" type="hidden" value="([^"]+)"')
CASE_LINK = re.compile(r'href="/officer/complaints/([0-9A-Z]+(?:-[0-9A-Z]+)+)"')
DRILL_LINK = re.compile(r'href="(/manager/complaints\?[^"]+)"')
TRACKING = re.compile(r"RR-\d{4}-[0-9A-Z]{4}-[0-9A-Z]{4}")
SUBMISSIONS = [
    (
        "ถนน",
        "ถนนหน้าซอยเป็นหลุมลึก ฝนตกแล้วมีน้ำขัง รถจักรยานยนต์ล้มไปแล้วสองคัน ขอให้ช่วยซ่อมด่วน "
        "ติดต่อผมได้ที่ 081-234-5678 หรือ somchai@example.co.th",
    ),
    ("ท่อระบายน้ำ", "ท่อระบายน้ำหน้าตลาดอุดตัน น้ำเน่าส่งกลิ่นเหม็นมาหลายวันแล้ว"),
    ("แสงสว่าง", "ไฟฟ้าส่องสว่างริมถนนดับทั้งแนว กลางคืนมืดมาก เดินผ่านแล้วไม่ปลอดภัย"),
    ("ความสะอาด", "มีขยะกองอยู่ข้างป้ายรถเมล์หลายวัน ไม่มีรถมาเก็บ ส่งกลิ่นและมีแมลงวัน"),
    ("ทางเท้า", "ทางเท้าชำรุด กระเบื้องแตกและยุบ คนแก่เดินสะดุดล้ม บ้านเลขที่ 45/12 หมู่ 3"),
    ("เสียงรบกวน", "โรงงานข้างหมู่บ้านเปิดเครื่องจักรเสียงดังตลอดทั้งคืน นอนไม่หลับ"),
    ("น้ำท่วม", "ฝนตกหนักทุกครั้งน้ำท่วมขังถนนในซอยสูงเกือบเข่า ระบายช้ามาก"),
    ("จราจร", "สัญญาณไฟจราจรที่แยกเสียมาสามวัน รถติดยาวและเกือบชนกันหลายครั้ง"),
]
API_PLACES = [
    {"province": "กรุงเทพมหานคร", "district": "จตุจักร", "address": "ถนนพหลโยธิน ใกล้สถานีหมอชิต"},
    {"province": "เชียงใหม่", "district": "เมืองเชียงใหม่", "address": "ถนนห้วยแก้ว"},
]
WEB_PLACE = {"province": "10", "district": "1030", "subdistrict": "103001"}
# (action, weight): one action is one to four requests.
MIX = [
    ("submit_api", 10),
    ("submit_web", 5),
    ("submit_web_photo", 3),
    ("track_page", 8),
    ("track_api", 8),
    ("home", 2),
    ("public_api", 4),
    ("open311", 2),
    ("officer_queue", 7),
    ("officer_case", 7),
    ("officer_write", 4),
    ("officer_assign", 2),
    ("manager_dashboard", 3),
    ("manager_drill", 2),
    ("manager_xlsx", 1),
    ("manager_pdf", 1),
    ("manager_csv", 1),
]


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--requests", type=int, default=5000, help="HTTP requests to send (default 5000)")
    p.add_argument("--quick", action="store_true", help="smoke run: 600 requests on 300 demo complaints")
    p.add_argument("--clients", type=int, default=4, help="client threads (default 4)")
    p.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    p.add_argument("--complaints", type=int, default=2000, help="demo complaints beforehand (default 2000)")
    p.add_argument("--port", type=int, default=5240)
    p.add_argument("--redis-db", type=int, default=8)
    p.add_argument("--sample-seconds", type=float, default=2)
    p.add_argument("--limit-mb", type=float, default=400, help="largest worker RSS at the end (default 400)")
    p.add_argument("--seed", type=int, default=17)
    p.add_argument("--tracemalloc", action="store_true", help="snapshot diffs per worker (bench/memory_app.py)")
    p.add_argument("--commit", help="measure this commit (git archive), not the working tree")
    p.add_argument("--json", type=Path, help="also write the result here")
    args = p.parse_args(argv)
    if args.quick:
        args.requests, args.complaints = min(args.requests, 600), min(args.complaints, 300)
    return args


# --------------------------------------------------------------------------- memory


def pss_kb(pid: int) -> int | None:
    return harness.proc_kb(pid, "smaps_rollup", "Pss")


def postgres_backends(db_name: str) -> list[int]:
    """The PostgreSQL server processes serving the run's database (their command line names it)."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if text.startswith("postgres: ") and f" {db_name} " in text:
            found.append(int(cmdline.parent.name))
    return found


class Sampler(threading.Thread):
    def __init__(self, web: harness.Process, worker: harness.Process, db_name: str, interval: float, progress):
        super().__init__(daemon=True)
        self.web, self.worker, self.db_name, self.interval, self.progress = web, worker, db_name, interval, progress
        self.workers: dict[int, list[dict]] = {}
        self.stack: list[dict] = []
        self.started = time.monotonic()
        self._halt = threading.Event()

    def sample(self) -> None:
        t = round(time.monotonic() - self.started, 1)
        done = self.progress()
        for pid in load_test.children(self.web.proc.pid):
            rss, pss = load_test.rss_kb(pid), pss_kb(pid)
            if rss is not None:
                self.workers.setdefault(pid, []).append(
                    {"t": t, "requests": done, "rss_mb": round(rss / 1024, 1), "pss_mb": round((pss or 0) / 1024, 1)}
                )
        groups = {
            "gunicorn": [self.web.proc.pid, *load_test.children(self.web.proc.pid)],
            "celery": [self.worker.proc.pid, *load_test.children(self.worker.proc.pid)],
            "postgresql backends": postgres_backends(self.db_name),
        }
        row = {"t": t, "requests": done}
        for name, pids in groups.items():
            row[name] = round(sum(pss_kb(p) or 0 for p in pids) / 1024, 1)
        self.stack.append(row)

    def run(self) -> None:
        shown = 0.0
        while not self._halt.is_set():
            self.sample()
            if time.monotonic() - shown >= 30:  # progress, every half minute
                shown = time.monotonic()
                rss = ", ".join(f"{s[-1]['rss_mb']:.0f}" for s in self.workers.values())
                print(
                    f"  {self.stack[-1]['t']:>6.0f} s  {self.progress():>5} requests  worker RSS MB: {rss}", flush=True
                )
            self._halt.wait(self.interval)

    def stop(self) -> None:
        self._halt.set()
        self.join()
        self.sample()


# --------------------------------------------------------------------------- clients


def photo_bytes(seed: int) -> bytes:
    """A phone-sized JPEG (1600x1200, with noise so it does not compress to nothing)."""
    from PIL import Image

    rng = random.Random(seed)
    small = Image.frombytes("RGB", (160, 120), bytes(rng.randrange(256) for _ in range(160 * 120 * 3)))
    out = io.BytesIO()
    small.resize((1600, 1200)).save(out, "JPEG", quality=85)
    return out.getvalue()


class Client(threading.Thread):
    """A citizen, an officer and a manager in one thread, taking actions from MIX until the budget is spent."""

    def __init__(
        self,
        index: int,
        base: str,
        staff: dict,
        budget,
        accepted: list,
        seed: int,
        photos: list[bytes],
        timeout: float = 120,
    ):
        super().__init__(daemon=True)
        self.timeout = timeout
        import requests

        self.base, self.budget, self.accepted, self.photos = base, budget, accepted, photos
        self.rng = random.Random(seed * 1000 + index)
        self.citizen, self.officer, self.manager = requests.Session(), requests.Session(), requests.Session()
        self.officer_account = staff["officers"][index % len(staff["officers"])]
        self.manager_account = staff["managers"][index % len(staff["managers"])]
        self.counts: dict[str, int] = {}
        self.failures: list[str] = []
        self.latencies: list[float] = []
        self.drills: list[str] = []
        self.index = index

    # One request, counted against the budget (StopIteration once it is spent); None when it failed.
    def call(self, session, method: str, path: str, expect: int = 200, name: str | None = None, **kw):
        if not self.budget():
            raise StopIteration
        start = time.perf_counter()
        try:
            r = session.request(method, self.base + path, allow_redirects=False, timeout=self.timeout, **kw)
        except Exception as exc:  # noqa: BLE001 - a refused or cut connection is a failure to report
            self.failures.append(f"{method} {name or path}: {exc!r}"[:300])
            return None
        self.latencies.append(time.perf_counter() - start)
        key = f"{method} {name or path}"
        self.counts[key] = self.counts.get(key, 0) + 1
        if r.status_code != expect:
            self.failures.append(f"{key}: {r.status_code} (expected {expect}) {r.text[:200]!r}")
            return None
        return r

    def sign_in(self, session, account: dict) -> None:
        r = self.call(session, "GET", "/login")
        csrf = CSRF.search(r.text).group(1)
        self.call(
            session,
            "POST",
            "/login",
            302,
            data={"username": account["username"], "password": account["password"], "csrf_token": csrf},
        )

    def run(self) -> None:
        try:
            self.sign_in(self.officer, self.officer_account)
            self.sign_in(self.manager, self.manager_account)
            names, weights = zip(*MIX, strict=True)
            while True:
                getattr(self, self.rng.choices(names, weights)[0])()
        except StopIteration:
            pass
        except Exception as exc:  # noqa: BLE001
            self.failures.append(f"client {self.index} stopped: {exc!r}"[:300])

    # citizens
    def _body(self) -> dict:
        category, text = self.rng.choice(SUBMISSIONS)
        body = {"description": text, "kind": "complaint", "location": self.rng.choice(API_PLACES)}
        if self.rng.random() < 0.7:  # the others pick none: the classifier suggests one at intake
            body["category"] = category
        n = self.rng.randrange(10**7)
        if self.rng.random() < 0.85:
            body["contact"] = {"name": "สมชาย ใจดี", "email": f"c{n}@example.co.th", "phone": f"08{n:08d}"}
        else:
            body["anonymous"] = True
        return body

    def submit_api(self) -> None:
        r = self.call(self.citizen, "POST", "/api/v1/complaints", 201, json=self._body())
        if r is not None:
            self.accepted.append(r.json()["tracking_number"])

    def submit_web(self, photo: bool = False) -> None:
        r = self.call(self.citizen, "GET", "/complaints/new")
        if r is None:
            return
        category, text = self.rng.choice(SUBMISSIONS)
        n = self.rng.randrange(10**7)
        form = {
            "csrf_token": CSRF.search(r.text).group(1),
            "submission_token": SUBMISSION_TOKEN.search(r.text).group(1),
            "kind": "complaint",
            "category": category,
            "title": text[:40],
            "description": text,
            **WEB_PLACE,
            "address": "ซอยพหลโยธิน 24",
            "name": "สุดารัตน์ แก้วมณี",
            "email": f"w{n}@example.co.th",
            "phone": f"09{n:08d}",
            "privacy_accepted": "y",
        }
        if photo:
            files = [
                ("photos", (f"ภาพถนน-{i}.jpg", self.rng.choice(self.photos), "image/jpeg"))
                for i in range(self.rng.choice([1, 1, 2, 3]))
            ]
        else:
            files = [("photos", ("", b"", "application/octet-stream"))]
        r = self.call(
            self.citizen,
            "POST",
            "/complaints/new",
            302,
            data=form,
            files=files,
            name="/complaints/new" + (" +photo" if photo else ""),
        )
        number = r is not None and TRACKING.search(r.headers.get("Location", ""))
        if number:
            self.accepted.append(number.group(0))
            self.call(self.citizen, "GET", r.headers["Location"], name="/complaints/receipt/[number]")

    def submit_web_photo(self) -> None:
        self.submit_web(photo=True)

    def _number(self) -> str | None:
        return self.rng.choice(self.accepted) if self.accepted else None

    def track_page(self) -> None:
        number = self._number()
        if number is None:
            return self.submit_api()
        r = self.call(self.citizen, "GET", f"/track?number={number}", 302, name="/track?number=[number]")
        if r is not None:
            self.call(self.citizen, "GET", r.headers["Location"], name="/track/[number]")

    def track_api(self) -> None:
        number = self._number()
        if number is None:
            return self.submit_api()
        self.call(self.citizen, "GET", f"/api/v1/complaints/{number}", name="/api/v1/complaints/[number]")

    def home(self) -> None:
        self.call(self.citizen, "GET", "/")

    def public_api(self) -> None:
        path = self.rng.choice(
            [
                "/api/v1/categories",
                "/api/v1/places/provinces",
                "/api/v1/places/provinces/10/districts",
                "/api/v1/openapi.json",
                "/standards",
            ]
        )
        self.call(self.citizen, "GET", path)

    def open311(self) -> None:
        path = self.rng.choice(["/open311/v2/services.json", "/open311/v2/requests.json", "/open311/v2/requests.xml"])
        self.call(self.citizen, "GET", path)

    # officers
    def _queue(self, query: str) -> list[str]:
        r = self.call(self.officer, "GET", f"/officer/{query}", name="/officer/[queue]")
        return CASE_LINK.findall(r.text) if r is not None else []

    def officer_queue(self) -> None:
        self._queue(
            self.rng.choice(
                ["", "?sort=due_asc", "?due=due_soon", "?status=all&page=2", "?assigned=unassigned", "?assigned=me"]
            )
        )

    def _case(self, number: str):
        return self.call(self.officer, "GET", f"/officer/complaints/{number}", name="/officer/complaints/[number]")

    def officer_case(self) -> None:
        cases = self._queue("?status=all")
        if cases:
            self._case(self.rng.choice(cases))

    def officer_write(self) -> None:
        cases = self._queue("?assigned=unassigned&sort=received_desc")
        page = cases and self._case(self.rng.choice(cases[:10]))
        if page:
            form = self.rng.choice(["note", "reply"])
            text = "โทรประสานผู้รับเหมาแล้ว นัดลงพื้นที่พรุ่งนี้" if form == "note" else "เจ้าหน้าที่รับเรื่องแล้ว กำลังตรวจสอบพื้นที่"
            self.call(
                self.officer,
                "POST",
                f"/officer/complaints/{page.url.rsplit('/', 1)[1]}/{form}",
                302,
                name=f"/officer/complaints/[number]/{form}",
                data={"csrf_token": CSRF.search(page.text).group(1), "text": text},
            )

    def officer_assign(self) -> None:
        cases = self._queue("?assigned=unassigned&sort=received_desc")
        page = cases and self._case(self.rng.choice(cases[:10]))
        if page and 'data-action="assign"' in page.text:
            self.call(
                self.officer,
                "POST",
                f"/officer/complaints/{page.url.rsplit('/', 1)[1]}/action",
                302,
                name="/officer/complaints/[number]/action assign",
                data={
                    "csrf_token": CSRF.search(page.text).group(1),
                    "action": "assign",
                    "assignee_id": self.officer_account["id"],
                },
            )

    # managers
    def manager_dashboard(self) -> None:
        fy, q = load_test_periods()
        r = self.call(self.manager, "GET", f"/manager/?period={self.rng.choice([fy, q])}", name="/manager/?period")
        if r is not None:
            import html

            self.drills = [html.unescape(link) for link in DRILL_LINK.findall(r.text)]

    def manager_drill(self) -> None:
        if not self.drills:
            return self.manager_dashboard()
        self.call(self.manager, "GET", self.rng.choice(self.drills), name="/manager/complaints?[drill]")

    def manager_xlsx(self) -> None:
        self.call(
            self.manager,
            "GET",
            f"/manager/export/dashboard.xlsx?period={load_test_periods()[1]}",
            name="/manager/export/dashboard.xlsx",
        )

    def manager_pdf(self) -> None:
        self.call(
            self.manager,
            "GET",
            f"/manager/dashboard.pdf?period={load_test_periods()[1]}",
            name="/manager/dashboard.pdf",
        )

    def manager_csv(self) -> None:
        r = self.call(self.manager, "GET", "/manager/exports")
        if r is None:
            return
        r = self.call(
            self.manager,
            "POST",
            f"/manager/complaints/export.csv?period={load_test_periods()[1]}",
            302,
            name="/manager/complaints/export.csv",
            data={"csrf_token": CSRF.search(r.text).group(1)},
        )
        if r is not None:
            self.call(self.manager, "GET", r.headers["Location"], name="/manager/exports/[id]")


def load_test_periods() -> tuple[str, str]:
    from datetime import datetime, timedelta, timezone

    today = datetime.now(timezone(timedelta(hours=7))).date()
    fy = today.year + 543 + (1 if today.month >= 10 else 0)
    return str(fy), f"{fy}-Q{(today.month - 10) % 12 // 3 + 1}"


# --------------------------------------------------------------------------- tracemalloc


def tracemalloc_growth(folder: Path, top: int = 15) -> dict:
    """Per worker: the allocation sites that grew most between its first and last snapshot."""
    import tracemalloc

    by_pid: dict[str, list[Path]] = {}
    for snap in sorted(folder.glob("*.snap")):
        by_pid.setdefault(snap.name.split("-")[0], []).append(snap)
    found = {}
    for pid, snaps in by_pid.items():
        if len(snaps) < 2:
            continue
        first, last = tracemalloc.Snapshot.load(str(snaps[0])), tracemalloc.Snapshot.load(str(snaps[-1]))
        rows = []
        for stat in last.compare_to(first, "traceback")[:top]:
            frames = [f"{f.filename.split('site-packages/')[-1]}:{f.lineno}" for f in stat.traceback]
            ours = [f for f in frames if "complaints/" in f or "workers/" in f]
            rows.append(
                {
                    "growth_kb": round(stat.size_diff / 1024, 1),
                    "count_diff": stat.count_diff,
                    "site": frames[-1] if frames else "?",
                    "ours": ours[-3:],
                    "stack": frames[-12:],
                }
            )
        found[pid] = {
            "from": snaps[0].stem,
            "to": snaps[-1].stem,
            "traced_growth_mb": round(
                (sum(s.size for s in last.statistics("filename")) - sum(s.size for s in first.statistics("filename")))
                / 2**20,
                1,
            ),
            "top": rows,
        }
    return found


# --------------------------------------------------------------------------- run


def run(args: argparse.Namespace) -> dict:
    redis_url = f"{harness.REDIS_BASE}/{args.redis_db}"
    harness.check_services(redis_url)
    import secrets

    with harness.workspace() as work, harness.fresh_database(work) as db_url:
        db_name = db_url.rsplit("/", 1)[1].split("?")[0]
        harness.flush_redis(redis_url)
        line = load_test.LinePlatform()
        env = harness.rongrian_env(
            work,
            db_url,
            redis_url,
            RATELIMIT_STORAGE_URI=redis_url,
            SECRET_KEY=secrets.token_urlsafe(32),
            LOG_LEVEL="WARNING",
            LINE_API_BASE_URL=line.url,
            LINE_CHANNEL_ACCESS_TOKEN="memory-bench",
        )
        started = time.monotonic()
        staff = load_test.prepare_data(env, args.complaints)
        print(f"data ready in {time.monotonic() - started:.0f} s", flush=True)
        # the image's gunicorn settings (its logging config), as the Dockerfile runs it
        web_env = {**env, "GUNICORN_CMD_ARGS": "--config python:complaints.gunicorn_conf"}
        app_spec = "complaints:create_app()"
        snaps = work / "tracemalloc"
        if args.tracemalloc:
            snaps.mkdir()
            # traced requests are slow: no worker timeout (a replaced worker loses its snapshots)
            web_env["GUNICORN_CMD_ARGS"] += " --timeout 600"
            web_env.update(
                BENCH_TRACEMALLOC_DIR=str(snaps),
                BENCH_TRACEMALLOC_EVERY=str(max(args.requests // args.workers // 4, 25)),
            )
            app_spec = "memory_app:app"
        procs: list[harness.Process] = []
        sampler = None
        try:
            worker = harness.start(harness.CeleryWorker(env, work / "celery-worker.log", concurrency=2))
            procs.append(worker)
            web = harness.Gunicorn(
                "gunicorn",
                web_env,
                work / "gunicorn.log",
                app_spec=app_spec,
                workers=args.workers,
                port=args.port,
                extra_args=("--pythonpath", str(harness.BENCH)) if args.tracemalloc else (),
            )
            harness.start(web)
            procs.append(web)
            worker.wait_ready()
            web.wait_ready(timeout=300 if args.tracemalloc else 60)
            load_test.wait_settled(web.proc.pid, args.workers, timeout=300 if args.tracemalloc else 60)
            sent = 0
            lock = threading.Lock()

            def budget() -> bool:
                nonlocal sent
                with lock:
                    if sent >= args.requests:
                        return False
                    sent += 1
                    return True

            sampler = Sampler(web, worker, db_name, args.sample_seconds, lambda: sent)
            sampler.start()
            accepted: list[str] = []
            photos = [photo_bytes(i) for i in range(3)]
            timeout = 900 if args.tracemalloc else 120  # a traced PDF export takes minutes
            clients = [
                Client(i, web.base_url, staff, budget, accepted, args.seed, photos, timeout)
                for i in range(args.clients)
            ]
            load_started = time.monotonic()
            for c in clients:
                c.start()
            for c in clients:
                c.join()
            load_seconds = time.monotonic() - load_started
            time.sleep(args.sample_seconds)
            sampler.stop()
            server_errors = load_test.log_errors(web, load_test.SERVER_ERROR)
            database = database_size(db_url)
            growth = tracemalloc_growth(snaps) if args.tracemalloc else {}
        finally:
            if sampler is not None and sampler.is_alive():
                sampler.stop()
            for p in reversed(procs):
                p.stop()
            line.shutdown()
            line.server_close()
            harness.flush_redis(redis_url)
    counts: dict[str, int] = {}
    for c in clients:
        for k, v in c.counts.items():
            counts[k] = counts.get(k, 0) + v
    latencies = [x for c in clients for x in c.latencies]
    failures = [f for c in clients for f in c.failures]
    result = summarise(args, sampler, counts, failures, latencies, load_seconds, server_errors, growth)
    result["database"] = database
    return result


def database_size(url: str) -> dict:
    """Complaints, timeline events and the database's size on disk at the end (for sizing)."""
    from sqlalchemy import text

    engine = harness.db_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT (SELECT count(*) FROM complaints), (SELECT count(*) FROM timeline_events), "
                    "pg_database_size(current_database())"
                )
            ).one()
    finally:
        engine.dispose()
    return {
        "complaints": row[0],
        "timeline_events": row[1],
        "size_mb": round(row[2] / 2**20, 1),
        "kb_per_complaint": round(row[2] / 1024 / max(row[0], 1), 1),
    }


def summarise(args, sampler: Sampler, counts, failures, latencies, load_seconds, server_errors, growth) -> dict:
    workers = {}
    for i, (pid, series) in enumerate(sorted(sampler.workers.items()), 1):
        warm = next((s for s in series if s["requests"] >= args.requests * 0.1), series[0])
        workers[f"worker {i}"] = {
            "pid": pid,
            "start_rss_mb": series[0]["rss_mb"],
            "warm_rss_mb": warm["rss_mb"],
            "end_rss_mb": series[-1]["rss_mb"],
            "max_rss_mb": max(s["rss_mb"] for s in series),
            "start_pss_mb": series[0]["pss_mb"],
            "end_pss_mb": series[-1]["pss_mb"],
            "growth_after_warm_mb": round(series[-1]["rss_mb"] - warm["rss_mb"], 1),
            "series": series,
        }
    stack_end = sampler.stack[-1]
    stack = {k: v for k, v in stack_end.items() if k not in ("t", "requests")}
    stack["total"] = round(sum(stack.values()), 1)
    result = {
        "benchmark": "worker_memory",
        "app": harness.app_source(),
        "settings": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
        "requests": sum(counts.values()),
        "load_seconds": round(load_seconds, 1),
        "rps": round(sum(counts.values()) / load_seconds, 1) if load_seconds else None,
        "latency_ms": {
            "p50": round(harness.percentile(latencies, 50) * 1000, 1),
            "p95": round(harness.percentile(latencies, 95) * 1000, 1),
        },
        "endpoints": dict(sorted(counts.items(), key=lambda kv: -kv[1])),
        "failures": failures[:50],
        "failure_count": len(failures),
        "server_errors": server_errors[:20],
        "workers": workers,
        "stack_pss_mb_end": stack,
        "stack_pss_mb_max": {k: max(row[k] for row in sampler.stack) for k in stack_end if k not in ("t", "requests")},
        "tracemalloc": growth,
    }
    result["workers_seen"] = len(workers)  # more than --workers: one was replaced (a timeout, a crash)
    result["max_worker_rss_mb"] = max((w["end_rss_mb"] for w in workers.values()), default=float("nan"))
    result["ok"] = (
        not failures
        and not server_errors
        and result["requests"] >= args.requests
        and result["workers_seen"] == args.workers
        and result["max_worker_rss_mb"] <= args.limit_mb
    )
    return result


def report(result: dict) -> None:
    print(
        f"\n{result['requests']} requests in {result['load_seconds']} s ({result['rps']} req/s), "
        f"p50 {result['latency_ms']['p50']} ms, p95 {result['latency_ms']['p95']} ms; "
        f"failures {result['failure_count']}, server errors {len(result['server_errors'])}"
    )
    for name, n in result["endpoints"].items():
        print(f"  {n:>6}  {name}")
    for f in result["failures"][:5]:
        print(f"  failed: {f}")
    for line in result["server_errors"][:3]:
        print(f"  server: {line[:300]}")
    print(
        f"\n{'gunicorn worker':<16} {'start':>7} {'warm':>7} {'end':>7} {'max':>7} {'growth':>8} "
        f"{'PSS start':>10} {'PSS end':>8}   (MB; warm = after 10 % of the requests)"
    )
    for name, w in result["workers"].items():
        print(
            f"{name:<16} {w['start_rss_mb']:>7.1f} {w['warm_rss_mb']:>7.1f} {w['end_rss_mb']:>7.1f} "
            f"{w['max_rss_mb']:>7.1f} {w['growth_after_warm_mb']:>+8.1f} {w['start_pss_mb']:>10.1f} "
            f"{w['end_pss_mb']:>8.1f}"
        )
    d = result.get("database")
    if d:
        print(
            f"database at the end: {d['complaints']} complaints, {d['timeline_events']} timeline events, "
            f"{d['size_mb']} MB ({d['kb_per_complaint']} kB per complaint, indexes and seed data included)"
        )
    print(
        "stack PSS at the end (MB): "
        + ", ".join(f"{k} {v}" for k, v in result["stack_pss_mb_end"].items())
        + " (Redis not counted)"
    )
    for pid, g in result["tracemalloc"].items():
        print(f"\ntracemalloc, worker {pid} ({g['from']} -> {g['to']}): traced growth {g['traced_growth_mb']} MB")
        for row in g["top"]:
            print(
                f"  {row['growth_kb']:>+10.1f} KiB {row['count_diff']:>+7} blocks  {row['site']}  "
                f"<- {' <- '.join(reversed(row['ours'])) or '-'}"
            )
    print(
        f"verdict: {'OK' if result['ok'] else 'FAILED'} (largest worker RSS at the end "
        f"{result['max_worker_rss_mb']} MB, limit {result['settings']['limit_mb']:g} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    harness.exit_cleanly_on_signals()
    args = parse_args(argv)
    with harness.commit_checkout(args.commit):
        result = run(args)
    report(result)
    path = harness.save_result("worker_memory", result)
    print(f"saved {path.relative_to(harness.ROOT)}")
    if args.json:
        args.json.write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8")
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())
