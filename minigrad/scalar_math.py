"""Scalar maths of the activation functions, written once for the CPU and the GPU kernels.

Every activation here is a pair of scalar functions, ``f(x)`` and its derivative ``f_grad(x)``
(``sigmoid_grad_y`` and ``tanh_grad_y`` take the *output* y instead). A kernel applies them to every
element: ``out[i] = relu(x[i])`` forward, ``gx[i] = g[i] * relu_grad(x[i])`` backward (the chain
rule, one element at a time). The CPU kernels (``minigrad/backends/cpu/activation_kernels.py``)
and the CUDA kernels (``minigrad/backends/cuda/activation_kernels.py``, one thread per element)
call these very functions.

One mechanism: ``@scalar``
--------------------------
Every compiled scalar function of minigrad is decorated with ``@scalar`` (the formulas below, the
normalisation statistics of ``scalar_math_norm.py``, the CPU's float32 polynomials). It makes the
function callable from plain Python, from ``njit`` code (the CPU) and from ``cuda.jit`` code (the
GPU), in float32 and in float64:

- *One source, two precisions.* Numba types a Python literal such as ``0.5`` as float64, and
  float32 * float64 is float64: a float32 kernel written with bare literals silently computes in
  float64, at half the SIMD width on a CPU and up to 64x slower on a consumer GPU. So the functions
  write every constant as ``F(0.5)``, and ``@scalar`` compiles each one once per precision with
  ``F`` bound to ``np.float32`` or ``np.float64``, whichever is the type of its first argument.
- *Per target.* ``@scalar`` registers the function with numba twice: for the CPU (with the CPU's
  options, see ``_CPU``) and for every other target (numba's "generic" target, which ``cuda.jit``
  uses, with that target's own defaults). ``inline=True`` applies to the CPU only: numba-cuda cannot
  inline an overload at the numba IR level ("add(omitted, omitted)"), and its NVVM inlines small
  device functions anyway.
- *A backend's own version.* The elementary functions (``exp``, ``expm1``, ``log1p``, ``tanh``,
  ``erfc``) are written here as what they are, ``math.exp(x)``, ...: on a GPU that compiles to the
  device's own maths library (libdevice's ``__nv_expf``), in float64 on the CPU to the C library.
  On the CPU a libm call is opaque to LLVM and keeps a float32 loop scalar (4-40x slower than
  PyTorch), so the CPU backend gives float32 its own vectorisable versions (range reduction and a
  polynomial, ``minigrad/backends/cpu/float32_math.py``) with ``implement(exp, "cpu", np.float32)``.
  Every activation then compiles to the polynomials on the CPU and to libdevice on the GPU, from
  the same formula.

Boundaries follow PyTorch exactly: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha,
relu6'(0) = relu6'(6) = 0, hardtanh' = 0 at both ends, hardsigmoid'(+-3) = 0,
hardswish'(-3) = 0 and hardswish'(3) = 1. A NaN input gives a NaN output and a NaN derivative
(PyTorch gives 0 or 1 for some of the piecewise-linear derivatives; NaN keeps the error visible).
Every clamp is written ``lo if x < lo else x``, which lets NaN through (a comparison with NaN is
false), and NaN then flows through the arithmetic to the result.

Numba caches a kernel without noticing edits of the functions it calls from another module
(numba#9483); minigrad's CPU cache directory is named after a hash of these sources
(``backends/cpu/jit.py``), so an edit here starts a fresh cache.
"""

import math
import types as _pytypes

import numpy as np
from numba import types
from numba.extending import overload

__all__ = [
    "scalar", "implement", "exp", "exp_ftz", "expm1", "log1p", "tanh", "erfc", "normal_cdf_pdf",
    "sigmoid", "sigmoid_grad_y", "tanh_grad_y",
    "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "leaky_relu_grad_slope",
    "elu", "elu_grad", "selu", "selu_grad",
    "celu", "celu_grad", "hardtanh", "hardtanh_grad", "silu", "silu_grad", "swish", "swish_grad",
    "swish_grad_beta", "mish", "mish_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad",
    "softplus", "softplus_grad", "softsign", "softsign_grad", "hardsigmoid", "hardsigmoid_grad",
    "hardswish", "hardswish_grad",
]  # fmt: skip

