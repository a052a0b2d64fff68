"""Setting up an agency: its name, the first admin and its reference data.

Used by `flask setup`, the first-run page (/setup) and the demo seed. The
reference data comes from a preset (complaints/presets/<name>.units.csv and
.categories.csv) or from the agency's own CSV files in the same columns:

  units:      code,name_th,name_en,parent_code
  categories: code,name_th,name_en,unit_code,ack_working_days,resolve_working_days

Own files are checked whole before anything is stored: every problem is named
with its file and row, and setup is one transaction, so a bad file creates
nothing. Codes already in the database are kept as they are (setup adds only
what is missing, so running it again is harmless).
"""

from __future__ import annotations

import csv
import hmac
import io
import json
import logging
import os
import re
import secrets
import unicodedata
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from flask import current_app
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from complaints.domain.errors import BilingualError, FieldError
from complaints.extensions import db
from complaints.models import (
    CannedResponse,
    Category,
    RootCause,
    ServiceStandard,
    StandardsPublication,
    Unit,
    User,
)
from complaints.models.reference import (
    DEFAULT_ACK_WORKING_DAYS,
    DEFAULT_FIRST_RESPONSE_WORKING_DAYS,
    DEFAULT_RESOLVE_WORKING_DAYS,
)
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.services.catalogue import agency, reference_data
from complaints.services.catalogue.checking import MAX_WORKING_DAYS, Checker
from complaints.services.staff.user_admin import check_new_account
from complaints.services.unit_of_work import after_commit

UNIT_COLUMNS = ("code", "name_th", "name_en", "parent_code")
CATEGORY_COLUMNS = ("code", "name_th", "name_en", "unit_code", "ack_working_days", "resolve_working_days")
# Optional: left out or blank, a category follows the default standard.
OPTIONAL_COLUMNS = {"parent_code", "ack_working_days", "resolve_working_days"}
# A reference list is a few hundred rows at most; anything far larger is a wrong file.
MAX_CSV_BYTES = 512 * 1024
MAX_CSV_ROWS = 2000
MAX_NAME = 200

_UNIT_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,39}")
# Category codes may be Thai (the Traffy labels are): no spaces, quotes or markup characters.
_CATEGORY_CODE = re.compile(r"[^\s<>\"'&/\\`]{1,40}")
_INVISIBLE = {"Cc", "Cf", "Cs", "Co", "Cn"}  # control, format (zero-width, bidi), unassigned
_PRESETS = "complaints.presets"


@dataclass(frozen=True)
class UnitRow:
    code: str
    name_th: str
    name_en: str
    parent_code: str | None


@dataclass(frozen=True)
class CategoryRow:
    code: str
    name_th: str
    name_en: str
    unit_code: str
    ack_working_days: int | None
    resolve_working_days: int | None


@dataclass(frozen=True)
class ReferenceLists:
    units: tuple[UnitRow, ...]
    categories: tuple[CategoryRow, ...]


@dataclass(frozen=True)
class Added:
    units: int
    categories: int
    standards: int


@dataclass(frozen=True)
class SetupResult:
    admin_username: str
    added: Added


# --- presets ----------------------------------------------------------------------


def presets() -> dict[str, dict[str, str]]:
    """Preset name -> its Thai and English description (presets.json)."""
    return json.loads(resources.files(_PRESETS).joinpath("presets.json").read_text("utf-8"))


def common_data() -> dict:
    """What every agency starts with whatever its preset: root causes and canned answers."""
    return json.loads(resources.files(_PRESETS).joinpath("common.json").read_text("utf-8"))


def load_preset(name: str) -> ReferenceLists:
    if name not in presets():
        raise BilingualError(
            422,
            "unknown-preset",
            f"ไม่มีชุดข้อมูลตั้งต้นชื่อ {name}",
            f"There is no preset named {name}; choose one of: {', '.join(presets())}.",
        )
    folder = resources.files(_PRESETS)
    return read_lists(
        folder.joinpath(f"{name}.units.csv").read_bytes(),
        folder.joinpath(f"{name}.categories.csv").read_bytes(),
        require_special_units=True,
    )


# --- reading CSV files --------------------------------------------------------------


def _file_error(file: str, th: str, en: str) -> BilingualError:
    return BilingualError(422, "invalid-reference-data", f"{file}: {th}", f"{file}: {en}")


