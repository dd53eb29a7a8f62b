"""The compiled feature steps (attrib/_speedups.c) give exactly the pure-Python answers."""

from __future__ import annotations

import csv
import dataclasses
import functools
import io
import pickle
import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import attrib
import attrib.compiled
import attrib.detector
from attrib import domains, features, language, segment, speedups
from attrib.detector import default_detector, training_records
from attrib.features import _hash_ngrams_numpy, normalise_text
from attrib.result import Attribution, Segment

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


@functools.lru_cache(maxsize=1)
def _training_rows() -> tuple[dict[str, str], ...]:
    """data/train.csv's rows, read once for the module."""
    with (ROOT / "data" / "train.csv").open(encoding="utf-8", newline="") as f:
        return tuple(csv.DictReader(f))


def _training_lines() -> list[str]:
    return [r["text"] for r in _training_rows()]


def _training_documents() -> list[list[dict[str, str]]]:
    """Each training document's rows, in order."""
    docs: dict[str, list[dict[str, str]]] = {}
    for r in _training_rows():
        docs.setdefault(r["doc_id"], []).append(r)
    return list(docs.values())


@pytest.fixture(scope="module")
def training_texts() -> list[str]:
    return [normalise_text(t) for t in _training_lines()]


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
    monkeypatch.setattr(attrib.compiled, "compiled_module", lambda: compiled)
    return default_detector().model


def test_the_compiled_steps_are_in_use_unless_refused(compiled, monkeypatch):
    monkeypatch.delenv("ATTRIB_SPEEDUPS", raising=False)
    speedups.compiled_module.cache_clear()
    assert speedups.backend() == "c"
    monkeypatch.setenv("ATTRIB_SPEEDUPS", "python")
    speedups.compiled_module.cache_clear()
    assert speedups.backend() == "python"
    monkeypatch.undo()
    speedups.compiled_module.cache_clear()


@pytest.mark.parametrize(
    ("lo", "hi", "n_features"),
    [(1, 4, 2**18), (2, 5, 2**10), (1, 1, 2), (3, 8, 2**20), (1, 4, 2**25)],
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


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("ab é\x00\n東😀"), min_size=10, max_size=400)))
@example(["e" * 254, "e" * 255, "ab " * 300, "x" * 5000, "short"])  # a column 255 times is sorted
@example([" ".join(["word"] * 100), "ab"])
def test_ngram_counts_read_from_the_bitmap_equal_the_reference(texts):
    # The bitmap counts texts of 32 n-grams or more for 2^12 to 2^20 columns; others are sorted.
    for n_features in (2**12, 2**18, 2**20):
        expected = _hash_ngrams_numpy(texts, 1, 4, n_features)
        assert _same_csr(_compiled_counts(texts, 1, 4, n_features), expected)


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


def test_compiled_text_scores_refuse_tables_that_do_not_fit(compiled):
    log_table, weights = np.r_[0.0, 1.0, 1.5], np.ones((16, 4))
    assert len(compiled.text_scores(["ab"], 1, 2, 16, log_table, weights)) == 3 * 8
    for bad_log, bad_weights, message in [
        (log_table, np.ones((16, 1)), "n_classes"),  # no class
        (log_table, np.ones((15, 4)), "multiple of 16"),  # not a row per column
        (log_table, np.ones((16, 4), dtype=np.float32), "float64"),
        (log_table, np.ones((4, 16)).T, "C-contiguous"),
        (log_table.astype(np.float32), weights, "log_table"),
    ]:
        with pytest.raises(ValueError, match=message):
            compiled.text_scores(["ab"], 1, 2, 16, bad_log, bad_weights)


def test_a_count_beyond_the_compiled_log_table_takes_the_numpy_path(model, monkeypatch):
    assert model._compiled_text_scores(["ab " * 5000, "read more at §"]) is None
    article = "Ha ha " * 3000 + "\n\nThe post appeared first on www.example.com."
    with_compiled = attrib.analyze(article)
    monkeypatch.setattr(attrib.compiled, "compiled_module", lambda: None)
    assert attrib.analyze(article) == with_compiled
    assert with_compiled.source_domain == "example.com"


def _both_ways(compute, monkeypatch, *modules):
    """compute() with the compiled module, and with the Python reference, in ``modules``."""
    compiled = _compiled_module()
    for module in modules:
        monkeypatch.setattr(module, "compiled_module", lambda: None)
    reference = compute()
    for module in modules:
        monkeypatch.setattr(module, "compiled_module", lambda: compiled)
    return compute(), reference


