"""Cutting a tensor into pieces and building bigger ones: ``split``, ``chunk``, ``unbind``, ``repeat``,
``tile``, ``meshgrid`` and ``pad``.

The pieces of ``split``/``chunk``/``unbind`` are basic slices, i.e. views sharing memory with the
input, and each piece's gradient flows back into its slice. ``repeat`` copies the tensor r_d times
along each dim d, so the gradient of one input element is the sum of the gradients of its copies:

    y = repeat(x, (r0, r1)),  y[a*n0 + i, b*n1 + j] = x[i, j]
    dL/dx[i, j] = sum over a, b of dL/dy[a*n0 + i, b*n1 + j]      (reshape to (r0, n0, r1, n1), sum r0, r1)

``pad`` surrounds the tensor with a constant; its backward cuts the border off the gradient again.
"""

import itertools
import numbers

from minigrad.autograd import Op
from minigrad.ops.reduce import normalize_dims
from minigrad.ops.shape import expand, reshape

__all__ = ["split", "chunk", "unbind", "repeat", "tile", "meshgrid", "pad"]


def _slice_along(x, axis, start, stop):
    return x[(slice(None),) * axis + (slice(start, stop),)]


def split(tensor, split_size_or_sections, dim=0):
    """Views of ``tensor`` along ``dim``: pieces of ``split_size`` elements (the last may be smaller), or of
    the sizes in the list ``sections`` (which must add up to the size of ``dim``)."""
    (axis,) = normalize_dims(dim, tensor.ndim, "split")
    n = tensor.shape[axis]
    if isinstance(split_size_or_sections, numbers.Integral):
        size = int(split_size_or_sections)
        if size <= 0 and not (size == 0 and n == 0):
            raise RuntimeError(f"split(): split_size must be a positive integer, got {size}")
        sizes = [min(size, n - start) for start in range(0, n, size)] if n else [0]
    else:
        sizes = [int(s) for s in split_size_or_sections]
        if any(s < 0 for s in sizes) or sum(sizes) != n:
            raise RuntimeError(
                f"split(): split sizes {sizes} must be non-negative and add up to {n} (the size of dim {axis})"
            )
    bounds = list(itertools.accumulate(sizes, initial=0))
    return tuple(_slice_along(tensor, axis, a, b) for a, b in zip(bounds[:-1], bounds[1:]))


