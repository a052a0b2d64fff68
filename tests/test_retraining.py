"""Retraining the classifier from confirmed complaints: requesting a run, running it
(the service the Celery task calls, called directly), the schedule, the training and
held-out sets, promotion and rejection on the base and the recent hold-out, the
rolling-origin evaluation of that policy, the active model at intake, and the admin page.

The base data is a small generated CSV (three labels, distinct Thai words per
label) so a run takes seconds, not the ~90 s of the full Traffy file.
"""

from __future__ import annotations

import csv
import json
import random
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from complaints.domain.errors import BilingualError
from complaints.domain.task_names import TaskName
from complaints.extensions import db
from complaints.models import Category, CategoryFeedback, Complaint, RunStatus, TrainingRun, User, utcnow
from complaints.nlp import train
from complaints.nlp.evaluation import Row, dedup_key, random_split, read_rows
from complaints.nlp.retraining_policy import decide, in_recent_holdout, retraining_sets, rolling_evaluation
from complaints.services.classifier import retraining, triage
from tests.helpers import login, make_staff
from tests.test_admin import post

WORDS = {
    "ถนน": ["ถนน", "หลุม", "ยางมะตอย", "ผิวจราจร", "ทรุด", "แตกร้าว"],
    "แสงสว่าง": ["ไฟฟ้า", "เสาไฟ", "หลอดไฟ", "ไฟส่องทาง", "มืด", "ดับ"],
    "น้ำท่วม": ["น้ำท่วม", "ท่วมขัง", "ฝนตก", "ระดับน้ำ", "เจิ่งนอง", "สูบน้ำ"],
}
FILLER = [
    "หน้าบ้าน",
    "ในซอย",
    "ช่วย",
    "แก้ไข",
    "ด่วน",
    "มาก",
    "ครับ",
    "ค่ะ",
    "ตรงนี้",
    "ทุกวัน",
    "นาน",
    "แล้ว",
    "ชุมชน",
    "ตลาด",
    "โรงเรียน",
    "ผู้คน",
    "เดือดร้อน",
    "กลางคืน",
]


def make_rows(n_per_label: int, seed: int) -> list[tuple[str, str]]:
    rng = random.Random(seed)
    rows = []
    for label, words in WORDS.items():
        for _ in range(n_per_label):
            parts = rng.sample(words, 3) + rng.sample(FILLER, 4)
            rng.shuffle(parts)
            rows.append((" ".join(parts), label))
    rng.shuffle(rows)
    return rows


def write_csv(path, rows) -> str:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label"])
        writer.writerows(rows)
    return str(path)


@pytest.fixture
def base_csv(app, tmp_path):
    path = write_csv(tmp_path / "base.csv", make_rows(100, 1))
    app.config.update(NLP_BASE_DATA=path, NLP_MODEL_DIR=str(tmp_path / "models"))
    return path


def bad_model(tmp_path, base_csv):
    """A model trained on the training part with shuffled labels: worse than any honest candidate."""
    rows = read_rows(base_csv)
    train_idx, _, _ = random_split(rows)
    labels = [rows[i].label for i in train_idx]
    random.Random(0).shuffle(labels)
    shuffled = [Row(rows[i].text, lab, (lab,)) for i, lab in zip(train_idx, labels, strict=True)]
    return train(shuffled).save(tmp_path / "bad.joblib")


def promoted_run(app, path) -> int:
    """Make `path` the active model, as a promoted run would."""
    with app.app_context():
        run = TrainingRun(
            status=RunStatus.PROMOTED, progress=100, artefact_path=str(path), finished_at=utcnow() - timedelta(hours=1)
        )
        db.session.add(run)
        db.session.commit()
        retraining.forget_active_model()
        return run.id


def admin_user(app) -> User:
    make_staff(app, "admin", "admin", "complaints-centre")
    return db.session.scalar(select(User).where(User.username == "admin"))