# Letters of several scripts (a tie among them too), Han beyond the BMP, digits, joiners.
_MIXED = st.text(
    alphabet=st.sampled_from("ab ΑΒ абا ب東の한ไ1٣_-'’ \U00020001\U0001d400😀\ud83dÅ²"), max_size=30
)


_PARAGRAPH_HEADS = (features.is_paragraph, features.PARAGRAPH_CHARS)


def _tail_starts_both_ways(spans, monkeypatch, paragraph=None):
    compiled = _compiled_module()
    reference = [segment.tail_starts(span) for span in spans]
    if paragraph is not None:  # the heads as the detector read them before the compiled pass
        reference = [
            tuple(i for i in starts if features.is_paragraph(span.text[: i - span.start].rstrip()))
            for span, starts in zip(spans, reference, strict=True)
        ]
    monkeypatch.setattr(language, "compiled_module", lambda: compiled)
    return segment.all_tail_starts(spans, paragraph), reference


def test_compiled_tail_starts_equal_the_reference_on_the_training_articles(monkeypatch):
    lines = _training_lines()
    text = "\n".join(lines)
    spans = segment.split_lines(text)
    got, reference = _tail_starts_both_ways(spans, monkeypatch)
    assert got == reference
    assert sum(map(len, got)) > 1000  # glued-footer candidates were there to find
    after_paragraphs, reference = _tail_starts_both_ways(spans, monkeypatch, _PARAGRAPH_HEADS)
    assert after_paragraphs == reference
    assert 0 < sum(map(len, after_paragraphs)) < sum(map(len, got))
    monkeypatch.setattr(language, "compiled_module", lambda: None)
    assert segment.all_tail_starts(spans, _PARAGRAPH_HEADS) == reference  # the Python path


# Sentence ends, closing quotes, spaces of several kinds, letters of every tail-start class.
_LINE = st.text(
    alphabet=st.sampled_from('ab .!?。…؟”»)" \u00a0\u3000x-1ظه東한Жα\U00020001'), max_size=60
)


@settings(max_examples=300, deadline=None)
@given(_LINE, st.integers(0, 420), st.sampled_from("h東é "), st.booleans())
def test_compiled_tail_starts_equal_the_reference_on_any_line(line, pad, char, paragraph):
    text = "x" + char * pad + line  # heads long or short, dense or not, ending in white space
    spans = segment.split_lines(text)
    with pytest.MonkeyPatch.context() as monkeypatch:
        got, reference = _tail_starts_both_ways(
            spans, monkeypatch, _PARAGRAPH_HEADS if paragraph else None
        )
    assert got == reference


@pytest.fixture(scope="module")
def lexicons():
    compiled = _compiled_module()
    cues = features.lexicon().cues
    with pytest.MonkeyPatch.context() as monkeypatch:  # even where the environment refuses it
        monkeypatch.setattr(features, "compiled_module", lambda: compiled)
        return features.Lexicon(cues, automaton="c"), features.Lexicon(cues, automaton="re")


def test_a_lines_own_features_in_one_compiled_pass_equal_the_reference(lexicons):
    compiled, reference = lexicons
    texts = _training_lines()
    for text in texts:
        assert features._own_features(text, compiled) == features._own_features(text, reference)


# URL schemes in any case (and the long s that re.IGNORECASE folds to s), e-mails, colon labels,
# copyright marks, hashtags, sentence ends, opening marks, line breaks, digits of other scripts.
_PIECES = st.sampled_from(
    ["http://x", "HTTPS://a", "httpſ://b", "ftp://", "www.x", "WWW．y", "a@b.c", "x@y", "_:",
     "Source:", "© 2024", "(c)", "#tag", "Reuters", "  :", "Photo: AFP", "ab", "é", ".", "!",
     "”", "«", "—", "-", "\n", "\u00a0", "ظ", "東", "한", "1", "٣", "²", "#", "@", " ", "："]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_PIECES, max_size=12))
def test_a_lines_own_features_in_one_compiled_pass_equal_the_reference_on_any_text(
    lexicons, pieces
):
    compiled, reference = lexicons
    text = "".join(pieces)
    assert features._own_features(text, compiled) == features._own_features(text, reference)


def _cuts(line: str) -> tuple[int, ...]:
    return segment.tail_starts(segment.Span(0, len(line), line))


def test_a_lines_pieces_take_their_own_features_from_one_pass_over_the_line(lexicons):
    compiled, reference = lexicons
    lines = _training_lines()
    passed = 0
    for line in lines:
        if not (cuts := _cuts(line)):
            continue
        known = features.piece_cues(line, cuts)
        passed += bool(known)
        for text, cues in known.items():
            assert cues == features._own_features(text, reference), (line, text)
        if known:
            assert set(known) == {line} | {
                piece for c in cuts for piece in (line[:c].rstrip(), line[c:])
            }
    assert passed > 300


