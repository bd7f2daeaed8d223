"""Reductions over ``dim`` (an int, a tuple, or None for all): sum, mean, var, std, max, min, ...

The backward of a reduction spreads the gradient back over the reduced axes: ``sum`` copies it to
every element, ``mean`` divides it by the count, ``max`` sends it to the winner.
"""

from collections import namedtuple

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.shapes import numel
from minigrad.tensor import Tensor

__all__ = ["sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin"]

ValuesIndices = namedtuple("ValuesIndices", ["values", "indices"])


def normalize_dims(dim, ndim, op):
    """``dim`` as a sorted tuple of non-negative axes; ``None`` means every axis."""
    if dim is None:
        return tuple(range(ndim))
    if ndim == 0:  # a 0-d tensor accepts dim 0 or -1 and has nothing to reduce
        dims = (dim,) if dtypes.is_integer(dim) else tuple(dim)
        if any(d not in (0, -1) for d in dims):
            raise IndexError(f"{op}: dimension out of range (expected to be in range of [-1, 0], but got {dims})")
        return ()
    dims = (dim,) if dtypes.is_integer(dim) else tuple(dim)
    out = []
    lo, hi = -ndim, ndim - 1
    for d in dims:
        if not lo <= d <= hi:
            raise IndexError(f"{op}: dimension out of range (expected to be in range of [{lo}, {hi}], but got {d})")
        out.append(d % ndim)
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: dim {dims} names an axis twice")
    return tuple(sorted(out))


def _expand_grad(grad, shape, axes, keepdim, xp):
    """Put the reduced axes back (size 1) and broadcast to the input's shape."""
    if not keepdim:
        grad = xp.expand_dims(grad, axes) if axes else grad
    return xp.broadcast_to(grad, shape)