def add_feedback(app, rows, days_ago: float = 0, source: str = "officer") -> None:
    """Complaints whose category was confirmed (by default corrected by an officer, as
    triage.recategorise records it): (text, category code), received `days_ago`."""
    with app.app_context():
        codes = {c.code: c.id for c in db.session.scalars(select(Category))}
        if "ป้าย" not in codes:
            db.session.add(Category(code="ป้าย", name_th="ป้าย", name_en="Signs"))
            db.session.flush()
            codes = {c.code: c.id for c in db.session.scalars(select(Category))}
        now = utcnow()
        first = db.session.scalar(select(func.count()).select_from(Complaint))
        for n, (text, code) in enumerate(rows, start=first):
            complaint = Complaint(
                tracking_number=f"FB{n:05d}",
                channel="web",
                title=None,
                description=text,
                ack_due_at=now,
                due_at=now,
                received_at=now - timedelta(days=days_ago),
                category_id=codes[code],
                category_source=source,
            )
            db.session.add(complaint)
            db.session.flush()
            if source == "officer":
                db.session.add(CategoryFeedback(complaint_id=complaint.id, corrected_category_id=codes[code]))
        db.session.commit()


def trained_on(texts) -> int:
    """How many of these confirmed texts the policy trains on when all are recent (the rest are held out)."""
    return sum(not in_recent_holdout(dedup_key(t)) for t in texts)


def test_a_request_queues_one_run_and_refuses_a_second(app, sent):
    with app.app_context():
        admin = admin_user(app)
        run = retraining.request_retraining(admin)
        assert (run.status, run.progress, run.requested_by_id) == ("queued", 0, admin.id)
        assert sent == [(TaskName.RETRAIN_CLASSIFIER, [run.id])]
        with pytest.raises(BilingualError) as refused:
            retraining.request_retraining(admin)
        assert refused.value.status == 409 and "รอบที่" in refused.value.th and "already" in refused.value.en
        assert len(sent) == 1 and len(db.session.scalars(select(TrainingRun)).all()) == 1
        # A run that lost its worker long ago no longer blocks.
        run.requested_at = utcnow() - timedelta(seconds=app.config["NLP_RETRAIN_STALE_SECONDS"] + 60)
        db.session.commit()
        again = retraining.request_retraining(admin)
        assert db.session.get(TrainingRun, run.id).status == "failed" and again.status == "queued"


def test_a_better_candidate_is_promoted_and_used_at_intake(app, tmp_path, base_csv, sent):
    promoted_run(app, bad_model(tmp_path, base_csv))
    add_feedback(app, [(t, lab) for t, lab in make_rows(10, 7)])
    with app.app_context():
        assert retraining.active_model_path() == tmp_path / "bad.joblib"
        run = retraining.request_retraining(admin_user(app))
        seen = []
        status = retraining.run_retraining(
            run.id, lambda p, s: (seen.append(p), retraining.record_progress(run.id, p, s))
        )
        run = db.session.get(TrainingRun, run.id)
        assert status == run.status == "promoted", (run.error, run.decision_reason)
        assert seen == sorted(seen) and seen[0] == 5 and 55 in seen and run.progress == 100
        assert run.confirmed_rows == trained_on(t for t, _ in make_rows(10, 7)) and run.base_data_path == base_csv
        assert run.recent_heldout_rows == 30 - run.confirmed_rows and run.trigger == "admin"
        assert run.candidate_metrics["base"]["in_gold"] > run.active_metrics["base"]["in_gold"]
        assert run.candidate_metrics["base"]["n"] == run.active_metrics["base"]["n"] == 60  # the same held-out part
        assert "not compared" in run.decision_reason  # a recent hold-out of a few rows does not count
        assert run.compared_with.endswith("bad.joblib") and "not worse" in run.decision_reason
        assert run.artefact_path.endswith(f"run-{run.id}.joblib") and run.started_at and run.finished_at
        # Intake now classifies with the promoted model (its three labels).
        assert retraining.active_model_path().name == f"run-{run.id}.joblib"
        ranked = triage.classify_many(["ถนนเป็นหลุม ยางมะตอยแตกร้าว ช่วยแก้ไขด่วน"], k=3)[0]
        assert ranked[0][0] == "ถนน" and {lab for lab, _ in ranked} == set(WORDS)


