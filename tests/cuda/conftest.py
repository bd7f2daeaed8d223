"""The CUDA suite: every CUDA kernel against the reference backend (``test_*_kernels.py``) and device
"cuda" end to end (``test_devices.py``, ``test_training.py``). It runs where device "cuda" runs: in
a pytest process of its own with NUMBA_ENABLE_CUDASIM=1 set before numba loads (what
tests/test_cuda_simulator.py starts from the main run), or on a machine with a GPU
(bench/gpu_check.sh). Elsewhere its files are not collected. Every test here carries the ``cuda``
mark, so ``pytest -m cuda`` selects this suite with the op tests' "cuda" cases."""

from pathlib import Path

import pytest

import minigrad as mg

HERE = Path(__file__).resolve().parent

if not mg.cuda.is_available():
    collect_ignore_glob = ["test_*.py"]


def pytest_configure(config):
    # the simulator runs the scalar maths as NumPy scalars, which warn where NaN and inf flow through
    config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning:minigrad.scalar_math")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.path).parents:
            item.add_marker(pytest.mark.cuda)
