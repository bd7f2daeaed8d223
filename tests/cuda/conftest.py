"""The CUDA suite runs in its own pytest process with NUMBA_ENABLE_CUDASIM=1 set before numba loads
(tests/test_cuda_simulator.py launches it from the main run). Collected from a plain run, it skips."""

import pytest
from numba.core import config as numba_config

if not numba_config.ENABLE_CUDASIM:
    collect_ignore_glob = ["test_*.py"]


def pytest_configure(config):
    # the simulator runs the scalar maths as NumPy scalars, which warn where NaN and inf flow through
    config.addinivalue_line("filterwarnings", "ignore::RuntimeWarning:minigrad.scalar_math")


@pytest.fixture(autouse=True)
def _simulator_only():
    if not numba_config.ENABLE_CUDASIM:  # pragma: no cover (collection already ignores the files)
        pytest.skip("needs NUMBA_ENABLE_CUDASIM=1 (run via tests/test_cuda_simulator.py)")
