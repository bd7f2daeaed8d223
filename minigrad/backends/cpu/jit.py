"""Numba set-up for minigrad's CPU kernels. Importing this module imports numba.

Three decisions live here, once for every kernel:

- **Cache**: kernels are compiled with ``cache=True``, so the second run of a script loads machine
  code from disk instead of compiling. The cache lives in ``minigrad/.numba_cache/numba-HASH``
  (HASH changes with any kernel or scalar-maths source), or under ``~/.cache/minigrad`` when
  minigrad's directory is not writable.
- **Threads**: ``minigrad.set_num_threads(n)`` (or ``MINIGRAD_NUM_THREADS``) sets Numba's thread
  count (``threads.py``). The threading layer is TBB (the ``tbb`` package, a dependency on x86-64),
  else ``workqueue``; never OpenMP unless ``NUMBA_THREADING_LAYER`` (or
  ``MINIGRAD_THREADING_LAYER``) asks for it: workqueue's sleeping threads are slow to wake for each
  kernel, and OpenMP's spinning threads fight the BLAS threads of NumPy's matmul (docs/kernels.md
  has the measurements). TBB is also fork-safe and may be entered from several Python threads at
  once; workqueue may not.
  In a virtual environment (or a user or conda install) the ``tbb`` wheel's ``libtbb.so.12`` lies in
  ``<prefix>/lib``, which is not on the dynamic loader's path, and Numba would silently fall back to
  workqueue: ``_load_tbb`` finds the library through the wheel's own file list and loads it before
  Numba looks for it. When ``tbb`` is installed but still cannot be used, minigrad warns once.
  Where workqueue is the layer, two Python threads must never be inside its parallel kernels at
  once (it aborts the process): ``pick`` then hands out the parallel kernels behind one lock.
- **Big outputs**: glibc returns every large freed block to the OS, so a fresh 16 MiB output costs
  thousands of page faults on each call. ``_keep_freed_memory`` asks glibc to keep it instead.
"""

import ctypes
import glob
import hashlib
import os
import sys
import threading
import types
import warnings


def _sources_hash():
    """A hash of the kernel sources and the scalar maths they call. Numba's cache notices edits to a
    kernel's own file but not to functions it calls from another file (numba#9483), so the cache
    directory is named after this hash: any edit starts a fresh cache instead of running stale code."""
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    files = sorted(glob.glob(os.path.join(package, "backends", "cpu", "*.py")))
    files += sorted(glob.glob(os.path.join(package, "scalar_math*.py")))
    digest = hashlib.sha1()
    for name in files:
        with open(name, "rb") as f:
            digest.update(f.read())
    return digest.hexdigest()[:12]


def _cache_dir():
    """Where the compiled kernels go: NUMBA_CACHE_DIR if the user set it, else minigrad/.numba_cache
    when the package is writable, else a per-user directory (a read-only, system-wide install)."""
    if os.environ.get("NUMBA_CACHE_DIR"):
        return None
    package = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    name = f"numba-{_sources_hash()}"
    if os.access(package, os.W_OK):
        return os.path.join(package, ".numba_cache", name)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "minigrad", name)


def _tbb_candidates():
    """Where the ``tbb`` wheel may have put libtbb.so.12: beside the files pip recorded for it (any
    prefix: a venv, the user site, conda), then the lib folders of this Python's prefixes."""
    names = {"linux": "libtbb.so.12", "darwin": "libtbb.12.dylib", "win32": "tbb12.dll"}
    name = names.get(sys.platform)
    if name is None:
        return name, []
    found = []
    try:
        from importlib import metadata

        for f in metadata.files("tbb") or ():
            if os.path.basename(str(f)) == name:
                found.append(os.path.realpath(f.locate()))
    except Exception:  # no tbb distribution (or no record of its files)
        pass
    for prefix in (sys.prefix, sys.base_prefix, getattr(sys, "exec_prefix", sys.prefix)):
        found.append(os.path.join(prefix, "Library" if sys.platform == "win32" else "lib", name))
    return name, [f for i, f in enumerate(found) if f not in found[:i]]


def _load_tbb():
    """Load libtbb globally so that Numba's ``CDLL("libtbb.so.12")`` finds it. Returns (installed, loaded)."""
    name, candidates = _tbb_candidates()
    if name is None:
        return False, False
    try:
        ctypes.CDLL(name)  # already on the loader's path (a Python installed in its own prefix)
        return True, True
    except OSError:
        pass
    installed = False
    for path in candidates:
        if os.path.exists(path):
            installed = True
            try:
                ctypes.CDLL(path, mode=ctypes.RTLD_GLOBAL)
                return True, True
            except OSError:
                continue
    return installed, False


_tbb_installed, _tbb_loaded = _load_tbb()

_dir = _cache_dir()
if _dir:
    os.environ["NUMBA_CACHE_DIR"] = _dir
