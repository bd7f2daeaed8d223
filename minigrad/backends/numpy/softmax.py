"""Softmax, log-softmax and softmax cross-entropy over the rows of a 2-D (rows, C) array, in plain NumPy.

The reference for ``minigrad/ops/loss.py``. With m = max_k x_k of a row (subtracting it changes
nothing but keeps exp from overflowing: logits of 1e4 are fine):

    log_softmax(x)_j = x_j - m - log sum_k exp(x_k - m)          softmax(x)_j = exp(log_softmax(x)_j)

Computed in float64 and rounded to x's dtype once, as the CPU kernels do.
"""

import numpy as np

__all__ = [f"{name}_{way}" for name in ("softmax", "log_softmax", "cross_entropy") for way in ("forward", "backward")]


def _log_softmax(x2):
    x = np.asarray(x2, np.float64)
    m = x.max(axis=1, keepdims=True, initial=-np.inf)  # initial: a row may have no entries (C = 0)
    return x - m - np.log(np.exp(x - m).sum(axis=1, keepdims=True))


def log_softmax_forward(x2):
    """log_softmax(x)_j = x_j - m - log sum_k exp(x_k - m)."""
    return _log_softmax(x2).astype(x2.dtype)


def log_softmax_backward(g2, y2):
    """dx_j = g_j - softmax_j sum_k g_k, with softmax = exp(y)."""
    g, y = np.asarray(g2, np.float64), np.asarray(y2, np.float64)
    return (g - np.exp(y) * g.sum(axis=1, keepdims=True)).astype(y2.dtype)


def softmax_forward(x2):
    """softmax(x)_j = exp(x_j - m) / sum_k exp(x_k - m)."""
    return np.exp(_log_softmax(x2)).astype(x2.dtype)


def softmax_backward(g2, y2):
    """dx_j = y_j (g_j - sum_k g_k y_k)."""
    g, y = np.asarray(g2, np.float64), np.asarray(y2, np.float64)
    return (y * (g - (g * y).sum(axis=1, keepdims=True))).astype(y2.dtype)


def cross_entropy_forward(x2, target, ignore_index, label_smoothing):
    """(loss per row, logp), with logp = log_softmax(x), t the row's class and eps the smoothing:

    loss = -((1 - eps) logp_t + eps / C sum_j logp_j)      (0 for a row whose t == ignore_index)
    """
    logp = _log_softmax(x2)
    C = logp.shape[1]
    keep = target != ignore_index
    picked = np.take_along_axis(logp, np.where(keep, target, 0)[:, None], axis=1)[:, 0]
    # the smoothing term only when eps > 0: 0 * sum_j logp_j is NaN when a logit is -inf (a masked class)
    smooth = label_smoothing / C * logp.sum(axis=1) if label_smoothing else 0.0
    loss = -((1 - label_smoothing) * picked + smooth)
    return np.where(keep, loss, 0).astype(x2.dtype), logp.astype(x2.dtype)


def cross_entropy_backward(grad_rows, logp, target, ignore_index, label_smoothing):
    """dx_j = g (softmax_j - (1 - eps) [j == t] - eps / C), g the row's upstream gradient (0 if ignored)."""
    p = np.exp(np.asarray(logp, np.float64))
    C = p.shape[1]
    keep = target != ignore_index
    onehot = np.arange(C) == np.where(keep, target, -1)[:, None]
    dx = p - (1 - label_smoothing) * onehot - label_smoothing / C
    g = np.broadcast_to(grad_rows, keep.shape)[:, None]
    return np.where(keep[:, None], g * dx, 0).astype(logp.dtype)
