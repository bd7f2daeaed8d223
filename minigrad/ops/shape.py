"""Ops that move values around without arithmetic: reshape, transpose, indexing, cat, stack.

Their backward passes move the gradient back the same way: reshape it back, transpose it back,
scatter it back into the indexed positions (adding where an index repeats).
Views (reshape, transpose, basic indexing, ...) share memory and the in-place version counter with
the tensor they view, as in PyTorch.
"""

import itertools

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.reduce import normalize_dims
from minigrad.shapes import numel
from minigrad.tensor import Tensor

__all__ = ["reshape", "flatten", "transpose", "permute", "unsqueeze", "squeeze", "cat", "concat", "stack"]


def _as_view_of(out, x):
    if x._backend().xp.may_share_memory(out.array, x.array):
        out._share_version(x)
    return out


def _resolve_shape(shape, count, op, in_shape):
    shape = list(shape)
    if shape.count(-1) > 1:
        raise RuntimeError(f"{op}: only one dimension can be inferred (-1), got {tuple(shape)}")
    known = numel(s for s in shape if s != -1)
    if -1 in shape:
        if known == 0 or count % known:
            raise RuntimeError(
                f"{op}: shape {tuple(shape)} is invalid for input of shape {in_shape} ({count} elements)"
            )
        shape[shape.index(-1)] = count // known
    elif known != count:
        raise RuntimeError(f"{op}: shape {tuple(shape)} is invalid for input of shape {in_shape} ({count} elements)")
    return tuple(shape)


class Reshape(Op):
    """Same values, new shape; the gradient is reshaped back."""

    @staticmethod
    def forward(ctx, x, shape, must_be_view):
        ctx.shape = x.shape
        out = x.reshape(shape)
        if must_be_view and out.size and not ctx.xp.may_share_memory(out, x):
            raise ValueError("not a view")  # view(): the layout needs a copy
        return out

    @staticmethod
    def backward(ctx, grad):
        return grad.reshape(ctx.shape), None, None


def reshape(x, shape):
    """The same values in ``shape`` (one size may be -1); a view when the layout allows, else a copy."""
    shape = _resolve_shape(shape, x.numel(), "reshape", x.shape)
    return _as_view_of(Reshape.apply(x, shape, False), x)


def view(x, shape):
    """Like reshape, but never copies: an error when the memory layout does not allow it."""
    shape = _resolve_shape(shape, x.numel(), "view", x.shape)
    try:
        out = Reshape.apply(x, shape, True)
    except ValueError:
        raise RuntimeError(
            f"view: shape {shape} is not compatible with the strides of the input (shape {x.shape}, "
            "non-contiguous, e.g. transposed); use .reshape(...) instead"
        ) from None
    return _as_view_of(out, x)


def flatten(x, start_dim=0, end_dim=-1):
    """Dims ``start_dim`` .. ``end_dim`` merged into one (all dims by default)."""
    if x.ndim == 0:
        return reshape(x, (1,))
    start, end = (d % x.ndim for d in (start_dim, end_dim))
    if start > end:
        raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
    shape = x.shape[:start] + (-1,) + x.shape[end + 1 :]
    return reshape(x, shape)


class Permute(Op):
    """Reorder the axes; the gradient is permuted back with the inverse order."""

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(sorted(range(len(dims)), key=dims.__getitem__))  # where each axis went
        return x.transpose(dims)

    @staticmethod
    def backward(ctx, grad):
        return grad.transpose(ctx.inverse), None


def permute(x, dims):
    """The dims reordered as ``dims`` (a view); the gradient is permuted back."""
    if len(dims) != x.ndim:
        raise RuntimeError(f"permute: expected {x.ndim} dims for a tensor of shape {x.shape}, got {dims}")
    normalize_dims(dims, x.ndim, "permute")  # checks the range and repeats
    dims = tuple(d % x.ndim for d in dims)
    return _as_view_of(Permute.apply(x, dims), x)


def transpose(x, dim0, dim1):
    """Dims ``dim0`` and ``dim1`` swapped (a view)."""
    if x.ndim == 0:
        return x
    dims = list(range(x.ndim))
    a, b = (normalize_dims(d, x.ndim, "transpose")[0] for d in (dim0, dim1))
    dims[a], dims[b] = dims[b], dims[a]
    return permute(x, tuple(dims))


def unsqueeze(x, dim):
    """A new dim of size 1 inserted at ``dim`` (a view)."""
    if not -x.ndim - 1 <= dim <= x.ndim:
        raise IndexError(f"unsqueeze: dim {dim} out of range for a tensor of {x.ndim} dims")
    dim = dim % (x.ndim + 1)
    return reshape(x, x.shape[:dim] + (1,) + x.shape[dim:])


def squeeze(x, dim=None):
    """Dims of size 1 removed: all of them, or only ``dim`` (an int or a tuple) where its size is 1."""
    if dim is None:
        axes = [i for i, n in enumerate(x.shape) if n == 1]
    else:
        axes = [a for a in normalize_dims(dim, x.ndim, "squeeze") if x.shape[a] == 1]
    return reshape(x, tuple(n for i, n in enumerate(x.shape) if i not in axes))


class Expand(Op):
    """Broadcast to a bigger shape without copying; the engine sums the gradient back."""

    @staticmethod
    def forward(ctx, x, shape):
        return ctx.xp.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, grad):
        return grad, None


def expand(x, shape):
    extra = len(shape) - x.ndim
    if extra < 0:
        raise RuntimeError(f"expand: the target shape {shape} has fewer dims than the tensor's {x.shape}")
    full = tuple(x.shape[i - extra] if (s == -1 and i >= extra) else s for i, s in enumerate(shape))
    for i, n in enumerate(x.shape):
        if n != 1 and n != full[i + extra]:
            raise RuntimeError(
                f"expand: the size of dim {i} ({n}) must match the target size {full[i + extra]} or be 1 "
                f"(tensor shape {x.shape}, target {tuple(shape)})"
            )
    return _as_view_of(Expand.apply(x, full), x)


