"""Recurring-issue clusters: complaints about the same problem at the same place, over time.

A periodic task (`rongrian.update_clusters`) and `flask clusters update` call
`update_clusters()`, which picks up complaints not yet clustered
(`clustered_at IS NULL`, through its index) in claimed batches and puts each one
into a cluster:

* **Same issue**: the complaint's category (the officer's, else the model's
  suggestion, as for similar complaints) must be the cluster's.
* **Same place** (`place_key`): with coordinates, the grid cell of
  GRID_DEGREES (0.005 degrees, about 550 m north-south and 540 m east-west in
  Bangkok) that holds them, written ``g:<row>:<column>`` with row = floor(lat /
  0.005) and column = floor(lon / 0.005); without coordinates, the DOPA area
  code (subdistrict, 6 digits, or district, 4 digits). A complaint that names only
  a province, or no place at all, is marked as checked and left out: a province is
  too large to call "the same place". Two points a few metres apart on either side
  of a cell border land in different cells; a cluster is a recurring problem at a
  place, not a precise geometry.
* **Same problem**: the Jaccard overlap (`similarity.overlap`) of the complaint's
  text signature (`similarity.text_signature`, stop words already dropped) with
  the cluster's terms is at least CLUSTER_MIN_OVERLAP, and they do not name
  different soi or road numbers (`similarity.places_conflict`). The best such
  cluster wins; when none qualifies the complaint starts a new cluster.

A cluster's `terms` are its CLUSTER_TERMS most frequent signature tokens over its
latest TERM_SAMPLE members (ties: the one used first). Its `label_th` reads
``<category>: <top three terms> (<place>)``, e.g. ``ถนน: หลุม พหลโยธิน ซ่อม (ลาดยาว
เขตจตุจักร)``. `cluster_months` counts the members by month of receipt, in
Bangkok time.

Only complaints of kind `complaint` are clustered (not suggestions, compliments
or tip-offs). A complaint merged into another (status `merged`) is the same
report twice: it is never counted, and one merged after it was counted is taken
out again (size and month count go down, its `cluster_id` is cleared).

Concurrency: one batch is one transaction and clustering is one writer at a time.
On PostgreSQL a batch first takes a transaction-level advisory lock, then claims
its complaints with ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED)``, so a second run waits for the first batch to commit and then claims
only what is left; on SQLite the claiming UPDATE is the transaction's first
statement and takes the database's write lock. A complaint is counted in the
same transaction that marks it clustered, so running the task twice, or twice at
the same time, counts every complaint once.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import func, insert, select, text, tuple_, update

from complaints.domain.locations import place_name
from complaints.domain.thai_calendar import to_bangkok
from complaints.extensions import db
from complaints.models import Category, ClusterMonth, Complaint, Kind, RecurringCluster, Status, utcnow
from complaints.nlp.pii_masking import mask_text
from complaints.nlp.similarity import overlap, places_conflict, text_signature
from complaints.services.casework import similarity
from complaints.services.classifier.triage import complaint_text

GRID_DEGREES = 0.005
CLUSTER_TERMS = 12
LABEL_TERMS = 3
# Words every complaint uses ("please fix the problem in the area"): kept for
# matching, skipped in the label, which should name the problem and the place.
LABEL_FILLER = frozenset(
    {
        "แจ้ง",
        "ปัญหา",
        "เรื่อง",
        "บริเวณ",
        "ทำ",
        "ช่วย",
        "ดำเนินการ",
        "แก้ไข",
        "ขอ",
        "ขอให้",
        "ครับ",
        "ค่ะ",
        "คะ",
        "นะ",
        "เลย",
        "มาก",
        "ด่วน",
        "อีกแล้ว",
        "ตรง",
        "แถว",
        "หน้า",
        "ทาง",
        "ซอย",
        "เขต",
        "แขวง",
    }
)
TERM_SAMPLE = 200
# An arbitrary constant naming the clustering lock among PostgreSQL advisory locks.
_ADVISORY_LOCK_KEY = 0x52524C55  # "RRLU"


# --- pure rules ------------------------------------------------------------------------


def place_key(lat: float | None, lon: float | None, area_code: str | None) -> str | None:
    """Where a complaint is, for clustering: a grid cell, a subdistrict or district code, or None."""
    if lat is not None and lon is not None and math.isfinite(lat) and math.isfinite(lon):
        return f"g:{math.floor(lat / GRID_DEGREES)}:{math.floor(lon / GRID_DEGREES)}"
    if area_code and len(area_code) in (4, 6) and area_code.isdigit():
        return area_code
    return None


def month_of(moment: datetime) -> date:
    """First day of the Bangkok-time month of a UTC moment."""
    local = to_bangkok(moment)
    return date(local.year, local.month, 1)


def top_terms(counts: Counter, n: int = CLUSTER_TERMS) -> list[str]:
    """The n most frequent terms; among equal counts the one seen first (Counter keeps insertion order)."""
    return [term for term, _ in counts.most_common(n)]


def make_label(category_name: str | None, terms: list[str], place: str | None) -> str:
    """``<category>: <top terms> (<place>)``, masked (a name or number used again and again stays private).

    Filler words and the category's own name are skipped: the label names the problem and the place.
    """
    words = [term for term in terms if term not in LABEL_FILLER and term != category_name and not term.startswith("#")][
        :LABEL_TERMS
    ]
    label = mask_text(f"{category_name or 'ไม่ระบุหมวด'}: {' '.join(words)}")
    if place:
        label += f" ({place})"
    return label[:300]


def _grid_place(key: str) -> str:
    row, column = (int(part) for part in key.split(":")[1:])
    return f"พิกัด {(row + 0.5) * GRID_DEGREES:.3f}, {(column + 0.5) * GRID_DEGREES:.3f}"


def cluster_place(cluster: RecurringCluster) -> str | None:
    """The readable Thai place of a cluster: subdistrict and district names, else the grid cell."""
    return place_name(cluster.area_code) or (_grid_place(cluster.place_key) if cluster.place_key else None)


# --- the batch -------------------------------------------------------------------------


@dataclass
class UpdateResult:
    checked: int = 0  # complaints marked clustered (joined, started or left out)
    joined: int = 0  # joined an existing cluster
    created: int = 0  # started a new cluster
    uncounted: int = 0  # merged complaints taken out of their cluster


class _Clusterer:
    """One batch: the clusters touched, their term counts and month counts, in memory."""

    def __init__(self, min_overlap: float):
        self.min_overlap = min_overlap
        self.by_place: dict[tuple[int, str], list[RecurringCluster]] = {}
        self.term_counts: dict[int, Counter] = {}  # id(cluster) -> counts
        self.months: Counter = Counter()  # (cluster, month) -> complaints added
        self.members: list[tuple[int, RecurringCluster]] = []  # (complaint id, its cluster)
        self.categories: dict[int, Category | None] = {}

    def load(self, places: set[tuple[int, str]]) -> None:
        """The clusters of every (category, place key) of the batch, in one query."""
        for place in places:
            self.by_place.setdefault(place, [])
        if places:
            for cluster in db.session.scalars(
                select(RecurringCluster)
                .where(tuple_(RecurringCluster.category_id, RecurringCluster.place_key).in_(sorted(places)))
                .order_by(RecurringCluster.id)
            ):
                if cluster.category_id is not None and cluster.place_key is not None:  # both, by the query
                    self.by_place[(cluster.category_id, cluster.place_key)].append(cluster)

    def candidates(self, category_id: int, key: str) -> list[RecurringCluster]:
        return self.by_place[(category_id, key)]

    def counts(self, cluster: RecurringCluster) -> Counter:
        counts = self.term_counts.get(id(cluster))
        if counts is None:
            counts = Counter()
            if cluster.id is not None:
                latest = db.session.scalars(
                    select(Complaint.text_signature)
                    .where(Complaint.cluster_id == cluster.id)
                    .order_by(Complaint.id.desc())
                    .limit(TERM_SAMPLE)
                ).all()
                for signature in reversed(latest):
                    counts.update((signature or "").split())
            self.term_counts[id(cluster)] = counts
        return counts

    def assign(self, complaint: Complaint, category_id: int, key: str, signature: str) -> bool:
        """Put one complaint into its best cluster or a new one; True when it joined an existing one."""
        best, best_score = None, self.min_overlap
        for cluster in self.candidates(category_id, key):
            if places_conflict(signature, cluster.terms):  # another soi or road number
                continue
            score = overlap(signature, cluster.terms)
            if score >= best_score and (best is None or score > best_score):
                best, best_score = cluster, score
        joined = best is not None
        if category_id not in self.categories:  # the identity map holds them only weakly
            self.categories[category_id] = db.session.get(Category, category_id)
        category = self.categories[category_id]
        if best is None:
            best = RecurringCluster(
                category_id=category_id,
                unit_id=(category.unit_id if category else None) or complaint.unit_id,
                place_key=key,
                area_code=complaint.area_code,
                terms="",
                size=0,
                label_th="",
                first_seen_at=complaint.received_at,
                last_seen_at=complaint.received_at,
            )
            db.session.add(best)
            self.candidates(category_id, key).append(best)
        counts = self.counts(best)
        counts.update(signature.split())
        terms = top_terms(counts)
        best.terms = " ".join(terms)
        best.label_th = make_label(category.name_th if category else None, terms, cluster_place(best))
        best.size += 1
        best.first_seen_at = min(best.first_seen_at, complaint.received_at)
        best.last_seen_at = max(best.last_seen_at, complaint.received_at)
        self.members.append((complaint.id, best))
        self.months[(best, month_of(complaint.received_at))] += 1
        return joined

    def write(self) -> None:
        """New clusters, members' cluster ids (one executemany) and month counts."""
        db.session.flush()  # new clusters get their ids
        if self.members:
            db.session.execute(
                update(Complaint),
                [{"id": complaint_id, "cluster_id": cluster.id} for complaint_id, cluster in self.members],
            )
        ids = {cluster.id for cluster, _ in self.months}
        existing = (
            {
                (row.cluster_id, row.month): row
                for row in db.session.scalars(select(ClusterMonth).where(ClusterMonth.cluster_id.in_(ids)))
            }
            if ids
            else {}
        )
        new_rows = []
        for (cluster, month), added in self.months.items():
            row = existing.get((cluster.id, month))
            if row is None:
                new_rows.append({"cluster_id": cluster.id, "month": month, "count": added})
            else:
                row.count += added
        if new_rows:  # Core executemany: no ids to read back
            db.session.execute(insert(ClusterMonth), new_rows)


