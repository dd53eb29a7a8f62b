"""Model files: a joblib-pickled Pipeline plus a JSON model card beside it.

``model.joblib`` goes with ``model.card.json`` (versions, labels, training-data hash, parameters,
metrics, date and the SHA-256 of the joblib file). Loading checks the card before it unpickles
anything. joblib files run code when they are loaded: load only files you trust.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import platform
import warnings
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._version import __version__
from .errors import ModelError

if TYPE_CHECKING:
    from .compiled import CompiledModel

__all__ = [
    "arrays_path",
    "card_path",
    "load_compiled",
    "load_default_compiled",
    "load_default_model",
    "load_model",
    "read_card",
    "save_model",
]

CARD_SUFFIX = ".card.json"
ARRAYS_SUFFIX = ".arrays.npz"


class ModelVersionWarning(UserWarning):
    """A model file was written by another attrib version; results may differ slightly."""


def card_path(model_path: str | Path) -> Path:
    """The model card that belongs to ``model_path`` (``x.joblib`` -> ``x.card.json``)."""
    p = Path(model_path)
    return p.with_name(p.name.removesuffix(".joblib") + CARD_SUFFIX)


def arrays_path(model_path: str | Path) -> Path:
    """The compiled arrays that belong to ``model_path`` (``x.joblib`` -> ``x.arrays.npz``)."""
    p = Path(model_path)
    return p.with_name(p.name.removesuffix(".joblib") + ARRAYS_SUFFIX)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _versions() -> dict[str, str]:
    import sklearn

    return {
        "attrib": __version__,
        "scikit-learn": sklearn.__version__,
        "python": platform.python_version(),
    }


def save_model(model: Any, path: str | Path, card: dict[str, Any]) -> Path:
    """Write ``model`` with joblib and its card beside it; returns the card's path.

    The card gets the versions in use and the file's SHA-256, so that :func:`load_model`
    can tell a changed or foreign file. A pipeline of :func:`~attrib.classify.build_pipeline`'s
    shape also gets its compiled arrays (``x.arrays.npz``, hashed in the card), which
    :func:`load_compiled` reads without scikit-learn.
    """
    import joblib

    from .classify import compile_pipeline

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    joblib.dump(model, tmp, compress=3)
    tmp.replace(path)
    full = {"format": "attrib-model/1", **card, "versions": _versions(), "sha256": _sha256(path)}
    apath = arrays_path(path)
    try:
        compiled = compile_pipeline(model)
    except (AttributeError, KeyError, TypeError, ValueError):
        apath.unlink(missing_ok=True)  # a stale file of an earlier model must not be read
    else:
        atmp = apath.with_name(apath.name + ".tmp")
        with atmp.open("wb") as f:
            compiled.save(f)
        atmp.replace(apath)
        full["arrays"] = {"file": apath.name, "sha256": _sha256(apath)}
    cpath = card_path(path)
    cpath.write_text(json.dumps(full, indent=2, ensure_ascii=False, sort_keys=True) + "\n")
    return cpath


def _parse_card(raw: str, where: str) -> dict[str, Any]:
    try:
        card = json.loads(raw)
    except ValueError as exc:
        raise ModelError(f"model card {where} is not valid JSON: {exc}") from None
    if not isinstance(card, dict) or card.get("format") != "attrib-model/1":
        raise ModelError(f"{where} is not an attrib model card")
    return card


def read_card(path: str | Path) -> dict[str, Any]:
    """Read the card of a model file; raises :class:`ModelError` if it is missing or corrupt."""
    cpath = card_path(path)
    try:
        raw = cpath.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ModelError(
            f"model card {cpath} not found: attrib loads only model files written by "
            "`attrib train` (pass trust=True, or --trust, for a file you know)"
        ) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"model card {cpath} cannot be read: {exc}") from None
    return _parse_card(raw, str(cpath))


def _check_versions(card: dict[str, Any], path: Path) -> None:
    import sklearn

    made = card.get("versions", {})
    if made.get("scikit-learn") != sklearn.__version__:
        raise ModelError(
            f"{path} was written with scikit-learn {made.get('scikit-learn')}, this is "
            f"{sklearn.__version__}: pickled estimators are not portable across versions. "
            "Retrain with `attrib train` (or pass trust=True to load it anyway)."
        )
    _warn_other_attrib(card, path)


def _warn_other_attrib(card: dict[str, Any], path: Path) -> None:
    made = card.get("versions", {}).get("attrib")
    if made != __version__:
        warnings.warn(
            f"{path} was written by attrib {made}, this is {__version__}",
            ModelVersionWarning,
            stacklevel=4,
        )


def load_model(path: str | Path, *, trust: bool = False) -> Any:
    """Load a model file written by ``attrib train`` (or :func:`save_model`).

    Unless ``trust`` is true, the card must exist, its SHA-256 must match the file and its
    scikit-learn version must be the one installed. The fitted Pipeline is returned with its
    card in the ``attrib_card_`` attribute.

    Raises
    ------
    ModelError
        The file or card is missing, corrupt, changed since it was written, or not a model.
    """
    path = Path(path)
    if not path.is_file():
        raise ModelError(f"model file {path} not found")
    return _load_checked(path, None if trust else read_card(path))


def _load_checked(path: Path, card: dict[str, Any] | None) -> Any:
    import joblib

    if card is not None:
        if card.get("sha256") != _sha256(path):
            raise ModelError(
                f"{path} does not match the SHA-256 in its card {card_path(path)}: the file "
                "changed after it was written. Retrain, or pass trust=True if you know it."
            )
        _check_versions(card, path)
    try:
        model = joblib.load(path)
    except Exception as exc:  # unpickling fails in many ways; all of them mean a bad file
        raise ModelError(f"{path} cannot be loaded as a model: {exc}") from None
    if not hasattr(model, "predict_proba") or not hasattr(model, "classes_"):
        raise ModelError(f"{path} holds a {type(model).__name__}, not a fitted attrib model")
    _check_context_width(_context_width(model), path)
    model.attrib_card_ = card or {}
    return model


def _context_width(model: Any) -> int | None:
    """How many context features a pipeline of attrib's shape was fitted on; None otherwise."""
    try:
        union = dict(model.steps)["features"]
        scale = dict(dict(union.transformer_list)["context"].steps)["scale"]
        return int(scale.n_features_in_)
    except (AttributeError, KeyError, TypeError, ValueError):
        return None


