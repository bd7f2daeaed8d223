"""Elementwise arithmetic with NumPy broadcasting: + - * / ** and exp, log, sqrt, abs, clamp, ...

Each backward returns the gradient in the broadcast shape of the output; the autograd engine sums
it back to each input's shape (``autograd.unbroadcast``). Python scalars follow PyTorch's
promotion: ``float32_tensor * 2.0`` stays float32. A complex scalar (``t * 1j``) is a TypeError:
minigrad has no complex dtype (PyTorch would return a complex tensor).
"""

import numbers
import operator

from minigrad import dtypes
from minigrad.autograd import Op
from minigrad.backends import backend_for
from minigrad.shapes import broadcast_shapes
from minigrad.tensor import Tensor

__all__ = [
    "add",
    "sub",
    "mul",
    "div",
    "pow",
    "neg",
    "exp",
    "log",
    "sqrt",
    "abs",
    "clamp",
    "clip",
    "maximum",
    "minimum",
    "where",
    "square",
    "rsqrt",
]


# ---- operands ---------------------------------------------------------------------------------


def _operands(a, b, op):
    """(Tensor | number, Tensor | number) in PyTorch's result dtype: a tensor of another dtype is
    cast; a number becomes a scalar of that dtype (``float32_tensor * 2.0`` stays float32), which
    every backend's arrays combine with directly, on any device."""
    if isinstance(a, Tensor) and isinstance(b, Tensor):
        dtype = dtypes.result_type(a.dtype, b.dtype)
    elif isinstance(a, Tensor):
        dtype = _scalar_dtype(a, b, op)
    elif isinstance(b, Tensor):
        dtype = _scalar_dtype(b, a, op)
    else:
        raise TypeError(f"{op}: expected at least one Tensor, got {type(a).__name__} and {type(b).__name__}")
    if op == "div" and dtype.kind != "f":
        dtype = dtypes.default_float  # true division, like PyTorch
    return _as_tensor(a, dtype), _as_tensor(b, dtype)


def _scalar_dtype(t, value, op):
    if hasattr(value, "shape") and value.shape != ():
        raise TypeError(f"{op}: wrap arrays with mg.tensor(...) before mixing them with Tensors")
    if isinstance(value, numbers.Complex) and not isinstance(value, numbers.Real):
        raise TypeError(
            f"{op}: complex numbers are not supported (got {value!r}); minigrad has float32, float64, int64 and "
            "bool tensors only (PyTorch would return a complex tensor)"
        )
    if not dtypes.is_number(value):
        raise TypeError(f"{op}: unsupported operand type {type(value).__name__} (expected a Tensor or a number)")
    return dtypes.scalar_result_type(t.dtype, value)


def _as_tensor(x, dtype):
    if isinstance(x, Tensor):
        return x if x.dtype == dtype else cast(x, dtype)
    return dtype.type(x)


def _shape(x):
    return x.shape if isinstance(x, Tensor) else ()


def _check_broadcast(op, a, b):
    return broadcast_shapes(_shape(a), _shape(b), op=op)


# ---- + - * / ------------------------------------------------------------------------------------


class Add(Op):
    """z = x + y;  dz/dx = 1, dz/dy = 1."""

    @staticmethod
    def forward(ctx, x, y):
        return x + y

    @staticmethod
    def backward(ctx, grad):
        return grad, grad


class Sub(Op):
    """z = x - y;  dz/dx = 1, dz/dy = -1."""

    @staticmethod
    def forward(ctx, x, y):
        return x - y

    @staticmethod
    def backward(ctx, grad):
        return grad, (-grad if ctx.needs_input_grad[1] else None)


class Mul(Op):
    """z = x * y;  dz/dx = y, dz/dy = x."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x * y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = grad * y if ctx.needs_input_grad[0] else None
        gy = grad * x if ctx.needs_input_grad[1] else None
        return gx, gy


class Div(Op):
    """z = x / y;  dz/dx = 1/y, dz/dy = -x/y^2."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return x / y

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        gx = grad / y if ctx.needs_input_grad[0] else None
        gy = -grad * x / (y * y) if ctx.needs_input_grad[1] else None
        return gx, gy


def _binary(fn, name):
    def op(a, b):
        a, b = _operands(a, b, name)
        _check_broadcast(name, a, b)
        return fn.apply(a, b)

    op.__name__ = name
    op.__doc__ = fn.__doc__
    return op


add = _binary(Add, "add")
sub = _binary(Sub, "sub")
mul = _binary(Mul, "mul")
div = _binary(Div, "div")


class Neg(Op):
    """y = -x."""

    @staticmethod
    def forward(ctx, x):
        return -x

    @staticmethod
    def backward(ctx, grad):
        return -grad


def neg(x):
    return Neg.apply(x)


