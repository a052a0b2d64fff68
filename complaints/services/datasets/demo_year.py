"""A realistic year of operations, for demos and benchmarks (`flask demo generate`).

Complaint texts and their categories and districts are drawn from the Traffy
Fondue file; the rest is simulated the way a Thai agency's year goes: channels
in realistic shares, arrivals in Bangkok working hours (the office channels only
on working days), acknowledgement within hours mostly and some late, work
assigned, started, answered and resolved within the service standard or not,
citizens confirming, reopening and rating (about 40 % answer the survey),
supervisors closing with a root cause, repeat complaints (same complainant by
contact keys, or same place and issue) and duplicates merged, tip-offs kept
anonymous. Everything is drawn from one seeded generator, in order of arrival,
so the same seed, year, count and `as_of` give the same data.

Each complaint is simulated as a list of timeline events; the events after
`as_of` have not happened yet, and the complaint's status and dates are those
its remaining events give (so the timeline always matches the status).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from complaints.domain.locations import UnknownPlace, district_choices, resolve_place, subdistrict_choices
from complaints.domain.thai_calendar import (
    BANGKOK,
    be_year,
    fiscal_year,
    fiscal_year_bounds,
    is_working_day,
    to_bangkok,
)
from complaints.extensions import db
from complaints.models import (
    Channel,
    Complainant,
    Complaint,
    Kind,
    RootCause,
    Status,
    SurveyResponse,
    TimelineEvent,
    Unit,
    User,
    utcnow,
)
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.nlp.similarity import text_signature
from complaints.services.casework import similarity, workflow
from complaints.services.casework.sla import due_soon_threshold
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.standards import (
    due_dates,
    extend_by_working_days,
    standard_for,
    working_days_between,
)
from complaints.services.datasets import bulk_store
from complaints.services.datasets.history_import import read_rows

S = Status
BANGKOK_PROVINCE = "กรุงเทพมหานคร"
TEXT_POOL_MAX = 20_000  # distinct texts (each needs a signature); more complaints reuse them

CHANNEL_SHARES = {
    Channel.WEB: 30,
    Channel.LINE: 27,
    Channel.PHONE: 13,
    Channel.COUNTER: 7,
    Channel.OPEN311: 7,
    Channel.EMAIL: 6,
    Channel.LETTER: 4,
    Channel.SMS: 3,
    Channel.API: 3,
}
# Channels a person staffs: they arrive in office hours on working days only.
OFFICE_CHANNELS = {Channel.PHONE, Channel.COUNTER, Channel.LETTER}
# Answered at once with the tracking number (intake.RECEIPT_CHANNELS); the others
# are acknowledged when an officer or the worker gets to them.
RECEIPT_CHANNELS = {Channel.WEB, Channel.API, Channel.OPEN311, Channel.PHONE, Channel.COUNTER}
KIND_SHARES = {Kind.COMPLAINT: 86, Kind.SUGGESTION: 7, Kind.COMPLIMENT: 4, Kind.TIP_OFF: 3}
# Online arrivals by Bangkok hour: mornings, lunch and the evening commute.
ONLINE_HOURS = [1, 1, 1, 1, 1, 2, 4, 7, 9, 10, 10, 9, 8, 8, 8, 7, 7, 7, 8, 9, 8, 6, 4, 2]
RAINY_MONTHS = {6, 7, 8, 9, 10}
RAIN_CATEGORIES = {"น้ำท่วม", "ท่อระบายน้ำ", "คลอง"}

REPEAT_SHARE = 0.12
REPEAT_WINDOW_DAYS = 90
ANONYMOUS_SHARE = 0.12
TIP_OFF_ANONYMOUS_SHARE = 0.7
FREQUENT_PEOPLE_SHARE = 0.05  # of the people, who send
FREQUENT_COMPLAINT_SHARE = 0.25  # of the complaints
SURVEY_RESPONSE_RATE = 0.4
# One problem at one place (what a recurring cluster gathers: the same category at the
# same place) mostly has one cause; this share of its complaints gets a cause of its own,
# never more than one in ten of them so far.
ROOT_CAUSE_OTHER_SHARE = 0.05
ROOT_CAUSE_OTHER_MAX = 0.1

ROOT_CAUSES_BY_CATEGORY = {
    "ถนน": {"maintenance": 5, "infrastructure": 4, "third-party": 2, "weather": 1},
    "ทางเท้า": {"maintenance": 5, "infrastructure": 3, "enforcement": 2, "third-party": 1},
    "น้ำท่วม": {"weather": 5, "infrastructure": 4, "maintenance": 2},
    "ท่อระบายน้ำ": {"maintenance": 5, "infrastructure": 3, "weather": 2},
    "คลอง": {"maintenance": 4, "enforcement": 2, "weather": 2},
    "แสงสว่าง": {"maintenance": 6, "infrastructure": 2},
    "สายไฟ": {"third-party": 5, "maintenance": 2, "infrastructure": 2},
    "กีดขวาง": {"enforcement": 6, "third-party": 2},
    "เสียงรบกวน": {"enforcement": 5, "third-party": 3},
    "ความสะอาด": {"maintenance": 4, "process": 2, "enforcement": 2},
    "ร้องเรียน": {"staff-conduct": 3, "process": 3, "communication": 3},
    "สอบถาม": {"communication": 6, "no-fault": 2},
    "เสนอแนะ": {"process": 3, "communication": 3, "no-fault": 2},
}
DEFAULT_ROOT_CAUSES = {
    "maintenance": 3,
    "process": 2,
    "infrastructure": 2,
    "enforcement": 2,
    "communication": 1,
    "third-party": 1,
    "no-fault": 1,
    "other": 1,
}

FIRST_NAMES = [
    "สมชาย",
    "สมหญิง",
    "วิชัย",
    "สุดา",
    "ประเสริฐ",
    "มาลี",
    "ธนากร",
    "กาญจนา",
    "อนุชา",
    "ศิริพร",
    "ณัฐพล",
    "พิมพ์ชนก",
    "ปิยะ",
    "วรรณา",
    "เกียรติศักดิ์",
    "นภัสสร",
    "ชัยวัฒน์",
    "อรอุมา",
    "ธีรวัฒน์",
    "จันทร์เพ็ญ",
]
LAST_NAMES = [
    "ใจดี",
    "รักไทย",
    "ศรีสุข",
    "บุญมา",
    "แก้วประเสริฐ",
    "ทองคำ",
    "สุขสวัสดิ์",
    "วงศ์ใหญ่",
    "พึ่งบุญ",
    "เจริญผล",
    "มั่นคง",
    "สายทอง",
    "อินทรวงศ์",
    "ชูศรี",
    "กิตติกุล",
    "พรหมมา",
]
COMPLIMENTS = [
    "ขอชมเชยเจ้าหน้าที่ที่มาซ่อมไฟฟ้าส่องสว่างหน้าซอยอย่างรวดเร็ว ขอบคุณมากครับ",
    "ขอบคุณเจ้าหน้าที่ฝ่ายรักษาความสะอาดที่เก็บขยะตกค้างให้ภายในวันเดียว บริการดีมากค่ะ",
    "ชื่นชมเจ้าหน้าที่ศูนย์รับเรื่องที่ให้คำแนะนำอย่างสุภาพและติดตามเรื่องให้จนเสร็จ",
    "ขอบคุณที่ลอกท่อระบายน้ำในซอย ฝนตกหนักเมื่อวานน้ำไม่ท่วมแล้วครับ",
]
TIP_OFFS = [
    "พบเจ้าหน้าที่เรียกรับเงินเพื่อเร่งออกใบอนุญาตก่อสร้าง ขอให้ตรวจสอบด้วย",
    "มีการใช้รถราชการไปทำธุระส่วนตัวในวันหยุดเป็นประจำ",
    "ผู้รับเหมาซ่อมถนนใช้วัสดุไม่ตรงตามสัญญา ผิวถนนพังหลังซ่อมไม่ถึงเดือน สงสัยมีการสมยอมราคา",
    "เจ้าหน้าที่เทศกิจเก็บเงินแผงลอยรายวันโดยไม่ออกใบเสร็จ",
]


@dataclass
class GenerateSummary:
    complaints: int = 0
    complainants: int = 0
    events: int = 0
    surveys: int = 0
    by_status: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class _Text:
    description: str
    category: str | None
    district_code: str | None
    signature: str


@dataclass
class _Person:
    name: str
    phone: str
    email: str
    line_user_id: str
    keys: tuple[str | None, str | None, str | None] | None = None


def _weighted(rng: random.Random, shares: dict):
    return rng.choices(list(shares), weights=list(shares.values()))[0]


def text_pool(path: Path, size: int, rng: random.Random) -> list[_Text]:
    """`size` distinct Traffy texts (cleaned as intake cleans them), with category, district, signature."""
    rows = [raw for _, raw in read_rows(path) if raw.get("text")]
    chosen = rng.sample(rows, min(size, len(rows)))
    pool = []
    for raw in chosen:
        try:
            description = clean_text(raw["text"])[: current_app.config["MAX_DESCRIPTION_CHARS"]]
        except UnsafeText:
            continue
        try:
            place = resolve_place(BANGKOK_PROVINCE, raw.get("district") or None, None)
        except UnknownPlace:
            place = None
        pool.append(
            _Text(
                description,
                raw.get("label") or None,
                place.code if place and place.district else None,
                text_signature(description),
            )
        )
    return pool


def _fixed_texts(texts: list[str]) -> list[_Text]:
    return [_Text(t, None, None, text_signature(t)) for t in texts]


# A password hash no password matches (werkzeug answers False for it): the demo case
# handlers exist to own cases; an admin who wants to log in as one sets a password.
NO_PASSWORD = "!no-password"


def _demo_officers() -> dict[int | None, int]:
    """One case handler per unit: unit id -> user id (None: an officer without a unit).

    An officer of the unit (the demo seeds one in ฝ่ายโยธา); in the integrity unit
    an integrity officer, since only that role may handle tip-offs. A unit without
    one gets an `officer-<unit code>` account without a password (`flask
    set-password --username officer-<code> --generate` gives it one).
    """
    integrity_unit = reference_data.unit_id_by_code(current_app.config["INTEGRITY_UNIT_CODE"])
    officers: dict[int | None, int] = {}
    for user_id, unit_id, role in db.session.execute(
        select(User.id, User.unit_id, User.role)
        .where(User.role.in_(("officer", "integrity")), User.active.is_(True))
        .order_by(User.id)
    ):
        if (role == "integrity") == (unit_id == integrity_unit):
            officers.setdefault(unit_id, user_id)
    missing = [unit for unit in db.session.scalars(select(Unit).order_by(Unit.id)) if unit.id not in officers]
    for unit in missing:
        role = "integrity" if unit.id == integrity_unit else "officer"
        user = User(
            username=f"officer-{unit.code}",
            display_name=f"เจ้าหน้าที่{unit.name_th}",
            role=role,
            unit=unit,
            password_hash=NO_PASSWORD,
        )
        db.session.add(user)
        db.session.flush()
        officers[unit.id] = user.id
    db.session.commit()
    return officers


class _Year:
    """Arrival times over the days of the period, by channel type."""

    def __init__(self, start: datetime, end: datetime):
        self.start, self.end = start, end
        first, last = to_bangkok(start).date(), to_bangkok(end).date()
        self.days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        working = [is_working_day(d) for d in self.days]
        rain = [1.25 if d.month in RAINY_MONTHS else 1.0 for d in self.days]
        self.online_weights = [r * (1.0 if w else 0.45) for r, w in zip(rain, working, strict=True)]
        self.office_weights = [r * (1.0 if w else 0.0) for r, w in zip(rain, working, strict=True)]

    def arrivals(self, rng: random.Random, office: bool, n: int) -> list[datetime]:
        weights = self.office_weights if office else self.online_weights
        if n == 0 or not any(weights):
            return []
        cumulative = list(itertools.accumulate(weights))
        out: list[datetime] = []
        while len(out) < n:
            day = rng.choices(self.days, cum_weights=cumulative)[0]
            if office:
                seconds = 8.5 * 3600 + rng.random() * 8 * 3600
            else:
                seconds = (rng.choices(range(24), weights=ONLINE_HOURS)[0] + rng.random()) * 3600
            moment = datetime.combine(day, time(), tzinfo=BANGKOK) + timedelta(seconds=seconds)
            moment = moment.astimezone(UTC)
            if self.start <= moment <= self.end:  # the last day is cut at `as_of`: draw again
                out.append(moment)
        return out


class Generator:
    def __init__(self, fiscal_year: int, count: int, seed: int, as_of: datetime, texts_path: Path):
        self.rng = random.Random(seed)
        first, last = fiscal_year_bounds(fiscal_year)
        start = datetime.combine(first, time(), tzinfo=BANGKOK).astimezone(UTC)
        end = min(datetime.combine(last, time(23, 59, 59), tzinfo=BANGKOK).astimezone(UTC), as_of)
        if end <= start:
            raise ValueError(f"fiscal year {fiscal_year} has not started by {as_of:%Y-%m-%d}")
        self.count, self.as_of, self.year = count, as_of, _Year(start, end)
        config = current_app.config
        self.auto_close = timedelta(days=config["AUTO_CLOSE_DAYS"])
        self.due_soon = due_soon_threshold(as_of, config["DUE_SOON_WORKING_DAYS"])
        self.privacy_version = config["PRIVACY_NOTICE_VERSION"]
        self.numbers = bulk_store.TrackingNumberAllocator(config["TRACKING_PREFIX"], self.rng.choice)
        self.categories = reference_data.active_categories()
        self.intake_unit = reference_data.unit_id_by_code(config["INTAKE_UNIT_CODE"])
        self.integrity_unit = reference_data.unit_id_by_code(config["INTEGRITY_UNIT_CODE"])
        self.root_causes = dict(
            db.session.execute(select(RootCause.code, RootCause.id).where(RootCause.active.is_(True))).all()
        )
        # (category code, area code) -> [its cause, complaints given a cause, of them another one]
        self.problem_causes: dict[tuple[str, str], list] = {}
        self.officers = _demo_officers()
        self.texts = text_pool(texts_path, min(max(count // 3, 500), TEXT_POOL_MAX), self.rng)
        if not self.texts:
            raise ValueError(f"no usable text in {texts_path}")
        self.suggestions = [t for t in self.texts if t.category == "เสนอแนะ"] or self.texts
        self.compliments, self.tip_offs = _fixed_texts(COMPLIMENTS), _fixed_texts(TIP_OFFS)
        self.subdistricts: dict[str, list[tuple[str, str]]] = {}
        self.districts: dict[str, str] = {}
        self.people = [self._person(i) for i in range(max(1, int(count * 0.55)))]
        self.deadlines: dict = {}
        # What later complaints may repeat: arrival times (sorted) and, per complaint,
        # (id, text, area code, person or -1, kind, still open at arrival + 1 day).
        self.arrived: list[datetime] = []
        self.history: list[tuple] = []

    # -- people and places ------------------------------------------------------------------

    def _person(self, i: int) -> _Person:
        rng = self.rng
        return _Person(
            f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
            f"08{rng.randrange(10**8):08d}",
            f"citizen{i:07d}@example.net",
            "U" + "".join(rng.choice("0123456789abcdef") for _ in range(32)),
        )

    def _choose_person(self) -> int:
        frequent = max(1, int(len(self.people) * FREQUENT_PEOPLE_SHARE))
        if self.rng.random() < FREQUENT_COMPLAINT_SHARE:
            return self.rng.randrange(frequent)
        return self.rng.randrange(len(self.people))

    def _keys(self, person: _Person) -> tuple:
        if person.keys is None:
            probe = Complainant(phone=person.phone, email=person.email, line_user_id=person.line_user_id)
            similarity.complainant_keys(probe)
            person.keys = (probe.phone_key, probe.email_key, probe.line_key)
        return person.keys

    def _area(self, district_code: str | None) -> tuple[str | None, str | None]:
        """(area code, subdistrict name) of a random subdistrict of the district."""
        if district_code is None:
            return None, None
        if district_code not in self.subdistricts:
            self.subdistricts[district_code] = [(c, th) for c, th, _ in subdistrict_choices(district_code)]
        subs = self.subdistricts[district_code]
        return self.rng.choice(subs) if subs else (district_code, None)

    def _deadlines(self, category_id: int | None, kind: str, received_at: datetime):
        # The deadlines depend on the standard and the day of arrival only: one computation
        # per day for every category and kind that share a standard.
        key = (standard_for(category_id, kind), to_bangkok(received_at).date())
        found = self.deadlines.get(key)
        if found is None:
            found = self.deadlines[key] = due_dates(category_id, kind, received_at)
        return found

    # -- one complaint ------------------------------------------------------------------------

    def _repeat_source(self, received_at: datetime) -> int | None:
        if not self.history or self.rng.random() >= REPEAT_SHARE:
            return None
        first = bisect.bisect_left(self.arrived, received_at - timedelta(days=REPEAT_WINDOW_DAYS))
        if first >= len(self.history):
            return None
        index = self.rng.randrange(first, len(self.history))
        return index if self.history[index][4] == Kind.COMPLAINT else None

    def _contact(self, channel: str, person: _Person) -> dict:
        wants: dict[str, tuple[str, ...]] = {
            Channel.LINE: ("line_user_id",),
            Channel.EMAIL: ("email",),
            Channel.SMS: ("phone",),
            Channel.PHONE: ("phone",),
            Channel.COUNTER: ("phone",),
            Channel.LETTER: ("phone",),
        }
        fields = wants.get(channel, ("email", "phone"))
        return {f: getattr(person, f) for f in fields}

    def simulate(
        self, complaint_id: int, received_at: datetime, channel: str
    ) -> tuple[dict, dict | None, list, dict | None]:
        """The complaint row, its complainant row, its events (kind, at, actor, text, public) and survey."""
        rng = self.rng
        kind = _weighted(rng, KIND_SHARES)
        repeat_index = self._repeat_source(received_at) if kind == Kind.COMPLAINT else None
        source = self.history[repeat_index] if repeat_index is not None else None
        person_index = -1
        if source is not None:
            text = self.texts[source[1]]
            area = source[2]
            same_person = source[3] >= 0 and rng.random() < 0.5
            person_index = source[3] if same_person else -1
            text_index = source[1]
        else:
            if kind == Kind.COMPLIMENT:
                text, text_index = rng.choice(self.compliments), -1
            elif kind == Kind.TIP_OFF:
                text, text_index = rng.choice(self.tip_offs), -1
            elif kind == Kind.SUGGESTION:
                text, text_index = rng.choice(self.suggestions), -1
            else:
                text_index = rng.randrange(len(self.texts))
                text = self.texts[text_index]
                if text.category in RAIN_CATEGORIES and received_at.month not in RAINY_MONTHS and rng.random() < 0.6:
                    text_index = rng.randrange(len(self.texts))
                    text = self.texts[text_index]
            area = None
        if area is None:
            area_code, subdistrict = self._area(text.district_code)
        else:  # the same place as the complaint repeated
            area_code = area
            subdistrict = next((n for c, n in self.subdistricts.get(area[:4], []) if c == area), None)
        anonymous = rng.random() < (TIP_OFF_ANONYMOUS_SHARE if kind == Kind.TIP_OFF else ANONYMOUS_SHARE)
        if anonymous:
            person_index = -1
        elif person_index < 0:
            person_index = self._choose_person()

        category = self.categories.get(text.category) if text.category else None
        category_id = category.id if category else None
        if kind == Kind.TIP_OFF:  # as intake routes them: never to the unit complained about
            unit_id = self.integrity_unit
        else:
            unit_id = category.unit_id if category and category.unit_id else self.intake_unit
        deadlines = self._deadlines(category_id, kind, received_at)
        merge_into = None
        if source is not None and source[5] >= received_at and rng.random() < 0.5:
            merge_into = source[0]
        events, state = self._workflow(kind, channel, received_at, deadlines, unit_id, merge_into, category)
        self._record_root_cause(state, category, area_code)
        complaint = {
            "id": complaint_id,
            "tracking_number": self.numbers.new(be_year(to_bangkok(received_at))),
            "kind": kind,
            "channel": channel,
            "description": text.description,
            "category_id": category_id,
            "unit_id": unit_id,
            "province": BANGKOK_PROVINCE if area_code else None,
            "district": self._district_name(area_code),
            "subdistrict": subdistrict,
            "area_code": area_code,
            "anonymous": anonymous,
            "privacy_notice_version": self.privacy_version,
            "received_at": received_at,
            "ack_due_at": deadlines.ack_due_at,
            "first_response_due_at": deadlines.first_response_due_at,
            "due_at": deadlines.due_at,
            "category_source": "citizen" if channel in (Channel.WEB, Channel.OPEN311, Channel.API) else "officer",
            "suggested_category_id": category_id,
            "suggestion_confidence": round(0.55 + 0.44 * rng.random(), 3) if category_id else None,
            "text_signature": text.signature,
            "repeat_of_id": source[0] if source is not None else None,
            "repeat_checked_at": received_at,
            **state,
        }
        complainant = None
        if person_index >= 0:
            person = self.people[person_index]
            # Someone coming back about the same matter is known by every contact they gave.
            contact = (
                self._contact(channel, person)
                if source is None or person_index != source[3]
                else {"phone": person.phone, "email": person.email, "line_user_id": person.line_user_id}
            )
            keys = self._keys(person)
            complainant = {
                "name": person.name,
                "phone": contact.get("phone"),
                "email": contact.get("email"),
                "line_user_id": contact.get("line_user_id"),
                "phone_key": keys[0] if "phone" in contact else None,
                "email_key": keys[1] if "email" in contact else None,
                "line_key": keys[2] if "line_user_id" in contact else None,
                "created_at": received_at,
            }
        survey = self._survey(complaint, events)
        open_until = complaint["closed_at"] or complaint["resolved_at"] or self.as_of
        self.arrived.append(received_at)
        self.history.append((complaint_id, text_index, area_code, person_index, kind, open_until))
        return complaint, complainant, events, survey

    def _district_name(self, area_code: str | None) -> str | None:
        if not area_code:
            return None
        code = area_code[:4]
        if code not in self.districts:
            self.districts.update({c: th for c, th, _ in district_choices(code[:2])})
        return self.districts.get(code)

    def _hours(self, median: float, sigma: float = 1.0) -> timedelta:
        return timedelta(hours=self.rng.lognormvariate(math.log(median), sigma))

    def _workflow(
        self,
        kind: str,
        channel: str,
        received: datetime,
        deadlines,
        unit_id: int | None,
        merge_into: int | None,
        category,
    ) -> tuple[list, dict]:
        """The events up to `as_of` and the complaint fields they leave behind."""
        rng = self.rng
        officer = self.officers.get(unit_id)
        plan: list[tuple] = [("received", received, "citizen", None, True)]
        ack = (
            received
            if channel in RECEIPT_CHANNELS
            else received + self._hours(20 if channel == Channel.LETTER else 1.5, 1.1)
        )
        plan.append(("acknowledged", ack, "system", "receipt" if ack == received else channel, True))
        outcome = rng.random()
        t = ack + self._hours(3)
        due = deadlines.due_at
        if merge_into is not None:
            plan.append(("merge", t, "officer", None, True))
        elif kind == Kind.COMPLIMENT:
            plan.append(
                (
                    "close",
                    ack + timedelta(days=1 + 2 * rng.random()),
                    "officer",
                    "ส่งคำชมถึงหน่วยงานแล้ว / passed on to the unit",
                    True,
                )
            )
        elif outcome < 0.05:
            plan.append(
                (
                    "reject",
                    t + timedelta(days=2 * rng.random()),
                    "officer",
                    "ไม่อยู่ในอำนาจหน้าที่ / not our responsibility",
                    True,
                )
            )
        elif outcome < 0.10:
            forwarded = t + timedelta(days=3 * rng.random())
            plan.append(("forward", forwarded, "officer", "การไฟฟ้านครหลวง / Metropolitan Electricity Authority", True))
            plan.append(("close", forwarded + timedelta(days=2 + 8 * rng.random()), "system", None, True))
        else:
            assigned = t
            started = assigned + self._hours(10, 1.2)
            plan.append(("assign", assigned, "officer", None, True))
            plan.append(("start", started, "officer", None, True))
            plan.append(("reply", started + self._hours(2), "officer", "รับเรื่องและส่งเจ้าหน้าที่ลงพื้นที่แล้ว", True))
            if outcome > 0.98:  # stuck: still in progress whenever you look
                pass
            else:
                work_days = rng.lognormvariate(math.log(6 if kind == Kind.COMPLAINT else 3), 0.8)
                resolved = max(started + self._hours(4), received + timedelta(days=work_days))
                if 0.10 <= outcome < 0.12:  # waiting for another party: the clock stops
                    held = started + timedelta(days=1 + 2 * rng.random())
                    resumed = held + timedelta(days=3 + 7 * rng.random())
                    plan.append(("hold", held, "officer", "รอผลจากหน่วยงานภายนอก / waiting for another agency", True))
                    plan.append(("resume", resumed, "officer", None, True))
                    due = extend_by_working_days(due, working_days_between(held, resumed))
                    resolved = max(resolved, resumed + self._hours(24))
                plan.append(("resolve", resolved, "officer", "ดำเนินการแก้ไขเรียบร้อยแล้ว", True))
                if rng.random() < 0.06:
                    reopened = resolved + timedelta(days=0.5 + 6 * rng.random())
                    plan.append(("reopen", reopened, "citizen", "ยังไม่ได้รับการแก้ไขจริง / not fixed", True))
                    restarted = reopened + self._hours(12)
                    plan.append(("start", restarted, "officer", None, True))
                    resolved = max(restarted, reopened) + timedelta(days=1 + 6 * rng.random())
                    plan.append(("resolve", resolved, "officer", "แก้ไขเพิ่มเติมเรียบร้อยแล้ว", True))
                if rng.random() < 0.55:
                    plan.append(("confirm", resolved + timedelta(days=0.2 + 4 * rng.random()), "citizen", None, True))
                else:
                    plan.append(
                        (
                            "close",
                            resolved + self.auto_close + self._hours(2, 0.3),
                            "system",
                            "ปิดเรื่องอัตโนมัติ: ผู้ร้องไม่ได้ตอบกลับภายในกำหนด / closed: no answer",
                            True,
                        )
                    )
        events = [e for e in plan if e[1] <= self.as_of]
        return events, self._state(events, deadlines, due, officer, merge_into, category)

    def _state(
        self, events: list, deadlines, due: datetime, officer: int | None, merge_into: int | None, category
    ) -> dict:
        state = {
            "status": S.RECEIVED,
            "acknowledged_at": None,
            "first_response_at": None,
            "resolved_at": None,
            "closed_at": None,
            "assigned_user_id": None,
            "reopen_count": 0,
            "merged_into_id": None,
            "forwarded_to": None,
            "held_at": None,
            "status_before_hold": None,
            "root_cause_id": None,
            "due_at": due if any(e[0] == "resume" for e in events) else deadlines.due_at,
            "escalated_at": None,
        }
        _replay(state, events, officer, merge_into)
        # The officer records the cause when resolving (workflow refuses a resolve without
        # one); a case closed without a resolution (a compliment, a forward) gets one too.
        state["needs_root_cause"] = state["status"] == S.CLOSED or any(e[0] == "resolve" for e in events)
        self._sla_state(state, events)
        return state

    def _record_root_cause(self, state: dict, category, area_code: str | None) -> None:
        if state.pop("needs_root_cause"):
            state["root_cause_id"] = self._root_cause(category, area_code)

    def _root_cause(self, category, area_code: str | None) -> int | None:
        """A resolved or closed complaint's root cause, drawn from its category's usual ones.

        The same problem at the same place (category and area, which every recurring
        cluster shares) has the same cause, but for a seeded ROOT_CAUSE_OTHER_SHARE of its
        complaints; a complaint with no place draws its own.
        """
        code = category.code if category else ""
        if area_code is None:
            return self._draw_root_cause(code)
        problem = self.problem_causes.get((code, area_code))
        if problem is None:
            problem = self.problem_causes[(code, area_code)] = [self._draw_root_cause(code), 0, 0]
        problem[1] += 1
        if self.rng.random() < ROOT_CAUSE_OTHER_SHARE and problem[2] + 1 <= problem[1] * ROOT_CAUSE_OTHER_MAX:
            problem[2] += 1
            return self._draw_root_cause(code)
        return problem[0]

    def _draw_root_cause(self, category_code: str) -> int | None:
        shares = ROOT_CAUSES_BY_CATEGORY.get(category_code, DEFAULT_ROOT_CAUSES)
        shares = {c: w for c, w in shares.items() if c in self.root_causes} or {c: 1 for c in self.root_causes}
        return self.root_causes[_weighted(self.rng, shares)] if shares else None

    def _sla_state(self, state: dict, events: list) -> None:
        """The SLA state as of the demo's end, and the escalation (an event) of an overdue complaint."""
        finished = state["resolved_at"] or (state["closed_at"] if state["status"] == S.REJECTED else None)
        clock = finished or (None if state["status"] in (S.CLOSED, S.MERGED, S.ON_HOLD) else self.as_of)
        if clock is not None and clock > state["due_at"]:
            state["sla_state"] = "overdue"
            escalated = state["due_at"] + timedelta(minutes=10)
            if escalated <= self.as_of:
                state["escalated_at"] = escalated
                events.append(("escalated", escalated, "system", None, False))
                events.sort(key=lambda e: e[1])
        elif finished is None and state["status"] not in (S.CLOSED, S.MERGED) and state["due_at"] <= self.due_soon:
            state["sla_state"] = "due_soon"
        else:
            state["sla_state"] = "on_time"

    def _survey(self, complaint: dict, events: list) -> dict | None:
        if complaint["status"] not in (S.RESOLVED, S.CLOSED) or complaint["resolved_at"] is None:
            return None
        rng = self.rng
        if rng.random() >= SURVEY_RESPONSE_RATE:
            return None
        at = complaint["resolved_at"] + timedelta(days=0.1 + 3 * rng.random())
        if at > self.as_of:
            return None
        mean = 4.4 if complaint["resolved_at"] <= complaint["due_at"] else 3.1
        mean -= 0.9 * complaint["reopen_count"]
        satisfaction = min(5, max(1, round(rng.gauss(mean, 0.8))))
        confidence = min(5, max(1, round(rng.gauss(satisfaction - 0.2, 0.7))))
        events.append(("survey", at, "citizen", None, True))
        events.sort(key=lambda e: e[1])
        return {"satisfaction": satisfaction, "confidence": confidence, "comment": None, "created_at": at}

    # -- the whole year -------------------------------------------------------------------------

    def arrivals(self) -> list[tuple[datetime, str]]:
        """(received_at, channel) of every complaint, in order of arrival."""
        channels = self.rng.choices(list(CHANNEL_SHARES), weights=list(CHANNEL_SHARES.values()), k=self.count)
        out: list[tuple[datetime, str]] = []
        for office in (False, True):
            picked = [c for c in channels if (c in OFFICE_CHANNELS) == office]
            # Fewer arrivals than channels when no day of the year admits them (the office is
            # closed all year): those complaints are left out, not an error.
            out.extend(zip(self.year.arrivals(self.rng, office, len(picked)), picked, strict=False))
        out.sort()
        return out


