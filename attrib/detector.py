"""The Detector runs the stages on one article: segment -> language -> features -> classify ->
domains, and assembles an :class:`~attrib.result.Attribution`.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

import numpy as np

from .compiled import CompiledModel
from .domains import Host, find_hosts
from .features import PARAGRAPH_CHARS, Record, build_records, is_paragraph, piece_cues
from .language import (
    Guess,
    GuessPlan,
    article_votes,
    detect_languages,
    detect_planned,
    guess_all,
    guess_many_in,
    mixed_all,
    plan_guesses,
)
from .result import Attribution, Segment
from .segment import Span, all_tail_starts, split_lines
from .speedups import compiled_module, maker

__all__ = ["Detector", "default_detector", "analyze_batch", "analyze_spans"]


_make_segment = maker(Segment)  # Segment(...), without the dataclass __init__ when compiled
_make_attribution = maker(Attribution)


@dataclass(frozen=True, slots=True)
class _Languages:
    article: str | None
    script: str | None
    segments: tuple[tuple[str | None, bool], ...]


_make_languages = maker(_Languages)


def _languages(guesses: Sequence[Guess], voters: Sequence[Guess] | None = None) -> _Languages:
    article, script = article_votes(voters if voters else guesses)
    return _make_languages(article, script, mixed_all(guesses, article, script))


@functools.lru_cache(maxsize=1)
def _outlet_names() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Outlet names from the bundled table, longest first, as whole-word patterns."""
    table = resources.files("attrib") / "resources" / "outlets.tsv"
    names = []
    for line in table.read_text(encoding="utf-8").splitlines()[1:]:
        name = line.split("\t")[0].strip()
        if len(name) >= 2:
            names.append(name)
    names.sort(key=lambda s: (-len(s), s))
    return tuple((n, re.compile(rf"(?<!\w){re.escape(n)}(?!\w)", re.IGNORECASE)) for n in names)


_OUTLET_GROUP = 20  # names a combined pattern stands for


@functools.lru_cache(maxsize=1)
def _outlet_groups() -> tuple[tuple[re.Pattern[str], tuple[re.Pattern[str], ...]], ...]:
    """The outlet names' patterns in order, in runs of 20, each run with one pattern that
    matches where any of its names does."""
    names = _outlet_names()
    groups = []
    for first in range(0, len(names), _OUTLET_GROUP):
        run = names[first : first + _OUTLET_GROUP]
        either = "|".join(re.escape(name) for name, _ in run)
        groups.append(
            (re.compile(rf"(?<!\w)(?:{either})(?!\w)", re.IGNORECASE), tuple(p for _, p in run))
        )
    return tuple(groups)


@functools.lru_cache(maxsize=4096)  # feeds repeat their credit lines
def _outlet_name_in(text: str) -> str | None:
    """The first name of the outlet table (longest first) that ``text`` holds, as written.

    The first run of names whose combined pattern matches holds that name: the runs before it
    hold none. Six times faster than asking each of the 420 names.
    """
    for either, patterns in _outlet_groups():
        if either.search(text) is None:
            continue
        for pattern in patterns:
            m = pattern.search(text)
            if m:
                return m.group(0)
    return None


_AFTER_COLON = re.compile(r"[:：]\s*([^:：]{2,60}?)[\s.。]*$")


_SURE = 0.75  # footers at least this likely speak before less certain ones
_ANOTHER_LANGUAGE = "und"  # a tail's language as features see it when it is not the article's


def _source_host(footers: Sequence[Segment]) -> Host | None:
    """The host of the first sure footer that writes one, else of the first footer that does."""
    found = [
        (seg.score < _SURE, i, hosts[0])
        for i, seg in enumerate(footers)
        if (hosts := find_hosts(seg.text))
    ]
    return min(found, key=lambda t: (t[0], t[1]))[2] if found else None


