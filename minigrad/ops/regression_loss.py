"""Regression losses of the difference d = input - target: ``l1_loss``, ``smooth_l1_loss``, ``huber_loss``
(``mse_loss`` is in ``loss.py``). Each is a composition of differentiable ops, so its gradient follows:

    l1:         |d|                                           d/dd = sign(d)  (0 at d = 0)
    smooth_l1:  d^2 / (2 beta)  if |d| < beta  else  |d| - beta / 2       d/dd = d / beta  or  sign(d)
    huber:      d^2 / 2         if |d| < delta else  delta (|d| - delta / 2)  d/dd = d  or  delta sign(d)

smooth_l1 with beta equals huber with delta divided by delta; both are quadratic near 0 (smooth
gradients for small errors) and linear far away (robust to outliers).
"""

import warnings

from minigrad.ops.elementwise import where
from minigrad.ops.loss import _check_reduction

__all__ = ["l1_loss", "smooth_l1_loss", "huber_loss", "reduce_loss"]


def reduce_loss(loss, reduction, op):
    """Apply ``reduction`` ('mean', 'sum' or 'none') to a per-element loss."""
    _check_reduction(reduction, op)
    if reduction == "none":
        return loss
    return loss.sum() if reduction == "sum" else loss.mean()


def _difference(input, target, op):  # noqa: A002 - PyTorch's argument name
    if input.shape != target.shape:
        warnings.warn(
            f"{op}: target size {target.shape} differs from input size {input.shape}; they will be broadcast, "
            "which is likely not what you want",
            stacklevel=3,
        )
    return input - target


def l1_loss(input, target, reduction="mean"):  # noqa: A002
    """Mean absolute error: |input - target|, reduced; the gradient is sign(input - target)."""
    return reduce_loss(_difference(input, target, "l1_loss").abs(), reduction, "l1_loss")


def smooth_l1_loss(input, target, reduction="mean", beta=1.0):  # noqa: A002
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target); beta = 0 is the L1 loss."""
    if beta < 0:
        raise ValueError(f"smooth_l1_loss: beta must be >= 0, got {beta}")
    d = _difference(input, target, "smooth_l1_loss")
    a = d.abs()
    if beta == 0:
        return reduce_loss(a, reduction, "smooth_l1_loss")
    return reduce_loss(where(a < beta, 0.5 * d * d / beta, a - 0.5 * beta), reduction, "smooth_l1_loss")


def huber_loss(input, target, reduction="mean", delta=1.0):  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    if delta <= 0:
        raise ValueError(f"huber_loss: delta must be > 0, got {delta}")
    d = _difference(input, target, "huber_loss")
    a = d.abs()
    return reduce_loss(where(a < delta, 0.5 * d * d, delta * (a - 0.5 * delta)), reduction, "huber_loss")
