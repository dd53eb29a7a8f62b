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


FIXTURES = Path(__file__).resolve().parent / "fixtures"


def _taken_for_footers(lines_file: Path) -> tuple[int, int]:
    """Each line of ``lines_file`` (language, line) appended to the body of the first four
    unsyndicated training articles of its language: how often it comes out a footer, of how many."""
    with lines_file.open(encoding="utf-8", newline="") as f:
        lines = [(r["language"], r["line"]) for r in csv.DictReader(f, delimiter="\t")]
    with TRAIN.open(encoding="utf-8", newline="") as f:
        docs: dict[str, list[dict[str, str]]] = {}
        for r in csv.DictReader(f):
            docs.setdefault(r["doc_id"], []).append(r)
    bodies: dict[str, list[list[str]]] = {}
    for rows in docs.values():
        if not any(r["label"] == "footer" for r in rows):
            body = [r["text"] for r in rows if r["label"] == "body"]
            bodies.setdefault(rows[0]["language"], []).append(body)
    taken = total = 0
    for language, line in lines:
        for body in bodies[language][:4]:
            result = attrib.analyze("\n".join([*body, line]))
            assert result.segments[-1].text == line
            taken += result.segments[-1].kind == "footer"
            total += 1
    assert total == 4 * len(lines)
    return taken, total


def test_a_short_closing_sentence_that_ends_an_article_is_rarely_taken_for_a_credit():
    # 31 closing sentences in 13 languages, written apart from data/ ("The investigation is
    # continuing."). Session 7's model took 34% of these 124 for footers, session 8's 22%,
    # session 9's 23%; the floor is 25%.
    taken, total = _taken_for_footers(FIXTURES / "closing_lines.tsv")
    assert total >= 120
    assert taken / total <= 0.25, f"{taken} of {total} closing lines taken for footers"


def test_the_outlets_own_staff_credit_that_ends_an_article_is_rarely_taken_for_a_credit():
    # 14 staff credits in 12 languages ("(Reporting by … in Abuja; Editing by …)", "（责任编辑：…）"),
    # written for this check before data/sources/staff/ was: body by docs/labeling.md. Session
    # 8's model took 45% of these 56 for footers, session 9's 14%; the floor is 25%.
    taken, total = _taken_for_footers(FIXTURES / "staff_lines.tsv")
    assert total >= 56
    assert taken / total <= 0.25, f"{taken} of {total} staff credits taken for footers"
