"""Stage 4: the segment classifier, one scikit-learn ``Pipeline``.

records -> FeatureUnion(TF-IDF of hashed char n-grams of the masked text, context features)
-> LogisticRegression.
The pipeline only gives probabilities; the decision threshold lives in :class:`attrib.Detector`.
Because it is a plain Pipeline, ``clone``, ``get_params``, ``GridSearchCV(pipe, {"clf__C": …})``
and ``cross_val_score`` work on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from .features import CharNgramHasher, ContextFeatures, Record, TextView

__all__ = ["build_pipeline", "probability_function", "DEFAULT_PARAMS"]

DEFAULT_PARAMS: dict[str, object] = {
    "clf__C": 8.0,
    "features__text__ngrams__ngram_range": (1, 4),
    "features__text__ngrams__n_features": 2**18,
}


def build_pipeline(**params: object) -> Pipeline:
    """Return an unfitted segment classifier; ``params`` use Pipeline names (``clf__C=1.0``).

    >>> build_pipeline(clf__C=0.5).get_params()["clf__C"]
    0.5
    """
    text = Pipeline(
        [
            ("view", TextView()),
            ("ngrams", CharNgramHasher()),
            ("tfidf", TfidfTransformer(sublinear_tf=True)),
        ]
    )
    context = Pipeline([("ctx", ContextFeatures()), ("scale", StandardScaler())])
    pipe = Pipeline(
        [
            ("features", FeatureUnion([("text", text), ("context", context)])),
            ("clf", LogisticRegression(max_iter=3000, class_weight="balanced")),
        ]
    )
    pipe.set_params(**{**DEFAULT_PARAMS, **params})
    return pipe


def probability_function(model: Any) -> Callable[[Sequence[Record]], np.ndarray]:
    """``model.predict_proba``, or the same numbers computed without scikit-learn's per-call
    checks when ``model`` is a fitted pipeline of :func:`build_pipeline`'s shape.

    Per article, the checks of a six-step pipeline cost more than the arithmetic; this function
    reads the fitted steps once and then does only the arithmetic. Any other estimator (a user's
    own pipeline, a grid-search result) goes through ``predict_proba`` unchanged.
    """
    try:
        fast = _Compiled.of(model)
    except (AttributeError, KeyError, TypeError, ValueError):
        return model.predict_proba  # type: ignore[no-any-return]
    return fast.predict_proba


@dataclass(frozen=True, repr=False)
class _Compiled:
    view: TextView
    ngrams: CharNgramHasher
    idf: np.ndarray | None
    sublinear: bool
    context: ContextFeatures
    mean: np.ndarray | None
    scale: np.ndarray | None
    text_coef: np.ndarray
    context_coef: np.ndarray
    intercept: np.ndarray

    @classmethod
    def of(cls, model: Any) -> _Compiled:
        steps = dict(model.steps)
        union, clf = steps["features"], steps["clf"]
        if list(steps) != ["features", "clf"] or type(clf) is not LogisticRegression:
            raise TypeError("not attrib's pipeline")
        parts = dict(union.transformer_list)
        if list(parts) != ["text", "context"] or union.transformer_weights:
            raise TypeError("not attrib's feature union")
        text, context = dict(parts["text"].steps), dict(parts["context"].steps)
        view, ngrams, tfidf = text["view"], text["ngrams"], text["tfidf"]
        ctx, scale = context["ctx"], context["scale"]
        if (
            list(text) != ["view", "ngrams", "tfidf"]
            or list(context) != ["ctx", "scale"]
            or type(view) is not TextView
            or type(ngrams) is not CharNgramHasher
            or type(tfidf) is not TfidfTransformer
            or type(ctx) is not ContextFeatures
            or type(scale) is not StandardScaler
            or tfidf.norm != "l2"
            or len(clf.classes_) < 3  # the binary case keeps sklearn's own formula
        ):
            raise TypeError("not attrib's pipeline")
        n_text = int(ngrams.n_features)
        coef = np.asarray(clf.coef_, dtype=np.float64)
        return cls(
            view=view,
            ngrams=ngrams,
            idf=np.asarray(tfidf.idf_, dtype=np.float64) if tfidf.use_idf else None,
            sublinear=bool(tfidf.sublinear_tf),
            context=ctx,
            mean=scale.mean_ if scale.with_mean else None,
            scale=scale.scale_ if scale.with_std else None,
            text_coef=np.ascontiguousarray(coef[:, :n_text].T),
            context_coef=np.ascontiguousarray(coef[:, n_text:].T),
            intercept=np.asarray(clf.intercept_, dtype=np.float64),
        )

    def predict_proba(self, records: Sequence[Record]) -> np.ndarray:
        """The pipeline's ``predict_proba(records)``."""
        counts = self.ngrams.transform(self.view.transform(records))
        values = counts.data.astype(np.float64)
        if self.sublinear:
            values = np.log(values) + 1.0
        if self.idf is not None:
            values *= self.idf[counts.indices]
        rows = np.repeat(np.arange(counts.shape[0]), np.diff(counts.indptr))
        norms = np.sqrt(np.bincount(rows, weights=values * values, minlength=counts.shape[0]))
        norms[norms == 0.0] = 1.0
        tfidf = sp.csr_matrix((values, counts.indices, counts.indptr), shape=counts.shape)
        scores = (tfidf @ self.text_coef) / norms[:, None]
        ctx = self.context.transform(records)
        if self.mean is not None:
            ctx = ctx - self.mean
        if self.scale is not None:
            ctx = ctx / self.scale
        scores += ctx @ self.context_coef + self.intercept
        scores -= scores.max(axis=1, keepdims=True)
        np.exp(scores, out=scores)
        scores /= scores.sum(axis=1, keepdims=True)
        return scores  # type: ignore[no-any-return]
