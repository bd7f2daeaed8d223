"""Scalar maths of the activation functions, written once for the CPU and the GPU kernels.

Every activation here is a pair of scalar functions, ``f(x)`` and its derivative ``f_grad(x)``
(``sigmoid_grad_y`` and ``tanh_grad_y`` take the *output* y instead). A kernel applies them to every
element: ``out[i] = relu(x[i])`` forward, ``gx[i] = g[i] * relu_grad(x[i])`` backward (the chain
rule, one element at a time). The CPU kernels are in ``minigrad/backends/cpu/activation_kernels.py``;
a CUDA kernel calls the very same functions from ``cuda.jit`` code, one thread per element.

How one source serves float32 and float64
-----------------------------------------
Numba types a Python literal such as ``0.5`` as float64, and float32 * float64 is float64: a float32
kernel written with bare literals silently computes in float64, at half the SIMD width on a CPU and
up to 64x slower on a consumer GPU. So the functions below write every constant as ``F(0.5)``, and
the ``@scalar`` decorator compiles each function once per precision with ``F`` bound to
``np.float32`` or ``np.float64``, whichever is the type of its first argument.

Why not ``math.exp``
--------------------
Numba compiles ``math.exp``, ``math.tanh``, ``math.erf``... to calls into the C library, one element
at a time: LLVM cannot vectorise a loop around an opaque call (it could with Intel's SVML, which this
machine's Numba does not use). A float32 sigmoid loop then runs 4-40x slower than PyTorch's. The
float32 versions of ``exp``, ``expm1``, ``log1p``, ``tanh`` and ``erfc`` below are therefore written
the way a vector maths library writes them -- range reduction, a short polynomial, and the exponent
field of the float built with integer operations -- in plain arithmetic that LLVM turns into AVX
instructions, 8 elements at a time. ``tests/test_activation.py`` holds them to a few units in the last
place (ulp) of a float64 reference over their whole range. Float64 (the precision of ``gradcheck``)
uses the C library, where exactness matters more than speed.

Boundaries follow PyTorch exactly: relu'(0) = 0, leaky_relu'(0) = slope, elu'(0) = alpha,
relu6'(0) = relu6'(6) = 0, hardtanh' = 0 at both ends, hardsigmoid'(+-3) = 0,
hardswish'(-3) = 0 and hardswish'(3) = 1. A NaN input gives a NaN output and a NaN derivative
(PyTorch gives 0 or 1 for some of the piecewise-linear derivatives; NaN keeps the error visible).

Numba caches a kernel without noticing edits of the functions it calls from another module
(numba#9483): after editing this file, clear the kernel cache (``python -m minigrad.precompile --clear``)
or touch ``activation_kernels.py``.
"""

import math
import types as _pytypes

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic, overload

__all__ = [
    "scalar", "exp", "exp_ftz", "expm1", "log1p", "tanh", "erfc", "normal_cdf_pdf",
    "sigmoid", "sigmoid_grad_y", "tanh_grad_y",
    "relu", "relu_grad", "leaky_relu", "leaky_relu_grad", "elu", "elu_grad", "selu", "selu_grad",
    "celu", "celu_grad", "hardtanh", "hardtanh_grad", "silu", "silu_grad", "swish", "swish_grad",
    "swish_grad_beta", "mish", "mish_grad", "gelu", "gelu_grad", "gelu_tanh", "gelu_tanh_grad",
    "softplus", "softplus_grad", "softsign", "softsign_grad", "hardsigmoid", "hardsigmoid_grad",
    "hardswish", "hardswish_grad",
]  # fmt: skip

# ================================================================================================
# Machinery: one source, two precisions
# ================================================================================================

# Inside a @scalar function, F is the float type of its first argument. This module-level F is only
# a placeholder (for linters): @scalar compiles each function with F rebound in a copy of its globals.
F = np.float64

_specialised = {}


