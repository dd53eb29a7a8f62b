"""The classifier is a plain scikit-learn Pipeline: clone, params, grid search, pickle."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from conftest import QUICK_FIT
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, GroupKFold, cross_val_score
from sklearn.pipeline import Pipeline

from attrib.classify import CharNgramHasher, ContextFeatures, build_pipeline, probability_function
from attrib.features import CONTEXT_FEATURES
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
    search = GridSearchCV(build_pipeline(**QUICK_FIT), {"clf__C": [0.5, 2.0]}, cv=GroupKFold(2))
    search.fit(X, y, groups=groups)
    assert search.best_params_["clf__C"] in (0.5, 2.0)
    scores = cross_val_score(build_pipeline(**QUICK_FIT), X, y, groups=groups, cv=GroupKFold(2))
    assert scores.shape == (2,) and (scores > 0.7).all()


def test_pickle_round_trip_predicts_the_same(xy):
    X, y, _ = xy
    pipe = build_pipeline(**QUICK_FIT).fit(X, y)
    again = pickle.loads(pickle.dumps(pipe))
    np.testing.assert_array_equal(pipe.predict_proba(X[:20]), again.predict_proba(X[:20]))


def test_context_features_have_names_and_shape(xy):
    X = xy[0][:5]
    out = ContextFeatures().fit(X).transform(X)
    assert out.shape == (5, len(CONTEXT_FEATURES))
    assert list(ContextFeatures().fit(X).get_feature_names_out()) == list(CONTEXT_FEATURES)


def _char_wb_counts(text: str) -> dict[str, int]:
    """scikit-learn's own char_wb n-grams (1-4) of ``text``, counted."""
    from collections import Counter

    from sklearn.feature_extraction.text import CountVectorizer

    analyzer = CountVectorizer(analyzer="char_wb", ngram_range=(1, 4), lowercase=False)
    return dict(Counter(analyzer.build_analyzer()(text)))


def _column_of(gram: str) -> int:
    from attrib.features import _column

    return _column(gram, 2**18)


@pytest.mark.parametrize(
    "text",
    ["source: § 0", "ظهرت في الأصل على §", "本文首发于§，转载请注明", "Leave  a\tComment", "a b"],
)
def test_hashed_ngrams_are_scikit_learns_char_wb_ngrams(text):
    # The same n-grams as analyzer="char_wb", each counted in its hashed column; only the
    # count of the lone space differs (scikit-learn pads every word, the hasher the text).
    expected: dict[int, float] = {}
    for gram, count in _char_wb_counts(text).items():
        if gram != " ":
            expected[_column_of(gram)] = expected.get(_column_of(gram), 0) + count
    row = CharNgramHasher().fit([text]).transform([text])
    got = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    got.pop(_column_of(" "))
    assert got == expected


def test_hashed_ngrams_batch_equals_one_by_one_and_are_stable():
    texts = ["source: §", "", "   ", "read more at §", "東京の天気"]
    hasher = CharNgramHasher()
    batch = hasher.transform(texts)
    for i, t in enumerate(texts):
        assert (batch[i] != hasher.transform([t])).nnz == 0
    assert batch.shape == (5, 2**18) and batch[1].nnz == batch[2].nnz == 0
    # Columns are a fixed function of the n-gram, the same on every machine and run: a model
    # trained anywhere reads the same columns.
    assert _column_of(" so") == hasher.columns_of("so")[" so"] == 212536
    assert 3852 in hasher.transform(["§"]).indices
    assert hasher.transform([]).shape == (0, 2**18)


def test_hasher_rejects_bad_parameters():
    with pytest.raises(ValueError, match="power of two"):
        CharNgramHasher(n_features=1000).fit(["x"])
    with pytest.raises(ValueError, match="ngram_range"):
        CharNgramHasher(ngram_range=(3, 2)).fit(["x"])


def test_compiled_probabilities_equal_predict_proba(xy):
    X, y, _ = xy
    pipe = build_pipeline(**QUICK_FIT).fit(X, y)
    fast = probability_function(pipe)
    assert fast != pipe.predict_proba
    np.testing.assert_allclose(fast(X), pipe.predict_proba(X), rtol=0, atol=1e-7)


def test_other_estimators_keep_their_own_predict_proba(xy):
    X, y, _ = xy
    search = GridSearchCV(build_pipeline(**QUICK_FIT), {"clf__C": [1.0]}, cv=2).fit(
        X[:400], y[:400]
    )
    assert probability_function(search) == search.predict_proba
    pipe = build_pipeline(features__text__tfidf__norm="l1", **QUICK_FIT).fit(X[:400], y[:400])
    assert probability_function(pipe) == pipe.predict_proba


