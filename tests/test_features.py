"""Stage 3 without scikit-learn: cue lexicons, hashed n-grams and context features."""

from __future__ import annotations

import csv
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from attrib.features import (
    _CUE_KINDS,
    CONTEXT_FEATURES,
    Lexicon,
    automaton_available,
    build_records,
    context_matrix,
    hash_ngrams,
    is_paragraph,
    lexicon,
)
from attrib.language import guess
from attrib.speedups import compiled_module

# Every lexicon test runs on every way of finding cues: the patterns, pyahocorasick's automaton
# (the attrib[fast] extra) and the compiled one (attrib.speedups).
BACKENDS = [
    "re",
    pytest.param(
        "pyahocorasick",
        marks=pytest.mark.skipif(not automaton_available(), reason="pyahocorasick missing"),
    ),
    pytest.param(
        "c",
        marks=pytest.mark.skipif(compiled_module() is None, reason="attrib._speedups not built"),
    ),
]


@pytest.fixture(params=BACKENDS, ids=["re", "pyahocorasick", "c"])
def automaton(request):
    return request.param


def _lex(*cues: str, kind: str = "syndication", automaton: str = "re") -> Lexicon:
    return Lexicon(((kind, c) for c in cues), automaton=automaton)


def test_lexicon_counts_different_cues_of_each_kind(automaton):
    lex = Lexicon(
        [("syndication", "source"), ("syndication", "first published"), ("chrome", "share")],
        automaton=automaton,
    )
    assert lex.counts("first published by x. source: y. share!") == {
        "syndication": 2,
        "chrome": 1,
    }
    assert lex.counts("source source source") == {"syndication": 1}
    assert lex.counts("nothing to see here") == {}
    assert len(lex) == 3


def test_spaced_scripts_match_at_word_starts_as_stems(automaton):
    lex = _lex("опубликова", "deel dit", "republish", "fot.", automaton=automaton)
    assert lex.counts("статья опубликована на сайте") == {"syndication": 1}
    assert lex.counts("deel dit artikel") == {"syndication": 1}
    assert lex.counts("het aandeel dit jaar") == {}  # not inside a word
    assert lex.counts("republished with permission") == {"syndication": 1}
    assert lex.counts("fot. pap") == {"syndication": 1}
    assert lex.counts("(fot. pap)") == {"syndication": 1}


def test_other_scripts_match_anywhere(automaton):
    lex = _lex("首发", "المصدر", "ที่มา", automaton=automaton)
    assert lex.counts("本文首发于某网站") == {"syndication": 1}
    assert lex.counts("نقلا عن والمصدر") == {"syndication": 1}  # after the clitic و
    assert lex.counts("ที่มาของข่าว") == {"syndication": 1}


def test_lexicon_cues_are_literal_text(automaton):
    lex = _lex("fot.", "(c)", "a+b", automaton=automaton)
    assert lex.counts("fotx") == {}
    assert lex.counts("(c) 2024 a+b") == {"syndication": 2}


def test_cues_that_start_one_another_are_all_found_at_the_same_place(automaton):
    lex = Lexicon(
        [("syndication", "source"), ("syndication", "sources close"), ("chrome", "source"),
         ("syndication", "首发"), ("syndication", "首发于"), ("chrome", "首发于本站")],
        automaton=automaton,
    )  # fmt: skip
    assert lex.found("sources close to the deal") == {
        ("syndication", "source"),
        ("chrome", "source"),
        ("syndication", "sources close"),
    }
    assert lex.found("本文首发于本站") == {
        ("syndication", "首发"),
        ("syndication", "首发于"),
        ("chrome", "首发于本站"),
    }


def _found_by_scanning(lex: Lexicon, lowered: str) -> set[tuple[str, str]]:
    """The lexicon's rule, one cue at a time: stems of spaced scripts at word starts."""
    hits = set()
    for kind, cue in lex.cues:
        spaced = len(cue) >= 3 and (cue[:3].replace("_", "a")).isalnum()
        spaced = spaced and (ord(cue[0]) < 0x590 or 0x1E00 <= ord(cue[0]) < 0x2000)
        starts, i = [], lowered.find(cue)
        while i >= 0:
            starts.append(i)
            i = lowered.find(cue, i + 1)
        if any(i == 0 or not (lowered[i - 1].isalnum() or lowered[i - 1] == "_") for i in starts):
            hits.add((kind, cue))
        elif starts and not spaced:
            hits.add((kind, cue))
    return hits


def test_the_bundled_lexicon_finds_what_a_scan_of_every_cue_finds(automaton):
    # The patterns are an index: they must find exactly the cues a plain scan finds.
    with open(Path(__file__).parents[1] / "data" / "train.csv", encoding="utf-8") as f:
        lines = [r["text"].lower() for r in csv.DictReader(f)][::150]
    lex = Lexicon(lexicon().cues, automaton=automaton)
    assert lex.backend == automaton
    assert len(lines) > 150
    for line in lines:
        assert lex.found(line) == _found_by_scanning(lex, line), line


