"""The CUDA backend: CuPy for generic array work, Numba CUDA kernels where fusing pays.

The same contract as the CPU backend (``minigrad/backends/contract.py``), for arrays on an NVIDIA
GPU: ``xp`` is CuPy (NumPy under numba's CUDA simulator, ``NUMBA_ENABLE_CUDASIM=1``), and every
fused kernel is a ``cuda.jit`` kernel compiling the CPU kernels' scalar maths. ``compiler.py`` is
the only module that imports the CUDA compiler or CuPy. Kernel functions are looked up by name on
first use, as on the CPU: ``import minigrad`` imports none of this.

Random draws come from the NumPy Generator the contract passes (the one stream a seed controls on
every device) and are copied to the device.
"""

import importlib

import numpy as np

from minigrad.backends.cuda.compiler import SIMULATOR, cuda, xp

device = "cuda"


def from_numpy(a):
    return xp.asarray(a)


def to_numpy(a):
    return a if SIMULATOR else xp.asnumpy(a)


def asarray(value, dtype=None):
    return xp.asarray(value, dtype=dtype)


def empty(shape, dtype):
    return xp.empty(shape, dtype)


def zeros(shape, dtype):
    return xp.zeros(shape, dtype)


def ones(shape, dtype):
    return xp.ones(shape, dtype)


def full(shape, value, dtype):
    return xp.full(shape, value, dtype)


def rand(gen, shape, dtype):
    return xp.asarray(gen.random(shape, dtype=dtype))


def randn(gen, shape, dtype):
    return xp.asarray(gen.standard_normal(shape, dtype=dtype))


def randint(gen, low, high, shape):
    return xp.asarray(gen.integers(low, high, size=shape, dtype=np.int64))


def randperm(gen, n):
    return xp.asarray(gen.permutation(n).astype(np.int64))


def synchronize():
    cuda.synchronize()


# Every module of kernels. Each defines KERNELS (its public names) and ptx_signatures(dtype).
KERNEL_MODULES = (
    "minigrad.backends.cuda.activation_kernels",
    "minigrad.backends.cuda.norm_kernels",
    "minigrad.backends.cuda.softmax_kernels",
    "minigrad.backends.cuda.optim_kernels",
)


def kernel_modules():
    return [importlib.import_module(name) for name in KERNEL_MODULES]


def __getattr__(name):
    # PEP 562: called only for names not defined above, i.e. kernels not looked up yet
    if name.startswith("__"):
        raise AttributeError(name)
    for mod in kernel_modules():
        if name in mod.KERNELS:
            fn = getattr(mod, name)
            globals()[name] = fn  # next lookups are plain attribute reads
            return fn
    raise AttributeError(f"the CUDA backend has no kernel named {name!r}")
