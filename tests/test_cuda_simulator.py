"""Runs device "cuda" in a pytest process of its own under numba's CUDA simulator.

NUMBA_ENABLE_CUDASIM must be set before numba is first imported, so this cannot share the main
process. That process runs ``pytest -m cuda`` over

- tests/cuda/: every CUDA kernel against the reference backend, float32 and float64, and on a
  sample of the shared cases of tests/kernel_cases.py; the device API
  (``mg.cuda``, ``.to("cuda")``, factories, ``model.to``, save/load); an MLP and a CNN training
  step on "cuda" against the same step on the CPU;
- the "cuda" cases of the op tests (``@pytest.mark.parametrize("device", DEVICES)``, see
  tests/helpers.py): elementwise ops, reductions, matmul, shapes, indexing and its scatter-add
  backward, softmax and cross-entropy, conv2d and pooling, dropout, every activation, every
  normalisation with its running statistics, nn.init, the optimizers.

Its failures are reported here test by test, with the end of its output. The simulator runs each
GPU thread as a Python thread (0.5-3 ms each), so the shapes are tiny; the process takes about
3 minutes on a 2-core machine (under 5 with the machine shared).
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# The op tests that have "cuda" cases.
OP_TESTS = [
    "tests/test_ops.py",
    "tests/test_activation.py",
    "tests/test_normalization.py",
    "tests/test_optim.py",
    "tests/test_init.py",
]


def command():
    """The simulator run: ``python -m pytest -m cuda tests/cuda <op tests>``."""
    return [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-rfE", "-m", "cuda",
            "tests/cuda", *OP_TESTS]  # fmt: skip


def test_device_cuda_on_the_simulator():
    if importlib.util.find_spec("numba.cuda") is None:
        pytest.skip("numba's CUDA target is not installed (pip install -e '.[test]' brings numba-cuda)")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run(command(), cwd=ROOT, env=env, capture_output=True, text=True, timeout=1200)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        assert re.search(r"\d+ passed", out), out[-2000:]
        return
    failed = [line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))]
    summary = "\n".join(failed) or "(no test summary: the process failed before or after the tests)"
    pytest.fail(
        f"the CUDA simulator suite failed (exit {proc.returncode}); rerun it with\n"
        f"  NUMBA_ENABLE_CUDASIM=1 python -m pytest -m cuda tests/cuda {' '.join(OP_TESTS)}\n\n{summary}\n\n"
        f"--- end of its output ---\n{out[-6000:]}",
        pytrace=False,
    )
