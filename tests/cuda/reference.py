"""What the CUDA kernel tests compare and call.

``REF``: the oracle, the plain-NumPy reference backend once it defines every kernel of the contract
(until then the CPU backend, whose kernels are themselves held to PyTorch).

``G``: the CUDA backend as the tests call it, NumPy arrays in and NumPy arrays out. Under the
simulator the backend's arrays *are* NumPy arrays, so ``G`` is the backend itself (strided inputs
reach the kernels as they are). On a GPU, ``G`` copies every NumPy argument to the device (strided
where it is), calls the kernel, copies the results back, and copies arguments that a kernel updated
in place (the optimizer steps, ``out=``) back into the caller's arrays, so the same tests run there
unchanged.
"""

import numpy as np

import minigrad.backends.cuda as backend
import minigrad.backends.numpy as numpy_backend
from minigrad.backends import contract
from minigrad.backends.cuda.compiler import SIMULATOR
from tests.helpers import device_copy


def reference_backend():
    if not contract.missing(numpy_backend):
        return numpy_backend
    import minigrad.backends.cpu as cpu_backend

    return cpu_backend


REF = reference_backend()


def host(value):
    """``value`` with every device array copied to a NumPy array (tuples element by element)."""
    if isinstance(value, tuple):
        return tuple(host(v) for v in value)
    if value is None or isinstance(value, (np.ndarray, np.generic, int, float)):
        return value
    return backend.to_numpy(value)


class _OnHost:
    """The CUDA backend's kernels called with NumPy arrays on a GPU (see the module's docstring)."""

    def __getattr__(self, name):
        kernel = getattr(backend, name)
        if not callable(kernel):
            return kernel

        def call(*args, **kwargs):
            pairs = []  # (the caller's NumPy array, its device copy)

            def to_device(a):
                if isinstance(a, np.ndarray):
                    pairs.append((a, device_copy(a, "cuda")))  # strided where a is
                    return pairs[-1][1]
                return a

            result = kernel(*map(to_device, args), **{k: to_device(v) for k, v in kwargs.items()})
            for a, d in pairs:
                if a.flags.writeable:
                    a[...] = backend.to_numpy(d)  # in-place updates reach the caller's array
            by_device = {id(d): a for a, d in pairs}
            if isinstance(result, tuple):
                return tuple(by_device.get(id(r)) if id(r) in by_device else host(r) for r in result)
            return by_device.get(id(result)) if id(result) in by_device else host(result)

        return call


G = backend if SIMULATOR else _OnHost()
