"""Historical complaints from a CSV file (`flask import CSV`).

Each row is checked with the intake's own pieces (Thai text cleaning, the DOPA
place list, the category list, the service standards) and refused with a reason
when it fails; the rows that pass are written a batch at a time (bulk_store).
History is not news: no acknowledgement is sent, and the timeline says where
the row came from.

Columns are matched by name, case-insensitively, in English or Thai. The
Traffy Fondue files work as they are: `text,label,all_labels,timestamp,district`
(the training file) and the full export's `ticket_id, type ({cat1,cat2}),
comment, coords (lon,lat), address, subdistrict, district, province,
timestamp, state, last_activity`. A `text` and a `timestamp` column are the
minimum. A row is recognised on a second import by its `ticket_id` when the
file has one, else by a hash of its content (`Complaint.source_key`).
"""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import itertools
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

from flask import current_app

from complaints.domain.errors import BilingualError, unsafe_text
from complaints.domain.locations import UnknownPlace, resolve_place
from complaints.domain.thai_calendar import BANGKOK, BE_OFFSET, be_year, to_bangkok
from complaints.models import Channel, Complaint, Kind, Status, TimelineEvent, utcnow
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.nlp.similarity import text_signature
from complaints.services.casework.intake import PLACE_ERRORS
from complaints.services.catalogue import reference_data
from complaints.services.catalogue.reference_data import CategoryRef
from complaints.services.catalogue.standards import Deadlines, StandardDays, due_dates, standard_for
from complaints.services.classifier import triage
from complaints.services.datasets import bulk_store
from complaints.services.datasets.import_categories import (
    MAX_LABEL_CHARS,
    Categories,
    DefaultUnit,
    LabelRefused,
    clean_label,
    default_unit,
)

BATCH_SIZE = 1000
# The province of rows that name a district but no province: Traffy Fondue's data is Bangkok's.
DEFAULT_PROVINCE = "กรุงเทพมหานคร"
EXAMPLE_ROWS = 5

COLUMNS = {
    "text": ("text", "description", "comment", "detail", "รายละเอียด"),
    "title": ("title", "หัวข้อ", "เรื่อง"),
    "label": ("label", "category", "type", "หมวดหมู่", "ประเภท"),
    "timestamp": ("timestamp", "received_at", "created_at", "date", "วันที่", "วันที่รับเรื่อง"),
    "coords": ("coords", "coordinates", "พิกัด"),
    "lat": ("lat", "latitude"),
    "lon": ("lon", "lng", "longitude"),
    "address": ("address", "ที่อยู่", "สถานที่"),
    "province": ("province", "จังหวัด"),
    "district": ("district", "อำเภอ", "เขต"),
    "subdistrict": ("subdistrict", "ตำบล", "แขวง"),
    "state": ("state", "status", "สถานะ"),
    "closed_at": ("closed_at", "last_activity", "วันที่ปิดเรื่อง"),
    "ticket_id": ("ticket_id", "external_id", "ticket", "เลขที่เรื่อง"),
    "channel": ("channel", "ช่องทาง"),
    "kind": ("kind",),
}
REQUIRED = ("text", "timestamp")

# Status names as they appear in the data: Rongrian's own and Traffy Fondue's Thai ones.
STATES = {s.value: s.value for s in Status} | {
    "รอรับเรื่อง": Status.RECEIVED,
    "รับเรื่องแล้ว": Status.ACKNOWLEDGED,
    "กำลังดำเนินการ": Status.IN_PROGRESS,
    "เสร็จสิ้น": Status.CLOSED,
    "ดำเนินการแล้วเสร็จ": Status.CLOSED,
    "ส่งต่อ": Status.FORWARDED,
    "ส่งต่อ(ใหม่)": Status.FORWARDED,
    "ไม่อยู่ในความรับผิดชอบ": Status.REJECTED,
    "ปฏิเสธ": Status.REJECTED,
    "ยุติเรื่อง": Status.CLOSED,
}
FINISHED = Status.ENDED  # a row in one of these states carries its end date


@dataclass(frozen=True)
class Reason:
    th: str
    en: str


