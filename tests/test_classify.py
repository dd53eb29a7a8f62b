"""The classifier is a plain scikit-learn Pipeline: clone, params, grid search, pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline

from attrib.classify import build_pipeline
from attrib.features import CONTEXT_FEATURES, ContextFeatures
from attrib.training import documents_from_frame, records_for, validate_frame


@pytest.fixture(scope="module")
def xy(small_frame):
    docs = documents_from_frame(validate_frame(small_frame))[:60]
    X, y, groups = [], [], []
    for d in docs:
        X.extend(records_for(d.texts))
        y.extend(d.labels)
        groups.extend([d.doc_id] * len(d.texts))
    return X, np.asarray(y), np.asarray(groups)


def test_it_is_a_pipeline_ending_in_logistic_regression():
    pipe = build_pipeline()
    assert isinstance(pipe, Pipeline)
    assert type(pipe.named_steps["clf"]).__name__ == "LogisticRegression"
    assert "clf__C" in pipe.get_params()


def test_clone_keeps_params():
    pipe = build_pipeline(clf__C=0.25)
    assert clone(pipe).get_params()["clf__C"] == 0.25


def test_unfitted_pipeline_raises_not_fitted_error(xy):
    with pytest.raises(NotFittedError):
        build_pipeline().predict_proba(xy[0][:3])


def test_grid_search_and_cross_val_score_work(xy):
    X, y, groups = xy
    search = GridSearchCV(build_pipeline(), {"clf__C": [0.5, 2.0]}, cv=GroupKFold(2))
    search.fit(X, y, groups=groups)
    assert search.best_params_["clf__C"] in (0.5, 2.0)
    scores = cross_val_score(build_pipeline(), X, y, groups=groups, cv=GroupKFold(2))
    assert scores.shape == (2,) and (scores > 0.7).all()


def test_pickle_round_trip_predicts_the_same(xy):
    X, y, _ = xy
    pipe = build_pipeline().fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(pipe.predict_proba(X[:20]), again.predict_proba(X[:20]))


def test_context_features_have_names_and_shape(xy):
    X = xy[0][:5]
    out = ContextFeatures().fit(X).transform(X)
    assert out.shape == (5, len(CONTEXT_FEATURES))
    assert list(ContextFeatures().fit(X).get_feature_names_out()) == list(CONTEXT_FEATURES)