# ================================================================================================
# The mechanism: @scalar (one source, two precisions, every target) and implement
# ================================================================================================

# Inside a @scalar function, F is the float type of its first argument. This module-level F is only
# a placeholder (for linters): @scalar compiles each function with F rebound in a copy of its globals.
F = np.float64

_specialised = {}


def _specialise(fn, F, target="python"):
    """A copy of ``fn`` whose global ``F`` is the float type ``F`` (np.float32 or np.float64); for the
    "generic" target (cuda.jit), the @scalar functions it calls are their GPU twins (see ``scalar``)."""
    key = (fn, F, target)
    if key not in _specialised:
        g = dict(fn.__globals__)  # taken when first compiled: every function of the module exists by then
        if target == "generic":
            g = for_gpu(g)
        g["F"] = F
        f = _pytypes.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
        f.__qualname__ = f"{fn.__qualname__}[{F.__name__}]"
        _specialised[key] = f
    return _specialised[key]


def _precision(value_or_type):
    """np.float32 for a float32 value or numba type, else np.float64."""
    if isinstance(value_or_type, types.Type):
        return np.float32 if value_or_type == types.float32 else np.float64
    return np.float32 if isinstance(value_or_type, np.float32) else np.float64


# How the CPU compiles these functions: x / 0 gives inf (not ZeroDivisionError, whose check would
# keep the loop scalar), and a * b + c may become one fused multiply-add ("contract"; no other
# fast-math licence: reassociation would undo the rounding tricks of the CPU's float32 exp).
# Any other target (cuda.jit) compiles them with its own defaults (CUDA: NumPy's error model,
# exact division, no fast maths).
_CPU = {"error_model": "numpy", "fastmath": {"contract"}}


def scalar(fn=None, *, inline=False):
    """Make ``fn`` callable from Python, ``njit`` and ``cuda.jit`` code, in float32 or float64.

    Inside ``fn``, ``F`` is the type of the first argument: write constants as ``F(0.5)``.
    ``inline=True`` pastes the body into the CPU caller before LLVM sees it: for the few functions
    that LLVM finds too big to inline itself, which would leave the loop around them scalar.
    """
    if fn is None:
        return lambda f: scalar(f, inline=inline)

    def call(*args):  # from Python (and under NUMBA_DISABLE_JIT or the CUDA simulator)
        return _specialise(fn, _precision(args[0]))(*args)

    call._implementations = {}  # (target, precision) -> a backend's own version (see implement)

    def implementation_for(target):
        def typer(*args):  # numba asks, for the argument types of a call in compiled code
            precision = _precision(args[0])
            return call._implementations.get((target, precision)) or _specialise(fn, precision, target)

        return typer

    overload(call, target="cpu", jit_options=_CPU, strict=False, inline="always" if inline else "never")(
        implementation_for("cpu")
    )
    # The GPU's registration. For a function the CPU inlines, it goes on a twin: numba-cuda's inliner
    # looks at every template of a function, whatever its target, and once the CPU had inlined the
    # function for some argument types it pasted the CPU's version into CUDA kernels, which then
    # failed to type ("add(omitted, omitted)"). CUDA code calls the twin (for_gpu); it has no CPU side.
    call.gpu = call
    if inline:

        def gpu(*args):
            return call(*args)

        gpu.__name__, gpu.__qualname__, gpu.__doc__ = fn.__name__, fn.__qualname__ + "[gpu]", fn.__doc__
        call.gpu = gpu
    overload(call.gpu, target="generic", strict=False, inline="never")(implementation_for("generic"))
    call.__name__, call.__qualname__, call.__doc__, call.__wrapped__ = fn.__name__, fn.__qualname__, fn.__doc__, fn
    return call


def _is_scalar(value):
    return callable(value) and getattr(value, "gpu", None) is not None and hasattr(value, "_implementations")