_unsafe = unsafe_text("text")
REASONS = {
    "empty-text": Reason("ไม่มีรายละเอียดของเรื่อง", "No complaint text."),
    "unsafe-text": Reason(_unsafe.th, _unsafe.en),
    "text-too-long": Reason("รายละเอียดยาวเกินกำหนด", "The text is longer than MAX_DESCRIPTION_CHARS."),
    "bad-timestamp": Reason("อ่านวันเวลาที่รับเรื่องไม่ได้", "Unreadable timestamp."),
    "future-timestamp": Reason("วันเวลาที่รับเรื่องอยู่ในอนาคต", "The timestamp is in the future."),
    "bad-closed-at": Reason(
        "วันเวลาปิดเรื่องไม่ถูกต้องหรือก่อนวันรับเรื่อง", "The closing time is unreadable or before the timestamp."
    ),
    "unknown-category": Reason("ไม่พบหมวดหมู่นี้", "Unknown category."),
    "inactive-category": Reason("หมวดหมู่นี้ถูกปิดใช้", "The category is inactive."),
    "unsafe-label": Reason(
        "ไม่รับชื่อหมวดหมู่ที่มีแท็ก HTML หรือสคริปต์", "HTML tags or scripts are not accepted in a category label."
    ),
    "label-too-long": Reason(
        f"ชื่อหมวดหมู่ยาวเกิน {MAX_LABEL_CHARS} ตัวอักษร", f"The category label is longer than {MAX_LABEL_CHARS} characters."
    ),
    "bad-label": Reason(
        "ชื่อหมวดหมู่มีอักขระที่ใช้ไม่ได้ (ใช้ได้เฉพาะตัวอักษร ตัวเลข เว้นวรรค และ . - _ / ( ) & +)",
        "The category label has characters a name cannot have (letters, digits, spaces and . - _ / ( ) & + only).",
    ),
    **{f"unknown-{name}": Reason(*PLACE_ERRORS[name]) for name in ("province", "district", "subdistrict")},
    "bad-coordinates": Reason("พิกัดไม่ถูกต้อง", "Invalid coordinates."),
    "unknown-status": Reason("ไม่รู้จักสถานะนี้", "Unknown status."),
    "unknown-channel": Reason("ไม่รู้จักช่องทางนี้", "Unknown channel."),
    "unknown-kind": Reason("ไม่รู้จักประเภทเรื่องนี้", "Unknown kind of submission."),
}


class RowRejected(ValueError):
    def __init__(self, code: str, label: str = ""):
        super().__init__(code)
        self.code = code
        self.label = label  # the unknown category's label


@dataclass
class ImportSummary:
    rows: int = 0
    imported: int = 0
    already_imported: int = 0
    rejected: Counter = field(default_factory=Counter)
    examples: dict[str, list[int]] = field(default_factory=dict)  # reason -> first row numbers
    unknown_labels: Counter = field(default_factory=Counter)  # label -> rows refused as unknown-category
    created_categories: list[str] = field(default_factory=list)
    default_unit: DefaultUnit | None = None  # where created categories went (--create-categories)

    def reject(self, code: str, row_number: int, label: str = "") -> None:
        self.rejected[code] += 1
        if label:
            self.unknown_labels[label] += 1
        rows = self.examples.setdefault(code, [])
        if len(rows) < EXAMPLE_ROWS:
            rows.append(row_number)

    def unknown_labels_text(self, most: int = 5) -> str:
        """`ถนน ×9,012, ทางเท้า ×3,001, …`: the labels of unknown categories, most rows first."""
        shown = ", ".join(f"{label} ×{n:,}" for label, n in self.unknown_labels.most_common(most))
        return shown + (", …" if len(self.unknown_labels) > most else "")

    def lines(self) -> list[str]:
        """The summary a person reads, Thai then English."""
        out = [
            f"แถวข้อมูล {self.rows:,} แถว: นำเข้า {self.imported:,}, มีอยู่แล้ว {self.already_imported:,}, "
            f"ไม่รับ {sum(self.rejected.values()):,}",
            f"{self.rows:,} rows: {self.imported:,} imported, {self.already_imported:,} already imported, "
            f"{sum(self.rejected.values()):,} rejected",
        ]
        for code, count in self.rejected.most_common():
            reason = REASONS[code]
            rows = ", ".join(map(str, self.examples[code]))
            out.append(
                f"  {count:,} × {reason.th} / {reason.en} [{code}] (rows {rows}"
                f"{', ...' if count > len(self.examples[code]) else ''})"
            )
        unit = self.default_unit
        if unit and unit.created:
            out.append(
                f"สร้างหน่วยงาน {unit.code} (หน่วยรับเรื่อง) เพราะฐานข้อมูลยังไม่มีหน่วยงาน / "
                f"created the unit {unit.code} (Intake unit): the database had no unit"
            )
        if unit is not None and self.created_categories:  # created categories go to that unit
            names = ", ".join(self.created_categories)
            out.append(
                f"สร้างหมวดหมู่ใหม่ {len(self.created_categories)} หมวด ส่งไปหน่วยงาน {unit.code} "
                f"รอผู้ดูแลระบบตรวจสอบ: {names} / {len(self.created_categories)} categories created, "
                f"routed to {unit.code}, marked for review by an admin"
            )
        return out