def _lock() -> None:
    """Serialise the writers of the cluster tables (PostgreSQL; SQLite has one writer)."""
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_LOCK_KEY})


def _lock_and_claim(batch_size: int) -> list[int]:
    """Serialise clustering and claim up to batch_size unclustered complaints (marked in this transaction)."""
    _lock()
    pending = (
        select(Complaint.id).where(Complaint.clustered_at.is_(None)).limit(batch_size).with_for_update(skip_locked=True)
    )
    claimed = db.session.execute(
        update(Complaint)
        .where(Complaint.id.in_(pending))
        .values(clustered_at=utcnow())
        .returning(Complaint.id)
        .execution_options(synchronize_session=False)
    )
    return [row[0] for row in claimed]


def _cluster_batch(batch_size: int, min_overlap: float, result: UpdateResult) -> int:
    ids = _lock_and_claim(batch_size)
    if not ids:
        db.session.rollback()
        return 0
    clusterer = _Clusterer(min_overlap)
    complaints = db.session.scalars(
        select(Complaint).where(Complaint.id.in_(ids)).order_by(Complaint.received_at, Complaint.id)
    ).all()
    work: list[tuple[Complaint, int, str, str]] = []  # (complaint, category id, place key, signature)
    for complaint in complaints:
        category_id = similarity.category_of(complaint)
        key = place_key(complaint.lat, complaint.lon, complaint.area_code)
        if (
            complaint.kind != Kind.COMPLAINT
            or complaint.status == Status.MERGED
            or category_id is None
            or key is None
            or complaint.cluster_id is not None
        ):
            continue
        if complaint.text_signature is None:  # rows stored before signatures existed (migration 0004)
            complaint.text_signature = text_signature(complaint_text(complaint.title, complaint.description))
        signature = complaint.text_signature
        if signature:
            work.append((complaint, category_id, key, signature))
    clusterer.load({(category_id, key) for _, category_id, key, _ in work})
    # Nothing is written until the batch is assigned: flushing before every read
    # of a cluster's members would cost a round trip per complaint.
    with db.session.no_autoflush:
        for complaint, category_id, key, signature in work:
            if clusterer.assign(complaint, category_id, key, signature):
                result.joined += 1
            else:
                result.created += 1
    clusterer.write()
    db.session.commit()
    result.checked += len(ids)
    return len(ids)


