"""Stage 2: the language of each segment and of the article.

Unicode script settles most answers (Hangul is Korean, kana is Japanese, Thai is Thai); the rest
goes to langdetect, seeded in a private factory so that every process gives the same answer and
the caller's own ``langdetect.DetectorFactory`` is left alone. URLs, domains and e-mail addresses
are masked first: they never count as language.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
import warnings
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import itemgetter
from types import ModuleType

import numpy as np

from . import langdetect_compiled
from .speedups import compiled_module, maker, prepared

__all__ = [
    "Guess",
    "article_language",
    "article_votes",
    "backend",
    "dominant_script",
    "guess_all",
    "guess_many_in",
    "detect_language",
    "detect_languages",
    "detect_planned",
    "guess",
    "GuessPlan",
    "is_mixed",
    "mixed_all",
    "mask",
    "plan_guesses",
    "script_marks",
    "script_of",
    "ScriptTable",
]

_URL = re.compile(r"(?:https?://|www\.)\S+|\[[^\]\n]*\]\([^)\n]*\)", re.IGNORECASE)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:[.．。][\w-]+)+")
_DOMAIN = re.compile(
    r"\b[\w-]+(?:[.．。｡][\w-]+)*[.．。｡](?:[a-z]{2,}|xn--[\w-]+)\b", re.IGNORECASE
)
# A domain ends in a dot and a letter: lines without one need no domain masking.
_DOT_LETTER = re.compile(r"[.．。｡][^\W\d_]")
_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*")

# (script, ranges); order matters only for speed.
_SCRIPT_RANGES: tuple[tuple[str, tuple[tuple[int, int], ...]], ...] = (
    ("Latn", ((0x41, 0x24F), (0x1E00, 0x1EFF))),
    ("Cyrl", ((0x400, 0x52F),)),
    ("Arab", ((0x600, 0x6FF), (0x750, 0x77F), (0x8A0, 0x8FF), (0xFB50, 0xFDFF), (0xFE70, 0xFEFF))),
    ("Hebr", ((0x590, 0x5FF), (0xFB1D, 0xFB4F))),
    ("Grek", ((0x370, 0x3FF), (0x1F00, 0x1FFF))),
    ("Deva", ((0x900, 0x97F),)),
    ("Beng", ((0x980, 0x9FF),)),
    ("Thai", ((0xE00, 0xE7F),)),
    ("Hang", ((0xAC00, 0xD7AF), (0x1100, 0x11FF), (0x3130, 0x318F))),
    ("Kana", ((0x3040, 0x30FF), (0x31F0, 0x31FF), (0xFF66, 0xFF9F))),
    ("Hani", ((0x4E00, 0x9FFF), (0x3400, 0x4DBF), (0xF900, 0xFAFF), (0x20000, 0x2FA1F))),
    ("Geor", ((0x10A0, 0x10FF),)),
    ("Armn", ((0x530, 0x58F),)),
    ("Taml", ((0xB80, 0xBFF),)),
    ("Telu", ((0xC00, 0xC7F),)),
    ("Knda", ((0xC80, 0xCFF),)),
    ("Mlym", ((0xD00, 0xD7F),)),
    ("Guru", ((0xA00, 0xA7F),)),
    ("Gujr", ((0xA80, 0xAFF),)),
    ("Sinh", ((0xD80, 0xDFF),)),
    ("Khmr", ((0x1780, 0x17FF),)),
    ("Laoo", ((0xE80, 0xEFF),)),
    ("Mymr", ((0x1000, 0x109F),)),
    ("Ethi", ((0x1200, 0x139F),)),
)
# Scripts that name one language among those langdetect knows (or that it cannot tell apart).
_SCRIPT_LANGUAGE = {
    "Hang": "ko", "Kana": "ja", "Thai": "th", "Grek": "el", "Hebr": "he", "Beng": "bn",
    "Geor": "ka", "Armn": "hy", "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml",
    "Guru": "pa", "Gujr": "gu", "Sinh": "si", "Khmr": "km", "Laoo": "lo", "Mymr": "my",
    "Ethi": "am",
}  # fmt: skip
_CJK = frozenset({"Hani", "Kana", "Hang", "Thai"})  # scripts written without spaces
# Enough text in the article's own script for langdetect to tell another language.
_SAME_SCRIPT_MIN_LETTERS = 25
_SAME_SCRIPT_MIN_WORDS = 4


def _char_script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    o = ord(ch)
    for script, ranges in _SCRIPT_RANGES:
        for lo, hi in ranges:
            if lo <= o <= hi:
                return script
    return "Zyyy"


_SCRIPTS = tuple(name for name, _ in _SCRIPT_RANGES) + ("Zyyy",)
_SCRIPT_MARK = {name: chr(0xE000 + k) for k, name in enumerate(_SCRIPTS)}  # private-use marks
_MARK_SCRIPT = {mark: name for name, mark in _SCRIPT_MARK.items()}


class ScriptTable(dict[int, str | None]):
    """A ``str.translate`` table from a code point to a mark for its script: ``marks[script]``,
    ``marks[None]`` for a non-letter, ``default`` for a script ``marks`` does not name. Each
    code point is looked up on first sight and kept, so later lookups stay in C."""

    def __init__(self, marks: dict[str | None, str | None], default: str | None = None) -> None:
        super().__init__()
        self._marks, self._default = marks, default

    def __missing__(self, code: int) -> str | None:
        mark = self[code] = self.mark(_char_script(chr(code)))
        return mark

    def mark(self, script: str | None) -> str | None:
        """The mark of a script (None: not a letter)."""
        return self._marks.get(script, self._default)


_SCRIPT_TABLE = ScriptTable({None: None, **_SCRIPT_MARK})


def script_marks(text: str) -> str:
    """``text`` with each letter replaced by its script's mark and everything else dropped."""
    return text.translate(_SCRIPT_TABLE)


