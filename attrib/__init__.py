"""attrib: find where a news article really came from.

>>> import attrib
>>> r = attrib.analyze(text)            # doctest: +SKIP
>>> r.is_syndicated, r.source_domain     # doctest: +SKIP
(True, 'argaam.com')
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from ._version import __version__
from .detector import Detector, default_detector
from .errors import AttribError, DataSchemaError, InputError, ModelError
from .models import load_model
from .result import Attribution, Segment

__all__ = [
    "AttribError",
    "Attribution",
    "DataSchemaError",
    "Detector",
    "InputError",
    "ModelError",
    "Segment",
    "__version__",
    "analyze",
    "analyze_many",
    "evaluate",
    "load_model",
    "score_frame",
    "train",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())


def analyze(text: str, *, model: Any = None) -> Attribution:
    """Analyse one article: language, segments, footers, source domain.

    Parameters
    ----------
    text
        The article as scraped, one segment per line.
    model
        A fitted model from :func:`load_model` or :func:`train`; the bundled model by default.

    Raises
    ------
    TypeError
        ``text`` is not a str.
    """
    detector = default_detector() if model is None else Detector(model)
    return detector.analyze(text)


def analyze_many(texts: Iterable[str], *, model: Any = None) -> list[Attribution]:
    """Analyse many articles: the results of ``[analyze(t) for t in texts]``, with the lines
    that need langdetect detected many articles at a time (:meth:`Detector.analyze_many`).

    Raises
    ------
    TypeError
        An article is not a str (checked before any is analysed).
    """
    detector = default_detector() if model is None else Detector(model)
    return detector.analyze_many(texts)


def score_frame(frame: Any, text_column: str = "text", **kwargs: Any) -> Any:
    """Score a DataFrame of articles; see :func:`attrib.batch.score_frame`."""
    from .batch import score_frame as _score_frame

    return _score_frame(frame, text_column, **kwargs)


def train(frame: Any, **kwargs: Any) -> Any:
    """Train a segment classifier on labeled data; see :func:`attrib.training.train_model`."""
    from .training import train_model

    return train_model(frame, **kwargs)


def evaluate(frame: Any, **kwargs: Any) -> dict[str, Any]:
    """Evaluate a model on labeled data; see :func:`attrib.training.evaluate_model`."""
    from .training import evaluate_model

    return evaluate_model(frame, **kwargs)
