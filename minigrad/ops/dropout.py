"""Dropout (Srivastava et al. 2014): in training, zero each element with probability p and scale the
survivors by 1/(1-p), so the expected value is unchanged and evaluation needs no rescaling."""

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.random import rng
from minigrad.tensor import zeros_like

__all__ = ["dropout"]


class Dropout(Op):
    """y = x * m / (1 - p), m_i ~ Bernoulli(1 - p) drawn on x's device;  dy/dx = m / (1 - p)."""

    @staticmethod
    def forward(ctx, x, p, generator):
        keep = ctx.backend.rand(rng(generator), x.shape, dtypes.float64) >= p
        mask = keep.astype(x.dtype) / x.dtype.type(1.0 - p) if p < 1 else keep.astype(x.dtype)
        ctx.save_for_backward(mask)
        return x * mask

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        return grad * mask, None, None


def dropout(input, p=0.5, training=True, generator=None):
    """In training, zero each element with probability ``p`` and scale the rest by 1/(1-p); the identity
    when ``training=False`` (``model.eval()``) or p = 0:  y = x * mask / (1 - p), mask_i ~ Bernoulli(1 - p).

    Integer and bool tensors: as in PyTorch, returned unchanged when nothing is dropped (eval mode,
    p = 0), zeroed for p = 1, and refused otherwise (the scaled values would not be integers)."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
    if not training or p == 0.0:
        return input
    if input.dtype.kind != "f":
        if p == 1.0:
            return zeros_like(input)
        raise TypeError(
            f"dropout: input is {input.dtype}, but the kept values are scaled by 1/(1-p) (p={p}), which needs a "
            "floating-point tensor; convert it with .float()"
        )
    return Dropout.apply(input, float(p), generator)