def _check_header(file: str, header: list[str], columns: tuple[str, ...]) -> None:
    """Every required column there and none unknown, else one error naming them all."""
    missing = [c for c in columns if c not in header and c not in OPTIONAL_COLUMNS]
    unknown = [h for h in header if h and h not in columns]
    if not (missing or unknown):
        return
    th = en = ""
    if missing:
        th += f"ไม่มีคอลัมน์ {', '.join(missing)} "
        en += f"missing column(s) {', '.join(missing)}; "
    if unknown:
        th += f"มีคอลัมน์ที่ไม่รู้จัก {', '.join(unknown)} "
        en += f"unknown column(s) {', '.join(unknown)}; "
    raise _file_error(
        file, f"{th.strip()} (คอลัมน์ที่ต้องมี: {','.join(columns)})", f"{en.strip()} the columns are: {','.join(columns)}."
    )


def _rows(data: bytes, file: str, columns: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of a CSV file; a file that cannot be read at all is an error at once."""
    if len(data) > MAX_CSV_BYTES:
        raise _file_error(
            file, f"ไฟล์ใหญ่เกิน {MAX_CSV_BYTES // 1024} KB", f"the file is larger than {MAX_CSV_BYTES // 1024} KB."
        )
    try:
        text = data.decode("utf-8-sig")  # a BOM, as Excel writes it, is fine
    except UnicodeDecodeError:
        raise _file_error(file, "ไฟล์ต้องเข้ารหัสแบบ UTF-8", "the file must be encoded as UTF-8.") from None
    if "\x00" in text:
        raise _file_error(file, "ไฟล์นี้ไม่ใช่ไฟล์ข้อความ CSV", "this is not a CSV text file.")
    reader = csv.DictReader(io.StringIO(text, newline=""))
    header = [h.strip() for h in (reader.fieldnames or [])]
    reader.fieldnames = header
    _check_header(file, header, columns)
    rows: list[tuple[int, dict[str, str]]] = []
    try:
        for row in reader:
            if len(rows) >= MAX_CSV_ROWS:
                raise _file_error(file, f"มีมากกว่า {MAX_CSV_ROWS} แถว", f"more than {MAX_CSV_ROWS} rows.")
            if None in row:  # more cells than the header has
                raise _file_error(
                    file,
                    f"แถว {reader.line_num}: มีช่องข้อมูลเกินจำนวนคอลัมน์",
                    f"row {reader.line_num}: more cells than columns.",
                )
            if any((v or "").strip() for v in row.values()):
                rows.append((reader.line_num, {k: v or "" for k, v in row.items()}))
    except csv.Error as exc:
        raise _file_error(
            file, f"แถว {reader.line_num}: รูปแบบ CSV ไม่ถูกต้อง", f"row {reader.line_num}: not valid CSV ({exc})."
        ) from None
    if not rows:
        raise _file_error(file, "ไม่มีข้อมูล", "the file has no rows.")
    return rows


class _RowChecker:
    """Collects every problem of a file, each named by file and row."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def add(self, where: str, th: str, en: str) -> None:
        self.errors.append(FieldError(where, f"{where}: {th}", f"{where}: {en}"))

    def cell(self, where: str, row: dict[str, str], column: str, *, required: bool = True) -> str | None:
        raw = row.get(column) or ""
        label = f"{where} {column}"
        if any(unicodedata.category(ch) in _INVISIBLE for ch in raw.replace("\t", " ")):
            # A name or code with a hidden character looks like another one and never matches it.
            self.add(
                label,
                "มีอักขระที่มองไม่เห็น (zero-width หรืออักขระควบคุม)",
                "contains invisible characters (zero-width or control).",
            )
            return None
        try:
            value = clean_text(raw, multiline=False)
        except UnsafeText:
            self.add(label, "ไม่รับข้อความที่มีโค้ด HTML หรือสคริปต์", "HTML or script is not accepted.")
            return None
        if not value:
            if required:
                self.add(label, "ต้องกรอก", "is required.")
            return None
        if len(value) > MAX_NAME:
            self.add(label, f"ยาวเกิน {MAX_NAME} ตัวอักษร", f"is longer than {MAX_NAME} characters.")
            return None
        return value

    def days(self, where: str, row: dict[str, str], column: str) -> int | None:
        value = self.cell(where, row, column, required=False)
        if value is None:
            return None
        if not value.isascii() or not value.isdigit() or not 1 <= int(value) <= MAX_WORKING_DAYS:
            self.add(
                f"{where} {column}",
                f"ต้องเป็นจำนวนเต็ม 1-{MAX_WORKING_DAYS} วันทำการ หรือเว้นว่าง",
                f"must be a whole number of working days from 1 to {MAX_WORKING_DAYS}, or blank.",
            )
            return None
        return int(value)


def _existing_codes(model) -> set[str]:
    return set(db.session.scalars(select(model.code)))


def _row_code(
    check: _RowChecker, where: str, row: dict, first_row: dict[str, str], pattern: re.Pattern, bad: tuple[str, str]
) -> str | None:
    """A row's code if it has the pattern and no earlier row of the file has it (else None,
    with the problem recorded)."""
    code = check.cell(where, row, "code")
    if code and not pattern.fullmatch(code):
        check.add(f"{where} code", *bad)
        return None
    if code and code in first_row:
        check.add(
            f"{where} code",
            f"รหัส {code} ซ้ำกับ {first_row[code]}",
            f"the code {code} is already used in {first_row[code]}.",
        )
        return None
    return code


def _read_units(data: bytes, check: _RowChecker, file: str) -> list[tuple[str, UnitRow]]:
    out: list[tuple[str, UnitRow]] = []
    first_row: dict[str, str] = {}
    for line, row in _rows(data, file, UNIT_COLUMNS):
        where = f"{file} แถว/row {line}"
        code = _row_code(
            check,
            where,
            row,
            first_row,
            _UNIT_CODE,
            (
                "รหัสหน่วยงานใช้ได้เฉพาะ a-z 0-9 . _ - ไม่เกิน 40 ตัว และไม่มีช่องว่าง",
                "a unit code is up to 40 characters of a-z, 0-9, '.', '_' or '-', without spaces.",
            ),
        )
        name_th = check.cell(where, row, "name_th")
        name_en = check.cell(where, row, "name_en")
        parent = check.cell(where, row, "parent_code", required=False)
        if code:
            first_row[code] = where
            if name_th and name_en:
                out.append((where, UnitRow(code, name_th, name_en, parent)))
    return out


def _check_unit_tree(units: list[tuple[str, UnitRow]], known: set[str], check: _RowChecker) -> None:
    parents = {u.code: u.parent_code for _, u in units}
    for where, unit in units:
        if unit.parent_code is None:
            continue
        if unit.parent_code == unit.code:
            check.add(f"{where} parent_code", "หน่วยงานเป็นต้นสังกัดของตนเองไม่ได้", "a unit cannot be its own parent.")
        elif unit.parent_code not in parents and unit.parent_code not in known:
            check.add(
                f"{where} parent_code",
                f"ไม่พบหน่วยงานต้นสังกัด {unit.parent_code}",
                f"unknown parent unit {unit.parent_code}.",
            )
        else:
            seen: set[str] = set()
            node: str | None = unit.parent_code
            while node is not None and node in parents and node not in seen and node != unit.code:
                seen.add(node)
                node = parents[node]
            if node == unit.code:
                check.add(
                    f"{where} parent_code",
                    "ต้นสังกัดวนกลับมาที่หน่วยงานนี้ (วงวน)",
                    "the parents form a cycle back to this unit.",
                )


def _read_categories(data: bytes, unit_codes: set[str], check: _RowChecker, file: str) -> list[CategoryRow]:
    out: list[CategoryRow] = []
    first_row: dict[str, str] = {}
    for line, row in _rows(data, file, CATEGORY_COLUMNS):
        where = f"{file} แถว/row {line}"
        code = _row_code(
            check,
            where,
            row,
            first_row,
            _CATEGORY_CODE,
            (
                "รหัสหมวดหมู่ยาวไม่เกิน 40 ตัว ไม่มีช่องว่าง เครื่องหมายคำพูด หรือ < > & / \\",
                "a category code is up to 40 characters without spaces, quotes or < > & / \\.",
            ),
        )
        name_th = check.cell(where, row, "name_th")
        name_en = check.cell(where, row, "name_en")
        unit_code = check.cell(where, row, "unit_code")
        if unit_code and unit_code not in unit_codes:
            check.add(f"{where} unit_code", f"ไม่พบหน่วยงาน {unit_code}", f"unknown unit {unit_code}.")
            unit_code = None
        ack = check.days(where, row, "ack_working_days")
        resolve = check.days(where, row, "resolve_working_days")
        if ack and resolve and ack > resolve:
            check.add(
                f"{where} ack_working_days",
                "วันตอบรับต้องไม่เกินวันแจ้งผล",
                "the days to acknowledge must not exceed the days to resolve.",
            )
        if code:
            first_row[code] = where
            if name_th and name_en and unit_code:
                out.append(CategoryRow(code, name_th, name_en, unit_code, ack, resolve))
    return out


def read_lists(
    units_csv: bytes | None, categories_csv: bytes | None, *, require_special_units: bool = True
) -> ReferenceLists:
    """Units and categories from CSV bytes, checked against each other and the database.

    Either file may be left out when what it would add is already stored (a
    categories file whose units exist). A BilingualError (422) lists every problem.
    """
    check = _RowChecker()
    known_units = _existing_codes(Unit)
    units = _read_units(units_csv, check, "units.csv") if units_csv is not None else []
    _check_unit_tree(units, known_units, check)
    unit_codes = known_units | {u.code for _, u in units}
    if require_special_units:
        config = current_app.config
        for code, th, en in (
            (config["INTAKE_UNIT_CODE"], "ศูนย์รับเรื่องร้องเรียน", "complaints centre"),
            (config["INTEGRITY_UNIT_CODE"], "หน่วยงานรับแจ้งเบาะแสการทุจริต", "integrity unit"),
        ):
            if code not in unit_codes:
                check.add(
                    "units.csv",
                    f"ต้องมีหน่วยงานรหัส {code} ({th}: เรื่องที่ไม่มีหมวดหมู่หรือเบาะแสการทุจริตส่งไปที่นี่)",
                    f"a unit with the code {code} is needed (the {en}: complaints without a "
                    "category, or tip-offs, go there).",
                )
    categories = (
        _read_categories(categories_csv, unit_codes, check, "categories.csv") if categories_csv is not None else []
    )
    if check.errors:
        raise BilingualError(
            422,
            "invalid-reference-data",
            "ไฟล์รายการหน่วยงานหรือหมวดหมู่มีข้อผิดพลาด ยังไม่ได้บันทึกข้อมูลใด ๆ กรุณาแก้ไขแถวที่ระบุ",
            "The unit or category list has errors; nothing was stored. Correct the rows listed.",
            check.errors,
        )
    return ReferenceLists(tuple(u for _, u in units), tuple(categories))


# --- storing ------------------------------------------------------------------------


def _category_standard(category: Category, row: CategoryRow) -> ServiceStandard | None:
    """A category's own standard when its file gives days other than the default's."""
    ack = row.ack_working_days or DEFAULT_ACK_WORKING_DAYS
    resolve = row.resolve_working_days or DEFAULT_RESOLVE_WORKING_DAYS
    if (ack, resolve) == (DEFAULT_ACK_WORKING_DAYS, DEFAULT_RESOLVE_WORKING_DAYS):
        return None
    # The first progress report keeps the default's day within the category's own span.
    first_response = min(max(DEFAULT_FIRST_RESPONSE_WORKING_DAYS, ack), resolve)
    return ServiceStandard(
        category=category,
        kind=None,
        ack_working_days=ack,
        first_response_working_days=first_response,
        resolve_working_days=resolve,
    )


def add_reference_data(lists: ReferenceLists) -> Added:
    """Add the units, categories and standards not stored yet, and what every agency starts
    with (the default standard, root causes, canned answers). Flushes; the caller commits."""
    units = {u.code: u for u in db.session.scalars(select(Unit))}
    new_units = [row for row in lists.units if row.code not in units]
    for unit_row in new_units:
        units[unit_row.code] = Unit(code=unit_row.code, name_th=unit_row.name_th, name_en=unit_row.name_en)
        db.session.add(units[unit_row.code])
    for unit_row in new_units:  # parents may come after their sub-units in a file
        units[unit_row.code].parent = units.get(unit_row.parent_code) if unit_row.parent_code else None
    existing = _existing_codes(Category)
    standards = 0
    new_categories = [row for row in lists.categories if row.code not in existing]
    for row in new_categories:
        category = Category(code=row.code, name_th=row.name_th, name_en=row.name_en, unit=units[row.unit_code])
        db.session.add(category)
        standard = _category_standard(category, row)
        if standard is not None:
            db.session.add(standard)
            standards += 1
    if (
        db.session.scalar(
            select(ServiceStandard.id).where(ServiceStandard.category_id.is_(None), ServiceStandard.kind.is_(None))
        )
        is None
    ):
        # Royal Decree on Good Governance B.E. 2546: acknowledge, and answer within 15 days.
        db.session.add(
            ServiceStandard(
                category_id=None,
                kind=None,
                ack_working_days=DEFAULT_ACK_WORKING_DAYS,
                first_response_working_days=DEFAULT_FIRST_RESPONSE_WORKING_DAYS,
                resolve_working_days=DEFAULT_RESOLVE_WORKING_DAYS,
            )
        )
        standards += 1
    if db.session.scalar(select(StandardsPublication.id)) is None:
        db.session.add(StandardsPublication(note="มาตรฐานการให้บริการฉบับแรก / First published standards"))
    common = common_data()
    if db.session.scalar(select(RootCause.id)) is None:
        db.session.add_all([RootCause(**cause) for cause in common["root_causes"]])
    if db.session.scalar(select(CannedResponse.id)) is None:
        db.session.add_all([CannedResponse(**answer) for answer in common["canned_responses"]])
    db.session.flush()
    return Added(len(new_units), len(new_categories), standards)


log = logging.getLogger(__name__)


def setup_code() -> str:
    """The code the first-run page asks for: made once, into SETUP_CODE_FILE (mode 0600),
    which only whoever runs the server can read; the log says where it is."""
    path = Path(current_app.config["SETUP_CODE_FILE"])
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        pass
    code = secrets.token_urlsafe(12)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another request or process made it first
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(code + "\n")
    log.warning("first-run setup: the setup code for /setup is in %s", path)
    return code


def check_setup_code(given: str | None) -> None:
    """BilingualError 403 unless `given` is the setup code (compared in constant time)."""
    if not hmac.compare_digest((given or "").strip().encode(), setup_code().encode()):
        raise BilingualError(
            403,
            "wrong-setup-code",
            "รหัสตั้งค่าไม่ถูกต้อง: ดูรหัสได้ในไฟล์ setup-code ในโฟลเดอร์ instance บนเครื่องแม่ข่าย (บันทึกของระบบบอกตำแหน่งไฟล์)",
            "Wrong setup code: it is in the file setup-code in the server's instance folder "
            "(the server's log names the file).",
        )


def forget_setup_code() -> None:
    Path(current_app.config["SETUP_CODE_FILE"]).unlink(missing_ok=True)


def needs_setup() -> bool:
    """True while no admin account exists: the first-run page and `flask setup` are open."""
    return not db.session.scalar(select(func.count()).select_from(User).where(User.role == "admin"))


def already_set_up() -> BilingualError:
    return BilingualError(
        409,
        "already-set-up",
        "ระบบตั้งค่าแล้ว (มีบัญชีผู้ดูแลระบบอยู่แล้ว) ผู้ดูแลระบบแก้ไขหน่วยงาน หมวดหมู่ และมาตรฐานการให้บริการได้ที่หน้าผู้ดูแลระบบ",
        "The system is already set up (an admin account exists); an admin changes units, "
        "categories and service standards on the admin pages.",
    )


def set_up(
    *,
    agency_th: str | None,
    agency_en: str | None,
    username: str | None,
    display_name: str | None,
    password: str | None,
    lists: ReferenceLists,
) -> SetupResult:
    """Name the agency, create the first admin and add the reference data, all or nothing
    (in the caller's unit of work; the setup code is forgotten once it commits)."""
    if not needs_setup():
        raise already_set_up()
    check = Checker()
    agency_th = check.text("agency_th", agency_th, ("ชื่อหน่วยงานภาษาไทย", "Agency name in Thai"), max_len=MAX_NAME)
    agency_en = check.text("agency_en", agency_en, ("ชื่อหน่วยงานภาษาอังกฤษ", "Agency name in English"), max_len=MAX_NAME)
    username, display_name, password = check_new_account(check, username, display_name, password)
    check.raise_if_any()
    try:
        added = add_reference_data(lists)
        agency.set_name(agency_th, agency_en)
        admin = User(username=username, display_name=display_name, role="admin")
        admin.set_password(password)
        db.session.add(admin)
        db.session.flush()
    except IntegrityError:
        # Another setup committed in the meantime (the settings row's id, a code or the
        # username is taken): the first one wins, and the caller's unit of work, rolled
        # back, stores nothing of this one.
        raise already_set_up() from None

    def done() -> None:
        reference_data.clear()
        current_app.logger.info(
            "setup: agency %s, first admin %s, %s units, %s categories",
            agency_en,
            username,
            added.units,
            added.categories,
        )
        forget_setup_code()

    after_commit(done)
    return SetupResult(username, added)


def add_reference_data_only(lists: ReferenceLists) -> Added:
    """Add a preset's or own lists' missing units and categories to a running system."""
    added = add_reference_data(lists)
    after_commit(reference_data.clear)
    return added
