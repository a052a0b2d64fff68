"""Thai text normalisation and tokenisation for the classifier.

`normalize_text` is the single place where a complaint's text is made
comparable: NFC, zero-width and control characters dropped, pythainlp's
vowel/tone-mark repair, Thai digits to Arabic, runs of laughter (55555),
repetition marks (ๆๆๆ) and elongated letters or punctuation collapsed,
Latin lower-cased, white space folded.  `tokenize` splits the normalised
text into words with pythainlp (engine chosen in BENCHMARKS.md: nlpo3, the
Rust newmm, with pythainlp's own dictionary; newmm as fallback).
"""

from __future__ import annotations

import re
import unicodedata

from pythainlp.util import normalize as thai_normalize

DEFAULT_ENGINE = "nlpo3"
FALLBACK_ENGINE = "newmm"
# Texts longer than this are cut before tokenisation: a complaint's category is
# decided by its first few thousand characters, and the cap bounds the time one
# pasted document can take (the longest training text has ~6,200 characters).
MAX_CHARS = 5000

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad\u200e\u200f"), None)
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
_LAUGH = re.compile(r"(?<![0-9])5{3,}(?![0-9])")
_MAI_YAMOK = re.compile(r"ๆ(?: ?ๆ)+")
# Any character repeated three or more times (มากกกก, !!!!, ....) is kept once;
# runs of digits are left alone (1000), laughter is handled above.
_ELONGATED = re.compile(r"(\S)\1{2,}")
_SPACES = re.compile(r"\s+")


def _collapse(match: re.Match[str]) -> str:
    run = match.group(0)
    return run if run[0].isdigit() else run[0]


# pythainlp's normalize() runs some thirty regular-expression passes (~150 µs
# for a typical complaint, more than the rest of the pipeline together).  It is
# still what repairs the text, but it is only called when this pattern, the
# union of the situations its rules change, finds something to repair; a test
# checks on the training texts that the result is identical to calling it
# unconditionally.
def _needs_thai_normalize_pattern() -> re.Pattern[str]:
    from pythainlp import thai_above_vowels as above_v
    from pythainlp import thai_below_vowels as below_v
    from pythainlp import thai_consonants
    from pythainlp import thai_follow_vowels as follow_v
    from pythainlp import thai_lead_vowels as lead_v
    from pythainlp import thai_tonemarks as tonemarks

    dangling = f"{above_v}{below_v}{tonemarks}\u0e3a\u0e4c\u0e4d\u0e4e"
    norepeat = f"{follow_v}{lead_v}{above_v}{below_v}\u0e3a\u0e4c\u0e4d\u0e4e"
    return re.compile(
        "|".join(
            [
                "  ",
                "^ ",
                " $",
                "\n",
                "\u200b",
                "\u200c",
                f"[{thai_consonants}] [{dangling}]",  # space before a mark
                "\u0e40\u0e40",  # เเ -> แ
                f"[{tonemarks}\u0e4c][{above_v}{below_v}]",  # tone before vowel
                f"\u0e4d[{tonemarks}]*\u0e32",  # ํ + า -> ำ
                f"[{follow_v}][{tonemarks}]",  # follow vowel before tone
                "\u0e45",  # ๅ
                f"([{norepeat}]) *\\1",  # repeated vowel or sign
                f"[{tonemarks}][{tonemarks}]",  # repeated tone marks
                f"^[{dangling}]",
                f" +[{dangling}]",  # dangling marks
            ]
        )
    )


_NEEDS_THAI_NORMALIZE = _needs_thai_normalize_pattern()


def repair_thai(text: str) -> str:
    """pythainlp.util.normalize, skipped when it would change nothing."""
    if _NEEDS_THAI_NORMALIZE.search(text):
        return thai_normalize(text)
    return text


def normalize_text(text: str | None) -> str:
    """Return the canonical form of text used for features and de-duplication."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    text = _SPACES.sub(" ", text)
    if not text.isprintable():  # control, format, private-use characters
        text = "".join(ch if ch.isprintable() else " " for ch in text)
        text = _SPACES.sub(" ", text)
    text = text.strip().translate(_THAI_DIGITS)
    text = _LAUGH.sub("555", text)
    text = _MAI_YAMOK.sub("ๆ", text)
    text = _ELONGATED.sub(_collapse, text)
    text = repair_thai(text)
    return text.lower()


_engine_ok: dict[str, bool] = {}


def _engine_available(engine: str) -> bool:
    if engine not in _engine_ok:
        try:
            from pythainlp.tokenize import word_tokenize

            word_tokenize("ทดสอบ", engine=engine)
            _engine_ok[engine] = True
        except Exception:  # noqa: BLE001 - a missing optional engine falls back
            _engine_ok[engine] = False
    return _engine_ok[engine]


def tokenize(text: str, engine: str = DEFAULT_ENGINE, *, normalized: bool = False) -> list[str]:
    """Words of text (normalised first unless `normalized`), white space dropped."""
    from pythainlp.tokenize import word_tokenize

    if not normalized:
        text = normalize_text(text)
    if not text:
        return []
    text = text[:MAX_CHARS]
    if not _engine_available(engine):
        engine = FALLBACK_ENGINE
    return [t for t in word_tokenize(text, engine=engine, keep_whitespace=False) if not t.isspace()]
