"""Training and evaluation on labeled data (one row per segment).

The labeled format: ``doc_id``, ``text``, ``label`` (body | footer | boilerplate); optional
``mixed`` (0/1), ``language`` and an article-level ``source_domain``. CSV, Parquet or JSONL.
Rows of one document are consecutive or not; their order in the file is the text order.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import os
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from .classify import DEFAULT_PARAMS, build_pipeline
from .detector import Detector, analyze_spans, line_records, training_records
from .errors import DataSchemaError, InputError
from .features import Record
from .result import KINDS
from .segment import split_lines

__all__ = [
    "Document",
    "documents_from_frame",
    "cross_validate",
    "evaluate_model",
    "prediction_table",
    "read_table",
    "records_for",
    "table_format",
    "train_model",
    "validate_frame",
    "write_table",
]

REQUIRED = ("doc_id", "text", "label")
Progress = Callable[[str], None]


def table_format(path: str | Path) -> str:
    """``"csv"``, ``"tsv"``, ``"parquet"`` or ``"jsonl"`` by the file's extension (``.csv.gz``
    is CSV); :class:`InputError` for any other."""
    name = Path(path).name.lower()
    for fmt, ends in (
        ("csv", (".csv", ".csv.gz")),
        ("tsv", (".tsv",)),
        ("parquet", (".parquet",)),
        ("jsonl", (".jsonl", ".ndjson")),
    ):
        if name.endswith(ends):
            return fmt
    raise InputError(f"{path}: unknown file type; use .csv, .csv.gz, .tsv, .parquet or .jsonl")


def read_table(path: str | Path) -> pd.DataFrame:
    """Read a CSV (optionally gzipped), Parquet or JSONL file into a DataFrame of strings.

    Raises
    ------
    InputError
        The file does not exist, cannot be parsed, or has an unknown extension.
    """
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: no such file")
    fmt = table_format(p)
    try:
        if fmt in ("csv", "tsv"):
            sep = "\t" if fmt == "tsv" else ","
            return pd.read_csv(p, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8")
        if fmt == "parquet":
            return pd.read_parquet(p)
        return pd.read_json(p, lines=True, dtype=False)
    except (ValueError, UnicodeDecodeError, OSError) as exc:
        raise InputError(f"{p}: cannot be read: {exc}") from None
    except ImportError as exc:
        raise InputError(
            f"{p}: reading Parquet needs pyarrow (pip install 'attrib[parquet]'): {exc}"
        ) from None


def write_table(frame: pd.DataFrame, path: str | Path) -> Path:
    """Write ``frame`` in the format :func:`read_table` reads back, chosen by extension; the
    file appears whole or not at all (written beside it, then renamed)."""
    p = Path(path)
    fmt = table_format(p)
    tmp = p.with_name(f".{p.name}.tmp")
    try:
        p.parent.mkdir(parents=True, exist_ok=True)
        if fmt == "parquet":
            frame.to_parquet(tmp, index=False)
        elif fmt == "jsonl":
            frame.to_json(tmp, orient="records", lines=True, force_ascii=False)
        else:
            gz = "gzip" if p.name.lower().endswith(".gz") else None
            sep = "\t" if fmt == "tsv" else ","
            frame.to_csv(tmp, sep=sep, index=False, encoding="utf-8", compression=gz)
        os.replace(tmp, p)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, ImportError):
            raise InputError(
                f"{p}: writing Parquet needs pyarrow (pip install 'attrib[parquet]'): {exc}"
            ) from None
        if isinstance(exc, OSError):
            raise InputError(f"{p}: cannot be written: {exc}") from None
        raise
    return p


def validate_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Check labeled data and return a clean copy; raise :class:`DataSchemaError` naming the rows.

    >>> validate_frame(pd.DataFrame({"doc_id": [1], "text": ["x"], "label": ["footnote"]}))
    Traceback (most recent call last):
    ...
    attrib.errors.DataSchemaError: unknown label 'footnote' in 1 row (rows 2): labels are body, boilerplate, footer
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"labeled data must be a pandas DataFrame, not {type(frame).__name__}")
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataSchemaError(
            f"labeled data lacks column(s) {', '.join(missing)}; it needs doc_id, text, label "
            f"(found: {', '.join(map(str, frame.columns)) or 'none'})"
        )
    if frame.empty:
        raise DataSchemaError("labeled data has no rows")
    df = frame.reset_index(drop=True).copy()

    def rows(mask: Any) -> str:
        idx = [str(i + 2) for i in np.flatnonzero(np.asarray(mask))[:10]]  # +2: header, 1-based
        return ", ".join(idx) + (" …" if int(np.sum(mask)) > 10 else "")

    if df["doc_id"].isna().any() or (df["doc_id"].astype(str).str.strip() == "").any():
        bad = df["doc_id"].isna() | (df["doc_id"].astype(str).str.strip() == "")
        raise DataSchemaError(f"empty doc_id in rows {rows(bad)}")
    df["doc_id"] = df["doc_id"].astype(str)
    labels = df["label"].astype(str).str.strip().str.lower()
    unknown = ~labels.isin(KINDS)
    if unknown.any():
        first = sorted(set(df.loc[unknown, "label"].astype(str)))
        raise DataSchemaError(
            f"unknown label {', '.join(repr(x) for x in first[:5])} in {int(unknown.sum())} row"
            f"{'s' if unknown.sum() > 1 else ''} (rows {rows(unknown)}): labels are "
            + ", ".join(KINDS)
        )
    df["label"] = labels
    text = df["text"].where(df["text"].notna(), "").astype(str).str.strip()
    empty_rows = text == ""
    df["text"] = text.str.replace(r"[\r\n\u2028\u2029]+", " ", regex=True)
    per_doc = (~empty_rows).groupby(df["doc_id"], sort=False).sum()
    no_text = per_doc[per_doc == 0].index.tolist()
    if no_text:
        raise DataSchemaError(
            f"document(s) with no text: {', '.join(map(str, no_text[:10]))}: every document needs "
            "at least one non-empty segment"
        )
    if empty_rows.any():
        raise DataSchemaError(f"empty text in rows {rows(empty_rows)}: drop them or fill them in")
    if "mixed" in df.columns:
        mixed = df["mixed"].astype(str).str.strip().str.lower()
        bad = ~mixed.isin(["0", "1", "true", "false", "", "nan", "none"])
        if bad.any():
            raise DataSchemaError(f"column mixed must be 0 or 1 (rows {rows(bad)})")
    return df


class Document:
    """The segments of one labeled document, in order."""

    __slots__ = ("doc_id", "texts", "labels", "source_domain", "language", "group")

    def __init__(self, doc_id: str, texts: list[str], labels: list[str], source_domain: str | None):
        self.doc_id = doc_id
        self.texts = texts
        self.labels = labels
        self.source_domain = source_domain
        self.language: str | None = None
        self.group: str | None = None


def documents_from_frame(df: pd.DataFrame, group_column: str | None = None) -> list[Document]:
    """Group a validated frame into documents, keeping the order of first appearance.

    A document's language is the most common ``language`` of its body rows (if the column
    exists); its group is the first non-empty value of ``group_column`` (if given).
    """
    n = len(df)
    domains = df["source_domain"] if "source_domain" in df.columns else [None] * n
    languages = df["language"] if "language" in df.columns else [None] * n
    groups = df[group_column] if group_column else [None] * n
    docs: dict[str, Document] = {}
    votes: dict[str, Counter[str]] = {}
    for doc_id, text, label, dom, lang, grp in zip(
        df["doc_id"], df["text"], df["label"], domains, languages, groups, strict=True
    ):
        doc = docs.get(doc_id)
        if doc is None:
            domain = str(dom).strip().lower() if isinstance(dom, str) else ""
            doc = docs[doc_id] = Document(doc_id, [], [], domain or None)
            votes[doc_id] = Counter()
        doc.texts.append(text)
        doc.labels.append(label)
        if label == "body" and isinstance(lang, str) and lang.strip():
            votes[doc_id][lang.strip()] += 1
        if doc.group is None and isinstance(grp, str) and grp.strip():
            doc.group = grp.strip()
    for doc_id, doc in docs.items():
        common = votes[doc_id].most_common(1)
        doc.language = common[0][0] if common else None
    return list(docs.values())


def records_for(texts: Sequence[str]) -> list[Record]:
    """Feature records for one document's segments: the same code path as prediction."""
    return line_records(texts)[2]


