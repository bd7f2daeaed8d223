"""Random numbers: one global NumPy Generator, reseeded by ``mg.manual_seed``.

Every random function in minigrad (``mg.randn``, dropout, the ``nn.init`` schemes, DataLoader
shuffling) draws from ``rng(generator)``, so one ``mg.manual_seed(0)`` makes a whole script
reproducible.
"""

import numpy as np

_global = np.random.default_rng()


class Generator:
    """A private stream of random numbers, like ``torch.Generator``: ``g = mg.Generator().manual_seed(1)``."""

    def __init__(self, seed=None):
        self._rng = np.random.default_rng(seed)

    def manual_seed(self, seed):
        """Reseed this generator; returns it."""
        self._rng = np.random.default_rng(seed)
        return self


def manual_seed(seed):
    """Reseed minigrad's global generator (PyTorch: ``torch.manual_seed``); returns it, as a Generator."""
    global _global
    _global = np.random.default_rng(int(seed))
    return default_generator


class _DefaultGenerator(Generator):
    """The global stream as a ``Generator`` object (PyTorch's ``torch.default_generator``)."""

    def __init__(self):
        pass

    @property
    def _rng(self):
        return _global

    def manual_seed(self, seed):
        return manual_seed(seed)


default_generator = _DefaultGenerator()


def rng(generator=None):
    """The ``np.random.Generator`` to draw from: the global one, a ``Generator``'s, or a fresh one for an int seed."""
    if generator is None:
        return _global
    if isinstance(generator, Generator):
        return generator._rng
    if isinstance(generator, np.random.Generator):
        return generator
    if isinstance(generator, (int, np.integer)):
        return np.random.default_rng(int(generator))
    raise TypeError(f"generator must be a minigrad.Generator, an int seed or None, got {type(generator).__name__}")
