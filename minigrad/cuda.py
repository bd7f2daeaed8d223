"""``mg.cuda``: the GPU device, with PyTorch's names (``mg.cuda.is_available()``, ``synchronize()``...).

Device "cuda" runs when either

- numba's CUDA **simulator** is on (``NUMBA_ENABLE_CUDASIM=1`` in the environment before numba is
  imported): the CUDA backend's kernels run in Python, one simulated thread at a time, on NumPy
  arrays; one simulated GPU, slow, for tests and for reading a kernel step by step; or
- **numba-cuda, CuPy and an NVIDIA GPU** with its driver are all there (``pip install
  'minigrad[cuda]'``).

Importing minigrad imports none of this: each function below imports numba's CUDA target (and
CuPy) when it is called.
"""

import functools
import importlib

__all__ = ["is_available", "device_count", "synchronize", "memory_allocated", "empty_cache", "get_device_name"]

INSTALL = (
    "minigrad's CUDA backend needs numba-cuda, CuPy and an NVIDIA GPU: pip install 'minigrad[cuda]' "
    "(CUDA 13; on CUDA 12: pip install 'numba-cuda[cu12]' cupy-cuda12x). Without a GPU, set "
    "NUMBA_ENABLE_CUDASIM=1 before starting Python to run device 'cuda' on numba's CUDA simulator."
)


def simulator():
    """True when numba's CUDA simulator stands in for the GPU (``NUMBA_ENABLE_CUDASIM=1``)."""
    from numba.core import config

    return bool(config.ENABLE_CUDASIM)


@functools.cache
def unavailable_reason():
    """None when device "cuda" can be used; otherwise why not, e.g. "CuPy is not installed; no NVIDIA
    GPU with a working driver was found". (The answer does not change while Python runs: cached.)"""
    try:
        if simulator():
            return None
        from numba import cuda
    except ImportError as e:
        return f"numba's CUDA target is not installed ({e})"
    reasons = []
    try:
        if not cuda.is_available():
            reasons.append("no NVIDIA GPU with a working driver was found (numba.cuda.is_available() is False)")
    except Exception as e:  # noqa: BLE001 (a broken driver install: say what it said)
        reasons.append(f"numba's CUDA target cannot start ({type(e).__name__}: {e})")
    try:
        importlib.import_module("cupy")
    except ImportError as e:
        reasons.append("CuPy is not installed" if e.name == "cupy" else f"CuPy does not import ({e})")
    except Exception as e:  # noqa: BLE001 (CuPy built for another CUDA version raises at import)
        reasons.append(f"CuPy does not import ({type(e).__name__}: {e})")
    return "; ".join(reasons) or None


def not_available_error():
    """The RuntimeError that device "cuda" raises where it cannot run, saying why and what to install."""
    return RuntimeError(f"CUDA is not available: {unavailable_reason()}. {INSTALL}")


def _backend():
    """The CUDA backend module; the clear RuntimeError where device "cuda" cannot run."""
    if unavailable_reason() is not None:
        raise not_available_error()
    from minigrad.backends import backend_for

    return backend_for("cuda")


def is_available():
    """True when device "cuda" can be used: a GPU with numba-cuda and CuPy, or numba's CUDA simulator."""
    return unavailable_reason() is None


def device_count():
    """The number of CUDA GPUs minigrad can use: 0 without any, 1 under the simulator."""
    if not is_available():
        return 0
    from numba import cuda

    return len(cuda.gpus)


def synchronize(device=None):
    """Wait until every kernel queued on the GPU has finished (a timer around GPU work needs this:
    kernel launches return before the kernel runs)."""
    _backend().synchronize()


def memory_allocated(device=None):
    """Bytes of GPU memory held by arrays now (CuPy's memory pool in use); 0 under the simulator,
    whose arrays live in host memory."""
    backend = _backend()
    return 0 if simulator() else int(backend.xp.get_default_memory_pool().used_bytes())


def empty_cache():
    """Give the memory that CuPy's pool keeps for reuse (freed arrays' blocks) back to the GPU, so that
    other programs and ``nvidia-smi`` see it free. Nothing to do without a GPU."""
    if is_available() and not simulator():
        _backend().xp.get_default_memory_pool().free_all_blocks()


def get_device_name(device=None):
    """The GPU's name, e.g. "NVIDIA H200" ("numba CUDA simulator" under the simulator)."""
    backend = _backend()
    if simulator():
        return "numba CUDA simulator"
    name = backend.xp.cuda.runtime.getDeviceProperties(0 if device is None else _index(device))["name"]
    return name.decode() if isinstance(name, bytes) else str(name)


def _index(device):
    """The GPU number of 0, "cuda", "cuda:1" or a device object."""
    if isinstance(device, int):
        return device
    index = getattr(device, "index", None)
    if index is None and ":" in str(device):
        index = int(str(device).split(":")[1])
    return index or 0