_WWW_DOT = re.compile(r"[wW]{3}\.")  # "www." in any case, as _URL reads it


def url_start(text: str, www: re.Pattern[str], links: bool) -> int:
    """Where the first match of a URL pattern can start at the earliest (``len(text)``: there
    is none): five characters before the first "://", at the first match of ``www`` (the
    pattern's "www" and its dots), or, with ``links``, at the first "[" of a text with a "](" .
    """
    i = text.find("://")
    lo = len(text) if i < 0 else max(i - 5, 0)
    if links and "](" in text and 0 <= (j := text.find("[")) < lo:
        lo = j
    if not _may_have_www(text):
        return lo
    m = www.search(text, 0, lo + 3)
    return m.start() if m and m.start() < lo else lo


def _may_have_www(text: str) -> bool:
    """False when ``text`` has no "www" in any case: each holds one of these four pairs, which
    plain substring searches find faster than a pattern."""
    return "ww" in text or "WW" in text or "wW" in text or "Ww" in text


def sub_from(pattern: re.Pattern[str], text: str, repl: str, start: int) -> str:
    """``pattern.sub(repl, text)`` for a pattern that cannot match before ``start`` and a plain
    ``repl``: the text before it is not searched. Lookbehinds still see it."""
    if start >= len(text):
        return text
    pieces, last = [], 0
    for m in pattern.finditer(text, start):
        pieces += (text[last : m.start()], repl)
        last = m.end()
    return "".join(pieces) + text[last:] if pieces else text


def mask(text: str) -> str:
    """Blank out URLs, Markdown links, e-mail addresses and domains.

    >>> mask("Read it on www.argaam.com or mail desk@example.org today")
    'Read it on   or mail   today'
    """
    compiled = compiled_module()
    if compiled is not None and compiled.plain_mask(text):
        return text  # one compiled pass says no pattern below can match
    return _mask_addresses(text, compiled)


def _mask_addresses(text: str, compiled: ModuleType | None) -> str:
    """:func:`mask` of a text that may hold something to mask."""
    start = (
        url_start(text, _WWW_DOT, links=True)
        if compiled is None
        else compiled.url_start(text, False, True)  # the same, in one pass
    )
    text = sub_from(_URL, text, " ", start)
    if "@" in text:
        text = _EMAIL.sub(" ", text)
    if not _DOT_LETTER.search(text):
        return text
    if compiled is None:
        return _DOMAIN.sub(" ", text)
    # only the stretches that may hold a domain are searched (the same matches)
    pieces, last = [], 0
    for start, end in compiled.host_windows(text):
        for m in _DOMAIN.finditer(text, start, end):
            pieces += (text[last : m.start()], " ")
            last = m.end()
    return "".join(pieces) + text[last:] if pieces else text


