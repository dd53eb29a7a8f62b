"""Run by `make sanitize` only: the compiled module under test is the sanitized build."""

from __future__ import annotations

import os

import pytest

import attrib
from attrib.speedups import compiled_module

pytestmark = pytest.mark.skipif(
    "sanitize" not in os.environ.get("PYTHONPATH", ""), reason="only under make sanitize"
)


def test_the_sanitized_build_is_the_one_in_use():
    module = compiled_module()
    assert module is not None and "sanitize" in module.__file__


@pytest.mark.parametrize(
    "text",
    [
        "",
        "\x00",
        "a" * 100_000,
        "ظهرت في الأصل على www.argaam.com " * 2_000,
        "\ud800\udfff x. Y",
        "😀" * 5_000,
        "Title\n\n" + "A paragraph of the story. " * 400 + "\nSource: www.example.com",
    ],
    ids=["empty", "nul", "long-run", "long-arabic", "surrogates", "astral", "long-paragraph"],
)
def test_edge_texts_run_clean_under_the_sanitizers(text):
    assert attrib.analyze(text).text == text
