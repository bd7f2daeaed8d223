"""Every CUDA kernel compiles to PTX for sm_90 (an H100/H200), float32 and float64, with no GPU.

numba-cuda compiles through NVVM without a driver (``compiler.compile_ptx``). The check on the
result: a float32 kernel contains no float64 instruction (``.f64``) where the CPU kernel computes in
float32 -- a bare literal such as ``0.5`` in a formula would silently promote a whole float32
kernel to float64, which runs at 1/2 to 1/64 of the speed depending on the card. The exceptions are
deliberate: the normalisation kernels accumulate their statistics in float64 (see
minigrad/scalar_math_norm.py) and PReLU's and Swish's parameter gradients sum in float64, as the CPU
kernels do.
"""

import re

import numpy as np
import pytest

compiler = pytest.importorskip("minigrad.backends.cuda.compiler", reason="numba's CUDA target is not installed")

if compiler.SIMULATOR:
    pytest.skip("NUMBA_ENABLE_CUDASIM=1: the simulator compiles nothing", allow_module_level=True)

import minigrad.backends.cuda as backend  # noqa: E402

FLOAT64_BY_DESIGN = {"prelu_grad", "swish_grad"}  # + every norm kernel


def _cases():
    for mod in backend.kernel_modules():
        for dtype in (np.float32, np.float64):
            for name, kernel, argtypes in mod.ptx_signatures(dtype):
                yield pytest.param(mod, kernel, argtypes, dtype, id=f"{name}-{np.dtype(dtype).name}")


@pytest.fixture(scope="module")
def nvvm():
    """Skip (with the reason) where numba's CUDA target cannot compile at all (no NVVM, no numba-cuda)."""
    from numba import float32

    def probe(x):
        x[0] = x[0] + 1

    try:
        compiler.cuda.compile_ptx(probe, (float32[::1],), cc=(9, 0))
    except Exception as e:  # noqa: BLE001 (any failure here means: no compiler to test with)
        pytest.skip(f"{compiler.COMPILER} cannot compile PTX here ({type(e).__name__}: {str(e)[:200]})")


def test_the_seam_picked_a_compiler():
    assert compiler.COMPILER in ("numba-cuda-mlir", "numba-cuda", "numba (built-in numba.cuda)")


def test_every_kernel_of_the_contract_has_a_ptx_case():
    from minigrad.backends import contract

    assert not contract.missing(backend)
    assert sum(1 for _ in _cases()) >= 2 * 40


@pytest.mark.parametrize("mod,kernel,argtypes,dtype", _cases())
def test_kernel_compiles_to_ptx_for_sm_90(nvvm, mod, kernel, argtypes, dtype):
    ptx = compiler.compile_ptx(kernel, argtypes, cc=(9, 0), dtype=dtype)
    assert ".target sm_90" in ptx and ".entry" in ptx
    f64 = sorted(set(re.findall(r"\b[a-z0-9]+(?:\.[a-z0-9]+)*\.f64\b", ptx)))
    by_design = mod.__name__.endswith("norm_kernels") or kernel.name in FLOAT64_BY_DESIGN
    if dtype == np.float32 and not by_design:
        assert not f64, f"float32 kernel {kernel.name} computes in float64: {f64[:10]}"
    if dtype == np.float64:
        assert f64, f"float64 kernel {kernel.name} has no float64 instruction"


_CPU_THEN_CUDA = """
import numba, numpy as np
import minigrad.scalar_math as sm
import minigrad.backends.cpu as cpu
from minigrad.backends.cuda import activation_kernels as A, compiler
from numba import float32
x = np.linspace(-3, 3, 40, dtype=np.float32)
cpu.gelu_forward(x); cpu.gelu_backward(x, x); cpu.softplus_forward(x, 1.0, 20.0)  # compiled fresh, inlining
numba.njit(lambda v: sm.erfc(v) + sm.log1p(v))(np.float32(0.5))  # a user's own njit code calling them
v = float32[::1]
for k, sig in [(A._gelu[0], (v, v)), (A._gelu[1], (v, v, v)), (A._softplus[0], (v, float32, float32, v))]:
    assert ".entry" in compiler.compile_ptx(k, sig, dtype=np.float32)
print("ok")
"""


def test_cuda_kernels_compile_after_the_cpu_inlined_the_same_functions(nvvm, tmp_path):
    # numba-cuda's inliner once pasted the CPU's inlined versions of gelu, erfc, log1p ... into CUDA
    # kernels (scalar_math's GPU twins prevent it); a fresh cache makes the CPU compile here
    import os
    import subprocess
    import sys

    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run([sys.executable, "-c", _CPU_THEN_CUDA], cwd=root, env=env, capture_output=True, text=True,
                         timeout=600)  # fmt: skip
    assert out.returncode == 0 and out.stdout.strip() == "ok", out.stderr[-3000:]
