"""minigrad's differentiable ops, one module per family."""

from minigrad.ops import (  # noqa: F401
    activation,
    comparison,
    conv,
    cumulative,
    dropout,
    einsum,
    elementwise,
    histogram,
    indexing,
    linalg,
    loss,
    normalization,
    reduce,
    sampling,
    shape,
    sorting,
    tiling,
    unary,
)