def script_of(text: str) -> tuple[str | None, Counter[str]]:
    """Return the dominant script of ``text`` (ISO 15924-like code) and the letter counts.

    Han with any kana counts as Japanese script (``Kana``).

    >>> script_of("ظهرت في الأصل")[0], script_of("東京の天気")[0]
    ('Arab', 'Kana')
    """
    if text.isascii():  # the common case, without a lookup per character
        n = sum(map(str.isalpha, text))
        return ("Latn", Counter({"Latn": n})) if n else (None, Counter())
    marks = script_marks(text)
    counts = Counter({_MARK_SCRIPT[m]: marks.count(m) for m in set(marks)})
    if not counts:
        return None, counts
    if counts["Kana"] and counts["Kana"] * 10 >= counts["Hani"]:
        return "Kana", counts
    # the most letters; a tie goes to the script seen first, as Counter.most_common did
    best = min(counts, key=lambda s: (-counts[s], marks.index(_SCRIPT_MARK[s])))
    return best, counts


def backend() -> str:
    """The langdetect implementation in use, each giving langdetect's answers bit for bit.

    ``c``: langdetect's detector in the compiled module (:mod:`attrib.langdetect_compiled`), when
    it was built; else ``langdetect_rs`` when installed (the ``attrib[fast]`` extra); else plain
    ``langdetect``. ``ATTRIB_LANGDETECT=python`` forces plain langdetect and
    ``ATTRIB_LANGDETECT=langdetect_rs`` langdetect-rs.
    """
    choice = os.environ.get("ATTRIB_LANGDETECT", "auto")
    if choice == "python":
        return "langdetect"
    if choice == "auto" and _compiled_detector() is not None:
        return "c"
    try:
        importlib.import_module("langdetect_rs")
        return "langdetect_rs"
    except ImportError:
        return "langdetect"


@functools.lru_cache(maxsize=2)
def _factory(module: str):  # type: ignore[no-untyped-def]
    # A private factory: the caller's own langdetect (global factory, seed) is never touched.
    dfm = importlib.import_module(f"{module}.detector_factory")
    factory = dfm.DetectorFactory()
    factory.load_profile(dfm.PROFILES_DIRECTORY)
    factory.set_seed(0)  # on this instance only
    error = importlib.import_module(f"{module}.lang_detect_exception").LangDetectException
    return factory, error


def _normalise_code(code: str) -> str:
    return "zh" if code.startswith("zh") else code.split("-")[0]


def _merged(probs: Sequence[tuple[str, float]]) -> tuple[tuple[str, float], ...]:
    if len(probs) == 1:  # most lines: one language, nothing to merge
        lang, prob = probs[0]
        return ((_normalise_code(lang), prob),)
    merged: dict[str, float] = {}
    for lang, prob in probs:
        code = _normalise_code(lang)
        merged[code] = merged.get(code, 0.0) + prob
    return tuple(sorted(merged.items(), key=lambda kv: -kv[1]))


_Raw = Sequence[tuple[str, float]] | None  # get_probabilities() as pairs; None: no features


def _factory_detector(module: str) -> Callable[[Sequence[str]], list[_Raw]]:
    """langdetect's (or langdetect-rs's) Python API on the private factory."""
    factory, error = _factory(module)

    def detect(texts: Sequence[str]) -> list[_Raw]:
        out: list[_Raw] = []
        for text in texts:
            detector = factory.create()
            detector.append(text)
            try:
                out.append([(p.lang, p.prob) for p in detector.get_probabilities()])
            except error:
                out.append(None)
        return out

    return detect


