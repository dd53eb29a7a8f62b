"""Stage 4: the segment classifier, one scikit-learn ``Pipeline``.

records -> FeatureUnion(TF-IDF of hashed char n-grams of the masked text, context features)
-> LogisticRegression.
The pipeline only gives probabilities; the decision threshold lives in :class:`attrib.Detector`.
Because it is a plain Pipeline, ``clone``, ``get_params``, ``GridSearchCV(pipe, {"clf__C": …})``
and ``cross_val_score`` work on it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from .compiled import CompiledModel
from .features import (
    CONTEXT_FEATURES,
    Record,
    check_hash_params,
    context_matrix,
    hash_ngrams,
    ngram_columns,
    normalise_texts,
)

__all__ = [
    "CharNgramHasher",
    "ContextFeatures",
    "DEFAULT_PARAMS",
    "TextView",
    "build_pipeline",
    "compile_pipeline",
    "probability_function",
]


class TextView(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Select the normalised segment text from records, for a text vectorizer."""

    def fit(self, X: Sequence[Record], y: Any = None) -> TextView:
        """Nothing to learn; returns ``self``."""
        return self

    def transform(self, X: Sequence[Record]) -> list[str]:
        """Return the normalised text of each record."""
        return normalise_texts([r["text"] for r in X])


class CharNgramHasher(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Count hashed character n-grams inside words (:func:`attrib.features.hash_ngrams`).

    The n-grams are those of scikit-learn's ``analyzer="char_wb"``, hashed with a fixed 64-bit
    hash, so columns are the same on every machine. About ten times faster than
    ``TfidfVectorizer``; there is no vocabulary to fit, store or load. Stateless, like
    ``HashingVectorizer``.

    Parameters
    ----------
    ngram_range
        Smallest and largest n-gram length, as in scikit-learn's vectorizers.
    n_features
        Number of output columns, a power of two.
    """

    def __init__(self, ngram_range: tuple[int, int] = (1, 4), n_features: int = 2**18) -> None:
        self.ngram_range = ngram_range
        self.n_features = n_features

    def fit(self, X: Sequence[str], y: Any = None) -> CharNgramHasher:
        """Check the parameters; nothing is learned. Returns ``self``."""
        check_hash_params(self.ngram_range, self.n_features)
        return self

    def transform(self, X: Sequence[str]) -> sp.csr_matrix:
        """Return a float32 CSR matrix of n-gram counts, one row per text."""
        data, indices, indptr = hash_ngrams(X, self.ngram_range, self.n_features)
        return sp.csr_matrix((data, indices, indptr), shape=(len(X), int(self.n_features)))

    def columns_of(self, text: str) -> dict[str, int]:
        """The column of each n-gram of ``text``, to read a fitted model's weights by n-gram."""
        return ngram_columns(text, self.ngram_range, self.n_features)


class ContextFeatures(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Numeric features of a segment in its article: position, length, cues, language, neighbours.

    The names are in :data:`~attrib.features.CONTEXT_FEATURES` and ``get_feature_names_out()``.
    """

    def fit(self, X: Sequence[Record], y: Any = None) -> ContextFeatures:
        """Record the number of features; returns ``self``."""
        self.n_features_out_ = len(CONTEXT_FEATURES)
        return self

    def transform(self, X: Sequence[Record]) -> np.ndarray:
        """Return an array of shape (n_records, len(CONTEXT_FEATURES))."""
        return context_matrix(X)

    def get_feature_names_out(self, input_features: Any = None) -> np.ndarray:
        """Names of the output features."""
        return np.asarray(CONTEXT_FEATURES, dtype=object)


DEFAULT_PARAMS: dict[str, object] = {
    "clf__C": 8.0,
    # Fitted to convergence, so that the model does not depend on the path the solver took:
    # at lbfgs's default 1e-4 the BLAS kernels of two x86-64 processors gave probabilities
    # 0.06 apart from the same data; at 1e-8 they agree to 1e-5.
    "clf__tol": 1e-8,
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
    """``model.predict_proba``, or the same numbers from :func:`compile_pipeline` when
    ``model`` is a fitted pipeline of :func:`build_pipeline`'s shape (or already compiled).

    Per article, the checks of a six-step pipeline cost more than the arithmetic. Any other
    estimator (a user's own pipeline, a grid-search result) keeps its own ``predict_proba``.
    """
    if isinstance(model, CompiledModel):
        return model.predict_proba
    try:
        return compile_pipeline(model).predict_proba
    except (AttributeError, KeyError, TypeError, ValueError):
        return model.predict_proba  # type: ignore[no-any-return]


def compile_pipeline(model: Any) -> CompiledModel:
    """The fitted numbers of a pipeline of :func:`build_pipeline`'s shape, as a
    :class:`~attrib.compiled.CompiledModel`; ``TypeError`` for any other estimator."""
    steps = dict(model.steps)
    union, clf = steps["features"], steps["clf"]
    if list(steps) != ["features", "clf"] or type(clf) is not LogisticRegression:
        raise TypeError("not attrib's pipeline")
    parts = dict(union.transformer_list)
    if list(parts) != ["text", "context"]:
        raise TypeError("not attrib's feature union")
    weights = union.transformer_weights or {}
    text_weight, context_weight = (
        float(weights.get("text", 1.0)),
        float(weights.get("context", 1.0)),
    )
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
    lo, hi, n_text = check_hash_params(ngrams.ngram_range, ngrams.n_features)
    coef = np.asarray(clf.coef_, dtype=np.float64)
    return CompiledModel(
        classes_=np.asarray(clf.classes_, dtype=object),
        ngram_range=(lo, hi),
        n_features=n_text,
        sublinear=bool(tfidf.sublinear_tf),
        idf=np.asarray(tfidf.idf_, dtype=np.float64) if tfidf.use_idf else None,
        mean=np.asarray(scale.mean_, dtype=np.float64) if scale.with_mean else None,
        scale=np.asarray(scale.scale_, dtype=np.float64) if scale.with_std else None,
        # FeatureUnion multiplies each block by its weight; so can the coefficients
        text_coef=np.ascontiguousarray(coef[:, :n_text].T * text_weight),
        context_coef=np.ascontiguousarray(coef[:, n_text:].T * context_weight),
        intercept=np.asarray(clf.intercept_, dtype=np.float64),
    )
