"""Exceptions raised by attrib.

Every error derives from :class:`AttribError` and also from the builtin a caller would expect,
so ``except ValueError`` keeps working (as scikit-learn's ``NotFittedError`` does).
"""

from __future__ import annotations

__all__ = ["AttribError", "DataSchemaError", "InputError", "ModelError"]


class AttribError(Exception):
    """Base class of every error attrib raises on purpose."""


class InputError(AttribError, ValueError):
    """An input value cannot be analysed (bad option, unreadable file, missing column).

    Recoverable: fix the input named in the message and call again.
    """


class ModelError(AttribError, OSError):
    """A model file is missing, corrupt, untrusted or built by incompatible versions.

    Recoverable by pointing at another model, retraining with ``attrib train``, or (for a
    file you made yourself) loading it with ``trust=True``.
    """


class DataSchemaError(AttribError, ValueError):
    """Labeled training data does not follow the documented format.

    Recoverable: the message names the column, the label or the rows to fix.
    """
