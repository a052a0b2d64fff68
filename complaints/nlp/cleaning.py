"""Cleaning of citizen-entered text before it is stored.

Pure functions: Unicode NFC, zero-width and control characters removed (Thai
text pasted from the web often carries U+200B as a word break), Thai vowel and
tone-mark order repaired with pythainlp, and markup refused.
"""

from __future__ import annotations

import re
import unicodedata

from complaints.nlp.text import repair_thai

_ZERO_WIDTH = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u180e\u00ad"), None)
# Markup that a browser would treat as a tag or a script: refused, not silently
# stripped, so that what the citizen sees on the receipt is what they wrote.
_MARKUP = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>|javascript\s*:", re.IGNORECASE)


class UnsafeText(ValueError):
    """The text carries HTML or script markup."""


def _drop_controls(text: str, keep_newlines: bool) -> str:
    # Printable text holds none of the categories dropped below (nor "\r"): most
    # texts are, and skip the loop over every character.
    if (text.replace("\n", "").replace("\t", "") if keep_newlines else text).isprintable():
        return text
    keep = {"\n", "\t"} if keep_newlines else set()
    out = []
    for ch in text:
        if ch in keep:
            out.append(ch)
        elif ch == "\r":
            continue
        elif unicodedata.category(ch) in {"Cc", "Cf", "Cs", "Co", "Cn"}:
            # Format characters include bidi overrides used to disguise text.
            continue
        else:
            out.append(ch)
    return "".join(out)


def clean_text(text: str, *, multiline: bool = True) -> str:
    """Return text fit to store; raises UnsafeText for markup.

    Single-line fields also have newlines and tabs folded into spaces.
    """
    text = unicodedata.normalize("NFC", text).translate(_ZERO_WIDTH)
    if not multiline:
        text = re.sub(r"[\t\r\n\v\f]+", " ", text)
    text = _drop_controls(text, keep_newlines=multiline)
    if _MARKUP.search(text):
        raise UnsafeText("markup is not accepted")
    text = repair_thai(text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(lines).strip()
