"""The self-assessment: drafts, answers, evidence, submission (freeze) and comparison.

The service owns the transaction: views and the CLI call one function here.
A draft is computed from its answers and from what the complaint data says of the
period (`operations`: stored as computed, refreshed by beat, on request, and
whenever older than ASSESSMENT_DATA_MAX_AGE); submitting computes that anew and
writes a JSON snapshot of everything the report shows (3.4 metrics, data for
3.1-3.3, answers, evidence with file hashes, scores), and from then on the report
of that period is read from the snapshot only.

A deployment may host several agencies: a unit marked `assessed_body` runs its own
assessment from the complaints of its subtree (the unit and every unit below it), and
`body` (a Unit, or None for the whole deployment) names whose assessment is meant in
every function here. Who may see which: `visible_bodies()`.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Iterable
from datetime import timedelta
from urllib.parse import urlsplit

from flask import current_app
from sqlalchemy import ColumnElement, select, true
from sqlalchemy.exc import IntegrityError

from assessment import evidence as ops
from assessment import files
from assessment.evidence.trend import monthly
from assessment.form import all_items, criteria, field_keys, load_form
from assessment.models import Assessment, AssessmentAnswer, AssessmentEvidence, OperationalData
from assessment.scoring import ITEM_STATUSES, MET, NOT_MET, SUPPORT_METRICS, Support, score_form, supported
from complaints.domain.errors import BilingualError, FieldError, invalid, unsafe_text
from complaints.domain.periods import Period
from complaints.domain.thai_calendar import format_thai_datetime
from complaints.extensions import db
from complaints.models import Unit, User, utcnow
from complaints.nlp.cleaning import UnsafeText, clean_text
from complaints.services.analytics.api import after_commit, after_rollback, agency_name, unit_and_descendants

MAX_EXPLANATION = 5000
MAX_FIELD = 2000
COMPUTED_CRITERION = "3.4"  # its item statuses come from the data, not from a person


def agency() -> str:
    return agency_name().th


# --- assessed bodies ----------------------------------------------------------------------------


def _no_body() -> BilingualError:
    return BilingualError(404, "not-found", "ไม่พบหน่วยงานที่ประเมินนี้", "No such assessed body.")


def assessed_bodies() -> list[Unit]:
    """Every unit marked as an assessed body, by code."""
    return list(db.session.scalars(select(Unit).where(Unit.assessed_body.is_(True)).order_by(Unit.code)))


def body_by_code(code: str | None) -> Unit | None:
    """The assessed body of that code; None (the whole deployment) for no code; 404 for a
    code that names no unit or a unit that is not an assessed body."""
    code = (code or "").strip()
    if not code:
        return None
    unit = db.session.scalar(select(Unit).where(Unit.code == code))
    if unit is None or not unit.assessed_body:
        raise _no_body()
    return unit


def units_of(body: Unit | None) -> tuple[int, ...] | None:
    """The units whose complaints an assessment counts: the body and every unit below it
    (the dashboard's unit filter's subtree); None for the whole deployment."""
    return None if body is None else tuple(sorted(unit_and_descendants(body.id)))


def body_id(body: Unit | None) -> int | None:
    return None if body is None else body.id


def _same_body(body: Unit | None):
    return Assessment.unit_id.is_(None) if body is None else Assessment.unit_id == body.id


def _ancestors(unit_id: int) -> list[int]:
    """The unit and its parents up to the root, nearest first."""
    parents = {uid: parent for uid, parent in db.session.execute(select(Unit.id, Unit.parent_id))}
    chain: list[int] = []
    current: int | None = unit_id
    while current is not None and current not in chain:
        chain.append(current)
        current = parents.get(current)
    return chain


def visible_bodies(user: User) -> set[int | None] | None:
    """Whose assessments the user may see and edit (ids, None standing for the whole
    deployment); None: all of them.

    Admins, and managers with no unit (the whole deployment), see all. A manager with a
    unit sees the assessed bodies at or below it (a ministry or province over its
    agencies) and the body the unit belongs to (the nearest assessed body above it);
    the whole deployment's assessment too when no unit is an assessed body (a
    single-agency deployment, as before) or when the manager's unit covers every unit.
    """
    if user.role == "admin" or user.unit_id is None:
        return None
    if user.role != "manager":
        return set()
    bodies = {unit.id for unit in assessed_bodies()}
    if not bodies:
        return {None}
    covered = unit_and_descendants(user.unit_id)
    seen: set[int | None] = {b for b in bodies if b in covered}
    enclosing = next((u for u in _ancestors(user.unit_id) if u in bodies), None)
    if enclosing is not None:
        seen.add(enclosing)
    all_units = set(db.session.scalars(select(Unit.id)))
    if covered >= all_units:
        seen.add(None)
    return seen


def may_see(user: User, body: Unit | None) -> bool:
    seen = visible_bodies(user)
    return seen is None or body_id(body) in seen


def body_for(user: User, code: str | None) -> Unit | None:
    """The assessed body a page names (`?unit=CODE`; none: the whole deployment), if the
    user may see its assessment; 404 otherwise, as for a complaint outside one's units."""
    body = body_by_code(code)
    if not may_see(user, body):
        raise _no_body()
    return body