def unusable(th: str, en: str) -> BilingualError:
    return BilingualError(422, "unusable-file", th, en)


# --- reading the file --------------------------------------------------------------------


def _open(path: Path) -> io.TextIOBase:
    # The caller closes the wrapper, which closes the raw file.
    raw = gzip.open(path, "rb") if path.name.endswith(".gz") else open(path, "rb")  # noqa: SIM115
    return io.TextIOWrapper(raw, encoding="utf-8-sig", newline="")


def _column_map(header: list[str]) -> dict[str, str]:
    """Our field name -> the file's column name."""
    if not header:
        raise unusable("ไฟล์ว่างหรือไม่มีหัวตาราง", "The file is empty or has no header row.")
    names = {h.strip().lower(): h for h in header if h}
    found = {}
    for key, aliases in COLUMNS.items():
        column = next((names[a] for a in aliases if a in names), None)
        if column is not None:
            found[key] = column
    missing = [k for k in REQUIRED if k not in found]
    if missing:
        raise unusable(
            f"ไม่พบคอลัมน์ที่จำเป็น: {', '.join(missing)} (พบ: {', '.join(header)})",
            f"Required columns missing: {', '.join(missing)} (found: {', '.join(header)})",
        )
    return found


def read_rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(row number as a spreadsheet shows it, header = 1; our field -> raw value) per data row."""
    csv.field_size_limit(10_000_000)
    try:
        with _open(path) as handle:
            reader = csv.reader(handle)
            header = next(reader, [])
            positions = [(key, header.index(column)) for key, column in _column_map(header).items()]
            for number, row in enumerate(reader, start=2):
                if not row:
                    continue
                yield number, {key: row[i].strip() if i < len(row) else "" for key, i in positions}
    except (UnicodeDecodeError, gzip.BadGzipFile, EOFError, csv.Error) as exc:
        raise unusable(
            f"อ่านไฟล์ไม่ได้ (ต้องเป็น CSV แบบ UTF-8): {exc}", f"Cannot read the file (UTF-8 CSV expected): {exc}"
        ) from None


def count_rows(path: Path) -> int:
    return sum(1 for _ in read_rows(path))


# --- checking one row --------------------------------------------------------------------


def parse_timestamp(value: str) -> datetime:
    """ISO 8601 (a missing zone means Bangkok time); a year above 2400 is read as BE."""
    moment = datetime.fromisoformat(value.replace("/", "-"))
    if moment.year > 2400:
        moment = moment.replace(year=moment.year - BE_OFFSET)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=BANGKOK)
    return moment.astimezone(UTC)


def _coordinates(raw: dict[str, str]) -> tuple[float | None, float | None]:
    try:
        if raw.get("coords"):
            lon, lat = (float(x) for x in raw["coords"].split(","))  # Traffy writes lon,lat
        elif raw.get("lat") or raw.get("lon"):
            lat, lon = float(raw["lat"]), float(raw["lon"])
        else:
            return None, None
    except (KeyError, ValueError):
        raise RowRejected("bad-coordinates") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180) or lat != lat or lon != lon:
        raise RowRejected("bad-coordinates")
    return lat, lon


def _clean(value: str, multiline: bool = False) -> str | None:
    try:
        return clean_text(value, multiline=multiline) or None
    except UnsafeText:
        raise RowRejected("unsafe-text") from None


def _choice(raw: dict, key: str, allowed: set[str], default: str) -> str:
    value = raw.get(key, "").strip().lower()
    if not value:
        return default
    if value not in allowed:
        raise RowRejected(f"unknown-{key}")
    return value


@dataclass
class Options:
    channel: str = Channel.API
    province: str | None = DEFAULT_PROVINCE  # for rows that name a district but no province
    status: str = Status.CLOSED  # for files with no state column
    source_name: str = ""
    create_categories: bool = False  # a label that names no category becomes one (import_categories)
    default_unit: str | None = None  # code of the unit new categories go to (default: the intake unit)


def _category(raw: dict[str, str], categories: Categories) -> CategoryRef | None:
    label = ""
    try:
        label = clean_label(raw.get("label", ""))
        if not label:
            return None
        return categories.get(label)
    except LabelRefused as exc:
        raise RowRejected(exc.code, label if exc.code == "unknown-category" else "") from None


def check_row(raw: dict[str, str], options: Options, now: datetime, categories: Categories) -> dict:
    """The cleaned values of one row; raises RowRejected with the reason.

    `categories` is the import's label lookup (it creates categories under --create-categories)."""
    description = _clean(raw["text"], multiline=True)
    if description is None:
        raise RowRejected("empty-text")
    if len(description) > current_app.config["MAX_DESCRIPTION_CHARS"]:
        raise RowRejected("text-too-long")
    title = _clean(raw.get("title", ""))
    try:
        received_at = parse_timestamp(raw["timestamp"])
    except ValueError:
        raise RowRejected("bad-timestamp") from None
    if received_at > now:
        raise RowRejected("future-timestamp")
    names = [_clean(raw.get(f, "")) for f in ("province", "district", "subdistrict")]
    if names[0] is None and (names[1] or names[2]):
        names[0] = options.province
    try:
        place = resolve_place(*names)
    except UnknownPlace as exc:
        raise RowRejected(f"unknown-{exc.field}") from None
    lat, lon = _coordinates(raw)
    state = raw.get("state", "")
    status = STATES.get(state.strip().lower() if state.isascii() else state.strip()) if state else options.status
    if status is None:
        raise RowRejected("unknown-status")
    closed_at = None
    if raw.get("closed_at") and status in FINISHED:
        try:
            closed_at = parse_timestamp(raw["closed_at"])
        except ValueError:
            raise RowRejected("bad-closed-at") from None
        if closed_at < received_at or closed_at > now:
            raise RowRejected("bad-closed-at")
    # Last, so that a category is only created for a row that is otherwise acceptable, and the
    # rows counted as refused for an unknown category are the ones --create-categories would take.
    category = _category(raw, categories)
    return {
        "title": title,
        "description": description,
        "received_at": received_at,
        "category": category,
        "place": place,
        "lat": lat,
        "lon": lon,
        "address": _clean(raw.get("address", "")),
        "status": str(status),
        "closed_at": closed_at,
        "channel": _choice(raw, "channel", {c.value for c in Channel}, options.channel),
        "kind": _choice(raw, "kind", {k.value for k in Kind}, Kind.COMPLAINT),
    }


