"""The complaint-category classifier and its saved artefact.

Features: TF-IDF (sublinear tf) of word unigrams and bigrams, the words being
pythainlp's nlpo3 tokens of the normalised text (complaints.nlp.text).
Classifier: a linear SVM (LinearSVC) trained on every (text, label) pair of a
row's `all_labels` with weight 1/len(all_labels), and class weights
(balanced)^0.3 so rare categories are not ignored.  Calibration: a multinomial
logistic regression over the SVM's 24 decision scores ("matrix scaling"),
fitted on out-of-fold scores (3 folds grouped by text), so the probabilities
are those of texts the SVM did not see.

The artefact is one joblib file holding the vectoriser, the SVM weights as
float32, the calibrator, the label set and metadata (version, training date,
data hash, metrics).
"""
from __future__ import annotations

import datetime as dt
import functools
import os
import random
from collections import Counter
from pathlib import Path

import numpy as np

from complaints.nlp.text import DEFAULT_ENGINE, normalize_text, tokenize

MODEL_VERSION = "1.0"
ARTEFACT_FORMAT = 1
MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL_PATH = MODEL_DIR / "traffy.joblib"
MODEL_ENV = "RONGRIAN_NLP_MODEL"
CLASS_WEIGHT_POWER = 0.3
SVM_C = 0.5
CV_FOLDS = 3
MIN_ROWS = 30


def _identity(tokens):
    return tokens


def make_vectorizer():
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(tokenizer=_identity, preprocessor=_identity, token_pattern=None,
                           lowercase=False, ngram_range=(1, 2), sublinear_tf=True, min_df=2,
                           dtype=np.float32)


def _svm(class_weight):
    from sklearn.svm import LinearSVC

    return LinearSVC(C=SVM_C, class_weight=class_weight, max_iter=5000, random_state=0)


