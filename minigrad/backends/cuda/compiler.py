"""The seam: the one module of minigrad that imports a CUDA compiler, and CuPy.

Every other CUDA module takes ``cuda`` (the compiler's API: ``cuda.jit``, ``cuda.grid``,
``cuda.shared.array``, ...) and ``xp`` (the array namespace) from here, so switching compilers is a
change to this file alone.

- **Compiler**: ``numba_cuda_mlir.cuda`` when that package is installed *and* compiles minigrad's
  scalar maths (a probe kernel calling ``scalar_math.sigmoid`` is compiled to PTX once); otherwise
  ``numba.cuda`` from the ``numba-cuda`` package. numba-cuda-mlir is numba-cuda's successor, but it
  has no simulator and its own extension registry, which the ``@scalar`` functions are not
  registered with, so today it is the second choice in practice.
- **Arrays**: ``xp`` is CuPy on a GPU: generic array work (broadcasting, reductions, matmul through
  cuBLAS) and every allocation (CuPy's memory pool) are CuPy's; the kernels receive CuPy arrays
  through the CUDA array interface and write into outputs CuPy allocated. Under numba's CUDA
  simulator (``NUMBA_ENABLE_CUDASIM=1``, no GPU) the kernels run in Python on NumPy arrays, so
  ``xp`` is NumPy. Where device "cuda" cannot run (no CuPy, no GPU), ``xp`` is a stand-in whose
  every use raises the error that says why (``mg.cuda.unavailable_reason``); the kernels still
  compile to PTX.
- **Launch sizes**: ``THREADS`` per block and at most ``MAX_BLOCKS`` blocks per grid-stride launch.
  The simulator runs every thread as a Python thread (0.5-3 ms each), so there both are tiny.
- **PTX without a GPU**: ``compile_ptx`` compiles a kernel for a given compute capability with no
  GPU present (the PTX test). numba-cuda asks the current device for its compute capability when
  it compiles a *device* function (every ``@scalar`` function a kernel calls is one); with no
  driver that raises, so ``compile_ptx`` answers that question with the target's capability while
  it compiles. That workaround lives here and nowhere else.
"""

import contextlib
import math
import types

import numpy as np
from numba.core import config

from minigrad import scalar_math as sm

SIMULATOR = bool(config.ENABLE_CUDASIM)


def _probe(api):
    """True when ``api`` compiles a kernel that calls minigrad's scalar maths, for sm_90, to PTX."""

    def probe(x, out):
        i = api.grid(1)
        if i < x.size:
            out[i] = sigmoid(x[i]) + gelu_grad(x[i])  # noqa: F821 (bound below)

    scope = sm.for_gpu(dict(probe.__globals__, sigmoid=sm.sigmoid, gelu_grad=sm.gelu_grad))
    probe = types.FunctionType(probe.__code__, scope, "probe", None, probe.__closure__)
    try:
        from numba import float32

        with _target_cc(api, (9, 0)):
            api.compile_ptx(probe, (float32[::1], float32[::1]), cc=(9, 0))
        return True
    except Exception:
        return False


def _compiler():
    """(name, the compiler's cuda API module)."""
    if not SIMULATOR:
        try:
            from numba_cuda_mlir import cuda as mlir_cuda
        except ImportError:
            mlir_cuda = None
        if mlir_cuda is not None and _probe(mlir_cuda):
            return "numba-cuda-mlir", mlir_cuda
    from numba import cuda

    return "numba-cuda" if getattr(cuda, "implementation", "") == "NVIDIA" else "numba (built-in numba.cuda)", cuda


@contextlib.contextmanager
def _target_cc(api, cc):
    """While compiling for ``cc`` without a GPU: numba-cuda's device-function compiler asks
    ``get_current_device().compute_capability``; answer with ``cc`` instead of opening a driver."""
    import sys

    module = sys.modules.get(api.__name__ + ".dispatcher")
    original = getattr(module, "get_current_device", None)
    if original is None:
        yield
        return

    class _Target:
        compute_capability = cc

    module.get_current_device = lambda: _Target()
    try:
        yield
    finally:
        module.get_current_device = original


COMPILER, cuda = _compiler()


