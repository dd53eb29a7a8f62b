"""langdetect's detector run by the compiled module: the same answers, bit for bit, in C.

:class:`attrib._speedups.Profiles` is langdetect 1.0.9's ``Detector`` (``cleaning_text``,
``_extract_ngrams``, ``_detect_block``, ``_sort_probability``) on langdetect's own profiles, read
here from the installed ``langdetect`` package as its ``DetectorFactory.load_profile`` reads them
(the same files, in the same ``os.listdir`` order, since the order of the languages is the order
of a floating-point sum). The character normalisation table is built from langdetect's own
Unicode blocks and character lists, and the generator starts from CPython's ``random.Random``
seeded as a seeded factory seeds it. The URL, e-mail and Vietnamese steps of
``Detector.append`` run here, with langdetect's own patterns (the Vietnamese one behind a
compiled check for its characters), on the texts they can change.

``tests/test_langdetect_compiled.py`` holds the answers equal to plain langdetect's.
"""

from __future__ import annotations

import json
import os
import random
from array import array
from collections.abc import Callable, Sequence
from types import SimpleNamespace

import numpy as np

from .speedups import compiled_module

__all__ = ["load", "normalisation_table", "unsupported"]

Answer = tuple[tuple[str, float], ...] | None


def _profiles(directory: str) -> tuple[tuple[str, ...], list[str], array, array]:
    """The languages, and each n-gram's (language index, probability), as
    ``DetectorFactory.load_profile`` and ``add_profile`` compute them."""
    names: list[str] = []
    grams: list[str] = []
    langs = array("H")
    probs = array("d")
    for filename in os.listdir(directory):
        if filename.startswith("."):
            continue
        path = os.path.join(directory, filename)
        if not os.path.isfile(path):
            continue
        with open(path, encoding="utf-8") as f:
            profile = json.load(f)
        name, n_words = profile["name"], profile["n_words"]
        if name in names:
            raise ValueError(f"langdetect profiles: {name!r} twice in {directory}")
        index = len(names)
        names.append(name)
        for word, count in profile["freq"].items():
            length = len(word)
            if 1 <= length <= 3:
                grams.append(word)
                langs.append(index)
                probs.append(1.0 * count / n_words[length - 1])
    return tuple(names), grams, langs, probs


def normalisation_table() -> np.ndarray:
    """``NGram.normalize`` of every code point of the Basic Multilingual Plane, as uint32 (the
    blocks it changes all lie there), from langdetect's own block ranges and character lists."""
    from langdetect.utils import unicode_block as ub
    from langdetect.utils.ngram import NGram

    blocks = {code: (start, end) for code, start, end in ub._unicode_blocks}
    table = np.arange(0x10000, dtype=np.uint32)

    def block(code: int) -> slice:
        start, end = blocks[code]
        if end >= 0x10000:
            raise ValueError("a langdetect block to normalise lies beyond the BMP")
        return slice(start, end + 1)

    space = ord(" ")
    basic = table[:0x80]
    letters = ((basic >= ord("A")) & (basic <= ord("Z"))) | (
        (basic >= ord("a")) & (basic <= ord("z"))
    )
    basic[~letters] = space
    latin1 = block(ub.UNICODE_LATIN_1_SUPPLEMENT)
    for ch in NGram.LATIN1_EXCLUDED:
        if latin1.start <= ord(ch) < latin1.stop:
            table[ord(ch)] = space
    # s and t with a comma below (Romanian) to the cedilla, Farsi yeh to Arabic yeh
    for ch, code, to in (
        (0x0219, ub.UNICODE_LATIN_EXTENDED_B, 0x015F),
        (0x021B, ub.UNICODE_LATIN_EXTENDED_B, 0x0163),
        (0x06CC, ub.UNICODE_ARABIC, 0x064A),
    ):
        if ub.unicode_block(chr(ch)) == code:
            table[ch] = to
    table[block(ub.UNICODE_GENERAL_PUNCTUATION)] = space
    extended = block(ub.UNICODE_LATIN_EXTENDED_ADDITIONAL)
    table[max(extended.start, 0x1EA0) : extended.stop] = 0x1EC3
    table[block(ub.UNICODE_HIRAGANA)] = 0x3042
    table[block(ub.UNICODE_KATAKANA)] = 0x30A2
    table[block(ub.UNICODE_BOPOMOFO)] = 0x3105
    table[block(ub.UNICODE_BOPOMOFO_EXTENDED)] = 0x3105
    cjk = block(ub.UNICODE_CJK_UNIFIED_IDEOGRAPHS)
    for ch, representative in NGram.CJK_MAP.items():
        if cjk.start <= ord(ch) < cjk.stop:
            table[ord(ch)] = ord(representative)
    table[block(ub.UNICODE_HANGUL_SYLLABLES)] = 0xAC00
    return table


