"""Stage 3 without scikit-learn: cue lexicons, hashed n-grams and context features."""

from __future__ import annotations

import csv
from importlib import resources

import numpy as np
import pytest

from attrib.features import CONTEXT_FEATURES, Lexicon, context_matrix, hash_ngrams, lexicon


def _lex(*cues: str, kind: str = "syndication") -> Lexicon:
    return Lexicon((kind, c) for c in cues)


def test_lexicon_counts_different_cues_of_each_kind():
    lex = Lexicon(
        [("syndication", "source"), ("syndication", "first published"), ("chrome", "share")]
    )
    assert lex.counts("first published by x. source: y. share!") == {
        "syndication": 2,
        "chrome": 1,
    }
    assert lex.counts("source source source") == {"syndication": 1}
    assert lex.counts("nothing to see here") == {}
    assert len(lex) == 3


def test_spaced_scripts_match_at_word_starts_as_stems():
    lex = _lex("опубликова", "deel dit", "republish", "fot.")
    assert lex.counts("статья опубликована на сайте") == {"syndication": 1}
    assert lex.counts("deel dit artikel") == {"syndication": 1}
    assert lex.counts("het aandeel dit jaar") == {}  # not inside a word
    assert lex.counts("republished with permission") == {"syndication": 1}
    assert lex.counts("fot. pap") == {"syndication": 1}
    assert lex.counts("(fot. pap)") == {"syndication": 1}


def test_other_scripts_match_anywhere():
    lex = _lex("首发", "المصدر", "ที่มา")
    assert lex.counts("本文首发于某网站") == {"syndication": 1}
    assert lex.counts("نقلا عن والمصدر") == {"syndication": 1}  # after the clitic و
    assert lex.counts("ที่มาของข่าว") == {"syndication": 1}


def test_lexicon_cues_are_literal_text():
    lex = _lex("fot.", "(c)", "a+b")
    assert lex.counts("fotx") == {}
    assert lex.counts("(c) 2024 a+b") == {"syndication": 2}


def test_an_empty_lexicon_finds_nothing():
    assert Lexicon([]).counts("anything") == {}


def test_the_bundled_cue_table_is_well_formed_and_loaded():
    table = resources.files("attrib") / "resources" / "cues.tsv"
    with table.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert rows and set(rows[0]) == {"kind", "language", "cue"}
    kinds = {
        "syndication",
        "chrome",
        "photo",
        "institution",
        "restriction",
        "own_site",
        "role",
        "speech",
    }
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


def test_hash_parameters_are_checked():
    with pytest.raises(ValueError, match="power of two"):
        hash_ngrams(["x"], (1, 4), 1000)


def test_context_matrix_of_no_records_has_the_right_width():
    assert context_matrix([]).shape == (0, len(CONTEXT_FEATURES))
