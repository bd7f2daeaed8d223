"""Sorting along a dim: ``sort``, ``argsort``, ``topk``.

Sorting only moves values, so its backward moves the gradient back: the output's position j came
from the input's position indices[j], and that is where its gradient goes:

    values = take(x, indices)       dL/dx = zeros;  dL/dx[indices[j]] = dL/dvalues[j]

The order is stable (equal values keep their input order) and NaN sorts as the largest value, as in
PyTorch: last in ascending order, first in descending order.
"""

import numbers
from collections import namedtuple

import numpy as np

from minigrad.autograd import Op
from minigrad.ops.reduce import normalize_dims
from minigrad.tensor import Tensor

__all__ = ["sort", "argsort", "topk"]

SortResult = namedtuple("SortResult", ["values", "indices"])
TopKResult = namedtuple("TopKResult", ["values", "indices"])


def _order(xp, x, axis, descending):
    """Stable argsort along ``axis``; descending keeps ties in their input order and puts NaN first."""
    if not descending:
        return xp.argsort(x, axis=axis, kind="stable")
    # Sort the reversed array ascending and reverse the result: ties then keep their input order, and
    # NaN (last in ascending order) comes first, as PyTorch puts it.
    n = x.shape[axis]
    reversed_order = xp.argsort(xp.flip(x, axis=axis), axis=axis, kind="stable")
    return (n - 1) - xp.flip(reversed_order, axis=axis)


class Sort(Op):
    """values, indices = sort(x) along ``axis`` (the first ``k`` of them: topk);
    dL/dx[indices[j]] = dL/dvalues[j], 0 elsewhere."""

    @staticmethod
    def forward(ctx, x, axis, descending, k):
        xp = ctx.xp
        idx = _order(xp, x, axis, descending)
        if k is not None:
            idx = idx[(slice(None),) * axis + (slice(0, k),)]
        ctx.save_for_backward(idx)
        ctx.shape, ctx.axis = x.shape, axis
        return xp.take_along_axis(x, idx, axis=axis), idx.astype(np.int64)

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        (idx,) = ctx.saved_tensors
        out = ctx.xp.zeros(ctx.shape, dtype=grad.dtype)
        ctx.xp.put_along_axis(out, idx, grad, axis=ctx.axis)  # indices are distinct: no sums needed
        return out, None, None, None


def _axis(input, dim, op):
    if not isinstance(input, Tensor):
        raise TypeError(f"{op}(): expected a Tensor, got {type(input).__name__}")
    if input.dtype.kind == "b" and op == "topk":
        raise TypeError("topk(): not implemented for bool tensors")
    axes = normalize_dims(dim, input.ndim, op)
    return axes[0] if axes else None  # None: a 0-d tensor, which is its own sort


def sort(input, dim=-1, descending=False, stable=False):  # noqa: A002 - PyTorch's argument names
    """Sort along ``dim``: ``(values, indices)`` with ``values = input.gather(dim, indices)``.

    Always stable (``stable=`` is accepted for PyTorch's signature); NaN counts as the largest value.
    The gradient flows to the input through the permutation.
    """
    axis = _axis(input, dim, "sort")
    if axis is None:
        values, indices = Sort.apply(input.reshape(1), 0, False, None)
        return SortResult(values.reshape(()), indices.reshape(()))
    return SortResult(*Sort.apply(input, axis, bool(descending), None))


def argsort(input, dim=-1, descending=False, stable=False):  # noqa: A002
    """The indices that sort ``input`` along ``dim`` (``sort(...).indices``); an int64 tensor, no gradient."""
    return sort(input.detach(), dim, descending, stable).indices


def topk(input, k, dim=-1, largest=True, sorted=True):  # noqa: A002
    """The ``k`` largest (``largest=False``: smallest) values along ``dim`` and their indices,
    largest first. The gradient goes to the ``k`` chosen positions.

    ``sorted=False`` is accepted and still returns them sorted (PyTorch leaves the order unspecified).
    """
    axis = _axis(input, dim, "topk")
    size = input.shape[axis] if axis is not None else 1
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or not 0 <= k <= size:
        raise RuntimeError(f"topk(): k={k!r} is out of range for dim {dim} of size {size} (shape {input.shape})")
    if axis is None:  # PyTorch returns the 0-d tensor itself, for k = 0 as for k = 1
        return TopKResult(*sort(input))
    return TopKResult(*Sort.apply(input, axis, bool(largest), int(k)))