def find(period: Period, body: Unit | None = None) -> Assessment | None:
    return db.session.scalar(select(Assessment).where(_same_body(body), Assessment.period == period.code))


def open_assessment(period: Period, user: User | None, body: Unit | None = None) -> Assessment:
    """The assessment of a period, created as a draft the first time; a period that has
    not begun has nothing to assess and cannot be opened."""
    if period.start > utcnow():
        raise BilingualError(
            422,
            "future-period",
            f"รอบ {period.code} ยังไม่เริ่ม (เริ่ม {period.date_range('th')}) เปิดแบบประเมินได้เมื่อรอบเริ่มแล้ว",
            f"Period {period.code} has not begun ({period.date_range('en')}); it can be opened once it has.",
        )
    existing = find(period, body)
    if existing:
        return existing
    assessment = Assessment(
        agency=body.name_th if body is not None else agency(),
        unit_id=body_id(body),
        period=period.code,
        fiscal_year=period.fiscal_year,
        form=load_form()["form"],
        created_by_id=user.id if user else None,
    )
    db.session.add(assessment)
    try:
        db.session.commit()
    except IntegrityError:  # opened by someone else at the same moment
        db.session.rollback()
        theirs = find(period, body)
        if theirs is None:  # the clash was not that one
            raise
        return theirs
    return assessment


def get(period_text: str, body: Unit | None = None) -> tuple[Period, Assessment]:
    period = Period.parse(period_text)
    assessment = find(period, body)
    if assessment is None:
        whose_th, whose_en = (f" ของ{body.name_th}", f" of {body.name_en}") if body is not None else ("", "")
        raise BilingualError(
            404,
            "no-assessment",
            f"ยังไม่มีแบบประเมินรอบ {period.code}{whose_th}",
            f"There is no assessment for {period.code}{whose_en} yet.",
        )
    return period, assessment


def _frozen() -> BilingualError:
    return BilingualError(
        409,
        "assessment-submitted",
        "ส่งแบบประเมินรอบนี้แล้ว แก้ไขไม่ได้ (รายงานที่ส่งแล้วจะไม่เปลี่ยนแปลง)",
        "This assessment has been submitted and can no longer change.",
    )


def _editable(assessment: Assessment) -> None:
    if assessment.status != "draft":
        raise _frozen()


def has_ended(period: Period) -> bool:
    return period.end <= utcnow()


def ended(period: Period) -> None:
    """Refuse (409) a period that has not ended yet: its figures would still move."""
    if not has_ended(period):
        last = format_thai_datetime(period.end, with_time=False)
        first_day_after = period.last_day + timedelta(days=1)
        raise BilingualError(
            409,
            "period-not-ended",
            f"รอบ {period.code} ยังไม่สิ้นสุด ส่งแบบประเมินได้ตั้งแต่ {last} (ระหว่างนี้เป็นฉบับร่าง)",
            f"Period {period.code} has not ended; it can be submitted from {first_day_after:%d %b %Y} "
            "(until then it is a draft).",
        )