def test_mislabelled_feedback_gives_a_worse_candidate_which_is_rejected(app, tmp_path, base_csv, sent):
    rows = read_rows(base_csv)
    good = train(rows, random_split(rows)[0]).save(tmp_path / "good.joblib")
    promoted_run(app, good)
    # Every road complaint "corrected" to street lighting, many times over.
    add_feedback(app, [(t, "แสงสว่าง") for t, lab in make_rows(150, 9) if lab == "ถนน"])
    with app.app_context():
        run = retraining.request_retraining(admin_user(app))
        assert retraining.run_retraining(run.id) == "rejected"
        run = db.session.get(TrainingRun, run.id)
        assert run.confirmed_rows == trained_on(t for t, lab in make_rows(150, 9) if lab == "ถนน")
        assert (
            "worse" in run.decision_reason and "แย่กว่า" in run.decision_reason and "base in_gold" in run.decision_reason
        )
        assert run.candidate_metrics["base"]["in_gold"] < run.active_metrics["base"]["in_gold"]
        assert retraining.active_model_path() == good  # the active model stays


def test_a_missing_base_file_fails_the_run_with_its_error(app, tmp_path, sent):
    app.config.update(NLP_BASE_DATA=str(tmp_path / "nowhere.csv"), NLP_MODEL_DIR=str(tmp_path / "models"))
    with app.app_context():
        run = retraining.request_retraining(admin_user(app))
        assert retraining.run_retraining(run.id) == "failed"  # returns, never raises
        run = db.session.get(TrainingRun, run.id)
        assert "nowhere.csv" in run.error and run.finished_at and run.stage.endswith("failed")
        # What to do, in both languages, not a raw exception name.
        assert "ไม่พบไฟล์ข้อมูลฐาน" in run.error and "set NLP_BASE_DATA" in run.error
        assert "FileNotFoundError" not in run.error
        assert retraining.run_retraining(run.id) == "failed"  # delivered again: nothing happens
        assert retraining.request_retraining(db.session.get(User, run.requested_by_id)).status == "queued"


def test_a_broken_active_artefact_falls_back_to_the_shipped_model(app, tmp_path, monkeypatch):
    logged = []
    monkeypatch.setattr(triage.log, "exception", lambda msg, *args: logged.append(msg % args))
    broken = tmp_path / "broken.joblib"
    broken.write_bytes(b"not a model")
    promoted_run(app, broken)
    from complaints import nlp

    with app.app_context():
        assert triage.active_model() is nlp.load_model()
        assert len(logged) == 1 and "could not load the active model" in logged[0]
        assert triage.active_model() is nlp.load_model()  # not retried on every complaint
        assert len(logged) == 1


def test_the_active_model_is_looked_up_periodically_not_per_complaint(app, tmp_path, base_csv):
    with app.app_context():
        assert retraining.active_model_path() is None  # the shipped model
    app.config["NLP_ACTIVE_MODEL_CHECK_SECONDS"] = 3600
    with app.app_context():
        db.session.add(
            TrainingRun(status=RunStatus.PROMOTED, artefact_path=str(tmp_path / "x.joblib"), finished_at=utcnow())
        )
        db.session.commit()
        assert retraining.active_model_path() is None  # cached until the next check
        app.config["NLP_ACTIVE_MODEL_CHECK_SECONDS"] = 0
        assert retraining.active_model_path() == tmp_path / "x.joblib"


