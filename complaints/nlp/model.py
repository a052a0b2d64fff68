"""The complaint-category classifier and its saved artefact.

Features: TF-IDF (sublinear tf) of word unigrams and bigrams, the words being
pythainlp's nlpo3 tokens of the normalised text (complaints.nlp.text).
Classifier: multi-label one-vs-rest, one binary linear SVM (LinearSVC) per
label, a row being a positive example of every label in its `all_labels`;
positives weighted (balanced)^0.3 so rare categories are not ignored.  Labels
are ranked by their SVM decision score.  Calibration: one sigmoid (Platt
scaling shared by all labels, so it keeps the ranking) mapping a label's score
to the probability that the label is one of the complaint's categories, fitted
on out-of-fold scores (3 folds), i.e. on texts the SVMs did not see.  The
probabilities of one text are per label and need not sum to 1; every label
above a threshold is a category of the complaint (`predict_labels`).

The artefact is one joblib file holding the vectoriser, the SVM weights as
float32, the calibrator, the label set and metadata (version, training date,
data hash, metrics).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import itertools
import os
import random
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from complaints.nlp.text import DEFAULT_ENGINE, normalize_text, tokenize

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix
    from sklearn.feature_extraction.text import TfidfVectorizer

    from complaints.nlp.evaluation import Row

MODEL_VERSION = "2.0"
# 2: the vectoriser as plain arrays (HashedTfidf); 1 (a pickled TfidfVectorizer) still loads.
ARTEFACT_FORMAT = 2
MODEL_DIR = Path(__file__).resolve().parent / "model"
DEFAULT_MODEL_PATH = MODEL_DIR / "traffy.joblib"
MODEL_ENV = "RONGRIAN_NLP_MODEL"
CLASS_WEIGHT_POWER = 0.3
SVM_C = 0.5
CV_FOLDS = 3
MIN_ROWS = 30


def _identity(tokens: list[str]) -> list[str]:
    return tokens


def make_vectorizer() -> TfidfVectorizer:
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        tokenizer=_identity,
        preprocessor=_identity,
        token_pattern=None,
        lowercase=False,
        ngram_range=(1, 2),
        sublinear_tf=True,
        min_df=2,
        dtype=np.float32,
    )


def _term_key(term: str) -> int:
    """A term's 64-bit key (BLAKE2b): the serving vocabulary stores keys, not strings."""
    return int.from_bytes(hashlib.blake2b(term.encode("utf-8"), digest_size=8).digest(), "little")


class HashedTfidf:
    """The fitted TF-IDF of `make_vectorizer`, for prediction, without scikit-learn.

    A web worker that classifies a complaint at intake used to import scikit-learn
    (about 70 MB) to unpickle a TfidfVectorizer whose vocabulary is a dict of 190,000
    strings (about 60 MB). This keeps what prediction needs as three arrays (the
    terms' 64-bit keys sorted, their columns, the idf: about 3 MB) and computes the
    same features: unigrams and space-joined bigrams of the tokens, sublinear tf,
    times idf, L2-normalised.
    """

    def __init__(self, keys: np.ndarray, columns: np.ndarray, idf: np.ndarray) -> None:
        self.keys = np.asarray(keys, dtype=np.uint64)
        self.columns = np.asarray(columns, dtype=np.int64)
        self.idf = np.asarray(idf, dtype=np.float32)

    @classmethod
    def from_sklearn(cls, vectorizer: TfidfVectorizer) -> HashedTfidf:
        if (
            vectorizer.ngram_range != (1, 2)
            or not vectorizer.sublinear_tf
            or vectorizer.norm != "l2"
            or not vectorizer.use_idf
            or vectorizer.lowercase
        ):
            raise ValueError("only the vectoriser of make_vectorizer() can be converted")
        terms = list(vectorizer.vocabulary_.items())
        keys = np.fromiter((_term_key(t) for t, _ in terms), dtype=np.uint64, count=len(terms))
        columns = np.fromiter((c for _, c in terms), dtype=np.int64, count=len(terms))
        order = np.argsort(keys, kind="stable")
        keys, columns = keys[order], columns[order]
        if len(keys) > 1 and (keys[1:] == keys[:-1]).any():
            raise ValueError("two terms share a 64-bit key")
        return cls(keys, columns, vectorizer.idf_)

    @property
    def n_features(self) -> int:
        return len(self.idf)

    def _row(self, tokens: list[str]) -> tuple[np.ndarray, np.ndarray]:
        """The columns and L2-normalised TF-IDF values of one document (its terms in the vocabulary)."""
        terms = list(tokens) + [f"{a} {b}" for a, b in itertools.pairwise(tokens)]
        if not terms:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        wanted = np.fromiter((_term_key(t) for t in terms), dtype=np.uint64, count=len(terms))
        at = np.minimum(np.searchsorted(self.keys, wanted), len(self.keys) - 1)
        found = self.keys[at] == wanted
        columns, counts = np.unique(self.columns[at[found]], return_counts=True)
        values = (np.log(counts.astype(np.float32)) + np.float32(1)) * self.idf[columns]
        norm = np.sqrt(np.dot(values, values))
        return columns, (values / norm if norm > 0 else values)

    def scores(self, docs: Sequence[list[str]], coef_t: np.ndarray) -> np.ndarray:
        """X @ coef_t for the documents' features, one row per document."""
        out = np.zeros((len(docs), coef_t.shape[1]), dtype=np.float32)
        for i, tokens in enumerate(docs):
            columns, values = self._row(tokens)
            if len(columns):
                out[i] = values @ coef_t[columns]
        return out