_HOSTED = st.one_of(
    _PIECES, st.sampled_from(["www.example.com", "who.int", " bbc.co.uk ", "пример.рф", "x.gov.uk"])
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_HOSTED, min_size=1, max_size=14), st.lists(st.integers(1, 60), max_size=3))
def test_pieces_at_any_cut_after_white_space_read_as_they_read_alone(lexicons, pieces, picks):
    compiled, reference = lexicons
    line = "".join(pieces)
    spaces = [i for i in range(1, len(line)) if line[i - 1].isspace()]
    cuts = tuple(sorted({spaces[k % len(spaces)] for k in picks})) if spaces else ()
    for text, cues in features.piece_cues(line, cuts).items():
        assert cues == features._own_features(text, reference), (line, text)


@pytest.mark.parametrize(
    "line, tail",
    [
        ("ΟΔΥΣΣΕΑΣ ΑΠΟ ΤΗΝ ΑΘΗΝΑ ΣΗΜΕΡΑ. Πηγή: ΑΠΕ", "Πηγή"),  # a sigma, lowered by its place
        ("İSTANBUL haberleri bugün burada. Kaynak: AA", "Kaynak"),  # İ lowers to two characters
        ("A paragraph that goes on and on. Source: the wires", "ource"),  # a cut after a letter
    ],
)
def test_pieces_that_could_read_otherwise_alone_are_left_to_themselves(compiled, line, tail):
    assert features.piece_cues(line, (line.index(tail),)) == {}
    plain = "A paragraph that goes on and on. Source: the wires"
    assert features.piece_cues(plain, (plain.index("Source"),))


def test_a_lines_hosts_go_to_the_pieces_that_hold_them(compiled, lexicons):
    line = "Read the full report on www.example.com today, she said. Source: who.int and bbc.co.uk"
    cut = line.index("Source")
    known = features.piece_cues(line, (cut,))
    assert set(known) == {line, line[:cut].rstrip(), line[cut:]}
    for text, cues in known.items():
        assert cues == features._own_features(text, lexicons[1])
    host, institutional = features._HOST, features._INST_HOST
    assert known[line[:cut].rstrip()][host] == 1.0 and known[line[cut:]][host] == 1.0
    assert known[line[cut:]][institutional] == 0.0  # who.int is, bbc.co.uk is not


def test_a_cut_outside_the_line_is_refused(compiled):
    with pytest.raises(ValueError, match="inside the text"):
        features.piece_cues("A line. Another", (0,))
    with pytest.raises(ValueError, match="inside the text"):
        features.piece_cues("A line. Another", (15,))


def test_the_context_matrix_in_one_compiled_pass_equals_the_reference(compiled, monkeypatch):
    records = _training_records(7)
    assert len(records) > 2000
    assert sum("cues" in r for r in records) > 300  # lines and pieces whose cues came in one pass
    monkeypatch.setattr(features, "compiled_module", lambda: compiled)
    got = features.context_matrix(records)
    monkeypatch.setattr(features, "_context_layout_set", lambda: None)
    reference = features.context_matrix(records)
    assert got.shape == reference.shape and np.array_equal(got, reference)
    alone = [{k: v for k, v in r.items() if k != "cues"} for r in records]
    assert np.array_equal(features.context_matrix(alone), reference)
    assert np.array_equal(
        features.context_matrix([]), np.zeros((0, len(features.CONTEXT_FEATURES)))
    )


def _records_both_ways(texts, monkeypatch, compiled):
    """The records of an article's lines (features.build_records) by the compiled pass and by the
    Python reference."""
    monkeypatch.setattr(features, "compiled_module", lambda: compiled)
    _, _, got = attrib.detector.line_records(texts)
    monkeypatch.setattr(features, "compiled_module", lambda: None)
    _, _, reference = attrib.detector.line_records(texts)
    monkeypatch.undo()
    return got, reference


def test_records_built_in_one_compiled_pass_equal_the_reference_key_for_key(compiled, monkeypatch):
    for rows in _training_documents()[::3] + [[], [{"text": "Only line."}]]:
        got, reference = _records_both_ways([r["text"] for r in rows], monkeypatch, compiled)
        assert [list(r.items()) for r in got] == [list(r.items()) for r in reference]


