"""The CPU's float32 exp, expm1, log1p, tanh, erfc and normal CDF/PDF: vectorisable versions.

The formulas of ``minigrad/scalar_math.py`` call ``exp``, ``expm1``, ``log1p``, ``tanh``, ``erfc``
and ``normal_cdf_pdf``, written there as ``math.exp(x)``, ... . Numba compiles those to calls into
the C library, one element at a time: LLVM cannot vectorise a loop around an opaque call (it could
with Intel's SVML, which this machine's Numba does not use), and a float32 sigmoid loop then runs
4-40x slower than PyTorch's. So, on the CPU and in float32 only, this module replaces them
(``scalar_math.implement``) by the way a vector maths library writes them: range reduction, a short
polynomial, and the exponent field of the float built with integer operations, in plain arithmetic
that LLVM turns into AVX instructions, 8 elements at a time. Float64 (the precision of
``gradcheck``) keeps the C library, where exactness matters more than speed; a GPU keeps its own
maths library (libdevice), which is already vectorised across threads.

``tests/test_activation.py`` holds each function to a few units in the last place (ulp) of a
float64 reference over its whole range. Importing this module registers the versions: the CPU
kernel modules import it before anything compiles.
"""

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from minigrad import scalar_math as sm
from minigrad.scalar_math import scalar

F = np.float32  # everything here is float32

# ================================================================================================
# float32 bit manipulations (how a vector maths library builds 2**n)
# ================================================================================================
# Numba would widen int32 arithmetic to int64 (twice the SIMD registers, plus conversions), so the
# operations that touch a float32's bits are written directly in LLVM IR, in 32-bit integers.

_SHIFTER_BITS = 0x4B400000  # the bits of 1.5 * 2**23 (see _SHIFTER below)


def _i32(*values):
    return [ir.Constant(ir.IntType(32), v) for v in values]


@intrinsic
def _scale_by_pow2(typingctx, y, t):
    """y * 2**n, where t = n + 1.5 * 2**23 holds the integer n in its low mantissa bits.

    2**n is built from its exponent field, (n + 127) << 23, as 2**(n//2) * 2**(n - n//2): both
    factors stay normal floats for every n from -252 to 254.
    """

    def codegen(context, builder, sig, args):
        y, t = args
        i32, f32 = ir.IntType(32), ir.FloatType()
        shifter, one, bias, mant = _i32(_SHIFTER_BITS, 1, 127, 23)
        n = builder.sub(builder.bitcast(t, i32), shifter)
        n1 = builder.ashr(n, one)
        s1 = builder.bitcast(builder.shl(builder.add(n1, bias), mant), f32)
        s2 = builder.bitcast(builder.shl(builder.add(builder.sub(n, n1), bias), mant), f32)
        return builder.fmul(builder.fmul(y, s1), s2)

    return types.float32(types.float32, types.float32), codegen


@intrinsic
def _pow2_shifted(typingctx, t):
    """2**n, where t = n + 1.5 * 2**23 holds the integer n (-126 <= n <= 127): (n + 127) << 23."""

    def codegen(context, builder, sig, args):
        i32, f32 = ir.IntType(32), ir.FloatType()
        (offset, mant) = _i32(127 - _SHIFTER_BITS, 23)
        return builder.bitcast(builder.shl(builder.add(builder.bitcast(args[0], i32), offset), mant), f32)

    return types.float32(types.float32), codegen


@intrinsic
def _split_exponent(typingctx, u):
    """(k, m) with u = 2**k * m and m in [sqrt(1/2), sqrt(2)), k returned as a float32 (u > 0, finite)."""

    def codegen(context, builder, sig, args):
        i32, f32 = ir.IntType(32), ir.FloatType()
        offset, mant, bias, low, sqrt_half = _i32(0x3F800000 - 0x3F3504F3, 23, 127, 0x007FFFFF, 0x3F3504F3)
        i = builder.add(builder.bitcast(args[0], i32), offset)
        k = builder.sitofp(builder.sub(builder.ashr(i, mant), bias), f32)
        m = builder.bitcast(builder.add(builder.and_(i, low), sqrt_half), f32)
        return context.make_tuple(builder, sig.return_type, (k, m))

    return types.UniTuple(types.float32, 2)(types.float32), codegen


@intrinsic
def _high_half(typingctx, z):
    """z with the low 12 bits of its mantissa cleared: 12 significant bits, so z * z is exact."""

    def codegen(context, builder, sig, args):
        i32, f32 = ir.IntType(32), ir.FloatType()
        (mask,) = _i32(-4096)
        return builder.bitcast(builder.and_(builder.bitcast(args[0], i32), mask), f32)

    return types.float32(types.float32), codegen


