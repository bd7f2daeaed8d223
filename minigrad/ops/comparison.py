"""Comparisons as functions (``mg.eq(a, b)`` is ``a == b``), closeness tests and NaN/inf checks.

All give bool tensors (or a Python bool: ``equal``, ``allclose``) outside the autograd graph.
"""

from minigrad.backends import backend_for
from minigrad.ops.elementwise import compare
from minigrad.tensor import Tensor

__all__ = ["eq", "ne", "lt", "le", "gt", "ge", "isclose", "allclose", "equal", "isnan", "isinf", "isfinite"]


def eq(input, other):  # noqa: A002 - PyTorch's argument names
    """input == other, elementwise (with broadcasting): a bool tensor."""
    return compare(input, other, "eq")


def ne(input, other):  # noqa: A002
    """input != other, elementwise: a bool tensor."""
    return compare(input, other, "ne")


def lt(input, other):  # noqa: A002
    """input < other, elementwise: a bool tensor."""
    return compare(input, other, "lt")


def le(input, other):  # noqa: A002
    """input <= other, elementwise: a bool tensor."""
    return compare(input, other, "le")


def gt(input, other):  # noqa: A002
    """input > other, elementwise: a bool tensor."""
    return compare(input, other, "gt")


def ge(input, other):  # noqa: A002
    """input >= other, elementwise: a bool tensor."""
    return compare(input, other, "ge")


def _arrays(input, other):
    xp = backend_for(input.device).xp
    b = other.detach().array if isinstance(other, Tensor) else other
    return xp, input.detach().array, b


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """|input - other| <= atol + rtol |other|, elementwise (PyTorch's defaults): a bool tensor."""
    xp, a, b = _arrays(input, other)
    return Tensor._wrap(xp.asarray(xp.isclose(a, b, rtol=rtol, atol=atol, equal_nan=equal_nan)), input.device)


def allclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """True when ``isclose`` holds everywhere."""
    return bool(isclose(input, other, rtol, atol, equal_nan).all())


def equal(input, other):  # noqa: A002
    """True when both tensors have the same shape and the same values."""
    return input.shape == other.shape and bool((input == other).all())


def isnan(input):  # noqa: A002
    """True where the value is NaN."""
    return Tensor._wrap(backend_for(input.device).xp.isnan(input.detach().array), input.device)


def isinf(input):  # noqa: A002
    """True where the value is +inf or -inf."""
    return Tensor._wrap(backend_for(input.device).xp.isinf(input.detach().array), input.device)


def isfinite(input):  # noqa: A002
    """True where the value is neither inf nor NaN."""
    return Tensor._wrap(backend_for(input.device).xp.isfinite(input.detach().array), input.device)
