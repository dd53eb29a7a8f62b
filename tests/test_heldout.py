"""Floors on the held-out test set (tests/heldout), written apart from the training data."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

import attrib
from heldout_eval import load_heldout, score

TRAIN = Path(__file__).resolve().parents[1] / "data" / "train.csv"


@pytest.fixture(scope="module")
def cases():
    return load_heldout()


@pytest.fixture(scope="module")
def figures(cases):
    return score(cases, [attrib.analyze(c.text) for c in cases])


def test_the_set_is_large_and_multilingual(cases):
    assert len(cases) >= 60
    assert len({c.language for c in cases}) >= 12
    assert sum(any(k == "footer" for _, _, k, _ in c.spans) for c in cases) >= 40


def test_no_held_out_segment_is_in_the_training_data(cases):
    with TRAIN.open(encoding="utf-8", newline="") as f:
        training = {row["text"] for row in csv.DictReader(f)}
    for case in cases:
        for s, e, kind, _ in case.spans:
            if kind == "footer":
                assert case.text[s:e] not in training, case.doc_id


def test_footer_segment_f1_floor(figures):
    assert figures["footer_f1"] >= 0.90, figures["misses"]


def test_domain_accuracy_floor(figures):
    assert figures["domain_accuracy"] >= 0.90, figures["misses"]


def test_language_accuracy_floor(figures):
    assert figures["language_accuracy"] >= 0.95
