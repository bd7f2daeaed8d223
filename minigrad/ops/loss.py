"""softmax, log_softmax and the losses: cross-entropy (fused with log-softmax), NLL, MSE.

Cross-entropy of logits x (one row per example) and a class index t:

    loss = -log softmax(x)_t = -x_t + log sum_j exp(x_j)
    dloss/dx_j = softmax(x)_j - [j == t]

Computing it in one fused kernel (log-softmax, pick, reduce; then softmax minus one-hot) is both
faster and stabler than composing exp, sum and log: the biggest logit is subtracted first, so logits
of 1e4 give finite losses and gradients.
"""

import math
import warnings

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.reduce import normalize_dims

__all__ = ["softmax", "log_softmax", "cross_entropy", "nll_loss", "mse_loss"]


def _rows(x, dim, which):
    """Move ``dim`` last and view the tensor as rows: the shape the fused kernels work on."""
    if not dtypes.is_integer(dim):
        raise TypeError(f"{which}(): dim must be an int, got {dim!r}")
    if x.ndim == 0:
        normalize_dims(dim, 0, which)  # checks dim (0 or -1)
        return 0, x
    (axis,) = normalize_dims(dim, x.ndim, which)
    moved = x.transpose(axis, -1) if x.ndim > 1 and axis != x.ndim - 1 else x
    return axis, moved


def _as_rows(a):
    """An array as 2-D rows over its last axis (a 0-d array is one row of one value). The row count
    is given, not -1: a (0, C) or (N, 0) array has no size to infer it from."""
    return a.reshape(math.prod(a.shape[:-1]), a.shape[-1]) if a.ndim else a.reshape(1, 1)


class Softmax(Op):
    """y_j = exp(x_j) / sum_k exp(x_k) over the last axis;  dL/dx_j = y_j (g_j - sum_k g_k y_k)."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.backend.softmax_forward(_as_rows(x)).reshape(x.shape)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return ctx.backend.softmax_backward(_as_rows(grad), _as_rows(y)).reshape(y.shape)


class LogSoftmax(Op):
    """y_j = x_j - log sum_k exp(x_k) over the last axis;  dL/dx_j = g_j - softmax(x)_j sum_k g_k."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.backend.log_softmax_forward(_as_rows(x)).reshape(x.shape)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return ctx.backend.log_softmax_backward(_as_rows(grad), _as_rows(y)).reshape(y.shape)


def _implicit_dim(x, name):
    """PyTorch's legacy choice when no dim is given: 0 for 0-, 1- and 3-d inputs, else 1 (with its warning)."""
    dim = 0 if x.ndim in (0, 1, 3) else 1
    warnings.warn(
        f"Implicit dimension choice for {name} has been deprecated. Change the call to include dim={dim} "
        "as an argument.",
        UserWarning,
        stacklevel=4,
    )
    return dim


def _rowwise(op, x, dim, name):
    """Apply a last-axis op along ``dim``: move dim last, apply, move it back."""
    if x.dtype.kind != "f":
        raise TypeError(f"{name}: expected a floating point tensor, got {dtypes.name(x.dtype)}")
    if dim is None:
        dim = _implicit_dim(x, name)
    axis, moved = _rows(x, dim, name)
    y = op.apply(moved)
    return y.transpose(axis, -1) if x.ndim > 1 and axis != x.ndim - 1 else y


def softmax(input, dim=None):
    """softmax(x)_j = exp(x_j - m) / sum_k exp(x_k - m), m = max_k x_k (the shift changes nothing but
    keeps exp from overflowing). Backward: dL/dx_j = y_j (g_j - sum_k g_k y_k).

    As in PyTorch: a row holding NaN or +inf, or only -inf, is NaN; a size-0 dim gives an empty
    result; ``dim=None`` picks PyTorch's deprecated implicit dim (0 for 0-, 1- and 3-d inputs, else
    1) and warns.
    Reference: ``minigrad/backends/numpy/softmax.py`` (softmax_forward, softmax_backward)."""
    return _rowwise(Softmax, input, dim, "softmax")


def log_softmax(input, dim=None):
    """log_softmax(x)_j = (x_j - m) - log sum_k exp(x_k - m). Backward: g_j - softmax_j sum_k g_k.

    (x_j - m) and the log-sum are subtracted separately, so a large common maximum (1e16, or a row
    masked with finfo.min) does not swallow the log-sum. Non-finite rows and ``dim`` as in softmax.
    Reference: ``minigrad/backends/numpy/softmax.py`` (log_softmax_forward, log_softmax_backward)."""
    return _rowwise(LogSoftmax, input, dim, "log_softmax")