def checklist_item(item_id: str) -> dict:
    item = all_items().get(item_id)
    if item is None:
        raise BilingualError(404, "no-item", "ไม่พบข้อในแบบประเมิน", "No such checklist item.")
    return item


def _clean(field: str, value: str | None, limit: int, errors: list[FieldError]) -> str:
    try:
        text = clean_text(value or "")
    except UnsafeText:
        errors.append(unsafe_text(field))
        return ""
    if len(text) > limit:
        errors.append(FieldError(field, f"ข้อความยาวเกิน {limit:,} ตัวอักษร", f"At most {limit:,} characters."))
    return text


def _answer_values(item_id: str, posted: dict, errors: list[FieldError]) -> tuple[str, str, dict[str, str]]:
    """The cleaned status, explanation and fields of one item as posted (errors named by input)."""
    item = checklist_item(item_id)
    status = posted.get("status")
    if item["criterion"] == COMPUTED_CRITERION:
        status = NOT_MET  # 3.4 is decided by the data
    elif status not in ITEM_STATUSES:
        errors.append(FieldError(f"status-{item_id}", "กรุณาเลือกสถานะของข้อนี้", "Choose the status of this item."))
    text = _clean(f"explanation-{item_id}", posted.get("explanation"), MAX_EXPLANATION, errors)
    fields = posted.get("fields") or {}
    values = {key: _clean(f"field-{key}", fields.get(key), MAX_FIELD, errors) for key in field_keys(item)}
    return status or NOT_MET, text, {k: v for k, v in values.items() if v}


def save_answers(period: Period, assessment: Assessment, posted: dict[str, dict], user: User) -> list[str]:
    """Save every item of the form as posted ({item id: {"status", "explanation", "fields"}}):
    one save keeps what was typed in every item. All or nothing: one bad value refuses the
    lot. An item is written only when it differs from what the page showed (its stored
    answer, or for an unanswered item the empty answer with the suggested fields), so
    suggestions do not turn into answers nobody gave. Returns the ids of the items written."""
    _editable(assessment)
    errors: list[FieldError] = []
    values = {item_id: _answer_values(item_id, entry, errors) for item_id, entry in posted.items()}
    if errors:
        raise invalid(errors)
    stored = {a.item_id: a for a in assessment.answers}
    prefill = operations(period, assessment.unit)["prefill"]
    written = []
    for item_id, (status, text, fields) in values.items():
        answer = stored.get(item_id)
        if answer is not None:
            shown = (answer.status, answer.explanation, json.loads(answer.fields))
        else:
            shown = (NOT_MET, "", {k: v for k, v in prefill.get(item_id, {}).get("fields", {}).items() if v})
        if (status, text, fields) == shown:
            continue
        if answer is None:
            answer = AssessmentAnswer(assessment_id=assessment.id, item_id=item_id)
            db.session.add(answer)
        answer.status = status
        answer.explanation = text
        answer.fields = json.dumps(fields, ensure_ascii=False, sort_keys=True)
        answer.updated_by_id = user.id
        answer.updated_at = utcnow()
        written.append(item_id)
    return written


def add_link(
    assessment: Assessment, item_id: str, title: str | None, url: str | None, user: User
) -> AssessmentEvidence:
    _editable(assessment)
    checklist_item(item_id)
    errors: list[FieldError] = []
    title = _clean("title", title, 300, errors)
    url = (url or "").strip()
    parts = urlsplit(url) if len(url) <= 1000 else None
    if not parts or parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in url):
        errors.append(
            FieldError(
                "url",
                "ลิงก์ต้องขึ้นต้นด้วย http:// หรือ https:// และยาวไม่เกิน 1,000 ตัวอักษร",
                "A link must start with http:// or https:// and be at most 1,000 characters.",
            )
        )
    if errors:
        raise invalid(errors)
    item = AssessmentEvidence(
        assessment_id=assessment.id, item_id=item_id, kind="link", title=title or url, url=url, created_by_id=user.id
    )
    db.session.add(item)
    db.session.flush()
    return item