def test_the_admin_page_shows_runs_progress_and_requests_a_run(app, client, sent):
    make_staff(app, "admin", "admin", "complaints-centre")
    make_staff(app, "officer1", "officer", "complaints-centre")
    officer = app.test_client()
    login(officer, "officer1")
    assert officer.get("/admin/classifier").status_code == 403
    assert client.get("/admin/classifier").status_code == 302  # to the login page

    login(client, "admin")
    assert 'href="/admin/classifier"' in client.get("/admin/").text
    page = client.get("/admin/classifier")
    assert page.status_code == 200 and "Refresh" not in page.headers
    assert 'id="retrain-form"' in page.text and "nlp train --data own.csv" in page.text
    assert 'id="feedback-count">0<' in page.text and "shipped model" in page.text
    assert 'id="confirmed-new">0<' in page.text and "<code>0 2 * * sun</code>" in page.text
    # When the model was trained: Thai time and Buddhist era, not the artefact's UTC ISO text.
    assert re.search(r'id="model-trained">\d{1,2} \S+ 25\d\d \d\d:\d\d น\.<', page.text)

    done = client.post("/admin/classifier/retrain", data={})  # no CSRF token
    assert done.status_code == 400 or "admin-error" in done.text
    done = post(client, "/admin/classifier/retrain", token_page="/admin/classifier")
    assert done.status_code == 302 and len(sent) == 1
    with app.app_context():
        retraining.record_progress(sent[0][1][0], 35, "ตรวจสอบไขว้ 1/3 / cross-validation 1/3")
    page = client.get("/admin/classifier")
    assert page.headers["Refresh"] == "5"
    assert '<progress max="100" value="35">' in page.text and "cross-validation 1/3" in page.text
    again = post(client, "/admin/classifier/retrain", token_page="/admin/classifier")
    assert again.status_code == 409 and "already queued or running" in again.text and len(sent) == 1
    with app.app_context():  # a finished scheduled run, with both models' figures per held-out set
        db.session.add(
            TrainingRun(
                trigger="schedule",
                status=RunStatus.REJECTED,
                progress=100,
                confirmed_rows=812,
                recent_heldout_rows=64,
                finished_at=utcnow(),
                candidate_metrics={"base": {"in_gold": 0.91, "n": 60}, "recent": {"in_gold": 0.5, "n": 64}},
                active_metrics={"base": {"in_gold": 0.9, "n": 60}, "recent": {"in_gold": 0.75, "n": 64}},
            )
        )
        db.session.commit()
    app.config["NLP_RETRAIN_CRONTAB"] = ""
    page = client.get("/admin/classifier").text
    row = page[page.index('data-status="rejected"') :]
    row = row[: row.index("</tr>")]
    assert "ตามกำหนด" in row and "812 / 64" in row
    with app.app_context():  # requested when: Thai time and Buddhist era, as every staff page
        requested = db.session.scalar(select(TrainingRun.requested_at).where(TrainingRun.trigger == "schedule"))
    assert app.jinja_env.filters["thai_datetime"](requested) in row and "UTC" not in row
    assert row.count('data-set="recent"') == 2 and "<dd>0.5</dd>" in row and "<dd>0.75</dd>" in row
    assert 'id="schedule">ปิด' in page


# --- what a run learns from and is judged on ------------------------------------------

SIGN_WORDS = ["ป้าย", "ป้ายโฆษณา", "ป้ายหาเสียง", "ติดตั้ง", "บังทาง", "เกะกะ"]


def sign_rows(n: int, seed: int, label: str = "ป้าย") -> list[tuple[str, str]]:
    """Complaints about signs: a category the base data does not have."""
    rng = random.Random(seed)
    return [(" ".join(rng.sample(SIGN_WORDS, 3) + rng.sample(FILLER, 4)), label) for _ in range(n)]


def test_confirmed_rows_are_the_categories_people_chose_never_the_models_guesses(app):
    add_feedback(app, [("ถนนเป็นหลุม ยางมะตอยแตก", "ถนน")], days_ago=3, source="citizen")
    add_feedback(app, [("เสาไฟดับ มืดมาก", "แสงสว่าง")], days_ago=2, source="officer")
    add_feedback(app, [("ฝนตก น้ำท่วมขัง", "น้ำท่วม")], days_ago=1, source="model")
    with app.app_context():
        db.session.add(
            Complaint(
                tracking_number="NOCAT1",
                channel="web",
                description="ไม่มีหมวด",
                ack_due_at=utcnow(),
                due_at=utcnow(),
                category_source="none",
            )
        )
        db.session.commit()
        rows = retraining.confirmed_rows(limit=10)
        assert [(r.text, r.label) for r in rows] == [
            ("ถนนเป็นหลุม ยางมะตอยแตก", "ถนน"),
            ("เสาไฟดับ มืดมาก", "แสงสว่าง"),
        ]  # oldest first
        assert rows[0].timestamp < rows[1].timestamp and len(rows[0].timestamp) == 19
        assert [r.label for r in retraining.confirmed_rows(limit=1)] == ["แสงสว่าง"]  # the newest
        assert retraining.confirmed_since_last_run() == 2
    # Personal data never reaches the training rows (nor so a saved model's vocabulary).
    add_feedback(
        app, [("ไฟดับ ติดต่อ 081-234-5678 หรือ somchai@example.com บัตร 1101700230708", "แสงสว่าง")], source="citizen"
    )
    with app.app_context():
        newest = retraining.confirmed_rows(limit=1)[0].text
        assert newest.startswith("ไฟดับ ติดต่อ") and newest.count("[") >= 3
        assert not any(s in newest for s in ("081-234-5678", "somchai@", "1101700230708"))


