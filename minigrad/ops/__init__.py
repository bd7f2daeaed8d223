"""minigrad's differentiable ops, one module per family."""

from minigrad.ops import (  # noqa: F401
    activation,
    conv,
    dropout,
    elementwise,
    linalg,
    loss,
    normalization,
    reduce,
    shape,
)
