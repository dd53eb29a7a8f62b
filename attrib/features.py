"""Stage 3: turn segments in their article into feature records and feature matrices.

A record is a plain dict describing one segment in context (its text, position, language against
the article's, its neighbours); :func:`hash_ngrams` and :func:`context_matrix` turn records into
numbers. Plain functions over numpy, without scikit-learn, so that the bundled model predicts
without importing it; classify.py wraps them as scikit-learn transformers for the Pipeline.
Regular expressions and small multilingual cue lexicons are *features*; the decision is learned.
"""

from __future__ import annotations

import functools
import importlib.util
import math
import os
import re
from collections.abc import Iterable, Sequence
from importlib import resources
from typing import Any

import numpy as np

from .domains import find_hosts
from .language import Guess, _char_script, sub_from, url_start
from .speedups import compiled_module, prepared

__all__ = [
    "CONTEXT_FEATURES",
    "build_records",
    "context_matrix",
    "hash_ngrams",
    "ngram_columns",
    "normalise_text",
    "piece_cues",
]

Record = dict[str, Any]

_URL = re.compile(r"(?:https?|ftp)://\S+|\bwww[.．。]\S+", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:[.．。][\w-]+)+")
_DIGITS = re.compile(r"\d+")
_COLON_LABEL = re.compile(r"^\W{0,3}[^\W\d][^:：\n]{0,28}\s?[:：]")
# "All rights reserved" and kin: the site's own copyright line, in many languages.
_COPYRIGHT_MARKS = tuple(
    """
©|ⓒ|(c)|copyright|rights reserved|droits réservés|derechos reservados|direitos reservados|
diritti riservati|rechte vorbehalten|права защищены|права захищені|hakları saklıdır|
prawa zastrzeżone|rechten voorbehouden|drepturile rezervate|rättigheter förbehållna|
alle rettigheder|版权所有|版權所有|无断转载|無断転載|無断複製|저작권|무단 전재|무단전재|
جميع الحقوق|حقوق محفوظ|جملہ حقوق|کلیه حقوق|تمام حقوق|सर्वाधिकार|hak cipta|bản quyền|haki zote|
πνευματικά δικαιώματα|κατοχυρωμένα|כל הזכויות|สงวนลิขสิทธิ์|স্বত্ব|সর্বস্বত্ব|
minden jog fenntartva|všechna práva|kaikki oikeudet
""".replace("\n", "").split("|")
)
_COPYRIGHT = re.compile(
    "|".join(map(re.escape, _COPYRIGHT_MARKS))
)  # searched in lowercased text: case-insensitive Unicode matching is ten times slower
_WRAPPED = re.compile(r"^[(\[（【«\"“—–-].*[)\]）】»\"”]?$")
_TERMINAL = re.compile(r"[.!?。！？؟।…][\"'”’»」』)\]]*$")
HEADLINE_CHARS = 12  # a shorter first line is chrome or a label, not a title a credit quotes
PARAGRAPH_CHARS = 160  # a line this long is a paragraph, not a caption, credit or chrome line
_DENSE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\u0e00-\u0e7f]")  # CJK, Hangul, Thai


def is_paragraph(text: str) -> bool:
    """True for a paragraph-long line; scripts without spaces pack more into a character.

    >>> is_paragraph("Photo: AFP"), is_paragraph("東京" * 40)
    (False, True)
    """
    n = len(text)
    if n >= PARAGRAPH_CHARS:
        return True
    if n < PARAGRAPH_CHARS * 0.4 or text.isascii():
        return False  # the dense scripts are not ASCII
    compiled = compiled_module()
    dense = compiled.dense_count(text) if compiled else n - len(_DENSE.sub("", text))
    return dense * 2 >= n


# Words that often appear in syndication credits, in many languages (lowercase substrings).
SYNDICATION_CUES = tuple(
    """
originally|original|first appeared|appeared first|first published|published first|republish|
reprint|reproduced|courtesy|syndicat|source|via |translated|translation|with permission|
in partnership|read the original|read more at|story by|content from|feed|
الأصل|أصلا|نشر|نُشر|المصدر|مصدر|نقلا عن|نقلاً عن|بتصرف|ترجمة|مترجم|منقول|منبع|به نقل از|بازنشر|
ترجمه|ماخذ|بشکریہ|شائع|initialement|d'abord|d’abord|première fois|publié|paru |traduit|republié|
reproduit|article original|originalmente|publicó|publicado|fuente|con información|traducido|
reproducido|tomado de|vía|fonte|apareceu|com informações|traduzido|reproduzido|com agências|
originariamente|pubblicato|apparso|tradotto|ripreso da|tratto da|in origine|ursprünglich|zuerst|
erschienen|erschien|quelle|mit material|übersetzt|nachdruck|übernommen|oorspronkelijk|verschenen|
verscheen|bron|vertaald|overgenomen|впервые|опубликова|источник|перепечат|оригинал|перевод|
по материалам|вперше|опубліков|джерело|оригінал|передрук|за матеріалами|pierwotnie|opublikowa|
źródło|przedruk|oryginał|tłumacz|ilk olarak|yayımlan|yayınlan|kaynak|orijinal|çeviri|alıntı|
首发|首發|来源|來源|转载|轉載|原文|原载|原載|译自|譯自|刊于|刊於|出处|出處|初出|出典|転載|掲載|
元記事|配信|翻訳|출처|원문|게재|전재|번역|제공|स्रोत|मूल रूप|प्रकाशित|साभार|अनुवाद|সূত্র|প্রথম প্রকাশ|
প্রকাশিত|অনুবাদ|sumber|pertama kali|diterbitkan|terjemah|dikutip|tayang|nguồn|đăng lần đầu|
bài gốc|dịch|chanzo|ilichapishwa|asili|imetafsiriwa|πηγή|δημοσιεύ|αρχικά|πρώτη φορά|
αναδημοσίευ|μετάφραση|מקור|פורסם|לראשונה|במקור|תורגם|ที่มา|เผยแพร่|ครั้งแรก|ต้นฉบับ|แปล|
sursa|sursă|publicat|preluat|källa|publicerades|först|zdroj|původně|převzat|forrás|eredetileg|
megjelent|lähde|alun perin|julkaistu|kilde|oprindelig|opprinnelig|publisert|offentliggjort
""".replace("\n", "").split("|")
)