class CrossEntropy(Op):
    """loss_i = -(1 - s) logp_i[t_i] - (s / C) sum_j logp_i[j], logp = log_softmax(x_i) (s: label
    smoothing; rows whose target is ignore_index count 0), then the mean over the counted rows, the
    sum, or none. dloss_i/dx_ij = softmax(x_i)_j - (1 - s) [j == t_i] - s / C."""

    @staticmethod
    def forward(ctx, logits, target, ignore_index, label_smoothing, reduction):
        loss, logp = ctx.backend.cross_entropy_forward(logits, target, ignore_index, label_smoothing)
        ctx.save_for_backward(logp, target)
        ctx.args = (ignore_index, label_smoothing, reduction)
        if reduction == "none":
            return loss
        total = loss.sum(dtype=dtypes.float64)  # float64: the sum of many small losses
        if reduction == "sum":
            return total.astype(loss.dtype)
        ctx.count = (target != ignore_index).sum()  # stays on the device
        with ctx.backend.quiet():  # every row ignored: 0 / 0 = nan, as in PyTorch
            return (total / ctx.count).astype(loss.dtype)

    @staticmethod
    def backward(ctx, grad):
        logp, target = ctx.saved_tensors
        ignore_index, label_smoothing, reduction = ctx.args
        if reduction == "none":
            rows = grad
        else:
            scale = grad / ctx.count.astype(grad.dtype) if reduction == "mean" else grad
            rows = ctx.xp.broadcast_to(scale, target.shape)
        g = ctx.backend.cross_entropy_backward(rows, logp, target, ignore_index, label_smoothing)
        return g, None, None, None, None


def _check_targets(op, target, classes, ignore_index):
    """Class indices must be int64 and in [0, classes), or ignore_index (PyTorch raises IndexError)."""
    if target.dtype != dtypes.int64:
        raise TypeError(
            f"{op}: expected target of dtype int64 (class indices), got {dtypes.name(target.dtype)}; use target.long()"
        )
    t = target.array
    bad = (t != ignore_index) & ((t < 0) | (t >= classes))
    if bad.any():
        value = int(t[bad].reshape(-1)[0])
        raise IndexError(
            f"{op}: target {value} is out of bounds for {classes} classes (expected 0 <= target < {classes}, "
            f"or ignore_index={ignore_index})"
        )


def _check_reduction(reduction, op):
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def cross_entropy(
    input, target, weight=None, ignore_index=-100, reduction="mean", label_smoothing=0.0, *, size_average=None,
    reduce=None,
):  # fmt: skip
    """Softmax cross-entropy of logits ``input`` (N, C) or (N, C, d1, ...) or (C,) and class indices
    ``target`` (N,) or (N, d1, ...) or (); PyTorch's arguments and defaults (``weight=`` and probabilities
    as targets: ``classification_loss.py``; size_average/reduce: PyTorch's deprecated spelling of reduction).

    As in PyTorch: a -inf logit (a masked class) has probability 0 and leaves the loss finite unless
    it is the target's class (then inf), or label_smoothing > 0 spreads weight onto it (inf); a target
    outside [0, C) other than ignore_index raises IndexError. The label-smoothing sum of log p runs in
    float64, so rows near finfo.min keep a finite loss where PyTorch's float32 sum overflows to inf.
    Reference: ``minigrad/backends/numpy/softmax.py`` (cross_entropy_forward, cross_entropy_backward)."""
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
    _check_targets("cross_entropy", target, c, ignore_index)
    rows = input.reshape(1, c) if input.ndim == 1 else input
    if input.ndim > 2:  # (N, C, d1, ...) -> (N, d1, ..., C) -> one row per position
        rows = input.permute(0, *range(2, input.ndim), 1).reshape(-1, c)
    loss = CrossEntropy.apply(rows, target.reshape(-1), int(ignore_index), float(label_smoothing), reduction)
    return loss.reshape(target.shape) if reduction == "none" else loss


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100, reduce=None, reduction="mean"):
    """Negative log-likelihood of log-probabilities ``input`` (N, C): -input[i, target_i] (PyTorch's signature;
    class weights and (N, C, d1, ...) inputs are in classification_loss.py).

    A target outside [0, C) other than ignore_index raises IndexError, as in PyTorch (a negative one
    is not counted from the end)."""
    if weight is not None or size_average is not None or reduce is not None or input.ndim != 2:
        from minigrad.ops.classification_loss import nll_loss_general

        return nll_loss_general(input, target, weight, size_average, ignore_index, reduce, reduction)
    _check_reduction(reduction, "nll_loss")
    if input.ndim != 2 or target.shape != input.shape[:1]:
        raise ValueError(f"nll_loss: expected input (N, C) and target (N,), got {input.shape} and {target.shape}")
    _check_targets("nll_loss", target, input.shape[1], ignore_index)
    from minigrad.tensor import Tensor, arange

    keep = target != ignore_index
    safe = Tensor._wrap(target._backend().xp.where(keep.array, target.array, 0), target.device)
    rows = arange(len(target), device=target.device)
    picked = -input[rows, safe] * keep.to(input.dtype)
    if reduction == "none":
        return picked
    if reduction == "sum":
        return picked.sum()
    return picked.sum() / keep.sum().to(input.dtype)


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
