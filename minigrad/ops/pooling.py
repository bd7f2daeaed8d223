"""More pooling: ``adaptive_avg_pool2d``, ``max_pool2d`` with ``ceil_mode`` / ``return_indices``, and
``max_unpool2d`` (the basic max and average pooling are in ``conv.py``).

Adaptive average pooling picks the windows from the output size: output row i averages input rows
floor(i H / oh) .. ceil((i + 1) H / oh) - 1 (PyTorch's rule; windows may overlap). An average over a
rectangle is an average over rows of averages over columns, so the op is two small matrix products,
out = A_h x A_w^T, with A[i, j] = 1 / (window length) inside window i; the gradient is the transpose.
"""

import math

import numpy as np

from minigrad.autograd import Op
from minigrad.ops.conv import MaxPool2d as _MaxPoolOp
from minigrad.ops.conv import _pair, _pool_args
from minigrad.ops.tiling import pad
from minigrad.tensor import Tensor, tensor

__all__ = ["adaptive_avg_pool2d", "max_pool2d_with_options", "max_unpool2d"]


def _averaging_matrix(size, out, dtype, device):
    """A (out, size) matrix whose row i averages input window i of adaptive pooling."""
    rows = []
    for i in range(out):
        start, end = (i * size) // out, -(-((i + 1) * size) // out)
        rows.append([1.0 / (end - start) if start <= j < end else 0.0 for j in range(size)])
    return tensor(rows, dtype=dtype, device=device)


def adaptive_avg_pool2d(input, output_size):  # noqa: A002 - PyTorch's argument name
    """Average pooling of (N, C, H, W) or (C, H, W) to ``output_size`` (an int, or (oh, ow) where None keeps
    that size), with windows chosen as in PyTorch. ``output_size=1`` is global average pooling."""
    if input.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): expected a 3-d or 4-d input, got shape {input.shape}")
    h, w = input.shape[-2:]
    oh, ow = (output_size, output_size) if not isinstance(output_size, (tuple, list)) else output_size
    oh, ow = h if oh is None else int(oh), w if ow is None else int(ow)
    if oh <= 0 or ow <= 0 or h == 0 or w == 0:
        raise RuntimeError(f"adaptive_avg_pool2d(): output size {(oh, ow)} and input {input.shape} must be non-empty")
    if input.dtype.kind != "f":
        raise TypeError("adaptive_avg_pool2d(): expected a floating point input")
    a_h = _averaging_matrix(h, oh, input.dtype, input.device)
    a_w = _averaging_matrix(w, ow, input.dtype, input.device)
    return a_h @ (input @ a_w.T)


class _MaxPoolWithIndices(_MaxPoolOp):
    """MaxPool2d that also returns, for each output, the flat position (row * W + col) of its maximum in
    the input plane (PyTorch's ``return_indices``); the gradient is MaxPool2d's."""

    @staticmethod
    def forward(ctx, x, k, s, p, d, ho, wo, width):
        values = _MaxPoolOp.forward(ctx, x, k, s, p, d, ho, wo)
        (arg,) = ctx.saved_tensors  # the position of the max inside its window, 0 .. kh * kw - 1
        xp = ctx.xp
        row = xp.arange(ho).reshape(-1, 1) * s[0] - p[0] + (arg // k[1]) * d[0]
        col = xp.arange(wo) * s[1] - p[1] + (arg % k[1]) * d[1]
        return values, (row * width + col).astype(np.int64)

    @staticmethod
    def backward(ctx, grad, _grad_indices):
        return _MaxPoolOp.backward(ctx, grad) + (None,)


def _ceil_extra(size, k, s, p, d):
    """How many -inf rows ceil_mode adds at the end: the last window must start inside the input or the
    left padding (PyTorch's rule)."""
    out = math.ceil((size + 2 * p - d * (k - 1) - 1) / s) + 1
    if (out - 1) * s >= size + p:
        out -= 1
    return max((out - 1) * s + d * (k - 1) + 1 - (size + 2 * p), 0)


def max_pool2d_with_options(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,  # noqa: A002
                            return_indices=False):  # fmt: skip
    """``F.max_pool2d`` with ``ceil_mode`` (the output size rounds up: partial windows at the end count) and
    ``return_indices`` (also return each maximum's flat position in its input plane, for ``max_unpool2d``)."""
    if input.ndim != 4:
        raise RuntimeError(f"max_pool2d: expected a 4-d input (N, C, H, W), got shape {input.shape}")
    width = input.shape[3]
    x = input
    if ceil_mode:
        k, p, d = (_pair(v, name, "max_pool2d") for v, name in ((kernel_size, "kernel_size"), (padding, "padding"),
                                                                (dilation, "dilation")))  # fmt: skip
        s = _pair(stride if stride not in (None, ()) else kernel_size, "stride", "max_pool2d")
        extra = [_ceil_extra(input.shape[2 + i], k[i], s[i], p[i], d[i]) for i in (0, 1)]
        if any(extra):
            x = pad(input, (0, extra[1], 0, extra[0]), value=-math.inf)
    args = _pool_args("max_pool2d", x, kernel_size, stride, padding, dilation)
    if return_indices:
        values, indices = _MaxPoolWithIndices.apply(x, *args, width)
        return values, indices
    return _MaxPoolOp.apply(x, *args)


class MaxUnpool(Op):
    """The inverse of max pooling: out (zeros) gets each input value at its flat position ``indices`` in the
    output plane;  dL/dx = dL/dout read back at those positions."""

    @staticmethod
    def forward(ctx, x, indices, out_hw):
        xp = ctx.xp
        n, c = x.shape[:2]
        plane = out_hw[0] * out_hw[1]
        flat = (xp.arange(n * c, dtype=np.int64).reshape(n, c, 1, 1) * plane + indices).reshape(-1)
        ctx.save_for_backward(flat)
        ctx.shape = x.shape
        out = xp.zeros(n * c * plane, dtype=x.dtype)
        out[flat] = x.reshape(-1)
        return out.reshape(n, c, *out_hw)

    @staticmethod
    def backward(ctx, grad):
        (flat,) = ctx.saved_tensors
        return ctx.xp.take(grad.reshape(-1), flat).reshape(ctx.shape), None, None


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):  # noqa: A002
    """Put each value of ``input`` back where ``max_pool2d(..., return_indices=True)`` found it; the rest is 0.
    The output is (H - 1) stride - 2 padding + kernel_size high (and wide), or ``output_size``."""
    if input.ndim != 4 or not isinstance(indices, Tensor) or indices.shape != input.shape:
        raise RuntimeError(
            f"max_unpool2d(): expected a 4-d input and int64 indices of its shape, got {input.shape} and "
            f"{getattr(indices, 'shape', type(indices).__name__)}"
        )
    k = _pair(kernel_size, "kernel_size", "max_unpool2d")
    s = _pair(stride if stride not in (None, ()) else kernel_size, "stride", "max_unpool2d")
    p = _pair(padding, "padding", "max_unpool2d")
    if output_size is None:
        out_hw = tuple((input.shape[2 + i] - 1) * s[i] - 2 * p[i] + k[i] for i in (0, 1))
    else:
        out_hw = tuple(int(v) for v in tuple(output_size)[-2:])
    plane = out_hw[0] * out_hw[1]
    if indices.numel() and bool(((indices < 0) | (indices >= plane)).any()):
        raise IndexError(f"max_unpool2d(): an index is out of range for an output of {out_hw[0]}x{out_hw[1]}")
    return MaxUnpool.apply(input, indices.array, out_hw)