@settings(max_examples=200, deadline=None)
@given(st.lists(_TRICKY | st.sampled_from(["A paragraph. " * 15, "東京の天気" * 20, "  Title  "])))
def test_records_of_any_lines_built_in_one_compiled_pass_equal_the_reference(texts):
    with pytest.MonkeyPatch.context() as monkeypatch:
        got, reference = _records_both_ways(texts, monkeypatch, _compiled_module())
    assert [list(r.items()) for r in got] == [list(r.items()) for r in reference]


_URL_PIECES = st.sampled_from(
    ["w", "W", "www", ".", "．", "。", ":", "/", "://", "[", "]", "(", "](", "a", " ", "é", "😀"]
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_URL_PIECES, max_size=20))
@example(["[", "a", "](", "x", " ", "www", "．", "b"])  # a link first; a wide dot only for features
def test_where_a_url_can_start_is_found_in_one_pass_as_the_patterns_find_it(pieces):
    text = "".join(pieces)
    compiled = _compiled_module()
    assert compiled.url_start(text, False, True) == language.url_start(
        text, language._WWW_DOT, links=True
    )
    assert compiled.url_start(text, True, False) == features._url_start(text)


def _training_records(every: int) -> list[dict]:
    records = []
    for rows in _training_documents()[::every]:
        recs, _ = training_records([r["text"] for r in rows], [r["label"] for r in rows])
        records += recs
    return records


def test_class_probabilities_in_one_compiled_pass_equal_numpys_but_for_the_last_bits(
    model, monkeypatch
):
    records = _training_records(5)
    records += [dict(r, language="xx", mixed=True) for r in records[::3]]  # repeated texts
    got = model.predict_proba(records)
    monkeypatch.setattr(attrib.compiled, "compiled_module", lambda: None)
    reference = model.predict_proba(records)
    assert got.shape == reference.shape == (len(records), len(model.classes_))
    np.testing.assert_allclose(got, reference, rtol=0, atol=1e-12)
    assert np.array_equal(got.argmax(axis=1), reference.argmax(axis=1))
    assert model.predict_proba([]).shape == (0, len(model.classes_))


def _softmax_reference(scores, row_of, ctx, mean, scale, coef, intercept):
    ctx = ctx.copy()
    if mean is not None:
        ctx -= mean
    if scale is not None:
        ctx /= scale
    s = scores[np.array(row_of, dtype=np.intp)] + (ctx @ coef + intercept)
    s = np.exp(s - s.max(axis=1, keepdims=True))
    return s / s.sum(axis=1, keepdims=True)


_FLOATS = st.floats(-30, 30, allow_nan=False)


@settings(max_examples=300, deadline=None)
@given(
    st.integers(1, 5),
    st.integers(1, 9),
    st.integers(0, 6),
    st.booleans(),
    st.booleans(),
    st.data(),
)
def test_class_probabilities_follow_the_models_arithmetic_for_any_numbers(
    n_classes, n_context, n_texts, with_mean, with_scale, data
):
    def array(*shape, values=_FLOATS):
        size = int(np.prod(shape))
        return np.array(data.draw(st.lists(values, min_size=size, max_size=size))).reshape(shape)

    scores = array(n_texts, n_classes)
    row_of = data.draw(st.lists(st.integers(0, n_texts - 1), max_size=8)) if n_texts else []
    ctx = array(len(row_of), n_context)
    mean = array(n_context) if with_mean else None
    scale = array(n_context, values=st.floats(0.1, 10)) if with_scale else None
    coef, intercept = array(n_context, n_classes), array(n_classes)
    flat = _compiled_module().class_proba(scores, row_of, ctx, mean, scale, coef, intercept)
    got = np.frombuffer(flat, dtype=np.float64).reshape(len(row_of), n_classes)
    expected = _softmax_reference(scores, row_of, ctx, mean, scale, coef, intercept)
    # Probabilities, compared absolutely: logits of up to ~1e5 here round at ~1e-11, and a
    # probability of 1e-284 may differ relatively in its 12th digit (hypothesis found one).
    np.testing.assert_allclose(got, expected, rtol=0, atol=1e-9)


def test_class_probabilities_refuse_arrays_that_do_not_fit(compiled):
    ok = dict(
        scores=np.zeros((2, 3)),
        row_of=[0, 1],
        ctx=np.zeros((2, 4)),
        mean=None,
        scale=None,
        coef=np.zeros((4, 3)),
        intercept=np.zeros(3),
    )
    assert len(compiled.class_proba(*ok.values())) == 2 * 3 * 8
    for name, bad, error in [
        ("row_of", [0, 2], IndexError),
        ("row_of", [0, -1], IndexError),
        ("row_of", [0], ValueError),
        ("row_of", [0, "1"], TypeError),
        ("ctx", np.zeros((2, 5)), ValueError),
        ("mean", np.zeros(3), ValueError),
        ("scale", np.zeros(5), ValueError),
        ("coef", np.zeros((4, 2)), ValueError),
        ("scores", np.zeros((2, 3), dtype=np.float32), ValueError),
        ("ctx", np.zeros((4, 2)).T, ValueError),  # not C-contiguous
        ("intercept", np.zeros(0), ValueError),
    ]:
        with pytest.raises(error):
            compiled.class_proba(*{**ok, name: bad}.values())