def test_the_recent_hold_out_is_a_fixed_tenth_of_recent_confirmed_texts_and_never_trained_on():
    base = [Row(t, lab, (lab,)) for t, lab in make_rows(100, 1)]
    texts = [t for t, _ in make_rows(200, 3)]
    old = [Row(t, "ถนน", ("ถนน",), "2026-01-05 10:00:00") for t in texts[:300]]
    new = [Row(t, "ถนน", ("ถนน",), "2026-03-05 10:00:00") for t in texts[300:]]
    repeat = Row(new[0].text + " !!", "ถนน", ("ถนน",), "2026-03-06 10:00:00")  # same text, other punctuation
    sets = retraining_sets(base, old + new + [repeat], recent_since="2026-03-01 00:00:00")
    held = {dedup_key(r.text) for r in sets.recent_heldout}
    assert held == {dedup_key(r.text) for r in new if in_recent_holdout(dedup_key(r.text))}
    assert 0.05 * len(new) < len(held) < 0.15 * len(new)  # about one in ten
    trained = [sets.rows[i] for i in sets.train]
    assert not held & {dedup_key(r.text) for r in trained}  # nor their repeats
    assert not {dedup_key(r.text) for r in sets.base_heldout} & {dedup_key(r.text) for r in trained}
    assert all(r in trained for r in old)  # older than the window: all trained on, hash or not
    assert sets.confirmed_trained == len(sets.train) - len(random_split(base)[0]) == len(old) + len(new) - len(held)
    # The same complaints give the same hold-out in every run.
    again = retraining_sets(base, old + new, recent_since="2026-03-01 00:00:00")
    assert {dedup_key(r.text) for r in again.recent_heldout} == held


def figures(n, in_gold, gained=0, lost=0, f1=0.9):
    return {"n": n, "in_gold": in_gold, "gained": gained, "lost": lost, "lenient_macro_f1_own": f1}


@pytest.mark.parametrize(
    "candidate, active, promoted, worse",
    [
        # Base: 14,000 rows; tolerance 0.002 = 28 rows net.
        ({"base": figures(14000, 0.978, 30, 50)}, {"base": figures(14000, 0.979)}, True, ""),  # 20 net: within
        ({"base": figures(14000, 0.975, 30, 90)}, {"base": figures(14000, 0.979)}, False, "base in_gold"),
        # 60 net lost but of 3,000 disagreements: chance (z 1.1), not evidence.
        ({"base": figures(14000, 0.975, 1470, 1530)}, {"base": figures(14000, 0.979)}, True, ""),
        (
            {"base": figures(14000, 0.979, 10, 10, f1=0.87)},
            {"base": figures(14000, 0.979, f1=0.9)},
            False,
            "base lenient_macro_f1_own",
        ),
        # Recent: judged on in_gold only, and only from min_recent rows.
        (
            {"base": figures(14000, 0.979), "recent": figures(500, 0.90, 5, 40, f1=0.5)},
            {"base": figures(14000, 0.979), "recent": figures(500, 0.97, f1=0.9)},
            False,
            "recent in_gold",
        ),
        (
            {"base": figures(14000, 0.979), "recent": figures(500, 0.95, 30, 10, f1=0.5)},
            {"base": figures(14000, 0.979), "recent": figures(500, 0.91, f1=0.9)},
            True,
            "",
        ),
        (
            {"base": figures(14000, 0.979), "recent": figures(20, 0.5, 0, 10)},
            {"base": figures(14000, 0.979), "recent": figures(20, 1.0)},
            True,
            "",
        ),
    ],
)
def test_the_promotion_rule(candidate, active, promoted, worse):
    decision = decide(candidate, active, tolerance=0.002, f1_tolerance=0.02, min_recent=30)
    assert decision.promote is promoted, decision.reason
    if worse:
        assert f"worse than the current model on {worse}" in decision.reason and "แย่กว่า" in decision.reason
    assert decision.compared == [s for s in ("base", "recent") if s in candidate and candidate[s]["n"] >= 30]
    assert decide(candidate, None, 0.002, 0.02, 30).promote  # nothing to compare with


