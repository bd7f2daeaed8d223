"""The CPU kernels themselves: serial and parallel twins agree, the cache works read-only,
the precompile command runs."""

import importlib.metadata
import os
import shutil
import subprocess
import sys

import numpy as np
import pytest

import minigrad
from minigrad.backends.cpu import jit
from minigrad.backends.cpu import softmax_kernels as sk

pytestmark = pytest.mark.numba  # the Numba kernels' machinery: skipped under --backend numpy


@pytest.mark.parametrize("rows,cols", [(7, 13), (1001, 97)])
def test_softmax_kernel_twins_agree_with_numpy(rows, cols):
    x = np.random.default_rng(0).standard_normal((rows, cols)).astype(np.float32) * 10
    ref = x - x.max(1, keepdims=True)
    ref = ref - np.log(np.exp(ref).sum(1, keepdims=True))
    for variant in sk._log_softmax:  # serial, then parallel
        out = np.empty_like(x)
        variant(x, out)
        np.testing.assert_allclose(out, ref, rtol=1e-5, atol=1e-5)
    t = np.random.default_rng(1).integers(0, cols, rows)
    results = []
    for variant in sk._ce:
        logp, loss = np.empty_like(x), np.empty(rows, np.float32)
        variant(x, t, -100, 0.1, logp, loss)
        results.append(loss)
    np.testing.assert_array_equal(results[0], results[1])  # row-parallel: same arithmetic, same bits


def test_both_variants_are_picked_by_size():
    small, big = np.zeros(10), np.zeros(jit.PARALLEL_MIN_SIZE)
    assert jit.pick(sk._softmax, small.size) is sk._softmax[0]
    if jit.get_num_threads() > 1:
        assert jit.pick(sk._softmax, big.size) is sk._softmax[1]


def test_precompile_runs_every_kernel_module():
    from minigrad import precompile

    times = precompile.precompile(show_progress=False)
    assert {"softmax_kernels", "optim_kernels"} <= set(times)
    assert precompile.cache_files()


def test_cache_goes_to_a_user_directory_when_the_package_is_read_only(tmp_path):
    """A copy of minigrad whose directory reports as not writable (os.access is patched: the tests run as
    root, who can write anywhere) must cache its kernels under ~/.cache/minigrad and still work."""
    site = tmp_path / "site"
    shutil.copytree(
        os.path.dirname(minigrad.__file__),
        site / "minigrad",
        ignore=shutil.ignore_patterns("__pycache__", ".numba_cache"),
    )
    home = tmp_path / "home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("NUMBA_CACHE") and k != "XDG_CACHE_HOME"}
    env.update(HOME=str(home), PYTHONPATH=str(site), PYTHONDONTWRITEBYTECODE="1")
    code = (
        "import os\n"
        "real = os.access\n"
        f"site = {str(site)!r}\n"
        "os.access = lambda p, m, **k: False if str(p).startswith(site) and m == os.W_OK else real(p, m, **k)\n"
        "import minigrad as mg, minigrad.nn.functional as F\n"
        "assert mg.__file__.startswith(" + repr(str(site)) + ")\n"
        "print(F.log_softmax(mg.randn(3, 4), 1).shape)\n"
        "from minigrad.backends.cpu import jit; print(jit.cache_dir())\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert out.returncode == 0, out.stderr
    assert str(home / ".cache" / "minigrad") in out.stdout
    cached = [f for _, _, fs in os.walk(home / ".cache" / "minigrad") for f in fs]
    assert any(f.endswith(".nbi") for f in cached)
    assert not any(f.endswith(".nbi") for _, _, fs in os.walk(site) for f in fs)


FORK_AND_THREADS = """
import multiprocessing as mp, threading
import numpy as np
import minigrad as mg
import minigrad.nn.functional as F
from minigrad.backends.cpu import jit

x = mg.tensor(np.linspace(-3, 3, 512 * 1024, dtype=np.float32).reshape(512, 1024))  # parallel kernels
expected = np.tanh(x.numpy().astype(np.float64)).sum()
assert abs(F.tanh(x).sum().item() - expected) < 1e-2 * abs(expected) + 1.0

def child(q):
    q.put(F.tanh(x).sum().item())

ctx = mp.get_context("fork")
q = ctx.Queue()
p = ctx.Process(target=child, args=(q,))
p.start()
got = q.get(timeout=120)
p.join(120)
assert p.exitcode == 0 and abs(got - expected) < 1e-2 * abs(expected) + 1.0, (p.exitcode, got)

results = []
threads = [threading.Thread(target=lambda: results.append(F.tanh(x).sum().item())) for _ in range(4)]
for t in threads:
    t.start()
for t in threads:
    t.join(120)
assert len(results) == 4 and max(results) == min(results), results
print("layer", jit.threading_layer())
"""


def _has_tbb():
    try:
        importlib.metadata.version("tbb")
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


@pytest.mark.skipif(sys.platform != "linux", reason="fork() start method")
@pytest.mark.skipif(not _has_tbb(), reason="needs the tbb package (a dependency on x86-64)")
def test_parallel_kernels_survive_fork_and_concurrent_python_threads():
    # OpenMP (GNU) aborts a forked child that runs a parallel region, and workqueue aborts when two
    # Python threads enter parallel kernels at once; the layer minigrad picks by default must do both
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "MINIGRAD_THREADING_LAYER")}
    run = subprocess.run([sys.executable, "-c", FORK_AND_THREADS], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "layer tbb" in run.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="fork() start method")