def _specialise(fn, F):
    """A copy of ``fn`` whose global ``F`` is the float type ``F`` (np.float32 or np.float64)."""
    key = (fn, F)
    if key not in _specialised:
        g = dict(fn.__globals__)  # taken when first compiled: every function of the module exists by then
        g["F"] = F
        f = _pytypes.FunctionType(fn.__code__, g, fn.__name__, fn.__defaults__, fn.__closure__)
        f.__qualname__ = f"{fn.__qualname__}[{F.__name__}]"
        _specialised[key] = f
    return _specialised[key]


def _is_f32(value_or_type):
    if isinstance(value_or_type, types.Type):
        return value_or_type == types.float32
    return isinstance(value_or_type, np.float32)


# How the CPU compiles these functions: x / 0 gives inf (not ZeroDivisionError, whose check would
# keep the loop scalar), and a * b + c may become one fused multiply-add ("contract"; no other
# fast-math licence: reassociation would undo the rounding tricks of the float32 exp below).
# These are CPU options: for any other target (cuda.jit) the same functions are registered without
# them, and that target's own defaults apply (CUDA: NumPy's error model, exact division).
_CPU = {"error_model": "numpy", "fastmath": {"contract"}}


def _register(func, impl_for, inline=False):
    """Make ``impl_for(*arg_types)`` the implementation of ``func`` in compiled code, for the CPU
    (with _CPU) and for every other target (numba's "generic" target, e.g. cuda.jit)."""
    for target, options in (("generic", {}), ("cpu", _CPU)):
        overload(func, target=target, jit_options=options, strict=False, inline="always" if inline else "never")(
            impl_for
        )


def _jitable(fn):
    """Like numba's register_jitable, for both targets: ``fn`` runs as Python and compiles as is."""
    _register(fn, lambda *args: fn)
    return fn


def scalar(fn=None, *, inline=False):
    """Make ``fn`` callable from Python, ``njit`` and ``cuda.jit`` code, in float32 or float64.

    Inside ``fn``, ``F`` is the type of the first argument: write constants as ``F(0.5)``.
    ``inline=True`` pastes the body into the caller before LLVM sees it: for the few functions that
    LLVM finds too big to inline itself, which would leave the loop around them scalar.
    """
    if fn is None:
        return lambda f: scalar(f, inline=inline)

    def call(*args):  # from Python (and under NUMBA_DISABLE_JIT or the CUDA simulator)
        return _specialise(fn, np.float32 if _is_f32(args[0]) else np.float64)(*args)

    # from compiled code: numba compiles the copy for the argument types
    _register(call, lambda *args: _specialise(fn, np.float32 if _is_f32(args[0]) else np.float64), inline)
    call.__name__, call.__qualname__, call.__doc__, call.__wrapped__ = fn.__name__, fn.__qualname__, fn.__doc__, fn
    return call


def _by_precision(name, f32, f64, inline=False):
    """A scalar function implemented by ``f32`` for float32 arguments and ``f64`` otherwise."""

    def call(x):
        return f32(x) if _is_f32(x) else f64(x)

    _register(call, lambda x: f32 if _is_f32(x) else f64, inline)
    call.__name__ = call.__qualname__ = name
    return call


# --- float32 bit manipulations (how a vector maths library builds 2**n) ----------------------
# Numba would widen int32 arithmetic to int64 (twice the SIMD registers, plus conversions), so the
# three operations that touch a float32's bits are written directly in LLVM IR, in 32-bit integers.
# Each has a NumPy twin for plain Python (NUMBA_DISABLE_JIT, the CUDA simulator).

_SHIFTER_BITS = 0x4B400000  # the bits of 1.5 * 2**23 (see _SHIFTER below)


def _scale_by_pow2(y, t):
    """y * 2**n, where t = n + 1.5 * 2**23 holds the integer n in its low mantissa bits.

    2**n is built from its exponent field, (n + 127) << 23, as 2**(n//2) * 2**(n - n//2): both
    factors stay normal floats for every n from -252 to 254.
    """
    n = np.asarray(t, np.float32).view(np.int32) - np.int32(_SHIFTER_BITS)
    n1 = n >> np.int32(1)
    s1 = ((n1 + np.int32(127)) << np.int32(23)).view(np.float32)
    s2 = ((n - n1 + np.int32(127)) << np.int32(23)).view(np.float32)
    return np.float32(np.float32(y) * s1 * s2)


