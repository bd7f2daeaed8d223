"""minigrad: a small deep-learning framework for learning how neural networks are trained.

    import minigrad as mg
    x = mg.randn(3, requires_grad=True)
    (x * x).sum().backward()
    x.grad  # 2 x

``import minigrad`` is cheap: Numba is imported, and kernels compiled or loaded from the disk cache,
only when the first kernel runs. ``python -m minigrad.precompile`` compiles them all ahead of time.
"""

__version__ = "0.1.0"

from minigrad import autograd, cuda, dtypes, optim  # noqa: F401
from minigrad.autograd import Function, enable_grad, is_grad_enabled, no_grad, set_grad_enabled
from minigrad.backends import get_backend, set_backend
from minigrad.backends.cpu.threads import get_num_threads, set_num_threads, threading_layer
from minigrad.dtypes import bool_, double, float32, float64, int64, long
from minigrad.gradcheck import gradcheck
from minigrad.ops.elementwise import abs, clamp, clip, exp, log, maximum, minimum, pow, sqrt, where
from minigrad.ops.linalg import bmm, matmul, mm
from minigrad.ops.loss import log_softmax, softmax
from minigrad.ops.reduce import amax, amin, argmax, argmin, max, mean, min, std, sum, var
from minigrad.ops.shape import cat, concat, flatten, permute, reshape, squeeze, stack, transpose, unsqueeze
from minigrad.random import Generator, manual_seed
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


def sigmoid(x):
    return x.sigmoid()


def tanh(x):
    return x.tanh()


def relu(x):
    return x.relu()