def test_workqueue_layer_serialises_python_threads_instead_of_aborting():
    # workqueue is the fallback wherever tbb is missing; it aborts the process ("Concurrent access")
    # when two Python threads enter a parallel kernel at once, so minigrad lets them in one at a time
    env = dict(os.environ, MINIGRAD_THREADING_LAYER="workqueue")
    env.pop("NUMBA_THREADING_LAYER", None)
    run = subprocess.run([sys.executable, "-c", FORK_AND_THREADS], capture_output=True, text=True, timeout=300, env=env)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "layer workqueue" in run.stdout


@pytest.mark.skipif(sys.platform != "linux", reason="libtbb.so.12 is the Linux name")
@pytest.mark.skipif(not _has_tbb(), reason="needs the tbb package (a dependency on x86-64)")
def test_tbb_is_the_layer_wherever_the_wheel_is_installed():
    # the wheel's libtbb.so.12 lies in <prefix>/lib, off the loader's path in a venv or a user
    # install: minigrad loads it from the wheel's file list before Numba looks for it
    assert minigrad.threading_layer() == "tbb"
    name, candidates = jit._tbb_candidates()
    assert name == "libtbb.so.12" and any(os.path.exists(c) for c in candidates)


WARN_IF_TBB_UNUSABLE = """
import ctypes, warnings
real = ctypes.CDLL
def refuse_tbb(name, *args, **kwargs):
    if "tbb" in str(name):
        raise OSError(f"{name}: cannot open shared object file (refused by the test)")
    return real(name, *args, **kwargs)
ctypes.CDLL = refuse_tbb  # before numba binds it: libtbb is installed but cannot be loaded
import numpy as np, minigrad as mg, minigrad.nn.functional as F
with warnings.catch_warnings(record=True) as caught:
    warnings.simplefilter("always")
    F.relu(mg.tensor(np.ones(1 << 17, np.float32)))  # a parallel kernel starts the thread pool
    F.relu(mg.tensor(np.ones(1 << 17, np.float32)))
print("layer", mg.threading_layer())
print("warnings", [str(w.message) for w in caught if "tbb" in str(w.message)])
"""


@pytest.mark.skipif(sys.platform != "linux", reason="libtbb.so.12 is the Linux name")
@pytest.mark.skipif(not _has_tbb(), reason="needs the tbb package (a dependency on x86-64)")
def test_a_warning_says_once_when_tbb_is_installed_but_unusable():
    env = {k: v for k, v in os.environ.items() if k not in ("NUMBA_THREADING_LAYER", "MINIGRAD_THREADING_LAYER")}
    env["MINIGRAD_NUM_THREADS"] = "2"
    run = subprocess.run(
        [sys.executable, "-c", WARN_IF_TBB_UNUSABLE], capture_output=True, text=True, timeout=300, env=env
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert "layer workqueue" in run.stdout
    (warnings_line,) = [line for line in run.stdout.splitlines() if line.startswith("warnings")]
    messages = eval(warnings_line[len("warnings ") :])
    assert len(messages) == 1 and "tbb package is installed but Numba cannot use it" in messages[0], messages


SET_NUM_THREADS_LIMITS_BLAS = """
from threadpoolctl import threadpool_info
import numpy as np, minigrad as mg
np.ones((4, 4)) @ np.ones((4, 4))  # make sure the BLAS library is loaded
mg.set_num_threads(1)
print(sorted({(p["user_api"], p["num_threads"]) for p in threadpool_info() if p["user_api"] == "blas"}))
print(mg.get_num_threads())
"""


def test_set_num_threads_limits_blas_as_well_as_numba():
    env = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
    run = subprocess.run(
        [sys.executable, "-c", SET_NUM_THREADS_LIMITS_BLAS], capture_output=True, text=True, timeout=300, env=env
    )
    assert run.returncode == 0, run.stderr
    blas, numba_threads = run.stdout.splitlines()
    assert blas == "[('blas', 1)]" and numba_threads == "1"