def _pow2_shifted(t):
    """2**n, where t = n + 1.5 * 2**23 holds the integer n (-126 <= n <= 127): (n + 127) << 23."""
    n = np.asarray(t, np.float32).view(np.int32) - np.int32(_SHIFTER_BITS)
    return ((n + np.int32(127)) << np.int32(23)).view(np.float32)[()]


def _split_exponent(u):
    """(k, m) with u = 2**k * m and m in [sqrt(1/2), sqrt(2)), k returned as a float32 (u > 0, finite)."""
    i = np.asarray(u, np.float32).view(np.int32) + np.int32(0x3F800000 - 0x3F3504F3)
    k = (i >> np.int32(23)) - np.int32(127)
    m = ((i & np.int32(0x007FFFFF)) + np.int32(0x3F3504F3)).view(np.float32)
    return np.float32(k), np.float32(m)


def _high_half(z):
    """z with the low 12 bits of its mantissa cleared: 12 significant bits, so z * z is exact."""
    return (np.asarray(z, np.float32).view(np.int32) & np.int32(-4096)).view(np.float32)[()]


def _ir_consts(*values):
    i32 = ir.IntType(32)
    return [ir.Constant(i32, v) for v in values]


@intrinsic
def _scale_by_pow2_ir(typingctx, y, t):
    def codegen(context, builder, sig, args):
        y, t = args
        i32, f32 = ir.IntType(32), ir.FloatType()
        shifter, one, bias, mant = _ir_consts(_SHIFTER_BITS, 1, 127, 23)
        n = builder.sub(builder.bitcast(t, i32), shifter)
        n1 = builder.ashr(n, one)
        s1 = builder.bitcast(builder.shl(builder.add(n1, bias), mant), f32)
        s2 = builder.bitcast(builder.shl(builder.add(builder.sub(n, n1), bias), mant), f32)
        return builder.fmul(builder.fmul(y, s1), s2)

    return types.float32(types.float32, types.float32), codegen


@intrinsic
def _pow2_shifted_ir(typingctx, t):
    def codegen(context, builder, sig, args):
        i32, f32 = ir.IntType(32), ir.FloatType()
        (offset, mant) = _ir_consts(127 - _SHIFTER_BITS, 23)
        return builder.bitcast(builder.shl(builder.add(builder.bitcast(args[0], i32), offset), mant), f32)

    return types.float32(types.float32), codegen


@intrinsic
def _split_exponent_ir(typingctx, u):
    def codegen(context, builder, sig, args):
        i32, f32 = ir.IntType(32), ir.FloatType()
        offset, mant, bias, low, sqrt_half = _ir_consts(0x3F800000 - 0x3F3504F3, 23, 127, 0x007FFFFF, 0x3F3504F3)
        i = builder.add(builder.bitcast(args[0], i32), offset)
        k = builder.sitofp(builder.sub(builder.ashr(i, mant), bias), f32)
        m = builder.bitcast(builder.add(builder.and_(i, low), sqrt_half), f32)
        return context.make_tuple(builder, sig.return_type, (k, m))

    return types.UniTuple(types.float32, 2)(types.float32), codegen


@intrinsic
def _high_half_ir(typingctx, z):
    def codegen(context, builder, sig, args):
        i32, f32 = ir.IntType(32), ir.FloatType()
        (mask,) = _ir_consts(-4096)
        return builder.bitcast(builder.and_(builder.bitcast(args[0], i32), mask), f32)

    return types.float32(types.float32), codegen


@overload(_scale_by_pow2)
def _scale_by_pow2_typed(y, t):
    return lambda y, t: _scale_by_pow2_ir(y, t)


@overload(_pow2_shifted)
def _pow2_shifted_typed(t):
    return lambda t: _pow2_shifted_ir(t)


@overload(_split_exponent)
def _split_exponent_typed(u):
    return lambda u: _split_exponent_ir(u)


