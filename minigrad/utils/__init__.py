"""Small helpers that are not part of the tensor maths: the progress bar."""

from minigrad.utils.progress import Progress, progress

__all__ = ["Progress", "progress"]
