"""Cumulative sums: ``cumsum``.

    y_i = x_0 + x_1 + ... + x_i            (along dim)
    dL/dx_j = sum_{i >= j} dL/dy_i        (every later y contains x_j)

so the backward is a cumulative sum of the gradient taken from the other end.
"""

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.elementwise import cast
from minigrad.ops.reduce import normalize_dims

__all__ = ["cumsum"]


class Cumsum(Op):
    """y_i = sum_{k <= i} x_k along the axis;  dL/dx_j = sum_{i >= j} dL/dy_i (a reversed cumsum)."""

    @staticmethod
    def forward(ctx, x, axis):
        ctx.axis = axis
        return ctx.xp.cumsum(x, axis=axis)

    @staticmethod
    def backward(ctx, grad):
        xp, axis = ctx.xp, ctx.axis
        return xp.flip(xp.cumsum(xp.flip(grad, axis=axis), axis=axis), axis=axis), None


def cumsum(input, dim, dtype=None):  # noqa: A002 - PyTorch's argument names
    """Cumulative sum along ``dim``. Integer and bool inputs give int64 (PyTorch's rule) unless ``dtype``
    says otherwise; a 0-d tensor is its own cumulative sum."""
    if dtype is not None:
        input = cast(input, dtypes.as_dtype(dtype))
    elif input.dtype.kind in "biu":
        input = cast(input, dtypes.int64)
    axes = normalize_dims(dim, input.ndim, "cumsum")
    if not axes:
        return input * 1
    return Cumsum.apply(input, axes[0])