@overload(_high_half)
def _high_half_typed(z):
    return lambda z: _high_half_ir(z)


# ================================================================================================
# Elementary functions. float32: vectorisable polynomial versions; float64: the C library.
# ================================================================================================
# A note on NaN: every clamp below is written `lo if x < lo else x`, which lets NaN through (a
# comparison with NaN is false), and NaN then flows through the arithmetic to the result.

_f32 = np.float32
_LOG2E = 1.4426950408889634
# ln 2 split in two (Cody & Waite): n * _LN2_HI is exact for |n| < 256, so x - n ln2 loses nothing
_LN2_HI = 0.693359375
_LN2_LO = -2.12194440e-4
# 1.5 * 2**23: adding it to a float32 of magnitude < 2**22 rounds that float to an integer, which
# then sits in the low bits of the sum (the "shifter" trick; no float -> int conversion needed)
_SHIFTER = 12582912.0
# the largest float32 whose exp is finite (exp(88.7228317) = 3.40280e38, the maximum is 3.40282e38)
_EXP_MAX_F32 = 88.72283172607422
# below this, exp(x) < 2**-126 (the smallest normal float32); exp_ftz returns 0 there
_EXP_FTZ_MIN_F32 = -87.33654022216797


@_jitable
def _expm1_poly_f32(r):
    """exp(r) - 1 for |r| <= ln2/2 (Cephes' expf minimax polynomial, ~1 ulp)."""
    p = _f32(1.9875691500e-4)
    p = p * r + _f32(1.3981999507e-3)
    p = p * r + _f32(8.3334519073e-3)
    p = p * r + _f32(4.1665795894e-2)
    p = p * r + _f32(1.6666665459e-1)
    p = p * r + _f32(5.0000001201e-1)
    return p * (r * r) + r


@_jitable
def _exp_reduce_f32(hi, lo):
    """exp(hi + lo) = 2**n exp(r): returns (exp(r), t) with t = n + 1.5 * 2**23 holding n.

    n = round((hi + lo) / ln2) and r = hi + lo - n ln2, |r| <= ln2/2. hi - n ln2 is computed first
    and exactly, so a small lo (the low part of a two-float argument) keeps its digits.
    """
    t = (hi + lo) * _f32(_LOG2E) + _f32(_SHIFTER)  # n + 1.5 * 2**23: rounds to the integer n
    n = t - _f32(_SHIFTER)
    r = hi - n * _f32(_LN2_HI)
    r = r - n * _f32(_LN2_LO)
    r = r + lo
    return _expm1_poly_f32(r) + _f32(1.0), t


@_jitable
def _exp_f32(x):
    """exp(x) over the whole float32 range, denormal results included (2**n applied in two halves)."""
    xc = _f32(_EXP_MAX_F32) if x > _f32(_EXP_MAX_F32) else x
    xc = _f32(-104.0) if xc < _f32(-104.0) else xc  # exp(-104) rounds to 0
    e, t = _exp_reduce_f32(xc, _f32(0.0))
    y = _scale_by_pow2(e, t)
    return _f32(np.inf) if x > _f32(_EXP_MAX_F32) else y


@_jitable
def _exp_ftz_hilo_f32(hi, lo):
    """exp(hi + lo) for hi + lo <= 88.3, flushed to 0 below -87.3 (where it is < 1.2e-38).

    The cheaper exp of the activations: 2**n is one float built from its exponent field, which is
    only possible while 2**n is a normal number, -126 <= n <= 127.
    """
    h = _f32(_EXP_FTZ_MIN_F32) if hi < _f32(_EXP_FTZ_MIN_F32) else hi
    e, t = _exp_reduce_f32(h, lo)
    y = e * _pow2_shifted(t)
    return _f32(0.0) if hi < _f32(_EXP_FTZ_MIN_F32) else y


@_jitable
def _exp_ftz_f32(x):
    return _exp_ftz_hilo_f32(x, _f32(0.0))


