"""Activations in plain NumPy: forward y = f(x), backward dL/dx = g * f'(x) (the chain rule).

The reference for ``minigrad/ops/activation.py``: each function is the formula of its docstring,
computed in x's dtype. Conventions (PyTorch's): at a kink the derivative takes the value of the flat
side (relu'(0) = 0, leaky_relu'(0) = slope, relu6'(6) = 0 ...), and a NaN input gives a NaN output
and a NaN gradient. Sigmoid and tanh are differentiated from their output y. ``out=`` names an
array to write the result into (the in-place variants ``relu_`` ... pass x itself).

Three rewrites keep large inputs finite without changing the value: sigmoid is computed from
e^-|x| (never e^+x), softplus as max(z, 0) + log(1 + e^-|z|), and e^x - 1 of ELU and CELU on the
negative side only (``_neg``).
"""

import math

import numpy as np

# The kernels (forward and backward of each activation), for ``from activations import *``
__all__ = [
    f"{name}_{way}"
    for name in ("sigmoid", "tanh", "relu", "leaky_relu", "hardtanh", "relu6", "prelu", "elu", "selu", "celu",
                 "silu", "swish", "mish", "softplus", "gelu", "softsign", "hardsigmoid", "hardswish", "maxout")
    for way in ("forward", "backward")
]  # fmt: skip


def _result(y, x, out):
    """y in x's dtype, or written into ``out``."""
    if out is None:
        return np.asarray(y, dtype=x.dtype)
    out[...] = y
    return out


def _chain(g, x, d):
    """dL/dx = g * f'(x), with f'(x) = d, in x's dtype."""
    return np.asarray(g * d, dtype=x.dtype)


def _nan_where_nan(x, d):
    """d, but NaN where x is NaN (a comparison such as x > 0 is False for NaN, and would hide it)."""
    return np.where(np.isnan(x), x, d)


def _neg(x):
    """min(x, 0): the negative branch of ELU-like functions, so e^x is never taken of a large x."""
    return np.minimum(x, 0)


def _softplus(z):
    """log(1 + e^z) = max(z, 0) + log(1 + e^-|z|): e^z is never taken of a large z."""
    return np.maximum(z, 0) + np.log1p(np.exp(-np.abs(z)))


def _sigmoid(x):
    """1 / (1 + e^-x) = e^x / (1 + e^x), whichever exponentiates -|x|: sigmoid(-1000) = 0, no overflow."""
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


# ---- sigmoid, tanh: f'(x) from the output y -----------------------------------------------------


def sigmoid_forward(x, out=None):
    """sigmoid(x) = 1 / (1 + e^-x)."""
    return _result(_sigmoid(x), x, out)


def sigmoid_backward(g, y):
    """sigmoid'(x) = y (1 - y)."""
    return _chain(g, y, y * (1 - y))


def tanh_forward(x, out=None):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x)."""
    return _result(np.tanh(x), x, out)


def tanh_backward(g, y):
    """tanh'(x) = 1 - y^2."""
    return _chain(g, y, 1 - y * y)


# ---- the ReLU family ----------------------------------------------------------------------------


def relu_forward(x, out=None):
    """max(0, x)."""
    return _result(np.maximum(x, 0), x, out)


def relu_backward(g, x):
    """1 for x > 0, 0 for x <= 0."""
    return _chain(g, x, _nan_where_nan(x, x > 0))


def leaky_relu_forward(x, negative_slope, out=None):
    """x for x > 0, slope * x otherwise."""
    slope = x.dtype.type(negative_slope)
    return _result(np.where(x > 0, x, slope * x), x, out)


def leaky_relu_backward(g, x, negative_slope):
    """1 for x > 0, slope for x <= 0."""
    slope = x.dtype.type(negative_slope)
    return _chain(g, x, _nan_where_nan(x, np.where(x > 0, 1, slope)))


def hardtanh_forward(x, min_val, max_val, out=None):
    """x clipped to [min_val, max_val]."""
    return _result(np.clip(x, x.dtype.type(min_val), x.dtype.type(max_val)), x, out)


def hardtanh_backward(g, x, min_val, max_val):
    """1 strictly inside (min_val, max_val), 0 outside and at both ends."""
    return _chain(g, x, _nan_where_nan(x, (x > min_val) & (x < max_val)))


def relu6_forward(x, out=None):
    """min(max(0, x), 6) = hardtanh(x, 0, 6)."""
    return hardtanh_forward(x, 0.0, 6.0, out)


def relu6_backward(g, x):
    """1 for 0 < x < 6, 0 elsewhere (at 0 and 6 too)."""
    return hardtanh_backward(g, x, 0.0, 6.0)


