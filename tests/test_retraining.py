"""Retraining the classifier from officers' corrections: requesting a run, running
it (the service the Celery task calls, called directly), promotion and rejection,
the active model at intake, and the admin page.

The base data is a small generated CSV (three labels, distinct Thai words per
label) so a run takes seconds, not the ~90 s of the full Traffy file.
"""
from __future__ import annotations

import csv
import random
from datetime import timedelta

import pytest
from sqlalchemy import select

from complaints.extensions import db
from complaints.models import Category, CategoryFeedback, Complaint, RunStatus, TrainingRun, User, utcnow
from complaints.nlp import train
from complaints.nlp.evaluation import Row, random_split, read_rows
from complaints.services import retraining, triage
from complaints.errors import BilingualError
from tests.test_admin import login, make_user, post

WORDS = {
    "ถนน": ["ถนน", "หลุม", "ยางมะตอย", "ผิวจราจร", "ทรุด", "แตกร้าว"],
    "แสงสว่าง": ["ไฟฟ้า", "เสาไฟ", "หลอดไฟ", "ไฟส่องทาง", "มืด", "ดับ"],
    "น้ำท่วม": ["น้ำท่วม", "ท่วมขัง", "ฝนตก", "ระดับน้ำ", "เจิ่งนอง", "สูบน้ำ"],
}
FILLER = ["หน้าบ้าน", "ในซอย", "ช่วย", "แก้ไข", "ด่วน", "มาก", "ครับ", "ค่ะ", "ตรงนี้", "ทุกวัน", "นาน", "แล้ว",
          "ชุมชน", "ตลาด", "โรงเรียน", "ผู้คน", "เดือดร้อน", "กลางคืน"]


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
    shuffled = [Row(rows[i].text, lab, (lab,)) for i, lab in zip(train_idx, labels)]
    return train(shuffled).save(tmp_path / "bad.joblib")


def promoted_run(app, path) -> int:
    """Make `path` the active model, as a promoted run would."""
    with app.app_context():
        run = TrainingRun(status=RunStatus.PROMOTED, progress=100, artefact_path=str(path),
                          finished_at=utcnow() - timedelta(hours=1))
        db.session.add(run)
        db.session.commit()
        retraining.forget_active_model()
        return run.id


def admin_user(app) -> User:
    make_user(app, "admin", "admin", "complaints-centre")
    return db.session.scalar(select(User).where(User.username == "admin"))


@pytest.fixture
def sent(app, monkeypatch):
    calls = []
    monkeypatch.setattr(app.extensions["celery"], "send_task", lambda name, args: calls.append((name, args)))
    return calls


def add_feedback(app, rows) -> None:
    """Complaints corrected by an officer: (text, corrected category code)."""
    with app.app_context():
        codes = {c.code: c.id for c in db.session.scalars(select(Category))}
        now = utcnow()
        for n, (text, code) in enumerate(rows):
            complaint = Complaint(tracking_number=f"FB{n:05d}", channel="web", title=None, description=text,
                                  ack_due_at=now, due_at=now)
            db.session.add(complaint)
            db.session.flush()
            db.session.add(CategoryFeedback(complaint_id=complaint.id, corrected_category_id=codes[code]))
        db.session.commit()


def test_a_request_queues_one_run_and_refuses_a_second(app, sent):
    with app.app_context():
        admin = admin_user(app)
        run = retraining.request_retraining(admin)
        assert (run.status, run.progress, run.requested_by_id) == ("queued", 0, admin.id)
        assert sent == [("rongrian.retrain_classifier", [run.id])]
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
        status = retraining.run_retraining(run.id, lambda p, s: (seen.append(p),
                                                                 retraining.record_progress(run.id, p, s)))
        run = db.session.get(TrainingRun, run.id)
        assert status == run.status == "promoted", (run.error, run.decision_reason)
        assert seen == sorted(seen) and seen[0] == 5 and 55 in seen and run.progress == 100
        assert run.feedback_rows == 30 and run.base_data_path == base_csv
        assert run.candidate_metrics["in_gold"] > run.active_metrics["in_gold"]
        assert run.candidate_metrics["n"] == run.active_metrics["n"] == 60  # the same held-out part
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
        assert run.feedback_rows == 150 and "worse" in run.decision_reason and "แย่กว่า" in run.decision_reason
        assert run.candidate_metrics["in_gold"] < run.active_metrics["in_gold"]
        assert retraining.active_model_path() == good  # the active model stays


def test_a_missing_base_file_fails_the_run_with_its_error(app, tmp_path, sent):
    app.config.update(NLP_BASE_DATA=str(tmp_path / "nowhere.csv"), NLP_MODEL_DIR=str(tmp_path / "models"))
    with app.app_context():
        run = retraining.request_retraining(admin_user(app))
        assert retraining.run_retraining(run.id) == "failed"  # returns, never raises
        run = db.session.get(TrainingRun, run.id)
        assert "nowhere.csv" in run.error and run.finished_at and run.stage.endswith("failed")
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
        db.session.add(TrainingRun(status=RunStatus.PROMOTED, artefact_path=str(tmp_path / "x.joblib"),
                                   finished_at=utcnow()))
        db.session.commit()
        assert retraining.active_model_path() is None  # cached until the next check
        app.config["NLP_ACTIVE_MODEL_CHECK_SECONDS"] = 0
        assert retraining.active_model_path() == tmp_path / "x.joblib"


def test_the_admin_page_shows_runs_progress_and_requests_a_run(app, client, sent):
    make_user(app, "admin", "admin", "complaints-centre")
    make_user(app, "officer1", "officer", "complaints-centre")
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
