"""Recurring-issue clusters on a hand-made set of complaints, with the real Thai tokenizer."""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import ClusterMonth, Complaint, RecurringCluster, Status
from complaints.schemas import ComplaintSubmission
from complaints.services.analytics import clusters
from complaints.services.casework import intake

BANGKOK_LAT_YAO = {"province": "กรุงเทพมหานคร", "district": "จตุจักร", "subdistrict": "ลาดยาว"}
BANGKOK_SENA = {"province": "กรุงเทพมหานคร", "district": "จตุจักร", "subdistrict": "เสนานิคม"}

POTHOLE = [
    "ถนนพหลโยธินหน้าซอย 45 เป็นหลุมลึกมาก รถจักรยานยนต์ล้ม ขอให้ซ่อมผิวถนนด่วน",
    "หลุมลึกบนถนนพหลโยธินหน้าซอย 45 ยังไม่ซ่อม รถจักรยานยนต์ล้มอีกแล้ว",
    "ถนนพหลโยธินซอย 45 หลุมลึกกว่าเดิม รถจักรยานยนต์ตกหลุม ซ่อมถนนให้ด้วย",
    "ผิวถนนพหลโยธินหน้าซอย 45 ยังเป็นหลุมลึกเหมือนเดิม",
]
BILLBOARD = "ป้ายโฆษณาล้มขวางทางเท้า ไม่มีใครมาเก็บ"
LIGHTS = [
    "ไฟส่องสว่างในซอยวิภาวดี 20 ดับทั้งซอย มืดมาก เดินกลับบ้านไม่ปลอดภัย",
    "ซอยวิภาวดี 20 ไฟส่องสว่างดับอีกแล้ว มืดทั้งซอย",
]


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def add(text: str, when: datetime, category: str = "ถนน", location: dict | None = None, **fields) -> int:
    """One complaint through intake (signature, area code), received at `when`."""
    submission = ComplaintSubmission(
        description=text, category=category, location=location if location is not None else BANGKOK_LAT_YAO, **fields
    )
    complaint = db.session.get(Complaint, intake.submit_complaint(submission, channel="web").complaint_id)
    complaint.received_at = when
    db.session.commit()
    return complaint.id


def cluster_of(complaint_id: int) -> RecurringCluster | None:
    return db.session.get(Complaint, complaint_id).cluster


def month_counts(cluster: RecurringCluster) -> dict[date, int]:
    return {
        m.month: m.count for m in db.session.scalars(select(ClusterMonth).where(ClusterMonth.cluster_id == cluster.id))
    }


def snapshot() -> tuple:
    clusters_ = db.session.execute(
        select(RecurringCluster.id, RecurringCluster.size, RecurringCluster.terms, RecurringCluster.label_th).order_by(
            RecurringCluster.id
        )
    ).all()
    months = db.session.execute(
        select(ClusterMonth.cluster_id, ClusterMonth.month, ClusterMonth.count).order_by(
            ClusterMonth.cluster_id, ClusterMonth.month
        )
    ).all()
    members = db.session.execute(select(Complaint.id, Complaint.cluster_id).order_by(Complaint.id)).all()
    return clusters_, months, members


def build_set() -> dict[str, int]:
    ids = {
        "pothole1": add(POTHOLE[0], utc(2026, 1, 5, 3)),
        "pothole2": add(POTHOLE[1], utc(2026, 1, 20, 3)),
        # 18:30 UTC on 31 January is 01:30 on 1 February in Bangkok.
        "pothole3": add(POTHOLE[2], utc(2026, 1, 31, 18, 30)),
        "billboard": add(BILLBOARD, utc(2026, 1, 21, 3)),  # same place and category, another problem
        "pothole_footpath": add(POTHOLE[1], utc(2026, 1, 22, 3), category="ทางเท้า"),  # another category
        "pothole_elsewhere": add(POTHOLE[1], utc(2026, 1, 23, 3), location=BANGKOK_SENA),  # another place
        "lights1": add(LIGHTS[0], utc(2026, 2, 2, 3), category="แสงสว่าง", location={"lat": 13.8241, "lon": 100.5601}),
        # 80 m away, the same grid cell, and no area named: joins by coordinates.
        "lights2": add(LIGHTS[1], utc(2026, 3, 2, 3), category="แสงสว่าง", location={"lat": 13.8248, "lon": 100.5603}),
        # 2 km away: another cell.
        "lights_far": add(
            LIGHTS[1], utc(2026, 3, 3, 3), category="แสงสว่าง", location={"lat": 13.8430, "lon": 100.5600}
        ),
        "suggestion": add(POTHOLE[0], utc(2026, 1, 6, 3), kind="suggestion"),
        "no_place": add(POTHOLE[0], utc(2026, 1, 7, 3), location={}),
    }
    return ids


