"""minigrad: a small deep-learning framework for learning how neural networks are trained.

    import minigrad as mg
    x = mg.randn(3, requires_grad=True)
    (x * x).sum().backward()
    x.grad  # 2 x

``import minigrad`` is cheap: Numba is imported, and kernels compiled or loaded from the disk cache,
only when the first kernel runs. ``python -m minigrad.precompile`` compiles them all ahead of time.
"""

__version__ = "0.1.0"

import numpy as _np

from minigrad import _docs, accelerator, autograd, cuda, dtypes, optim  # noqa: F401
from minigrad._numpy_names import numpy_names
from minigrad.autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.backends import get_backend, set_backend
from minigrad.backends.cpu.threads import get_num_threads, set_num_threads, threading_layer
from minigrad.device import device
from minigrad.dtypes import bool_, double, float32, float64, int64, long
from minigrad.gradcheck import gradcheck
from minigrad.ops.comparison import allclose, eq, equal, ge, gt, isclose, isfinite, isinf, isnan, le, lt, ne
from minigrad.ops.cumulative import cumsum
from minigrad.ops.einsum import einsum
from minigrad.ops.elementwise import abs, clamp, clip, exp, log, maximum, minimum, pow, sqrt, where
from minigrad.ops.histogram import histc, histogram
from minigrad.ops.indexing import gather, index_select, masked_fill, scatter, scatter_add
from minigrad.ops.linalg import bmm, matmul, mm
from minigrad.ops.loss import log_softmax, softmax
from minigrad.ops.reduce import amax, amin, argmax, argmin, max, mean, min, std, sum, var
from minigrad.ops.sampling import multinomial, normal
from minigrad.ops.shape import cat, concat, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze
from minigrad.ops.sorting import argsort, sort, topk
from minigrad.ops.tiling import chunk, meshgrid, split, tile, unbind
from minigrad.ops.unary import cos, cosh, log2, log10, sin, sinh
from minigrad.random import Generator, default_generator, manual_seed
from minigrad.serialization import load, save
from minigrad.tensor import (
    Tensor,
    arange,
    empty,
    empty_like,
    eye,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    rand,
    rand_like,
    randint,
    randn,
    randn_like,
    randperm,
    tensor,
    zeros,
    zeros_like,
)

float = float32  # noqa: A001 - PyTorch's alias
bool = bool_  # noqa: A001

# PyTorch's other dtype names, so that ported scripts run. minigrad computes in float32, float64, int64
# and bool only: these names convert to the nearest of those (int32 -> int64, float16 -> float32).
int32 = int = _np.dtype("int32")  # noqa: A001
int16, int8, uint8 = (_np.dtype(n) for n in ("int16", "int8", "uint8"))
float16 = half = _np.dtype("float16")


def sigmoid(x):
    """sigmoid(x) = 1 / (1 + exp(-x)) (``x.sigmoid()``)."""
    return x.sigmoid()


def tanh(x):
    """tanh(x) (``x.tanh()``)."""
    return x.tanh()


def relu(x):
    """relu(x) = max(x, 0) (``x.relu()``)."""
    return x.relu()


def is_tensor(obj):
    """True when ``obj`` is a minigrad Tensor."""
    return isinstance(obj, Tensor)


def numel(input):  # noqa: A002
    """The number of elements of ``input``."""
    return input.numel()


# NumPy's keyword names (axis=, keepdims=) for dim= and keepdim=, as PyTorch accepts them.
for _name in ("sum", "mean", "var", "std", "max", "min", "amax", "amin", "argmax", "argmin", "cumsum", "sort",
              "argsort", "topk", "softmax", "log_softmax", "gather", "scatter", "scatter_add", "index_select",
              "split", "chunk", "unbind", "cat", "concat", "stack", "squeeze", "unsqueeze"):  # fmt: skip
    globals()[_name] = numpy_names(globals()[_name])
del _name

_docs.apply()  # help() texts for names defined without a docstring


def __getattr__(name):
    """``minigrad.nn`` and ``minigrad.utils`` are reachable after ``import minigrad``, as torch.nn and
    torch.utils are; they are imported on first use, which keeps ``import minigrad`` fast."""
    if name in ("nn", "utils", "data", "preprocessing", "diagnostics"):
        import importlib

        return importlib.import_module(f"minigrad.{name}")
    raise AttributeError(f"module 'minigrad' has no attribute {name!r}")
