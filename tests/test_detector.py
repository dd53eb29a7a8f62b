"""attrib.analyze on the seed article and its variants, with the bundled model."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import attrib

ARABIC = "ظهرت في الأصل على www.argaam.com"


def check_seed(result, text):
    assert result.language == "en"
    assert result.is_syndicated is True
    assert result.source_domain == "argaam.com"
    assert result.source_host == "www.argaam.com"
    assert result.source_name is None
    footers = result.footers
    assert [f.text for f in footers] == [ARABIC]
    assert footers[0].mixed_language is True
    assert footers[0].language == "ar"
    chrome = [s for s in result.segments if s.kind == "boilerplate"]
    assert [s.text for s in chrome] == ["Leave a Comment"]
    for seg in result.segments:
        assert text[seg.start : seg.end] == seg.text
        if seg.text != ARABIC:
            assert seg.mixed_language is False, seg.text
            assert seg.language == "en", seg.text
        if seg.text not in (ARABIC, "Leave a Comment"):
            assert seg.kind == "body", seg.text
    assert ARABIC not in result.clean_text and "Leave a Comment" not in result.clean_text
    assert result.clean_text.startswith("Putin arrives in North Korea")
    assert 0.5 <= result.confidence <= 1.0


def test_seed_article(seed_text):
    result = attrib.analyze(seed_text)
    check_seed(result, seed_text)
    assert len(result.segments) == 16


def test_seed_article_with_crlf(seed_text):
    text = seed_text.replace("\n", "\r\n")
    check_seed(attrib.analyze(text), text)


def test_seed_article_with_the_footer_after_the_chrome(seed_text):
    text = seed_text.replace(ARABIC + "\n\n", "").rstrip() + "\n\n" + ARABIC + "\n"
    result = attrib.analyze(text)
    check_seed(result, text)
    assert result.segments[-1].text == ARABIC


def test_seed_article_with_the_footer_glued_to_the_last_sentence(seed_text):
    text = seed_text.replace("“ridiculous.”\n\n" + ARABIC, "“ridiculous.” " + ARABIC)
    assert text != seed_text
    result = attrib.analyze(text)
    check_seed(result, text)
    footer = result.footers[0]
    last_body = [s for s in result.segments if s.kind == "body"][-1]
    assert last_body.text.endswith("“ridiculous.”")
    assert last_body.end < footer.start and text[footer.start : footer.end] == ARABIC


def test_to_dict_is_json_ready_and_identical_in_two_fresh_processes(seed_text):
    code = (
        "import attrib, json, sys;"
        "print(json.dumps(attrib.analyze(sys.stdin.read()).to_dict(), ensure_ascii=False))"
    )
    outs = [
        subprocess.run(
            [sys.executable, "-c", code],
            input=seed_text,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for _ in range(2)
    ]
    assert outs[0] == outs[1]
    assert json.loads(outs[0]) == json.loads(json.dumps(attrib.analyze(seed_text).to_dict()))


@pytest.mark.parametrize("value", [None, b"bytes", 42, ["a"]])
def test_non_str_input_raises_type_error_naming_the_type(value):
    with pytest.raises(TypeError, match=type(value).__name__):
        attrib.analyze(value)


@pytest.mark.parametrize("text", ["", "   ", "\n\r\n\t\u200b\n"])
def test_empty_or_blank_text_gives_an_empty_result(text):
    result = attrib.analyze(text)
    assert result.segments == ()
    assert result.language is None
    assert result.is_syndicated is False and result.source_domain is None
    assert result.confidence == 0.0


def test_an_article_without_footer_is_not_syndicated():
    text = (
        "DUBAI (Reuters) - Oil prices rose on Tuesday after producers signalled they would keep "
        "output curbs in place until the end of the year, traders said.\n\n"
        "According to Reuters calculations, exports fell by 300,000 barrels a day in May, and "
        "analysts expect the market to stay tight through the summer months.\n\n"
        "Share this:"
    )
    result = attrib.analyze(text)
    assert result.is_syndicated is False
    assert result.source_domain is None
    assert [s.kind for s in result.segments][:2] == ["body", "body"]


def test_result_types_are_frozen(seed_text):
    result = attrib.analyze(seed_text)
    with pytest.raises(AttributeError):
        result.language = "fr"
    with pytest.raises(AttributeError):
        result.segments[0].kind = "footer"


GLUED_FRENCH = """Markets rally as central bank signals pause

