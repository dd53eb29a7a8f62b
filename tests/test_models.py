"""Model files: the card must match, versions are checked, corrupt files give ModelError."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

import attrib
from attrib.compiled import CompiledModel
from attrib.errors import ModelError
from attrib.models import ModelVersionWarning, arrays_path, card_path, load_compiled, load_model


@pytest.fixture
def model_copy(small_model_file, tmp_path):
    target = tmp_path / "m.joblib"
    shutil.copy(small_model_file, target)
    shutil.copy(card_path(small_model_file), card_path(target))
    shutil.copy(arrays_path(small_model_file), arrays_path(target))
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


def test_compiled_arrays_give_the_pipelines_answers(model_copy, seed_text):
    from attrib.training import records_for

    pipe, arrays = load_model(model_copy), load_compiled(model_copy)
    assert isinstance(arrays, CompiledModel) and arrays.attrib_card_ == pipe.attrib_card_
    records = records_for(seed_text.split("\n"))
    np.testing.assert_allclose(
        arrays.predict_proba(records), pipe.predict_proba(records), rtol=0, atol=1e-9
    )
    assert attrib.analyze(seed_text, model=arrays) == attrib.analyze(seed_text, model=pipe)


def test_changed_or_missing_arrays_are_refused(model_copy):
    with arrays_path(model_copy).open("ab") as f:
        f.write(b"tampered")
    with pytest.raises(ModelError, match="SHA-256"):
        load_compiled(model_copy)
    arrays_path(model_copy).unlink()
    with pytest.raises(ModelError, match="not found"):
        load_compiled(model_copy)


def test_arrays_that_are_not_attribs_are_refused(model_copy):
    path = arrays_path(model_copy)
    np.savez(path, format=np.asarray("something else"))
    card = json.loads(card_path(model_copy).read_text())
    card["arrays"]["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    card_path(model_copy).write_text(json.dumps(card))
    with pytest.raises(ModelError, match="cannot be read as compiled arrays"):
        load_compiled(model_copy)


def test_analyze_with_the_bundled_model_does_not_import_scikit_learn(seed_text):
    # The bundled model runs on its compiled arrays, so a cold start skips scikit-learn's
    # import, the largest part of it.
    code = (
        "import sys, attrib; r = attrib.analyze(sys.stdin.read()); "
        "print(r.source_domain, 'sklearn' in sys.modules, 'scipy' in sys.modules)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], input=seed_text, capture_output=True, text=True, check=True
    )
    assert out.stdout.split() == ["argaam.com", "False", "False"]


def test_a_model_of_another_feature_set_is_refused_with_a_retrain_hint(model_copy, monkeypatch):
    # A model trained before context features were added cannot be fed today's features.
    import attrib.features

    monkeypatch.setattr(
        attrib.features, "CONTEXT_FEATURES", attrib.features.CONTEXT_FEATURES + ("new",)
    )
    with pytest.raises(ModelError, match="context features.*Retrain"):
        load_model(model_copy)
    with pytest.raises(ModelError, match="context features.*Retrain"):
        load_compiled(model_copy)
