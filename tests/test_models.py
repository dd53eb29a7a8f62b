"""Model files: the card must match, versions are checked, corrupt files give ModelError."""

from __future__ import annotations

import json
import shutil

import pytest

import attrib
from attrib.errors import ModelError
from attrib.models import ModelVersionWarning, card_path, load_model


@pytest.fixture
def model_copy(small_model_file, tmp_path):
    target = tmp_path / "m.joblib"
    shutil.copy(small_model_file, target)
    shutil.copy(card_path(small_model_file), card_path(target))
    return target


def test_round_trip_gives_the_same_predictions(small_model, model_copy, seed_text):
    loaded = load_model(model_copy)
    a = attrib.analyze(seed_text, model=small_model).to_dict()
    b = attrib.analyze(seed_text, model=loaded).to_dict()
    assert a == b
    assert loaded.attrib_card_["labels"] == ["body", "boilerplate", "footer"]


def test_card_records_versions_data_hash_and_file_hash(model_copy):
    card = json.loads(card_path(model_copy).read_text())
    assert {"versions", "data_sha256", "sha256", "labels", "params", "created"} <= set(card)
    assert set(card["versions"]) >= {"attrib", "scikit-learn", "python"}
    assert len(card["data_sha256"]) == 64


def test_missing_card_is_refused_unless_trusted(model_copy):
    card_path(model_copy).unlink()
    with pytest.raises(ModelError, match="card"):
        load_model(model_copy)
    assert load_model(model_copy, trust=True).classes_.tolist() == ["body", "boilerplate", "footer"]


def test_a_changed_file_is_refused(model_copy):
    with model_copy.open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(ModelError, match="SHA-256"):
        load_model(model_copy)


def test_corrupt_file_gives_model_error(model_copy, tmp_path):
    bad = tmp_path / "bad.joblib"
    bad.write_bytes(b"not a pickle at all")
    with pytest.raises(ModelError, match="cannot be loaded"):
        load_model(bad, trust=True)


def test_missing_file_gives_model_error(tmp_path):
    with pytest.raises(ModelError, match="not found"):
        load_model(tmp_path / "nope.joblib")


def test_other_scikit_learn_version_is_refused(model_copy):
    path = card_path(model_copy)
    card = json.loads(path.read_text())
    card["versions"]["scikit-learn"] = "0.0.1"
    path.write_text(json.dumps(card))
    with pytest.raises(ModelError, match="scikit-learn 0.0.1"):
        load_model(model_copy)


def test_other_attrib_version_warns(model_copy):
    path = card_path(model_copy)
    card = json.loads(path.read_text())
    card["versions"]["attrib"] = "0.0.0"
    path.write_text(json.dumps(card))
    with pytest.warns(ModelVersionWarning, match="attrib 0.0.0"):
        load_model(model_copy)


def test_model_error_is_an_os_error():
    assert issubclass(ModelError, OSError) and issubclass(ModelError, attrib.AttribError)


def test_bundled_model_has_a_card_with_metrics():
    from attrib.detector import default_detector

    card = default_detector().model.attrib_card_
    assert card["n_documents"] >= 500
    assert card["metrics"]["footer"]["f1"] > 0.8
