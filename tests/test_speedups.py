"""The compiled feature steps (attrib/_speedups.c) give exactly the pure-Python answers."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attrib
import attrib.compiled
from attrib import features
from attrib.detector import default_detector
from attrib.features import _hash_ngrams_numpy, normalise_text, speedups

ROOT = Path(__file__).resolve().parents[1]


def _compiled_module():
    try:
        from attrib import _speedups
    except ImportError:
        if shutil.which("cc") or shutil.which("gcc"):
            pytest.fail("a C compiler is at hand, but attrib._speedups was not built")
        pytest.skip("no C compiler: the install runs without the compiled steps")
    return _speedups


@pytest.fixture(scope="module")
def compiled():
    return _compiled_module()


@pytest.fixture(scope="module")
def training_texts() -> list[str]:
    with (ROOT / "data" / "train.csv").open(encoding="utf-8", newline="") as f:
        return [normalise_text(r["text"]) for r in csv.DictReader(f)]


def _same_csr(a, b) -> bool:
    return all(x.dtype == y.dtype and np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def _compiled_counts(texts, lo=1, hi=4, n_features=2**18):
    counts, indices, indptr = _compiled_module().hash_ngrams(texts, lo, hi, n_features)
    return tuple(
        np.frombuffer(b, dtype=t)
        for b, t in ((counts, np.float32), (indices, np.int32), (indptr, np.int32))
    )


@pytest.fixture
def model(compiled, monkeypatch):
    """The bundled model, on the compiled steps even where the environment refuses them."""
    monkeypatch.setattr(attrib.compiled, "_compiled", lambda: compiled)
    return default_detector().model


def test_the_compiled_steps_are_in_use_unless_refused(compiled, monkeypatch):
    monkeypatch.delenv("ATTRIB_SPEEDUPS", raising=False)
    features._compiled.cache_clear()
    assert speedups() == "c"
    monkeypatch.setenv("ATTRIB_SPEEDUPS", "python")
    features._compiled.cache_clear()
    assert speedups() == "python"
    monkeypatch.undo()
    features._compiled.cache_clear()


@pytest.mark.parametrize(
    ("lo", "hi", "n_features"), [(1, 4, 2**18), (2, 5, 2**10), (1, 1, 2), (3, 8, 2**20)]
)
def test_compiled_ngram_counts_equal_the_numpy_reference_on_the_training_texts(
    compiled, training_texts, lo, hi, n_features
):
    texts = training_texts[:4000]
    assert _same_csr(
        _compiled_counts(texts, lo, hi, n_features), _hash_ngrams_numpy(texts, lo, hi, n_features)
    )


# White space of every kind, NUL, a lone surrogate, letters beyond the BMP.
_TRICKY = st.text(alphabet=st.sampled_from("ab é\x00\t\n\u00a0\u2003\u3000\ud83d😀東"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(st.lists(_TRICKY, max_size=6))
def test_compiled_ngram_counts_equal_the_numpy_reference_on_any_text(texts):
    assert _same_csr(_compiled_counts(texts), _hash_ngrams_numpy(texts, 1, 4, 2**18))


def test_compiled_ngram_counts_refuse_what_is_not_text(compiled):
    with pytest.raises(TypeError, match="not int"):
        compiled.hash_ngrams(["ok", 3], 1, 4, 2**18)
    with pytest.raises(ValueError, match="parameters"):
        compiled.hash_ngrams(["ok"], 1, 4, 1000)


def test_compiled_text_scores_equal_the_numpy_reference_to_the_last_bit(model, training_texts):
    got = model._compiled_text_scores(training_texts)
    assert got is not None
    assert np.array_equal(got, model._text_scores(training_texts))
    assert np.array_equal(model._compiled_text_scores([]), model._text_scores([]))


def test_a_count_beyond_the_compiled_log_table_takes_the_numpy_path(model, monkeypatch):
    assert model._compiled_text_scores(["ab " * 5000, "read more at §"]) is None
    article = "Ha ha " * 3000 + "\n\nThe post appeared first on www.example.com."
    with_compiled = attrib.analyze(article)
    monkeypatch.setattr(attrib.compiled, "_compiled", lambda: None)
    assert attrib.analyze(article) == with_compiled
    assert with_compiled.source_domain == "example.com"
