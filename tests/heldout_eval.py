"""The held-out test set: articles in tests/heldout, never used for training.

Each article is rebuilt as text exactly as a scraper would store it (paragraphs separated by a
blank line, glued footers on the same line), with the expected span of every segment.
Run as a script to print the figures the README quotes:

    python tests/heldout_eval.py [--model PATH]
"""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from attrib.markup import MarkedArticle, read_markup

HELDOUT = Path(__file__).resolve().parent / "heldout"


@dataclass(frozen=True)
class Expected:
    doc_id: str
    language: str
    text: str
    spans: tuple[tuple[int, int, str, bool], ...]  # start, end, kind, mixed
    source_domain: str | None
    source_host: str | None
    source_name: str | None


def expected_from(article: MarkedArticle) -> Expected:
    pieces: list[str] = []
    spans = []
    pos = 0
    for i, line in enumerate(article.lines()):
        if i:
            pieces.append("\n\n")
            pos += 2
        for j, seg in enumerate(line):
            if j:
                pieces.append(" ")
                pos += 1
            spans.append((pos, pos + len(seg.text), seg.label, seg.mixed_language is not None))
            pieces.append(seg.text)
            pos += len(seg.text)
    h = article.headers
    return Expected(
        article.doc_id,
        article.language,
        "".join(pieces),
        tuple(spans),
        h.get("source_domain") or None,
        h.get("source_host") or None,
        h.get("source_name") or None,
    )


def load_heldout() -> list[Expected]:
    return [expected_from(a) for p in sorted(HELDOUT.glob("*.txt")) for a in read_markup(p)]


def score(cases: list[Expected], results: list[Any]) -> dict[str, Any]:
    """Footer-segment precision/recall/F1 (exact spans), domain and language accuracy."""
    tp = fp = fn = 0
    domain_hits = lang_hits = kind_hits = kinds = mixed_hits = mixed_total = 0
    misses: list[str] = []
    for case, res in zip(cases, results, strict=True):
        gold = {(s, e) for s, e, k, _ in case.spans if k == "footer"}
        pred = {(s.start, s.end) for s in res.segments if s.kind == "footer"}
        tp += len(gold & pred)
        fp += len(pred - gold)
        fn += len(gold - pred)
        by_span = {(s.start, s.end): s for s in res.segments}
        for s, e, k, mixed in case.spans:
            kinds += 1
            seg = by_span.get((s, e))
            kind_hits += seg is not None and seg.kind == k
            mixed_total += 1
            mixed_hits += seg is not None and seg.mixed_language == mixed
        domain_ok = res.source_domain == case.source_domain
        domain_hits += domain_ok
        lang_hits += res.language == case.language
        if gold != pred or not domain_ok:
            misses.append(f"{case.doc_id}: domain {res.source_domain!r} vs {case.source_domain!r}")
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    return {
        "articles": len(cases),
        "languages": len({c.language for c in cases}),
        "footer_precision": round(p, 4),
        "footer_recall": round(r, 4),
        "footer_f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
        "segment_kind_accuracy": round(kind_hits / kinds, 4),
        "mixed_language_accuracy": round(mixed_hits / mixed_total, 4),
        "domain_accuracy": round(domain_hits / len(cases), 4),
        "language_accuracy": round(lang_hits / len(cases), 4),
        "misses": misses,
    }


def main() -> None:
    import attrib

    parser = argparse.ArgumentParser()
    parser.add_argument("--model", help="model file (default: the bundled model)")
    parser.add_argument("--summary", action="store_true", help="one line instead of JSON")
    args = parser.parse_args()
    model = attrib.load_model(args.model) if args.model else None
    cases = load_heldout()
    results = [attrib.analyze(c.text, model=model) for c in cases]
    figures = score(cases, results)
    if args.summary:
        print(
            f"held-out set: {figures['articles']} articles in {figures['languages']} languages: "
            f"footer F1 {figures['footer_f1']:.3f} (P {figures['footer_precision']:.3f}, "
            f"R {figures['footer_recall']:.3f}), domain accuracy {figures['domain_accuracy']:.3f}, "
            f"language accuracy {figures['language_accuracy']:.3f}"
        )
    else:
        print(json.dumps(figures, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
