"""Benchmark of the Thai text classifier (complaints/nlp).

    .venv/bin/python bench/nlp_bench.py            # speed of the shipped model + splits (a), (b)
    .venv/bin/python bench/nlp_bench.py --speed    # speed only
    .venv/bin/python bench/nlp_bench.py --eval     # splits only

Speed runs in a child process pinned to one CPU with OMP/OPENBLAS/MKL threads
= 1: model load time, resident memory with the model loaded, throughput of
batched classification (tokenisation included) and latency of one text, on
real texts of the held-out split.  Rates are given per second of wall time and
per second of the process's own CPU time (`*_per_cpu_s`, `load_cpu_s`): on a
machine shared with other work the second is what one core of its own would do.
Evaluation trains the classifier and a plain
baseline (TF-IDF of pythainlp's default newmm words of the raw text +
LinearSVC with default settings) on the same training part of each split and
scores both on the same test part:
  (a) de-duplicated random split, seed 42, 20 % held out;
  (b) temporal split: train May-Sep 2022, test Oct-Dec 2022 (de-duplicated too).
Results are printed and written to bench/results/nlp_bench-<time>.json.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from complaints.config import base_data_path  # noqa: E402

DATA = base_data_path()
RESULTS = Path(__file__).resolve().parent / "results"
THREAD_VARS = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def speed_child(model_path: str | None) -> dict:
    """Runs pinned to one core; prints one JSON object."""
    import statistics

    rss_start = rss_mb()
    from complaints.nlp.evaluation import random_split, read_rows
    from complaints.nlp.model import load_model
    from complaints.nlp.model import model_path as resolve
    from complaints.nlp.text import normalize_text, tokenize

    rows = read_rows(DATA)
    test = random_split(rows)[1]
    texts = [rows[i].text for i in test[:6000]]
    del rows
    import gc

    gc.collect()
    rss_before = rss_mb()
    t, c = time.perf_counter(), time.process_time()
    model = load_model(model_path)
    load_s, load_cpu_s = time.perf_counter() - t, time.process_time() - c
    model.top_k("ถนนชำรุด", 3)  # warm-up (nlpo3 dictionary)
    rss_loaded = rss_mb()

    t, c = time.perf_counter(), time.process_time()
    norm = [normalize_text(x) for x in texts]
    norm_s, norm_cpu_s = time.perf_counter() - t, time.process_time() - c
    t, c = time.perf_counter(), time.process_time()
    for x in norm:
        tokenize(x, normalized=True)
    tok_s, tok_cpu_s = time.perf_counter() - t, time.process_time() - c

    batch = 256
    t, c = time.perf_counter(), time.process_time()
    for i in range(0, len(texts), batch):
        model.top_k_many(texts[i : i + batch], 3)
    batch_s, batch_cpu_s = time.perf_counter() - t, time.process_time() - c

    lat = []
    for x in texts[:2000]:
        t = time.perf_counter()
        model.top_k(x, 3)
        lat.append((time.perf_counter() - t) * 1000)
    lat.sort()
    return {
        "cpus": sorted(os.sched_getaffinity(0)),
        "threads_env": {v: os.environ.get(v) for v in THREAD_VARS},
        "n_texts": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts), 1),
        "model_path": str(resolve(model_path)),
        "model_mb": round(resolve(model_path).stat().st_size / 1e6, 2),
        "load_s": round(load_s, 3),
        "load_cpu_s": round(load_cpu_s, 3),
        "rss_python_mb": round(rss_start, 1),
        "rss_before_load_mb": round(rss_before, 1),
        "rss_loaded_mb": round(rss_loaded, 1),
        "rss_after_run_mb": round(rss_mb(), 1),
        "normalize_per_s": round(len(texts) / norm_s),
        "tokenize_per_s": round(len(texts) / tok_s),
        "classify_batch_per_s": round(len(texts) / batch_s),
        "normalize_per_cpu_s": round(len(texts) / norm_cpu_s),
        "tokenize_per_cpu_s": round(len(texts) / tok_cpu_s),
        "classify_batch_per_cpu_s": round(len(texts) / batch_cpu_s),
        "latency_ms_p50": round(statistics.median(lat), 3),
        "latency_ms_p95": round(lat[int(len(lat) * 0.95)], 3),
        "single_text_per_s": round(1000 / statistics.mean(lat)),
    }


def run_speed(model_path: str | None) -> dict:
    env = {**os.environ, **{v: "1" for v in THREAD_VARS}}
    cpu = min(os.sched_getaffinity(0))
    args = ["taskset", "-c", str(cpu), sys.executable, __file__, "--speed-child"]
    if model_path:
        args += ["--model", model_path]
    out = subprocess.run(args, env=env, check=True, capture_output=True, text=True, cwd=ROOT).stdout
    result = json.loads(out.strip().splitlines()[-1])
    # Resident memory of a fresh process that only loads the model and classifies one text.
    probe = (
        f"import time,sys; sys.path.insert(0, {str(ROOT)!r}); t=time.perf_counter(); "
        f"from complaints.nlp import load_model; m=load_model({model_path!r}); m.top_k('ถนนชำรุด'); "
        "s=time.perf_counter()-t; import re; "
        "rss=int(re.search(r'VmRSS:\\s+(\\d+)', open('/proc/self/status').read()).group(1))/1024; "
        "print(round(rss,1), round(s,3))"
    )
    rss, import_load_s = subprocess.run(
        ["taskset", "-c", str(cpu), sys.executable, "-c", probe],
        env=env,
        check=True,
        capture_output=True,
        text=True,
        cwd=ROOT,
    ).stdout.split()
    result["rss_fresh_process_mb"] = float(rss)
    result["import_and_load_s"] = float(import_load_s)
    return result


def ece(conf, ok, bins: int = 10) -> float:
    """Expected calibration error of probabilities `conf` against 0/1 outcomes `ok`."""
    import numpy as np

    conf, ok = np.asarray(conf, dtype=float), np.asarray(ok, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (conf > lo) & (conf <= hi)
        if mask.any():
            total += mask.mean() * abs(conf[mask].mean() - ok[mask].mean())
    return round(float(total), 4)


def multi_label(proba, labels, rows, threshold: float = 0.3) -> dict:
    """`predict_labels(text, threshold)` against all_labels: labels per text, micro precision and recall,
    and the expected calibration error of every (text, label) probability."""
    import numpy as np

    gold = np.array([[lab in r.all_labels for lab in labels] for r in rows])
    chosen = proba >= threshold
    chosen[np.arange(len(rows)), proba.argmax(axis=1)] = True
    hits = (chosen & gold).sum()
    return {
        f"labels_per_text@{threshold}": round(float(chosen.sum(axis=1).mean()), 3),
        "gold_labels_per_text": round(float(gold.sum(axis=1).mean()), 3),
        f"precision@{threshold}": round(float(hits / chosen.sum()), 4),
        f"recall@{threshold}": round(float(hits / gold.sum()), 4),
        "ece_all_labels": ece(proba.ravel(), gold.ravel()),
    }


def run_eval() -> dict:
    from pythainlp.tokenize import word_tokenize
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.svm import LinearSVC

    from complaints.nlp.evaluation import compute_metrics, random_split, read_rows, temporal_split
    from complaints.nlp.model import _identity, train

    rows = read_rows(DATA)
    t = time.perf_counter()
    raw_tokens = [word_tokenize(r.text) for r in rows]  # baseline: newmm on the raw text
    baseline_tok_s = time.perf_counter() - t
    out = {"n_rows": len(rows), "baseline_tokenise_s": round(baseline_tok_s, 1), "splits": {}}
    for name, split in (("a_random_dedup", random_split), ("b_temporal", temporal_split)):
        tr, te, removed = split(rows)
        test_rows = [rows[i] for i in te]
        t = time.perf_counter()
        clf = train(rows, tr)
        train_s = time.perf_counter() - t
        proba = clf.predict_proba([r.text for r in test_rows])
        ours_pred = clf.predict([r.text for r in test_rows])
        t = time.perf_counter()
        vec = TfidfVectorizer(tokenizer=_identity, preprocessor=_identity, token_pattern=None, lowercase=False)
        base = LinearSVC().fit(vec.fit_transform([raw_tokens[i] for i in tr]), [rows[i].label for i in tr])
        base_pred = list(base.predict(vec.transform([raw_tokens[i] for i in te])))
        base_s = time.perf_counter() - t
        out["splits"][name] = {
            "duplicates_removed": removed,
            "n_train": len(tr),
            "n_test": len(te),
            "ours": {
                **compute_metrics(ours_pred, test_rows),
                "ece_top1": ece(
                    proba.max(axis=1), [p in r.all_labels for p, r in zip(ours_pred, test_rows, strict=True)]
                ),
                **multi_label(proba, clf.labels, test_rows),
                "train_s": round(train_s, 1),
            },
            "baseline": {**compute_metrics(base_pred, test_rows), "fit_s_excl_tokenise": round(base_s, 1)},
        }
        print(name, json.dumps(out["splits"][name], ensure_ascii=False), flush=True)
    return out


def table(result: dict) -> str:
    lines = []
    if "eval" in result:
        keys = ("accuracy", "macro_f1", "in_gold", "lenient_macro_f1")
        lines += ["| split | model | n test | " + " | ".join(keys) + " |", "|---|---|---:|" + "---:|" * len(keys)]
        for name, s in result["eval"]["splits"].items():
            for who in ("ours", "baseline"):
                m = s[who]
                lines.append(f"| {name} | {who} | {m['n']} | " + " | ".join(f"{m[k]:.4f}" for k in keys) + " |")
    if "speed" in result:
        s = result["speed"]
        lines += ["", "| measure | value |", "|---|---:|"]
        lines += [f"| {k} | {v} |" for k, v in s.items()]
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--speed", action="store_true")
    ap.add_argument("--eval", action="store_true")
    ap.add_argument("--speed-child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--model", default=None)
    args = ap.parse_args()
    if args.speed_child:
        print(json.dumps(speed_child(args.model)))
        return
    if not DATA.exists():
        sys.exit(f"no data at {DATA} (set NLP_BASE_DATA)")
    both = not (args.speed or args.eval)
    result: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%S")}
    if args.speed or both:
        result["speed"] = run_speed(args.model)
    if args.eval or both:
        result["eval"] = run_eval()
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"nlp_bench-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=1))
    print(table(result))
    print(f"\nwritten {path}")


if __name__ == "__main__":
    main()