def uncount_merged() -> int:
    """Take complaints merged after they were clustered out of their cluster; returns how many."""
    _lock()
    # Through the (status, received_at) index: merged complaints are few.
    merged = db.session.scalars(
        select(Complaint).where(Complaint.status == Status.MERGED, Complaint.cluster_id.is_not(None))
    ).all()
    for complaint in merged:
        cluster = complaint.cluster
        if cluster is not None:  # always, by the query
            cluster.size = max(cluster.size - 1, 0)
            month = db.session.scalar(
                select(ClusterMonth).where(
                    ClusterMonth.cluster_id == cluster.id, ClusterMonth.month == month_of(complaint.received_at)
                )
            )
            if month is not None and month.count > 0:
                month.count -= 1
        complaint.cluster_id = None
    db.session.commit()
    return len(merged)


def update_clusters(batch_size: int | None = None) -> UpdateResult:
    """Cluster every complaint not yet clustered, batch by batch (the periodic task and the CLI)."""
    config = current_app.config
    batch_size = batch_size or config["CLUSTER_BATCH_SIZE"]
    min_overlap = config["CLUSTER_MIN_OVERLAP"]
    result = UpdateResult(uncounted=uncount_merged())
    while _cluster_batch(batch_size, min_overlap, result):
        pass
    return result


