"""Matrix products: ``matmul`` (1-D, 2-D, batched, with broadcast batch dims) and ``linear``.

For Z = X W:  dL/dX = dL/dZ W^T  and  dL/dW = X^T dL/dZ. Batched inputs use the last two axes as
matrices and broadcast the rest; the engine sums the gradient of a broadcast batch back.
"""

from minigrad.autograd import Op
from minigrad.ops.elementwise import _operands
from minigrad.shapes import broadcast_shapes

__all__ = ["matmul", "linear", "mm", "bmm"]


class Matmul(Op):
    """Z = A B with NumPy's rules (1-d operands, batches broadcast over the leading dims);
    dL/dA = G B^T and dL/dB = A^T G, with G = dL/dZ (a vector operand is a 1-row or 1-column matrix)."""

    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return ctx.xp.matmul(a, b)

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        xp = ctx.xp
        if a.ndim == 1 and b.ndim == 1:  # a dot product
            return grad * b, grad * a
        # treat vectors as matrices, a (n,) as (1, n) and b (n,) as (n, 1), and drop that axis again;
        # the engine sums gradients of broadcast batch dims back to each input's shape
        a2 = a[None, :] if a.ndim == 1 else a
        b2 = b[:, None] if b.ndim == 1 else b
        g = xp.expand_dims(grad, -2) if a.ndim == 1 else grad
        g = xp.expand_dims(g, -1) if b.ndim == 1 else g
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = xp.matmul(g, xp.swapaxes(b2, -1, -2))
            ga = ga[..., 0, :] if a.ndim == 1 else ga
        if ctx.needs_input_grad[1]:
            gb = xp.matmul(xp.swapaxes(a2, -1, -2), g)
            gb = gb[..., 0] if b.ndim == 1 else gb
        return ga, gb


def matmul(a, b):
    """Matrix product with NumPy's (and PyTorch's) rules for 1-D and batched operands."""
    a, b = _operands(a, b, "matmul")
    if a.ndim == 0 or b.ndim == 0:
        raise RuntimeError(f"matmul: both arguments need at least 1 dimension, got shapes {a.shape} and {b.shape}")
    k_a = a.shape[-1]
    k_b = b.shape[0] if b.ndim == 1 else b.shape[-2]
    if k_a != k_b:
        raise RuntimeError(
            f"matmul: shapes {a.shape} and {b.shape} cannot be multiplied ({k_a} columns on the left, {k_b} rows "
            "on the right)"
        )
    try:
        broadcast_shapes(a.shape[:-2], b.shape[:-2], op="matmul")
    except ValueError:
        raise RuntimeError(f"matmul: batch dims of {a.shape} and {b.shape} cannot be broadcast") from None
    return Matmul.apply(a, b)


def mm(a, b):
    """Matrix product of two 2-d tensors: (n, m) @ (m, p) -> (n, p)."""
    if a.ndim != 2 or b.ndim != 2:
        raise RuntimeError(f"mm: expected 2-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


def bmm(a, b):
    """Batched matrix product of two 3-d tensors: (b, n, m) @ (b, m, p) -> (b, n, p)."""
    if a.ndim != 3 or b.ndim != 3:
        raise RuntimeError(f"bmm: expected 3-D tensors, got shapes {a.shape} and {b.shape}")
    return matmul(a, b)


class Linear(Op):
    """y = x W^T + b, for x (..., in), W (out, in), b (out,).

    dL/dx = g W,  dL/dW = g^T x (summed over every leading axis),  dL/db = sum of g over leading axes.
    """

    @staticmethod
    def forward(ctx, x, weight, bias):
        ctx.save_for_backward(x, weight)
        y = x @ weight.T
        if bias is not None:
            y += bias
        return y

    @staticmethod
    def backward(ctx, grad):
        x, weight = ctx.saved_tensors
        g2 = grad.reshape(-1, grad.shape[-1])
        gx = grad @ weight if ctx.needs_input_grad[0] else None
        gw = g2.T @ x.reshape(-1, x.shape[-1]) if ctx.needs_input_grad[1] else None
        gb = g2.sum(axis=0) if ctx.needs_input_grad[2] else None
        return gx, gw, gb


def linear(input, weight, bias=None):
    """Affine map y = x W^T + b (PyTorch's layout: W is (out_features, in_features))."""
    if weight.ndim != 2:
        raise RuntimeError(f"linear(): weight must be 2-D (out_features, in_features), got shape {weight.shape}")
    if input.ndim == 0 or input.shape[-1] != weight.shape[1]:
        raise RuntimeError(
            f"linear(): input has {input.shape[-1] if input.ndim else 0} features (shape {input.shape}), "
            f"weight expects {weight.shape[1]} (weight shape {weight.shape})"
        )
    if bias is not None and bias.shape != (weight.shape[0],):
        raise RuntimeError(f"linear(): bias must have shape ({weight.shape[0]},), got {bias.shape}")
    if input.dtype != weight.dtype:
        raise TypeError(
            f"linear(): input is {input.dtype} but weight is {weight.dtype}; convert one (e.g. model.double() or "
            "x.float())"
        )
    return Linear.apply(input, weight, bias)
