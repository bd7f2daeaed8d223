"""``mg.cuda``: whether a CUDA GPU can be used. Importing minigrad never imports numba.cuda."""

import importlib.util


def is_available():
    """True when numba's CUDA target finds a GPU and minigrad's CUDA backend is installed."""
    if importlib.util.find_spec("minigrad.backends.cuda") is None:
        return False
    try:
        from numba import cuda
    except Exception:
        return False
    try:
        return bool(cuda.is_available())
    except Exception:
        return False


def device_count():
    """The number of CUDA GPUs minigrad can use: 0 when there is none or minigrad's CUDA backend is absent."""
    if not is_available():
        return 0
    from numba import cuda

    return len(cuda.gpus)