def generate(
    fiscal_year: int,
    count: int,
    seed: int = 2569,
    as_of: datetime | None = None,
    texts_path: Path | None = None,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> GenerateSummary:
    """Store `count` complaints received in the BE fiscal year (up to `as_of`, default now)."""
    as_of = as_of or utcnow()
    texts_path = Path(texts_path or current_app.config["NLP_BASE_DATA"])
    generator = Generator(fiscal_year, count, seed, as_of, texts_path)
    summary = GenerateSummary()
    arrivals = generator.arrivals()
    template = bulk_store.TEMPLATES
    for start in range(0, len(arrivals), batch_size):
        chunk = arrivals[start : start + batch_size]
        ids = bulk_store.reserve_ids(Complaint, len(chunk))
        batch = bulk_store.Batch()
        events: list[tuple[int, tuple]] = []
        people: list[tuple[int, dict]] = []
        surveys: list[tuple[int, dict]] = []
        for complaint_id, (received_at, channel) in zip(ids, chunk, strict=True):
            complaint, complainant, complaint_events, survey = generator.simulate(complaint_id, received_at, channel)
            batch.complaints.append({**template["complaints"], **complaint})
            events.extend((complaint_id, e) for e in complaint_events)
            if complainant is not None:
                people.append((len(batch.complaints) - 1, complainant))
            if survey is not None:
                surveys.append((complaint_id, survey))
        for person_id, (position, person) in zip(bulk_store.reserve_ids(Complainant, len(people)), people, strict=True):
            batch.complainants.append({**template["complainants"], **person, "id": person_id})
            batch.complaints[position]["complainant_id"] = person_id
        event_template = template["timeline_events"]
        for event_id, (complaint_id, (kind, at, actor, text, public)) in zip(
            bulk_store.reserve_ids(TimelineEvent, len(events)), events, strict=True
        ):
            batch.events.append(
                {
                    **event_template,
                    "id": event_id,
                    "complaint_id": complaint_id,
                    "at": at,
                    "kind": kind,
                    "actor": actor,
                    "text": text,
                    "public": public,
                }
            )
        for survey_id, (complaint_id, survey) in zip(
            bulk_store.reserve_ids(SurveyResponse, len(surveys)), surveys, strict=True
        ):
            batch.surveys.append(
                {**template["survey_responses"], **survey, "id": survey_id, "complaint_id": complaint_id}
            )
        bulk_store.write(batch)
        summary.complaints += len(batch.complaints)
        summary.complainants += len(batch.complainants)
        summary.events += len(batch.events)
        summary.surveys += len(batch.surveys)
        for row in batch.complaints:
            summary.by_status[row["status"]] = summary.by_status.get(row["status"], 0) + 1
        if progress:
            progress(len(chunk))
    return summary


def has_complaints() -> bool:
    return db.session.scalar(select(Complaint.id).limit(1)) is not None


def current_fiscal_year(today: date | None = None) -> int:
    return fiscal_year(today or to_bangkok(utcnow()).date())


def _target(action: str) -> str:
    """The status an event leaves: the workflow's own table (its transitions' targets),
    besides intake's "received" and the acknowledgement of a new complaint."""
    if action in ("received", "acknowledged"):
        return S.RECEIVED if action == "received" else S.ACKNOWLEDGED
    target = workflow.TRANSITIONS[action].target
    if not isinstance(target, str):  # decided from the complaint: resume is replayed apart
        raise ValueError(f"no fixed target for {action!r}")
    return target


def _replay(state: dict, events: list, officer: int | None, merge_into: int | None) -> None:
    """The complaint's columns after its events, in order (status and the times each step sets)."""
    for action, at, _, text, _ in events:
        if action == "reply":
            state["first_response_at"] = state["first_response_at"] or at
        elif action == "resume":
            state["status"] = state["status_before_hold"]
            state["held_at"] = state["status_before_hold"] = None
        else:
            _step(state, action, at, text, officer, merge_into)
            state["status"] = _target(action)


def _step(
    state: dict, action: str, at: datetime, text: str | None, officer: int | None, merge_into: int | None
) -> None:
    """What a status-changing event sets besides the status."""
    if action == "acknowledged":
        state["acknowledged_at"] = at
    elif action == "assign":
        state["assigned_user_id"] = officer
    elif action == "resolve":
        state["resolved_at"] = at
        state["first_response_at"] = state["first_response_at"] or at
    elif action in ("close", "confirm"):
        state["closed_at"] = at
    elif action == "reopen":
        state["reopen_count"] += 1
        state["resolved_at"] = state["closed_at"] = None
    elif action == "reject":
        state["first_response_at"] = state["first_response_at"] or at
        state["closed_at"] = at
    elif action == "forward":
        state["forwarded_to"] = text
    elif action == "merge":
        state["merged_into_id"] = merge_into
    elif action == "hold":
        state["held_at"], state["status_before_hold"] = at, state["status"]