def test_place_keys_and_months():
    assert clusters.place_key(13.8241, 100.5601, "103001") == "g:2764:20112"
    assert clusters.place_key(13.8248, 100.5603, None) == "g:2764:20112"
    assert clusters.place_key(13.8430, 100.5600, None) != "g:2764:20112"
    assert clusters.place_key(None, None, "103001") == "103001"
    assert clusters.place_key(None, None, "1030") == "1030"
    assert clusters.place_key(None, None, "10") is None  # a province is not a place
    assert clusters.place_key(float("nan"), 100.5, None) is None
    assert clusters.month_of(utc(2026, 1, 31, 16, 59)) == date(2026, 1, 1)
    assert clusters.month_of(utc(2026, 1, 31, 17, 0)) == date(2026, 2, 1)


def test_same_place_and_issue_join_others_do_not(app):
    with app.app_context():
        ids = build_set()
        result = clusters.update_clusters()
        assert (result.checked, result.joined, result.created, result.uncounted) == (11, 3, 6, 0)

        potholes = cluster_of(ids["pothole1"])
        assert cluster_of(ids["pothole2"]) is potholes and cluster_of(ids["pothole3"]) is potholes
        assert potholes.size == 3 and potholes.place_key == "103001" and potholes.area_code == "103001"
        assert potholes.category.code == "ถนน" and potholes.unit.code == "public-works"
        assert potholes.first_seen_at == utc(2026, 1, 5, 3) and potholes.last_seen_at == utc(2026, 1, 31, 18, 30)
        assert month_counts(potholes) == {date(2026, 1, 1): 2, date(2026, 2, 1): 1}
        # The category, the most frequent words (not the category's name, not filler), the place.
        assert potholes.label_th == "ถนน: พหลโยธิน หลุม ลึก (ลาดยาว เขตจตุจักร)"
        assert potholes.terms.split()[:6] == ["ถนน", "พหลโยธิน", "ซอย", "#45", "หลุม", "ลึก"]

        for other in ("billboard", "pothole_footpath", "pothole_elsewhere", "lights_far"):
            assert cluster_of(ids[other]) not in (None, potholes), other
            assert cluster_of(ids[other]).size == 1, other
        assert cluster_of(ids["pothole_elsewhere"]).label_th == "ถนน: หลุม ลึก พหลโยธิน (เสนานิคม เขตจตุจักร)"
        assert cluster_of(ids["billboard"]).label_th == "ถนน: ป้ายโฆษณา ล้ม ทางเท้า (ลาดยาว เขตจตุจักร)"

        lights = cluster_of(ids["lights1"])
        assert cluster_of(ids["lights2"]) is lights and lights.size == 2
        assert lights.place_key == "g:2764:20112"
        assert lights.label_th == "แสงสว่าง: ไฟ ส่องสว่าง วิภาวดี (พิกัด 13.822, 100.562)"
        assert month_counts(lights) == {date(2026, 2, 1): 1, date(2026, 3, 1): 1}
        assert cluster_of(ids["lights_far"]) is not lights

        # Suggestions and complaints with no usable place are checked but not clustered.
        for left_out in ("suggestion", "no_place"):
            complaint = db.session.get(Complaint, ids[left_out])
            assert complaint.cluster_id is None and complaint.clustered_at is not None
        assert db.session.scalar(select(func.count()).select_from(RecurringCluster)) == 6
        assert db.session.scalar(select(func.sum(ClusterMonth.count))) == 9