def _data_hash(df: pd.DataFrame) -> str:
    h = hashlib.sha256()
    for doc_id, text, label in zip(df["doc_id"], df["text"], df["label"], strict=True):
        h.update(json.dumps([doc_id, text, label], ensure_ascii=False).encode())
        h.update(b"\n")
    return h.hexdigest()


def _featurise(
    docs: Sequence[Document], progress: Progress | None
) -> list[tuple[list[Record], list[str]]]:
    """Training records and labels of each document (:func:`attrib.detector.training_records`),
    with progress every 250 documents."""
    per_doc = []
    t0 = time.monotonic()
    for k, doc in enumerate(docs, 1):
        per_doc.append(training_records(doc.texts, doc.labels))
        if progress and (k % 250 == 0 or k == len(docs)):
            progress(f"features: {k}/{len(docs)} documents ({time.monotonic() - t0:.1f} s)")
    return per_doc


def train_model(
    frame: pd.DataFrame,
    *,
    seed: int = 0,
    params: dict[str, Any] | None = None,
    holdout: float = 0.2,
    progress: Progress | None = None,
) -> Any:
    """Train the segment classifier on labeled data and return the fitted Pipeline.

    A share ``holdout`` of the documents (chosen with ``seed``) is first held out to measure
    the model, then the model is refit on every document. The measurements and the data's
    SHA-256 are in the returned pipeline's ``attrib_card_`` dict, which ``save_model`` writes.

    Raises
    ------
    DataSchemaError
        The labeled data does not follow the format.
    """
    df = validate_frame(frame)
    docs = documents_from_frame(df)
    labels_present = sorted(set(df["label"]))
    if "footer" not in labels_present or "body" not in labels_present:
        raise DataSchemaError(
            f"labeled data needs at least body and footer rows to train (found: {', '.join(labels_present)})"
        )
    all_params = {**DEFAULT_PARAMS, **(params or {})}
    per_doc = _featurise(docs, progress)
    records = [r for doc_records, _ in per_doc for r in doc_records]
    labels = [label for _, doc_labels in per_doc for label in doc_labels]
    n_segments = sum(len(d.texts) for d in docs)  # the rest of the records are sentence tails
    metrics: dict[str, Any] = {}
    if holdout and len(docs) >= 10:
        rng = np.random.default_rng(seed)
        order = rng.permutation(len(docs))
        n_test = max(1, int(round(len(docs) * holdout)))
        test_docs = {docs[i].doc_id for i in order[:n_test]}
        doc_of = [
            d.doc_id for d, (_, doc_labels) in zip(docs, per_doc, strict=True) for _ in doc_labels
        ]
        train_idx = [i for i, d in enumerate(doc_of) if d not in test_docs]
        if progress:
            progress(f"fitting on {len(docs) - n_test} documents to measure on {n_test} held out")
        probe = _fit(all_params, [records[i] for i in train_idx], [labels[i] for i in train_idx])
        held = [d for d in docs if d.doc_id in test_docs]
        metrics = {"holdout_documents": n_test, **evaluate_documents(probe, held)}
    if progress:
        progress(
            f"fitting on all {len(docs)} documents ({n_segments} segments, "
            f"{len(records) - n_segments} sentence tails)"
        )
    pipe = _fit(all_params, records, labels)
    lang_counts = df.get("language")
    pipe.attrib_card_ = {
        "labels": [str(c) for c in pipe.classes_],
        "data_sha256": _data_hash(df),
        "n_documents": len(docs),
        "n_segments": n_segments,
        "n_tail_records": len(records) - n_segments,
        "label_counts": {k: int(v) for k, v in df["label"].value_counts().sort_index().items()},
        "languages": sorted(set(lang_counts.astype(str))) if lang_counts is not None else [],
        "params": {k: list(v) if isinstance(v, tuple) else v for k, v in all_params.items()},
        "seed": seed,
        "metrics": metrics,
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    }
    return pipe