# ---- powers ----------------------------------------------------------------------------------


class PowScalar(Op):
    """y = x^p for a constant p;  dy/dx = p x^(p-1) (0 where p = 0, as in PyTorch)."""

    @staticmethod
    def forward(ctx, x, p):
        ctx.save_for_backward(x)
        ctx.p = p
        return x**p

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        p = ctx.p
        if p == 0:
            return ctx.xp.zeros_like(grad), None
        return grad * (p * x ** (p - 1)), None


class Pow(Op):
    """z = x^y;  dz/dx = y x^(y-1), dz/dy = x^y log(x) (taken as 0 where x = 0 and y >= 0)."""

    @staticmethod
    def forward(ctx, x, y):
        with ctx.backend.quiet():
            z = x**y
        ctx.save_for_backward(x, y, z)
        return z

    @staticmethod
    def backward(ctx, grad):
        x, y, z = ctx.saved_tensors
        xp = ctx.xp
        gx = gy = None
        with ctx.backend.quiet():
            if ctx.needs_input_grad[0]:
                gx = xp.where(y == 0, 0.0, grad * y * x ** (y - 1)).astype(x.dtype)
            if ctx.needs_input_grad[1]:
                gy = xp.where((x == 0) & (y >= 0), 0.0, grad * z * xp.log(x)).astype(y.dtype)
        return gx, gy


def pow(x, exponent):
    """x ** exponent, for a tensor or a number on either side."""
    if isinstance(x, Tensor) and isinstance(exponent, numbers.Real) and not isinstance(exponent, bool):
        if x.dtype.kind != "f" and (isinstance(exponent, float) or exponent < 0):
            x = cast(x, dtypes.default_float)
        return PowScalar.apply(x, exponent)
    a, b = _operands(x, exponent, "pow")
    _check_broadcast("pow", a, b)
    return Pow.apply(a, b)


def square(x):
    return pow(x, 2)


def rsqrt(x):
    return pow(x, -0.5)


# ---- unary functions ----------------------------------------------------------------------------