def test_another_soi_number_is_another_place(app):
    with app.app_context():
        first = add(POTHOLE[0], utc(2026, 1, 5, 3))
        other_soi = add(POTHOLE[1].replace("45", "47"), utc(2026, 1, 6, 3))
        same_soi = add(POTHOLE[1], utc(2026, 1, 7, 3))
        clusters.update_clusters()
        assert cluster_of(same_soi) is cluster_of(first)
        assert cluster_of(other_soi) is not cluster_of(first) and cluster_of(other_soi).size == 1


def test_running_again_changes_nothing_and_new_complaints_are_added(app):
    with app.app_context():
        ids = build_set()
        clusters.update_clusters()
        before = snapshot()
        assert clusters.update_clusters().checked == 0
        assert snapshot() == before

        late = add(POTHOLE[3], utc(2026, 4, 2, 3))
        result = clusters.update_clusters()
        assert (result.checked, result.joined, result.created) == (1, 1, 0)
        potholes = cluster_of(ids["pothole1"])
        assert cluster_of(late) is potholes and potholes.size == 4
        assert potholes.last_seen_at == utc(2026, 4, 2, 3)
        assert month_counts(potholes) == {date(2026, 1, 1): 2, date(2026, 2, 1): 1, date(2026, 4, 1): 1}
        # Nothing else moved.
        after = snapshot()
        assert [c for c in after[0] if c[0] != potholes.id] == [c for c in before[0] if c[0] != potholes.id]


def test_small_batches_give_the_same_clusters(app):
    with app.app_context():
        build_set()
        clusters.update_clusters(batch_size=2)
        small = snapshot()
    with app.app_context():
        db.session.execute(Complaint.__table__.update().values(cluster_id=None, clustered_at=None))
        db.session.execute(ClusterMonth.__table__.delete())
        db.session.execute(RecurringCluster.__table__.delete())
        db.session.commit()
        clusters.update_clusters()
        whole = snapshot()

    # Same grouping and counts (cluster ids are new).
    def grouping(snap):
        by_cluster = {}
        for complaint_id, cluster_id in snap[2]:
            by_cluster.setdefault(cluster_id, []).append(complaint_id)
        return sorted(tuple(v) for k, v in by_cluster.items() if k is not None)

    assert grouping(small) == grouping(whole)
    assert sorted(c[1:] for c in small[0]) == sorted(c[1:] for c in whole[0])


def test_merged_complaints_are_not_counted_twice(app):
    with app.app_context():
        ids = build_set()
        merged_first = add(POTHOLE[3], utc(2026, 1, 25, 3))
        complaint = db.session.get(Complaint, merged_first)
        complaint.status, complaint.merged_into_id = Status.MERGED, ids["pothole1"]
        db.session.commit()
        clusters.update_clusters()
        potholes = cluster_of(ids["pothole1"])
        assert cluster_of(merged_first) is None and potholes.size == 3

        # Merged after it was counted: taken out on the next run, once.
        complaint = db.session.get(Complaint, ids["pothole2"])
        complaint.status, complaint.merged_into_id = Status.MERGED, ids["pothole1"]
        db.session.commit()
        assert clusters.update_clusters().uncounted == 1
        assert clusters.update_clusters().uncounted == 0
        assert potholes.size == 2 and cluster_of(ids["pothole2"]) is None
        assert month_counts(potholes) == {date(2026, 1, 1): 1, date(2026, 2, 1): 1}


def test_top_clusters_ranks_by_complaints_in_the_period(app):
    with app.app_context():
        ids = build_set()
        add(POTHOLE[3], utc(2026, 4, 2, 3))
        clusters.update_clusters()
        potholes, lights = cluster_of(ids["pothole1"]), cluster_of(ids["lights1"])

        top = clusters.top_clusters(date(2026, 1, 1), date(2026, 12, 31))
        assert [(c.id, c.in_period) for c in top[:2]] == [(potholes.id, 4), (lights.id, 2)]
        assert top[0].months == [(date(2026, 1, 1), 2), (date(2026, 2, 1), 1), (date(2026, 4, 1), 1)]
        assert top[0].size == 4 and top[0].label_th == potholes.label_th
        assert sum(c.in_period for c in top) == 10 and len(top) == 6

        # Whole months: 15 Feb to 10 Mar is February and March.
        spring = clusters.top_clusters(date(2026, 2, 15), date(2026, 3, 10), limit=2)
        assert [(c.id, c.in_period, c.months) for c in spring] == [
            (lights.id, 2, [(date(2026, 2, 1), 1), (date(2026, 3, 1), 1)]),
            (potholes.id, 1, [(date(2026, 2, 1), 1)]),
        ]

        drainage_unit = db.session.scalar(select(clusters.Category.unit_id).where(clusters.Category.code == "น้ำท่วม"))
        assert clusters.top_clusters(date(2026, 1, 1), date(2026, 12, 31), unit_ids=[drainage_unit]) == []
        assert clusters.top_clusters(date(2025, 1, 1), date(2025, 12, 31)) == []