class Sum(Op):
    """y = sum_i x_i over the axes;  dy/dx_i = 1."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        return ctx.xp.sum(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        return _expand_grad(grad, ctx.shape, ctx.axes, ctx.keepdim, ctx.xp), None, None


class Mean(Op):
    """y = (1/n) sum_i x_i;  dy/dx_i = 1/n."""

    @staticmethod
    def forward(ctx, x, axes, keepdim):
        ctx.shape, ctx.axes, ctx.keepdim = x.shape, axes, keepdim
        ctx.count = numel(x.shape[a] for a in axes)
        with ctx.backend.quiet():  # the mean of nothing is nan
            return ctx.xp.mean(x, axis=axes, keepdims=keepdim)

    @staticmethod
    def backward(ctx, grad):
        g = grad / grad.dtype.type(ctx.count or 1)
        return _expand_grad(g, ctx.shape, ctx.axes, ctx.keepdim, ctx.xp), None, None


def _spread(ctx, x, axes, correction):
    """What var and std share: the centred values, the divisor max(n - correction, 0) (PyTorch's: var
    of a single value, or of nothing, is NaN) and (r, scale) with var = r * scale^2, kept dims.

    scale is 1 unless the squares overflowed (|x - mean| above ~1.8e19 in float32, ~1.3e154 in
    float64; PyTorch sums float32 squares in float64): then it is the largest |x - mean| of that
    slice, so that std = sqrt(r) * scale is right wherever it fits, and so is var.
    """
    xp = ctx.xp
    n = numel(x.shape[a] for a in axes)
    denom = x.dtype.type(n - correction if n > correction else 0)  # (max is this module's max)
    with ctx.backend.quiet():
        centred = x - xp.sum(x, axis=axes, keepdims=True) / x.dtype.type(n)  # the mean, NaN (no warning) if n = 0
        r = xp.sum(centred * centred, axis=axes, keepdims=True) / denom
        scale = xp.ones_like(r)
        if denom > 0 and xp.isinf(r).any():
            peak = xp.amax(xp.abs(centred), axis=axes, keepdims=True)
            scale = xp.where(xp.isinf(r) & xp.isfinite(peak), peak, scale)
            c = centred / scale
            r = xp.sum(c * c, axis=axes, keepdims=True) / denom
    return centred, denom, r, scale


def _drop(y, axes, keepdim):
    return y if keepdim else y.reshape([n for i, n in enumerate(y.shape) if i not in axes])


class Var(Op):
    """var = sum_i (x_i - mean)^2 / (n - correction);  dvar/dx_i = 2 (x_i - mean) / (n - correction)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        centred, denom, r, scale = _spread(ctx, x, axes, correction)
        ctx.save_for_backward(centred)
        ctx.axes, ctx.keepdim, ctx.denom = axes, keepdim, denom
        with ctx.backend.quiet():
            return _drop(r * scale * scale, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (centred,) = ctx.saved_tensors
        g = grad if ctx.keepdim else ctx.xp.expand_dims(grad, ctx.axes)
        with ctx.backend.quiet():
            return g * centred * (2 / ctx.denom), None, None, None


class Std(Op):
    """std = sqrt(var);  dstd/dx_i = (x_i - mean) / ((n - correction) std), and 0 where std = 0 (a
    constant slice: PyTorch's convention, where the formula would give 0/0)."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, correction):
        centred, denom, r, scale = _spread(ctx, x, axes, correction)
        std = ctx.xp.sqrt(r) * scale
        ctx.save_for_backward(centred)
        ctx.axes, ctx.keepdim, ctx.denom, ctx.std = axes, keepdim, denom, std
        return _drop(std, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        (centred,) = ctx.saved_tensors
        g = grad if ctx.keepdim else ctx.xp.expand_dims(grad, ctx.axes)
        with ctx.backend.quiet():
            coef = ctx.xp.where(ctx.std == 0, grad.dtype.type(0), g / ctx.std / ctx.denom)
        return coef * centred, None, None, None


class _MaxMin(Op):
    """max/min over axes: the gradient is shared evenly among the elements that tie for the extreme.

    A NaN wins (the result is NaN). For max()/min() of the whole tensor the NaNs share the gradient,
    as in PyTorch; amax/amin compare the result with x, which no NaN equals, so (also as in PyTorch)
    their gradient is NaN there."""

    @staticmethod
    def forward(ctx, x, axes, keepdim, which, nan_wins):
        y = (ctx.xp.amax if which == "max" else ctx.xp.amin)(x, axis=axes, keepdims=True)
        ctx.save_for_backward(x, y)
        ctx.axes, ctx.keepdim, ctx.nan_wins = axes, keepdim, nan_wins
        return _drop(y, axes, keepdim)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        winners = x == y
        if ctx.nan_wins:
            winners |= ctx.xp.isnan(x) & ctx.xp.isnan(y)
        count = winners.sum(axis=ctx.axes, keepdims=True)
        g = grad if ctx.keepdim else ctx.xp.expand_dims(grad, ctx.axes)
        with ctx.backend.quiet():
            return (winners * (g / count)).astype(x.dtype), None, None, None, None


class _MaxMinDim(Op):
    """max/min along one dim: values and the index of the first extreme; the gradient goes to that index."""

    @staticmethod
    def forward(ctx, x, axis, keepdim, which):
        xp = ctx.xp
        idx = (xp.argmax if which == "max" else xp.argmin)(x, axis=axis, keepdims=True)
        values = xp.take_along_axis(x, idx, axis=axis)
        ctx.save_for_backward(idx)
        ctx.shape, ctx.axis, ctx.keepdim = x.shape, axis, keepdim
        if not keepdim:
            values, idx = values.squeeze(axis), idx.squeeze(axis)
        return values, idx.astype(dtypes.int64)

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        (idx,) = ctx.saved_tensors
        g = grad if ctx.keepdim else ctx.xp.expand_dims(grad, ctx.axis)
        along = [-1 if i == ctx.axis else 1 for i in range(len(ctx.shape))]
        chosen = ctx.xp.arange(ctx.shape[ctx.axis]).reshape(along) == idx  # one-hot along the axis
        return (chosen * g).astype(grad.dtype), None, None, None


def _all_if_empty(dim):
    """PyTorch reduces over every dim when ``dim`` is an empty list or tuple, as with None."""
    return None if isinstance(dim, (tuple, list)) and len(dim) == 0 else dim


def _reduce_fn(fn, name, x, dim, keepdim):
    axes = normalize_dims(_all_if_empty(dim), x.ndim, name)
    return fn.apply(x, axes, bool(keepdim))


def sum(input, dim=None, keepdim=False):  # noqa: A001 - PyTorch's name
    """The sum over ``dim`` (an int, a tuple of ints, or None for every dim); ``keepdim=True`` keeps the
    reduced dims with size 1. Bool tensors count their True values (int64). d/dx_i = 1."""
    if input.dtype == dtypes.bool_:
        input = input.long()
    return _reduce_fn(Sum, "sum", input, dim, keepdim)


def mean(input, dim=None, keepdim=False):
    """The mean over ``dim`` (None: every dim) of a floating tensor; d/dx_i = 1/n."""
    if input.dtype.kind != "f":
        raise TypeError(f"mean(): input dtype must be floating point, got {dtypes.name(input.dtype)}; use .float()")
    return _reduce_fn(Mean, "mean", input, dim, keepdim)


def _correction(correction, unbiased):
    if unbiased is not None:
        return 1 if unbiased else 0
    return correction


def var(input, dim=None, keepdim=False, *, correction=1, unbiased=None):
    """Variance over ``dim``, dividing by max(n - correction, 0) (correction=1: Bessel's unbiased
    estimate); as in PyTorch, the variance of fewer than correction + 1 values is NaN (or inf).
    ``dim=[]`` means every dim, as in PyTorch, whose backward then divides by 0 (an inf gradient):
    minigrad's gradient is the one of ``dim=None``."""
    return _spread_op(Var, "var", input, dim, keepdim, correction, unbiased)


def std(input, dim=None, keepdim=False, *, correction=1, unbiased=None):
    """sqrt(var), computed without squaring overflow where it fits; its gradient is
    (x - mean) / ((n - correction) std), 0 where std = 0 (PyTorch's: a constant has gradient 0)."""
    return _spread_op(Std, "std", input, dim, keepdim, correction, unbiased)


def _spread_op(op, name, input, dim, keepdim, correction, unbiased):
    if input.dtype.kind != "f":
        raise TypeError(f"{name}(): input dtype must be floating point, got {dtypes.name(input.dtype)}")
    axes = normalize_dims(_all_if_empty(dim), input.ndim, name)
    return op.apply(input, axes, bool(keepdim), _correction(correction, unbiased))


def _check_nonempty(x, axes, op):
    if x.numel() == 0 and (not axes or any(x.shape[a] == 0 for a in axes)):
        raise RuntimeError(f"{op}(): expected a non-empty tensor over the reduced dims, got shape {x.shape}")


def _max_min(input, dim, keepdim, which):
    if dim is None:
        axes = normalize_dims(None, input.ndim, which)
        _check_nonempty(input, axes, which)
        return _MaxMin.apply(input, axes, False, which, True)
    if not dtypes.is_integer(dim):
        raise TypeError(f"{which}(dim): dim must be an int (use amax/amin for several dims)")
    if input.ndim == 0:
        normalize_dims(dim, 0, which)
        values, indices = _MaxMinDim.apply(input.reshape(1), 0, False, which)
        return ValuesIndices(values.reshape(()), indices.reshape(()))
    (axis,) = normalize_dims(dim, input.ndim, which)
    _check_nonempty(input, (axis,), which)
    values, indices = _MaxMinDim.apply(input, axis, bool(keepdim), which)
    return ValuesIndices(values, indices)


def max(input, dim=None, keepdim=False):  # noqa: A001
    """``max(x)``: the largest value; ``max(x, dim)``: ``(values, indices)`` along ``dim``."""
    return _max_min(input, dim, keepdim, "max")


def min(input, dim=None, keepdim=False):  # noqa: A001
    """``min(x)``: the smallest value; ``min(x, dim)``: ``(values, indices)`` along ``dim``."""
    return _max_min(input, dim, keepdim, "min")


def amax(input, dim=(), keepdim=False):
    """Largest value over ``dim`` (all dims when empty); ties share the gradient evenly."""
    axes = normalize_dims(_all_if_empty(dim), input.ndim, "amax")
    _check_nonempty(input, axes, "amax")
    return _MaxMin.apply(input, axes, bool(keepdim), "max", False)


def amin(input, dim=(), keepdim=False):
    """Smallest value over ``dim`` (all dims when empty); ties share the gradient evenly."""
    axes = normalize_dims(_all_if_empty(dim), input.ndim, "amin")
    _check_nonempty(input, axes, "amin")
    return _MaxMin.apply(input, axes, bool(keepdim), "min", False)


def _arg(input, dim, keepdim, which):
    """The index (int64) of the first largest (or smallest) value: outside the graph."""
    xp = input._backend().xp
    fn = xp.argmax if which == "argmax" else xp.argmin
    a = input.array
    if dim is None:
        idx = fn(a.reshape(-1))
    elif input.ndim == 0:
        normalize_dims(dim, 0, which)
        idx = xp.zeros((), dtypes.int64)
    else:
        (axis,) = normalize_dims(dim, input.ndim, which)
        idx = fn(a, axis=axis, keepdims=keepdim)
    return Tensor._wrap(xp.asarray(idx, dtype=dtypes.int64), input.device)


def argmax(input, dim=None, keepdim=False):
    """The index of the first largest value (of the flattened tensor, or along ``dim``)."""
    return _arg(input, dim, keepdim, "argmax")


def argmin(input, dim=None, keepdim=False):
    """The index of the first smallest value (of the flattened tensor, or along ``dim``)."""
    return _arg(input, dim, keepdim, "argmin")