def source_key(raw: dict[str, str]) -> str:
    """The row's identity across imports: its ticket id, or else its content."""
    if raw.get("ticket_id"):
        basis = "ticket\x1f" + raw["ticket_id"]
    else:
        basis = "row\x1f" + "\x1f".join(raw.get(k, "") for k in sorted(COLUMNS) if k != "ticket_id")
    return hashlib.sha256(basis.encode()).hexdigest()


# --- storing ------------------------------------------------------------------------------


# (standard, day of arrival in Bangkok) -> the deadlines of a complaint received then
DeadlineCache = dict[tuple[StandardDays, date], Deadlines]


def _deadlines(cache: DeadlineCache, category_id: int | None, kind: str, received_at: datetime) -> Deadlines:
    # The deadlines depend on the standard and the day of arrival only (as in demo_data): one
    # working-day computation per day and standard instead of one per row.
    key = (standard_for(category_id, kind), to_bangkok(received_at).date())
    found = cache.get(key)
    if found is None:
        found = cache[key] = due_dates(category_id, kind, received_at)
    return found


def _rows_for(
    values: dict,
    key: str,
    row_number: int,
    ids: tuple[int, int, int, int],
    numbers: bulk_store.TrackingNumberAllocator,
    options: Options,
    now: datetime,
    intake_unit_id: int | None,
    deadline_cache: DeadlineCache,
) -> tuple[dict, list[dict]]:
    complaint_id, received_event_id, imported_event_id, closed_event_id = ids
    received_at, category, place = values["received_at"], values["category"], values["place"]
    deadlines = _deadlines(deadline_cache, category.id if category else None, values["kind"], received_at)
    status, closed_at = values["status"], values["closed_at"]
    finished_at = closed_at if status in FINISHED else None
    late = (finished_at or now) > deadlines.due_at and (finished_at is not None or status not in FINISHED)
    text = triage.complaint_text(values["title"], values["description"])
    complaint = bulk_store.complete(
        Complaint.__tablename__,
        {
            "id": complaint_id,
            "tracking_number": numbers.new(be_year(to_bangkok(received_at))),
            "kind": values["kind"],
            "channel": values["channel"],
            "title": values["title"],
            "description": values["description"],
            "category_id": category.id if category else None,
            "unit_id": category.unit_id if category and category.unit_id else intake_unit_id,
            "status": status,
            "lat": values["lat"],
            "lon": values["lon"],
            "address": values["address"],
            "province": place.province,
            "district": place.district,
            "subdistrict": place.subdistrict,
            "area_code": place.code,
            "received_at": received_at,
            "ack_due_at": deadlines.ack_due_at,
            "first_response_due_at": deadlines.first_response_due_at,
            "due_at": deadlines.due_at,
            "resolved_at": finished_at if status != Status.REJECTED else None,
            "closed_at": finished_at if status != Status.RESOLVED else None,
            "sla_state": "overdue" if late else "on_time",
            "category_source": "citizen" if category else "none",
            "text_signature": text_signature(text),
            "source_key": key,
        },
    )
    event = bulk_store.TEMPLATES[TimelineEvent.__tablename__]
    events = [
        {
            **event,
            "id": received_event_id,
            "complaint_id": complaint_id,
            "at": received_at,
            "kind": "received",
            "actor": "system",
            "public": True,
        },
        {
            **event,
            "id": imported_event_id,
            "complaint_id": complaint_id,
            "at": now,
            "kind": "imported",
            "actor": "system",
            "public": False,
            "text": f"นำเข้าจากไฟล์ {options.source_name} แถว {row_number} / imported from "
            f"{options.source_name} row {row_number}; status {status}",
        },
    ]
    if finished_at is not None:
        action = {Status.CLOSED: "close", Status.RESOLVED: "resolve", Status.REJECTED: "reject"}[status]
        events.append(
            {
                **event,
                "id": closed_event_id,
                "complaint_id": complaint_id,
                "at": finished_at,
                "kind": action,
                "actor": "officer",
                "public": True,
            }
        )
    return complaint, events


