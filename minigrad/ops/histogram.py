"""Histograms: ``histc`` (PyTorch's counts in equal bins) and ``histogram`` (counts and bin edges).

A value x falls into bin k when edges[k] <= x < edges[k + 1]; the last bin also takes x == the
last edge; values outside [edges[0], edges[-1]] are not counted. Counting is not differentiable.
"""

import math
from collections import namedtuple

import numpy as np

from minigrad import dtypes
from minigrad.backends import backend_for
from minigrad.tensor import Tensor

__all__ = ["histc", "histogram"]

HistogramResult = namedtuple("HistogramResult", ["hist", "bin_edges"])


def _counts(xp, x, edges, weight):
    """Per-bin counts (or sums of ``weight``) of the values of ``x`` in the bins between ``edges``."""
    x = x.reshape(-1)
    k = xp.searchsorted(edges, x, side="right") - 1
    k = xp.where(x == edges[-1], len(edges) - 2, k)  # the last bin is closed on the right
    inside = (k >= 0) & (k < len(edges) - 1) & (x == x)  # NaN is in no bin
    w = weight.reshape(-1)[inside].astype(np.float64) if weight is not None else None
    return xp.bincount(k[inside], weights=w, minlength=len(edges) - 1).astype(x.dtype)


def _range(x, lo, hi):
    """[lo, hi], or the data's min and max when lo == hi; widened by 1 each side if still empty."""
    if lo == hi and x.size:
        lo, hi = float(x.min()), float(x.max())
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    if not (math.isfinite(lo) and math.isfinite(hi)) or lo > hi:
        raise RuntimeError(f"histogram: range of bins [{lo}, {hi}] is not finite or empty")
    return lo, hi


def _float_input(input, op):
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        what = dtypes.name(input.dtype) if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"{op}(): expected a floating point tensor, got {what}")
    return input.detach().array


def histc(input, bins=100, min=0, max=0):  # noqa: A002 - PyTorch's argument names
    """Counts of ``input``'s values in ``bins`` equal bins over [min, max] (both 0: the data's min and max),
    as a tensor of input's dtype."""
    x = _float_input(input, "histc")
    if int(bins) <= 0:
        raise RuntimeError(f"histc(): bins must be > 0, got {bins}")
    if min > max:
        raise RuntimeError(f"histc(): max ({max}) must be larger than min ({min})")
    xp = backend_for(input.device).xp
    lo, hi = _range(x, float(min), float(max))
    edges = xp.linspace(lo, hi, int(bins) + 1).astype(x.dtype)
    return Tensor._wrap(_counts(xp, x, edges, None), input.device)


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """``(hist, bin_edges)``: counts of ``input`` (or sums of ``weight``) in ``bins`` equal bins over
    ``range`` (default: the data's min and max), or between the edges of the 1-d tensor ``bins``.
    ``density=True`` divides by the total and the bin widths so the histogram integrates to 1."""
    x = _float_input(input, "histogram")
    xp = backend_for(input.device).xp
    if isinstance(bins, Tensor):
        edges = bins.detach().array.astype(x.dtype)
        if edges.ndim != 1 or edges.shape[0] < 2 or bool((edges[1:] < edges[:-1]).any()):
            raise RuntimeError("histogram(): bins must be a 1-d tensor of at least 2 increasing edges")
    else:
        if int(bins) <= 0:
            raise RuntimeError(f"histogram(): bins must be > 0, got {bins}")
        lo, hi = _range(x, *(range if range is not None else (0.0, 0.0)))
        edges = xp.linspace(lo, hi, int(bins) + 1).astype(x.dtype)
    w = None
    if weight is not None:
        if weight.shape != input.shape:
            raise RuntimeError(f"histogram(): weight has shape {weight.shape}, input {input.shape}: they must match")
        w = weight.detach().array
    hist = _counts(xp, x, edges, w)
    if density:
        hist = hist / (hist.sum() * (edges[1:] - edges[:-1]))
    return HistogramResult(Tensor._wrap(hist, input.device), Tensor._wrap(edges, input.device))