def for_gpu(namespace):
    """``namespace`` (a kernel's globals) with every @scalar function replaced by the one CUDA code must
    call (its GPU twin, see ``scalar``), and this module by a copy holding those."""
    out = {}
    for name, value in namespace.items():
        if _is_scalar(value):
            value = value.gpu
        elif value is _this_module():
            value = _gpu_module()
        out[name] = value
    return out


def _this_module():
    import sys

    return sys.modules[__name__]


_gpu_view = []


def _gpu_module():
    """A module object like this one whose @scalar functions are the GPU twins (for ``sm.f(x)`` in a kernel)."""
    if not _gpu_view:
        view = _pytypes.ModuleType(__name__ + "[gpu]")
        for name, value in vars(_this_module()).items():
            setattr(view, name, value.gpu if _is_scalar(value) else value)
        _gpu_view.append(view)
    return _gpu_view[0]


def implement(func, target, precision):
    """Decorator: compiled code for ``target`` ("cpu") calling the @scalar ``func`` with ``precision``
    (np.float32) arguments runs the decorated function instead of ``func``'s formula.

    Register before the first kernel that calls ``func`` compiles (import time of the backend).
    """

    def register(impl):
        func._implementations[(target, precision)] = impl
        return impl

    return register


# ================================================================================================
# Elementary functions, as what they are. The CPU gives float32 its own vectorisable versions
# (backends/cpu/float32_math.py); a GPU compiles these to its maths library.
# ================================================================================================


@scalar
def exp(x):
    """e^x."""
    return math.exp(x)


@scalar
def exp_ftz(x):
    """e^x where the caller guarantees x <= 88.3 (or ignores the result); results below 1.2e-38 may be
    flushed to 0. What the activations use: the CPU's float32 version is cheaper than exp's."""
    return math.exp(x)


@scalar
def expm1(x):
    """e^x - 1, accurate near 0 (ELU's negative branch)."""
    return math.expm1(x)


@scalar(inline=True)
def log1p(x):
    """log(1 + x), accurate near 0 (softplus)."""
    return math.log1p(x)


@scalar
def tanh(x):
    """tanh(x) = (e^x - e^-x) / (e^x + e^-x); range (-1, 1)."""
    return math.tanh(x)


@scalar(inline=True)
def erfc(x):
    """erfc(x) = 1 - erf(x), accurate in both tails."""
    return math.erfc(x)


_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794


@scalar(inline=True)
def normal_cdf_pdf(x):
    """(Phi(x), phi(x)): the standard normal CDF erfc(-x / sqrt 2) / 2 and density e^(-x^2/2) / sqrt(2 pi)."""
    return F(0.5) * erfc(-x * F(_SQRT1_2)), F(_INV_SQRT_2PI) * exp(F(-0.5) * x * x)


# ================================================================================================
# The activations: f and f'
# ================================================================================================


@scalar
def sigmoid(x):
    """1 / (1 + e^-x), computed from e^-|x| so that nothing overflows: sigmoid(-1000) = 0."""
    e = exp_ftz(-abs(x))
    r = F(1.0) / (F(1.0) + e)
    return r if x >= F(0.0) else e * r


@scalar
def sigmoid_grad_y(y):
    """sigmoid'(x) = y (1 - y), from the output y = sigmoid(x)."""
    return y * (F(1.0) - y)


@scalar
def tanh_grad_y(y):
    """tanh'(x) = 1 - y^2, from the output y = tanh(x)."""
    return F(1.0) - y * y


@scalar
def relu(x):
    """max(0, x); NaN stays NaN."""
    return F(0.0) if x <= F(0.0) else x


@scalar
def relu_grad(x):
    """1 for x > 0, else 0 (0 at x = 0, like PyTorch)."""
    return F(1.0) if x > F(0.0) else (F(0.0) if x <= F(0.0) else x)


@scalar
def leaky_relu(x, slope):
    """x for x > 0, slope * x otherwise (also PReLU, with a learned slope)."""
    return x if x > F(0.0) else x * slope