# Words of site chrome: sharing, following, comments, related links, tags, cookies, ads.
CHROME_CUES = tuple(
    """
share|follow|subscribe|newsletter|comment|read also|read more|related|tags|cookie|advert|
sign up|log in|login|print|whatsapp|facebook|twitter|telegram|instagram|youtube|rss|
copyright|all rights reserved|partager|suivez|abonnez|commentaire|lire aussi|à lire|compartir|
síguenos|suscríbete|comentarios|lee también|teilen|folgen|abonnieren|kommentar|lesen sie auch|
mehr zum thema|condividi|seguici|iscriviti|commenti|leggi anche|compartilhe|siga|assine|
leia também|comentários|поделиться|подписывайтесь|комментари|читайте также|читайте також|
поділитися|підписуйтесь|paylaş|takip et|abone ol|yorum|ilgili haber|分享|关注|關注|订阅|訂閱|
评论|評論|相关|相關|阅读|閱讀|シェア|フォロー|コメント|関連記事|購読|공유|구독|댓글|관련기사|
مشاركة|شارك|تابعنا|اشترك|تعليق|اقرأ أيضا|اقرأ أيضاً|اشتراک|بیشتر بخوانید|نظر|شیئر|یہ بھی پڑھیں|
تبصر|शेयर|फॉलो|सब्सक्राइब|टिप्पणी|यह भी पढ़ें|শেয়ার|আরও পড়ুন|মন্তব্য|bagikan|ikuti|
berlangganan|komentar|baca juga|delen|volg|abonneer|reacties|lees ook|udostępnij|obserwuj|
subskrybuj|komentarz|czytaj także|czytaj też|שתפו|עקבו|הירשמו|תגובות|chia sẻ|theo dõi|
đăng ký|bình luận|xem thêm|shiriki|fuatilia|jiandikishe|maoni|soma pia|κοινοποί|ακολουθήστε|
εγγραφείτε|σχόλια|διαβάστε επίσης|แชร์|ติดตาม|สมัครสมาชิก|ความคิดเห็น|อ่านเพิ่มเติม|distribuie|
urmărește|abonează|comentarii|citește și|dela|följ|prenumerera|kommentera|läs också|läs mer
""".replace("\n", "").split("|")
)

# Words of photo and image credits, which are chrome even when they name an agency.
PHOTO_CUES = tuple(
    """
photo|foto|image|picture|pictures|illustration|صورة|الصورة|عکس|تصویر|фото|写真|图片|圖片|
图源|사진|ภาพ|φωτογραφία|צילום|ছবি|फोटो|ảnh|picha|fot.|afbeelding|bild|imagem|immagine|
görsel|gambar
""".replace("\n", "").split("|")
)


def _word_start_script(cue: str) -> bool:
    """Cues of three or more characters in Latin, Greek, Cyrillic or Armenian script match at
    word starts; the rest anywhere."""
    o = ord(cue[0])
    return (
        len(cue) >= 3 and all(map(_is_word_char, cue[:3])) and (o < 0x590 or 0x1E00 <= o < 0x2000)
    )


