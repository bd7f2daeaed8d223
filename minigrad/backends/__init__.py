"""Devices. A backend is a module of flat functions with the same names on every device.

``backend_for("cpu")`` is ``minigrad.backends.cpu``; a CUDA backend provides the same names for
device arrays. Ops call ``ctx.backend.NAME(...)`` for fused kernels and ``ctx.xp`` (NumPy on the
CPU) for generic array work, so adding a device never touches the ops.

Device "cpu" runs the Numba kernels by default; ``mg.set_backend("numpy")`` (or the environment
variable ``MINIGRAD_BACKEND=numpy``) runs every op on the plain-NumPy reference backend instead
(``minigrad.backends.numpy``: slower, never imports numba), for reading, debugging and comparing.
"""

import importlib
import os

_MODULES = {"cpu": "minigrad.backends.cpu", "cuda": "minigrad.backends.cuda"}
_loaded = {}
CPU_BACKENDS = {"numba": "minigrad.backends.cpu", "numpy": "minigrad.backends.numpy"}


def set_backend(name):
    """Run device "cpu" on the Numba kernels ("numba", the default) or the NumPy reference ("numpy")."""
    if name not in CPU_BACKENDS:
        raise ValueError(f"set_backend(): expected 'numba' or 'numpy', got {name!r}")
    _MODULES["cpu"] = CPU_BACKENDS[name]
    _loaded.pop("cpu", None)


def get_backend():
    """The name of the backend that runs device "cpu": "numba" or "numpy"."""
    return next(name for name, module in CPU_BACKENDS.items() if module == _MODULES["cpu"])


def backend_for(device):
    b = _loaded.get(device)
    if b is None:
        if device not in _MODULES:
            raise ValueError(f"unknown device {device!r}")
        try:
            b = importlib.import_module(_MODULES[device])
        except ModuleNotFoundError as e:
            if device == "cuda":
                raise RuntimeError("minigrad's CUDA backend is not available in this version") from e
            raise
        _loaded[device] = b
    return b


try:
    set_backend(os.environ.get("MINIGRAD_BACKEND", "numba"))
except ValueError:
    raise ValueError(f"MINIGRAD_BACKEND must be 'numba' or 'numpy', got {os.environ['MINIGRAD_BACKEND']!r}") from None