def _prf(tp: int, fp: int, fn: int) -> dict[str, float]:
    p = tp / (tp + fp) if tp + fp else 0.0
    r = tp / (tp + fn) if tp + fn else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return {"precision": round(p, 4), "recall": round(r, 4), "f1": round(f, 4), "support": tp + fn}


@dataclass(frozen=True, slots=True)
class Prediction:
    """What the detector said about one labeled document."""

    kinds: tuple[str, ...]
    domain: str | None
    language: str | None


def predict_documents(model: Any, docs: Sequence[Document]) -> list[Prediction]:
    """Run the whole detector on each labeled document, as on a user's article.

    The document is rebuilt as text (one segment per line) and each labeled line gets the
    predicted kind (``footer`` if any piece of it is one, after inline splitting).
    """
    detector = Detector(model)
    out = []
    for doc in docs:
        text = "\n".join(doc.texts)
        result = analyze_spans(detector, text, split_lines(text))
        kinds = []
        offset = 0
        for t in doc.texts:
            s, e = offset, offset + len(t)
            offset = e + 1
            found = [seg.kind for seg in result.segments if seg.start < e and seg.end > s]
            kinds.append("footer" if "footer" in found else (found[0] if found else "body"))
        out.append(Prediction(tuple(kinds), result.source_domain, result.language))
    return out


