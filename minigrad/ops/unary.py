"""More elementwise functions: logarithms in base 10 and 2, and the trigonometric and hyperbolic ones.

They share one Op: y = f(x) forward, dL/dx = dL/dy * f'(x) backward, with f and f' from the table
below. Integer inputs are converted to the default float dtype first, as in PyTorch.

    f         f'                     f         f'
    sin x     cos x                  sinh x    cosh x
    cos x     -sin x                 cosh x    sinh x
    log10 x   1 / (x ln 10)          log2 x    1 / (x ln 2)
"""

import math

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.ops.elementwise import cast

__all__ = ["log10", "log2", "sin", "cos", "sinh", "cosh"]

_LN10, _LN2 = math.log(10.0), math.log(2.0)

# name -> (f, f'); both take the array namespace xp and the input array x
_TABLE = {
    "sin": (lambda xp, x: xp.sin(x), lambda xp, x: xp.cos(x)),
    "cos": (lambda xp, x: xp.cos(x), lambda xp, x: -xp.sin(x)),
    "sinh": (lambda xp, x: xp.sinh(x), lambda xp, x: xp.cosh(x)),
    "cosh": (lambda xp, x: xp.cosh(x), lambda xp, x: xp.sinh(x)),
    "log10": (lambda xp, x: xp.log10(x), lambda xp, x: 1 / (x * x.dtype.type(_LN10))),
    "log2": (lambda xp, x: xp.log2(x), lambda xp, x: 1 / (x * x.dtype.type(_LN2))),
}


class Elementary(Op):
    """y = f(x);  dy/dx = f'(x), for f in the module's table (sin, cos, sinh, cosh, log10, log2)."""

    @staticmethod
    def forward(ctx, x, name):
        ctx.save_for_backward(x)
        ctx.name = name
        with ctx.backend.quiet():  # log(0) = -inf, sinh(1e4) = inf, as IEEE says
            return _TABLE[name][0](ctx.xp, x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with ctx.backend.quiet():
            return grad * _TABLE[ctx.name][1](ctx.xp, x), None


def _elementary(name, doc):
    def op(input):  # noqa: A002 - PyTorch's argument name
        if input.dtype.kind != "f":
            input = cast(input, dtypes.default_float)
        return Elementary.apply(input, name)

    op.__name__, op.__qualname__, op.__doc__ = name, name, doc
    return op


sin = _elementary("sin", "sin(input): y = sin(x);  dy/dx = cos(x).")
cos = _elementary("cos", "cos(input): y = cos(x);  dy/dx = -sin(x).")
sinh = _elementary("sinh", "sinh(input): y = (e^x - e^-x) / 2;  dy/dx = cosh(x).")
cosh = _elementary("cosh", "cosh(input): y = (e^x + e^-x) / 2;  dy/dx = sinh(x).")
log10 = _elementary("log10", "log10(input): y = ln(x) / ln(10);  dy/dx = 1 / (x ln 10). log10(0) = -inf.")
log2 = _elementary("log2", "log2(input): y = ln(x) / ln(2);  dy/dx = 1 / (x ln 2). log2(0) = -inf.")