# "default" takes the first layer of the priority list that loads: TBB when installed, else workqueue
os.environ.setdefault("NUMBA_THREADING_LAYER", os.environ.get("MINIGRAD_THREADING_LAYER", "default"))
os.environ.setdefault("NUMBA_THREADING_LAYER_PRIORITY", "tbb workqueue omp")

import numba  # noqa: E402

if _dir:
    numba.config.CACHE_DIR = _dir  # in case numba was imported before minigrad
numba.config.THREADING_LAYER = os.environ["NUMBA_THREADING_LAYER"]
numba.config.THREADING_LAYER_PRIORITY = os.environ["NUMBA_THREADING_LAYER_PRIORITY"].split()

prange = numba.prange

# Below this many elements a kernel runs its serial variant: waking threads costs more than it saves.
PARALLEL_MIN_SIZE = 1 << 16


def cache_dir():
    """Where compiled kernels are stored."""
    return numba.config.CACHE_DIR


def kernel(fn=None, *, parallel=False, fastmath=False):
    """``numba.njit`` with minigrad's settings: cached on disk, NumPy's float error model, no GIL."""

    def decorate(f):
        return numba.njit(cache=True, parallel=parallel, fastmath=fastmath, nogil=True, error_model="numpy")(f)

    return decorate(fn) if fn is not None else decorate


def serial_and_parallel(fn, fastmath=False):
    """Compile one loop nest twice: serially (``prange`` acts as ``range``) and with threads.

    The parallel twin gets its own name so the two never share a cache entry.
    """
    twin = types.FunctionType(fn.__code__, fn.__globals__, fn.__name__ + "_parallel", fn.__defaults__, fn.__closure__)
    twin.__qualname__ = fn.__qualname__ + "_parallel"
    return kernel(fn, fastmath=fastmath), kernel(twin, parallel=True, fastmath=fastmath)


def pick(pair, size):
    """The serial or the parallel variant of ``serial_and_parallel``'s pair, by problem size."""
    if size < PARALLEL_MIN_SIZE or numba.get_num_threads() <= 1:
        return pair[0]
    return parallel_variant(pair)


def parallel_variant(pair):
    """The parallel twin; under workqueue, behind a lock (two threads inside it abort the process)."""
    if _layer is None:
        _start_threads()
    if _layer != "workqueue":
        return pair[1]
    return _guarded.get(pair[1]) or _guard(pair[1])


_layer = None  # the threading layer, once the thread pool has started
_guarded = {}  # workqueue only: parallel kernel -> the same kernel, entered by one thread at a time
_lock = threading.Lock()
os.register_at_fork(after_in_child=lambda: globals().update(_lock=threading.Lock()))


def _guard(fn):
    def one_thread_at_a_time(*args):
        with _lock:
            return fn(*args)

    _guarded[fn] = one_thread_at_a_time
    return one_thread_at_a_time


def set_num_threads(n):
    numba.set_num_threads(int(n))


def get_num_threads():
    return numba.get_num_threads()


def threading_layer():
    """The threading layer Numba loaded ("tbb", "workqueue" or "omp"); starts the thread pool."""
    _start_threads()
    return numba.threading_layer()


def _start_threads():
    """Start Numba's thread pool, note its layer, and warn once if TBB was installed but not used."""
    global _layer
    from numba.np.ufunc.parallel import _launch_threads

    _launch_threads()
    first = _layer is None
    _layer = numba.threading_layer()
    ours = os.environ["NUMBA_THREADING_LAYER"] == "default" and numba.config.THREADING_LAYER_PRIORITY[0] == "tbb"
    if first and _layer != "tbb" and _tbb_installed and ours:
        warnings.warn(
            f"minigrad: the tbb package is installed but Numba cannot use it (libtbb.so.12 loaded: "
            f"{_tbb_loaded}), so parallel kernels run on the {_layer!r} threading layer, whose threads "
            "take ~60x longer to wake. Reinstall a tbb>=2021.6 wheel for this Python "
            "(pip install --force-reinstall tbb).",
            RuntimeWarning,
            stacklevel=3,
        )


def _keep_freed_memory():
    """Ask glibc to recycle freed big blocks instead of unmapping them (PyTorch's caching allocator
    avoids the same page faults). Keeps up to 512 MiB of freed memory for reuse."""
    try:
        libc = ctypes.CDLL("libc.so.6")
    except OSError:
        return False
    m_trim_threshold, m_mmap_threshold = -1, -3
    ok = libc.mallopt(m_mmap_threshold, 32 * 1024 * 1024)  # glibc's maximum on 64-bit
    ok &= libc.mallopt(m_trim_threshold, 512 * 1024 * 1024)
    return bool(ok)


_keep_freed_memory()

from minigrad.backends.cpu import threads  # noqa: E402

threads.apply_pending()