class Contiguous(Op):
    """y = x with a C-contiguous layout (a copy);  dL/dx = dL/dy (values do not change, so neither do gradients)."""

    @staticmethod
    def forward(ctx, x):
        return ctx.xp.ascontiguousarray(x)

    @staticmethod
    def backward(ctx, grad):
        return grad


def contiguous(x):
    return x if x.array.flags.c_contiguous else Contiguous.apply(x)


# ---- indexing -------------------------------------------------------------------------------------


def _convert_index(index, x):
    """Tensors and lists inside an index become arrays on x's device; returns (index, is_basic)."""
    parts = index if isinstance(index, tuple) else (index,)
    out, basic = [], True
    for p in parts:
        if isinstance(p, Tensor):
            if p.dtype.kind == "f":
                raise IndexError("tensors used as indices must be long (int64) or bool tensors")
            if p.device not in (x.device, "cpu"):
                raise IndexError(
                    f"indices on {p.device} cannot index a tensor on {x.device}: indices must be on the cpu "
                    "or on the indexed tensor's device"
                )
            p = p.array if p.device == x.device else x._backend().from_numpy(p.array)  # CPU indices, as PyTorch
        elif isinstance(p, list):
            p = x._backend().asarray(p)
            if p.dtype.kind == "f":
                raise IndexError("lists used as indices must hold integers or bools")
        if hasattr(p, "shape") and not dtypes.is_integer(p):  # an index array (a 0-d NumPy int is an int)
            p = x._backend().asarray(p)  # a NumPy index array goes to the tensor's device
            basic = False
        elif not (p is None or p is Ellipsis or isinstance(p, slice) or dtypes.is_integer(p)):
            raise IndexError(f"unsupported index element {p!r} (use ints, slices, None, ..., or int/bool tensors)")
        out.append(p)
    return tuple(out), basic


class GetItem(Op):
    """y = x[index];  the gradient is scattered back to the indexed positions (added where repeated)."""

    @staticmethod
    def forward(ctx, x, index, basic):
        ctx.shape, ctx.index, ctx.basic = x.shape, index, basic
        return x[index]

    @staticmethod
    def backward(ctx, grad):
        out = ctx.xp.zeros(ctx.shape, dtype=grad.dtype)
        if ctx.basic:
            out[ctx.index] = grad
        else:
            ctx.backend.index_add(out, ctx.index, grad)
        return out, None, None


def getitem(x, index):
    index, basic = _convert_index(index, x)
    try:
        out = GetItem.apply(x, index, basic)
    except IndexError as e:
        raise IndexError(f"indexing a tensor of shape {x.shape}: {e}") from None
    return _as_view_of(out, x) if basic else out


class Cat(Op):
    """Join along ``dim``; each input's gradient is its slice of the output's gradient."""

    @staticmethod
    def forward(ctx, *arrays, dim):
        ctx.dim = dim
        ctx.bounds = list(itertools.accumulate(a.shape[dim] for a in arrays))[:-1]
        return ctx.xp.concatenate(arrays, axis=dim)

    @staticmethod
    def backward(ctx, grad):
        return tuple(ctx.xp.split(grad, ctx.bounds, axis=ctx.dim))


def _same_dtype(tensors, op):
    if not tensors:
        raise ValueError(f"{op}: expected a non-empty list of tensors")
    dtype = tensors[0].dtype
    for t in tensors[1:]:
        dtype = dtypes.result_type(dtype, t.dtype)
    return [t if t.dtype == dtype else t.to(dtype) for t in tensors]


def cat(tensors, dim=0):
    """Join tensors along an existing ``dim`` (sizes must match elsewhere; dtypes are promoted); each
    input's gradient is its slice of the output's."""
    tensors = _same_dtype(list(tensors), "cat")
    for i, t in enumerate(tensors):
        if t.ndim == 0:
            raise RuntimeError(
                f"cat: zero-dimensional tensor (at position {i}) cannot be concatenated; use stack, or "
                "unsqueeze(0) it first"
            )
    ref = tensors[0]
    (axis,) = normalize_dims(dim, ref.ndim, "cat")
    for i, t in enumerate(tensors):
        if t.ndim != ref.ndim or any(a != b for k, (a, b) in enumerate(zip(t.shape, ref.shape)) if k != axis):
            raise RuntimeError(
                f"cat: sizes of tensors must match except in dimension {axis}; tensor 0 has shape {ref.shape} "
                f"and tensor {i} has shape {t.shape}"
            )
    return Cat.apply(*tensors, dim=axis)


concat = cat


def stack(tensors, dim=0):
    """Join equally shaped tensors along a new ``dim``; ``stack([a, b])`` has shape (2, *a.shape)."""
    tensors = list(tensors)
    if not tensors:
        raise ValueError("stack: expected a non-empty list of tensors")
    for i, t in enumerate(tensors):
        if t.shape != tensors[0].shape:
            raise RuntimeError(
                f"stack expects each tensor to be equal size, but got {tensors[0].shape} at entry 0 and "
                f"{t.shape} at entry {i}"
            )
    ndim = tensors[0].ndim + 1  # the result's
    if not -ndim <= dim < ndim:
        raise IndexError(
            f"stack: dimension out of range (expected to be in range of [{-ndim}, {ndim - 1}], but got {dim})"
        )
    dim = dim % ndim
    return cat([unsqueeze(t, dim) for t in tensors], dim)
