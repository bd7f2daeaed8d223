"""bench/gpu_check.sh, the one command for a lent GPU, is ready before a GPU is: it parses, its dry
run names the tests and the benchmark's sizes, and without a GPU it stops at once with the reason.
(``bash bench/gpu_check.sh --simulator`` runs all of it on the simulator: about 4 minutes.)"""

import shutil
import subprocess
from pathlib import Path

import pytest

import minigrad as mg
from tests.test_cuda_simulator import OP_TESTS

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "bench" / "gpu_check.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _run(*args):
    return subprocess.run(["bash", str(SCRIPT), *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_script_parses_and_its_dry_run_names_what_runs():
    assert subprocess.run(["bash", "-n", str(SCRIPT)]).returncode == 0
    out = _run("--dry-run", "--out", "/tmp/minigrad-gpu-check-dry")
    assert out.returncode == 0, out.stdout + out.stderr
    assert "-m cuda tests/cuda " + " ".join(OP_TESTS) in out.stdout
    assert "bench.gpu --json /tmp/minigrad-gpu-check-dry/gpu_bench.json" in out.stdout
    assert "67108864 float32" in out.stdout and "(8192, 8192)" in out.stdout and "Linear(512)" in out.stdout
    assert _run("--bogus").returncode == 2


@pytest.mark.skipif(mg.cuda.is_available(), reason="device 'cuda' runs here")
def test_without_a_gpu_it_stops_with_the_reason(tmp_path):
    out = _run("--out", str(tmp_path))
    assert out.returncode == 1
    assert f"minigrad cannot use device 'cuda': {mg.cuda.unavailable_reason()}" in out.stdout
    assert "== tests" not in out.stdout  # nothing else ran