# --- reading -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClusterSummary:
    """One cluster as the analytics dashboard shows it."""

    id: int
    label_th: str
    category_id: int | None
    unit_id: int | None
    area_code: str | None
    place_key: str | None
    terms: list[str]
    size: int  # complaints in the cluster, all time
    first_seen_at: datetime
    last_seen_at: datetime
    in_period: int  # complaints in the months of the period
    months: list[tuple[date, int]]  # (first day of month, complaints) in the period, oldest first


def top_clusters(start: date, end: date, unit_ids: list[int] | None = None, limit: int = 10) -> list[ClusterSummary]:
    """The clusters with the most complaints from start's month to end's month (both included).

    Counts are by Bangkok-time month of receipt (`cluster_months`), so a period is
    whole months. `unit_ids` keeps the clusters of those units (the cluster's unit
    is its category's unit). Ties are broken by the latest complaint, then the id.
    Months with no complaint are left out of `months`.
    """
    first, last = date(start.year, start.month, 1), date(end.year, end.month, 1)
    in_period = func.sum(ClusterMonth.count).label("in_period")
    ranked = (
        select(RecurringCluster, in_period)
        .join(ClusterMonth)
        .where(ClusterMonth.month >= first, ClusterMonth.month <= last)
        .group_by(RecurringCluster.id)
        .having(in_period > 0)
        .order_by(in_period.desc(), RecurringCluster.last_seen_at.desc(), RecurringCluster.id)
        .limit(limit)
    )
    if unit_ids is not None:
        ranked = ranked.where(RecurringCluster.unit_id.in_(unit_ids))
    rows = db.session.execute(ranked).all()
    months: dict[int, list[tuple[date, int]]] = {cluster.id: [] for cluster, _ in rows}
    for cluster_id, month, count in db.session.execute(
        select(ClusterMonth.cluster_id, ClusterMonth.month, ClusterMonth.count)
        .where(
            ClusterMonth.cluster_id.in_(months),
            ClusterMonth.month >= first,
            ClusterMonth.month <= last,
            ClusterMonth.count > 0,
        )
        .order_by(ClusterMonth.month)
    ):
        months[cluster_id].append((month, count))
    return [
        ClusterSummary(
            id=c.id,
            label_th=c.label_th,
            category_id=c.category_id,
            unit_id=c.unit_id,
            area_code=c.area_code,
            place_key=c.place_key,
            terms=c.terms.split(),
            size=c.size,
            first_seen_at=c.first_seen_at,
            last_seen_at=c.last_seen_at,
            in_period=int(total),
            months=months[c.id],
        )
        for c, total in rows
    ]