def source_name(footers: Sequence[Segment]) -> str | None:
    """The outlet a footer names without a domain, as written; None rather than a guess.

    A name from the bundled outlet table wins; otherwise a short name after a colon
    (``Source: Reuters``, ``المصدر: الجزيرة نت``).
    """
    for seg in footers:
        name = _outlet_name_in(seg.text)
        if name is not None:
            return name
    for seg in footers:
        m = _AFTER_COLON.search(seg.text)
        if m and len(m.group(1).split()) <= 5:
            return m.group(1).strip()
    return None


class Detector:
    """Analyse articles with one fitted segment classifier.

    Parameters
    ----------
    model
        A fitted pipeline from :func:`attrib.train` or :func:`attrib.load_model`, or its
        compiled arrays (:func:`attrib.models.load_compiled`).
    footer_threshold
        Footer probability from which a segment is a footer.
    split_threshold
        Footer probability from which the end of a line is split off as an inline footer.
    """

    def __init__(
        self, model: Any, *, footer_threshold: float = 0.5, split_threshold: float = 0.5
    ) -> None:
        self.model = model
        if isinstance(model, CompiledModel):
            self._proba = model.predict_proba
        else:
            from .classify import probability_function

            self._proba = probability_function(model)
        self.footer_threshold = footer_threshold
        self.split_threshold = split_threshold
        classes = [str(c) for c in model.classes_]
        self._footer = classes.index("footer")
        self._classes = tuple(classes)

    def analyze(self, text: str) -> Attribution:
        """Analyse one article; see :func:`attrib.analyze`."""
        if not isinstance(text, str):
            raise TypeError(f"analyze() takes the article as str, not {type(text).__name__}")
        return analyze_spans(self, text, split_lines(text))

    def analyze_many(self, texts: Iterable[str], *, batch_size: int = 256) -> list[Attribution]:
        """Analyse many articles: the same results as :meth:`analyze` on each.

        The lines that need langdetect are detected ``batch_size`` articles at a time, one after
        another, so that langdetect's tables stay warm in the processor's cache instead of being
        evicted by the other stages between two articles.

        Raises
        ------
        TypeError
            An article is not a str (checked before any is analysed).
        ValueError
            ``batch_size`` is below 1.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1, not {batch_size}")
        texts = list(texts)
        for k, text in enumerate(texts):
            if not isinstance(text, str):
                raise TypeError(
                    f"analyze_many() takes articles as str; item {k} is {type(text).__name__}"
                )
        out: list[Attribution] = []
        with fewer_collections():  # the results of every batch so far stay alive
            for first in range(0, len(texts), batch_size):
                for result in analyze_batch(self, texts[first : first + batch_size]):
                    if isinstance(result, Exception):
                        raise result
                    out.append(result)
        return out

    def _kind(self, probs: np.ndarray) -> tuple[str, float]:
        return self._kinds(probs[None, :])[0]

    def _kinds(self, proba: np.ndarray) -> list[tuple[str, float]]:
        """Each row's kind and its probability: a footer from the footer threshold, else the
        likelier of the other kinds."""
        compiled = compiled_module()
        if compiled is not None:
            return compiled.best_kinds(  # type: ignore[no-any-return]
                np.ascontiguousarray(proba, dtype=np.float64),
                self._footer,
                self.footer_threshold,
                self._classes,
            )
        rest = proba.copy()
        rest[:, self._footer] = -1.0
        best = np.where(
            proba[:, self._footer] >= self.footer_threshold, self._footer, rest.argmax(axis=1)
        )
        scores = proba[np.arange(len(best)), best].tolist()
        return [(self._classes[b], p) for b, p in zip(best.tolist(), scores, strict=True)]


def _tail_records(
    spans: Sequence[Span],
    records: list[Record],
    langs: _Languages,
    *,
    same_script: bool = True,
) -> tuple[list[tuple[int, int]], list[Record], list[int]]:
    """Candidate inline footers: the end of a line read as a line of its own after the head.

    Only heads of paragraph length count: a glued footer follows a paragraph. A shorter line
    with several sentences is a footer of several sentences ("… republished with permission.
    Read the original here:"), a bio or a caption, and stays whole. Returns the candidates
    (line, tail start), the tail records and the tails whose language was left undetected
    (``same_script=False``; see :func:`_part_records`). The record of a line with candidates
    gains ``"cues"`` (:func:`~attrib.features.piece_cues`), which its pieces' records copy.
    """
    candidates: list[tuple[int, int]] = []
    parts: list[tuple[str, str]] = []
    found = all_tail_starts(spans, (is_paragraph, PARAGRAPH_CHARS))  # after paragraph heads
    for i, (span, starts) in enumerate(zip(spans, found, strict=True)):
        if not starts:
            continue
        cuts = tuple([start - span.start for start in starts])
        for start, cut in zip(starts, cuts, strict=True):
            parts.append((span.text[cut:], span.text[:cut].rstrip()))
            candidates.append((i, start))
        if known := piece_cues(span.text, cuts):
            records[i]["cues"] = known  # from one pass over the line; its pieces' records copy it
    tails, undetected = _part_records(
        [records[i] for i, _ in candidates],
        [
            (tail, head, records[i]["next"])
            for (i, _), (tail, head) in zip(candidates, parts, strict=True)
        ],
        langs,
        same_script=same_script,
    )
    return candidates, tails, undetected


def _part_records(
    lines: Sequence[Record],
    parts: Sequence[tuple[str, str, str]],
    langs: _Languages,
    *,
    same_script: bool = True,
) -> tuple[list[Record], list[int]]:
    """The records of pieces of lines, each read as a line of its own in its line's place;
    ``parts`` holds (piece, previous text, next text). With ``same_script=False`` pieces in the
    article's script skip langdetect and read as the article's language; their indices are
    returned."""
    guesses, undetected = guess_many_in(
        [part for part, _, _ in parts], langs.script, same_script=same_script
    )
    out = []
    readings = mixed_all(guesses, langs.article, langs.script)
    for line, (part, prev, nxt), g, (lang, mixed) in zip(
        lines, parts, guesses, readings, strict=True
    ):
        rec = dict(line)
        rec.update(
            text=part, prev=prev, next=nxt, language=lang, script=g.script, mixed=mixed,
            letters=g.letters,
        )  # fmt: skip
        out.append(rec)
    return out, undetected


def _choose_splits(
    detector: Detector,
    text: str,
    spans: Sequence[Span],
    records: list[Record],
    langs: _Languages,
    candidates: list[tuple[int, int]],
    tail_proba: np.ndarray,
    line_proba: np.ndarray,
) -> dict[int, tuple[int, str, float, float]]:
    """{line: (tail start, head kind, head score, tail footer probability)} for lines to split:
    a footer-like tail after a head that is not a footer; the most footer-like tail wins.

    The head is classified only when the whole line is a footer (else the line's own answer,
    without the footer, stands for the head): a second, rare model call.
    """
    footer, threshold = detector._footer, detector.footer_threshold
    tail_footer = tail_proba[:, footer].tolist()
    good = [
        (k, i, start, p)
        for k, ((i, start), p) in enumerate(zip(candidates, tail_footer, strict=True))
        if p >= detector.split_threshold
    ]
    need_head = [(k, i, start) for k, i, start, _ in good if line_proba[i][footer] >= threshold]
    head_proba: dict[int, np.ndarray] = {}
    if need_head:
        heads, _ = _part_records(
            [records[i] for _, i, _ in need_head],
            [
                (
                    text[spans[i].start : start].rstrip(),
                    records[i]["prev"],
                    text[start : spans[i].end],
                )
                for _, i, start in need_head
            ],
            langs,
        )
        proba = detector._proba(heads)
        head_proba = {k: p for (k, _, _), p in zip(need_head, proba, strict=True)}
    best: dict[int, tuple[int, str, float, float]] = {}
    for k, i, start, p in good:
        head = head_proba.get(k, line_proba[i])
        if head[footer] >= threshold:
            continue
        if i not in best or p > best[i][3]:
            head_kind, head_score = detector._kind(head)
            best[i] = (start, head_kind, head_score, p)
    return best


def line_records(
    texts: Sequence[str], guesses: Sequence[Guess] | None = None
) -> tuple[list[Guess], _Languages, list[Record]]:
    """Languages and feature records of an article's lines: one code path for training and
    prediction, so that the features cannot drift apart. ``guesses``: the lines' guesses
    (:func:`~attrib.language.guess_all`), when already made."""
    guesses = guess_all(texts) if guesses is None else list(guesses)
    langs = _languages(guesses)
    records = build_records(
        texts,
        guesses,
        [lang for lang, _ in langs.segments],
        [mixed for _, mixed in langs.segments],
        langs.article,
        langs.script,
    )
    return guesses, langs, records


def training_records(texts: Sequence[str], labels: Sequence[str]) -> tuple[list[Record], list[str]]:
    """The records a model learns from for one labeled document, with their labels: each
    segment's, and each candidate tail that prediction would read as a line of its own
    (:func:`_tail_records`), labeled as its segment, since a sentence inside a body paragraph is
    body. Without them a model meets tails only when it predicts."""
    _, langs, records = line_records(texts)
    spans, start = [], 0
    for t in texts:
        spans.append(Span(start, start + len(t), t))
        start += len(t) + 1
    candidates, tails, _ = _tail_records(spans, records, langs)
    return records + tails, [*labels, *(labels[i] for i, _ in candidates)]


_GC_BATCH_THRESHOLD = 100_000
_gc_lock = threading.Lock()
_gc_users = 0
_gc_saved = (0, 0, 0)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Run the cyclic garbage collector's youngest pass after 100,000 new objects instead of
    Python's 700 while a batch of articles is analysed, then put the thresholds back.

    A batch keeps many objects alive (records, segments, results) and makes no cycles, so the
    collector's passes over them find nothing; they cost 6-8% of a batch's time. Nesting and
    threads are counted: the thresholds come back when the last batch ends. A collector turned
    off with a threshold of 0 is left off.
    """
    global _gc_users, _gc_saved
    with _gc_lock:
        if _gc_users == 0:
            _gc_saved = gc.get_threshold()
            if _gc_saved[0]:
                gc.set_threshold(max(_gc_saved[0], _GC_BATCH_THRESHOLD), *_gc_saved[1:])
        _gc_users += 1
    try:
        yield
    finally:
        with _gc_lock:
            _gc_users -= 1
            if _gc_users == 0:
                gc.set_threshold(*_gc_saved)


def analyze_batch(detector: Detector, texts: Sequence[str]) -> list[Attribution | Exception]:
    """:meth:`Detector.analyze` of each text, with one langdetect call for the lines of all of
    them that need it. An article that fails gives its exception in its place; the others go on.
    """
    with fewer_collections():
        return _analyze_batch(detector, texts)


def _analyze_batch(detector: Detector, texts: Sequence[str]) -> list[Attribution | Exception]:
    plans: list[tuple[tuple[Span, ...], GuessPlan] | Exception] = []
    for text in texts:
        try:
            spans = split_lines(text)
            plans.append((spans, plan_guesses([s.text for s in spans])))
        except Exception as exc:  # kept in the article's place
            plans.append(exc)
    wanted = [t for p in plans if not isinstance(p, Exception) for t in p[1].wanted]
    try:
        found: list[Any] | None = detect_languages(wanted)
    except Exception:
        found = None  # each article detects its own lines below, and fails alone
    out: list[Attribution | Exception] = []
    used = 0
    for text, plan in zip(texts, plans, strict=True):
        if isinstance(plan, Exception):
            out.append(plan)
            continue
        spans, guess_plan = plan
        n = len(guess_plan.todo)
        mine = None if found is None else found[used : used + n]
        used += n
        try:
            guesses = detect_planned(guess_plan, mine)
            out.append(analyze_spans(detector, text, spans, guesses))
        except Exception as exc:
            out.append(exc)
    return out


def analyze_spans(
    detector: Detector, text: str, spans: Sequence[Span], guesses: Sequence[Guess] | None = None
) -> Attribution:
    """Classify the given line spans of ``text`` and assemble the result; ``guesses``: the
    lines' language guesses, when already made."""
    if not spans:
        return Attribution(None, False, None, None, None, 0.0, (), text)
    guesses, langs, records = line_records([s.text for s in spans], guesses)
    candidates, tails, undetected = _tail_records(
        spans, records, langs, same_script=langs.article is None
    )
    # A tail in the article's script that langdetect would read as another language is, in its
    # features, the same tail with the article's language replaced and marked mixed. Both
    # readings are scored; only tails that either reading could split off are detected.
    foreign = [dict(tails[k], language=_ANOTHER_LANGUAGE, mixed=True) for k in undetected]
    proba = detector._proba(records + tails + foreign)  # one call per article
    n_lines, n_tails = len(records), len(tails)
    line_proba, tail_proba = proba[:n_lines], proba[n_lines : n_lines + n_tails]
    footer, split = detector._footer, detector.split_threshold
    footer_proba = proba[:, footer].tolist()  # read one by one below: floats, not numpy scalars
    may_split = [
        k
        for j, k in enumerate(undetected, n_lines + n_tails)
        if max(footer_proba[j], footer_proba[n_lines + k]) >= split
    ]
    if may_split:
        detected, _ = _part_records(
            [records[candidates[k][0]] for k in may_split],
            [(tails[k]["text"], tails[k]["prev"], tails[k]["next"]) for k in may_split],
            langs,
        )
        tail_proba = tail_proba.copy()
        tail_proba[may_split] = detector._proba(detected)
    split_at = _choose_splits(
        detector, text, spans, records, langs, candidates, tail_proba, line_proba
    )
    pieces: list[tuple[Span, str, float]] = []
    final_guesses: list[Guess] = []
    line_kinds = detector._kinds(line_proba)
    for i, span in enumerate(spans):
        if i in split_at:
            start, head_kind, head_score, p = split_at[i]
            head = text[span.start : start].rstrip()
            pieces.append((Span(span.start, span.start + len(head), head), head_kind, head_score))
            pieces.append((Span(start, span.end, text[start : span.end]), "footer", p))
            final_guesses += guess_many_in([head, pieces[-1][0].text], langs.script)[0]
        else:
            kind, score = line_kinds[i]
            pieces.append((span, kind, score))
            final_guesses.append(guesses[i])
    body_voters = [g for g, (_, k, _) in zip(final_guesses, pieces, strict=True) if k == "body"]
    final = _languages(final_guesses, body_voters)
    segments = tuple(
        [
            _make_segment(s.start, s.end, s.text, kind, lang, mixed, round(score, 6))
            for (s, kind, score), (lang, mixed) in zip(pieces, final.segments, strict=True)
        ]
    )
    footers = tuple(s for s in segments if s.kind == "footer")
    host = _source_host(footers)
    confidence = max(footer_proba[:n_lines] + [v[3] for v in split_at.values()])
    return _make_attribution(
        final.article,  # language
        bool(footers),  # is_syndicated
        host.domain if host else None,  # source_domain
        host.written if host else None,  # source_host
        None if host or not footers else source_name(footers),  # source_name
        round(confidence, 6),  # confidence
        segments,
        text,
    )


@functools.lru_cache(maxsize=1)
def default_detector() -> Detector:
    """The detector over the bundled model, loaded once on first use.

    It runs on the model's compiled arrays, which give the bundled Pipeline's probabilities
    without importing scikit-learn (:func:`attrib.models.load_default_model` loads the Pipeline).
    """
    from .models import load_default_compiled

    return Detector(load_default_compiled())