def test_a_new_category_is_learnt_and_the_recent_hold_out_shows_it(app, tmp_path, base_csv, sent):
    """Drift: complaints about signs, a category the base data never had, are confirmed
    by citizens; the candidate learns it, and the recent hold-out (not the base one,
    which has no sign complaints) is where the gain shows."""
    rows = read_rows(base_csv)
    promoted_run(app, train(rows, random_split(rows)[0]).save(tmp_path / "base.joblib"))
    app.config.update(NLP_RECENT_HOLDOUT_MIN=5)
    add_feedback(app, sign_rows(150, 11), days_ago=2, source="citizen")
    with app.app_context():
        run = retraining.request_retraining(admin_user(app))
        assert retraining.run_retraining(run.id) == "promoted", run.decision_reason
        run = db.session.get(TrainingRun, run.id)
        recent_c, recent_a = run.candidate_metrics["recent"], run.active_metrics["recent"]
        assert recent_c["n"] == recent_a["n"] == run.recent_heldout_rows >= 5
        assert recent_c["in_gold"] >= 0.9 and recent_a["in_gold"] == 0.0  # the old model cannot say "ป้าย"
        assert "recent: in_gold" in run.decision_reason
        ranked = triage.classify_many(["ป้ายโฆษณาบังทาง เกะกะมาก ช่วยแก้ไขด่วน"], k=1)[0]
        assert ranked[0][0] == "ป้าย"


def test_a_candidate_worse_on_recent_complaints_is_rejected_though_the_base_held_out_is_fine(
    app, tmp_path, base_csv, sent
):
    """Old confirmed data that contradicts what citizens confirm now (sign complaints filed
    under roads months ago, many of them): the base held-out cannot see the harm, the
    recent hold-out does, and the model in use (which knows signs) stays."""
    rows = read_rows(base_csv)
    signs_known = rows + [Row(t, lab, (lab,)) for t, lab in sign_rows(100, 12)]
    active = train(signs_known, random_split(rows)[0] + list(range(len(rows), len(signs_known))))
    active_path = active.save(tmp_path / "signs.joblib")
    promoted_run(app, active_path)
    app.config.update(NLP_RECENT_HOLDOUT_MIN=5)
    add_feedback(app, sign_rows(400, 13, label="ถนน"), days_ago=120, source="officer")
    add_feedback(app, sign_rows(120, 14), days_ago=3, source="citizen")
    with app.app_context():
        run = retraining.request_retraining(admin_user(app))
        assert retraining.run_retraining(run.id) == "rejected", run.decision_reason
        run = db.session.get(TrainingRun, run.id)
        assert "recent in_gold" in run.decision_reason and "base in_gold" not in run.decision_reason
        assert run.candidate_metrics["recent"]["in_gold"] < run.active_metrics["recent"]["in_gold"]
        assert retraining.active_model_path() == active_path


def test_the_schedule_runs_only_when_enough_was_confirmed_since_the_last_run(app, tmp_path, base_csv, sent):
    app.config.update(NLP_RETRAIN_MIN_NEW=20)
    with app.app_context():
        assert retraining.scheduled_retraining() is None  # nothing confirmed yet
    add_feedback(app, make_rows(10, 21), days_ago=1, source="citizen")  # 30 complaints
    app.config["NLP_ENABLED"] = False
    with app.app_context():
        assert retraining.scheduled_retraining() is None  # the classifier is off
    app.config["NLP_ENABLED"] = True
    with app.app_context():
        busy = retraining.request_retraining(admin_user(app))
        assert retraining.scheduled_retraining() is None  # a run is already queued
        assert db.session.scalar(select(func.count()).select_from(TrainingRun)) == 1
        busy.status = RunStatus.FAILED
        db.session.commit()
        assert retraining.scheduled_retraining() == "promoted"
        run = db.session.scalars(select(TrainingRun).order_by(TrainingRun.id.desc())).first()
        assert (run.trigger, run.requested_by_id, run.progress) == ("schedule", None, 100)
        assert len(sent) == 1  # trained in the beat's task itself, nothing more enqueued
        assert retraining.confirmed_since_last_run() == 0
        assert retraining.scheduled_retraining() is None  # nothing new since


