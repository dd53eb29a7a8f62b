"""Stage 5: find hosts written in a segment and reduce them to registrable domains.

The Public Suffix List comes from the snapshot bundled with tldextract; nothing is fetched or
written at run time.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from .segment import INVISIBLE
from .speedups import compiled_module

__all__ = ["Host", "find_hosts", "registrable_domain"]

_DOTS = "．。｡"
_INVISIBLE_RE = re.compile(f"[{INVISIBLE}]")
# ASCII hosts: labels of letters, digits or hyphens joined by ASCII or full-width dots, optionally
# behind a scheme, ending in a label that starts with a letter (so "3.5" and "v1.2" are not
# hosts). Letters of other scripts may touch them: "本文转载自people.com.cn", "www.samakal.com-এ".
_ASCII_HOST = re.compile(
    r"(?<![A-Za-z0-9@.．。｡\u00c0-\u024f\u1e00-\u1eff-])"
    r"(?:(?:https?|ftp)://)?"
    rf"((?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?[.{_DOTS}]\u200b?)+"
    r"(?:[A-Za-z][A-Za-z0-9-]*[A-Za-z0-9]|xn--[A-Za-z0-9-]+))"
    r"(?![A-Za-z0-9@\u00c0-\u024f\u1e00-\u1eff]|-[A-Za-z0-9]|[.．。｡][A-Za-z0-9])",
)
# Internationalised hosts: the same with letters of any script, each label in one script.
_IDN_HOST = re.compile(
    r"(?<![\w@.．。｡-])"
    r"(?:(?:https?|ftp)://)?"
    rf"((?:[^\W_](?:[\w-]*[^\W_])?[.{_DOTS}]\u200b?)+[^\W\d_](?:[\w-]*[^\W_])?)"
    r"(?![\w@-]|[.．。｡][^\W_])",
)
_NOT_SOURCES = frozenset({"creativecommons.org"})
# Every host ends in a dot and a label that starts with a letter: a line without that holds none,
# and most lines of prose are such lines.
_DOT_LETTER = re.compile(rf"[.{_DOTS}]\u200b?[^\W\d_]")


@dataclass(frozen=True, slots=True)
class Host:
    """A host written in a text."""

    start: int
    """Offset of the host in the searched text."""
    end: int
    """End offset (exclusive)."""
    written: str
    """The host as written, lowercased, invisible marks removed (``www.argaam.com``)."""
    domain: str
    """Registrable domain, Unicode, lowercase, without ``www.`` (``argaam.com``)."""


@functools.lru_cache(maxsize=1)
def _extractor():  # type: ignore[no-untyped-def]
    import tldextract

    # No URLs and no cache: the bundled PSL snapshot only, nothing fetched or written.
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


def _to_unicode(label: str) -> str:
    if label.startswith("xn--"):
        try:
            return label.encode("ascii").decode("idna")
        except UnicodeError:
            return label
    return label


@functools.lru_cache(maxsize=16384)
def registrable_domain(host: str) -> str | None:
    """Return the registrable domain of ``host`` (Unicode, lowercase), or None.

    >>> registrable_domain("english.alarabiya.net"), registrable_domain("news.bbc.co.uk")
    ('alarabiya.net', 'bbc.co.uk')
    >>> registrable_domain("xn--e1afmkfd.xn--p1ai"), registrable_domain("file.txt")
    ('пример.рф', None)
    """
    host = _INVISIBLE_RE.sub("", host).strip(".").lower()
    for dot in _DOTS:
        host = host.replace(dot, ".")
    labels = [_to_unicode(label) for label in host.split(".") if label]
    if len(labels) < 2:
        return None
    result = _extractor()(".".join(labels))
    if not result.suffix or not result.domain:
        return None
    return f"{result.domain}.{result.suffix}"


def _one_script_per_label(host: str) -> bool:
    from .language import script_of

    for label in re.split(f"[.{_DOTS}]", host):
        _, counts = script_of(label)
        if len(counts) > 1:
            return False
    return True


@functools.lru_cache(maxsize=8192)  # features read a line's hosts for it and for its neighbours
def find_hosts(text: str) -> tuple[Host, ...]:
    """Return every host in ``text`` that has a registrable domain, in order.

    URLs, Markdown links, bare hosts, full-width dots and invisible marks are handled; e-mail
    addresses are not hosts.

    >>> [h.domain for h in find_hosts("Lire sur [Le Monde](https://www.lemonde.fr/a?b=1).")]
    ['lemonde.fr']
    >>> [h.written for h in find_hosts("ظهرت في الأصل على www.argaam.com")]
    ['www.argaam.com']
    >>> [h.domain for h in find_hosts("本文转载自people.com.cn，如有侵权请联系删除")]
    ['people.com.cn']
    """
    compiled = compiled_module()
    if compiled is not None and compiled.plain_mask(text):
        return ()  # no dot before a letter, which every host ends with
    clean = _INVISIBLE_RE.sub("\u200b", text) if _INVISIBLE_RE.search(text) else text
    if not _DOT_LETTER.search(clean):
        return ()
    # Only the stretches that may hold a host are searched: the same matches, without trying the
    # patterns at every position of a long line.
    windows = compiled.host_windows(clean) if compiled is not None else [(0, len(clean))]
    found: dict[int, tuple[int, str]] = {}
    for start, end in windows:
        for m in _ASCII_HOST.finditer(clean, start, end):
            found[m.start(1)] = (m.end(1), m.group(1))
    if not clean.isascii():
        taken = [(s, e) for s, (e, _) in found.items()]
        for m in (m for start, end in windows for m in _IDN_HOST.finditer(clean, start, end)):
            raw = m.group(1)
            if raw.isascii() or not _one_script_per_label(raw.replace("\u200b", "")):
                continue
            if any(m.start(1) < e and s < m.end(1) for s, e in taken):
                continue
            found[m.start(1)] = (m.end(1), raw)
    hosts = []
    for start in sorted(found):
        end, raw = found[start]
        domain = registrable_domain(raw)
        if domain is None or domain in _NOT_SOURCES:
            continue
        written = _INVISIBLE_RE.sub("", raw).lower()
        hosts.append(Host(start, end, written, domain))
    return tuple(hosts)
