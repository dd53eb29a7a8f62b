"""Stage 4 without scikit-learn: the fitted classifier's arithmetic, as plain numpy arrays.

A fitted pipeline of :func:`attrib.classify.build_pipeline`'s shape is n-gram hashing ->
sublinear TF-IDF -> l2 norm, context features -> standard scaling, then multinomial logistic
regression. :class:`CompiledModel` holds exactly the fitted numbers of those steps and computes
the same ``predict_proba``. It is what the bundled model runs on: it loads from an ``.npz`` file
of arrays (no pickle, so loading runs no code) in a fraction of the time scikit-learn takes to
import, and it skips the per-call checks that cost more than the arithmetic on one article.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from .features import Record, context_matrix, hash_ngrams, normalise_texts
from .speedups import compiled_module

__all__ = ["CompiledModel", "COMPILED_FORMAT"]

COMPILED_FORMAT = "attrib-compiled/1"
_LOG_TABLE = 4096  # counts of one n-gram in one text the compiled pass looks up
_ARRAYS = ("idf", "mean", "scale", "text_coef", "context_coef", "intercept")


@dataclass(frozen=True, repr=False, eq=False)
class CompiledModel:
    """The numbers of a fitted attrib pipeline; ``predict_proba`` gives the pipeline's answer.

    Build one with :func:`attrib.classify.compile_pipeline` or :meth:`load`.
    """

    classes_: np.ndarray
    ngram_range: tuple[int, int]
    n_features: int
    sublinear: bool
    idf: np.ndarray | None
    mean: np.ndarray | None
    scale: np.ndarray | None
    text_coef: np.ndarray
    """Shape (n_features, n_classes)."""
    context_coef: np.ndarray
    """Shape (len(CONTEXT_FEATURES), n_classes)."""
    intercept: np.ndarray
    attrib_card_: dict[str, Any] = field(default_factory=dict)
    """The model card, when loaded from a model file."""

    def __repr__(self) -> str:
        return (
            f"CompiledModel(classes={list(self.classes_)}, ngram_range={self.ngram_range}, "
            f"n_features={self.n_features})"
        )

    def predict_proba(self, records: Sequence[Record]) -> np.ndarray:
        """Class probabilities of each record, in the order of ``classes_``."""
        # Each distinct text is hashed once: a tail is scored in two readings of its language.
        rows: dict[str, int] = {}
        row_of = [rows.setdefault(r["text"], len(rows)) for r in records]
        texts = normalise_texts(rows)
        scores = self._compiled_text_scores(texts)
        ctx = context_matrix(records)  # a new array: scaled in place
        compiled = compiled_module()
        if scores is not None and compiled is not None:
            # the rest in one pass too: the numpy steps below cost more than their arithmetic
            flat = compiled.class_proba(scores, row_of, ctx, *self._finish_arrays)
            return np.frombuffer(flat, dtype=np.float64).reshape(len(records), -1)
        scores = self._text_scores(texts)
        if len(rows) < len(records):
            scores = scores[np.array(row_of, dtype=np.intp)]
        if self.mean is not None:
            ctx -= self.mean
        if self.scale is not None:
            ctx /= self.scale
        scores += ctx @ self.context_coef + self.intercept
        # the ufuncs' own reductions: what .max() and .sum() call, past their Python wrappers
        scores -= np.maximum.reduce(scores, axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= np.add.reduce(scores, axis=1, keepdims=True)
        return scores

    def _text_scores(self, texts: Sequence[str]) -> np.ndarray:
        """The n-gram part of each text's class scores: its l2-normalised (sublinear) tf-idf
        vector times ``text_coef``."""
        n = len(texts)
        counts, indices, indptr = hash_ngrams(texts, self.ngram_range, self.n_features)
        values = counts.astype(np.float64)
        if self.sublinear:
            values = np.log(values) + 1.0
        if self.idf is not None:
            values *= np.take(self.idf, indices)  # np.take: several times faster than x[idx]
        sizes = np.diff(indptr)
        norms = np.sqrt(np.bincount(np.repeat(np.arange(n), sizes), values * values, n))
        norms[norms == 0.0] = 1.0
        scores = np.zeros((n, len(self.intercept)))
        if values.size:
            weighted = np.take(self.text_coef, indices, axis=0) * values[:, None]
            filled = sizes > 0  # reduceat gives a row's first element for an empty row
            scores[filled] = np.add.reduceat(weighted, indptr[:-1][filled], axis=0)
        scores /= norms[:, None]
        return scores

    def _compiled_text_scores(self, texts: Sequence[str]) -> np.ndarray | None:
        """:meth:`_text_scores` in one compiled pass, the same to the last bit; None without
        the compiled module (:mod:`attrib.speedups`) or for a count beyond its table
        of logarithms."""
        compiled = compiled_module()
        if compiled is None:
            return None
        log_table, weights = self._compiled_arrays
        lo, hi = self.ngram_range
        out = compiled.text_scores(texts, lo, hi, self.n_features, log_table, weights)
        if out is None:
            return None
        return np.frombuffer(out, dtype=np.float64).reshape(len(texts), weights.shape[1] - 1)

    @functools.cached_property
    def _finish_arrays(self) -> tuple[np.ndarray | None, ...]:
        """mean, scale, context_coef and intercept as the compiled pass reads them."""
        return tuple(
            None if a is None else np.ascontiguousarray(a, dtype=np.float64)
            for a in (self.mean, self.scale, self.context_coef, self.intercept)
        )

    @functools.cached_property
    def _compiled_arrays(self) -> tuple[np.ndarray | None, np.ndarray]:
        # log(count) + 1 computed by numpy, so that the compiled pass adds no rounding of its own
        log_table = (
            np.r_[0.0, np.log(np.arange(1, _LOG_TABLE, dtype=np.float64)) + 1.0]
            if self.sublinear
            else None
        )
        # Each column's idf beside its coefficients, rows on 64-byte boundaries: one cache line
        # per n-gram when there are up to three classes.
        n, width = self.n_features, 1 + self.text_coef.shape[1]
        flat = np.empty(n * width + 8)
        skip = (-flat.ctypes.data % 64) // 8
        weights = flat[skip : skip + n * width].reshape(n, width)
        weights[:, 0] = 1.0 if self.idf is None else self.idf
        weights[:, 1:] = self.text_coef
        return log_table, weights

    def save(self, file: str | Path | BinaryIO) -> None:
        """Write the arrays to a compressed ``.npz`` file (no pickled objects)."""
        arrays: dict[str, Any] = {
            "format": np.asarray(COMPILED_FORMAT),
            "classes": np.asarray([str(c) for c in self.classes_]),
            "ngram_range": np.asarray(self.ngram_range, dtype=np.int64),
            "n_features": np.asarray(self.n_features, dtype=np.int64),
            "sublinear": np.asarray(self.sublinear),
        }
        for name in _ARRAYS:
            value = getattr(self, name)
            if value is not None:
                arrays[name] = value
        np.savez_compressed(file, **arrays)

    @classmethod
    def load(cls, file: str | Path | BinaryIO) -> CompiledModel:
        """Read a file written by :meth:`save`; ``ValueError`` if it is not one."""
        with np.load(file, allow_pickle=False) as data:
            if "format" not in data.files or str(data["format"]) != COMPILED_FORMAT:
                raise ValueError("not an attrib compiled-model file")
            lo, hi = (int(v) for v in data["ngram_range"])
            got = {name: data[name] if name in data.files else None for name in _ARRAYS}
            model = cls(
                classes_=data["classes"].astype(object),
                ngram_range=(lo, hi),
                n_features=int(data["n_features"]),
                sublinear=bool(data["sublinear"]),
                **got,  # type: ignore[arg-type]
            )
        n_classes = len(model.classes_)
        if model.text_coef.shape != (model.n_features, n_classes) or model.intercept.shape != (
            n_classes,
        ):
            raise ValueError("the arrays of the compiled-model file do not fit together")
        return model