def score_predictions(
    docs: Sequence[Document], preds: Sequence[Prediction], languages: Sequence[str | None]
) -> dict[str, Any]:
    """Per-class precision/recall/F1, confusion, footer F1 per language, domain accuracy."""
    gold: list[str] = []
    pred: list[str] = []
    per_lang: dict[str, list[tuple[str, str]]] = {}
    domain_total = domain_hits = 0
    for doc, p, lang in zip(docs, preds, languages, strict=True):
        gold.extend(doc.labels)
        pred.extend(p.kinds)
        key = lang or p.language or "?"
        per_lang.setdefault(key, []).extend(zip(doc.labels, p.kinds, strict=True))
        if doc.source_domain is not None:
            domain_total += 1
            domain_hits += p.domain == doc.source_domain
    out: dict[str, Any] = {"segments": len(gold), "documents": len(docs)}
    pairs = list(zip(gold, pred, strict=True))
    for kind in KINDS:
        out[kind] = _prf_pairs(pairs, kind)
    out["confusion"] = {
        g: {k: sum(a == g and b == k for a, b in pairs) for k in KINDS} for g in KINDS
    }
    out["footer_f1_by_language"] = {
        lang: _prf_pairs(lp, "footer")["f1"] for lang, lp in sorted(per_lang.items())
    }
    out["domain_accuracy"] = round(domain_hits / domain_total, 4) if domain_total else None
    out["domain_documents"] = domain_total
    return out


def _prf_pairs(pairs: Sequence[tuple[str, str]], kind: str) -> dict[str, float]:
    tp = sum(g == kind and p == kind for g, p in pairs)
    fp = sum(g != kind and p == kind for g, p in pairs)
    fn = sum(g == kind and p != kind for g, p in pairs)
    return _prf(tp, fp, fn)


def evaluate_documents(
    model: Any, docs: Sequence[Document], languages: Sequence[str | None] | None = None
) -> dict[str, Any]:
    """Predict and score labeled documents in one call."""
    langs = list(languages) if languages is not None else [d.language for d in docs]
    return score_predictions(docs, predict_documents(model, docs), langs)


PREDICTION_COLUMNS = (
    "doc_id", "segment", "text", "label", "predicted", "language", "source_domain",
    "predicted_domain", "fold",
)  # fmt: skip


def prediction_table(
    docs: Sequence[Document],
    preds: Sequence[Prediction | None],
    folds: Sequence[str | None] | None = None,
) -> pd.DataFrame:
    """One row per labeled segment with the model's kind beside the gold label (and, per
    document, the predicted source domain): the lines to read when a figure disappoints.
    Documents without a prediction (a fold that had no footer to learn from) are left out."""
    rows = []
    for k, (doc, p) in enumerate(zip(docs, preds, strict=True)):
        if p is None:
            continue
        fold = folds[k] if folds is not None else None
        for i, (text, label, kind) in enumerate(zip(doc.texts, doc.labels, p.kinds, strict=True)):
            rows.append(
                (doc.doc_id, i, text, label, kind, doc.language, doc.source_domain, p.domain, fold)
            )
    return pd.DataFrame(rows, columns=list(PREDICTION_COLUMNS))