def chunk(input, chunks, dim=0):  # noqa: A002 - PyTorch's argument names
    """``chunks`` views of (nearly) equal size along ``dim``: each has ceil(n / chunks) elements, the last
    fewer, so there may be fewer than ``chunks`` pieces (PyTorch's rule)."""
    if not isinstance(chunks, numbers.Integral) or chunks <= 0:
        raise RuntimeError(f"chunk(): chunks must be a positive integer, got {chunks!r}")
    (axis,) = normalize_dims(dim, input.ndim, "chunk")
    n = input.shape[axis]
    return split(input, max(-(-n // int(chunks)), 1), axis)


def unbind(input, dim=0):  # noqa: A002
    """The slices of ``input`` along ``dim``, with that dim removed: a tuple of ``input.shape[dim]`` views."""
    (axis,) = normalize_dims(dim, input.ndim, "unbind")
    return tuple(input[(slice(None),) * axis + (i,)] for i in range(input.shape[axis]))


class Repeat(Op):
    """y = x tiled r_d times along each dim d;  dL/dx = the sum of dL/dy over the r_d copies."""

    @staticmethod
    def forward(ctx, x, reps):
        ctx.shape, ctx.reps = x.shape, reps
        return ctx.xp.tile(x, reps)

    @staticmethod
    def backward(ctx, grad):
        pairs = []  # (r_d, n_d) for every dim: summing the r_d axes adds up the copies
        for r, n in zip(ctx.reps, ctx.shape):
            pairs += [r, n]
        g = grad.reshape(pairs).sum(axis=tuple(range(0, 2 * len(ctx.reps), 2)))
        return g, None


def repeat(input, *sizes):  # noqa: A002
    """Tile ``input`` ``sizes[d]`` times along each dim (PyTorch's ``Tensor.repeat``, NumPy's ``tile``);
    extra leading sizes add new dims: ``x.repeat(2, 1, 3)`` on a (4, 5) tensor is (2, 4, 15)."""
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = sizes[0]
    sizes = tuple(int(s) for s in sizes)
    if len(sizes) < input.ndim:
        raise RuntimeError(
            f"repeat(): got {len(sizes)} sizes {sizes} for a tensor of {input.ndim} dims (shape {input.shape}); "
            "give one size per dim (more add leading dims)"
        )
    if any(s < 0 for s in sizes):
        raise RuntimeError(f"repeat(): sizes must be non-negative, got {sizes}")
    x = reshape(input, (1,) * (len(sizes) - input.ndim) + input.shape)
    return Repeat.apply(x, sizes)


def tile(input, dims):  # noqa: A002
    """Like ``repeat``, but fewer ``dims`` than the tensor has are padded with 1s on the left (``torch.tile``)."""
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    return repeat(input, (1,) * (input.ndim - len(dims)) + dims)


def meshgrid(*tensors, indexing="ij"):
    """Coordinate grids from 1-d tensors: with ``indexing="ij"`` output k has shape (n_0, n_1, ...) and
    varies along dim k; ``"xy"`` swaps the first two dims (Cartesian, NumPy's default). The outputs are
    broadcast views; gradients flow back to the inputs (summed over the grid)."""
    if len(tensors) == 1 and isinstance(tensors[0], (tuple, list)):
        tensors = tuple(tensors[0])
    if indexing not in ("ij", "xy"):
        raise ValueError(f"meshgrid(): indexing must be 'ij' or 'xy', got {indexing!r}")
    for i, t in enumerate(tensors):
        if t.ndim > 1:
            raise RuntimeError(f"meshgrid(): expected 0-d or 1-d tensors, tensor {i} has shape {t.shape}")
    flat = [t.reshape(-1) for t in tensors]
    if indexing == "xy" and len(flat) >= 2:
        flat[0], flat[1] = flat[1], flat[0]
    shape = tuple(t.shape[0] for t in flat)
    grids = [
        expand(reshape(t, tuple(-1 if d == k else 1 for d in range(len(flat)))), shape) for k, t in enumerate(flat)
    ]
    if indexing == "xy" and len(grids) >= 2:  # the grids were built for the swapped inputs: swap them back
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


class Pad(Op):
    """y = x surrounded by ``value`` (``widths[d] = (before, after)`` for each dim);  dL/dx = dL/dy with the
    border cut off."""

    @staticmethod
    def forward(ctx, x, widths, value):
        ctx.inner = tuple(slice(a, a + n) for (a, _), n in zip(widths, x.shape))
        return ctx.xp.pad(x, widths, mode="constant", constant_values=x.dtype.type(value))

    @staticmethod
    def backward(ctx, grad):
        return grad[ctx.inner], None, None


def pad(input, pad, mode="constant", value=None):  # noqa: A002
    """Pad the last dims of ``input`` (PyTorch's ``F.pad``): ``pad = (left, right)`` pads the last dim,
    ``(left, right, top, bottom)`` the last two, and so on, outermost pair last. Negative widths crop.
    Only ``mode="constant"`` (with ``value``, default 0) is implemented."""
    if mode != "constant":
        raise NotImplementedError(f"pad(): mode={mode!r} is not supported by minigrad; only mode='constant'")
    pad = tuple(int(p) for p in pad)
    if len(pad) % 2 or len(pad) // 2 > input.ndim:
        raise RuntimeError(
            f"pad(): pad must have an even length of at most 2 * {input.ndim} (the input's dims), got {pad}"
        )
    widths = [(0, 0)] * input.ndim
    for k in range(len(pad) // 2):  # pair k pads dim -(k + 1)
        widths[input.ndim - 1 - k] = (pad[2 * k], pad[2 * k + 1])
    # negative widths crop first (a slice, a view), the positive rest pads
    crop = tuple(slice(max(-a, 0), n - max(-b, 0)) for (a, b), n in zip(widths, input.shape))
    if any(s.start or s.stop != n for s, n in zip(crop, input.shape)):
        if any(s.stop < s.start for s in crop):
            raise RuntimeError(f"pad(): the negative widths {pad} crop more than the input's shape {input.shape}")
        input = input[crop]
    widths = tuple((max(a, 0), max(b, 0)) for a, b in widths)
    if not any(a or b for a, b in widths):
        return input
    return Pad.apply(input, widths, 0 if value is None else value)
