"""Masking of personal data in complaint texts (PDPA) for public pages and exports.

Pure functions, offline: regular expressions for numbers and addresses, and
pythainlp's word tokenizer and shipped name lists for person names (no model is
loaded and nothing is downloaded). What is masked:

* national_id  -- 13 digits (plain, 1-2345-67890-12-3 or spaced) whose check
  digit is right; a 13-digit number that fails the check is left alone (one
  that passes by chance, such as a barcode, is masked too).
* phone        -- Thai mobile (06/08/09, 10 digits), landline (02-07, 9 digits)
  and +66 forms, in the digit groupings people write. The grouping is part of the
  rule: times (06.00-08.30), dates, house numbers (123/45), postcodes, amounts
  and tracking numbers never have a phone's grouping.
* email, line_id -- an address (full-width "＠" too); a LINE id only after an
  explicit cue ("LINE:", "line id", "ไลน์ไอดี", "ID line", "line @", "ไลน์ @") and a
  LINE user id (U + 32 hex digits). "Line @TraffyFondue" names an official account
  but has the same form as a person's "line @somchai99": both are masked, since
  an official account masked costs a reader little and a person's id shown is a leak.
* plate        -- a Thai vehicle registration: "1กข 234", "กข 1234", with the
  province after it ("กข 1234 กรุงเทพมหานคร"). Two consonants and 1-2 digits
  without a leading digit ("รถ 2 คัน") count only after ทะเบียน or before a province.
* bank_account -- 10 to 12 digits only right after a word for account
  (เลขบัญชี, บัญชี..., บช., a/c, account); without that cue a 10-digit number
  cannot be told from a phone number, so it is left to the phone rule.
* name         -- a first name and the surname after it, found from what stands
  before it (Thai has no capitals and no spaces between words): a Thai title
  (นาย, นาง, นางสาว, น.ส., ด.ช., ด.ญ., ดร., ...; คุณ only when the next word looks
  like a name; พี่/น้อง/ลุง/ป้า/น้า and ชื่อ only before a listed first name), an
  English title (Mr/Mrs/Ms/Miss/Dr + capitalised words), a self-introduction
  (ผู้แจ้ง, ผู้ร้องเรียน, ดิฉัน/ผม + listed first name) or a phone number it
  signs ("สุนทร โทร 09..."). Without any of these, a first name and surname are
  masked only when both are in pythainlp's name lists. The title is kept.

Each span is replaced by a Thai placeholder ("[เบอร์โทร]") so the sentence still
reads; the title stays ("นาย[ชื่อบุคคล]"). Masking masked text changes nothing.

Zero-width and other invisible format characters are looked through, so
"081\\u200b234\\u200b5678" is a phone number even when the caller has not run
thai_text.clean_text first (stored texts have been cleaned, but masking is a
privacy control and must not depend on it). Thai digits count as digits.

The first call loads the name lists and builds a tokenizer dictionary (about
2 s); after that a typical complaint takes about 0.1 ms.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from typing import TypedDict

import marisa_trie

PLACEHOLDERS = {
    "national_id": "[เลขประจำตัวประชาชน]",
    "phone": "[เบอร์โทร]",
    "email": "[อีเมล]",
    "line_id": "[ไลน์]",
    "bank_account": "[เลขบัญชี]",
    "name": "[ชื่อบุคคล]",
    "plate": "[ทะเบียนรถ]",
}
_PLACEHOLDER = re.compile("|".join(re.escape(p) for p in PLACEHOLDERS.values()))


@dataclass(frozen=True)
class MaskResult:
    text: str  # the masked text
    found: tuple[tuple[str, int, int], ...]  # (kind, start, end) in the original text, in order


def mask_text(text: str) -> str:
    """The text with personal data replaced by placeholders."""
    return mask_pii(text).text


def mask_pii(text: str) -> MaskResult:
    """Mask personal data; `found` gives each masked span's kind and offsets in `text`.

    Spans never overlap. Text without personal data comes back unchanged (the
    same string), and so does text that has already been masked.
    """
    if not text:
        return MaskResult(text, ())
    view, back = _view(text)
    spans = _Spans(view)
    for detector in _DETECTORS:
        detector(view, spans)
    found = []
    pieces = []
    last = 0
    for kind, start, end in sorted(spans.found, key=lambda s: s[1]):
        o_start = back[start] if back else start
        o_end = back[end - 1] + 1 if back else end
        found.append((kind, o_start, o_end))
        pieces.append(text[last:o_start])
        pieces.append(PLACEHOLDERS[kind])
        last = o_end
    if not found:
        return MaskResult(text, ())
    pieces.append(text[last:])
    return MaskResult("".join(pieces), tuple(found))


# --- the text that rules look at ------------------------------------------------

# Invisible format characters (zero-width space/joiners, soft hyphen, word
# joiner, BOM, bidi marks): pasted Thai text carries them and they can hide a
# number from a pattern. The view drops them and keeps a map back.
_INVISIBLE = re.compile("[\u00ad\u061c\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff]")
_THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
# Full-width forms (＠, ：, ｓｏｍｃｈａｉ) are the ASCII ones to a reader, and a phone
# keyboard types them: "somchai＠gmail.com" is an address.
_FOLD = {**_THAI_DIGITS, **{cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}}
_HAS_THAI_DIGIT = re.compile("[๐-๙\uff01-\uff5e]")


def _view(text: str) -> tuple[str, list[int] | None]:
    """Text with Thai digits as ASCII and invisible characters removed, and the
    original index of each view character (None when they are the same)."""
    if _HAS_THAI_DIGIT.search(text):
        text = text.translate(_FOLD)  # one character for one, so offsets are unchanged
    if not _INVISIBLE.search(text):
        return text, None
    back = [i for i, ch in enumerate(text) if not _INVISIBLE.match(ch)]
    return _INVISIBLE.sub("", text), back


class _Spans:
    """Spans found so far; the earlier rule wins where two overlap."""

    def __init__(self, view: str):
        self.found: list[tuple[str, int, int]] = []
        # Placeholders already in the text are never looked into (idempotency).
        self._taken = [(m.start(), m.end()) for m in _PLACEHOLDER.finditer(view)]

    def free(self, start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e in self._taken)

    def add(self, kind: str, start: int, end: int) -> bool:
        if start >= end or not self.free(start, end):
            return False
        self._taken.append((start, end))
        self.found.append((kind, start, end))
        return True


# --- numbers --------------------------------------------------------------------

# A number must stand alone: not glued to Latin letters or digits (tracking
# numbers, URLs, map coordinates) nor continuing another number (13.7700941,
# 1,500). A Thai letter may touch it ("โทร081..."), and so may a slash, which
# people put between two phone numbers; house numbers and dates (123/45,
# 26/11/2569) never have a phone's grouping.
_LEFT = r"(?<![0-9A-Za-z_])(?<![0-9A-Za-z][\-.,])"
_RIGHT = r"(?![0-9A-Za-z_])(?![\-.,][0-9A-Za-z])"
_SEP = r"(?:\ ?[\-.]\ ?|\ )?"  # one dash, dot or space, optionally spaced dash

_NATIONAL_ID = re.compile(_LEFT + rf"(\d{_SEP}\d{{4}}{_SEP}\d{{5}}{_SEP}\d{{2}}{_SEP}\d)" + _RIGHT, re.ASCII)
_PHONE = re.compile(
    _LEFT
    + "("
    + "|".join(
        [
            # +66 drops the trunk 0; "+66 (0)81..." and "+66 081..." are also seen.
            rf"(?:\+|00)66{_SEP}(?:\(0\)\ ?|0)?"
            rf"(?:[689]\d{_SEP}\d{{3}}{_SEP}\d{{4}}|[689]{_SEP}\d{{4}}{_SEP}\d{{4}}"
            rf"|2{_SEP}\d{{3}}{_SEP}\d{{4}}|[3-7]\d{_SEP}\d{{3}}{_SEP}\d{{3}})",
            # Mobile, 10 digits: 081-234-5678, 08-1234-5678, 0812-345-678, 081-2345678.
            rf"0[689]\d{_SEP}\d{{3}}{_SEP}\d{{4}}",
            rf"0[689]{_SEP}\d{{4}}{_SEP}\d{{4}}",
            rf"0[689]\d\d{_SEP}\d{{3}}{_SEP}\d{{3}}",
            rf"0[689]\d{_SEP}\d{{4}}{_SEP}\d{{3}}",
            # Landline, 9 digits: 02-123-4567, (02) 123 4567, 053-123-456, 053-123456.
            rf"(?:0|\(0)2\)?{_SEP}\d{{3}}{_SEP}\d{{4}}",
            rf"(?:0|\(0)[3-7]\d\)?{_SEP}\d{{3}}{_SEP}\d{{3}}",
        ]
    )
    + ")"
    + _RIGHT,
    re.ASCII,
)
_ACCOUNT_CUE = re.compile(
    r"(?:เลขที่บัญชี|เลขบัญชี|บัญชีเลขที่|บัญชี|บช\.|(?<![A-Za-z])(?:a/c|acc(?:oun)?t(?:\s*(?:no\.?|number))?))"
    r"[^0-9\n\[\]]{0,30}?" + _LEFT + rf"([0-9](?:{_SEP}[0-9]){{9,11}})" + _RIGHT,
    re.IGNORECASE,
)


def _id_checksum_ok(digits: str) -> bool:
    total = sum(int(d) * (13 - i) for i, d in enumerate(digits[:12]))
    return (11 - total % 11) % 10 == int(digits[12])


def _national_ids(view: str, spans: _Spans) -> None:
    for m in _NATIONAL_ID.finditer(view):
        digits = re.sub(r"\D", "", m.group(1))
        if len(digits) == 13 and _id_checksum_ok(digits):
            spans.add("national_id", m.start(1), m.end(1))


def _bank_accounts(view: str, spans: _Spans) -> None:
    for m in _ACCOUNT_CUE.finditer(view):
        spans.add("bank_account", m.start(1), m.end(1))


def _phones(view: str, spans: _Spans) -> None:
    for m in _PHONE.finditer(view):
        spans.add("phone", m.start(1), m.end(1))


# --- vehicle plates --------------------------------------------------------------

# "1กข 234", "กข 1234", "กข-1234": consonants (no vowel: a word has one) and digits,
# standing alone; the province may follow.
_PLATE = re.compile(
    r"(?<![\u0e01-\u0e4e0-9A-Za-z])(?:(\d)([ก-ฮ]{1,2})|([ก-ฮ]{2}))[ \-]?(\d{1,4})(?![0-9A-Za-z\u0e01-\u0e2e])"
)
_PLATE_CUE = re.compile(r"ทะเบียน(?:รถ)?\s*[:：]?\s*$")
# Pairs of consonants that are words or road codes (รถ 2 คัน, คน 5 คน, ทล 35).
_NOT_A_PLATE = frozenset("รถ คน กม ซม มม ชม กก ตร รร นน ทล ทช สน ผม จด".split())


@cache
def _provinces() -> re.Pattern[str]:
    from pythainlp.corpus import provinces

    # Without details pythainlp gives the names as strings (its type also allows the detailed dicts).
    names = {n for n in provinces(details=False) if isinstance(n, str)} | {"กรุงเทพฯ", "กทม"}
    return re.compile(r"[ \u00a0]?(?:" + "|".join(sorted(map(re.escape, names), key=len, reverse=True)) + ")")


def _plates(view: str, spans: _Spans) -> None:
    for m in _PLATE.finditer(view):
        province = _provinces().match(view, m.end())
        end = province.end() if province else m.end()
        if m.group(3):  # no leading digit: surer only with a cue, a province or 3-4 digits
            cued = bool(province) or bool(_PLATE_CUE.search(view, max(0, m.start() - 14), m.start()))
            if not cued and (m.group(3) in _NOT_A_PLATE or len(m.group(4)) < 3):
                continue
        spans.add("plate", m.start(), end)


# --- addresses ------------------------------------------------------------------

_EMAIL = re.compile(
    r"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9\-]*[A-Za-z0-9])?)*\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])"
)
# "line" but not online, hotline, Lineman; "ไลน์" but not ออนไลน์.
_LINE_WORD = r"(?:(?<![A-Za-z])line(?!(?!id)[a-z])|(?<!ออน)ไลน์)"
_ID_WORD = r"(?:id|ไอดี)"
_LINE_ID = re.compile(
    "(?:"
    + rf"{_LINE_WORD}\s*{_ID_WORD}\s*[:：=]?"
    + "|"
    + rf"(?<![A-Za-z]){_ID_WORD}\s*{_LINE_WORD}\s*[:：=]?"
    + "|"
    + rf"{_LINE_WORD}\s*[:：]"
    + "|"
    + rf"{_LINE_WORD}(?=\s*@)"
    + r")\s*(@?[A-Za-z0-9][A-Za-z0-9._\-]{1,29})(?![A-Za-z0-9_@])",
    re.IGNORECASE,
)
_LINE_USER_ID = re.compile(r"(?<![A-Za-z0-9])U[0-9a-f]{32}(?![A-Za-z0-9])")


def _emails(view: str, spans: _Spans) -> None:
    for m in _EMAIL.finditer(view):
        spans.add("email", m.start(), m.end())


def _line_ids(view: str, spans: _Spans) -> None:
    for m in _LINE_USER_ID.finditer(view):
        spans.add("line_id", m.start(), m.end())
    if "ไลน์" not in view and "line" not in view.lower():
        return  # the cue pattern is slow to try at every position
    for m in _LINE_ID.finditer(view):
        ident = m.group(1).rstrip(".-")  # a full stop ends the sentence, not the id
        spans.add("line_id", m.start(1), m.start(1) + len(ident))


# --- person names ---------------------------------------------------------------
#
# Thai has no capitals and no spaces between words, so a name is found from what
# stands before it: a title (นาย, น.ส., คุณ...), a self-introduction (ผู้แจ้ง,
# ดิฉัน...) or a phone number it signs. Its extent comes from pythainlp's newmm
# tokenizer, with the name lists added to the dictionary so that a listed name
# is one token. Where a rule has to choose, it masks a word too many rather than
# leave half a name on show.

_THAI = "\u0e01-\u0e4e"  # Thai letters, vowels and marks; not Thai digits
_THAI_RUN = re.compile(f"[{_THAI}]+")
# What a name rule reads of a Thai run after a title: enough for a name, and a
# bound that keeps a 50,000-character text without spaces linear.
_RUN_AHEAD = 80
_THAI_AHEAD = re.compile(f"[{_THAI}]{{1,{_RUN_AHEAD}}}")

# Strong titles: followed by a name whenever the tokenizer sees the title as a
# word of its own; it keeps นายก, นายทุน, นางฟ้า, ขอบคุณ, คุณภาพ, คุณแม่ whole.
_STRONG = (
    "เด็กหญิง",
    "เด็กชาย",
    "นางสาว",
    "นาง",
    "นาย",
    # Doctors' titles; นายสัตวแพทย์ must not leave สัตวแพทย์ to be read as a name.
    "นายแพทย์",
    "แพทย์หญิง",
    "นายสัตวแพทย์",
    "สัตวแพทย์หญิง",
    "ทันตแพทย์หญิง",
    "ทันตแพทย์",
)
# Abbreviations; น.ส.3 (a land deed) has no Thai name after it and is left alone.
_DOTTED = ("ทพญ.", "น.ส.", "ด.ช.", "ด.ญ.", "น.ส", "ด.ช", "ด.ญ", "นส.", "ดร.", "นพ.", "พญ.")
# คุณ is also the pronoun "you" (หากคุณขับรถ, คุณละเว้น...): see _first_name_ok.
_WEAK = ("คุณ",)
# Kinship words used as honorifics (พี่สมศรี, ป้าสมใจ) and ชื่อ/ลงชื่อ ("name") are
# far more often ordinary words (พี่ๆ ทีมงาน, ป้ายรถเมล์, ชื่อถนน): they count only
# when the next word is in the first-name lists. ตา ("eye"), อา (อาจ, อาคาร) and
# ยาย are left out: too ambiguous, and the lists would be all that decides.
_KIN = ("พี่", "น้อง", "ลุง", "ป้า", "น้า")
_GATED = ("ลงชื่อ", "ชื่อ") + _KIN
_THAI_TITLE = re.compile(
    "|".join(re.escape(t) for t in sorted(_STRONG + _DOTTED + _WEAK + _GATED, key=len, reverse=True))
)
_GAP = re.compile(r"[ \t\u00a0]{0,2}(?:[:：][ \t\u00a0]{0,2})?")  # "นาย สมชาย", "ชื่อ: สมชาย"
# A title soon after these words is part of a place name (ซอยนางลิ้นจี่,
# ถ.นางลิ้นจี่, คลองบ้านนางจีน, สี่แยกคุณกะลา), not a person...
_PLACES = r"ซอย|ซ\.|ถนนน?|ถน|ถ\.|แยก|สะพาน|วัด|ตลาด|คลอง|ชุมชน|หมู่บ้าน|อนุสาวรีย์|โรงเรียน|รร\.|ท่าน้ำ|ท่าเรือ"
_PLACE_BEFORE = re.compile(rf"(?:{_PLACES})[{_THAI}]{{0,8}}\s?$")
# ...and so are these Bangkok names even without such a word before them.
_TITLED_PLACES = ("นางลิ้นจี่", "นางเลิ้ง", "นายเลิศปาร์ค", "นายเลิศ ปาร์ค")
# A listed first name + surname after these is a road or an intersection
# (ระหว่าง รัชดา สุทธิสาร).
_PLACE_BEFORE_PAIR = re.compile(rf"(?:{_PLACES}|ระหว่าง|กับ|ถึง|และ|ไป)[\s.]*$")
# Words that end a name: what complaints put right after one. Particles and
# function words also come with pythainlp's stop words for first names; a
# surname is cut only at these, since stop words such as มัน, กัน, มา are
# also pieces of surnames (อัช|มัน).
_AFTER_NAME = frozenset(
    """
    โทร โทรศัพท์ เบอร์ ติดต่อ บ้าน บ้านเลขที่ หมู่บ้าน เลขที่ อายุ อยู่ ผู้ว่า ผู้ว่าฯ ผู้ว่าราชการ ผู้อำนวยการ
    ช่วย แจ้ง ขอ บอก ร้องเรียน เคารพ ซอย ถนน แขวง เขต หมู่ ตำแหน่ง ประธาน ท่าน ทีม ทีมงาน
    ครับ ค่ะ คะ คับ ค่า นะ นะคะ นะครับ จ้า จ๊ะ จ้ะ ฮะ ด้วย เลย และ หรือ กับ
    เจ้าของ เจ้าหน้าที่ หัวหน้า อดีต ร้าน ผู้ ได้ ไม่ ว่า ให้ ที่ ซึ่ง คือ เป็น เมื่อ จึง ก็ จะ
    ผม ดิฉัน หนู กระผม ข้าพเจ้า เรา พวก คน ทาง รับ ชื่อ ชื่อจริง นามสกุล
