"""softmax, log_softmax and the losses: cross-entropy (fused with log-softmax), NLL, MSE.

Cross-entropy of logits x (one row per example) and a class index t:

    loss = -log softmax(x)_t = -x_t + log sum_j exp(x_j)
    dloss/dx_j = softmax(x)_j - [j == t]

Computing it in one fused kernel (log-softmax, pick, reduce; then softmax minus one-hot) is both
faster and stabler than composing exp, sum and log: the biggest logit is subtracted first, so logits
of 1e4 give finite losses and gradients.
"""

import warnings

import numpy as np

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.reduce import normalize_dims

__all__ = ["softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss"]


def _rows(x, dim):
    """Move ``dim`` last and view the tensor as rows: the shape the fused kernels work on."""
    (axis,) = normalize_dims(dim, x.ndim, "softmax") if x.ndim else (0,)
    moved = x.transpose(axis, -1) if x.ndim > 1 and axis != x.ndim - 1 else x
    return axis, moved


class _RowWise(Op):
    """Shared plumbing for softmax and log_softmax over the last axis of a row view."""

    @staticmethod
    def forward(ctx, x, which):
        shape = x.shape
        x2 = x.reshape(-1, shape[-1]) if x.ndim else x.reshape(1, 1)
        y = getattr(ctx.backend, which + "_forward")(x2).reshape(shape)
        ctx.save_for_backward(y)
        ctx.which = which
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        shape = y.shape
        y2 = y.reshape(-1, shape[-1]) if y.ndim else y.reshape(1, 1)
        g2 = grad.reshape(y2.shape)
        return getattr(ctx.backend, ctx.which + "_backward")(g2, y2).reshape(shape), None


def _rowwise(x, dim, which):
    if x.dtype.kind != "f":
        raise TypeError(f"{which}: expected a floating point tensor, got {dtypes.name(x.dtype)}")
    axis, moved = _rows(x, dim)
    y = _RowWise.apply(moved, which)
    return y.transpose(axis, -1) if x.ndim > 1 and axis != x.ndim - 1 else y


def softmax(input, dim):
    """softmax(x)_j = exp(x_j - m) / sum_k exp(x_k - m), m = max_k x_k (the shift changes nothing but
    keeps exp from overflowing). Backward: dL/dx_j = y_j (g_j - sum_k g_k y_k)."""
    return _rowwise(input, dim, "softmax")


def log_softmax(input, dim):
    """log_softmax(x)_j = x_j - m - log sum_k exp(x_k - m). Backward: g_j - softmax_j sum_k g_k."""
    return _rowwise(input, dim, "log_softmax")