# Pieces of bundled cues, cut where a cue may or may not go on, with what stops a word or not.
_SOME_CUES = sorted({c for _, c in lexicon().cues})[::97]
_CUE_PIECES = st.sampled_from(
    [c[:k] for c in _SOME_CUES for k in {2, len(c) // 2, len(c)}]
    + [" ", "a", "_", "é", "x", "1", ".", "-", "ال", "本"]
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.lists(_CUE_PIECES, max_size=8))
def test_any_text_gives_the_cues_a_scan_of_every_cue_finds(automaton, pieces):
    lex = _bundled(automaton)
    text = "".join(pieces)
    assert lex.found(text) == _found_by_scanning(lex, text)


_BUNDLED: dict[str, Lexicon] = {}


def _bundled(automaton: str) -> Lexicon:
    if automaton not in _BUNDLED:
        _BUNDLED[automaton] = Lexicon(lexicon().cues, automaton=automaton)
    return _BUNDLED[automaton]


def test_an_empty_lexicon_finds_nothing(automaton):
    assert Lexicon([], automaton=automaton).counts("anything") == {}


def test_the_bundled_cue_table_is_well_formed_and_loaded():
    table = resources.files("attrib") / "resources" / "cues.tsv"
    with table.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert rows and set(rows[0]) == {"kind", "language", "cue"}
    kinds = set(_CUE_KINDS)  # every kind the features read, and no other
    assert {r["kind"] for r in rows} == kinds
    assert all(r["cue"] == r["cue"].lower() and len(r["cue"]) >= 2 for r in rows)
    assert len({r["language"] for r in rows}) >= 40
    loaded = lexicon()
    for r in rows[::50]:
        assert (r["kind"], r["cue"]) in loaded.cues


def test_restriction_and_own_site_cues_stay_out_of_ordinary_news_prose(seed_text):
    # The lexicon is shared by all languages: a Danish stem "strengt" (strictly) once fired
    # inside English "strengthen" and turned the seed article's headline into chrome.
    lex = lexicon()
    story = [line for line in seed_text.splitlines() if line.strip()][:-2]  # no footer, chrome
    assert len(story) == 14 and story[0].startswith("Putin arrives")
    for line in story:
        kinds = {kind for kind, _ in lex.found(line.lower())}
        assert not kinds & {"restriction", "own_site"}, line
    reuse_ban = "© 2024 Daily Courier. Reproduction without written permission is prohibited."
    assert lex.counts(reuse_ban.lower()).get("restriction", 0) >= 1


def test_hashed_ngrams_are_csr_arrays_with_sorted_columns():
    data, indices, indptr = hash_ngrams(["source: §", "", "read more at §"])
    assert indptr.tolist()[:2] == [0, indptr[1]] and indptr[1] == indptr[2]
    assert len(indptr) == 4 and indptr[-1] == len(data) == len(indices)
    for a, b in zip(indptr[:-1], indptr[1:], strict=True):
        assert (np.diff(indices[a:b]) > 0).all()
    assert data.dtype == np.float32 and indices.dtype == np.int32


def test_empty_texts_hash_to_empty_rows():
    data, indices, indptr = hash_ngrams(["", "", "x", ""])
    assert indptr.tolist() == [0, 0, 0, len(data), len(data)] and len(data) == len(indices) > 0
    assert hash_ngrams(["", ""])[2].tolist() == [0, 0, 0]


def test_hash_parameters_are_checked():
    with pytest.raises(ValueError, match="power of two"):
        hash_ngrams(["x"], (1, 4), 1000)


def test_context_matrix_of_no_records_has_the_right_width():
    assert context_matrix([]).shape == (0, len(CONTEXT_FEATURES))


def test_a_records_context_features_do_not_depend_on_the_other_records_scored_with_it():
    texts = ["Title of the story here", "A paragraph of the story. " * 8, "Source: www.example.com"]
    guesses = [guess(t) for t in texts]
    records = build_records(texts, guesses, ["en"] * 3, [False] * 3, "en", "Latn")
    together = context_matrix(records)
    for k, record in enumerate(records):
        assert np.array_equal(context_matrix([record])[0], together[k])
    assert together[2, CONTEXT_FEATURES.index("has_host")] == 1.0
    assert together[0, CONTEXT_FEATURES.index("is_first")] == 1.0


@settings(max_examples=500, deadline=None)
@given(
    st.text(
        alphabet=st.sampled_from(["a", " ", "é", "Ж", "東", "ア", "한", "ก", "。"]), max_size=200
    )
)
def test_a_paragraph_is_160_characters_or_64_of_which_half_in_a_script_without_spaces(text):
    n = len(text)
    dense = sum(ch in "東ア한ก" for ch in text)
    assert is_paragraph(text) == (n >= 160 or (n >= 64 and dense * 2 >= n))