""".split()
)
# Words after a title that are not names (ก้, ก้อ: ก็ mistyped, as in คุณก้อควร...).
_NOT_A_NAME = frozenset(
    """
    แม่ พ่อ ยาย ตา ป้า ลุง น้า อา ปู่ ย่า ทวด พี่ น้อง ลูก หลาน ครู หมอ พยาบาล ผู้ ท่าน นาย นาง
    ตำรวจ ทหาร ยาม แม่บ้าน คนขับ เจ้าหน้าที่ ผู้ว่า ผู้ว่าฯ ก้ ก้อ ก็ กทม ตร เทศกิจ โยธา ท่า
""".split()
)
# Starts that are no name: ยางมะตอย (asphalt) mistyped นางมะตอย (the tokenizer
# does not know มะตอย), an official (คุณเจ้าหน้าที่ตำรวจ), นายท่า (a pier master),
# a parent (คุณพ่อหนู..., which the tokenizer does not keep whole).
_NOT_A_NAME_START = ("มะตอย", "เจ้าหน้าที่", "ตำรวจ", "ท่า", "พ่อ", "แม่")
_MAX_NAME = 25  # characters, for a first name or a surname


class WordList:
    """newmm's dictionary (`custom_dict`) in a marisa trie.

    pythainlp's Trie holds a Python object and a dict per character of every word:
    about 80 MB for the 80,000 words and names here, in every process that masks a
    text (each gunicorn worker). newmm only asks its dictionary for the words that
    start at a position of the text (`prefixes`), which a marisa trie (a compact
    C++ trie, about 1 MB here) answers with the same words in the same order.
    """

    __slots__ = ("_trie", "_longest")

    def __init__(self, words: Iterable[str]) -> None:
        unique = {w.strip() for w in words} - {""}
        self._trie = marisa_trie.Trie(unique)
        self._longest = max(map(len, unique), default=0)

    def __len__(self) -> int:
        return len(self._trie)

    def __iter__(self) -> Iterator[str]:
        return iter(self._trie.keys())

    def __contains__(self, word: str) -> bool:
        return word in self._trie

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        """The words that text[start:] begins with, shortest first (as Trie.prefixes)."""
        found: list[str] = self._trie.prefixes(text[start : start + self._longest])
        return found


class _Lexicon(TypedDict):
    first: frozenset[str]
    family: frozenset[str]
    names: frozenset[str]
    words: frozenset[str]
    stop: frozenset[str]
    common: frozenset[str]
    strict_first: frozenset[str]
    strict_family: frozenset[str]
    trie: WordList


@cache
def _lexicon() -> _Lexicon:
    """Name lists, stop words and a tokenizer dictionary, loaded on first use.

    pythainlp's name lists contain ordinary words too (ที่, วัน, ใหม่): where the
    lists alone decide, those are taken out with the stop words and the 5,000 most
    frequent words of the Thai National Corpus.
    """
    from pythainlp.corpus import (
        thai_family_names,
        thai_female_names,
        thai_male_names,
        thai_stopwords,
        thai_words,
    )
    from pythainlp.corpus.tnc import word_freqs

    first = thai_male_names() | thai_female_names()
    family = thai_family_names()
    words = thai_words()
    stop = thai_stopwords() | _AFTER_NAME
    ranked = [w for w, _ in sorted(word_freqs(), key=lambda wc: -wc[1])]
    common = set(ranked[:5000]) | stop
    return {
        "first": frozenset(first - stop),
        "family": frozenset(family - stop),
        "names": frozenset((first | family) - stop),
        "words": words,
        "stop": frozenset(stop),
        "common": frozenset(common),
        "strict_first": frozenset(first - common - _NOT_A_NAME),
        "strict_family": frozenset(family - common),
        # Names in the dictionary keep a listed name one token (สมชาย, not สม|ชาย).
        "trie": WordList(words | first | family),
    }


def _tokens(text: str) -> list[str]:
    from pythainlp.tokenize.newmm import segment

    # newmm asks its dictionary only for prefixes(), which WordList answers as pythainlp's Trie does.
    return segment(text, custom_dict=_lexicon()["trie"])  # type: ignore[arg-type]


def _name_part(run: str, surname: bool = False) -> str:
    """The start of a Thai run that can be a name or a surname ("" if none).

    Tokens are taken up to a word that ends a name (ครับ, โทร, ที่, ...) or, when
    the run goes on after it, a long dictionary word that is no name
    (คุณวีรญา|หัวหน้าแผนก...). Shorter words, and a last word, are kept: a name
    missing from the lists is split into words (ปาน|เผือก, สิทธิ|พันธุ์), and
    cutting there would leave half the name on show.
    """
    lex = _lexicon()
    stop = _AFTER_NAME if surname else lex["stop"]
    tokens = _tokens(run[: _MAX_NAME + 15])
    last = len(tokens) - 1 if len(run) <= _MAX_NAME + 15 else -1
    out = ""
    for i, tok in enumerate(tokens):
        # A one-letter stop word (ณ) is more often a piece of a name (ประ|ณ|ยา).
        if (tok in stop and len(tok) > 1) or len(out) + len(tok) > _MAX_NAME:
            break
        if i and i != last and len(tok) >= 5 and tok in lex["words"] and tok not in lex["names"]:
            break
        out += tok
    return out


def _is_phrase(run: str) -> bool:
    """Ordinary words with a stop word among them (ขอบคุณครับ, เบอร์โทรผม)? A name
    the lists miss may hold a stop word (กัน|ต|ภา), but then also a non-word."""
    lex = _lexicon()
    tokens = _tokens(run)
    return all(t in lex["words"] for t in tokens) and any(t in lex["stop"] for t in tokens)


def _is_word_start(view: str, start: int, title: str) -> bool:
    """Does the title begin a word (and, when undotted, end one) in its Thai run?"""
    left = start
    while left > 0 and start - left < 20 and "\u0e01" <= view[left - 1] <= "\u0e4e":
        left -= 1
    if "." in title:
        # Only the start is in question: is "นพ." the end of เดือนพ.ค.?
        window, end = view[left:start] + title.split(".")[0], None
    else:
        right = _THAI_AHEAD.match(view, start)  # matched at start, so it begins with the title
        window = view[left:start] + (right.group() if right else "")[: len(title) + 30]
        end = start + len(title)
    bounds, pos = {0}, 0
    for tok in _tokens(window):
        pos += len(tok)
        bounds.add(pos)
    return start - left in bounds and (end is None or end - left in bounds)


def _first_name_ok(name: str, title: str, rest: str, has_surname: bool, next_char: str) -> bool:
    """May the word after this title be a first name? `rest` is what follows it
    in the same Thai run ("" when the name ends the run)."""
    lex = _lexicon()
    standalone = not rest
    head = _tokens(name)[0]
    if head in _NOT_A_NAME or name.startswith(_NOT_A_NAME_START):
        return False
    if standalone and len(name) <= 3 and next_char == ".":
        return False  # an abbreviation: นส. ลว. (หนังสือลงวันที่), คุณ ตร.
    if title in _GATED:
        return head in lex["strict_first"]
    if title in _WEAK:
        # After "คุณ" (also "you"): a listed name, a word no dictionary knows
        # (most nicknames: ต่าย, อิ้น), anything with a surname after it, or an
        # uncommon word that stands alone or before a word that ends a name
        # (คุณทอม 080-..., คุณชัชชาติที่เคารพ). Otherwise a dictionary word glued
        # to the sentence is read as part of it (คุณละเว้นการ..., คุณลงมาช่วง...).
        delimited = standalone or _tokens(rest[:15])[0] in _AFTER_NAME
        return (
            head in lex["first"] or head not in lex["words"] or has_surname or (delimited and head not in lex["common"])
        )
    # A frequent word alone is an office, not a name (เป็นนาย(ก)รัฐมนตรี).
    return has_surname or not (name == head and len(head) >= 5 and head in lex["common"] and head not in lex["names"])


_WORD_END = re.compile(r"[\s,!?)\]]|$")
_PLACE_WORD = re.compile("ซอย|ถนน|แยก|หมู่|ตำบล|อำเภอ|จังหวัด|เขต|แขวง")
_SURNAME_GAP = re.compile(rf"\.?[ \t\u00a0]{{1,3}}([{_THAI}]+)")  # "สมชาย ใจดี", "จักรพันธ์. ผิวงาม"


def _surname_after(view: str, at: int) -> int:
    """End of the surname after a first name that ends at `at`, or `at` if none."""
    m = _SURNAME_GAP.match(view, at)
    if not m:
        return at
    lex = _lexicon()
    run = m.group(1)
    if run in lex["family"]:
        return m.end(1)
    part = _name_part(run, surname=True)
    tokens = _tokens(part) if part else []
    if (
        not tokens
        # The sentence goes on: one ordinary word (ถนนคู่ขนาน, นิดนึง) or a frequent
        # word that starts a clause (ขับรถ...), unless it is a listed surname.
        or (len(tokens) == 1 and part in lex["words"] and part not in lex["family"])
        or (tokens[0] in lex["common"] and tokens[0] not in lex["names"] and len(tokens[0]) >= 3)
        # An abbreviation (สส., ผอ.) is a post, not a surname.
        or (len(run) <= 4 and view[m.end(1) : m.end(1) + 1] in (".", "ฯ"))
    ):
        # ...but one whole word standing alone after a name is read as its surname
        # ("เรียนคุณสมชาย ทดสอบ"): a word too many masked, rather than half a name shown.
        if (
            len(tokens) == 1
            and part == run
            and part not in lex["stop"]
            and _WORD_END.match(view, m.end(1))
            and not _PLACE_WORD.match(part)
        ):
            return m.end(1)
        return at
    return m.start(1) + len(part)


# Words that hold คุณ and are never followed by a name; most คุณ in complaints
# are in ขอบคุณ, and these are ruled out without running the tokenizer.
_KHUN_WORDS = re.compile("(?:ขอบ|พระ|บุญ)คุณ|คุณ(?:ภาพ|ค่า)")  # not คุณธรรม(นูญ), คุณสมบัติ


def _thai_titles(view: str, spans: _Spans) -> None:
    skip = {m.start() + m.group().index("คุณ") for m in _KHUN_WORDS.finditer(view)}
    for m in _THAI_TITLE.finditer(view):
        title, start, end = m.group(), m.start(), m.end()
        if (
            start in skip
            or not spans.free(start, end)
            or view.startswith(_TITLED_PLACES, start)
            or _PLACE_BEFORE.search(view, max(0, start - 14), start)
        ):
            continue
        # A space after a kinship word ends it (เวสป้า อมรรัชดา is a Vespa shop).
        gap = _GAP.match(view, end)  # the gap may be empty: it always matches
        name_at = end if title in _KIN or gap is None else gap.end()
        run = _THAI_AHEAD.match(view, name_at)
        if not run or not _is_word_start(view, start, title):
            continue
        name = _name_part(run.group())
        if not name:
            continue
        name_end = first_end = name_at + len(name)
        if name_end == run.end():  # the first name ends the run: a surname may follow
            name_end = _surname_after(view, name_end)
        rest = view[first_end : run.end()]
        next_char = view[first_end : first_end + 1]
        if _first_name_ok(name, title, rest, name_end > first_end, next_char):
            spans.add("name", name_at, name_end)


_ENGLISH_TITLE = re.compile(
    r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Mister|Dr)\.?\s+"
    r"([A-Z][A-Za-z'\-]+(?:\s+(?:[A-Z]\.\s*)?[A-Z][A-Za-z'\-]+)?)"
)


def _english_titles(view: str, spans: _Spans) -> None:
    for m in _ENGLISH_TITLE.finditer(view):
        spans.add("name", m.start(1), m.end(1))


def _listed_names(view: str, spans: _Spans) -> None:
    """A first name and surname with no title, when both are in the name lists
    with common words taken out, and each is a whole word of its own."""
    lex = _lexicon()
    runs = list(_THAI_RUN.finditer(view))
    for a, b in itertools.pairwise(runs):
        if (
            view[a.end() : b.start()] in (" ", "  ", "\u00a0")
            and a.group() in lex["strict_first"]
            and b.group() in lex["strict_family"]
            and b.group() not in _NOT_A_NAME
            and not _PLACE_BEFORE_PAIR.search(view, max(0, a.start() - 12), a.start())
        ):
            spans.add("name", a.start(), b.end())


# Untitled names where a complainant signs with contact details ("สุชาติ
# คูหเทพารักษ์ โทร081-...", "ขอบคุณค่ะ\nเขมณัฏฐ์\n0860761818") or introduces
# themself ("ผู้แจ้ง จักริน ยูงทอง", "ดิฉัน สิรินทร์ ศรีสุขค่ะ").
_PHONE_CUE = r"(?:เบอร์โทรศัพท์|เบอร์โทร|เบอร์ติดต่อ|เบอร์|โทรศัพท์|โทร|ติดต่อ|tel)"
_BEFORE_PHONE = re.compile(
    rf"(?<![^\s:(])([{_THAI}]+)(?:[ \u00a0]{{1,2}}(?!{_PHONE_CUE})([{_THAI}]+))?[ \t\u00a0]*\n?[ \t(]*"
    rf"(?:{_PHONE_CUE}\.?[ \t]*:?[ \t]*)?$",
    re.IGNORECASE,
)
_AFTER_PHONE = re.compile(rf"[ \t\u00a0]*\n?[ \t(]*([{_THAI}]+)(?:[ \u00a0]{{1,2}}([{_THAI}]+))?[ \t]*(?=[\n)]|$)")
# Cues a name follows; the pronouns (ผม, ดิฉัน...) start sentences as often, so
# after them the first word must be a listed first name.
_SELF_INTRO = re.compile(
    rf"(?<![{_THAI}])(?:(ผู้ร้องเรียน|ผู้ร้อง|ผู้แจ้ง|คนแจ้งชื่อ|คนแจ้ง|ผู้ประสานงาน)|(ดิฉัน|ผม|กระผม|ข้าพเจ้า))"
    rf"[ \u00a0]*[:]?[ \u00a0]*([{_THAI}]+)[ \u00a0]{{1,2}}([{_THAI}]+)"
)


def _wordiness(run: str) -> float:
    """Share of the run made of dictionary words that are not names (0 to 1)."""
    lex = _lexicon()
    known = sum(len(t) for t in _tokens(run) if t in lex["words"] and t not in lex["names"] and len(t) >= 2)
    return known / len(run)


def _untitled_first(run: str, listed: bool, before_surname: bool = False) -> bool:
    """Could this word, with no title before it, be a first name? A listed name
    (with `listed`, even a common word), or a word made mostly of pieces the
    dictionary does not know; before a clear surname, any word but a dictionary
    one (กัน|ต|ภา ยุทธวราภรณ์)."""
    lex = _lexicon()
    if not 2 <= len(run) <= 20 or run in _NOT_A_NAME or "ๆ" in run or _is_phrase(run):
        return False
    if _tokens(run)[0] in _AFTER_NAME:  # ประธานชุมชน..., บ้าน...
        return False
    if run in lex["strict_first"] or (listed and run in lex["first"]):
        return True
    if before_surname and run not in lex["words"]:
        return True
    return _wordiness(run) < 0.5


def _untitled_surname(run: str) -> str:
    """The surname at the start of this word after an untitled first name, or ""."""
    lex = _lexicon()
    if run in lex["family"]:
        return run
    part = _name_part(run, surname=True)
    if not part or "ๆ" in part or _is_phrase(part) or (part in lex["words"] and part not in lex["names"]):
        return ""
    return part


def _contact_names(view: str, spans: _Spans) -> None:
    def add(m: re.Match[str], first: int, last: int, listed: bool = False) -> bool:
        surname = _untitled_surname(m.group(last)) if m.group(last) else ""
        clear = surname in lex["family"] or (bool(surname) and _wordiness(surname) < 0.5)
        if not _untitled_first(m.group(first), listed, before_surname=clear):
            return False
        end = m.start(last) + len(surname) if surname else m.end(first)
        return spans.add("name", m.start(first), end)

    def listed_tail(start: int, end: int) -> None:
        """A listed first name that ends the words before a phone number, after words
        that are no name ("โทรหา สมศรี 089...", "ติดต่อสมชาย 081...")."""
        run = view[start:end]
        tail = _tokens(run)[-1] if run else ""
        if tail != run and tail in lex["strict_first"] and tail not in _NOT_A_NAME:
            spans.add("name", end - len(tail), end)

    lex = _lexicon()

    for kind, start, end in list(spans.found):
        if kind != "phone":
            continue
        m = _BEFORE_PHONE.search(view, max(0, start - 80), start)
        if m and not add(m, 1, 2, listed=True):
            # Right before a phone number a listed first name is enough (สุนทร โทร 09...),
            # also as the last word, or the end of a word, after others that are none.
            last = 2 if m.group(2) else 1
            if m.group(2) and _untitled_first(m.group(2), listed=True):
                spans.add("name", m.start(2), m.end(2))
            else:
                listed_tail(m.start(last), m.end(last))
        m = _AFTER_PHONE.match(view, end)
        if m:
            add(m, 1, 2)
    for m in _SELF_INTRO.finditer(view):
        if m.group(2) is None or m.group(3) in lex["first"]:
            add(m, 3, 4)


# Order is priority: an e-mail address holds digits a phone rule could take, a
# national ID contains phone-shaped groups, a cued account number is not a phone;
# titled names come before the looser untitled rules.
_DETECTORS = (
    _emails,
    _line_ids,
    _national_ids,
    _bank_accounts,
    _phones,
    _plates,
    _english_titles,
    _thai_titles,
    _listed_names,
    _contact_names,
)
