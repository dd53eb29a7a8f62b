"""Stage 1: split an article into line spans with offsets into the original text.

Every non-blank line becomes one :class:`Span`. Offsets are half-open indices into the text
the caller passed, so ``text[span.start:span.end] == span.text`` holds whatever the line ends
(LF, CRLF, CR, Unicode separators) or the invisible marks around a line.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .language import _SCRIPTS, ScriptTable, compiled_scripts
from .speedups import compiled_module, maker

__all__ = ["Span", "split_lines", "tail_starts", "all_tail_starts", "INVISIBLE"]

# Zero-width and bidi controls that scrapers leave around lines and hosts.
INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2060\u2066\u2067\u2068\u2069\ufeff\u00ad"
_EDGE_CHARS = "".join(chr(c) for c in range(0x3001) if chr(c).isspace()) + INVISIBLE
_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")

# A place where a footer may start inside a line: after the end of a sentence (with any
# closing quotes or brackets) and white space, or where the script changes at a space.
_SENTENCE_END = re.compile(r"[.!?。！？…؟।][\"'”’»」』)\]]*[\s\u00a0]+(?=\S)")
_TAIL_MIN, _TAIL_MAX, _HEAD_MIN = 8, 320, 24
_MARGIN = 64  # a match starting this far before the last _TAIL_MAX characters may end in them
_KEEP = 3  # the last candidates of a line: a glued footer is at its very end


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of the original text: ``text[start:end]``."""

    start: int
    end: int
    text: str


_make_span = maker(Span)  # Span(start, end, text), without the dataclass __init__ when compiled


def _strip(text: str, start: int, end: int) -> Span | None:
    piece = text[start:end]
    lead = len(piece) - len(piece.lstrip(_EDGE_CHARS))
    trail = len(piece.rstrip(_EDGE_CHARS))
    if trail <= lead:
        return None  # the whole line is white space or invisible marks
    return Span(start + lead, start + trail, piece[lead:trail])


def split_lines(text: str) -> tuple[Span, ...]:
    """Return the non-blank lines of ``text`` as spans, without edge white space.

    >>> [s.text for s in split_lines("Title\\r\\n\\r\\n  Body.\\u200f\\nLeave a Comment")]
    ['Title', 'Body.', 'Leave a Comment']
    >>> split_lines("a\\r\\nb")[1].start
    3
    """
    compiled = compiled_module()
    if compiled is not None:  # the same spans in one compiled pass
        return compiled.split_lines(text, _make_span)  # type: ignore[no-any-return]
    spans = []
    for m in _LINE.finditer(text):
        span = _strip(text, m.start(), m.end())
        if span is not None:
            spans.append(span)
    return tuple(spans)


# Script classes for tail starts, one mark per character: 0 not a letter, 1 Latin, 2 Hebrew and
# Arabic, 3 CJK, kana and Hangul, 4 any other script.
_CLASS_TABLE = ScriptTable(
    {None: "0", "Latn": "1", "Hebr": "2", "Arab": "2", "Hani": "3", "Kana": "3", "Hang": "3"},
    default="4",
)
# A run of non-letters between two letters of different classes, the second not Latin.
_SWITCH = re.compile(r"(?<=([1-4]))0+(?!\1)(?=[234])")


def tail_starts(span: Span) -> tuple[int, ...]:
    """Offsets (into the original text) where a footer glued to the end of ``span`` may start.

    Candidates follow a sentence end, or a change of script at a space, and leave both a head
    and a tail of plausible length. The classifier decides whether a tail really is a footer.

    >>> line = Span(0, 52, 'He called it "ridiculous." Source: www.example.com')
    >>> [line.text[i:] for i in tail_starts(line)]
    ['Source: www.example.com']
    """
    text = span.text
    n = len(text)
    starts: set[int] = set()
    # Only the last _TAIL_MAX characters can start a tail; the margin covers a match's length.
    first = max(0, n - _TAIL_MAX - _MARGIN)
    for m in _SENTENCE_END.finditer(text, first):
        starts.add(m.end())
    # Script changes at a space: "… ridiculous ظهرت في الأصل …"; only word starts can be one.
    if not text.isascii():
        classes = text.translate(_CLASS_TABLE)  # one class mark per character
        for m in _SWITCH.finditer(classes, first):
            i = m.end()
            if text[i - 1] == " ":
                starts.add(i)
    keep = sorted(i for i in starts if n - i >= _TAIL_MIN and n - i <= _TAIL_MAX and i >= _HEAD_MIN)
    return tuple(span.start + i for i in keep[-_KEEP:])


def all_tail_starts(
    spans: Sequence[Span], paragraph: tuple[Callable[[str], bool], int] | None = None
) -> list[tuple[int, ...]]:
    """:func:`tail_starts` of each span: one compiled pass (:mod:`attrib.speedups`) if built.

    ``paragraph``: ``(is_paragraph, PARAGRAPH_CHARS)`` of :mod:`attrib.features` keeps only the
    starts whose head (the line before them, without trailing white space) is a paragraph; the
    compiled pass applies that rule itself, from the number of characters.
    """
    compiled = compiled_scripts()
    if compiled is None:
        found = [tail_starts(span) for span in spans]
        if paragraph is None:
            return found
        is_paragraph = paragraph[0]
        return [
            tuple([i for i in starts if is_paragraph(span.text[: i - span.start].rstrip())])
            for span, starts in zip(spans, found, strict=True)
        ]
    found = compiled.tail_starts(
        [span.text for span in spans],
        _script_classes(),
        _TAIL_MIN,
        _TAIL_MAX,
        _HEAD_MIN,
        _MARGIN,
        _KEEP,
        0 if paragraph is None else paragraph[1],
    )
    return [
        tuple([span.start + i for i in row]) if row else ()  # most lines have none
        for span, row in zip(spans, found, strict=True)
    ]


@functools.lru_cache(maxsize=1)
def _script_classes() -> bytes:
    """The class of :data:`_CLASS_TABLE` of each script id of the compiled pass."""
    marks = [_CLASS_TABLE.mark(None)] + [_CLASS_TABLE.mark(name) for name in _SCRIPTS]
    return bytes(int(m or 0) for m in marks)