def add_file(
    assessment: Assessment, item_id: str, title: str | None, filename: str | None, raw: bytes, user: User
) -> AssessmentEvidence:
    _editable(assessment)
    checklist_item(item_id)
    errors: list[FieldError] = []
    title = _clean("title", title, 300, errors)
    if errors:
        raise invalid(errors)
    prepared = files.prepare(filename, raw, current_app.config["ASSESSMENT_EVIDENCE_MAX_BYTES"])
    upload_dir = current_app.config["UPLOAD_DIR"]
    key = files.store(upload_dir, prepared, assessment.fiscal_year)
    item = AssessmentEvidence(
        assessment_id=assessment.id,
        item_id=item_id,
        kind="file",
        title=title or prepared.original_name,
        storage_key=key,
        original_name=prepared.original_name,
        content_type=prepared.content_type,
        size_bytes=len(prepared.data),
        sha256=prepared.sha256,
        created_by_id=user.id,
    )
    after_rollback(lambda: files.remove(upload_dir, key))  # nothing half-stored
    db.session.add(item)
    db.session.flush()
    return item


def evidence_item(assessment: Assessment, evidence_id: int) -> AssessmentEvidence:
    item = db.session.get(AssessmentEvidence, evidence_id)
    if item is None or item.assessment_id != assessment.id:
        raise BilingualError(404, "not-found", "ไม่พบหลักฐาน", "No such evidence.")
    return item


def remove_evidence(assessment: Assessment, evidence_id: int) -> None:
    _editable(assessment)
    item = evidence_item(assessment, evidence_id)
    key = item.storage_key
    db.session.delete(item)
    if key:  # the file goes once the row's deletion is committed
        upload_dir = current_app.config["UPLOAD_DIR"]
        after_commit(lambda: files.remove(upload_dir, key))


# --- the report's content ---------------------------------------------------------------------


def _evidence_dict(item: AssessmentEvidence) -> dict:
    return {
        "id": item.id,
        "item_id": item.item_id,
        "kind": item.kind,
        "title": item.title,
        "url": item.url,
        "original_name": item.original_name,
        "content_type": item.content_type,
        "size_bytes": item.size_bytes,
        "sha256": item.sha256,
    }


def _operational_dict(data: OperationalData) -> dict:
    return {
        "criterion_34": json.loads(data.criterion_34),
        "prefill": json.loads(data.prefill),
        "computed_at": data.computed_at.isoformat(),
        "seconds": round(data.seconds, 3),
    }


def stored_operations(period: Period, body: Unit | None = None) -> OperationalData | None:
    """The operational data of the period as last stored (of the body, or the whole deployment)."""
    same_body = OperationalData.unit_id.is_(None) if body is None else OperationalData.unit_id == body.id
    return db.session.scalar(select(OperationalData).where(same_body, OperationalData.period == period.code))


def refresh_operations(period: Period, body: Unit | None = None) -> dict:
    """Compute what the complaint data says of the period now (of the body's subtree, or
    the whole deployment), store it, and return it."""
    started = time.perf_counter()
    units = units_of(body)
    # filters, not links: no request needed
    computed, prefill = ops.criterion_34(period, None, units), ops.prefill(period, units)
    data = stored_operations(period, body) or OperationalData(unit_id=body_id(body), period=period.code)
    db.session.add(data)
    data.computed_at, data.seconds = utcnow(), time.perf_counter() - started
    data.criterion_34 = json.dumps(computed, ensure_ascii=False)
    data.prefill = json.dumps(prefill, ensure_ascii=False)
    result = _operational_dict(data)
    try:
        db.session.commit()
    except IntegrityError:  # another process stored the same period at the same moment
        db.session.rollback()
    return result


def operations(period: Period, body: Unit | None = None) -> dict:
    """{"criterion_34", "prefill", "computed_at", "seconds"} of the period (of the body, or
    the whole deployment): as stored when younger than ASSESSMENT_DATA_MAX_AGE seconds
    (0: always computed now), else anew."""
    max_age = current_app.config["ASSESSMENT_DATA_MAX_AGE"]
    stored = stored_operations(period, body)
    if stored is not None and (utcnow() - stored.computed_at).total_seconds() <= max_age:
        return _operational_dict(stored)
    return refresh_operations(period, body)


