"""Embedding lookup: row ``indices[...]`` of a weight table, for word vectors, character models (makemore)
and class embeddings.

    out[..., :] = weight[indices[...], :]
    dL/dweight[r, :] = sum of dL/dout[..., :] over the positions whose index is r   (0 for padding_idx)

A one-hot vector times the weight matrix gives the same numbers; the lookup skips the multiplication.
"""

import numpy as np

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.indexing import _scatter_add_flat
from minigrad.tensor import Tensor

__all__ = ["embedding"]


class Embedding(Op):
    """out = weight[indices];  dL/dweight[r] = the sum of dL/dout over positions with index r (rows that
    repeat collect every gradient), 0 for ``padding_idx``."""

    @staticmethod
    def forward(ctx, weight, indices, padding_idx):
        ctx.save_for_backward(indices)
        ctx.shape, ctx.padding_idx = weight.shape, padding_idx
        return ctx.xp.take(weight, indices, axis=0)

    @staticmethod
    def backward(ctx, grad):
        (indices,) = ctx.saved_tensors
        xp = ctx.xp
        n, d = ctx.shape
        flat = (indices.reshape(-1, 1).astype(np.int64) * d + xp.arange(d, dtype=np.int64)).reshape(-1)
        g = _scatter_add_flat(ctx.backend, n * d, flat, grad.reshape(-1, d)).reshape(n, d)
        if ctx.padding_idx is not None:
            g[ctx.padding_idx] = 0
        return g, None, None


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False):  # noqa: A002
    """Rows of ``weight`` (num_embeddings, embedding_dim) at the int64 ``input`` indices: the output has shape
    input.shape + (embedding_dim,). ``padding_idx`` gets no gradient. ``sparse=True`` is accepted; the
    gradient is dense (the update is the same). ``max_norm`` and ``scale_grad_by_freq`` are not supported."""
    if max_norm is not None or scale_grad_by_freq:
        raise NotImplementedError("embedding(): max_norm and scale_grad_by_freq are not supported by minigrad")
    if not isinstance(input, Tensor) or input.dtype != dtypes.int64:
        what = dtypes.name(input.dtype) if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"embedding(): expected int64 (long) indices, got {what}; use .long()")
    if weight.ndim != 2:
        raise RuntimeError(f"embedding(): weight must be 2-d (num_embeddings, embedding_dim), got {weight.shape}")
    n = weight.shape[0]
    if input.numel() and bool(((input < 0) | (input >= n)).any()):
        bad = input[(input < 0) | (input >= n)].reshape(-1)[0].item()
        raise IndexError(f"embedding(): index {bad} is out of range for an embedding table of {n} rows")
    if padding_idx is not None:
        if not -n <= padding_idx < n:
            raise ValueError(f"embedding(): padding_idx {padding_idx} must be within [-{n}, {n})")
        padding_idx %= n
    return Embedding.apply(weight, input.array, padding_idx)