Stocks rose on Tuesday after the central bank said it would hold interest rates steady for the \
rest of the year, easing fears of a slowdown that had weighed on shares of banks and builders \
since the spring. Investors had been waiting for a signal since the spring.

The decision was widely expected by analysts, who said the bank had little room to move while \
inflation stayed above its target and wages kept rising in most sectors of the economy. Several \
of them expect a cut early next year. Cet article a été publié initialement sur www.lemonde.fr \
et traduit par notre rédaction."""


def test_a_glued_credit_in_another_language_of_the_same_script_is_split_off_and_mixed():
    result = attrib.analyze(GLUED_FRENCH)
    assert [(f.text[:11], f.language, f.mixed_language) for f in result.footers] == [
        ("Cet article", "fr", True)
    ]
    assert result.source_domain == "lemonde.fr" and result.language == "en"


def test_sentence_tails_go_to_langdetect_only_when_their_language_could_split_them(monkeypatch):
    from attrib import detector, language

    sent: list[str] = []
    detect = language.detect_languages
    monkeypatch.setattr(language, "detect_languages", lambda t: sent.extend(t) or detect(t))
    fast = attrib.analyze(GLUED_FRENCH)
    # "Investors had been waiting …" is read as a tail of its paragraph, and the model finds it
    # body whatever its language: langdetect never sees it alone.
    assert not [t for t in sent if t.startswith("Investors")]
    assert any(t.startswith("Cet article") for t in sent)

    # Reading every tail's language gives the same answer.
    guess_many_in = language.guess_many_in
    monkeypatch.setattr(
        detector,
        "guess_many_in",
        lambda texts, script, same_script=True: guess_many_in(texts, script),
    )
    sent.clear()
    assert attrib.analyze(GLUED_FRENCH) == fast
    assert [t for t in sent if t.startswith("Investors")]


def _articles(seed_text):
    from conftest import FIXTURES

    texts = [p.read_text(encoding="utf-8") for p in sorted((FIXTURES / "articles").glob("*.txt"))]
    heldout = sorted((FIXTURES.parent / "heldout").glob("*.txt"))
    texts += [p.read_text(encoding="utf-8") for p in heldout]
    return texts + [seed_text.replace("\n", "\r\n"), GLUED_FRENCH, "", "  \n ", "OK", "東京の天気"]


def test_analyze_many_gives_analyze_s_answers_in_order(seed_text):
    texts = _articles(seed_text)
    many = attrib.analyze_many(iter(texts))
    assert many == [attrib.analyze(t) for t in texts]
    assert texts[0] == seed_text
    check_seed(many[0], seed_text)
    # batches of any size: the answers never depend on the neighbours
    assert attrib.default_detector().analyze_many(texts, batch_size=3) == many


def test_analyze_many_sends_the_lines_of_a_batch_to_langdetect_in_one_call(monkeypatch, seed_text):
    from attrib import detector, language

    calls: list[int] = []
    detect = language.detect_languages
    monkeypatch.setattr(detector, "detect_languages", lambda t: calls.append(len(t)) or detect(t))
    texts = _articles(seed_text)
    attrib.analyze_many(texts)
    assert len(calls) == 1 and calls[0] > len(texts)


def test_a_batch_collects_cycles_less_often_and_puts_the_thresholds_back(monkeypatch, seed_text):
    import gc
    import threading

    from attrib import detector

    seen: list[tuple[int, int, int]] = []
    analyze_spans = detector.analyze_spans

    def watched(*args, **kwargs):
        seen.append(gc.get_threshold())
        return analyze_spans(*args, **kwargs)

    monkeypatch.setattr(detector, "analyze_spans", watched)
    before = gc.get_threshold()
    try:
        gc.set_threshold(700, 11, 12)
        attrib.analyze_many(_articles(seed_text))
        assert set(seen) == {(100_000, 11, 12)} and gc.get_threshold() == (700, 11, 12)
        # batches in several threads at once: the thresholds come back when the last one ends
        threads = [
            threading.Thread(target=attrib.analyze_many, args=(_articles(seed_text),))
            for _ in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert gc.get_threshold() == (700, 11, 12)
        gc.set_threshold(0, 11, 12)  # the collector turned off stays off
        seen.clear()
        attrib.analyze_many(_articles(seed_text))
        assert set(seen) == {(0, 11, 12)} and gc.get_threshold() == (0, 11, 12)
    finally:
        gc.set_threshold(*before)


def test_analyze_many_rejects_a_non_str_before_analysing_any(monkeypatch):
    from attrib import detector

    monkeypatch.setattr(detector, "analyze_batch", lambda *a: pytest.fail("analysed"))
    with pytest.raises(TypeError, match="item 1 is bytes"):
        attrib.analyze_many(["fine", b"bytes"])
    with pytest.raises(ValueError, match="batch_size must be at least 1, not 0"):
        attrib.default_detector().analyze_many(["fine"], batch_size=0)


def test_a_failing_article_in_a_batch_fails_alone(monkeypatch, seed_text):
    from attrib import detector

    analyze_spans = detector.analyze_spans

    def fragile(det, text, spans, guesses=None):
        if "Markets rally" in text:
            raise RuntimeError("boom")
        return analyze_spans(det, text, spans, guesses)

    monkeypatch.setattr(detector, "analyze_spans", fragile)
    texts = [seed_text, GLUED_FRENCH, seed_text]
    out = detector.analyze_batch(detector.default_detector(), texts)
    assert isinstance(out[1], RuntimeError)
    check_seed(out[0], seed_text)
    check_seed(out[2], seed_text)
    with pytest.raises(RuntimeError, match="boom"):
        attrib.analyze_many(texts)


def test_when_the_shared_langdetect_call_fails_each_article_detects_its_own(monkeypatch, seed_text):
    from attrib import detector

    def refuse(texts):
        raise MemoryError("one call too big")

    monkeypatch.setattr(detector, "detect_languages", refuse)
    out = detector.analyze_batch(detector.default_detector(), [seed_text, GLUED_FRENCH])
    assert out == [attrib.analyze(seed_text), attrib.analyze(GLUED_FRENCH)]


def _first_outlet_name_one_by_one(text):
    from attrib.detector import _outlet_names

    for _name, pattern in _outlet_names():
        if m := pattern.search(text):
            return m.group(0)
    return None


_OUTLET_PIECES = st.sampled_from(
    ["Reuters", "REUTERS", "reuters", "AFP", "Agence France-Presse", "dpa", "Süddeutsche Zeitung",
     "SÜDDEUTSCHE ZEITUNG", "Associated Press", "The Associated Press", "Anadolu Ajansı",
     "الجزيرة نت", "Российская газета", "Source: ", "Quelle: ", " / ", ".", "x", "_", "-", " ",
     "İ", "ſ", "\u212a", "Reutersx", "xAFP", "1"]
)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(st.lists(_OUTLET_PIECES, max_size=8))
def test_the_outlet_a_footer_names_is_the_first_of_the_table_it_holds(pieces):
    from attrib.detector import _outlet_name_in

    text = "".join(pieces)
    assert _outlet_name_in.__wrapped__(text) == _first_outlet_name_one_by_one(text)


def test_every_outlet_name_is_found_as_written_in_any_case():
    from attrib.detector import _outlet_name_in, _outlet_names

    for name, _ in _outlet_names():
        for written in (name, name.upper(), name.lower()):
            text = f"Quelle: {written}."
            assert _outlet_name_in.__wrapped__(text) == _first_outlet_name_one_by_one(text)