def _trie_pattern(words: Iterable[str]) -> str:
    """A regular expression matching any of ``words``, factored by shared prefixes so that the
    engine follows one path per position instead of trying every word; the longest word that
    matches at a position is the one it reports."""
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def emit(node: dict[str, Any]) -> str:
        alts = [re.escape(ch) + emit(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = alts[0] if len(alts) == 1 and "" not in node else "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return emit(trie)


class Lexicon:
    """Cue words and phrases of several kinds (lowercase), found in a lowercased line.

    Cues in Latin, Greek, Cyrillic or Armenian script match at the start of a word (a stem such
    as ``опубликова`` matches ``опубликовано``, but ``deel`` does not fire inside ``aandeel``);
    cues in other scripts, where clitics attach to words (Arabic, Hebrew) or words are not
    spaced (Chinese, Japanese, Thai), match anywhere. A line costs one pass whatever the size of
    the lexicon: the compiled one of :mod:`attrib.speedups` walks a trie from the places where a
    cue's first two characters stand; else pyahocorasick's Aho-Corasick automaton (the
    ``attrib[fast]`` extra); without either, prefix-tree
    patterns, the anywhere-cues one per script of their first letter and tried only on lines
    holding one of those letters. All find the same cues. ``automaton`` names the backend
    (``"c"``, ``"pyahocorasick"``, ``"re"``; True is pyahocorasick, False the patterns, None the
    first available); ``ATTRIB_LEXICON=python`` makes None the patterns.
    """

    def __init__(
        self, cues: Iterable[tuple[str, str]], *, automaton: bool | str | None = None
    ) -> None:
        self.cues = frozenset((kind, c) for kind, c in cues if len(c) >= 2)
        kinds: dict[str, list[str]] = {}
        for kind, cue in sorted(self.cues):
            kinds.setdefault(cue, []).append(kind)
        self.backend = _lexicon_backend(automaton)
        self._automaton = None
        self._compiled: Any = None
        if self.backend == "c":
            self.kinds = tuple(sorted({kind for kind, _ in self.cues}))
            bit = {kind: 1 << k for k, kind in enumerate(self.kinds)}
            self._cue_list = list(kinds)
            self._module = _require_compiled()
            self._compiled = self._module.Lexicon(
                [(c, _word_start_script(c), sum(bit[k] for k in kinds[c])) for c in self._cue_list],
                len(self.kinds),
            )
            self._pairs = [tuple((kind, c) for kind in kinds[c]) for c in self._cue_list]
            self._kind_ids = tuple(self.kinds.index(k) if k in bit else -1 for k in _CUE_KINDS)
            return
        if self.backend == "pyahocorasick":
            self._automaton = _automaton(kinds) if kinds else None
            return
        word_start = sorted(c for c in kinds if _word_start_script(c))
        by_script: dict[str, list[str]] = {}
        for cue in sorted(kinds.keys() - set(word_start)):
            by_script.setdefault(_first_script(cue), []).append(cue)
        # A pattern reports the longest cue at each position; the shorter cues it starts with
        # match there too.
        self._hits = {
            cue: tuple(
                (kind, cue[:k]) for k in range(2, len(cue) + 1) for kind in kinds.get(cue[:k], ())
            )
            for cue in kinds
        }
        self._word_start = (
            re.compile(rf"(?<!\w)(?=({_trie_pattern(word_start)}))") if word_start else None
        )
        groups = list(by_script.values())
        self._sources = [f"(?=({_trie_pattern(group)}))" for group in groups]
        # compiled on first use: most processes meet a few scripts of the sixty
        self._patterns: list[re.Pattern[str] | None] = [None] * len(groups)
        self._group_of = {cue[0]: k for k, group in enumerate(groups) for cue in group}
        self._firsts = frozenset(self._group_of)

    def __len__(self) -> int:
        return len(self.cues)

    def found(self, lowered: str) -> set[tuple[str, str]]:
        """The (kind, cue) pairs whose cue occurs in ``lowered``."""
        hits: set[tuple[str, str]] = set()
        if self._compiled is not None:
            for c in self._compiled.found(lowered):
                hits.update(self._pairs[c])
            return hits
        if self.backend == "pyahocorasick":
            if self._automaton is None:
                return hits
            for end, (back, word_start, pairs) in self._automaton.iter(lowered):
                i = end - back  # where the cue starts
                if word_start and i and (lowered[i - 1].isalnum() or lowered[i - 1] == "_"):
                    continue
                hits.update(pairs)
            return hits
        if self._word_start is not None:
            for cue in self._word_start.findall(lowered):
                hits.update(self._hits[cue])
        for k in {self._group_of[ch] for ch in self._firsts.intersection(lowered)}:
            pattern = self._patterns[k]
            if pattern is None:
                pattern = self._patterns[k] = re.compile(self._sources[k])
            for cue in pattern.findall(lowered):
                hits.update(self._hits[cue])
        return hits

    def counts(self, lowered: str) -> dict[str, int]:
        """How many different cues of each kind occur in ``lowered``."""
        if self._compiled is not None:
            counts = self._compiled.counts(lowered)
            return {kind: n for kind, n in zip(self.kinds, counts, strict=True) if n}
        out: dict[str, int] = {}
        for kind, _ in self.found(lowered):
            out[kind] = out.get(kind, 0) + 1
        return out


def _lexicon_backend(automaton: bool | str | None) -> str:
    if automaton is None:
        if os.environ.get("ATTRIB_LEXICON", "auto") == "python":
            return "re"
        if compiled_module() is not None:
            return "c"
        return "pyahocorasick" if automaton_available() else "re"
    if isinstance(automaton, bool):
        return "pyahocorasick" if automaton else "re"
    if automaton not in ("c", "pyahocorasick", "re"):
        raise ValueError(f"unknown lexicon backend {automaton!r}")
    return automaton


def _require_compiled() -> Any:
    compiled = compiled_module()
    if compiled is None:
        raise RuntimeError("the compiled module attrib._speedups is not available")
    return compiled


def automaton_available() -> bool:
    """True when pyahocorasick is installed and ``ATTRIB_LEXICON=python`` does not refuse it."""
    if os.environ.get("ATTRIB_LEXICON", "auto") == "python":
        return False
    return importlib.util.find_spec("ahocorasick") is not None


def _automaton(kinds: dict[str, list[str]]) -> Any:
    import ahocorasick

    automaton = ahocorasick.Automaton()
    for cue, cue_kinds in kinds.items():
        pairs = tuple((kind, cue) for kind in cue_kinds)
        automaton.add_word(cue, (len(cue) - 1, _word_start_script(cue), pairs))
    automaton.make_automaton()
    return automaton


def _first_script(cue: str) -> str:
    return _char_script(cue[0]) or "none"


def _is_word_char(ch: str) -> bool:
    return ch.isalnum() or ch == "_"


@functools.lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """The cue lexicon: the lists above and ``resources/cues.tsv`` (kind, language, cue)."""
    cues = {("syndication", c) for c in SYNDICATION_CUES}
    cues |= {("chrome", c) for c in CHROME_CUES} | {("photo", c) for c in PHOTO_CUES}
    table = resources.files("attrib") / "resources" / "cues.tsv"
    for line in table.read_text(encoding="utf-8").splitlines()[1:]:
        kind, _, cue = line.split("\t")
        cues.add((kind, cue.lower()))
    return Lexicon(cues)


_WWW_DOT = re.compile(r"[wW]{3}[.．。]")  # "www" and a dot, as _URL reads them


def _url_start(text: str) -> int:
    """Where the first match of :data:`_URL` can start at the earliest (``len(text)``: none)."""
    return url_start(text, _WWW_DOT, links=False)


def normalise_text(text: str) -> str:
    """The text the n-gram vectorizer sees: lowercase, hosts/URLs/e-mails/digits masked.

    Masking hosts makes phrasings generalise across sites: "appeared on §" is one pattern.

    >>> normalise_text("Source: https://www.argaam.com/x, 2024")
    'source: § 0'
    """
    return normalise_texts([text])[0]


def normalise_texts(texts: Iterable[str]) -> list[str]:
    """:func:`normalise_text` of each text, the compiled path looked up once."""
    compiled = compiled_module()
    if compiled is None:
        return [_normalised_masked(t, None) for t in texts]
    # a line with nothing to mask is lowercased, its digits made 0, in one compiled pass
    plain = compiled.plain_normalised
    return [p if (p := plain(t)) is not None else _normalised_masked(t, compiled) for t in texts]


def _normalised_masked(text: str, compiled: Any) -> str:
    """:func:`normalise_text` of a line that may hold something to mask."""
    start = _url_start(text) if compiled is None else compiled.url_start(text, True, False)
    text = sub_from(_URL, text, "§", start)
    if "@" in text:
        text = _EMAIL.sub("¤", text)
    hosts = find_hosts(text)
    for h in reversed(hosts):
        text = text[: h.start] + "§" + text[h.end :]
    if compiled is not None:
        return compiled.lower_digits(text)  # type: ignore[no-any-return]
    return _DIGITS.sub("0", text.lower())


def build_records(
    texts: Sequence[str],
    guesses: Sequence[Guess],
    languages: Sequence[str | None],
    mixed: Sequence[bool],
    article_language: str | None,
    article_script: str | None,
) -> list[Record]:
    """Describe each segment of one article in its context, one record per segment.

    The same function serves training and prediction, so the features cannot drift apart.
    """
    n = len(texts)
    long_flags = [is_paragraph(t) for t in texts]
    # a credit may quote the title; a first line too short to be one is not looked for
    headline = texts[0].strip() if n > 1 else ""
    if len(headline) < HEADLINE_CHARS:
        headline = ""
    compiled = compiled_module()
    # the same dicts in one compiled pass; the loop below is its reference
    if compiled is not None:
        return compiled.line_records(  # type: ignore[no-any-return]
            texts, guesses, languages, mixed, article_language, article_script, long_flags,
            headline,
        )  # fmt: skip
    long_after = [0] * n
    running = 0
    for i in range(n - 1, -1, -1):
        long_after[i] = running
        running += long_flags[i]
    records: list[Record] = []
    long_before = 0
    for i, text in enumerate(texts):
        g = guesses[i]
        records.append(
            {
                "text": text,
                "index": i,
                "count": n,
                "long_before": long_before,
                "long_after": long_after[i],
                "language": languages[i],
                "script": g.script,
                "article_language": article_language,
                "article_script": article_script,
                "mixed": bool(mixed[i]),
                "letters": g.letters,
                "prev": texts[i - 1] if i > 0 else "",
                "next": texts[i + 1] if i + 1 < n else "",
                "headline": headline,
            }
        )
        long_before += long_flags[i]
    return records


_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_PRIME = np.uint64(1_000_003)
_S29, _S31 = np.uint64(29), np.uint64(31)
_SALT = tuple(np.uint64(n * 0x94D049BB133111EB % 2**64) for n in range(9))  # one per n-gram length

HashedCounts = tuple[np.ndarray, np.ndarray, np.ndarray]
"""A CSR matrix as its (data, indices, indptr) arrays: float32 counts, int32, int32."""


def check_hash_params(ngram_range: tuple[int, int], n_features: int) -> tuple[int, int, int]:
    """Validate n-gram hashing parameters; returns (min length, max length, columns)."""
    lo, hi = ngram_range
    n = int(n_features)
    if not 1 <= lo <= hi <= 8:
        raise ValueError(f"ngram_range must satisfy 1 <= min <= max <= 8, got {ngram_range}")
    if n < 2 or n & (n - 1) or n > 2**31:  # columns are int32
        raise ValueError(f"n_features must be a power of two up to 2**31, got {n_features}")
    return lo, hi, n


def hash_ngrams(
    texts: Sequence[str], ngram_range: tuple[int, int] = (1, 4), n_features: int = 2**18
) -> HashedCounts:
    """Count hashed character n-grams inside words, for a whole batch of texts at once.

    The n-grams are those of scikit-learn's ``analyzer="char_wb"``: whitespace is collapsed,
    each text is padded with a space, and an n-gram never holds a space except at its ends.
    Each n-gram is hashed (a fixed 64-bit hash of its code points, so columns are the same on
    every machine) into one of ``n_features`` columns. Returns CSR arrays, one row per text,
    columns sorted. One compiled pass (:mod:`attrib.speedups`), else a few numpy operations per
    batch.
    """
    lo, hi, n_features = check_hash_params(ngram_range, n_features)
    compiled = compiled_module()
    if compiled is None:
        return _hash_ngrams_numpy(texts, lo, hi, n_features)
    counts, indices, indptr = compiled.hash_ngrams(texts, lo, hi, n_features)
    return (
        np.frombuffer(counts, dtype=np.float32),
        np.frombuffer(indices, dtype=np.int32),
        np.frombuffer(indptr, dtype=np.int32),
    )


def _hash_ngrams_numpy(texts: Sequence[str], lo: int, hi: int, n_features: int) -> HashedCounts:
    """:func:`hash_ngrams` in numpy: the reference the compiled pass is held to."""
    padded = [f" {joined} " if (joined := " ".join(t.split())) else "" for t in texts]
    n_rows = len(padded)
    empty = (np.zeros(0, np.float32), np.zeros(0, np.int32), np.zeros(n_rows + 1, np.int32))
    if not n_rows:
        return empty
    # One array of code points for the batch; NUL separates texts (text never holds NUL
    # here: split() keeps it, so it is replaced first).
    joined = "\x00".join(p.replace("\x00", " ") for p in padded)
    cp = np.frombuffer(joined.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    cp = cp.astype(np.uint64)
    lengths = np.fromiter(map(len, padded), dtype=np.int64, count=n_rows)
    # Keys (row * n_features + column) sort about twice as fast in 32 bits, when they fit.
    key_type = np.uint32 if n_rows * n_features <= 2**32 else np.int64
    row_of = np.repeat(np.arange(n_rows, dtype=key_type), lengths + 1)[: cp.size]
    sep, space = cp == 0, cp == 32
    keys = []
    h, bad = cp, sep
    for n in range(1, hi + 1):
        m = cp.size - n + 1
        if m <= 0:
            break
        if n > 1:
            h = h[:m] * _PRIME ^ cp[n - 1 : n - 1 + m]
            bad = bad[:m] | sep[n - 1 : n - 1 + m]
            if n >= 3:  # the window's new interior position
                bad = bad | space[n - 2 : n - 2 + m]
        if n >= lo:
            ok = ~bad
            keys.append(
                row_of[:m][ok] * key_type(n_features) + _bucket(h[ok], n, n_features, key_type)
            )
    if not keys:  # texts too short for any n-gram length
        return empty
    flat = np.sort(np.concatenate(keys))
    if not flat.size:  # every text empty
        return empty
    first = np.flatnonzero(np.r_[True, flat[1:] != flat[:-1]])
    counts = np.diff(np.r_[first, flat.size]).astype(np.float32)
    unique = flat[first]
    rows = unique // n_features
    indices = (unique - rows * n_features).astype(np.int32)
    indptr = np.searchsorted(rows, np.arange(n_rows + 1)).astype(np.int32)
    return counts, indices, indptr


def ngram_columns(
    text: str, ngram_range: tuple[int, int] = (1, 4), n_features: int = 2**18
) -> dict[str, int]:
    """The column of each n-gram of ``text``, to read a fitted model's weights by n-gram."""
    lo, hi, n_features = check_hash_params(ngram_range, n_features)
    joined = " ".join(text.split())
    padded = f" {joined} " if joined else ""
    grams = {
        padded[i : i + n]
        for n in range(lo, hi + 1)
        for i in range(len(padded) - n + 1)
        if " " not in padded[i + 1 : i + n - 1]
    }
    return {g: _column(g, n_features) for g in sorted(grams)}


def _bucket(h: np.ndarray, n: int, n_features: int, dtype: type = np.int64) -> np.ndarray:
    """Columns of n-grams of length ``n`` from their rolling hashes (uint64, wrapping)."""
    x = h + _SALT[n]
    x ^= x >> _S31
    x *= _MIX1
    x ^= x >> _S29
    return (x & np.uint64(n_features - 1)).astype(dtype)


def _column(gram: str, n_features: int) -> int:
    """The column of one n-gram, computed as :func:`hash_ngrams` does."""
    h = np.zeros(1, dtype=np.uint64)
    for k, ch in enumerate(gram):
        code = np.uint64(ord(ch))
        h = h + code if k == 0 else h * _PRIME ^ code
    return int(_bucket(h, len(gram), n_features)[0])


# Labels that mark a government, school or international body's site in every country
# (gov.uk, stat.go.jp, ibge.gov.br, who.int): such sites are cited in stories, not syndicated.
_INSTITUTION_LABELS = frozenset(
    {"gov", "go", "gob", "gouv", "govt", "gv", "edu", "ac", "mil", "int"}
)
_WORD_CHARS = re.compile(r"[^\W_]{2,}")  # a word of two letters or digits


def _institutional(domain: str) -> bool:
    return not _INSTITUTION_LABELS.isdisjoint(domain.split("."))


# Columns of a line's own features (_line_cues), read for the line and for its neighbours.
(
    _HOST, _URL_AT, _HOST_ONLY, _SYND, _CHROME, _INST_HOST, _PHOTO, _HOST_AT_END, _WORDS_AFTER,
    _INST_WORDS, _RESTRICTION, _OWN_SITE, _ROLE, _HASHTAGS, _SPEECH, _NAME_AT_END, _LOG_LENGTH,
    _LONG, _WORDS, _EMAIL_AT, _COLON_LABEL_AT, _COPYRIGHT_AT, _WRAPPED_AT, _ENDS_SENTENCE,
    _DIGIT_RATIO, _UPPER, _ENDS_COLON, _EMPTY,
) = range(_N_TEXT := 28)  # fmt: skip


@functools.lru_cache(maxsize=4096)  # each line is also its neighbours' prev and next
def _line_cues(text: str) -> tuple[float, ...]:
    """What a line's text alone says, in the columns above; its context is added per record."""
    return _own_features(text, lexicon())


@functools.lru_cache(maxsize=1024)  # a feed's repeated lines repeat their pieces
def piece_cues(line: str, cuts: tuple[int, ...]) -> dict[str, tuple[float, ...]]:
    """:func:`_line_cues` of ``line`` and of its pieces at each cut (the head
    ``line[:cut].rstrip()`` and the tail ``line[cut:]``), by text, from one compiled pass over the
    line and its hosts; empty without the compiled module or where a piece could read otherwise
    alone (a cut inside a word, a lowercase that is not character for character). A record may
    carry them as ``"cues"`` (:func:`context_matrix`); the dict is shared, not to be changed."""
    lex = lexicon()
    if lex._compiled is None or not cuts:
        return {}
    hosts = [(h.start, h.end, _institutional(h.domain)) for h in find_hosts(line)]
    found = lex._module.part_cues(
        lex._compiled,
        lex._kind_ids,
        _copyright_lexicon(lex._module),
        line,
        lex._module.lower(line),
        cuts,
        hosts,
    )
    if found is None:
        return {}
    texts = [line]
    for cut in cuts:
        texts += [line[:cut].rstrip(), line[cut:]]
    return dict(zip(texts, found, strict=True))


# The kinds whose counts _own_features reads, in the order the compiled pass takes them.
_CUE_KINDS = ("syndication", "chrome", "photo", "institution", "restriction", "own_site", "role", "speech")  # fmt: skip


def _own_features(text: str, lex: Lexicon) -> tuple[float, ...]:
    """:func:`_line_cues` with the given lexicon: in one compiled pass when the lexicon is the
    compiled one, else in Python (the reference, which a test holds the compiled pass to)."""
    hosts = find_hosts(text)
    host_chars = sum(h.end - h.start for h in hosts)
    if lex._compiled is not None:
        return lex._module.line_cues(
            lex._compiled,
            lex._kind_ids,
            _copyright_lexicon(lex._module),
            text,
            lex._module.lower(text),  # str.lower(), from a table of the characters
            len(hosts),
            host_chars,
            hosts[-1].end if hosts else 0,
            bool(hosts) and all(_institutional(h.domain) for h in hosts),
        )
    lowered = text.lower()
    cues = lex.counts(lowered)
    stripped = len(text.strip()) or 1
    # A credit ends with its host; a story names a site mid-sentence and goes on.
    after = text[hosts[-1].end :] if hosts else ""
    words_after = len(_WORD_CHARS.findall(after)) if hosts else 0
    length = len(text)
    marks = text.translate(_DIGIT_UPPER)  # "d" per digit, "u" per capital, the rest dropped
    return (
        float(bool(hosts)),
        float(_url_start(text) < len(text) and bool(_URL.search(text))),
        float(bool(hosts) and host_chars / stripped > 0.6),
        float(min(cues.get("syndication", 0), 3)),
        float(min(cues.get("chrome", 0), 3)),
        float(bool(hosts) and all(_institutional(h.domain) for h in hosts)),
        float("photo" in cues),
        float(bool(hosts) and words_after == 0),
        min(words_after, 10) / 10,
        min(cues.get("institution", 0), 2) / 2,
        min(cues.get("restriction", 0), 2) / 2,
        min(cues.get("own_site", 0), 2) / 2,
        min(cues.get("role", 0), 2) / 2,
        _hashtag_share(text),
        min(cues.get("speech", 0), 2) / 2,
        _name_at_end(text),
        math.log1p(length) / 7,
        float(is_paragraph(text)),
        min(len(text.split()), 40) / 40,
        float("@" in text and bool(_EMAIL.search(text))),
        float(bool(_COLON_LABEL.match(text))),
        float(bool(_COPYRIGHT.search(lowered))),
        float(bool(_WRAPPED.match(text))),
        float(bool(_TERMINAL.search(text))),
        marks.count("d") / max(length, 1),
        float(marks.count("u")),
        float(text.rstrip().endswith((":", "："))),
        float(not text),
    )


@functools.lru_cache(maxsize=2)
def _copyright_lexicon(module: Any) -> Any:
    """The copyright marks (:data:`_COPYRIGHT`) as a compiled lexicon: found anywhere."""
    return module.Lexicon([(m, False, 1) for m in _COPYRIGHT_MARKS], 1)


def _name_at_end(text: str) -> float:
    """1.0 when the line's last word is capitalised and does not open it: credits name the
    outlet last (``Relayé depuis le bulletin de RFI.``). Scripts without case never fire."""
    end = len(text)
    while end and not text[end - 1].isalnum():  # a loop, not a regex: linear on any input
        end -= 1
    words = text[:end].split()
    if len(words) < 2:
        return 0.0
    first = next((ch for ch in words[-1] if ch.isalnum()), "")
    return float(first.isupper())


class _DigitUpperTable(dict[int, str | None]):
    """A ``str.translate`` table marking digits and capitals; each code point is classified on
    first sight (``str.isdigit``, ``str.isupper``: no character is both) and kept, so later
    lookups stay in C."""

    def __missing__(self, code: int) -> str | None:
        ch = chr(code)
        mark = self[code] = "d" if ch.isdigit() else "u" if ch.isupper() else None
        return mark


_DIGIT_UPPER = _DigitUpperTable()


def _hashtag_share(text: str) -> float:
    """The share of words that are hashtags (a tag line, not a credit)."""
    if "#" not in text:
        return 0.0
    words = text.split()
    return sum(w.startswith("#") for w in words) / len(words)


# The matrix a record's features are read from: its own text's columns (_line_cues), its
# neighbours', then the columns of its place in the article (_fill_place_columns).
_PREV, _NEXT, _PLACE = _N_TEXT, 2 * _N_TEXT, 3 * _N_TEXT
(
    _REL_POS, _IS_FIRST, _IS_LAST, _TO_END, _LONG_BEFORE, _LONG_AFTER, _SYND_SHARE,
    _CHROME_SHARE, _UPPER_RATIO, _LANG_DIFFERS, _SCRIPT_DIFFERS, _MIXED, _NO_LETTERS,
    _PREV_SYND_SHARE, _NEXT_SYND_SHARE, _MID, _END, _NO_SYND, _CHROME_NO_HOST, _QUOTES_HEADLINE,
) = range(_PLACE, _PLACE + (_N_PLACE := 20))  # fmt: skip

# Each feature is a column of that matrix, or the product of two.
_FEATURES: dict[str, int | tuple[int, int]] = {
    "relative_position": _REL_POS,
    "is_first": _IS_FIRST,
    "is_last": _IS_LAST,
    "lines_to_end": _TO_END,
    "long_lines_before": _LONG_BEFORE,
    "long_lines_after": _LONG_AFTER,
    "log_length": _LOG_LENGTH,
    "is_long": _LONG,
    "words": _WORDS,
    "has_host": _HOST,
    "has_url": _URL_AT,
    "host_only": _HOST_ONLY,
    "syndication_cues": _SYND_SHARE,
    "chrome_cues": _CHROME_SHARE,
    "photo_cues": _PHOTO,
    "has_email": _EMAIL_AT,
    "colon_label": _COLON_LABEL_AT,
    "copyright": _COPYRIGHT_AT,
    "wrapped": _WRAPPED_AT,
    "ends_sentence": _ENDS_SENTENCE,
    "digit_ratio": _DIGIT_RATIO,
    "upper_ratio": _UPPER_RATIO,
    "language_differs": _LANG_DIFFERS,
    "script_differs": _SCRIPT_DIFFERS,
    "mixed_language": _MIXED,
    "no_letters": _NO_LETTERS,
    "prev_has_host": _PREV + _HOST,
    "prev_host_only": _PREV + _HOST_ONLY,
    "prev_syndication_cues": _PREV_SYND_SHARE,
    "prev_ends_colon": _PREV + _ENDS_COLON,
    "prev_is_long": _PREV + _LONG,
    "next_has_host": _NEXT + _HOST,
    "next_host_only": _NEXT + _HOST_ONLY,
    "next_syndication_cues": _NEXT_SYND_SHARE,
    "next_is_long": _NEXT + _LONG,
    "next_is_empty": _NEXT + _EMPTY,
    "ends_colon": _ENDS_COLON,
    "mid_article": _MID,
    "after_last_paragraph": _END,
    "mid_x_colon_label": (_MID, _COLON_LABEL_AT),
    "mid_x_host": (_MID, _HOST),
    "mid_x_syndication_cues": (_MID, _SYND_SHARE),
    "long_x_host": (_LONG, _HOST),
    "long_x_syndication_cues": (_LONG, _SYND_SHARE),
    "end_x_host": (_END, _HOST),
    "end_x_syndication_cues": (_END, _SYND_SHARE),
    "colon_x_next_host": (_ENDS_COLON, _NEXT + _HOST),
    "colon_x_next_empty": (_ENDS_COLON, _NEXT + _EMPTY),
    # the site's own copyright line often writes its domain; a credit adds a cue word
    "copyright_x_host": (_COPYRIGHT_AT, _HOST),
    "copyright_x_no_syndication_cues": (_COPYRIGHT_AT, _NO_SYND),
    "chrome_x_no_host": _CHROME_NO_HOST,
    "institution_host": _INST_HOST,
    "host_at_end": _HOST_AT_END,
    "words_after_host": _WORDS_AFTER,
    "institution_words": _INST_WORDS,
    "prev_institution_words": _PREV + _INST_WORDS,
    # "reproduction prohibited" is the site's own notice; "reproduced with permission" a credit
    "restriction_words": _RESTRICTION,
    "copyright_x_restriction": (_COPYRIGHT_AT, _RESTRICTION),
    "syndication_x_restriction": (_SYND_SHARE, _RESTRICTION),
    "own_site_words": _OWN_SITE,
    "role_words": _ROLE,
    "hashtags": _HASHTAGS,
    # "she said" is story prose, never a credit or chrome
    "speech_words": _SPEECH,
    "name_at_end": _NAME_AT_END,
    "end_x_name_at_end": (_END, _NAME_AT_END),
    # "The post <headline> appeared first on …": credits quote the title; the story does not
    "quotes_headline": _QUOTES_HEADLINE,
}
CONTEXT_FEATURES: tuple[str, ...] = tuple(_FEATURES)
_COPIED = [(k, v) for k, v in enumerate(_FEATURES.values()) if isinstance(v, int)]
_MULTIPLIED = [(k, v) for k, v in enumerate(_FEATURES.values()) if isinstance(v, tuple)]
_COPY_TO, _COPY_FROM = (np.array(c) for c in zip(*_COPIED, strict=True))
_PRODUCT_TO = np.array([k for k, _ in _MULTIPLIED])
_FACTOR_A, _FACTOR_B = (np.array(c) for c in zip(*(ab for _, ab in _MULTIPLIED), strict=True))


def _record_place(r: Record) -> tuple[float, ...]:
    text: str = r["text"]
    return (
        r["index"],
        r["count"],
        r["long_before"],
        r["long_after"],
        r["letters"],
        r["language"] is not None and r["language"] != r["article_language"],
        r["script"] is not None and r["script"] != r["article_script"],
        r["mixed"],
        r["index"] > 0 and bool(r["headline"]) and r["headline"] in text,
    )


def _fill_place_columns(records: Sequence[Record], table: np.ndarray) -> None:
    """Fill the columns _PLACE onwards of ``table``, whose first columns hold each record's own
    and its neighbours' text columns, one row per record."""
    i, n, before, after, letters, lang_differs, script_differs, mixed, headline = np.array(
        [_record_place(r) for r in records], dtype=float
    ).T
    own, prev, nxt = table[:, :_PREV], table[:, _PREV:_NEXT], table[:, _NEXT:_PLACE]
    columns = (
        np.divide(i, n - 1, out=np.ones(len(i)), where=n > 1),
        i == 0,
        i == n - 1,
        np.minimum(n - 1 - i, 6) / 6,
        np.minimum(before, 3) / 3,
        np.minimum(after, 3) / 3,
        own[:, _SYND] / 3,
        own[:, _CHROME] / 3,
        own[:, _UPPER] / np.maximum(letters, 1),
        lang_differs,
        script_differs,
        mixed,
        letters == 0,
        prev[:, _SYND] / 3,
        nxt[:, _SYND] / 3,
        (before > 0) & (after > 0),
        (after == 0) & (before > 0),
        own[:, _SYND] == 0,
        (own[:, _CHROME] > 0) & (own[:, _HOST] == 0),
        headline,
    )
    for k, column in enumerate(columns):
        table[:, _PLACE + k] = column


def context_matrix(records: Sequence[Record]) -> np.ndarray:
    """The context features of each record: shape (n_records, len(CONTEXT_FEATURES)).

    A line's own features are computed once per distinct text (:func:`_line_cues`, shared with
    its neighbours' records; or taken from the record's ``"cues"``, a dict from text to them,
    when it carries one: :func:`piece_cues`), put side by side with its neighbours' and its
    place in the article, and the features are read from that matrix for all records at once.
    """
    out = np.zeros((len(records), len(CONTEXT_FEATURES)))
    if not len(records):
        return out
    compiled = _context_layout_set()
    if compiled is not None:  # the same matrix in one compiled pass
        flat = compiled.context_matrix(records, _line_cues)
        return np.frombuffer(flat, dtype=np.float64).reshape(out.shape)
    # a line's text is also its neighbours' prev and next: each distinct text is looked up once
    row: dict[str, int] = {}
    at = [row.setdefault(r[key], len(row)) for key in ("text", "prev", "next") for r in records]
    known = {t: v for r in records for t, v in r.get("cues", {}).items()}
    cues = np.array([known[t] if t in known else _line_cues(t) for t in row])[at]
    m = len(records)
    table = np.empty((m, _PLACE + _N_PLACE))
    table[:, :_PLACE] = cues.reshape(3, m, _N_TEXT).transpose(1, 0, 2).reshape(m, _PLACE)
    _fill_place_columns(records, table)
    out[:, _COPY_TO] = table[:, _COPY_FROM]
    out[:, _PRODUCT_TO] = table[:, _FACTOR_A] * table[:, _FACTOR_B]
    return out


def _context_layout_set() -> Any:
    """The compiled module with this module's context layout set in it, or None."""
    return prepared(compiled_module(), _set_context_layout)


@functools.lru_cache(maxsize=2)
def _set_context_layout(compiled: Any) -> None:
    compiled.set_context_layout(
        _N_TEXT,
        _N_PLACE,
        len(CONTEXT_FEATURES),
        _COPY_TO.tolist(),
        _COPY_FROM.tolist(),
        _PRODUCT_TO.tolist(),
        _FACTOR_A.tolist(),
        _FACTOR_B.tolist(),
        _SYND,
        _CHROME,
        _UPPER,
        _HOST,
    )


_ESTIMATORS = frozenset({"TextView", "CharNgramHasher", "ContextFeatures"})


def __getattr__(name: str) -> Any:
    # The scikit-learn transformers live in classify.py so that this stage imports without
    # scikit-learn; models pickled when they lived here still load.
    if name in _ESTIMATORS:
        from . import classify

        return getattr(classify, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