def periods_to_refresh(now=None, body: Unit | None = None) -> list[Period]:
    """What beat keeps fresh of the body (or the whole deployment): this fiscal year, this
    quarter, and every period with a draft."""
    now = now or utcnow()
    year = Period.containing(now)
    found = {year.code: year, **{q.code: q for q in year.quarters() if q.start <= now < q.end}}
    drafts = select(Assessment.period).where(Assessment.status == "draft", _same_body(body))
    for code in db.session.scalars(drafts):
        found.setdefault(code, Period.parse(code))
    return list(found.values())


def refresh_all() -> int:
    """Refresh the stored operational data of `periods_to_refresh()`, for the whole
    deployment and for every assessed body; returns how many."""
    done = 0
    for body in (None, *assessed_bodies()):
        for period in periods_to_refresh(body=body):
            refresh_operations(period, body)
            done += 1
    return done


def _in_body(entries: Iterable[dict], body: Unit) -> None:
    """A body's figures (3.4's and 3.1-3.3's) link to the dashboard's list of the body's subtree
    (its `unit` filter takes the unit and the units below it), so the list is the complaints the
    figure counts."""
    for entry in entries:
        for metric in entry.get("metrics", []):
            filters = metric.get("filters")
            if filters and filters.get("page") == "figures":
                filters["params"] = {**(filters.get("params") or {}), "unit": str(body.id)}


def build(period: Period, assessment: Assessment | None, fresh: bool = False, body: Unit | None = None) -> dict:
    """Everything the report shows (a draft, or a period with no assessment yet) of the
    assessment's body (else `body`; None: the whole deployment); with `fresh`, the
    complaint data is read now rather than as last stored."""
    if assessment is not None:
        body = assessment.unit
    data = refresh_operations(period, body) if fresh else operations(period, body)
    computed, prefill = data["criterion_34"], data["prefill"]
    if body is not None:
        _in_body([*computed["items"].values(), *prefill.values()], body)
    answers = {a.item_id: a for a in (assessment.answers if assessment else [])}
    evidence = [_evidence_dict(e) for e in (assessment.evidence if assessment else [])]
    items = {}
    declared_only: dict[str, list[str]] = {}
    for item_id, item in all_items().items():
        answer = answers.get(item_id)
        fields = json.loads(answer.fields) if answer else {}
        offered = prefill.get(item_id, {})
        suggested = offered.get("fields", {})
        attached = [e for e in evidence if e["item_id"] == item_id]
        if item["criterion"] == COMPUTED_CRITERION:
            status = MET if computed["items"].get(item_id, {}).get("met") else NOT_MET
            support = Support(status, SUPPORT_METRICS if status == MET else "", False)
            metrics = computed["items"].get(item_id, {}).get("metrics", [])
        else:
            # A tick is never enough alone for Advance or Significance (scoring.supported).
            status = answer.status if answer else NOT_MET
            metrics = offered.get("metrics", [])
            support = supported(item["level"], status, offered.get("metrics_met"), len(attached))
            if support.declared_only:
                declared_only.setdefault(item["criterion"], []).append(item_id)
        items[item_id] = {
            "status": status,  # as declared (3.4: as computed)
            "counted_status": support.status,  # what the score counts
            "support": support.basis,
            "declared_only": support.declared_only,
            "not_counted_th": support.why_th,
            "not_counted_en": support.why_en,
            "explanation": answer.explanation if answer else "",
            "fields": fields,
            "suggested_fields": {k: v for k, v in suggested.items() if not fields.get(k)},
            "facts": offered.get("facts", []),
            "metrics": metrics,
            "evidence": attached,
        }
    scores = score_form(
        criteria(),
        {item_id: entry["counted_status"] for item_id, entry in items.items()},
        [item_id for ids in declared_only.values() for item_id in ids],
    )
    return {
        "agency": assessment.agency if assessment else (body.name_th if body is not None else agency()),
        "unit": None if body is None else {"code": body.code, "name_th": body.name_th, "name_en": body.name_en},
        "period": period.code,
        "period_th": period.label("th"),
        "first_day": period.first_day.isoformat(),
        "last_day": period.last_day.isoformat(),
        "form": load_form()["form"],
        "status": assessment.status if assessment else "none",
        "generated_at": utcnow().isoformat(),
        "data_as_of": data["computed_at"],
        "thresholds": computed["thresholds"],
        "items": items,
        "scores": scores,
        # Items of 3.1-3.3 marked met with neither met metrics nor evidence, by criterion.
        "declared_only": declared_only,
    }