def evaluate_model(
    frame: pd.DataFrame, *, model: Any = None, predictions: bool = False
) -> dict[str, Any]:
    """Evaluate ``model`` (the bundled one by default) on labeled data; returns a metrics dict.

    With ``predictions=True`` the dict also holds ``"predictions"``, a DataFrame of
    :func:`prediction_table` (no ``fold``).
    """
    if model is None:
        from .detector import default_detector

        model = default_detector().model
    docs = documents_from_frame(validate_frame(frame))
    preds = predict_documents(model, docs)
    out = score_predictions(docs, preds, [d.language for d in docs])
    if predictions:
        out["predictions"] = prediction_table(docs, preds)
    return out


def cross_validate(
    frame: pd.DataFrame,
    *,
    split: str = "group",
    group_column: str = "footer_family",
    folds: int = 5,
    params: dict[str, Any] | None = None,
    progress: Progress | None = None,
    jobs: int = 1,
    predictions: bool = False,
) -> dict[str, Any]:
    """Measure generalisation: train on some documents, evaluate on the others, for every fold.

    ``split="group"`` holds out whole phrasing families (``group_column``; documents without one
    are spread over the folds), ``split="language"`` holds out one body language at a time.
    Every document is predicted by a model that never saw its group or language. ``jobs``
    folds are trained at once, in worker processes. With ``predictions=True`` the dict also
    holds ``"predictions"``, a DataFrame of :func:`prediction_table` whose ``fold`` names the
    fold that held each document out.
    """
    df = validate_frame(frame)
    if split == "group" and group_column not in df.columns:
        raise DataSchemaError(
            f"--group-split needs a {group_column!r} column naming each footer's phrasing family"
        )
    if split == "language" and "language" not in df.columns:
        raise DataSchemaError("--leave-language-out needs a 'language' column")
    if split not in ("group", "language"):
        raise InputError(f"unknown split {split!r}: use 'group' or 'language'")
    if jobs == 0 or jobs < -1:
        raise InputError(
            f"jobs must be a number of processes (1, 2, …) or -1 for all cores, not {jobs}"
        )
    docs = documents_from_frame(df, group_column if split == "group" else None)
    per_doc = _featurise(docs, progress)
    if split == "language":
        keys = [d.language or "?" for d in docs]
        fold_of = {key: key for key in sorted(set(keys))}
    else:
        keys = [d.group or f"doc:{d.doc_id}" for d in docs]
        families = sorted({k for k, d in zip(keys, docs, strict=True) if d.group})
        fold_of = {fam: f"fold{i % folds}" for i, fam in enumerate(families)}
        for i, (key, doc) in enumerate(zip(keys, docs, strict=True)):
            if not doc.group:
                fold_of[key] = f"fold{i % folds}"
    fold_keys = sorted(set(fold_of.values()))
    preds: list[Prediction | None] = [None] * len(docs)
    per_fold: dict[str, dict[str, Any]] = {}
    all_params = {**DEFAULT_PARAMS, **(params or {})}
    tasks = []
    for fold in fold_keys:
        test = [i for i, key in enumerate(keys) if fold_of[key] == fold]
        train = [i for i, key in enumerate(keys) if fold_of[key] != fold]
        X = [r for i in train for r in per_doc[i][0]]
        y = [lab for i in train for lab in per_doc[i][1]]
        if "footer" in y:
            tasks.append((fold, test, X, y))
    if progress:
        progress(f"{len(tasks)} folds on {jobs} process(es)")
    results = joblib.Parallel(n_jobs=jobs)(
        joblib.delayed(_run_fold)(X, y, [docs[i] for i in test], all_params)
        for _, test, X, y in tasks
    )
    for (fold, test, _, _), fold_preds in zip(tasks, results, strict=True):
        fold_docs = [docs[i] for i in test]
        for i, p in zip(test, fold_preds, strict=True):
            preds[i] = p
        per_fold[fold] = score_predictions(fold_docs, fold_preds, [d.language for d in fold_docs])
        if progress:
            progress(f"fold {fold}: footer F1 {per_fold[fold]['footer']['f1']}")
    kept = [i for i, p in enumerate(preds) if p is not None]
    out = score_predictions(
        [docs[i] for i in kept], [preds[i] for i in kept], [docs[i].language for i in kept]
    )
    f1s = {fold: m["footer"]["f1"] for fold, m in per_fold.items() if m["footer"]["support"]}
    out["split"] = split
    out["folds"] = {
        fold: {
            "footer_f1": m["footer"]["f1"],
            "documents": m["documents"],
            "domain_accuracy": m["domain_accuracy"],
        }
        for fold, m in per_fold.items()
    }
    out["mean_fold_footer_f1"] = round(sum(f1s.values()) / len(f1s), 4) if f1s else None
    if predictions:
        out["predictions"] = prediction_table(docs, preds, [fold_of[key] for key in keys])
    return out