def _store(
    pending: list[tuple[int, str, dict]],
    summary: ImportSummary,
    seen: set[str],
    numbers: bulk_store.TrackingNumberAllocator,
    options: Options,
    now: datetime,
    deadline_cache: DeadlineCache,
) -> None:
    """Write the rows of a batch not stored before; rows with no category go to the intake unit,
    else to the unit that took the created categories."""
    existing = bulk_store.existing_source_keys(key for _, key, _ in pending)
    fresh = []
    for row_number, key, values in pending:
        if key in existing or key in seen:
            summary.already_imported += 1
            continue
        seen.add(key)
        fresh.append((row_number, key, values))
    if not fresh:
        return
    complaint_ids = bulk_store.reserve_ids(Complaint, len(fresh))
    event_ids = iter(bulk_store.reserve_ids(TimelineEvent, 3 * len(fresh)))
    intake_unit_id = reference_data.unit_id_by_code(current_app.config["INTAKE_UNIT_CODE"]) or (
        summary.default_unit.id if summary.default_unit else None
    )
    batch = bulk_store.Batch()
    for complaint_id, (row_number, key, values) in zip(complaint_ids, fresh, strict=True):
        ids = (complaint_id, next(event_ids), next(event_ids), next(event_ids))
        complaint, events = _rows_for(
            values, key, row_number, ids, numbers, options, now, intake_unit_id, deadline_cache
        )
        batch.complaints.append(complaint)
        batch.events.extend(events)
    bulk_store.write(batch)
    summary.imported += len(fresh)


def import_csv(
    path: Path,
    options: Options | None = None,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
) -> ImportSummary:
    """Import every acceptable row of the file; raises BilingualError when the file is unusable.

    `progress` is told how many more rows have been read, a batch at a time.
    """
    options = options or Options()
    options.source_name = options.source_name or path.name
    summary = ImportSummary()
    seen: set[str] = set()
    deadlines: DeadlineCache = {}
    now = utcnow()
    numbers = bulk_store.TrackingNumberAllocator(current_app.config["TRACKING_PREFIX"])
    pending: list[tuple[int, str, dict]] = []
    read_since = 0
    rows = read_rows(path)
    first = next(rows, None)  # an unusable file fails here, before a unit or category is made
    if options.create_categories:
        summary.default_unit = default_unit(options.default_unit)
        categories = Categories(unit_id=summary.default_unit.id)
    else:
        categories = Categories()
    for row_number, raw in itertools.chain([first] if first else [], rows):
        summary.rows += 1
        read_since += 1
        try:
            pending.append((row_number, source_key(raw), check_row(raw, options, now, categories)))
        except RowRejected as exc:
            summary.reject(exc.code, row_number, exc.label)
        if len(pending) >= batch_size:
            _store(pending, summary, seen, numbers, options, now, deadlines)
            pending = []
        if read_since >= batch_size and progress:
            progress(read_since)
            read_since = 0
    if pending:
        _store(pending, summary, seen, numbers, options, now, deadlines)
    if progress and read_since:
        progress(read_since)
    summary.created_categories = categories.created
    return summary