def content(period: Period, assessment: Assessment | None, body: Unit | None = None) -> dict:
    """The report's content: the frozen snapshot once submitted, else computed now (of the
    assessment's body; with no assessment, of `body`)."""
    if assessment is not None and assessment.status == "submitted":
        if assessment.snapshot is None:
            raise ValueError(f"submitted assessment {assessment.id} has no snapshot")
        return json.loads(assessment.snapshot)
    return build(period, assessment, body=body)


def _file_hashes_hold(assessment: Assessment) -> None:
    """Every evidence file is still there and still what was uploaded."""
    upload_dir = current_app.config["UPLOAD_DIR"]
    for item in assessment.evidence:
        if item.kind != "file":
            continue
        path = files.path_of(upload_dir, item.storage_key) if item.storage_key is not None else None
        if path is None or not path.is_file() or hashlib.sha256(path.read_bytes()).hexdigest() != item.sha256:
            raise BilingualError(
                409,
                "evidence-changed",
                f"ไฟล์หลักฐาน {item.original_name} หายไปหรือถูกแก้ไข กรุณาแนบใหม่ก่อนส่ง",
                f"Evidence file {item.original_name} is missing or changed; attach it again.",
            )


def ready_to_submit(period: Period, assessment: Assessment) -> None:
    """Refuse (409) what cannot be submitted: a submitted one, a period not ended, changed files."""
    _editable(assessment)
    ended(period)
    _file_hashes_hold(assessment)


def submit(period: Period, assessment: Assessment, user: User) -> Assessment:
    """Freeze the assessment: snapshot every number, answer and evidence item, and who did it.
    Only a period that has ended can be submitted; before that it stays a draft."""
    ready_to_submit(period, assessment)
    snapshot = build(period, assessment, fresh=True)
    snapshot["status"] = "submitted"
    snapshot["submitted_at"] = utcnow().isoformat()
    snapshot["submitted_by"] = user.display_name
    snapshot["monthly"] = monthly(period)  # the report's trend chart, frozen with the rest
    text = json.dumps(snapshot, ensure_ascii=False, sort_keys=True)
    assessment.snapshot = text
    assessment.snapshot_sha256 = hashlib.sha256(text.encode("utf-8")).hexdigest()
    assessment.status = "submitted"
    assessment.submitted_at = utcnow()
    assessment.submitted_by_id = user.id
    return assessment


def previous_submitted(period: Period, body: Unit | None = None) -> Assessment | None:
    """The body's submitted assessment of the period before, of the same length (what a draft
    compares with): the previous quarter for a quarter, the previous fiscal year for a year;
    None when it was not submitted."""
    return db.session.scalar(
        select(Assessment).where(
            _same_body(body),
            Assessment.status == "submitted",
            Assessment.period == period.previous().code,
        )
    )


