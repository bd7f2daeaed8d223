"""``mg.set_num_threads`` and ``mg.threading_layer``: the threads minigrad computes with.

Two thread pools do the work on the CPU: Numba's, for minigrad's kernels, and the BLAS library's
(OpenBLAS or MKL), for NumPy's matmul. ``set_num_threads(n)`` limits both, as ``torch.set_num_threads``
does; a count given before numba is loaded is remembered and applied when it loads.
"""

import os
import sys

_pending = None


def set_num_threads(n):
    """Use ``n`` threads in minigrad's parallel kernels (Numba's pool) and in matrix products (BLAS)."""
    global _pending
    n = int(n)
    if n < 1:
        raise ValueError(f"set_num_threads: expected a positive thread count, got {n}")
    _pending = n
    _limit_blas(n)
    if "minigrad.backends.cpu.jit" in sys.modules:
        apply_pending()


def get_num_threads():
    """The number of threads minigrad's parallel kernels use."""
    if "minigrad.backends.cpu.jit" in sys.modules:
        import numba

        return numba.get_num_threads()
    return _pending or int(
        os.environ.get("MINIGRAD_NUM_THREADS") or os.environ.get("NUMBA_NUM_THREADS") or os.cpu_count()
    )


def threading_layer():
    """The layer Numba runs minigrad's parallel kernels on: "tbb" where the ``tbb`` package is
    installed (the default on x86-64), else "workqueue" (minigrad then lets one Python thread at a
    time into a parallel kernel: workqueue aborts on concurrent use); "omp" only when asked for with
    ``MINIGRAD_THREADING_LAYER=omp``. Imports numba and starts its thread pool."""
    from minigrad.backends.cpu import jit

    return jit.threading_layer()


def apply_pending():
    import numba

    n = _pending or os.environ.get("MINIGRAD_NUM_THREADS")
    if n:
        numba.set_num_threads(min(int(n), numba.config.NUMBA_NUM_THREADS))
        _limit_blas(int(n))


def _limit_blas(n):
    """Limit the BLAS library's threads (threadpoolctl finds OpenBLAS, MKL or BLIS in this process)."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # an optional nicety: without it only Numba's pool is limited
        return False
    threadpool_limits(limits=n, user_api="blas")
    return True
