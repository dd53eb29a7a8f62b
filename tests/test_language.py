"""Language: deterministic, masked, script first, short lines never flip mixed_language."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from hypothesis import given
from hypothesis import strategies as st

from attrib.language import (
    _scripts_of,
    article_language,
    detect_language,
    detect_languages,
    guess,
    is_mixed,
    mask,
    script_of,
)


def test_urls_domains_and_emails_never_count_as_language():
    assert guess("https://www.argaam.com/ar/article/1").language is None
    assert guess("desk@example.com").language is None
    assert "argaam" not in mask("ظهرت في الأصل على www.argaam.com")


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("북한과 러시아의 관계가 강화되고 있다", "ko"),
        ("東京の天気は明日から崩れる見込みです", "ja"),
        ("北京时间周三晚间，央行宣布降息", "zh"),
        ("北京時間週三晚間，央行宣布降息", "zh"),
        ("รัฐบาลประกาศมาตรการใหม่วันนี้", "th"),
        ("Η κυβέρνηση ανακοίνωσε νέα μέτρα", "el"),
    ],
)
def test_script_settles_the_language(text, code):
    assert guess(text).language == code


def test_same_answer_in_fresh_processes():
    code = (
        "from attrib.language import guess;"
        "print([guess(t).language for t in ['Hola amigos de la casa', 'Sono qui', 'Ja tak']])"
    )
    runs = {
        subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, check=True
        ).stdout
        for _ in range(2)
    }
    assert len(runs) == 1


def test_the_callers_langdetect_seed_is_left_alone():
    from langdetect import DetectorFactory

    before = DetectorFactory.seed
    guess("Un texte en français pour tester la détection")
    assert DetectorFactory.seed == before


def test_dominant_language_is_weighted_by_letters():
    guesses = [
        guess("Russian President Vladimir Putin arrived in North Korea on Wednesday."),
        guess("He praised the common approach at the United Nations, officials said."),
        guess("ظهرت في الأصل على www.argaam.com"),
    ]
    assert article_language(guesses) == "en"


def test_foreign_script_line_is_mixed_but_short_same_script_lines_are_not():
    assert is_mixed(guess("ظهرت في الأصل على www.argaam.com"), "en", "Latn") == ("ar", True)
    assert is_mixed(guess("Leave a Comment"), "en", "Latn")[1] is False
    assert is_mixed(guess("Reuters"), "fr", "Latn")[1] is False
    assert is_mixed(guess("Kim Jong Un"), "de", "Latn")[1] is False
    assert is_mixed(guess("2024"), "en", "Latn") == (None, False)


def test_a_long_quotation_in_another_latin_language_is_mixed():
    quote = "We are ready to work with our partners in Paris on this difficult question, the minister said."
    assert is_mixed(guess(quote), "fr", "Latn") == ("en", True)


def test_kanji_only_line_of_a_japanese_article_is_not_mixed():
    assert is_mixed(guess("東京都知事選挙"), "ja", "Kana") == ("ja", False)


def test_the_fast_extras_give_the_same_results_as_a_plain_install():
    # A C compiler builds the compiled steps (langdetect's detector and the cue lexicon among
    # them) and attrib[fast] brings langdetect-rs; with the compiled steps, with langdetect-rs
    # in their place, and with everything refused through the environment, every answer on the
    # held-out set must be the same.
    pytest.importorskip("langdetect_rs")
    pytest.importorskip("ahocorasick")
    pytest.importorskip("attrib._speedups")
    code = (
        "import json, attrib;"
        "from attrib.language import backend;"
        "from attrib.features import lexicon;"
        "from attrib.speedups import backend as speedups;"
        "from heldout_eval import load_heldout;"
        "print(backend(), lexicon().backend, speedups());"
        "print(json.dumps([attrib.analyze(c.text).to_dict() for c in load_heldout()]))"
    )
    plain = {"ATTRIB_LANGDETECT": "python", "ATTRIB_LEXICON": "python", "ATTRIB_SPEEDUPS": "python"}
    outs = {}
    for setting in ({}, {"ATTRIB_LANGDETECT": "langdetect_rs"}, plain):
        env = {**os.environ, "PYTHONPATH": "tests", **setting}
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True
        )
        used, results = done.stdout.split("\n", 1)
        outs[used] = results
    assert set(outs) == {"c c c", "langdetect_rs c c", "langdetect re python"}
    assert outs["c c c"] == outs["langdetect_rs c c"] == outs["langdetect re python"]


def test_batch_detection_gives_each_texts_own_answer():
    texts = [
        "Le gouvernement a présenté mercredi son projet de budget pour l'année prochaine.",
        "",
        "12345 -- 678",
        "Die Regierung hat am Mittwoch ihren Haushaltsentwurf vorgestellt.",
        "ظهرت في الأصل على",
    ]
    assert detect_languages(texts) == [detect_language(t) for t in texts]
    assert detect_languages(texts)[1] == ()  # no features: no candidates, no error
    assert detect_languages([]) == []


def _one_by_one(texts):
    return [(script, sum(counts.values())) for script, counts in map(script_of, texts)]


def test_scripts_counted_for_many_lines_at_once_are_each_lines_own():
    texts = [
        "Putin arrives in North Korea",
        "ظهرت في الأصل على",
        "東京の天気は晴れ",  # kana with kanji: Japanese script
        "中文 ру",  # a tie: the script seen first wins
        "ab αβ",
        "",
        "12345 -- !!",
        "𠀀𠀁 and 𝐀",  # letters beyond the Basic Multilingual Plane
    ]
    assert _scripts_of(texts) == _one_by_one(texts)
    assert _scripts_of(texts)[2:4] == [("Kana", 8), ("Hani", 4)]


@given(st.lists(st.text(max_size=40), max_size=6))
def test_any_lines_get_the_scripts_that_script_of_gives_them(texts):
    assert _scripts_of(texts) == _one_by_one(texts)