_PROBA = st.sampled_from([0.0, 0.2, 0.25, 0.5, 0.5000001, 0.75, 1.0])


@settings(max_examples=500, deadline=None)
@given(
    st.integers(1, 4).flatmap(
        lambda c: st.tuples(
            st.just(c),
            st.integers(0, c - 1),
            st.lists(st.lists(_PROBA, min_size=c, max_size=c), max_size=6),
        )
    ),
    st.sampled_from([0.0, 0.5, 0.75, 1.5]),
)
def test_each_segments_kind_is_chosen_as_numpy_chooses_it(case, threshold):
    n_classes, footer, rows = case
    detector = _detector_with(n_classes, footer, threshold)
    proba = np.array(rows, dtype=np.float64).reshape(len(rows), n_classes)
    got = detector._kinds(proba)
    with pytest.MonkeyPatch.context() as m:
        m.setattr(attrib.detector, "compiled_module", lambda: None)
        assert got == detector._kinds(proba)


def test_a_nan_probability_picks_its_class_as_numpys_argmax_does(compiled, monkeypatch):
    detector = _detector_with(3, 2, 0.5)
    proba = np.array([[0.1, np.nan, 0.2], [np.nan, 0.5, 0.1], [0.3, 0.3, np.nan]])
    got = [kind for kind, _ in detector._kinds(proba)]
    monkeypatch.setattr(attrib.detector, "compiled_module", lambda: None)
    assert got == [kind for kind, _ in detector._kinds(proba)] == ["c1", "c0", "c0"]


def _detector_with(n_classes: int, footer: int, threshold: float):
    detector = object.__new__(attrib.detector.Detector)
    detector._classes = tuple(f"c{k}" for k in range(n_classes))
    detector._footer, detector.footer_threshold = footer, threshold
    return detector


def _masked_both_ways(texts, monkeypatch):
    def answers():
        find_hosts = domains.find_hosts.__wrapped__  # past its cache
        return [(language.mask(t), features.normalise_text(t), find_hosts(t)) for t in texts]

    return _both_ways(answers, monkeypatch, language, features, domains)


def test_lines_with_nothing_to_mask_or_no_host_take_a_compiled_path_with_the_same_answers(
    monkeypatch,
):
    texts = _training_lines()
    got, reference = _masked_both_ways(texts, monkeypatch)
    assert got == reference
    assert sum(_compiled_module().plain_mask(t) for t in texts) > len(texts) / 2  # the common case


# Dots before letters past invisible marks, "www" in any case, "://", "](", "@", digits of other
# scripts, letters whose lowercase is longer (İ); what the host patterns' lookarounds read at the
# edge of a stretch searched alone (× and ÷ among Latin letters, "-", "_", Han touching a host),
# letters IGNORECASE folds ([a-z] matches the long s and the Kelvin sign) and hosts in full.
_ADDRESS_PIECES = st.sampled_from(
    ["a", "B", " ", ".", "．", "。", "｡", "\u200b", "\u00ad", "\u2066", "x", "Ww", "w", "W",
     "://", ":", "/", "](", "]", "(", "@", "1", "٣", "²", "İ", "ß", "example.com", "www.a.b",
     "a@b.c", "[t](u)", "×", "÷", "é", "Ḁ", "-", "_", "東", "ſ", "\u212a", "xn--", "co.uk",
     "https://", "ftp://", "пример.рф", "новости", ",", "é.com", "argaam.com", "\u200e"]
)  # fmt: skip


@settings(max_examples=1000, deadline=None)
@given(st.lists(_ADDRESS_PIECES, max_size=12))
def test_the_compiled_masking_path_gives_the_same_answers_on_any_text(pieces):
    with pytest.MonkeyPatch.context() as monkeypatch:
        got, reference = _masked_both_ways(["".join(pieces)], monkeypatch)
    assert got == reference


def _guesses_both_ways(texts, monkeypatch):
    return _both_ways(lambda: language._guess_scripts(texts), monkeypatch, language)