@functools.lru_cache(maxsize=1)
def _compiled_detector() -> Callable[[Sequence[str]], list[_Raw]] | None:
    """langdetect's detector in the compiled module, seeded 0; None without the module, or with
    a warning when the installed langdetect is not one it reproduces."""
    detect = langdetect_compiled.load(seed=0)
    if detect is None and compiled_module() is not None:
        why = langdetect_compiled.unsupported()  # load() checked it; asked again only to say why
        if why is not None:
            warnings.warn(f"langdetect runs uncompiled: {why}", RuntimeWarning, stacklevel=2)
    return detect


@functools.lru_cache(maxsize=1)
def _detector() -> Callable[[Sequence[str]], list[_Raw]]:
    """The backend's detection of many texts, one at a time in the calling thread, seeded 0."""
    name = backend()
    if name == "c":
        detect = _compiled_detector()
        if detect is not None:
            return detect
    if name == "langdetect_rs":
        try:  # its core call, without its Python wrapper objects
            seed_state = importlib.import_module("langdetect_rs._seed").seed_state
            core = _factory("langdetect_rs")[0]._core
            state = seed_state(0)  # the private factory's seed
            detect_langs = core.detect_langs
        except (ImportError, AttributeError):  # another langdetect-rs layout: its Python API
            return _factory_detector("langdetect_rs")
        # Its batch entry runs on a thread pool (rayon): for an article's few lines handing them
        # to the pool cost more than it saved, and batch scoring's workers use the other cores.
        return lambda texts: [detect_langs(t, state) for t in texts]
    return _factory_detector("langdetect")


def detect_language(text: str) -> tuple[tuple[str, float], ...]:
    """Return langdetect's (language, probability) pairs for ``text``, best first.

    Deterministic: the same text gives the same answer in every process. Returns ``()`` when
    langdetect finds no features (empty, digits only, URL only).
    """
    return detect_languages([text])[0]


def detect_languages(texts: Sequence[str]) -> list[tuple[tuple[str, float], ...]]:
    """:func:`detect_language` for many texts."""
    if not texts:
        return []
    return [() if r is None else _merged(r) for r in _detector()(texts)]


@dataclass(frozen=True, slots=True)
class Guess:
    """What stage 2 knows about one segment's language."""

    language: str | None
    """Best ISO 639-1 code, or None when there are no letters to judge."""
    script: str | None
    """Dominant script of the masked text."""
    letters: int
    """Letters left after masking."""
    words: int
    """Words left after masking (characters for scripts written without spaces)."""
    candidates: tuple[tuple[str, float], ...]
    """langdetect's candidates, empty when the script settled the answer."""

    @property
    def judgeable(self) -> bool:
        """Enough text that a language difference means something (not a lone name or number)."""
        if self.language is None:
            return False
        if self.script in _CJK:
            return self.letters >= 4
        return self.words >= 2 and self.letters >= 6


_make_guess = maker(Guess)  # Guess(...), without the dataclass __init__ when compiled


def _guess_script(text: str) -> tuple[Guess, str]:
    """What the script settles, and the masked text for langdetect."""
    return _guess_scripts([text])[0]


def _guess_scripts(texts: Sequence[str]) -> list[tuple[Guess, str]]:
    """:func:`_guess_script` for many texts, their scripts and words counted in one pass."""
    compiled = compiled_scripts()
    if compiled is not None:  # masking, counting and the guesses in one compiled pass
        return compiled.script_guesses(  # type: ignore[no-any-return]
            texts, _mask_rest(compiled), _make_guess, _tie_script, *_SCRIPT_TABLES, _KANA, _HANI
        )
    return _python_guess_scripts(texts)


def _python_guess_scripts(texts: Sequence[str]) -> list[tuple[Guess, str]]:
    """:func:`_guess_scripts` without the compiled module (its reference)."""
    masked = [mask(t) for t in texts]
    out = []
    for m, (script, letters, words) in zip(masked, _scripts_and_words(masked), strict=True):
        if script is None:
            out.append((_make_guess(None, None, 0, 0, ()), m))
            continue
        if script in _CJK:
            words = letters
        language = "zh" if script == "Hani" else _SCRIPT_LANGUAGE.get(script)
        out.append((_make_guess(language, script, letters, words, ()), m))
    return out


