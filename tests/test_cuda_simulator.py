"""Runs the CUDA suite (tests/cuda/) in a pytest process of its own under numba's CUDA simulator.

NUMBA_ENABLE_CUDASIM must be set before numba is first imported, so the suite cannot share this
process. Its failures are reported here test by test, with the end of its output. Every CUDA kernel
runs there on tiny shapes (the simulator runs each GPU thread as a Python thread, 0.5-3 ms each);
the whole process takes about 3 minutes on a 2-core machine.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_every_cuda_kernel_on_the_simulator():
    if importlib.util.find_spec("numba.cuda") is None:
        pytest.skip("numba's CUDA target is not installed (pip install -e '.[test]' brings numba-cuda)")
    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--no-header", "-rfE", "tests/cuda"]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    out = proc.stdout + proc.stderr
    if proc.returncode == 0:
        assert re.search(r"\d+ passed", out), out[-2000:]
        return
    failed = [line for line in out.splitlines() if line.startswith(("FAILED", "ERROR"))]
    summary = "\n".join(failed) or "(no test summary: the process failed before or after the tests)"
    pytest.fail(
        f"the CUDA simulator suite failed (exit {proc.returncode}); rerun it with\n"
        f"  NUMBA_ENABLE_CUDASIM=1 python -m pytest tests/cuda\n\n{summary}\n\n--- end of its output ---\n"
        f"{out[-6000:]}",
        pytrace=False,
    )
