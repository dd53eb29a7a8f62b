"""Stage 4: the segment classifier, one scikit-learn ``Pipeline``.

records -> FeatureUnion(char n-grams of the masked text, context features) -> LogisticRegression.
The pipeline only gives probabilities; the decision threshold lives in :class:`attrib.Detector`.
Because it is a plain Pipeline, ``clone``, ``get_params``, ``GridSearchCV(pipe, {"clf__C": …})``
and ``cross_val_score`` work on it.
"""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import FeatureUnion, Pipeline
from sklearn.preprocessing import StandardScaler

from .features import ContextFeatures, TextView

__all__ = ["build_pipeline", "DEFAULT_PARAMS"]

DEFAULT_PARAMS: dict[str, object] = {
    "clf__C": 2.0,
    "features__text__tfidf__ngram_range": (1, 4),
    "features__text__tfidf__min_df": 2,
    "features__text__tfidf__max_features": 150_000,
}


def build_pipeline(**params: object) -> Pipeline:
    """Return an unfitted segment classifier; ``params`` use Pipeline names (``clf__C=1.0``).

    >>> build_pipeline(clf__C=0.5).get_params()["clf__C"]
    0.5
    """
    text = Pipeline(
        [
            ("view", TextView()),
            (
                "tfidf",
                TfidfVectorizer(
                    analyzer="char_wb", sublinear_tf=True, lowercase=False, dtype=np.float32
                ),
            ),
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