class ScoreSigmoid:
    """P(label is one of the text's categories | the label's SVM score):
    sigmoid(slope * score + offset), the same for every label."""

    def __init__(self, slope: float, offset: float) -> None:
        self.slope = float(slope)
        self.offset = float(offset)

    @classmethod
    def fit(cls, scores: np.ndarray, is_gold: np.ndarray) -> ScoreSigmoid:
        from sklearn.linear_model import LogisticRegression

        lr = LogisticRegression(C=100.0).fit(scores.reshape(-1, 1), is_gold.ravel())
        return cls(lr.coef_[0, 0], lr.intercept_[0])

    def predict_proba(self, scores: np.ndarray) -> np.ndarray:
        z = np.clip(self.slope * np.asarray(scores, dtype=np.float64) + self.offset, -50, 50)
        return 1.0 / (1.0 + np.exp(-z))


def _fit_one_vs_rest(X: csr_matrix, Y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(coef, intercept) of one binary LinearSVC per column of the 0/1 matrix Y;
    a label without positives (or without negatives) gets a constant score."""
    from sklearn.svm import LinearSVC

    n, n_labels = Y.shape
    coef = np.zeros((n_labels, X.shape[1]), dtype=np.float32)
    intercept = np.full(n_labels, -10.0, dtype=np.float32)
    for k in range(n_labels):
        y = Y[:, k]
        positives = int(y.sum())
        if positives in (0, n):  # a constant score: -10.0 (set above), or 10.0 when every row has it
            if positives == n:
                intercept[k] = 10.0
            continue
        weight = np.where(y, (n / (n_labels * positives)) ** CLASS_WEIGHT_POWER, 1.0)
        svm = LinearSVC(C=SVM_C, max_iter=5000, random_state=0).fit(X, y, sample_weight=weight)
        coef[k], intercept[k] = svm.coef_[0], svm.intercept_[0]
    return coef, intercept


class TextClassifier:
    """Top-k and multi-label classification of complaint texts."""

    def __init__(
        self,
        vectorizer: HashedTfidf | TfidfVectorizer,
        coef: np.ndarray,
        intercept: np.ndarray,
        calibrator: ScoreSigmoid,
        labels: Iterable[str],
        metadata: Mapping[str, Any],
        engine: str = DEFAULT_ENGINE,
    ) -> None:
        # A fitted scikit-learn vectoriser (training, format-1 artefacts) becomes a HashedTfidf.
        self.vectorizer = vectorizer if isinstance(vectorizer, HashedTfidf) else HashedTfidf.from_sklearn(vectorizer)
        self.coef_t = np.ascontiguousarray(np.asarray(coef, dtype=np.float32).T)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.calibrator = calibrator
        self.labels = list(labels)
        self.metadata = dict(metadata)
        self.engine = engine

    # -- prediction ---------------------------------------------------------
    def tokens(self, texts: Iterable[str]) -> list[list[str]]:
        return [tokenize(t, self.engine) for t in texts]

    def decision_scores(self, texts: Iterable[str]) -> np.ndarray:
        return self.vectorizer.scores(self.tokens(texts), self.coef_t) + self.intercept

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        """P(label is one of the text's categories), one row per text, columns
        in the order of `labels` (a row need not sum to 1)."""
        texts = list(texts)
        if not texts:
            return np.zeros((0, len(self.labels)))
        return self.calibrator.predict_proba(self.decision_scores(texts))

    def predict(self, texts: Iterable[str]) -> list[str]:
        """The most likely label of each text."""
        texts = list(texts)
        if not texts:
            return []
        return [self.labels[i] for i in self.decision_scores(texts).argmax(axis=1)]

    def top_k(self, text: str, k: int = 3) -> list[tuple[str, float]]:
        return self.top_k_many([text], k)[0]

    def top_k_many(self, texts: Iterable[str], k: int = 3) -> list[list[tuple[str, float]]]:
        texts = list(texts)
        if not texts:
            return []
        scores = self.decision_scores(texts)
        proba = self.calibrator.predict_proba(scores)
        k = max(1, min(k, len(self.labels)))
        order = np.argsort(-scores, axis=1, kind="stable")[:, :k]
        return [[(self.labels[j], float(p[j])) for j in row] for p, row in zip(proba, order, strict=True)]

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
            # Plain arrays: loading needs numpy, not scikit-learn (format 2).
            "vectorizer": {
                "keys": self.vectorizer.keys,
                "columns": self.vectorizer.columns,
                "idf": self.vectorizer.idf,
            },
            "coef": self.coef_t.T.copy(),
            "intercept": self.intercept,
            "calibrator": self.calibrator,
        }
        tmp = path.with_suffix(path.suffix + ".tmp")
        joblib.dump(payload, tmp, compress=("zlib", 3))
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, path: str | Path) -> TextClassifier:
        import joblib

        payload = joblib.load(path)
        if payload.get("format") not in (1, ARTEFACT_FORMAT):
            raise ValueError(f"{path}: unsupported model format {payload.get('format')!r}")
        vectorizer = payload["vectorizer"]
        if payload["format"] == ARTEFACT_FORMAT:
            vectorizer = HashedTfidf(vectorizer["keys"], vectorizer["columns"], vectorizer["idf"])
        return cls(
            vectorizer,
            payload["coef"],
            payload["intercept"],
            payload["calibrator"],
            payload["labels"],
            payload["metadata"],
            payload.get("engine", DEFAULT_ENGINE),
        )


def label_matrix(rows: Sequence[Row], indices: Sequence[int], labels: Sequence[str]) -> np.ndarray:
    """0/1 matrix: row j, column k is 1 when labels[k] is in rows[indices[j]].all_labels."""
    index = {lab: k for k, lab in enumerate(labels)}
    Y = np.zeros((len(indices), len(labels)), dtype=bool)
    for j, i in enumerate(indices):
        for lab in rows[i].all_labels:
            Y[j, index[lab]] = True
    return Y


def train(
    rows: Sequence[Row],
    indices: Iterable[int] | None = None,
    *,
    seed: int = 0,
    data_sha256: str = "",
    source: str = "",
    log: Callable[[str], None] = lambda msg: None,
) -> TextClassifier:
    """Fit the classifier on rows[indices] (all rows by default)."""
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
    Y = label_matrix(rows, indices, labels)

    # Out-of-fold decision scores for the calibration.
    order = list(range(len(indices)))
    random.Random(seed).shuffle(order)
    fold_of = np.empty(len(indices), dtype=int)
    fold_of[order] = np.arange(len(indices)) % CV_FOLDS
    oof = np.zeros(Y.shape, dtype=np.float32)
    for fold in range(CV_FOLDS):
        log(f"cross-validation fold {fold + 1}/{CV_FOLDS}")
        fit, held = np.flatnonzero(fold_of != fold), np.flatnonzero(fold_of == fold)
        coef, intercept = _fit_one_vs_rest(X[fit], Y[fit])
        oof[held] = X[held] @ coef.T + intercept

    calibrator = ScoreSigmoid.fit(oof, Y)
    cv_metrics = compute_metrics([labels[k] for k in oof.argmax(axis=1)], [rows[i] for i in indices])
    log(f"cross-validated (on the training rows): {cv_metrics}")

    log("final fit on all rows")
    coef, intercept = _fit_one_vs_rest(X, Y)
    if hasattr(vectorizer, "stop_words_"):
        vectorizer.stop_words_ = None  # the pruned vocabulary: large and never used

    import pythainlp
    import sklearn

    metadata = {
        "version": MODEL_VERSION,
        "trained_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "labels": labels,
        "data_sha256": data_sha256,
        "source": source,
        "n_train": len(indices),
        "n_features": int(X.shape[1]),
        "tokenizer": DEFAULT_ENGINE,
        "features": "tfidf word 1-2 grams, sublinear tf, min_df=2",
        "classifier": f"one-vs-rest LinearSVC(C={SVM_C}) per label of all_labels, positives weighted "
        f"balanced^{CLASS_WEIGHT_POWER}, ranked by decision score; one sigmoid from score to "
        f"P(label in all_labels) fitted on {CV_FOLDS}-fold out-of-fold scores",
        "metrics": {"cross_validated": cv_metrics},
        "sklearn": sklearn.__version__,
        "pythainlp": pythainlp.__version__,
    }
    return TextClassifier(vectorizer, coef, intercept, calibrator, labels, metadata)


def model_path(path: str | Path | None = None) -> Path:
    return Path(path or os.environ.get(MODEL_ENV) or DEFAULT_MODEL_PATH).resolve()


# One model per process: a newly promoted model replaces the one before it (each holds
# about 70 MB; with more kept, every web worker grew by one model per promotion).
@functools.lru_cache(maxsize=1)
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