def _check_context_width(width: int | None, path: Path) -> None:
    from .features import CONTEXT_FEATURES

    if width is not None and width != len(CONTEXT_FEATURES):
        raise ModelError(
            f"{path} was trained on {width} context features; this attrib {__version__} "
            f"computes {len(CONTEXT_FEATURES)}. Retrain it with `attrib train` on the same "
            "labeled data."
        )


def load_compiled(path: str | Path) -> CompiledModel:
    """The compiled arrays of a model file written by ``attrib train``, checked against the
    card's SHA-256, without importing scikit-learn; they give the pipeline's probabilities.

    Raises
    ------
    ModelError
        The card or arrays are missing (a model that is not of attrib's pipeline shape has
        none; load it with :func:`load_model`), changed since written, or corrupt.
    """
    path = Path(path)
    return _load_arrays(arrays_path(path), read_card(path))


def _load_arrays(apath: Path, card: dict[str, Any]) -> CompiledModel:
    from .compiled import CompiledModel

    meta = card.get("arrays")
    if not isinstance(meta, dict) or "sha256" not in meta:
        raise ModelError(
            f"the card of {apath.name.removesuffix(ARRAYS_SUFFIX)} lists no compiled arrays: "
            "load the model with load_model()"
        )
    if not apath.is_file():
        raise ModelError(f"compiled arrays {apath} not found: retrain with `attrib train`")
    if meta.get("sha256") != _sha256(apath):
        raise ModelError(
            f"{apath} does not match the SHA-256 in its card: the file changed after it was "
            "written. Retrain with `attrib train`."
        )
    _warn_other_attrib(card, apath)
    try:
        compiled = CompiledModel.load(apath)
    except (OSError, ValueError, KeyError) as exc:
        raise ModelError(f"{apath} cannot be read as compiled arrays: {exc}") from None
    _check_context_width(compiled.context_coef.shape[0], apath)
    return dataclasses.replace(compiled, attrib_card_=card)


def _bundled() -> tuple[Any, dict[str, Any]]:
    folder = resources.files("attrib") / "resources"
    model_file, card_file = folder / "default.joblib", folder / f"default{CARD_SUFFIX}"
    if not model_file.is_file() or not card_file.is_file():
        raise ModelError(
            "the bundled model attrib/resources/default.joblib or its card is missing: "
            "rebuild it with `make model`"
        )
    return model_file, _parse_card(card_file.read_text(encoding="utf-8"), str(card_file))


def load_default_model() -> Any:
    """Load the Pipeline shipped inside the package (checked like any other)."""
    model_file, card = _bundled()
    with resources.as_file(model_file) as model_path:
        return _load_checked(model_path, card)


def load_default_compiled() -> CompiledModel:
    """The bundled model's compiled arrays (checked against its card), without scikit-learn."""
    model_file, card = _bundled()
    with resources.as_file(model_file) as model_path:
        return _load_arrays(arrays_path(model_path), card)