# ================================================================================================
# exp, expm1, log1p, tanh
# ================================================================================================

_LOG2E = 1.4426950408889634
# ln 2 split in two (Cody & Waite): n * _LN2_HI is exact for |n| < 256, so x - n ln2 loses nothing
_LN2_HI = 0.693359375
_LN2_LO = -2.12194440e-4
# 1.5 * 2**23: adding it to a float32 of magnitude < 2**22 rounds that float to an integer, which
# then sits in the low bits of the sum (the "shifter" trick; no float -> int conversion needed)
_SHIFTER = 12582912.0
# the largest float32 whose exp is finite (exp(88.7228317) = 3.40280e38, the maximum is 3.40282e38)
_EXP_MAX = 88.72283172607422
# below this, exp(x) < 2**-126 (the smallest normal float32); exp_ftz returns 0 there
_EXP_FTZ_MIN = -87.33654022216797


@scalar
def _expm1_poly(r):
    """exp(r) - 1 for |r| <= ln2/2 (Cephes' expf minimax polynomial, ~1 ulp)."""
    p = F(1.9875691500e-4)
    p = p * r + F(1.3981999507e-3)
    p = p * r + F(8.3334519073e-3)
    p = p * r + F(4.1665795894e-2)
    p = p * r + F(1.6666665459e-1)
    p = p * r + F(5.0000001201e-1)
    return p * (r * r) + r


@scalar
def _exp_reduce(hi, lo):
    """exp(hi + lo) = 2**n exp(r): returns (exp(r), t) with t = n + 1.5 * 2**23 holding n.

    n = round((hi + lo) / ln2) and r = hi + lo - n ln2, |r| <= ln2/2. hi - n ln2 is computed first
    and exactly, so a small lo (the low part of a two-float argument) keeps its digits.
    """
    t = (hi + lo) * F(_LOG2E) + F(_SHIFTER)  # n + 1.5 * 2**23: rounds to the integer n
    n = t - F(_SHIFTER)
    r = hi - n * F(_LN2_HI)
    r = r - n * F(_LN2_LO)
    r = r + lo
    return _expm1_poly(r) + F(1.0), t


@sm.implement(sm.exp, "cpu", np.float32)
def exp(x):
    """exp(x) over the whole float32 range, denormal results included (2**n applied in two halves)."""
    xc = F(_EXP_MAX) if x > F(_EXP_MAX) else x
    xc = F(-104.0) if xc < F(-104.0) else xc  # exp(-104) rounds to 0
    e, t = _exp_reduce(xc, F(0.0))
    y = _scale_by_pow2(e, t)
    return F(np.inf) if x > F(_EXP_MAX) else y


@scalar
def _exp_ftz_hilo(hi, lo):
    """exp(hi + lo) for hi + lo <= 88.3, flushed to 0 below -87.3 (where it is < 1.2e-38).

    The cheaper exp of the activations: 2**n is one float built from its exponent field, which is
    only possible while 2**n is a normal number, -126 <= n <= 127.
    """
    h = F(_EXP_FTZ_MIN) if hi < F(_EXP_FTZ_MIN) else hi
    e, t = _exp_reduce(h, lo)
    y = e * _pow2_shifted(t)
    return F(0.0) if hi < F(_EXP_FTZ_MIN) else y


@sm.implement(sm.exp_ftz, "cpu", np.float32)
def exp_ftz(x):
    return _exp_ftz_hilo(x, F(0.0))


@sm.implement(sm.expm1, "cpu", np.float32)
def expm1(x):
    """exp(x) - 1 = 2**n (p + 1) - 1 = 2 (h p + (h - 1/2)) with p = expm1(r), h = 2**(n-1).

    For |x| <= ln2/2, n = 0 and the result is p itself: expm1 keeps its full relative accuracy near
    0, where exp(x) - 1 would lose every digit (expm1(1e-10) = 1e-10, exp(1e-10) - 1 = 0).
    """
    xc = F(_EXP_MAX) if x > F(_EXP_MAX) else x
    xc = F(-30.0) if xc < F(-30.0) else xc  # expm1(-30) = -1 in float32
    t = xc * F(_LOG2E) + F(_SHIFTER)
    n = t - F(_SHIFTER)
    r = xc - n * F(_LN2_HI)
    r = r - n * F(_LN2_LO)
    h = _pow2_shifted(t - F(1.0))  # 2**(n-1): a normal float for n in [-44, 128]
    y = F(2.0) * (h * _expm1_poly(r) + (h - F(0.5)))
    return F(np.inf) if x > F(_EXP_MAX) else y