class CrossEntropy(Op):
    """Fused log-softmax and negative log-likelihood over rows of logits x with class t (smoothing eps, C classes):
    loss = -(1 - eps) logp[t] - eps/C sum_c logp[c],  logp = log_softmax(x);
    dloss/dx = softmax(x) - (1 - eps) onehot(t) - eps/C  (0 for rows with t == ignore_index)."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index, label_smoothing, reduction):
        loss, logp = ctx.backend.cross_entropy_forward(logits, target, ignore_index, label_smoothing)
        ctx.save_for_backward(logp, target)
        ctx.args = (ignore_index, label_smoothing, reduction)
        if reduction == "none":
            return loss
        if reduction == "sum":
            return np.asarray(loss.sum(dtype=np.float64), dtype=loss.dtype)
        ctx.count = int((target != ignore_index).sum())
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(loss.sum(dtype=np.float64) / ctx.count, dtype=loss.dtype)

    @staticmethod
    def backward(ctx, grad):
        logp, target = ctx.saved_tensors
        ignore_index, label_smoothing, reduction = ctx.args
        if reduction == "none":
            rows = grad
        else:
            scale = grad / ctx.count if reduction == "mean" else grad
            rows = ctx.xp.broadcast_to(scale, target.shape)
        g = ctx.backend.cross_entropy_backward(rows, logp, target, ignore_index, label_smoothing)
        return g, None, None, None, None


def _check_reduction(reduction, op):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def cross_entropy(
    input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, *, size_average=None,
    reduce=None,
):  # fmt: skip
    """Softmax cross-entropy of logits ``input`` (N, C) or (N, C, d1, ...) or (C,) and class indices
    ``target`` (N,) or (N, d1, ...) or (); PyTorch's arguments and defaults (``weight=`` and probabilities
    as targets: ``classification_loss.py``; size_average/reduce: PyTorch's deprecated spelling of reduction)."""
    if size_average is not None or reduce is not None:
        from minigrad.ops.classification_loss import _legacy_reduction

        reduction = _legacy_reduction(size_average, reduce, reduction)
    _check_reduction(reduction, "cross_entropy")
    if weight is not None or target.dtype.kind == "f":  # class weights or soft targets: classification_loss.py
        from minigrad.ops.classification_loss import weighted_cross_entropy

        return weighted_cross_entropy(input, target, weight, ignore_index, reduction, label_smoothing)
    if target.dtype != dtypes.int64:
        raise TypeError(
            f"cross_entropy: expected target of dtype int64 (class indices), got {dtypes.name(target.dtype)}; "
            "use target.long()"
        )
    if input.dtype.kind != "f":
        raise TypeError(f"cross_entropy: expected floating point logits, got {dtypes.name(input.dtype)}")
    if not 0.0 <= label_smoothing <= 1.0:
        raise ValueError(f"cross_entropy: label_smoothing must be in [0, 1], got {label_smoothing}")
    batch_shape = input.shape[:1] + input.shape[2:] if input.ndim >= 2 else ()
    if input.ndim == 0 or target.shape != batch_shape:
        raise ValueError(
            f"cross_entropy: input of shape {input.shape} expects target of shape {batch_shape}, got {target.shape}"
        )
    c = input.shape[1] if input.ndim >= 2 else input.shape[0]
    t = target.array
    bad = (t != ignore_index) & ((t < 0) | (t >= c))
    if bad.any():
        raise IndexError(f"cross_entropy: target {int(t[bad].reshape(-1)[0])} is out of bounds for {c} classes")
    rows = input.reshape(1, c) if input.ndim == 1 else input
    if input.ndim > 2:  # (N, C, d1, ...) -> (N, d1, ..., C) -> one row per position
        rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, c)
    loss = CrossEntropy.apply(rows, target.reshape(-1), int(ignore_index), float(label_smoothing), reduction)
    return loss.reshape(target.shape) if reduction == "none" else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C): -input[i, target_i] (PyTorch's signature;
    class weights and (N, C, d1, ...) inputs are in classification_loss.py)."""
    if weight is not None or size_average is not None or reduce is not None or input.ndim != 2:
        from minigrad.ops.classification_loss import nll_loss_general

        return nll_loss_general(input, target, weight, size_average, ignore_index, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError(f"nll_loss: expected input (N, C) and target (N,), got {input.shape} and {target.shape}")
    t = target.array
    keep = t != ignore_index
    safe = np.where(keep, t, 0)
    from minigrad.tensor import Tensor

    picked = -input[Tensor._wrap(np.arange(len(t))), Tensor._wrap(safe)] * Tensor._wrap(keep.astype(input.dtype))
    if reduction == "none":
        return picked
    if reduction == "sum":
        return picked.sum()
    return picked.sum() / float(keep.sum())


def mse_loss(input, target, reduction="mean"):
    """Mean squared error: mean((input - target)^2); d/dinput = 2 (input - target) / n."""
    _check_reduction(reduction, "mse_loss")
    if input.shape != target.shape:
        warnings.warn(
            f"mse_loss: target size {target.shape} differs from input size {input.shape}; they will be "
            "broadcast, which is likely not what you want",
            stacklevel=2,
        )
    sq = (input - target) ** 2
    if reduction == "none":
        return sq
    return sq.sum() if reduction == "sum" else sq.mean()
