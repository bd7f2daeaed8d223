"""Device "cuda" where it cannot run (no GPU, no simulator): ``mg.cuda`` says so, and every way onto
the device raises one clear error that says why (no CuPy, no GPU, no numba-cuda) and what to
install, instead of an error from deep inside CuPy or numba. Where device "cuda" runs, tests/cuda/
tests it instead (tests/cuda/test_devices.py)."""

import subprocess
import sys

import pytest

import minigrad as mg
import minigrad.nn as nn

pytestmark = pytest.mark.skipif(mg.cuda.is_available(), reason="device 'cuda' runs here: tests/cuda tests it")


def test_mg_cuda_says_there_is_no_gpu():
    assert not mg.cuda.is_available()
    assert mg.cuda.device_count() == 0
    reason = mg.cuda.unavailable_reason()
    assert any(why in reason for why in ("CuPy is not installed", "no NVIDIA GPU", "numba's CUDA target"))
    mg.cuda.empty_cache()  # nothing to free: no error, as in PyTorch
    for fn in (mg.cuda.synchronize, mg.cuda.memory_allocated, mg.cuda.get_device_name):
        with pytest.raises(RuntimeError, match="CUDA is not available"):
            fn()


@pytest.mark.parametrize(
    "move",
    [
        lambda: mg.randn(3).to("cuda"),
        lambda: mg.randn(3).cuda(),
        lambda: mg.zeros(2, device="cuda"),
        lambda: mg.randn(2, device="cuda"),
        lambda: mg.tensor([1.0], device="cuda"),
        lambda: nn.Linear(2, 2).to("cuda"),
    ],
)
def test_moving_to_cuda_raises_one_clear_error(move):
    with pytest.raises(RuntimeError) as e:
        move()
    message = str(e.value)
    assert message.startswith("CUDA is not available: " + mg.cuda.unavailable_reason())
    assert "pip install 'minigrad[cuda]'" in message and "cupy-cuda12x" in message
    assert "NUMBA_ENABLE_CUDASIM=1" in message


def test_import_minigrad_imports_neither_numba_nor_cupy():
    code = "import sys, minigrad\nprint(sorted(m for m in ('numba', 'numba.cuda', 'cupy') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]"