def test_script_guesses_in_one_compiled_pass_equal_the_reference_on_the_training_texts(
    monkeypatch,
):
    texts = _training_lines()
    got, reference = _guesses_both_ways(texts, monkeypatch)
    assert got == reference
    assert {g.script for g, _ in got} >= {"Latn", "Arab", "Hani", "Kana", "Hang", "Thai", None}
    assert sum(masked != text for (_, masked), text in zip(got, texts, strict=True)) > 100


@settings(max_examples=500, deadline=None)
@given(st.lists(st.lists(_MIXED | _ADDRESS_PIECES, max_size=6).map("".join), max_size=5))
def test_script_guesses_in_one_compiled_pass_equal_the_reference_on_any_text(texts):
    with pytest.MonkeyPatch.context() as monkeypatch:
        got, reference = _guesses_both_ways(texts, monkeypatch)
    assert got == reference


def test_script_guesses_refuse_tables_and_callbacks_that_do_not_fit(compiled):
    language.compiled_scripts()  # the script table set
    names, languages, cjk = language._SCRIPT_TABLES
    mask_rest, make, tie = language._mask_rest(compiled), language._make_guess, language._tie_script

    def run(texts, *, mask=mask_rest, tie=tie, tables=(names, languages, cjk)):
        return compiled.script_guesses(
            texts, mask, make, tie, *tables, language._KANA, language._HANI
        )

    with pytest.raises(ValueError, match="one entry per script"):
        run(["a"], tables=(names[:-1], languages, cjk))
    with pytest.raises(TypeError, match="must return a str"):
        run(["see www.example.com"], mask=lambda t: None)
    with pytest.raises(ValueError, match="not in names"):
        run(["ab αβ"], tie=lambda t: "Nope")  # two scripts with two letters each: a tie
    with pytest.raises(TypeError):
        run(["a", 1])
    assert run(["ab αβ"]) == language._python_guess_scripts(["ab αβ"])


@pytest.fixture(scope="module")
def document_guesses() -> list[list[language.Guess]]:
    """Each training document's line guesses, langdetect's answers included."""
    return [language.guess_all([r["text"] for r in rows]) for rows in _training_documents()]


def _votes_both_ways(guesses, readings, monkeypatch):
    def compute():
        votes = language.article_votes(guesses)
        return votes, [language.mixed_all(guesses, *reading) for reading in [votes, *readings]]

    return _both_ways(compute, monkeypatch, language)


def test_an_articles_votes_in_one_compiled_pass_equal_the_reference_on_the_training_documents(
    document_guesses, monkeypatch
):
    readings = [("en", "Latn"), ("ja", "Kana"), ("ar", "Arab"), (None, None), ("fr", None)]
    mixed = 0
    for guesses in document_guesses:
        got, reference = _votes_both_ways(guesses, readings, monkeypatch)
        assert got == reference
        mixed += sum(m for _, m in got[1][0])
    assert mixed > 50  # the mixed-language lines of the data are among them


_CODES = st.sampled_from([None, "en", "fr", "de", "ja", "zh", "ar"])
_SCRIPT_NAMES = st.sampled_from([None, "Latn", "Hani", "Kana", "Arab", "Thai", "Hang"])
_GUESSES = st.builds(
    language._make_guess,
    _CODES,
    _SCRIPT_NAMES,
    st.integers(0, 40),
    st.integers(0, 8),
    st.lists(st.tuples(_CODES.filter(bool), st.floats(0, 1)), max_size=3).map(tuple),
)


@settings(max_examples=500, deadline=None)
@given(st.lists(_GUESSES, max_size=8), st.lists(st.tuples(_CODES, _SCRIPT_NAMES), max_size=3))
@example(  # nothing judgeable: every guess with a language votes, and the least code wins a tie
    [language._make_guess(code, None, 0, 0, ()) for code in (None, "fr", "en")], []
)
def test_an_articles_votes_in_one_compiled_pass_equal_the_reference_on_any_guesses(
    guesses, readings
):
    with pytest.MonkeyPatch.context() as monkeypatch:
        got, reference = _votes_both_ways(guesses, readings, monkeypatch)
    assert got == reference


def test_an_articles_votes_refuse_what_is_not_a_guess(compiled):
    make, cjk = language._make_guess, language._CJK
    g = make("en", "Latn", 10, 2, ())
    with pytest.raises(TypeError, match="must be a"):
        compiled.article_votes([g, ("en", "Latn", 10, 2, ())], make, cjk)
    with pytest.raises(TypeError, match="Maker of Guess"):
        compiled.mixed_all([g], "en", "Latn", language.Guess, cjk, 25, 4)
    with pytest.raises(TypeError, match="pair"):
        compiled.mixed_all([make("fr", "Latn", 30, 5, ("fr",))], "en", "Latn", make, cjk, 25, 4)
    assert compiled.article_votes([g], make, cjk) == ("en", "Latn")


