"""``mg.set_num_threads``: remembered until numba is loaded, then applied to it."""

import os
import sys

_pending = None


def set_num_threads(n):
    """Use ``n`` threads in minigrad's parallel kernels (Numba's thread pool)."""
    global _pending
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive thread count, got {n}")
    _pending = n
    if "minigrad.backends.cpu.jit" in sys.modules:
        apply_pending()


def get_num_threads():
    if "minigrad.backends.cpu.jit" in sys.modules:
        import numba

        return numba.get_num_threads()
    return _pending or int(
        os.environ.get("MINIGRAD_NUM_THREADS") or os.environ.get("NUMBA_NUM_THREADS") or os.cpu_count()
    )


def apply_pending():
    import numba

    n = _pending or os.environ.get("MINIGRAD_NUM_THREADS")
    if n:
        numba.set_num_threads(min(int(n), numba.config.NUMBA_NUM_THREADS))
