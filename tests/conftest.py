"""Shared fixtures: the seed article, a tiny model trained once per session."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SEED_ARTICLE = FIXTURES / "articles" / "putin_north_korea_argaam.txt"
QUICK_FIT = {"clf__tol": 1e-4}  # lbfgs's default tolerance: 3-4 times faster than 1e-8


@pytest.fixture(scope="session")
def seed_text() -> str:
    return SEED_ARTICLE.read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def small_frame() -> pd.DataFrame:
    return pd.read_csv(FIXTURES / "train_small.csv", dtype=str, keep_default_na=False)


@pytest.fixture(scope="session")
def small_model(small_frame: pd.DataFrame):
    import attrib

    # A quick fit: these tests check behaviour; test_default_model checks the fit to convergence.
    return attrib.train(small_frame, holdout=0, params=QUICK_FIT)


@pytest.fixture(scope="session")
def small_model_file(small_model, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from attrib.models import save_model

    path = tmp_path_factory.mktemp("model") / "small.joblib"
    save_model(small_model, path, dict(small_model.attrib_card_))
    return path