def _lines_both_ways(text, monkeypatch):
    return _both_ways(lambda: segment.split_lines(text), monkeypatch, segment)


def test_compiled_line_splitting_equals_the_reference_on_the_training_articles(monkeypatch):
    for rows in _training_documents():
        lines = [r["text"] for r in rows]
        got, reference = _lines_both_ways("\r\n\r\n".join(lines), monkeypatch)
        assert got == reference


# Every line break, white space below and at U+3000 (an edge) and U+3001 (not), invisible marks.
_SPLIT_PIECES = st.sampled_from(
    ["a", "b c", "\n", "\r\n", "\r", "\v", "\f", "\x1c", "\x85", "\u2028", "\u2029", " ", "\t",
     "\u00a0", "\u3000", "\u3001", "\u200b", "\u00ad", "\ufeff", "\u2066", "東", "😀"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_SPLIT_PIECES, max_size=15))
def test_compiled_line_splitting_equals_the_reference_on_any_text(pieces):
    with pytest.MonkeyPatch.context() as monkeypatch:
        got, reference = _lines_both_ways("".join(pieces), monkeypatch)
    assert got == reference


@settings(max_examples=1000, deadline=None)
@given(
    st.lists(
        _ADDRESS_PIECES
        | st.sampled_from(["HTTPS://x", "hTTp://", "wWW.", "Www．y", "[", " www", "httpſ://z"]),
        max_size=12,
    )
)
def test_urls_are_searched_for_only_from_where_one_can_start_with_the_same_matches(pieces):
    text = "".join(pieces)
    for module, repl in ((language, " "), (features, "§")):
        start = language.url_start(text, module._WWW_DOT, links=module is language)
        assert module._URL.search(text, 0, start + 2) is None or start < len(text)
        assert language.sub_from(module._URL, text, repl, start) == module._URL.sub(repl, text)


@settings(max_examples=500, deadline=None)
@given(st.text() | st.lists(_ADDRESS_PIECES, max_size=12).map("".join))
def test_lowering_with_digit_runs_folded_equals_the_regular_expression(text):
    assert _compiled_module().lower_digits(text) == features._DIGITS.sub("0", text.lower())


def test_the_compiled_lowercase_of_each_character_is_strs():
    lower = _compiled_module().lower
    every = "".join(map(chr, range(0x10000)))
    assert lower(every) == every.lower()  # it holds Σ and İ: str.lower() itself
    table = "".join(c for c in every if len(c.lower()) == 1 and c not in "Σ\uffff")
    assert lower(table) == table.lower()  # no special character: the table throughout
    for c in range(0x10000):
        assert lower(chr(c)) == chr(c).lower()


# Letters whose lowercase is longer (İ) or depends on their neighbours (Σ), Greek and Latin-1
# letters, digits of other scripts, letters beyond the BMP.
_CASED = st.text(alphabet=st.sampled_from("ΣσςΑΩαω İiIı ÀÉØßẞ ДЖ 9٣۵ AZaz.\U00010400\U0001d400"))


@settings(max_examples=500, deadline=None)
@given(st.text() | _CASED)
def test_the_compiled_lowercase_of_any_text_is_strs(text):
    compiled = _compiled_module()
    assert compiled.lower(text) == text.lower()
    assert compiled.lower_digits(text) == features._DIGITS.sub("0", text.lower())


def test_lowering_with_digit_runs_folded_takes_only_text(compiled):
    assert compiled.lower_digits("Page 12 of 345, ٣٤ Z") == "page 0 of 0, 0 z"
    with pytest.raises(TypeError):
        compiled.lower_digits(b"bytes")


_MADE = [
    (segment.Span, (3, 7, "text")),
    (language.Guess, ("en", "Latn", 9, 2, (("en", 0.9), ("de", 0.1)))),
    (Segment, (0, 4, "Body", "body", "en", False, 0.25)),
    (Attribution, ("en", True, "argaam.com", "www.argaam.com", None, 0.9, (), "Body")),
]


@pytest.mark.parametrize(("cls", "values"), _MADE)
def test_a_maker_builds_what_the_dataclass_builds_and_it_stays_frozen(compiled, cls, values):
    make = speedups.maker(cls)
    assert isinstance(make, compiled.Maker)
    made, plain = make(*values), cls(*values)
    assert type(made) is cls and made == plain and repr(made) == repr(plain)
    assert hash(made) == hash(plain) and dataclasses.astuple(made) == values
    assert pickle.loads(pickle.dumps(made)) == plain
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(made, dataclasses.fields(cls)[0].name, None)
    del make
    assert made == plain  # the class outlives the maker