def _scripts_and_words(texts: Sequence[str]) -> list[tuple[str | None, int, int]]:
    """:func:`_scripts_of` and the number of :data:`_WORD` matches of each text (the compiled
    pass counts both in :func:`_guess_scripts`)."""
    return [
        (script, letters, len(_WORD.findall(t)) if script is not None else 0)
        for t, (script, letters) in zip(texts, _scripts_of(texts), strict=True)
    ]


def compiled_scripts() -> ModuleType | None:
    """The compiled module (:mod:`attrib.speedups`), with this module's script of each code point
    set in it; None without it."""
    return prepared(compiled_module(), _set_scripts)


@functools.lru_cache(maxsize=2)
def _set_scripts(compiled: ModuleType) -> None:
    astral = tuple(
        (max(lo, _TABLE_SIZE), hi, k + 1)
        for k, (_, ranges) in enumerate(_SCRIPT_RANGES)
        for lo, hi in ranges
        if hi >= _TABLE_SIZE
    )  # the first range to list a letter wins, as in _char_script
    compiled.set_scripts(_script_ids().tobytes(), astral, len(_SCRIPTS))


_TABLE_SIZE = 0x10000  # the Basic Multilingual Plane; letters beyond it take a slower path


@functools.lru_cache(maxsize=1)
def _script_ids() -> np.ndarray:
    """Code point -> 1 + index in _SCRIPTS for a letter (``_char_script``), 0 for the rest."""
    alpha = np.fromiter((chr(c).isalpha() for c in range(_TABLE_SIZE)), bool, _TABLE_SIZE)
    ids = np.where(alpha, len(_SCRIPTS), 0).astype(np.uint8)  # Zyyy unless a range says more
    for k in range(len(_SCRIPT_RANGES) - 1, -1, -1):  # the first range to list a letter wins
        for lo, hi in _SCRIPT_RANGES[k][1]:
            if lo < _TABLE_SIZE:
                span = slice(lo, min(hi, _TABLE_SIZE - 1) + 1)
                ids[span] = np.where(alpha[span], k + 1, ids[span])
    return ids


_KANA, _HANI = (_SCRIPTS.index(s) for s in ("Kana", "Hani"))  # columns of the counts
# Per script, as script_guesses reads them: its name, the language it settles, and whether it
# is written without spaces.
_SCRIPT_TABLES = (
    _SCRIPTS,
    tuple("zh" if s == "Hani" else _SCRIPT_LANGUAGE.get(s) for s in _SCRIPTS),
    tuple(s in _CJK for s in _SCRIPTS),
)


def _tie_script(text: str) -> str | None:
    return script_of(text)[0]


@functools.lru_cache(maxsize=2)
def _mask_rest(compiled: ModuleType) -> Callable[[str], str]:
    return functools.partial(_mask_addresses, compiled=compiled)