class _Unavailable:
    """Stands in for CuPy where device "cuda" cannot run (no CuPy, no GPU): any use raises the error
    that says why and what to install (``mg.cuda.not_available_error``). The kernels still compile
    to PTX without it (tests/test_cuda_ptx.py)."""

    def __getattr__(self, name):
        from minigrad.cuda import not_available_error

        raise not_available_error()


def _array_namespace():
    """NumPy under the simulator, CuPy where a GPU can run, else the stand-in that explains."""
    if SIMULATOR:
        return np
    from minigrad.cuda import unavailable_reason

    if unavailable_reason() is not None:
        return _Unavailable()
    import cupy

    return cupy


xp = _array_namespace()


def scatter_add(out, index, values):
    """out[index] += values, adding where an index repeats (cupyx.scatter_add; np.add.at simulated)."""
    if SIMULATOR:
        np.add.at(out, index, values)
    else:
        import cupyx

        cupyx.scatter_add(out, index, values)


def quiet():
    """No floating-point warnings for IEEE results: NumPy's errstate under the simulator (CuPy never warns)."""
    return np.errstate(divide="ignore", invalid="ignore", over="ignore") if SIMULATOR else contextlib.nullcontext()


THREADS = 8 if SIMULATOR else 256
MAX_BLOCKS = 4 if SIMULATOR else 4096


def blocks_for(n, threads=THREADS):
    """Blocks of a grid-stride launch over n items: enough to cover them, at most MAX_BLOCKS."""
    return max(1, min(MAX_BLOCKS, math.ceil(n / threads)))


def contiguous(a):
    """``a`` itself when C-contiguous, else a C-contiguous copy (``ascontiguousarray`` would make a 0-d
    array 1-d). The simulator copies every argument back after a launch, so there a read-only view
    (a broadcast) is copied too."""
    if a.flags.c_contiguous and not (SIMULATOR and not a.flags.writeable):
        return a
    return a.copy()


def device(fn):
    """A device function: callable from kernels only (``cuda.jit(device=True)``)."""
    return cuda.jit(device=True)(fn)


class Kernel:
    """A ``cuda.jit`` kernel compiled from one source per precision of the data.

    Inside the source, ``F`` is the float type of the data (as in ``scalar_math``): ``F(0.5)`` is a
    float32 constant in the float32 kernel. ``bound`` names more globals of the source: the
    activation kernels are one grid-stride loop each, with ``f`` bound to a scalar function.
    Launch with the dtype before numba's launch configuration: ``kernel[x.dtype, blocks, threads](x, out)``.
    ``Kernel.launches`` counts the launches of every Kernel (bench/gpu.py counts a training step's).
    """

    launches = 0

    def __init__(self, fn, name=None, **bound):
        self.fn, self.name, self.bound = fn, name or fn.__name__, bound
        self._sources, self._compiled = {}, {}

    def source(self, dtype):
        """The Python function compiled for ``dtype``: ``fn`` with ``F`` and the bound names set."""
        F = np.float32 if np.dtype(dtype) == np.float32 else np.float64
        if F not in self._sources:
            scope = sm.for_gpu(dict(self.fn.__globals__, F=F, **self.bound))  # the GPU's @scalar functions
            f = types.FunctionType(self.fn.__code__, scope, self.name, self.fn.__defaults__, self.fn.__closure__)
            f.__qualname__ = f"{self.name}[{F.__name__}]"
            self._sources[F] = f
        return self._sources[F]

    def __getitem__(self, config):
        dtype, *launch = config
        key = np.dtype(dtype)
        if key not in self._compiled:
            self._compiled[key] = cuda.jit(self.source(key))
        Kernel.launches += 1
        return self._compiled[key][tuple(launch)]


def kernel(fn):
    """Decorator: ``fn`` as a Kernel."""
    return Kernel(fn)


def compile_ptx(k, argtypes, cc=(9, 0), dtype=np.float32):
    """The PTX of kernel ``k`` (a Kernel) for ``dtype`` and compute capability ``cc``; needs no GPU."""
    with _target_cc(cuda, cc):
        ptx, _ = cuda.compile_ptx(k.source(dtype), argtypes, cc=cc)
    return ptx