def test_a_maker_refuses_calls_and_classes_it_cannot_build_exactly(compiled):
    make = speedups.maker(segment.Span)
    with pytest.raises(TypeError, match="takes 3 arguments"):
        make(1, 2)
    with pytest.raises(TypeError, match="positional"):
        make(1, 2, text="x")

    class Open:  # a __dict__
        pass

    @dataclasses.dataclass(frozen=True, slots=True)
    class Checked:
        n: int

        def __post_init__(self) -> None:
            if self.n < 0:
                raise ValueError(self.n)

    with pytest.raises(TypeError):
        compiled.Maker(Open, ())
    with pytest.raises(TypeError, match="__post_init__"):
        compiled.Maker(Checked, ("n",))
    with pytest.raises(TypeError):
        compiled.Maker(segment.Span, ("start", "end"))  # a slot left unset
    with pytest.raises(TypeError, match="twice"):
        compiled.Maker(segment.Span, ("start", "end", "start"))
    with pytest.raises(TypeError):
        compiled.Maker(segment.Span, ("start", "end", "txt"))
    with pytest.raises(TypeError):
        compiled.Maker(segment.Span, ("start", "end", 3))
    with pytest.raises(TypeError):
        compiled.Maker(segment.Span, ["start", "end", "text"])


def _csv_rows(data: bytes) -> list[list[str]]:
    import io

    return list(csv.reader(io.TextIOWrapper(io.BytesIO(data), encoding="utf-8", newline="")))


_CSV_PIECES = st.sampled_from(
    [",", '"', '""', "\r", "\n", "\r\n", "a", "é", "東", "\x00", " ", "x,y"]
)


@settings(max_examples=2000, deadline=None)
@given(st.lists(_CSV_PIECES, max_size=16), st.integers(0, 40))
def test_csv_records_end_in_undecoded_bytes_where_the_csv_module_ends_them(pieces, cut):
    data = "".join(pieces).encode()
    ends = _compiled_module().csv_record_ends(data, True)
    starts = [0, *ends][: len(ends)]
    assert [_csv_rows(data[s:e]) for s, e in zip(starts, ends, strict=True)] == [
        [row] for row in _csv_rows(data)
    ]
    # read in two blocks, the first block's records end where the whole file's do
    first = _compiled_module().csv_record_ends(data[:cut], False)
    assert first == ends[: len(first)] and all(e <= cut for e in first)


@settings(max_examples=3000, deadline=None)
@given(st.lists(_CSV_PIECES | st.sampled_from(["😀", '"a""b"', "\r\r"]), max_size=24) | st.text())
@example(['"', "a", '""', "a", '"', "x", "\n"])  # a doubled quote, then a character after one
@example(['"', "a", "\r\n"])  # the text ends inside quotes
def test_csv_rows_are_the_csv_modules_rows(pieces):
    text = "".join(pieces)
    assert _compiled_module().csv_rows(text) == list(csv.reader(io.StringIO(text, newline="")))


_CSV_CELLS = st.text(alphabet=st.sampled_from([",", '"', "\r", "\n", "a", "é", "東", "\x00", "😀"]))


@settings(max_examples=2000, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.lists(_CSV_CELLS, max_size=3),
            st.lists(
                _CSV_CELLS | st.none() | st.booleans() | st.floats() | st.integers(), max_size=9
            ),
        )
    )
)
@example([([""], [])])  # a line of one empty field is written '""'
def test_csv_lines_are_the_pure_python_lines_encoded(pairs):
    from attrib.batch import _csv_cell_text, _csv_text

    rows, results = [r for r, _ in pairs], [q for _, q in pairs]
    written = _compiled_module().csv_lines(rows, results, _csv_cell_text)
    assert written == _csv_text(rows, results).encode("utf-8")


@settings(max_examples=500, deadline=None)
@given(
    st.text()
    | st.text(
        alphabet=st.sampled_from(
            [
                "a",
                "é",
                "ก",
                "\u0e7f",
                "ア",
                "東",
                "한",
                "\u30ff",
                "\u3040",
                "\u9fff",
                "\ud7af",
                "\uac00",
                "。",
                "😀",
            ]
        )
    )
)
def test_dense_characters_are_counted_as_the_pattern_finds_them(text):
    assert _compiled_module().dense_count(text) == len(features._DENSE.findall(text))


@settings(max_examples=500, deadline=None)
@given(st.text(), st.text(max_size=5))
def test_has_any_answers_whether_a_text_holds_one_of_the_characters(text, chars):
    assert _compiled_module().has_any(text, chars) == any(c in text for c in chars)
