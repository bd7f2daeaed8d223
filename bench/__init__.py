"""minigrad's benchmark harness: ``python -m bench`` (or ``python bench/run.py``).

A case module ``bench/cases/<name>.py`` defines ``cases()``, yielding :class:`Case` objects::

    from bench import Case

    def cases():
        def minigrad():
            import minigrad as mg          # import frameworks inside the factories: the harness
            x = mg.randn(512, 512)          # imports every case module in each framework's process
            return lambda: x.relu()
        def torch():
            import torch
            x = torch.randn(512, 512)
            return lambda: x.relu()
        yield Case("relu 512x512 f32", minigrad=minigrad, torch=torch, numpy=None)

Each framework value is a zero-argument factory that builds the data (not timed) and returns the
zero-argument callable that is timed, or None when that framework has no version of the case.
Each framework runs in its own subprocess with the same thread count (see ``bench/run.py``).
"""

from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["FRAMEWORKS", "Case"]

FRAMEWORKS = ("minigrad", "torch", "numpy")

Factory = Callable[[], Callable[[], object]] | None


@dataclass
class Case:
    """One benchmark row: a name and, per framework, a factory of the callable to time (or None)."""

    name: str
    minigrad: Factory = None
    torch: Factory = None
    numpy: Factory = None

    def factory(self, framework):
        if framework not in FRAMEWORKS:
            raise ValueError(f"unknown framework {framework!r}; expected one of {FRAMEWORKS}")
        return getattr(self, framework)