def test_compiled_probabilities_follow_feature_union_weights(xy):
    X, y, _ = xy
    weights = {"text": 0.5, "context": 2.0}
    pipe = build_pipeline(features__transformer_weights=weights, **QUICK_FIT).fit(X[:400], y[:400])
    fast = probability_function(pipe)
    assert fast != pipe.predict_proba
    np.testing.assert_allclose(fast(X[:200]), pipe.predict_proba(X[:200]), rtol=0, atol=1e-7)


def _feature_columns(lines: list[str]) -> dict[str, list[float]]:
    """Each context feature's values over an article of ``lines``, by feature name."""
    from attrib.detector import line_records

    vectors = ContextFeatures().fit([]).transform(line_records(lines)[2])
    return {name: vectors[:, i].tolist() for i, name in enumerate(CONTEXT_FEATURES)}


def test_context_features_tell_institution_sites_from_other_sites():
    lines = [
        "Budget vote set for Friday",
        "The full results are published on https://www.gov.uk/results and www.stat.go.jp.",
        "This story first appeared on Reuters.",
        "Source: www.argaam.com",
    ]
    col = _feature_columns(lines)
    assert col["institution_host"] == [0.0, 1.0, 0.0, 0.0]
    assert col["has_host"] == [0.0, 1.0, 0.0, 1.0]


def test_context_features_tell_a_reuse_ban_from_a_reuse_credit():
    # Both lines speak of reprinting; only the site's own notice restricts it.
    lines = [
        "Budget vote set for Friday",
        "© 2024 Вестник. Перепечатка материалов без письменного разрешения редакции запрещена.",
        "Reprinted with permission from The Conversation.",
        "#economy #budget #parliament",
    ]
    col = _feature_columns(lines)
    assert [v > 0 for v in col["restriction_words"]] == [False, True, False, False]
    assert [v > 0 for v in col["copyright_x_restriction"]] == [False, True, False, False]
    assert [v > 0 for v in col["own_site_words"]] == [False, True, False, False]
    assert col["syndication_cues"][2] > 0 and col["hashtags"] == [0.0, 0.0, 0.0, 1.0]


def test_context_features_mark_a_name_at_the_end_of_a_line():
    # Credits name the outlet last; a story sentence ends with a word in lower case, and
    # scripts without case (Japanese, Persian) never count as a name.
    lines = [
        "Budget vote set for next week",
        "Ten wywiad został wcześniej opublikowany przez Newsweek Polska.",
        "Der vollständige Bericht ist auf anp.nl abrufbar.",
        "この記事は共同通信が最初に配信しました。",
        "بازارسال از بولتن خبری تسنیم",
        "Relayé depuis le bulletin d'information de RFI. »",
        "Reuters",
    ]
    col = _feature_columns(lines)
    assert [v > 0 for v in col["name_at_end"]] == [False, True, False, False, False, True, False]


def test_context_features_mark_reported_speech_in_many_languages():
    # A closing quote is story prose: "she said" is never a credit, though both end an article.
    lines = [
        "Budget vote set for Friday",
        "„Wir geben nicht auf“, sagte sie.",
        "Catatan redaksi: laporan ini lebih dahulu disiarkan Kompas.",
        "وقال الوزير إن الحكومة ستعلن الميزانية الأسبوع المقبل.",
        "“We will not give up,” the mayor told reporters.",
        "This article was first carried by The Conversation.",
    ]
    col = _feature_columns(lines)
    assert [v > 0 for v in col["speech_words"]] == [False, True, False, True, True, False]
    assert col["syndication_cues"][2] > 0 and col["syndication_cues"][5] > 0


def test_context_features_mark_a_line_that_quotes_the_headline():
    # "The post <title> appeared first on …": credits quote the article's title, the story and
    # the headline itself do not count.
    headline = "Parliament passes data protection bill"
    lines = [
        headline,
        "The bill passed by 312 votes to 104 after a six-hour debate on Tuesday.",
        f"The post {headline} appeared first on The Lallantop.",
        f"「{headline}」という記事は最初に朝日新聞に掲載されました。",
    ]
    col = _feature_columns(lines)
    assert [v > 0 for v in col["quotes_headline"]] == [False, False, True, True]
    # A first line too short to be a title (chrome, a label) is not looked for.
    assert not any(_feature_columns(["News", "News from the wire today."])["quotes_headline"])