def _scripts_of(texts: Sequence[str]) -> list[tuple[str | None, int]]:
    """The dominant script of each text and its letter count, as :func:`script_of` gives them,
    counted for all texts at once; the rare ties between scripts go to :func:`script_of`."""
    n = len(texts)
    if not n:
        return []
    cp = np.frombuffer("".join(texts).encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    lengths = np.fromiter(map(len, texts), dtype=np.intp, count=n)
    ids = _script_ids()[np.minimum(cp, _TABLE_SIZE - 1)]
    beyond = np.flatnonzero(cp >= _TABLE_SIZE)
    for i in beyond:  # letters of later planes, if any
        script = _char_script(chr(int(cp[i])))
        ids[i] = 0 if script is None else 1 + _SCRIPTS.index(script)
    width = len(_SCRIPTS) + 1
    row = np.repeat(np.arange(n), lengths)
    counts = np.bincount(row * width + ids, minlength=n * width).reshape(n, width)[:, 1:]
    letters = counts.sum(axis=1)
    kana = (counts[:, _KANA] > 0) & (counts[:, _KANA] * 10 >= counts[:, _HANI])
    best = counts.argmax(axis=1)
    tied = (counts == counts.max(axis=1, keepdims=True)).sum(axis=1) > 1
    out: list[tuple[str | None, int]] = []
    for k in range(n):
        if not letters[k]:
            out.append((None, 0))
        elif kana[k]:
            out.append(("Kana", int(letters[k])))
        elif tied[k]:
            out.append((script_of(texts[k])[0], int(letters[k])))
        else:
            out.append((_SCRIPTS[best[k]], int(letters[k])))
    return out


def _with_candidates(g: Guess, candidates: tuple[tuple[str, float], ...]) -> Guess:
    language = candidates[0][0] if candidates else None
    return _make_guess(language, g.script, g.letters, g.words, candidates)


def guess(text: str, *, detect: bool = True) -> Guess:
    """Guess the language of one segment; with ``detect=False`` only what the script settles.

    >>> guess("ظهرت في الأصل على www.argaam.com").language
    'ar'
    >>> guess("www.argaam.com").language is None
    True
    >>> guess("Leave a Comment", detect=False).language is None
    True
    """
    g, masked = _guess_script(text)
    if not detect or g.script is None or g.language is not None:
        return g
    return _with_candidates(g, detect_language(masked))


def _worth_detecting(g: Guess, article_script: str | None) -> bool:
    """Can langdetect change this segment's answer? Only for text in another script than the
    article's, or enough text in the same script to be sure of a different language."""
    if g.language is not None or g.script is None:
        return False
    if g.script != article_script:
        return True
    return g.letters >= _SAME_SCRIPT_MIN_LETTERS and g.words >= _SAME_SCRIPT_MIN_WORDS


def dominant_script(guesses: Sequence[Guess]) -> str | None:
    """The script with the most letters."""
    votes: dict[str, int] = {}
    for g in guesses:
        if g.script is not None:
            votes[g.script] = votes.get(g.script, 0) + g.letters
    if not votes:
        return None
    best = max(votes.values())
    return min(s for s, v in votes.items() if v == best)  # ties: the first name


def guess_all(texts: Sequence[str]) -> list[Guess]:
    """Guess every segment's language, running langdetect only where it can change an answer.

    Lines in the article's script too short to judge keep ``language`` None and later take the
    article's language; the longest line of that script is always detected, so that the article
    gets a language.
    """
    return detect_planned(plan_guesses(texts))


@dataclass(frozen=True, slots=True)
class GuessPlan:
    """What the script settles for an article's segments, and which of them langdetect must
    read (:func:`guess_all` in two halves, so that many articles can share one langdetect
    batch: :meth:`attrib.Detector.analyze_many`)."""

    prepared: tuple[tuple[Guess, str], ...]
    """Each segment's script guess and its masked text."""
    todo: tuple[int, ...]
    """The segments langdetect can change, in the order they are detected."""

    @property
    def wanted(self) -> list[str]:
        """The masked texts to detect."""
        return [self.prepared[i][1] for i in self.todo]


_make_plan = maker(GuessPlan)


def plan_guesses(texts: Sequence[str]) -> GuessPlan:
    """The first half of :func:`guess_all`: scripts, and which segments to detect."""
    prepared = _guess_scripts(texts)
    guesses = [g for g, _ in prepared]
    script = dominant_script(guesses)
    todo = [i for i, g in enumerate(guesses) if _worth_detecting(g, script)]
    if script is not None and script not in _SCRIPT_LANGUAGE and script != "Hani":
        same = [i for i, g in enumerate(guesses) if g.script == script]
        if same and not any(guesses[i].script == script for i in todo):
            todo.append(max(same, key=lambda i: (guesses[i].letters, -i)))
    return _make_plan(tuple(prepared), tuple(todo))


def detect_planned(
    plan: GuessPlan, found: Sequence[tuple[tuple[str, float], ...]] | None = None
) -> list[Guess]:
    """The second half of :func:`guess_all`: the guesses, with langdetect's answers for the
    planned segments (``found``: answers already detected for :attr:`GuessPlan.wanted`)."""
    return _detect_where(plan.prepared, plan.todo, found)


def guess_many_in(
    texts: Sequence[str], article_script: str | None, *, same_script: bool = True
) -> tuple[list[Guess], list[int]]:
    """Guess more segments of an article whose dominant script is known, in one batch.

    With ``same_script=False``, segments in the article's own script are left to the script
    (language None, which :func:`is_mixed` reads as the article's language). Returns the
    guesses and the indices of the segments so left that langdetect could have changed.
    """
    prepared = _guess_scripts(texts)
    todo, left = [], []
    for i, (g, _) in enumerate(prepared):
        if _worth_detecting(g, article_script):
            (todo if same_script or g.script != article_script else left).append(i)
    return _detect_where(prepared, todo), left


def _detect_where(
    prepared: Sequence[tuple[Guess, str]],
    todo: Sequence[int],
    found: Sequence[tuple[tuple[str, float], ...]] | None = None,
) -> list[Guess]:
    """The script's guesses, with langdetect's answer (one batch, unless ``found`` already holds
    the answers) for the segments in ``todo``."""
    guesses = [g for g, _ in prepared]
    if found is None:
        found = detect_languages([prepared[i][1] for i in todo])
    for i, candidates in zip(todo, found, strict=True):
        guesses[i] = _with_candidates(guesses[i], candidates)
    return guesses


def article_language(guesses: Sequence[Guess]) -> str | None:
    """The dominant language: a vote of the segments weighted by their letters.

    >>> article_language([guess("Guten Morgen aus Berlin, sagte sie."), guess("OK")])
    'de'
    """
    votes: dict[str, int] = {}
    for g in guesses:
        if g.language is not None and g.judgeable:
            votes[g.language] = votes.get(g.language, 0) + g.letters
    if not votes:
        for g in guesses:
            if g.language is not None:
                votes[g.language] = votes.get(g.language, 0) + g.letters
    if not votes:
        return None
    best = max(votes.values())
    return min(lang for lang, v in votes.items() if v == best)  # ties: stable, not order-bound


def article_votes(voters: Sequence[Guess]) -> tuple[str | None, str | None]:
    """The article's language (:func:`article_language`) and its script: the script with the
    most letters among the voters of that language (the first seen on a tie)."""
    compiled = compiled_module()
    if compiled is not None and _make_guess is not Guess:  # the votes in one compiled pass
        return compiled.article_votes(voters, _make_guess, _CJK)  # type: ignore[no-any-return]
    language = article_language(voters)
    votes: dict[str, int] = {}
    for g in voters:
        if g.script is not None and g.language == language:
            votes[g.script] = votes.get(g.script, 0) + g.letters
    return language, max(votes.items(), key=itemgetter(1))[0] if votes else None


def mixed_all(
    guesses: Sequence[Guess], article: str | None, article_script: str | None
) -> tuple[tuple[str | None, bool], ...]:
    """:func:`is_mixed` of each guess."""
    compiled = compiled_module()
    if compiled is not None and _make_guess is not Guess:
        return compiled.mixed_all(  # type: ignore[no-any-return]
            guesses, article, article_script, _make_guess, _CJK,
            _SAME_SCRIPT_MIN_LETTERS, _SAME_SCRIPT_MIN_WORDS,
        )  # fmt: skip
    return tuple(is_mixed(g, article, article_script) for g in guesses)


def is_mixed(g: Guess, article: str | None, article_script: str | None) -> tuple[str | None, bool]:
    """Return the segment's language as reported, and whether it is mixed-language.

    A segment in another script than the article is mixed when it is judgeable. In the same
    script, langdetect must be sure: enough text, and the article's language not among its
    candidates; otherwise the segment takes the article's language, so that short lines, names
    and numbers never flip ``mixed_language``.
    """
    if g.language is None and g.script is not None and g.script == article_script:
        return article, False  # too short to judge in the article's own script
    if g.language is None or article is None:
        return g.language, False
    if article == "ja" and g.script == "Hani":
        return article, False  # kanji-only lines of a Japanese article are Japanese
    if g.script != article_script:
        return g.language, g.judgeable and g.language != article
    if g.language == article:
        return article, False
    sure = (
        g.letters >= _SAME_SCRIPT_MIN_LETTERS
        and g.words >= _SAME_SCRIPT_MIN_WORDS
        and all(code != article for code, _ in g.candidates)
    )
    return (g.language, True) if sure else (article, False)
