"""The compiled feature steps (``attrib/_speedups.c``): built at install time when a C compiler
is at hand, else absent. Every step has a pure-Python reference that gives the same answers
(``tests/test_speedups.py`` holds them equal); the stages ask :func:`compiled_module` which to run.
"""

from __future__ import annotations

import dataclasses
import functools
import os
from collections.abc import Callable
from types import ModuleType
from typing import Any, TypeVar

__all__ = ["backend", "compiled_module", "maker", "prepared"]

T = TypeVar("T")


@functools.lru_cache(maxsize=1)
def compiled_module() -> ModuleType | None:
    """The compiled module, or None when it was not built or ``ATTRIB_SPEEDUPS=python``."""
    if os.environ.get("ATTRIB_SPEEDUPS", "auto") == "python":
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return _speedups


def backend() -> str:
    """``"c"`` when the compiled feature steps are in use, else ``"python"``."""
    return "c" if compiled_module() is not None else "python"


def prepared(module: ModuleType | None, setup: Callable[[ModuleType], None]) -> ModuleType | None:
    """``module`` after ``setup(module)`` (a stage's tables handed to it, cached by the stage),
    or None without the compiled module."""
    if module is not None:
        setup(module)
    return module


def maker(cls: type[T]) -> Callable[..., T]:
    """A callable that builds ``cls(*values)`` from positional field values: for a frozen slots
    dataclass, the compiled ``Maker``, which fills the slots without running the generated
    ``__init__`` (one ``object.__setattr__`` call per field); ``cls`` itself without the
    compiled module. Decided once, when the stage module is imported."""
    module = compiled_module()
    if module is None:
        return cls
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not all(f.init for f in fields):
        raise TypeError(f"{cls.__name__} has fields outside __init__")
    made: Any = module.Maker(cls, tuple(f.name for f in fields))
    return made  # type: ignore[no-any-return]