@scalar
def leaky_relu_grad(x, slope):
    """1 for x > 0, slope for x <= 0 (slope at x = 0, like PyTorch)."""
    return F(1.0) if x > F(0.0) else (slope if x <= F(0.0) else x)


@scalar
def leaky_relu_grad_slope(x, slope):
    """d/dslope: 0 for x > 0, x for x <= 0 (PReLU's learned slope)."""
    return F(0.0) if x > F(0.0) else x


@scalar
def elu(x, alpha):
    """x for x > 0, alpha (e^x - 1) otherwise, through expm1 (exact near 0)."""
    return x if x > F(0.0) else alpha * expm1(x)


@scalar
def elu_grad(x, alpha):
    """1 for x > 0, alpha e^x for x <= 0 (alpha at x = 0, like PyTorch)."""
    return F(1.0) if x > F(0.0) else alpha * exp_ftz(x)


_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


@scalar
def selu(x):
    """scale * elu(x, alpha) with Klambauer et al.'s self-normalising constants."""
    return F(_SELU_SCALE) * (x if x > F(0.0) else F(_SELU_ALPHA) * expm1(x))


@scalar
def selu_grad(x):
    """scale for x > 0, scale alpha e^x for x <= 0."""
    return F(_SELU_SCALE) if x > F(0.0) else F(_SELU_SCALE * _SELU_ALPHA) * exp_ftz(x)


@scalar
def celu(x, alpha):
    """x for x > 0, alpha (e^(x/alpha) - 1) otherwise."""
    return x if x > F(0.0) else alpha * expm1(x / alpha)


@scalar
def celu_grad(x, alpha):
    """1 for x > 0, e^(x/alpha) for x <= 0."""
    return F(1.0) if x > F(0.0) else exp_ftz(x / alpha)


@scalar
def hardtanh(x, lo, hi):
    """x clipped to [lo, hi] (ReLU6 is hardtanh(x, 0, 6)); NaN stays NaN."""
    return lo if x < lo else (hi if x > hi else x)


@scalar
def hardtanh_grad(x, lo, hi):
    """1 strictly inside (lo, hi), 0 outside and at both ends (relu6'(0) = relu6'(6) = 0)."""
    return F(0.0) if (x <= lo) | (x >= hi) else (F(1.0) if x == x else x)


@scalar
def silu(x):
    """x sigmoid(x) (Swish with beta = 1)."""
    return x * sigmoid(x)


@scalar
def silu_grad(x):
    """s (1 + x (1 - s)) with s = sigmoid(x)."""
    s = sigmoid(x)
    return s * (F(1.0) + x * (F(1.0) - s))


@scalar
def swish(x, beta):
    """x sigmoid(beta x)."""
    return x * sigmoid(beta * x)


@scalar
def swish_grad(x, beta):
    """d/dx: s (1 + beta x (1 - s)) with s = sigmoid(beta x)."""
    s = sigmoid(beta * x)
    return s * (F(1.0) + beta * x * (F(1.0) - s))


@scalar
def swish_grad_beta(x, beta):
    """d/dbeta: x^2 s (1 - s) with s = sigmoid(beta x)."""
    s = sigmoid(beta * x)
    return x * x * s * (F(1.0) - s)


# mish(x) = x tanh(softplus(x)). With e = e^x and n = e (e + 2):
#   tanh(log(1 + e)) = ((1+e)^2 - 1) / ((1+e)^2 + 1) = n / (n + 2)
#   d/dx tanh(softplus(x)) = (1 - t^2) sigmoid(x) = 4 e (e + 1) / (n + 2)^2
# one exp and no cancellation anywhere. Above x = 20, tanh(softplus(x)) = 1 to float64 precision.


@scalar
def mish(x):
    """x tanh(softplus(x)) = x n / (n + 2) with n = e^x (e^x + 2)."""
    e = exp_ftz(x if x < F(20.0) else F(20.0))
    n = e * (e + F(2.0))
    return x if x > F(20.0) else x * (n / (n + F(2.0)))


