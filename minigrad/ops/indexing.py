"""Indexing along a dim with an index tensor: ``gather``, ``scatter``, ``scatter_add``, ``index_select``,
plus ``masked_fill`` and ``one_hot``.

``gather`` reads and ``scatter`` writes through the same addressing (here for dim = 1 of a 3-d tensor):

    gather:      out[i][j][k] = x[i][index[i][j][k]][k]
    scatter:     out = x;  out[i][index[i][j][k]][k] = src[i][j][k]
    scatter_add: out = x;  out[i][index[i][j][k]][k] += src[i][j][k]

so each one's backward is the other: the gradient of gather is a scatter-add of the upstream gradient
(positions read twice collect both gradients), and the gradient of scatter's ``src`` is a gather.
Both are computed with the flat positions of the addressed elements (``_positions``), which every
array library can index and count with (``take``, ``bincount``).
"""

import numpy as np

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.reduce import normalize_dims
from minigrad.shapes import broadcast_shapes, numel
from minigrad.tensor import Tensor, arange

__all__ = ["gather", "scatter", "scatter_add", "index_select", "masked_fill", "one_hot"]


def _positions(xp, shape, index, axis):
    """Flat (C-order) positions in an array of ``shape`` of the elements ``index`` addresses along ``axis``:
    coordinate ``axis`` comes from ``index``, every other coordinate is the element's own."""
    ndim = len(shape)
    strides = [numel(shape[d + 1 :]) for d in range(ndim)]
    flat = index.astype(np.int64) * strides[axis]
    for d in range(ndim):
        if d != axis:
            along = xp.arange(index.shape[d], dtype=np.int64).reshape([-1 if e == d else 1 for e in range(ndim)])
            flat = flat + along * strides[d]
    return flat


def _scatter_add_flat(backend, size, flat, values):
    """An array of ``size`` zeros with ``values`` added at the flat positions (repeats add up)."""
    out = backend.zeros((size,), values.dtype)
    backend.index_add(out, flat.reshape(-1), values.reshape(-1))
    return out


def _leading_block(a, shape):
    """a[:shape[0], :shape[1], ...]: the part of ``a`` that an index of ``shape`` addresses."""
    return a[tuple(slice(0, n) for n in shape)]


class Gather(Op):
    """out = x[..., index, ...] along the axis (``gather``);  dL/dx = scatter-add of dL/dout at the same places."""

    @staticmethod
    def forward(ctx, x, axis, index):
        xp = ctx.xp
        flat = _positions(xp, x.shape, index, axis)
        ctx.save_for_backward(flat)
        ctx.shape = x.shape
        return xp.take(xp.reshape(x, -1), flat)

    @staticmethod
    def backward(ctx, grad):
        (flat,) = ctx.saved_tensors
        return _scatter_add_flat(ctx.backend, numel(ctx.shape), flat, grad).reshape(ctx.shape), None, None


class Scatter(Op):
    """out = x, then out[index] = src (``add=False``) or out[index] += src (``add=True``) along the axis.

    dL/dx = dL/dout, with the overwritten places set to 0 (``add=False``);  dL/dsrc = dL/dout gathered
    at the places each src element went to. ``src`` may be a number (PyTorch's ``value=``).
    """

    @staticmethod
    def forward(ctx, x, axis, index, src, add):
        xp = ctx.xp
        flat = _positions(xp, x.shape, index, axis)
        ctx.save_for_backward(flat)
        ctx.add, ctx.src_shape = add, getattr(src, "shape", None)
        values = _leading_block(src, index.shape) if ctx.src_shape is not None else xp.full(index.shape, src, x.dtype)
        values = values.astype(x.dtype, copy=False)
        if add:
            return x + _scatter_add_flat(ctx.backend, x.size, flat, values).reshape(x.shape)
        out = x.copy()
        xp.reshape(out, -1)[flat] = values  # out is a fresh C-contiguous copy: the reshape is a view
        return out

    @staticmethod
    def backward(ctx, grad):
        (flat,) = ctx.saved_tensors
        xp = ctx.xp
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = grad
            if not ctx.add:
                gx = grad.copy()
                xp.reshape(gx, -1)[flat] = 0
        if ctx.needs_input_grad[3]:
            gsrc = xp.zeros(ctx.src_shape, dtype=grad.dtype)
            _leading_block(gsrc, flat.shape)[...] = xp.take(xp.reshape(grad, -1), flat)
        return gx, None, None, gsrc, None


