"""Utilities that are not part of the tensor maths: ``minigrad.utils.data`` (PyTorch's data loading
API) and the progress bar."""

from minigrad.utils import data  # noqa: F401
from minigrad.utils.progress import Progress, progress

__all__ = ["Progress", "data", "progress"]