def compare(current: dict, previous: dict | None) -> dict | None:
    """The change of every score and 3.4 metric against an earlier submitted report."""
    if previous is None:
        return None
    scores = {}
    for cid, now in current["scores"]["criteria"].items():
        before = previous["scores"]["criteria"].get(cid)
        scores[cid] = {
            "now": now["total"],
            "before": before["total"] if before else None,
            "change": round(now["total"] - before["total"], 2) if before else None,
            "level_now": now["level"],
            "level_before": before["level"] if before else None,
        }
    before_metrics = {m["key"]: m for entry in previous["items"].values() for m in entry.get("metrics", [])}
    metrics = {}
    for entry in current["items"].values():
        for m in entry.get("metrics", []):
            old = before_metrics.get(m["key"])
            change = (
                round(m["value"] - old["value"], 6)
                if old and m["value"] is not None and old["value"] is not None
                else None
            )
            metrics[m["key"]] = {
                "now": m["value"],
                "before": old["value"] if old else None,
                # As the earlier report showed it (a rate as a percentage), never the raw value.
                "before_display": old["display"] if old else None,
                "change": change,
            }
    now_total, before_total = current["scores"]["category_score"], previous["scores"]["category_score"]
    return {
        "period": previous["period"],
        "category_score": {"now": now_total, "before": before_total, "change": round(now_total - before_total, 2)},
        "criteria": scores,
        "metrics": metrics,
    }


def all_assessments(bodies: set[int | None] | None = None) -> list[Assessment]:
    """Every assessment of `bodies` (ids, None standing for the whole deployment; `bodies`
    None: of all), the latest period first, then by body (the index page's list)."""
    where: ColumnElement[bool] = true()
    if bodies is not None:
        ids = [b for b in bodies if b is not None]
        where = Assessment.unit_id.in_(ids)
        if None in bodies:
            where = where | Assessment.unit_id.is_(None)
    return list(
        db.session.scalars(
            select(Assessment)
            .where(where)
            .order_by(Assessment.fiscal_year.desc(), Assessment.period.desc(), Assessment.unit_id.nullsfirst())
        )
    )


def with_comparison(period: Period, assessment: Assessment) -> tuple[dict, dict | None]:
    """The assessment's content and its comparison with the previous period's submitted
    report (None when that was not submitted): what its page shows."""
    current = content(period, assessment)
    previous = previous_submitted(period, assessment.unit)
    comparison = compare(current, content(Period.parse(previous.period), previous)) if previous else None
    return current, comparison


# --- agencies side by side ---------------------------------------------------------------------

# The 3.4 figures a ministry or province compares across its agencies (those present in a report).
KEY_METRICS = ("ack_within_1wd", "overdue", "satisfied", "reopened", "root_cause", "corrective_actions")


def bodies_under(user: User, unit: Unit | None) -> list[Unit]:
    """The assessed bodies at or below `unit` (None: all of them) whose assessments the user may see."""
    covered = None if unit is None else unit_and_descendants(unit.id)
    seen = visible_bodies(user)
    return [
        body
        for body in assessed_bodies()
        if (covered is None or body.id in covered) and (seen is None or body.id in seen)
    ]


def units_above_bodies(user: User) -> list[Unit]:
    """The units (a ministry, a province) with assessed bodies below them that the user may
    see, within the user's own units; the tree's top first. What the side-by-side page offers."""
    bodies = bodies_under(user, None)
    above: dict[int, int] = {}  # unit id -> its depth below the body (for the order)
    for body in bodies:
        for depth, unit_id in enumerate(_ancestors(body.id)[1:], start=1):
            above[unit_id] = max(above.get(unit_id, 0), depth)
    if user.role != "admin" and user.unit_id is not None:
        covered = unit_and_descendants(user.unit_id)
        above = {u: d for u, d in above.items() if u in covered}
    units = db.session.scalars(select(Unit).where(Unit.id.in_(above))).all() if above else []
    return sorted(units, key=lambda u: (-above[u.id], u.code))


def side_by_side(period: Period, bodies: list[Unit]) -> list[dict]:
    """One row per body for one period: its assessment (None when not opened), status,
    scores per criterion and the key 3.4 figures; a draft or an unopened one computed from
    the stored operational data, a submitted one read from its snapshot."""
    rows = []
    for body in bodies:
        assessment = find(period, body)
        report = content(period, assessment, body)
        metrics = {m["key"]: m for entry in report["items"].values() for m in entry.get("metrics", [])}
        rows.append(
            {
                "body": body,
                "assessment": assessment,
                "status": assessment.status if assessment else "none",
                "scores": report["scores"],
                "metrics": [metrics[key] for key in KEY_METRICS if key in metrics],
                "data_as_of": report.get("data_as_of"),
            }
        )
    return rows