def _check_index(op, input, dim, index, src=None):
    """PyTorch's rules: an int64 index of input's rank, no bigger than input (and src) off ``dim``,
    with values in [0, size of dim)."""
    if not isinstance(index, Tensor) or index.dtype != dtypes.int64:
        what = dtypes.name(index.dtype) if isinstance(index, Tensor) else type(index).__name__
        raise TypeError(f"{op}(): expected an int64 (long) tensor as index, got {what}")
    (axis,) = normalize_dims(dim, input.ndim, op) if input.ndim else (0,)
    if index.ndim != max(input.ndim, 1) and not (input.ndim == 0 and index.ndim == 0):
        raise RuntimeError(
            f"{op}(): index must have as many dims as input: index has shape {index.shape}, input {input.shape}"
        )
    for d in range(index.ndim):
        if input.ndim and d != axis and index.shape[d] > input.shape[d]:
            raise RuntimeError(
                f"{op}(): index {index.shape} is bigger than input {input.shape} in dim {d} (only dim {axis} may be)"
            )
        if src is not None and src.ndim and index.shape[d] > src.shape[d]:
            raise RuntimeError(f"{op}(): index {index.shape} is bigger than src {src.shape} in dim {d}")
    size = input.shape[axis] if input.ndim else 1
    bad = (index < 0) | (index >= size)
    if bool(bad.any()):
        value = int(index[bad].reshape(-1)[0].item())
        raise IndexError(f"{op}(): index {value} is out of bounds for dim {axis} with size {size}")
    return axis