def prelu_forward(x, weight, out=None):
    """x for x > 0, a * x otherwise; a = weight, one slope or one per channel (dim 1)."""
    a = _slopes(x, weight)
    return _result(np.where(x > 0, x, a * x), x, out)


def prelu_backward(g, x, weight, need_weight_grad=True):
    """dL/dx = g * (1 or a);  dL/da = sum of g * x over the elements with x <= 0 (per channel), float64 sums."""
    a = _slopes(x, weight)
    dx = _chain(g, x, _nan_where_nan(x, np.where(x > 0, 1, a)))
    if not need_weight_grad:
        return dx, None
    share = np.where(x > 0, 0, g * x).astype(np.float64)  # x's share of dL/da
    axes = tuple(i for i in range(x.ndim) if not (np.size(weight) > 1 and i == 1))  # all but the channels
    return dx, np.asarray(share.sum(axis=axes), dtype=x.dtype).reshape(np.shape(weight))


def _slopes(x, weight):
    """The slopes as an array that broadcasts against x: (C, 1, 1, ...) for one slope per channel."""
    a = np.asarray(weight, dtype=x.dtype).reshape(-1)
    return a[0] if a.size == 1 else a.reshape((-1,) + (1,) * (x.ndim - 2))


# ---- exponential: ELU, SELU, CELU --------------------------------------------------------------


def elu_forward(x, alpha, out=None):
    """x for x > 0, alpha (e^x - 1) otherwise."""
    alpha = x.dtype.type(alpha)
    return _result(np.where(x > 0, x, alpha * np.expm1(_neg(x))), x, out)


def elu_backward(g, x, alpha):
    """1 for x > 0, alpha e^x for x <= 0."""
    alpha = x.dtype.type(alpha)
    return _chain(g, x, np.where(x > 0, 1, alpha * np.exp(_neg(x))))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def selu_forward(x, out=None):
    """scale * elu(x, alpha), Klambauer et al.'s constants."""
    return _result(x.dtype.type(SELU_SCALE) * elu_forward(x, SELU_ALPHA), x, out)


def selu_backward(g, x):
    """scale for x > 0, scale alpha e^x for x <= 0."""
    return _chain(g, x, x.dtype.type(SELU_SCALE) * elu_backward(1, x, SELU_ALPHA))