class Exp(Op):
    """y = e^x;  dy/dx = y."""

    @staticmethod
    def forward(ctx, x):
        y = ctx.xp.exp(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        return grad * y


class Log(Op):
    """y = ln x;  dy/dx = 1/x."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        with ctx.backend.quiet():
            return ctx.xp.log(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        with ctx.backend.quiet():
            return grad / x


class Sqrt(Op):
    """y = sqrt(x);  dy/dx = 1 / (2 y)."""

    @staticmethod
    def forward(ctx, x):
        with ctx.backend.quiet():
            y = ctx.xp.sqrt(x)
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, grad):
        (y,) = ctx.saved_tensors
        with ctx.backend.quiet():
            return grad / (2 * y)


class Abs(Op):
    """y = |x|;  dy/dx = sign(x) (0 at x = 0)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return ctx.xp.abs(x)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        return grad * ctx.xp.sign(x)


def _float_unary(fn):
    def op(x):
        if x.dtype.kind != "f":
            x = cast(x, dtypes.default_float)
        return fn.apply(x)

    op.__name__ = fn.__name__.lower()
    op.__doc__ = fn.__doc__
    return op


exp = _float_unary(Exp)
log = _float_unary(Log)
sqrt = _float_unary(Sqrt)


def abs(x):  # noqa: A001 - PyTorch's name
    """|x| elementwise; d/dx = sign(x) (0 at x = 0, as in PyTorch)."""
    return Abs.apply(x)


class Clamp(Op):
    """y = min(max(x, lo), hi);  dy/dx = 1 where lo <= x <= hi, else 0 (PyTorch's convention)."""

    @staticmethod
    def forward(ctx, x, lo, hi):
        ctx.save_for_backward(x)
        ctx.lo, ctx.hi = lo, hi
        return ctx.xp.clip(x, lo, hi).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        keep = ctx.xp.ones(x.shape, dtype=bool)
        if ctx.lo is not None:
            keep &= x >= ctx.lo
        if ctx.hi is not None:
            keep &= x <= ctx.hi
        return grad * keep, None, None


def clamp(x, min=None, max=None):  # noqa: A002 - PyTorch's argument names
    """min(max(x, min), max) elementwise (either bound may be None, or a tensor); the gradient is 1 where
    min <= x <= max and 0 outside. PyTorch's promotion: an int tensor clamped to a float bound becomes
    float32 (``arange(5).clamp(min=0.5)`` is [0.5, 1, 2, 3, 4]); an int bound keeps the dtype."""
    if min is None and max is None:
        raise ValueError("clamp: at least one of min and max must be given")
    for bound in (min, max):
        if bound is not None and not isinstance(bound, Tensor):
            dtype = _scalar_dtype(x, bound, "clamp")
            if dtype != x.dtype:
                x = cast(x, dtype)
    if isinstance(min, Tensor) or isinstance(max, Tensor):
        out = x
        if min is not None:
            out = maximum(out, min)
        if max is not None:
            out = minimum(out, max)
        return out
    return Clamp.apply(x, min, max)


clip = clamp


def _extreme_grads(xp, grad, x, y, x_loses, y_loses):
    """PyTorch's rule for maximum/minimum: each input gets the gradient unless it lost, halved on a
    tie. A NaN on either side makes the result NaN and loses no comparison, so both inputs get the
    whole gradient there."""
    share = xp.where(x == y, 0.5, 1.0).astype(grad.dtype)
    return grad * share * ~x_loses, grad * share * ~y_loses


class Maximum(Op):
    """z = max(x, y) (NaN if either is);  the gradient goes to the larger input, split in half on
    ties, and to both where a NaN is involved (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.maximum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _extreme_grads(ctx.xp, grad, x, y, x < y, y < x)


class Minimum(Op):
    """z = min(x, y) (NaN if either is);  the gradient goes to the smaller input, split in half on
    ties, and to both where a NaN is involved (as PyTorch)."""

    @staticmethod
    def forward(ctx, x, y):
        ctx.save_for_backward(x, y)
        return ctx.xp.minimum(x, y)

    @staticmethod
    def backward(ctx, grad):
        x, y = ctx.saved_tensors
        return _extreme_grads(ctx.xp, grad, x, y, x > y, y > x)


maximum = _binary(Maximum, "maximum")
minimum = _binary(Minimum, "minimum")


class Where(Op):
    """z = x where cond else y;  each input gets the gradient where it was chosen, 0 elsewhere."""

    @staticmethod
    def forward(ctx, cond, x, y):
        ctx.save_for_backward(cond)
        return ctx.xp.where(cond, x, y)

    @staticmethod
    def backward(ctx, grad):
        (cond,) = ctx.saved_tensors
        zero = grad.dtype.type(0)
        gx = ctx.xp.where(cond, grad, zero) if ctx.needs_input_grad[1] else None
        gy = ctx.xp.where(cond, zero, grad) if ctx.needs_input_grad[2] else None
        return None, gx, gy


def where(condition, input, other):  # noqa: A002
    """Elementwise choice: ``input`` where ``condition`` is True, else ``other``."""
    if not isinstance(condition, Tensor) or condition.dtype != dtypes.bool_:
        raise TypeError("where: condition must be a bool tensor (e.g. x > 0)")
    a, b = _operands(input, other, "where")
    broadcast_shapes(condition.shape, _shape(a), _shape(b), op="where")
    return Where.apply(condition, a, b)


# ---- dtype, device, copies ------------------------------------------------------------------------


class Cast(Op):
    """Change the dtype; the gradient is cast back."""

    @staticmethod
    def forward(ctx, x, dtype):
        ctx.dtype = x.dtype
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, grad):
        return grad.astype(ctx.dtype), None


def cast(x, dtype):
    return Cast.apply(x, dtypes.as_dtype(dtype))


class Clone(Op):
    """A copy with its own memory; the gradient passes through."""

    @staticmethod
    def forward(ctx, x):
        return x.copy()

    @staticmethod
    def backward(ctx, grad):
        return grad


def clone(x):
    return Clone.apply(x)


class ToDevice(Op):
    """Copy to another device (``t.to("cuda")``); the gradient is copied back to the source device."""

    @staticmethod
    def forward(ctx, x, device):
        ctx.device = device  # where the output lives (ctx.backend stays the source's)
        return backend_for(device).from_numpy(ctx.backend.to_numpy(x))

    @staticmethod
    def backward(ctx, grad):
        return ctx.backend.from_numpy(backend_for(ctx.device).to_numpy(grad)), None


def to_device(x, device):
    return ToDevice.apply(x, device)


_COMPARE = {"lt": operator.lt, "le": operator.le, "gt": operator.gt, "ge": operator.ge, "eq": operator.eq,
            "ne": operator.ne}  # fmt: skip


def compare(a, b, how):
    """``a < b`` and friends (and ``&``, ``|`` of bool tensors): a bool tensor, outside the graph."""
    if not (isinstance(b, Tensor) or dtypes.is_number(b)):
        return NotImplemented
    xp = a._backend().xp
    x = a.array
    y = b.array if isinstance(b, Tensor) else b
    if how == "and":
        out = xp.logical_and(x, y)
    elif how == "or":
        out = xp.logical_or(x, y)
    else:
        out = _COMPARE[how](x, y)
    return Tensor._wrap(xp.asarray(out), a.device)


def logical_not(a):
    return Tensor._wrap(a._backend().xp.logical_not(a.array), a.device)