class TextClassifier:
    """Top-k and multi-label classification of complaint texts."""

    def __init__(self, vectorizer, coef, intercept, calibrator, labels, metadata, engine=DEFAULT_ENGINE):
        self.vectorizer = vectorizer
        self.coef_t = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.calibrator = calibrator
        self.labels = list(labels)
        self.metadata = dict(metadata)
        self.engine = engine

    # -- prediction ---------------------------------------------------------
    def tokens(self, texts):
        return [tokenize(t, self.engine) for t in texts]

    def decision_scores(self, texts) -> np.ndarray:
        X = self.vectorizer.transform(self.tokens(texts))
        return np.asarray(X @ self.coef_t) + self.intercept

    def predict_proba(self, texts) -> np.ndarray:
        """Probabilities, one row per text, columns in the order of `labels`."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.calibrator.predict_proba(self.decision_scores(texts))

    def predict(self, texts) -> list[str]:
        proba = self.predict_proba(texts)
        return [self.labels[i] for i in proba.argmax(axis=1)]

    def top_k(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        return self.top_k_many([text], k)[0]

    def top_k_many(self, texts, k: int = 3) -> list[list[tuple[str, float]]]:
        proba = self.predict_proba(texts)
        k = max(1, min(k, len(self.labels)))
        order = np.argsort(-proba, axis=1)[:, :k]
        return [[(self.labels[j], float(p[j])) for j in row] for p, row in zip(proba, order)]

    def predict_labels(self, text: str, threshold: float = 0.3) -> list[tuple[str, float]]:
        """Every label whose probability is at least `threshold`, most likely
        first; the most likely label is always included."""
        ranked = self.top_k(text, len(self.labels))
        return [ranked[0]] + [(lab, p) for lab, p in ranked[1:] if p >= threshold]

    # -- persistence --------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        import joblib

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        payload = {
            "format": ARTEFACT_FORMAT,
            "metadata": self.metadata,
            "labels": self.labels,
            "engine": self.engine,
            "vectorizer": self.vectorizer,
            "coef": self.coef_t.T.copy(),
            "intercept": self.intercept,
            "calibrator": self.calibrator,
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(payload, tmp, compress=("zlib", 3))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> "TextClassifier":
        import joblib

        payload = joblib.load(path)
        if payload.get("format") != ARTEFACT_FORMAT:
            raise ValueError(f"{path}: unsupported model format {payload.get('format')!r}")
        return cls(payload["vectorizer"], payload["coef"], payload["intercept"], payload["calibrator"],
                   payload["labels"], payload["metadata"], payload.get("engine", DEFAULT_ENGINE))


def _expand(rows, indices):
    """(row position, label, weight) for each gold label of each row."""
    pos, ys, ws = [], [], []
    for j, i in enumerate(indices):
        labels = rows[i].all_labels
        for label in labels:
            pos.append(j)
            ys.append(label)
            ws.append(1.0 / len(labels))
    return np.array(pos), np.array(ys, dtype=object), np.array(ws)


def _scores_for(svm, X, labels) -> np.ndarray:
    """Decision scores in the column order of `labels`; a class the SVM never
    saw gets a score far below any other."""
    raw = svm.decision_function(X)
    if raw.ndim == 1:  # two classes
        raw = np.column_stack([-raw, raw])
    out = np.full((X.shape[0], len(labels)), -10.0)
    index = {lab: k for k, lab in enumerate(labels)}
    for col, lab in enumerate(svm.classes_):
        out[:, index[lab]] = raw[:, col]
    return out


def train(rows, indices=None, *, seed: int = 0, data_sha256: str = "", source: str = "",
          log=lambda msg: None) -> TextClassifier:
    """Fit the classifier on rows[indices] (all rows by default)."""
    from sklearn.linear_model import LogisticRegression

    from complaints.nlp.evaluation import compute_metrics

    indices = list(range(len(rows))) if indices is None else list(indices)
    if len(indices) < MIN_ROWS:
        raise ValueError(f"need at least {MIN_ROWS} labelled rows, got {len(indices)}")
    labels = sorted({lab for i in indices for lab in rows[i].all_labels})
    if len(labels) < 2:
        raise ValueError("need at least two labels")

    log(f"tokenising {len(indices)} texts ({DEFAULT_ENGINE})")
    docs = [tokenize(rows[i].text) for i in indices]
    vectorizer = make_vectorizer()
    X = vectorizer.fit_transform(docs)
    log(f"{X.shape[1]} features")
    pos, ys, ws = _expand(rows, indices)
    counts = Counter(ys.tolist())
    class_weight = {lab: (len(ys) / (len(counts) * c)) ** CLASS_WEIGHT_POWER for lab, c in counts.items()}

    # Out-of-fold decision scores, folds grouped by row (a row's labels stay together).
    order = list(range(len(indices)))
    random.Random(seed).shuffle(order)
    fold_of = np.empty(len(indices), dtype=int)
    fold_of[order] = np.arange(len(indices)) % CV_FOLDS
    oof = np.zeros((len(indices), len(labels)))
    for fold in range(CV_FOLDS):
        log(f"cross-validation fold {fold + 1}/{CV_FOLDS}")
        train_mask = fold_of[pos] != fold
        svm = _svm(class_weight).fit(X[pos[train_mask]], ys[train_mask], sample_weight=ws[train_mask])
        held = np.flatnonzero(fold_of == fold)
        oof[held] = _scores_for(svm, X[held], labels)

    calibrator = LogisticRegression(C=1.0, max_iter=2000)
    calibrator.fit(oof[pos], ys, sample_weight=ws)
    oof_pred = calibrator.predict(oof)
    cv_metrics = compute_metrics(list(oof_pred), [rows[i] for i in indices])
    log(f"cross-validated (on the training rows): {cv_metrics}")

    log("final fit on all rows")
    svm = _svm(class_weight).fit(X[pos], ys, sample_weight=ws)
    coef = np.zeros((len(labels), X.shape[1]), dtype=np.float32)
    intercept = np.full(len(labels), -10.0, dtype=np.float32)
    index = {lab: k for k, lab in enumerate(labels)}
    svm_coef = svm.coef_ if len(svm.classes_) > 2 else np.vstack([-svm.coef_[0], svm.coef_[0]])
    svm_b = svm.intercept_ if len(svm.classes_) > 2 else np.array([-svm.intercept_[0], svm.intercept_[0]])
    for col, lab in enumerate(svm.classes_):
        coef[index[lab]] = svm_coef[col]
        intercept[index[lab]] = svm_b[col]
    if hasattr(vectorizer, "stop_words_"):
        vectorizer.stop_words_ = None  # the pruned vocabulary: large and never used

    import pythainlp
    import sklearn

    metadata = {
        "version": MODEL_VERSION,
        "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
        "labels": labels,
        "data_sha256": data_sha256,
        "source": source,
        "n_train": len(indices),
        "n_features": int(X.shape[1]),
        "tokenizer": DEFAULT_ENGINE,
        "features": "tfidf word 1-2 grams, sublinear tf, min_df=2",
        "classifier": f"LinearSVC(C={SVM_C}) on all_labels, class weight balanced^{CLASS_WEIGHT_POWER}, "
                      f"calibrated by multinomial logistic regression on {CV_FOLDS}-fold out-of-fold scores",
        "metrics": {"cross_validated": cv_metrics},
        "sklearn": sklearn.__version__,
        "pythainlp": pythainlp.__version__,
    }
    return TextClassifier(vectorizer, coef, intercept, calibrator, labels, metadata)


def model_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(MODEL_ENV) or DEFAULT_MODEL_PATH).resolve()


@functools.lru_cache(maxsize=4)
def _load_cached(path: str) -> TextClassifier:
    return TextClassifier.load(path)


def load_model(path: str | Path | None = None) -> TextClassifier:
    """The classifier at `path` (default: $RONGRIAN_NLP_MODEL or the shipped
    artefact), loaded once per process."""
    return _load_cached(str(model_path(path)))


def classify(text: str, k: int = 3) -> list[tuple[str, float]]:
    """The k most likely categories of text with their probabilities."""
    return load_model().top_k(text, k)


def predict_labels(text: str, threshold: float = 0.3) -> list[tuple[str, float]]:
    """All categories of text with probability >= threshold (at least one)."""
    return load_model().predict_labels(text, threshold)


__all__ = ["TextClassifier", "train", "load_model", "classify", "predict_labels", "normalize_text"]