def test_the_weekly_schedule_is_a_beat_entry_in_thailand_time(tmp_path, monkeypatch):
    from celery.schedules import crontab

    from complaints.config import load_config

    celery = load_config(str(tmp_path))["CELERY"]
    entry = celery["beat_schedule"]["retrain-classifier"]
    assert entry["task"] == TaskName.SCHEDULED_RETRAINING and celery["timezone"] == "Asia/Bangkok"
    assert entry["schedule"] == crontab(minute="0", hour="2", day_of_week="sun")
    monkeypatch.setenv("NLP_RETRAIN_CRONTAB", "30 3 * * 1-5")
    assert load_config(str(tmp_path))["CELERY"]["beat_schedule"]["retrain-classifier"]["schedule"] == crontab(
        minute="30", hour="3", day_of_week="1-5"
    )
    monkeypatch.setenv("NLP_RETRAIN_CRONTAB", "")
    assert "retrain-classifier" not in load_config(str(tmp_path))["CELERY"]["beat_schedule"]
    monkeypatch.setenv("NLP_RETRAIN_CRONTAB", "every sunday")
    with pytest.raises(ValueError, match="5 fields"):
        load_config(str(tmp_path))


def test_the_rolling_evaluation_scores_the_policy_against_a_frozen_model():
    """Split (b) as deployed: sign complaints start after the cutoff; the frozen model
    never learns them, the weekly runs of the policy do."""
    rows, rng = [], random.Random(5)
    for day in range(1, 29):  # base: February
        rows += [Row(t, lab, (lab,), f"2026-02-{day:02d} 09:00:00") for t, lab in make_rows(3, day)]
    for day in range(1, 29):  # arriving: March, a third of it about signs
        stamp = f"2026-03-{day:02d} 09:00:00"
        rows += [Row(t, lab, (lab,), stamp) for t, lab in make_rows(2, 100 + day) + sign_rows(3, 200 + day)]
    rng.shuffle(rows)
    logged = []
    result = rolling_evaluation(rows, "2026-03-01", every_days=7, min_recent=5, log=logged.append)
    assert result["n"] == result["frozen"]["n"] == len({dedup_key(r.text) for r in rows if r.timestamp >= "2026-03"})
    assert result["frozen"]["in_gold"] < 0.7  # a third of March is a category it never saw
    assert result["in_gold"] > result["frozen"]["in_gold"] + 0.15
    runs = result["retraining"]["runs"]
    assert [r["at"] for r in runs] == ["2026-03-08", "2026-03-15", "2026-03-22"]
    assert runs[0]["promoted"] and runs[0]["confirmed_trained"] + runs[0]["recent_heldout"] > 0
    assert len(logged) == 1 + len(runs)


def test_nlp_evaluate_rolling_prints_the_contract_keys_and_the_runs(runner, tmp_path):
    path = tmp_path / "dated.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["text", "label", "all_labels", "timestamp"])
        for day in range(1, 29):
            for text, label in make_rows(3, day):
                writer.writerow([text, label, label, f"2026-02-{day:02d} 09:00:00+00"])
        for day in range(1, 15):
            for text, label in make_rows(2, 100 + day) + sign_rows(2, 200 + day):
                writer.writerow([text, label, label, f"2026-03-{day:02d} 09:00:00+00"])
    result = runner.invoke(
        args=[
            "nlp",
            "evaluate",
            "--data",
            str(path),
            "--rolling",
            "--cutoff",
            "2026-03-01",
            "--every-days",
            "7",
            "--json",
        ]
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert {"n", "accuracy", "macro_f1", "in_gold", "lenient_macro_f1", "frozen", "retraining"} <= set(out)
    assert [r["at"] for r in out["retraining"]["runs"]] == ["2026-03-08"]
    assert out["retraining"]["every_days"] == 7 and out["in_gold"] > out["frozen"]["in_gold"]
    bad = runner.invoke(args=["nlp", "evaluate", "--data", str(path), "--rolling", "--cutoff", "2027-01-01"])
    assert bad.exit_code != 0 and "no rows on one side of 2027-01-01" in bad.output