def celu_forward(x, alpha, out=None):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise."""
    alpha = x.dtype.type(alpha)
    return _result(np.where(x > 0, x, alpha * np.expm1(_neg(x) / alpha)), x, out)


def celu_backward(g, x, alpha):
    """1 for x > 0, e^(x/alpha) for x <= 0."""
    alpha = x.dtype.type(alpha)
    return _chain(g, x, np.where(x > 0, 1, np.exp(_neg(x) / alpha)))


# ---- sigmoid-weighted: SiLU, Swish, Mish, Softplus ----------------------------------------------


def silu_forward(x, out=None):
    """x sigmoid(x)."""
    return _result(x * _sigmoid(x), x, out)


def silu_backward(g, x):
    """s (1 + x (1 - s)), s = sigmoid(x)."""
    s = _sigmoid(x)
    return _chain(g, x, s * (1 + x * (1 - s)))


def swish_forward(x, beta, out=None):
    """x sigmoid(beta x)."""
    return _result(x * _sigmoid(x.dtype.type(beta) * x), x, out)


def swish_backward(g, x, beta, need_beta_grad=False):
    """dL/dx = g s (1 + beta x (1 - s)), s = sigmoid(beta x);  dL/dbeta = sum g x^2 s (1 - s) (float64 sum)."""
    beta = x.dtype.type(beta)
    s = _sigmoid(beta * x)
    dx = _chain(g, x, s * (1 + beta * x * (1 - s)))
    dbeta = float(np.sum(g * (x * x * s * (1 - s)), dtype=np.float64)) if need_beta_grad else None
    return dx, dbeta


def mish_forward(x, out=None):
    """x tanh(softplus(x)), softplus(x) = log(1 + e^x)."""
    return _result(x * np.tanh(_softplus(x)), x, out)


def mish_backward(g, x):
    """t + x sigmoid(x) (1 - t^2), t = tanh(softplus(x)); 1 above x = 20, where t = 1 (and at x = inf)."""
    t = np.tanh(_softplus(x))
    return _chain(g, x, np.where(x > 20, 1, t + x * _sigmoid(x) * (1 - t * t)))


def softplus_forward(x, beta, threshold, out=None):
    """log(1 + e^(beta x)) / beta; x itself where beta x > threshold."""
    bx = x.dtype.type(beta) * x
    return _result(np.where(bx > threshold, x, _softplus(bx) / x.dtype.type(beta)), x, out)


def softplus_backward(g, x, beta, threshold):
    """sigmoid(beta x); 1 where beta x > threshold."""
    bx = x.dtype.type(beta) * x
    return _chain(g, x, np.where(bx > threshold, 1, _sigmoid(bx)))


# ---- GELU: x Phi(x) -----------------------------------------------------------------------------

_erfc = np.vectorize(math.erfc, otypes=[np.float64])  # NumPy has no erf; Python's, element by element


def _normal_cdf(x):
    """Phi(x) = erfc(-x / sqrt 2) / 2, the standard normal CDF (erfc keeps the left tail accurate)."""
    return (0.5 * _erfc(-np.asarray(x, np.float64) / math.sqrt(2))).astype(x.dtype)


_GELU_C = 0.044715


def _gelu_tanh_parts(x):
    """u = sqrt(2/pi) (x + 0.044715 x^3) and s = (1 + tanh u) / 2 = sigmoid(2u) (no 1 + tanh cancellation)."""
    u = x.dtype.type(math.sqrt(2 / math.pi)) * (x + x.dtype.type(_GELU_C) * x * x * x)
    return u, _sigmoid(2 * u)


def gelu_forward(x, approximate="none", out=None):
    """x Phi(x); approximate="tanh": x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) / 2."""
    if approximate == "tanh":
        return _result(x * _gelu_tanh_parts(x)[1], x, out)
    _check_approximate(approximate)
    return _result(x * _normal_cdf(x), x, out)


def gelu_backward(g, x, approximate="none"):
    """Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi);  tanh form: s + x 2 s (1 - s) du/dx."""
    if approximate == "tanh":
        _, s = _gelu_tanh_parts(x)
        du = x.dtype.type(math.sqrt(2 / math.pi)) * (1 + x.dtype.type(3 * _GELU_C) * x * x)
        return _chain(g, x, s + x * 2 * s * (1 - s) * du)
    _check_approximate(approximate)
    pdf = np.exp(-0.5 * x * x) / x.dtype.type(math.sqrt(2 * math.pi))
    return _chain(g, x, _normal_cdf(x) + x * pdf)


def _check_approximate(approximate):
    if approximate != "none":
        raise ValueError(f"gelu(): approximate must be 'none' or 'tanh', got {approximate!r}")


# ---- Softsign and the piecewise-linear "hard" functions -----------------------------------------


def softsign_forward(x, out=None):
    """x / (1 + |x|)."""
    return _result(x / (1 + np.abs(x)), x, out)


def softsign_backward(g, x):
    """1 / (1 + |x|)^2."""
    return _chain(g, x, 1 / (1 + np.abs(x)) ** 2)


def hardsigmoid_forward(x, out=None):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    return _result(np.clip(x + 3, 0, 6) / 6, x, out)


def hardsigmoid_backward(g, x):
    """1/6 strictly inside (-3, 3), 0 elsewhere (at +-3 too)."""
    return _chain(g, x, _nan_where_nan(x, np.where((x > -3) & (x < 3), x.dtype.type(1 / 6), 0)))


def hardswish_forward(x, out=None):
    """x relu6(x + 3) / 6."""
    return _result(x * (np.clip(x + 3, 0, 6) / 6), x, out)


def hardswish_backward(g, x):
    """0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3."""
    return _chain(g, x, np.where(x <= -3, 0, np.where(x >= 3, 1, x / 3 + x.dtype.type(0.5))))


# ---- Maxout: the max over consecutive groups of `pieces` along `dim` ----------------------------


def _groups(x, pieces, dim):
    """x viewed as (before, k, pieces, after): group j of dim is x[:, j, :, :]."""
    shape = x.shape
    return np.reshape(x, (math.prod(shape[:dim]), shape[dim] // pieces, pieces, math.prod(shape[dim + 1 :])))


def maxout_forward(x, pieces, dim=1):
    """y_j = max(x_{j pieces}, ..., x_{j pieces + pieces - 1}) along dim (NaN wins)."""
    dim %= x.ndim
    y = _groups(x, pieces, dim).max(axis=2)
    return y.reshape(x.shape[:dim] + (x.shape[dim] // pieces,) + x.shape[dim + 1 :])


def maxout_backward(g, x, pieces, dim=1):
    """dL/dx = g_j at the first arg-max of group j (np.argmax: the first maximum, or the first NaN), else 0."""
    dim %= x.ndim
    xg = _groups(x, pieces, dim)
    first = np.argmax(xg, axis=2)[:, :, None, :]
    dx = np.zeros(xg.shape, x.dtype)
    np.put_along_axis(dx, first, np.reshape(g, first.shape), axis=2)
    return dx.reshape(x.shape)
