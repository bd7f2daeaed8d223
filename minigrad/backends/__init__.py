"""Devices. A backend is a module of flat functions with the same names on every device.

``backend_for("cpu")`` is ``minigrad.backends.cpu``; a CUDA backend provides the same names for
device arrays. Ops call ``ctx.backend.NAME(...)`` for fused kernels and ``ctx.xp`` (NumPy on the
CPU) for generic array work, so adding a device never touches the ops.
"""

import importlib

_MODULES = {"cpu": "minigrad.backends.cpu", "cuda": "minigrad.backends.cuda"}
_loaded = {}


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
