"""Shape arithmetic, on tuples of ints (never on tensor data): broadcasting and element counts."""

import math


def broadcast_shapes(*shapes, op="broadcast"):
    """The shape that ``shapes`` broadcast to (NumPy's and PyTorch's rule).

    Align the shapes on their last dimension; in each position the sizes must be equal, or one
    of them 1 (that input is copied along it), or missing (a new leading dimension).
    """
    ndim = max((len(s) for s in shapes), default=0)
    out = [1] * ndim
    for shape in shapes:
        for i, n in enumerate(shape, start=ndim - len(shape)):
            if n != out[i] and out[i] != 1 and n != 1:
                raise ValueError(
                    f"{op}: shapes {' and '.join(str(tuple(s)) for s in shapes)} cannot be broadcast together "
                    "(trailing dimensions must be equal or 1)"
                )
            if out[i] == 1:
                out[i] = n
    return tuple(out)


def numel(shape):
    """The number of elements of an array of ``shape``."""
    return math.prod(shape)
