"""Segmentation: every non-blank line is a span whose offsets slice back to its text."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from attrib.segment import Span, split_lines, tail_starts


def texts(spans):
    return [s.text for s in spans]


def test_lines_with_lf_crlf_cr_and_unicode_separators():
    text = "One\r\nTwo\rThree\u2028Four\nFive"
    assert texts(split_lines(text)) == ["One", "Two", "Three", "Four", "Five"]


def test_blank_and_invisible_only_lines_are_not_segments():
    text = "A\n\n   \n\u200b\u200f\n\u00a0\nB"
    assert texts(split_lines(text)) == ["A", "B"]


def test_edges_lose_nbsp_zero_width_and_bidi_marks_but_offsets_stay_in_the_original():
    text = "x\n\u00a0\u200f ظهرت في الأصل على www.argaam.com\u200f\u200b \ny"
    line = split_lines(text)[1]
    assert line.text == "ظهرت في الأصل على www.argaam.com"
    assert text[line.start : line.end] == line.text


def test_crlf_offsets_point_into_the_original_text():
    text = "Title\r\n\r\nBody line.\r\nLeave a Comment"
    for span in split_lines(text):
        assert text[span.start : span.end] == span.text
    assert split_lines(text)[2].start == text.index("Leave")


def test_tail_candidates_follow_sentence_ends_and_script_changes():
    line = "North Korea called the accusations “ridiculous.” ظهرت في الأصل على www.argaam.com"
    span = Span(10, 10 + len(line), line)
    tails = [line[i - 10 :] for i in tail_starts(span)]
    assert tails == ["ظهرت في الأصل على www.argaam.com"]


def test_no_tail_candidate_in_a_single_sentence():
    line = "The ministry said the talks would resume on Monday in Geneva"
    assert tail_starts(Span(0, len(line), line)) == ()


@given(st.text())
def test_any_unicode_gives_ordered_disjoint_spans_that_slice_back(text):
    spans = split_lines(text)
    previous_end = 0
    for span in spans:
        assert previous_end <= span.start < span.end <= len(text)
        assert text[span.start : span.end] == span.text
        assert span.text.strip() == span.text or not span.text.strip().isprintable()
        previous_end = span.end