@_jitable
def _expm1_f32(x):
    """exp(x) - 1 = 2**n (p + 1) - 1 = 2 (h p + (h - 1/2)) with p = expm1(r), h = 2**(n-1).

    For |x| <= ln2/2, n = 0 and the result is p itself: expm1 keeps its full relative accuracy near
    0, where exp(x) - 1 would lose every digit (expm1(1e-10) = 1e-10, exp(1e-10) - 1 = 0).
    """
    xc = _f32(_EXP_MAX_F32) if x > _f32(_EXP_MAX_F32) else x
    xc = _f32(-30.0) if xc < _f32(-30.0) else xc  # expm1(-30) = -1 in float32
    t = xc * _f32(_LOG2E) + _f32(_SHIFTER)
    n = t - _f32(_SHIFTER)
    r = xc - n * _f32(_LN2_HI)
    r = r - n * _f32(_LN2_LO)
    h = _pow2_shifted(t - _f32(1.0))  # 2**(n-1): a normal float for n in [-44, 128]
    y = _f32(2.0) * (h * _expm1_poly_f32(r) + (h - _f32(0.5)))
    return _f32(np.inf) if x > _f32(_EXP_MAX_F32) else y


_LOG1P_LN2_HI = 6.9313812256e-01
_LOG1P_LN2_LO = 9.0580006145e-06


@_jitable
def _log1p_f32(x):
    """log(1 + x) the way musl's log1pf does it, without branches.

    u = 1 + x = 2^k * m with m in [sqrt(1/2), sqrt(2)); log1p(x) = k ln2 + log(m) + c / u, where c is
    the rounding error of 1 + x (so log1p(1e-10) = 1e-10, not 0); log(m) = log((1+s)/(1-s)) with
    s = (m-1)/(m+1), a short odd series in s.
    """
    u = _f32(1.0) + x
    k, m = _split_exponent(u)
    # rounding error of u = 1 + x, divided by u
    c = (x - (u - _f32(1.0))) if k < _f32(2.0) else (_f32(1.0) - (u - x))
    c = c / u if k < _f32(25.0) else _f32(0.0)
    f = m - _f32(1.0)
    s = f / (_f32(2.0) + f)
    z = s * s
    w = z * z
    t1 = w * (_f32(0.40000972152) + w * _f32(0.24279078841))
    t2 = z * (_f32(0.66666662693) + w * _f32(0.28498786688))
    hfsq = _f32(0.5) * f * f
    y = s * (hfsq + t1 + t2) + (k * _f32(_LOG1P_LN2_LO) + c) - hfsq + f + k * _f32(_LOG1P_LN2_HI)
    y = x if x == _f32(np.inf) else y
    y = _f32(-np.inf) if x == _f32(-1.0) else y
    return _f32(np.nan) if x < _f32(-1.0) else y


@_jitable
def _tanh_f32(x):
    # tanh|x| = expm1(2|x|) / (expm1(2|x|) + 2): one expm1, accurate near 0, no overflow after
    # clamping (tanh(9) = 1 in float32)
    a = abs(x)
    a = _f32(9.0) if a > _f32(9.0) else a
    e = _expm1_f32(a + a)
    t = e / (e + _f32(2.0))
    return -t if x < _f32(0.0) else t


# erfc(z) = t exp(-z^2) R(t) with t = 1 / (1 + 0.4 z), z >= 0: R is a degree-8 polynomial fitted
# for minigrad (minimax relative error, by linear programming over a dense grid) to
# erfcx(z) / t = erfc(z) e^(z^2) / t over all z >= 0: relative error 1.1e-7. One exp, one
# division, eight multiply-adds.
_ERFC_P = 0.4
_ERFC_R = (
    0.2256758443279029, 0.22567128325778782, 0.20780585271843632, 0.16885205533912032,
    0.14017515812031467, -0.002886800093751831, 0.16585262170620726, -0.18091210368727406,
    0.04976619723703357,
)  # fmt: skip


