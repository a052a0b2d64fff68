"""Thai text classification of complaints: normalisation, tokenisation, a
calibrated linear classifier shipped as an artefact, and its evaluation (the
`flask nlp` commands that drive them are in complaints/cli/).

    from complaints.nlp import classify, predict_labels
    classify("ไฟฟ้าดับทั้งซอย", k=3)  # [(label, probability), ...]
"""

from complaints.nlp.model import TextClassifier, classify, load_model, predict_labels, train
from complaints.nlp.text import normalize_text, tokenize

__all__ = ["TextClassifier", "classify", "load_model", "predict_labels", "train", "normalize_text", "tokenize"]
