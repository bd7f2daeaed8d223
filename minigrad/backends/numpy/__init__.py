"""The reference backend: every name of the backend contract in plain NumPy.

This is the backend to read first. Each kernel is the textbook formula in a few lines of NumPy,
with no tuning; ``minigrad.backends.cpu`` (Numba) and ``minigrad.backends.cuda`` (Numba CUDA) must
give the same numbers, and the tests hold them to it. ``contract.py`` lists the names.

The generic part below (where arrays live, how they are made and drawn) is shared with the CPU
backend, which imports it: on the CPU a backend array *is* a NumPy array.
"""

import numpy as np
import numpy as xp  # noqa: F401  (the array namespace ops use as ctx.xp)

device = "cpu"


def from_numpy(a):
    return a


def to_numpy(a):
    return a


def asarray(value, dtype=None):
    return np.asarray(value, dtype=dtype)


def empty(shape, dtype):
    return np.empty(shape, dtype)


def zeros(shape, dtype):
    return np.zeros(shape, dtype)


def ones(shape, dtype):
    return np.ones(shape, dtype)


def full(shape, value, dtype):
    return np.full(shape, value, dtype)


def rand(gen, shape, dtype):
    return gen.random(shape, dtype=dtype)


def randn(gen, shape, dtype):
    return gen.standard_normal(shape, dtype=dtype)


def randint(gen, low, high, shape):
    return gen.integers(low, high, size=shape, dtype=np.int64)


def randperm(gen, n):
    return gen.permutation(n).astype(np.int64)


def index_add(out, index, values):
    np.add.at(out, index, values)


def synchronize():
    pass


def quiet():
    return np.errstate(divide="ignore", invalid="ignore", over="ignore")


# The kernels: every kernel name of the contract, one module per family.
from minigrad.backends.numpy.activations import *  # noqa: E402, F403
from minigrad.backends.numpy.normalization import *  # noqa: E402, F403
from minigrad.backends.numpy.optim import *  # noqa: E402, F403
from minigrad.backends.numpy.softmax import *  # noqa: E402, F403
