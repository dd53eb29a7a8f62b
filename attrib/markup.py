"""Read the plain-text article markup used by ``data/sources`` and ``tests/heldout``.

Each article starts with ``### key: value`` headers (``doc``, ``lang``, optional ``source_domain``,
``source_host``, ``source_name``) and has one ``LABEL| text`` or ``LABEL*xx| text`` line per
segment; a line starting with ``+`` is glued to the previous segment's line. See
``data/sources/FORMAT.md``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from .errors import DataSchemaError

__all__ = ["MarkedArticle", "MarkedSegment", "parse_markup", "read_markup"]

_LINE = re.compile(r"^(\+?)(body|footer|boilerplate)(?:\*([a-z]{2}))?\|\s?(.*)$")
_HEADER = re.compile(r"^###\s*([a-z_]+)\s*:\s*(.*?)\s*$")


@dataclass(frozen=True, slots=True)
class MarkedSegment:
    """One labeled segment of a marked-up article."""

    label: str
    text: str
    mixed_language: str | None = None
    """The segment's language when it differs from the article's, else None."""
    glued: bool = False
    """True when the segment follows the previous one on the same line."""


@dataclass(slots=True)
class MarkedArticle:
    """An article in markup: headers and labeled segments."""

    doc_id: str
    language: str
    segments: list[MarkedSegment] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)

    def lines(self) -> list[list[MarkedSegment]]:
        """Segments grouped by physical line (glued segments share a line)."""
        out: list[list[MarkedSegment]] = []
        for seg in self.segments:
            if seg.glued and out:
                out[-1].append(seg)
            else:
                out.append([seg])
        return out

    def text(self, separator: str = "\n\n") -> str:
        """The article as a scraper would store it."""
        return separator.join(" ".join(s.text for s in line) for line in self.lines())


def parse_markup(content: str, where: str = "<markup>") -> list[MarkedArticle]:
    """Parse markup text into articles; raises :class:`DataSchemaError` naming the line."""
    articles: list[MarkedArticle] = []
    current: MarkedArticle | None = None
    for number, raw in enumerate(content.splitlines(), 1):
        line = raw.strip()
        if not line:
            continue
        header = _HEADER.match(line)
        if header:
            key, value = header.groups()
            if key == "doc":
                current = MarkedArticle(doc_id=value, language="")
                articles.append(current)
            elif current is None:
                raise DataSchemaError(f"{where}:{number}: header before any '### doc:' line")
            elif key == "lang":
                current.language = value
            else:
                current.headers[key] = value
            continue
        m = _LINE.match(line)
        if m is None or current is None:
            raise DataSchemaError(f"{where}:{number}: not a 'LABEL| text' line: {line[:60]!r}")
        glued, label, lang, text = m.groups()
        if not text.strip():
            raise DataSchemaError(f"{where}:{number}: empty segment")
        current.segments.append(MarkedSegment(label, text.strip(), lang, bool(glued)))
    for article in articles:
        if not article.language or not article.segments:
            raise DataSchemaError(f"{where}: article {article.doc_id} lacks a language or segments")
    return articles


def read_markup(path: str | Path) -> list[MarkedArticle]:
    """Read one markup file."""
    p = Path(path)
    return parse_markup(p.read_text(encoding="utf-8"), str(p))