@_jitable
def _erfc_pos_f32(z, exact_square):
    """(erfc(z), exp(-z^2)) for 0 <= z <= 11 (NaN passes).

    exact_square: compute exp(-z^2) from z^2 = zh^2 + d split exactly (zh: z's top 12 bits, so zh^2
    is exact). A single float32 holds z^2 only to ulp(z^2), which costs up to 100 ulp of erfc in the
    far tail (erfc(8) = 1e-29); GELU, where those values vanish next to 1, skips the split.
    """
    t = _f32(1.0) / (_f32(1.0) + _f32(_ERFC_P) * z)
    p = _f32(_ERFC_R[8])
    p = p * t + _f32(_ERFC_R[7])
    p = p * t + _f32(_ERFC_R[6])
    p = p * t + _f32(_ERFC_R[5])
    p = p * t + _f32(_ERFC_R[4])
    p = p * t + _f32(_ERFC_R[3])
    p = p * t + _f32(_ERFC_R[2])
    p = p * t + _f32(_ERFC_R[1])
    p = p * t + _f32(_ERFC_R[0])
    if exact_square:
        zh = _high_half(z)
        d = (z - zh) * (z + zh)
        e = _exp_ftz_hilo_f32(-(zh * zh), -d)
    else:
        e = _exp_ftz_f32(-(z * z))
    return t * p * e, e


@_jitable
def _erfc_f32(x):
    z = abs(x)
    z = _f32(11.0) if z > _f32(11.0) else z  # erfc(11) = 1.4e-54 = 0 in float32
    r, _ = _erfc_pos_f32(z, True)
    return _f32(2.0) - r if x < _f32(0.0) else r


_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794


@_jitable
def _normal_cdf_pdf_f32(x):
    """(Phi(x), phi(x)) of the standard normal, sharing one exp: phi(x) = e^(-x^2/2) / sqrt(2 pi) and
    Phi(x) = erfc(-x / sqrt 2) / 2, whose exp(-z^2) with z = |x| / sqrt 2 is that same e^(-x^2/2)."""
    z = abs(x) * _f32(_SQRT1_2)
    z = _f32(11.0) if z > _f32(11.0) else z
    r, e = _erfc_pos_f32(z, False)
    half = _f32(0.5) * r
    cdf = _f32(1.0) - half if x > _f32(0.0) else half
    return cdf, e * _f32(_INV_SQRT_2PI)


@_jitable
def _normal_cdf_pdf_f64(x):
    return 0.5 * math.erfc(-x * _SQRT1_2), _INV_SQRT_2PI * math.exp(-0.5 * x * x)


def _libm(f):
    return _jitable(f)


exp = _by_precision("exp", _exp_f32, _libm(lambda x: math.exp(x)))
exp.__doc__ = "exp(x); float32: range reduction + polynomial (vectorisable), denormals included."
exp_ftz = _by_precision("exp_ftz", _exp_ftz_f32, _libm(lambda x: math.exp(x)))
exp_ftz.__doc__ = """exp(x) for x <= 88.3 (the caller guarantees it, or ignores the result); float32 flushes
results below 1.2e-38 to 0. Cheaper than exp: what the activations use."""
expm1 = _by_precision("expm1", _expm1_f32, _libm(lambda x: math.expm1(x)))
expm1.__doc__ = "exp(x) - 1, accurate near 0 (ELU's negative branch, tanh)."
log1p = _by_precision("log1p", _log1p_f32, _libm(lambda x: math.log1p(x)), inline=True)
log1p.__doc__ = "log(1 + x), accurate near 0 (softplus)."
tanh = _by_precision("tanh", _tanh_f32, _libm(lambda x: math.tanh(x)))
tanh.__doc__ = "tanh(x) = (e^x - e^-x) / (e^x + e^-x); range (-1, 1)."
erfc = _by_precision("erfc", _erfc_f32, _libm(lambda x: math.erfc(x)), inline=True)
erfc.__doc__ = "erfc(x) = 1 - erf(x), accurate in both tails."
normal_cdf_pdf = _by_precision("normal_cdf_pdf", _normal_cdf_pdf_f32, _normal_cdf_pdf_f64, inline=True)
normal_cdf_pdf.__doc__ = "(Phi(x), phi(x)): the standard normal CDF and density (exact GELU)."


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
