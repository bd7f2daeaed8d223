"""BatchNorm, LayerNorm, InstanceNorm, GroupNorm and RMSNorm in plain NumPy: the lecture's equations.

The reference for ``minigrad/ops/normalization.py``, which explains the 4-D view every one of them
is reshaped to: x4 of shape (P, Q, K, S), where group q (one mean, one variance) holds the P*K*S
values x4[:, q, :, :], and the affine parameters w3, b3 of shape (Qw, K, Sw) scale value
x4[p, q, k, s] by w3[q % Qw, k, s if Sw > 1 else 0].

Per group of n values (Ioffe & Szegedy 2015; lecture 4):

    mean = sum(x) / n          var = sum((x - mean)^2) / n          rstd = 1 / sqrt(var + eps)
    xhat = (x - mean) * rstd   y = xhat * w + b

and, with g = dL/dy and dxhat = g * w, the closed-form backward pass (docs/normalization.md):

    dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    dw = sum g * xhat          db = sum g          (over every value the parameter is shared by)

RMSNorm (center=False) does not subtract the mean: mean = 0, var = mean(x^2), and dx loses the
mean(dxhat) term. With fixed statistics (eval-mode BatchNorm) mean and rstd are constants and
dx = rstd * dxhat. Everything is computed in float64 and y, dx rounded to x's dtype once.
"""

import numpy as np

__all__ = ["norm_forward", "norm_apply", "norm_backward"]

GROUP = (0, 2, 3)  # the axes of x4 that a group's statistics run over


def _per_group(stat):
    """A (Q,) statistic as a (1, Q, 1, 1) array, to broadcast against x4."""
    return np.asarray(stat, np.float64).reshape(1, -1, 1, 1)


def _group_mean(a):
    """The mean over each group, kept as a (1, Q, 1, 1) array."""
    return a.mean(axis=GROUP, keepdims=True)


def _affine(a3, Q):
    """w3 or b3 (Qw, K, Sw) repeated to (1, Q, K, Sw): the parameter of every value of x4."""
    return np.tile(np.asarray(a3, np.float64), (Q // len(a3), 1, 1))[None]


def _to_affine_shape(total, a3):
    """The sum over every value a parameter scales: (P, Q, K, S) summed to a3's (Qw, K, Sw)."""
    P, Q, K, S = total.shape
    Qw, _, Sw = a3.shape
    total = total.reshape(P, Q // Qw, Qw, K, S).sum(axis=(0, 1))  # q = j * Qw + (q % Qw)
    return total if Sw == S else total.sum(axis=2, keepdims=True)


def norm_forward(x4, w3, b3, eps, center=True):
    """(y, mean, var, rstd): y like x4; mean, biased var and rstd per group, float64 arrays of length Q."""
    Q = x4.shape[1]
    if x4.size == 0:  # no values: no statistics
        nan = np.full(Q, np.nan)
        return np.empty_like(x4), nan, nan.copy(), nan.copy()
    x = np.asarray(x4, np.float64)
    mean = x.mean(axis=GROUP) if center else np.zeros(Q)
    var = ((x - _per_group(mean)) ** 2).mean(axis=GROUP)
    rstd = 1 / np.sqrt(var + eps)
    return norm_apply(x4, w3, b3, mean, rstd), mean, var, rstd


def norm_apply(x4, w3, b3, mean, rstd):
    """y = (x - mean) * rstd * w + b with the given per-group mean and rstd."""
    Q = x4.shape[1]
    xhat = (np.asarray(x4, np.float64) - _per_group(mean)) * _per_group(rstd)
    return (xhat * _affine(w3, Q) + _affine(b3, Q)).astype(x4.dtype)


def norm_backward(g4, x4, w3, mean, rstd, center=True, batch_stats=True, need_dx=True, need_wgrad=True):
    """(dx or None, dw or None, db or None); dw and db float64 arrays of w3's shape."""
    Q = x4.shape[1]
    if x4.size == 0:  # no values: nothing to spread, nothing to sum
        zeros = np.zeros(np.shape(w3)) if need_wgrad else None
        return (np.empty_like(x4) if need_dx else None), zeros, zeros
    g = np.asarray(g4, np.float64)
    rstd = _per_group(rstd)
    xhat = (np.asarray(x4, np.float64) - _per_group(mean)) * rstd
    dx = dw = db = None
    if need_dx:
        dxhat = g * _affine(w3, Q)
        if not batch_stats:  # mean and rstd are constants
            dx = rstd * dxhat
        elif center:
            dx = rstd * (dxhat - _group_mean(dxhat) - xhat * _group_mean(dxhat * xhat))
        else:  # RMSNorm: no mean was subtracted
            dx = rstd * (dxhat - xhat * _group_mean(dxhat * xhat))
        dx = dx.astype(x4.dtype)
    if need_wgrad:
        dw = _to_affine_shape(g * xhat, w3)
        db = _to_affine_shape(g, w3)
    return dx, dw, db
