"""Scalar maths of the normalisation layers, written once for the CPU and the GPU kernels.

Every function here is a `@scalar` function (`minigrad/scalar_math.py` explains the mechanism):
plain Python when called from Python, compiled into the caller when called from an `njit` (CPU) or
`cuda.jit` (GPU) kernel. The kernels in `minigrad/backends/cpu/norm_kernels.py` use them, and
`minigrad/backends/cuda/norm_kernels.py` calls the same functions once per thread block (one block
per normalisation group). They compute in float64 on purpose, whatever the data's dtype: these are
the statistics.

Notation (see docs/normalization.md): a group holds the n values x_1..x_n that share one mean and
one variance; xhat_i = (x_i - mean) * rstd with rstd = 1 / sqrt(var + eps).

Statistics are accumulated in float64 from values shifted by one element of the group (`shift`):
    s1 = sum(x_i - shift),  s2 = sum((x_i - shift)^2),
    mean = shift + s1 / n,  var = s2 / n - (s1 / n)^2     (biased, like PyTorch's forward pass).
Because the shift is one of the x_i, (shift - mean)^2 <= n * var, so the subtraction in `var` loses
at most about log10(n) digits of float64: a float32 tensor with mean 1e4 and std 1e-2 keeps its full
precision, where the textbook E[x^2] - E[x]^2 in float32 would return noise.

Numba caches a kernel without tracking changes in the functions it calls from another module
(numba#9483); the CPU cache directory is named after a hash of these sources, so an edit here
starts a fresh cache.
"""

import math

from minigrad.scalar_math import scalar


@scalar
def moments_from_shifted_sums(shift, s1, s2, n, center):
    """(mean, biased variance) from the shifted sums s1 = sum(x - shift), s2 = sum((x - shift)^2).

    With center=False (RMSNorm) shift is 0 and the "variance" is the mean square, mean is 0.
    """
    m1 = s1 / n
    if not center:
        return 0.0, s2 / n
    var = s2 / n - m1 * m1
    if var < 0.0:  # rounding can leave a tiny negative number for a constant group
        var = 0.0
    return shift + m1, var


@scalar
def inv_std(var, eps):
    """rstd = 1 / sqrt(var + eps): eps inside the square root, as in PyTorch."""
    return 1.0 / math.sqrt(var + eps)


@scalar
def unbiased_var(var, n):
    """The running-variance estimate: var * n / (n - 1) (Bessel's correction)."""
    return var * n / (n - 1.0)


@scalar
def backward_coefficients(rstd, sum_wg, sum_wg_xhat, n, center, batch_stats):
    """The per-group constants of the closed-form backward pass.

    dx_i = rstd * (w_i g_i - mean(w g) - xhat_i * mean(w g xhat))     (batch statistics)
    dx_i = rstd * w_i g_i                                              (fixed statistics)

    Returns (m1, m2) with dx_i = rstd * (w_i g_i - m1 - xhat_i * m2); without centering (RMSNorm)
    the mean(w g) term is absent because the mean is not subtracted in the forward pass.
    """
    if not batch_stats:
        return 0.0, 0.0
    m2 = sum_wg_xhat / n
    if center:
        return sum_wg / n, m2
    return 0.0, m2
