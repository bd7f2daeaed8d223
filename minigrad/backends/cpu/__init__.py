"""The CPU backend: NumPy for generic array work, Numba kernels where fusing pays.

Kernel functions are looked up by name on first use (``backend.log_softmax_forward``): the module
that defines it is imported then, and only then is numba imported and the kernel compiled (or
loaded from the on-disk cache). ``import minigrad`` therefore compiles nothing.
"""

import importlib

# Where arrays live and how they are made: NumPy, exactly as in the reference backend.
from minigrad.backends.numpy import (  # noqa: F401
    asarray,
    device,
    empty,
    from_numpy,
    full,
    index_add,
    ones,
    quiet,
    rand,
    randint,
    randn,
    randperm,
    synchronize,
    to_numpy,
    xp,
    zeros,
)

# Every module of kernels. Each defines KERNELS (its public names) and warmup().
KERNEL_MODULES = (
    "minigrad.backends.cpu.softmax_kernels",
    "minigrad.backends.cpu.optim_kernels",
    "minigrad.backends.cpu.activation_kernels",
    "minigrad.backends.cpu.norm_kernels",
)


def kernel_modules():
    """Import and return every kernel module (this compiles nothing yet: Numba compiles on first call)."""
    mods = []
    for name in KERNEL_MODULES:
        try:
            mods.append(importlib.import_module(name))
        except ModuleNotFoundError as e:
            if e.name != name:
                raise
    return mods


def __getattr__(name):
    # PEP 562: called only for names not defined above, i.e. kernels not looked up yet
    if name.startswith("__"):
        raise AttributeError(name)
    for mod in kernel_modules():
        if name in getattr(mod, "KERNELS", ()):
            fn = getattr(mod, name)
            globals()[name] = fn  # next lookups are plain attribute reads
            return fn
    raise AttributeError(f"the CPU backend has no kernel named {name!r}")