def _seeded_state(seed: int) -> array:
    """The Mersenne Twister words of ``random.Random(seed)``, whose next draw twists them."""
    version, state, _ = random.Random(seed).getstate()
    if version != 3 or len(state) != 625 or state[624] != 624:
        raise ValueError("random.Random's state is not CPython's Mersenne Twister")
    return array("I", state[:624])


# Detector's settings that the compiled detector has built in (langdetect 1.0.9's)
_SETTINGS = {
    "ALPHA_DEFAULT": 0.5,
    "ALPHA_WIDTH": 0.05,
    "ITERATION_LIMIT": 1000,
    "PROB_THRESHOLD": 0.1,
    "CONV_THRESHOLD": 0.99999,
    "BASE_FREQ": 10000,
    "alpha": 0.5,
    "n_trial": 7,
    "max_text_length": 10000,
    "prior_map": None,
}


def unsupported() -> str | None:
    """Why the installed langdetect cannot be run compiled (a setting or a part of it that the
    compiled detector does not have), or None when it can."""
    try:
        from langdetect.detector import Detector
        from langdetect.utils import unicode_block
        from langdetect.utils.ngram import NGram

        detector = Detector(SimpleNamespace(word_lang_prob_map={}, langlist=[], seed=0))
        for name, value in _SETTINGS.items():
            if getattr(detector, name) != value:
                return f"langdetect's Detector.{name} is {getattr(detector, name)!r}, not {value!r}"
        # the parts of langdetect it reads (an AttributeError when one is gone)
        _ = (NGram.normalize_vi, NGram.DMARK_CLASS, NGram.CJK_MAP, NGram.LATIN1_EXCLUDED)
        _ = (unicode_block._unicode_blocks, Detector.URL_RE, Detector.MAIL_RE)
    except (ImportError, AttributeError, TypeError) as exc:
        return f"langdetect's layout is not 1.0.9's ({exc!r})"
    return None


def load(seed: int = 0) -> Callable[[Sequence[str]], list[Answer]] | None:
    """A function from texts to langdetect's ``get_probabilities()`` of each, as (language,
    probability) pairs best first (``None`` where langdetect finds no features), for a factory
    seeded with ``seed``; None without the compiled module or when :func:`unsupported` says why
    not."""
    compiled = compiled_module()
    if compiled is None or array("I").itemsize != 4 or unsupported() is not None:
        return None
    from langdetect.detector import Detector
    from langdetect.detector_factory import PROFILES_DIRECTORY
    from langdetect.utils.ngram import NGram

    names, grams, langs, probs = _profiles(PROFILES_DIRECTORY)
    profiles = compiled.Profiles(
        names, grams, langs, probs, normalisation_table().tobytes(), _seeded_state(seed)
    )
    url, mail = Detector.URL_RE, Detector.MAIL_RE
    marks, has_any = NGram.DMARK_CLASS, compiled.has_any  # its Vietnamese pattern's characters

    def appended(text: str) -> str:
        # Detector.append's steps, each where its pattern can match
        if "://" in text:
            text = url.sub(" ", text)
        if "@" in text:
            text = mail.sub(" ", text)
        if has_any(text, marks):
            text = NGram.normalize_vi(text)
        return text

    def detect(texts: Sequence[str]) -> list[Answer]:
        return profiles.detect([appended(t) for t in texts])

    detect.profiles = profiles  # type: ignore[attr-defined]
    return detect
