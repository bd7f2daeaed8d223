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

try:
    from minigrad.backends.cuda.compiler import SIMULATOR, cuda, quiet, xp  # noqa: F401  (quiet: the contract's)
    from minigrad.backends.cuda.compiler import scatter_add as index_add  # noqa: F401
except ImportError as e:  # no numba-cuda: say so, not "No module named ..." from deep inside numba
    from minigrad.cuda import not_available_error, unavailable_reason

    if unavailable_reason() is None:
        raise
    raise not_available_error() from e

device = "cuda"


# Where arrays live and how they are made: CuPy (NumPy under the simulator). Moving between host and
# device copies, under the simulator too (where both are host memory), so that a CPU tensor and its
# .to("cuda") never share memory there either.
from_numpy = (lambda a: np.array(a)) if SIMULATOR else (lambda a: xp.asarray(a))  # host -> device
to_numpy = (lambda a: np.array(a)) if SIMULATOR else (lambda a: xp.asnumpy(a))  # device -> host
asarray = lambda value, dtype=None: xp.asarray(value, dtype=dtype)
empty = lambda shape, dtype: xp.empty(shape, dtype)
zeros = lambda shape, dtype: xp.zeros(shape, dtype)
ones = lambda shape, dtype: xp.ones(shape, dtype)
full = lambda shape, value, dtype: xp.full(shape, value, dtype)

# Random draws: from the contract's NumPy Generator (one stream per seed on every device), copied over.
rand = lambda gen, shape, dtype: xp.asarray(gen.random(shape, dtype=dtype))
randn = lambda gen, shape, dtype: xp.asarray(gen.standard_normal(shape, dtype=dtype))
randint = lambda gen, low, high, shape: xp.asarray(gen.integers(low, high, size=shape, dtype=np.int64))
randperm = lambda gen, n: xp.asarray(gen.permutation(n).astype(np.int64))


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