@scalar
def mish_grad(x):
    """tanh(softplus(x)) + x sigmoid(x) sech^2(softplus(x))."""
    e = exp_ftz(x if x < F(20.0) else F(20.0))
    n = e * (e + F(2.0))
    inv = F(1.0) / (n + F(2.0))
    g = n * inv + x * (F(4.0) * e * (e + F(1.0))) * inv * inv
    return F(1.0) if x > F(20.0) else g


_SQRT_2_OVER_PI = 0.79788456080286535588
_GELU_C = 0.044715


@scalar(inline=True)
def gelu(x):
    """x Phi(x), Phi the standard normal CDF = erfc(-x / sqrt 2) / 2 (accurate in both tails)."""
    cdf, _ = normal_cdf_pdf(x)
    return x * cdf


@scalar(inline=True)
def gelu_grad(x):
    """Phi(x) + x phi(x), phi(x) = e^(-x^2/2) / sqrt(2 pi) the normal density."""
    cdf, pdf = normal_cdf_pdf(x)
    return cdf + x * pdf


@scalar
def gelu_tanh(x):
    """x (1 + tanh(u)) / 2 with u = sqrt(2/pi) (x + 0.044715 x^3); computed as x sigmoid(2u)."""
    u = F(_SQRT_2_OVER_PI) * (x + F(_GELU_C) * x * x * x)
    return x * sigmoid(u + u)


@scalar(inline=True)
def gelu_tanh_grad(x):
    """s + x 2 s (1 - s) u'  with s = sigmoid(2u) = (1 + tanh u) / 2, u' = sqrt(2/pi) (1 + 3 c x^2)."""
    u = F(_SQRT_2_OVER_PI) * (x + F(_GELU_C) * x * x * x)
    s = sigmoid(u + u)
    du = F(_SQRT_2_OVER_PI) * (F(1.0) + F(3.0 * _GELU_C) * x * x)
    return s + x * F(2.0) * s * (F(1.0) - s) * du


@scalar(inline=True)
def softplus(x, beta, threshold):
    """log(1 + e^(beta x)) / beta; x itself where beta x > threshold (PyTorch's convention).

    Computed as (max(bx, 0) + log1p(e^-|bx|)) / beta: never exponentiates a positive number.
    """
    bx = beta * x
    sp = ((bx if bx > F(0.0) else F(0.0)) + log1p(exp_ftz(-abs(bx)))) / beta
    return x if bx > threshold else sp


@scalar
def softplus_grad(x, beta, threshold):
    """sigmoid(beta x); 1 where beta x > threshold."""
    bx = beta * x
    return F(1.0) if bx > threshold else sigmoid(bx)


@scalar
def softsign(x):
    """x / (1 + |x|)."""
    return x / (F(1.0) + abs(x))


@scalar
def softsign_grad(x):
    """1 / (1 + |x|)^2."""
    d = F(1.0) + abs(x)
    return F(1.0) / (d * d)


@scalar
def hardsigmoid(x):
    """relu6(x + 3) / 6: 0 below -3, 1 above 3, linear between."""
    r = x + F(3.0)
    r = F(0.0) if r < F(0.0) else r
    r = F(6.0) if r > F(6.0) else r
    return r * F(1.0 / 6.0)


@scalar
def hardsigmoid_grad(x):
    """1/6 strictly inside (-3, 3), 0 elsewhere (0 at x = +-3, like PyTorch)."""
    return F(0.0) if (x <= F(-3.0)) | (x >= F(3.0)) else (F(1.0 / 6.0) if x == x else x)


@scalar
def hardswish(x):
    """x relu6(x + 3) / 6: 0 below -3, x above 3, x (x + 3) / 6 between."""
    return x * hardsigmoid(x)


@scalar
def hardswish_grad(x):
    """0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3 (PyTorch: 0 at -3, 1 at 3)."""
    g = x * F(1.0 / 3.0) + F(0.5)
    g = F(0.0) if x <= F(-3.0) else g
    return F(1.0) if x >= F(3.0) else g
