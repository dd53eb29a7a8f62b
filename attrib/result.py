"""Frozen result types returned by :func:`attrib.analyze`."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Attribution", "Kind", "Segment", "KINDS"]

Kind = Literal["body", "footer", "boilerplate"]
KINDS: tuple[str, ...] = ("body", "boilerplate", "footer")

_MANY_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment (a non-blank line, or an inline footer split off a line) of an article."""

    start: int
    """Offset of the first character in the original text."""
    end: int
    """Offset one past the last character (half-open): ``text[start:end] == segment.text``."""
    text: str
    """The segment as written, without surrounding white space or invisible marks."""
    kind: Kind
    """``body``, ``footer`` (syndication/attribution) or ``boilerplate`` (site chrome)."""
    language: str | None
    """ISO 639-1 code of the segment's language, or None when there is nothing to judge."""
    mixed_language: bool
    """True when the segment's language differs from the article's dominant language."""
    score: float
    """Probability the model gives to ``kind``."""

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict."""
        return asdict(self)


@dataclass(frozen=True, slots=True)
class Attribution:
    """What attrib found out about one article."""

    language: str | None
    """ISO 639-1 code of the body's dominant language (``zh`` for any Chinese), or None."""
    is_syndicated: bool
    """True when at least one segment is a footer."""
    source_domain: str | None
    """Registrable domain of the original publisher (``argaam.com``), Unicode for IDN, or None."""
    source_host: str | None
    """The host as written in the footer, lowercased (``www.argaam.com``), or None."""
    source_name: str | None
    """The outlet name as written when no footer gives a domain, else None."""
    confidence: float
    """Probability that the article is syndicated (the highest footer probability), 0..1."""
    segments: tuple[Segment, ...]
    """Every segment in text order."""
    text: str = field(repr=False)
    """The original text, kept so that :attr:`clean_text` keeps its layout."""

    @property
    def footers(self) -> tuple[Segment, ...]:
        """The footer segments, in text order."""
        return tuple(s for s in self.segments if s.kind == "footer")

    @property
    def mixed_segments(self) -> tuple[Segment, ...]:
        """Segments whose language differs from the article's."""
        return tuple(s for s in self.segments if s.mixed_language)

    @property
    def clean_text(self) -> str:
        """The original text without footer and boilerplate segments."""
        pieces: list[str] = []
        cursor = 0
        for seg in self.segments:
            if seg.kind == "body":
                continue
            pieces.append(self.text[cursor : seg.start])
            cursor = seg.end
        pieces.append(self.text[cursor:])
        joined = "".join(pieces).replace("\r\n", "\n").replace("\r", "\n")
        lines = [line.rstrip() for line in joined.split("\n")]
        return _MANY_BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()

    def to_dict(self) -> dict[str, Any]:
        """Return a JSON-ready dict (the original text is left out; ``clean_text`` is in)."""
        return {
            "language": self.language,
            "is_syndicated": self.is_syndicated,
            "source_domain": self.source_domain,
            "source_host": self.source_host,
            "source_name": self.source_name,
            "confidence": self.confidence,
            "segments": [s.to_dict() for s in self.segments],
            "clean_text": self.clean_text,
        }