def gather(input, dim, index):  # noqa: A002 - PyTorch's argument names
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` (for dim = 1); out has index's shape.

    The gradient of ``input`` adds up at places that were read several times.
    """
    axis = _check_index("gather", input, dim, index)
    if input.ndim == 0:
        return Gather.apply(input.reshape(1), 0, index.reshape(1).array).reshape(index.shape)
    return Gather.apply(input, axis, index.array)


def _scatter(op, input, dim, index, src, add):
    src_tensor = src if isinstance(src, Tensor) else None
    axis = _check_index(op, input, dim, index, src_tensor)
    if src_tensor is not None and src_tensor.dtype != input.dtype:
        raise RuntimeError(
            f"{op}(): expected src of input's dtype {dtypes.name(input.dtype)}, got {dtypes.name(src.dtype)}"
        )
    if input.ndim == 0:
        out = Scatter.apply(input.reshape(1), 0, index.reshape(1).array, src, add)
        return out.reshape(())
    return Scatter.apply(input, axis, index.array, src, add)


def scatter(input, dim, index, src=None, value=None, reduce=None):  # noqa: A002
    """A copy of ``input`` with ``out[i][index[i][j][k]][k] = src[i][j][k]`` (for dim = 1); ``src`` may be a
    tensor or a number (or pass ``value=``). Where an index repeats, one of the writes wins (PyTorch
    leaves which one unspecified; here the last). ``reduce="add"`` is ``scatter_add``."""
    if (src is None) == (value is None):
        raise TypeError("scatter(): pass exactly one of src (a tensor or a number) and value (a number)")
    src = value if src is None else src
    if reduce not in (None, "add"):
        raise NotImplementedError(f"scatter(): reduce={reduce!r} is not supported; minigrad has reduce='add'")
    if reduce == "add":
        return scatter_add(input, dim, index, src)
    return _scatter("scatter", input, dim, index, src, False)


def scatter_add(input, dim, index, src):  # noqa: A002
    """A copy of ``input`` with ``out[i][index[i][j][k]][k] += src[i][j][k]`` (for dim = 1); repeats add up."""
    if not isinstance(src, Tensor):
        raise TypeError(f"scatter_add(): src must be a tensor, got {type(src).__name__}")
    return _scatter("scatter_add", input, dim, index, src, True)


def index_select(input, dim, index):  # noqa: A002
    """The slices of ``input`` along ``dim`` at the positions of the 1-d int64 ``index`` (repeats allowed)."""
    if not isinstance(index, Tensor) or index.dtype != dtypes.int64 or index.ndim > 1:
        raise TypeError("index_select(): index must be a 1-d int64 (long) tensor")
    axes = normalize_dims(dim, input.ndim, "index_select")
    if not axes:
        return input.reshape(1)[index.reshape(-1)].reshape(index.shape)
    return input[(slice(None),) * axes[0] + (index.reshape(-1),)]


class MaskedFill(Op):
    """out = value where mask else x;  dL/dx = dL/dout where not mask (0 where filled), and a tensor
    ``value`` gets the sum of dL/dout over the filled places."""

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.save_for_backward(mask)
        ctx.value_shape = getattr(value, "shape", None)
        fill = value.astype(x.dtype) if ctx.value_shape is not None else x.dtype.type(value)
        return ctx.xp.where(mask, fill, x)

    @staticmethod
    def backward(ctx, grad):
        (mask,) = ctx.saved_tensors
        xp = ctx.xp
        zero = grad.dtype.type(0)
        gx = xp.where(mask, zero, grad) if ctx.needs_input_grad[0] else None
        gv = None
        if ctx.needs_input_grad[2]:
            gv = xp.where(mask, grad, zero).sum().reshape(ctx.value_shape)
        return gx, None, gv


def masked_fill(input, mask, value):  # noqa: A002
    """``input`` with ``value`` where the bool ``mask`` is True (mask broadcasts against input);
    e.g. ``scores.masked_fill(~allowed, float("-inf"))``. The value is converted to input's dtype."""
    if not isinstance(mask, Tensor) or mask.dtype != dtypes.bool_:
        what = dtypes.name(mask.dtype) if isinstance(mask, Tensor) else type(mask).__name__
        raise TypeError(f"masked_fill(): mask must be a bool tensor (e.g. x > 0), got {what}")
    try:
        broadcast_shapes(input.shape, mask.shape)
    except ValueError:
        raise RuntimeError(
            f"masked_fill(): mask of shape {mask.shape} does not broadcast with input of shape {input.shape}"
        ) from None
    if isinstance(value, Tensor):
        if value.ndim != 0:
            raise RuntimeError(f"masked_fill(): value must be a number or a 0-d tensor, got shape {value.shape}")
    elif input.dtype.kind in "iub" and value != value:
        raise RuntimeError(f"masked_fill(): cannot fill an integer tensor with {value}")
    return MaskedFill.apply(input, mask, value)


def one_hot(tensor, num_classes=-1):
    """int64 one-hot vectors: out[..., c] = 1 where tensor[...] == c; the last dim has ``num_classes``
    entries (-1: the largest class in ``tensor`` plus one). No gradient (the input is indices)."""
    if not isinstance(tensor, Tensor) or tensor.dtype != dtypes.int64:
        raise TypeError("one_hot(): expected an int64 (long) tensor of class indices, e.g. labels.long()")
    if tensor.numel() and bool((tensor < 0).any()):
        raise RuntimeError("one_hot(): class values must be non-negative")
    if num_classes == -1:
        if tensor.numel() == 0:
            raise RuntimeError("one_hot(): cannot infer num_classes from an empty tensor; pass num_classes=")
        num_classes = int(tensor.max().item()) + 1
    elif tensor.numel() and int(tensor.max().item()) >= num_classes:
        raise RuntimeError(f"one_hot(): class values must be smaller than num_classes={num_classes}")
    classes = arange(int(num_classes), device=tensor.device)
    return (tensor.unsqueeze(-1) == classes).long()
