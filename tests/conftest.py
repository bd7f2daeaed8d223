"""``python -m pytest --backend numpy`` runs the whole suite on the plain-NumPy reference backend.

The option sets MINIGRAD_BACKEND, so the demos and scripts the tests start in subprocesses use the
same backend. Tests marked ``numba`` check the Numba kernels' own machinery (thread pool, kernel
cache, compiled variants): they are skipped under the reference backend, which has none.
"""

import os

import pytest


def pytest_addoption(parser):
    parser.addoption(
        "--backend",
        choices=("numba", "numpy"),
        default=None,
        help="the backend of device 'cpu': the Numba kernels (default) or the plain-NumPy reference",
    )


def pytest_configure(config):
    config.addinivalue_line("markers", "numba: tests the Numba kernels' machinery; skipped under --backend numpy")
    config.addinivalue_line(
        "markers", "cuda: runs on device 'cuda' (tests/helpers.py DEVICES; the simulator process selects these)"
    )
    name = config.getoption("--backend")
    if name:
        os.environ["MINIGRAD_BACKEND"] = name
        from minigrad.backends import set_backend

        set_backend(name)  # in case minigrad was imported before this ran


def pytest_report_header(config):
    from minigrad.backends import get_backend

    return f"minigrad backend for device 'cpu': {get_backend()}"


# Tests that run a long pytest or demo process of their own: run first, so that under pytest-xdist
# (`-n 2`, the README's command) one worker carries them while the other works through the rest.
LONG_FIRST = ("test_cuda_simulator.py::", "test_kernels.py::test_precompile_runs_every_kernel_module")


def pytest_collection_modifyitems(config, items):
    from minigrad.backends import get_backend

    items.sort(key=lambda item: not any(mark in item.nodeid for mark in LONG_FIRST))  # stable: order kept otherwise
    if get_backend() != "numpy":
        return
    skip = pytest.mark.skip(reason="tests the Numba kernels' machinery; the reference backend (numpy) has none")
    for item in items:
        if "numba" in item.keywords:
            item.add_marker(skip)