_LOG1P_LN2_HI = 6.9313812256e-01
_LOG1P_LN2_LO = 9.0580006145e-06


@sm.implement(sm.log1p, "cpu", np.float32)
def log1p(x):
    """log(1 + x) the way musl's log1pf does it, without branches.

    u = 1 + x = 2^k * m with m in [sqrt(1/2), sqrt(2)); log1p(x) = k ln2 + log(m) + c / u, where c is
    the rounding error of 1 + x (so log1p(1e-10) = 1e-10, not 0); log(m) = log((1+s)/(1-s)) with
    s = (m-1)/(m+1), a short odd series in s.
    """
    u = F(1.0) + x
    k, m = _split_exponent(u)
    # rounding error of u = 1 + x, divided by u
    c = (x - (u - F(1.0))) if k < F(2.0) else (F(1.0) - (u - x))
    c = c / u if k < F(25.0) else F(0.0)
    f = m - F(1.0)
    s = f / (F(2.0) + f)
    z = s * s
    w = z * z
    t1 = w * (F(0.40000972152) + w * F(0.24279078841))
    t2 = z * (F(0.66666662693) + w * F(0.28498786688))
    hfsq = F(0.5) * f * f
    y = s * (hfsq + t1 + t2) + (k * F(_LOG1P_LN2_LO) + c) - hfsq + f + k * F(_LOG1P_LN2_HI)
    y = x if x == F(np.inf) else y
    y = F(-np.inf) if x == F(-1.0) else y
    return F(np.nan) if x < F(-1.0) else y


@sm.implement(sm.tanh, "cpu", np.float32)
def tanh(x):
    # tanh|x| = expm1(2|x|) / (expm1(2|x|) + 2): one expm1, accurate near 0, no overflow after
    # clamping (tanh(9) = 1 in float32)
    a = abs(x)
    a = F(9.0) if a > F(9.0) else a
    e = sm.expm1(a + a)
    t = e / (e + F(2.0))
    return -t if x < F(0.0) else t


# ================================================================================================
# erfc and the normal CDF/PDF (exact GELU)
# ================================================================================================
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


@scalar
def _erfc_pos(z, exact_square):
    """(erfc(z), exp(-z^2)) for 0 <= z <= 11 (NaN passes).

    exact_square: compute exp(-z^2) from z^2 = zh^2 + d split exactly (zh: z's top 12 bits, so zh^2
    is exact). A single float32 holds z^2 only to ulp(z^2), which costs up to 100 ulp of erfc in the
    far tail (erfc(8) = 1e-29); GELU, where those values vanish next to 1, skips the split.
    """
    t = F(1.0) / (F(1.0) + F(_ERFC_P) * z)
    p = F(_ERFC_R[8])
    p = p * t + F(_ERFC_R[7])
    p = p * t + F(_ERFC_R[6])
    p = p * t + F(_ERFC_R[5])
    p = p * t + F(_ERFC_R[4])
    p = p * t + F(_ERFC_R[3])
    p = p * t + F(_ERFC_R[2])
    p = p * t + F(_ERFC_R[1])
    p = p * t + F(_ERFC_R[0])
    if exact_square:
        zh = _high_half(z)
        d = (z - zh) * (z + zh)
        e = _exp_ftz_hilo(-(zh * zh), -d)
    else:
        e = _exp_ftz_hilo(-(z * z), F(0.0))
    return t * p * e, e


@sm.implement(sm.erfc, "cpu", np.float32)
def erfc(x):
    z = abs(x)
    z = F(11.0) if z > F(11.0) else z  # erfc(11) = 1.4e-54 = 0 in float32
    r, _ = _erfc_pos(z, True)
    return F(2.0) - r if x < F(0.0) else r


_SQRT1_2 = 0.70710678118654752440
_INV_SQRT_2PI = 0.39894228040143267794


@sm.implement(sm.normal_cdf_pdf, "cpu", np.float32)
def normal_cdf_pdf(x):
    """(Phi(x), phi(x)) of the standard normal, sharing one exp: phi(x) = e^(-x^2/2) / sqrt(2 pi) and
    Phi(x) = erfc(-x / sqrt 2) / 2, whose exp(-z^2) with z = |x| / sqrt 2 is that same e^(-x^2/2)."""
    z = abs(x) * F(_SQRT1_2)
    z = F(11.0) if z > F(11.0) else z
    r, e = _erfc_pos(z, False)
    half = F(0.5) * r
    cdf = F(1.0) - half if x > F(0.0) else half
    return cdf, e * F(_INV_SQRT_2PI)