def _run_fold(
    X: list[Record], y: list[str], test: list[Document], params: dict[str, Any]
) -> list[Prediction]:
    return predict_documents(_fit(params, X, y), test)


def _fit(params: dict[str, Any], X: Sequence[Record], y: Sequence[str]) -> Any:
    """A pipeline of :func:`build_pipeline` fitted with one BLAS thread: the solver's many small
    products ran slower on two threads than on one (on this repository's machine, a fit on 80%
    of ``data/train.csv`` took about 6 minutes on two threads; on one, it and the fit on all of
    it took 8.2 minutes together)."""
    from threadpoolctl import threadpool_limits

    with threadpool_limits(limits=1, user_api="blas"):
        return build_pipeline(**params).fit(X, y)


def ensure_writable(path: str | Path) -> Path:
    """Fail early, before a long training, when the output folder cannot be written."""
    p = Path(path)
    folder = p.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent  # save_model creates the missing folders below this one
    if not folder.is_dir():
        raise InputError(f"{folder} is not a folder")
    if not os.access(folder, os.W_OK):
        raise InputError(f"{folder} is not writable")
    return p


SHEET_COLUMNS = (
    "doc_id", "segment", "start", "end", "text", "label", "score", "mixed", "language",
    "source_domain",
)  # fmt: skip


def label_sheet(
    articles: pd.DataFrame,
    *,
    text_column: str = "text",
    id_column: str | None = None,
    model: Any = None,
) -> pd.DataFrame:
    """Segment articles into the labeled-data format with the model's predictions pre-filled.

    A person corrects the ``label`` (and ``mixed``) columns instead of writing them; the sheet
    then trains as it is (``attrib train SHEET.csv``): extra columns are ignored.

    Raises
    ------
    InputError
        The text or id column is missing.
    """
    from .detector import Detector, default_detector

    if text_column not in articles.columns:
        raise InputError(
            f"no column {text_column!r} (found: {', '.join(map(str, articles.columns))}); "
            "name the text column with --text-column"
        )
    if id_column is not None and id_column not in articles.columns:
        raise InputError(f"no id column {id_column!r}")
    detector = default_detector() if model is None else Detector(model)
    rows: list[dict[str, Any]] = []
    ids = articles[id_column] if id_column else [f"doc{i + 1}" for i in range(len(articles))]
    for doc_id, text in zip(ids, articles[text_column], strict=True):
        if not isinstance(text, str) or not text.strip():
            continue
        result = detector.analyze(text)
        for k, seg in enumerate(result.segments):
            rows.append(
                {
                    "doc_id": str(doc_id),
                    "segment": k,
                    "start": seg.start,
                    "end": seg.end,
                    "text": seg.text.replace("\r", " ").replace("\n", " "),
                    "label": seg.kind,
                    "score": round(seg.score, 4),
                    "mixed": int(seg.mixed_language),
                    "language": seg.language or "",
                    "source_domain": result.source_domain or "",
                }
            )
    return pd.DataFrame(rows, columns=list(SHEET_COLUMNS))


def read_articles(path: str | Path, text_column: str = "text") -> pd.DataFrame:
    """Articles to label: a table file, one ``.txt`` article, or a folder of ``.txt`` files."""
    p = Path(path)
    if p.is_dir():
        files = sorted(p.glob("*.txt"))
        if not files:
            raise InputError(f"{p}: no .txt files in this folder")
        return pd.DataFrame(
            {"id": [f.stem for f in files], text_column: [_read_txt(f) for f in files]}
        )
    if p.suffix.lower() == ".txt":
        return pd.DataFrame({"id": [p.stem], text_column: [_read_txt(p)]})
    return read_table(p)


def _read_txt(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not valid UTF-8 (byte {exc.start})") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {exc.strerror or exc}") from None
