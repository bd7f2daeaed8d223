"""minigrad's differentiable ops, one module per family."""

import importlib.util

from minigrad.ops import conv, dropout, elementwise, linalg, loss, reduce, shape  # noqa: F401

# the activation and normalization families live in their own modules
for _family in ("activation", "normalization"):
    if importlib.util.find_spec(f"minigrad.ops.{_family}") is not None:
        importlib.import_module(f"minigrad.ops.{_family}")
