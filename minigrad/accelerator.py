"""``mg.accelerator``: PyTorch's device-agnostic way to ask for a GPU.

    device = mg.accelerator.current_accelerator() if mg.accelerator.is_available() else mg.device("cpu")

minigrad's only accelerator is a CUDA GPU (``mg.cuda``); with none, ``current_accelerator()`` is
None, as in PyTorch.
"""

from minigrad import cuda
from minigrad.device import device

__all__ = ["current_accelerator", "device_count", "is_available"]


def is_available():
    """True when a CUDA GPU can be used (``mg.cuda.is_available()``)."""
    return cuda.is_available()


def current_accelerator(check_available=False):
    """``mg.device("cuda")`` when minigrad has a CUDA backend and a GPU, else None."""
    return device("cuda") if cuda.is_available() else None


def device_count():
    """The number of accelerators (CUDA GPUs) minigrad can use; 0 without one."""
    return cuda.device_count()
