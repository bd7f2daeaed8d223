"""Input layouts shared by the backends' kernel wrappers: how PReLU's slopes and Maxout's groups meet the
input's shape (shape arithmetic only: no arrays, no numba; the broadcasting rule is minigrad/shapes.py).

Each wrapper checks its inputs with these before a kernel indexes anything, so that every backend
gives the same error, naming the op, for the same bad input.
"""

import math


def prelu_layout(shape, slopes):
    """How an input of ``shape`` meets ``slopes`` PReLU slopes: (N, C, S) with slope c for channel c.

    One slope: (1, 1, size). Otherwise one slope per channel of dim 1: (N, C, product of the rest).
    """
    size = math.prod(shape)
    if slopes == 1:
        return 1, 1, size
    if len(shape) < 2 or shape[1] != slopes:
        channels = shape[1] if len(shape) >= 2 else 1
        raise ValueError(
            f"prelu(): weight has {slopes} slopes but the input has {channels} channels (dim 1); "
            "use PReLU(num_parameters=1) or one slope per channel"
        )
    return shape[0], shape[1], math.prod(shape[2:])


def maxout_view(shape, pieces, dim):
    """((A, J, pieces, B), output shape): the input as J groups of ``pieces`` along ``dim``."""
    if int(pieces) != pieces:  # a float would reach the kernel's range() as a Numba typing error
        raise ValueError(f"maxout(): pieces must be a positive integer, got {pieces!r}")
    pieces = int(pieces)
    ndim = len(shape)
    if not -ndim <= dim < ndim:
        raise IndexError(f"maxout(): dim {dim} is out of range for an input of {ndim} dimensions")
    dim %= ndim
    size = shape[dim]
    if pieces < 1 or size % pieces:
        raise ValueError(
            f"maxout(): the size of dim {dim} ({size}) must be a multiple of pieces ({pieces}); "
            f"input shape {tuple(shape)}"
        )
    a = math.prod(shape[:dim])
    b = math.prod(shape[dim + 1 :])
    out_shape = tuple(shape[:dim]) + (size // pieces,) + tuple(shape[dim + 1 :])
    return (a, size // pieces, pieces, b), out_shape