def test_cli_update(app, runner):
    with app.app_context():
        build_set()
    out = runner.invoke(args=["clusters", "update", "--batch-size", "4"])
    assert out.exit_code == 0, out.output
    assert "checked 11 complaints" in out.output and "3 joined a cluster, 6 started one" in out.output
    again = runner.invoke(args=["clusters", "update"])
    assert "checked 0 complaints" in again.output
    bad = runner.invoke(args=["clusters", "update", "--batch-size", "0"])
    assert bad.exit_code == 2


@pytest.mark.postgres
def test_postgres_concurrent_runs_count_each_complaint_once(pg_app):
    with pg_app.app_context():
        ids = build_set()
        for i in range(40):
            add(POTHOLE[i % 4], utc(2026, 5, 1 + i % 28, 3))
    errors = []

    def run():
        try:
            with pg_app.app_context():
                clusters.update_clusters(batch_size=3)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with pg_app.app_context():
        potholes = cluster_of(ids["pothole1"])
        assert potholes.size == 43
        assert month_counts(potholes) == {date(2026, 1, 1): 2, date(2026, 2, 1): 1, date(2026, 5, 1): 40}
        assert db.session.scalar(select(func.sum(ClusterMonth.count))) == 49
        assert db.session.scalar(select(func.sum(RecurringCluster.size))) == 49
        assert db.session.scalar(select(func.count()).select_from(RecurringCluster)) == 6
        assert db.session.scalar(select(func.count()).where(Complaint.clustered_at.is_(None))) == 0
        before = snapshot()
        assert clusters.update_clusters().checked == 0 and snapshot() == before


@pytest.mark.postgres
def test_postgres_claim_and_cluster_lookup_go_through_indexes(pg_app):
    """The statements update_clusters sends (captured, not written here) use the indexes."""
    from sqlalchemy import event

    with pg_app.app_context():
        build_set()
        engine = db.engine
        sent = []

        def capture(conn, cursor, statement, parameters, context, executemany):
            if statement.startswith("UPDATE complaints SET clustered_at") or (
                "FROM recurring_clusters" in statement and "place_key" in statement
            ):
                sent.append((statement, parameters))

        event.listen(engine, "before_cursor_execute", capture)
        try:
            clusters.update_clusters()
        finally:
            event.remove(engine, "before_cursor_execute", capture)
        claim = [s for s in sent if s[0].startswith("UPDATE")]
        lookup = [s for s in sent if not s[0].startswith("UPDATE")]
        assert claim and lookup, [s[0][:80] for s in sent]
        connection = db.session.connection()
        connection.exec_driver_sql("SET LOCAL enable_seqscan = off")  # the tables here are tiny

        def plan(statement, parameters) -> str:
            return "\n".join(r[0] for r in connection.exec_driver_sql("EXPLAIN " + statement, parameters))

        claim_plan = plan(*claim[0])
        assert "ix_complaints_clustered_at" in claim_plan and "LockRows" in claim_plan, claim_plan
        lookup_plan = plan(*lookup[0])
        assert "ix_recurring_clusters_category_place" in lookup_plan, lookup_plan
        db.session.rollback()


def test_the_beat_schedule_runs_the_update():
    from complaints.config import load_config

    entry = load_config("/nonexistent")["CELERY"]["beat_schedule"]["update-clusters"]
    assert entry == {"task": TaskName.UPDATE_CLUSTERS, "schedule": 300.0}
