"""One helper drives the value and gradient tests of every op: run the same function in minigrad and
in PyTorch on the same inputs, push the same random upstream gradient through both, compare.

Tests that take ``device`` run once per device that exists here::

    @pytest.mark.parametrize("device", DEVICES)
    def test_relu(device):
        check_against_torch(F.relu, torch.relu, x, device=device)

``DEVICES`` is ["cpu"], plus "cuda" (marked ``cuda``) where device "cuda" runs: on a GPU, or in the
pytest process that tests/test_cuda_simulator.py starts with NUMBA_ENABLE_CUDASIM=1, which selects
the "cuda" cases of the op tests with ``-m cuda``. On "cuda", minigrad's inputs live on the device
(non-contiguous ones too), its outputs and gradients must stay there, and PyTorch runs on its own
GPU where it has one (its inputs are ``torch.as_tensor`` of minigrad's device arrays, through the
CUDA array interface; TF32 off), on the CPU otherwise."""

import numpy as np
import pytest
import torch

import minigrad as mg
from minigrad.backends import backend_for

DEVICES = ["cpu"] + ([pytest.param("cuda", marks=pytest.mark.cuda)] if mg.cuda.is_available() else [])
TORCH_CUDA = torch.cuda.is_available() and mg.cuda.is_available() and not mg.cuda.simulator()
if TORCH_CUDA:  # float32 products in full float32 on both sides (TF32 would differ by ~1e-3)
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False

SIMULATOR = mg.cuda.is_available() and mg.cuda.simulator()


def simulated(device):
    """True when ``device`` runs on numba's CUDA simulator, where every GPU thread is a Python thread
    (0.5-3 ms each, more at a block's barriers). Tests that launch many kernels keep their "cuda" case
    small there: float32 only and no float64 gradcheck (tests/cuda holds every CUDA kernel to the
    reference backend in both precisions; on a GPU every case runs)."""
    return device == "cuda" and SIMULATOR


def skip_float64_on_the_simulator(device, dtype):
    if simulated(device) and np.dtype(dtype) == np.float64:
        pytest.skip("float64 kernels run on the simulator in tests/cuda; here float32 only")


def skip_large_on_the_simulator(device, shape, limit=150):
    """Skip a "cuda" case of more than ``limit`` elements on the simulator (the smaller cases of the same
    test run there; every case runs on the CPU and on a GPU)."""
    if simulated(device) and int(np.prod(shape)) > limit:
        pytest.skip(f"{tuple(shape)} is large for the simulator: its smaller cases run there")


TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-9, atol=1e-11)}


def tolerances(dtype, rtol=None, atol=None):
    tol = dict(TOL[np.dtype(dtype).type])
    if rtol is not None:
        tol["rtol"] = rtol
    if atol is not None:
        tol["atol"] = atol
    return tol


def _first_float(out):
    if isinstance(out, (tuple, list)):
        return [o for o in out if (o.dtype.kind == "f" if isinstance(o, mg.Tensor) else o.is_floating_point())]
    return [out]


def device_copy(a, device):
    """A copy of the NumPy array ``a`` on ``device`` that is non-contiguous where ``a`` is (on "cuda",
    every other element of the last axis of a device array), since the strides are often what a
    test is about."""
    if device == "cpu":
        return a.copy() if a.flags.c_contiguous else a  # a strided array as it is
    backend = backend_for(device)
    if a.flags.c_contiguous or a.ndim == 0:
        return backend.from_numpy(a)
    return backend.from_numpy(np.repeat(a, 2, axis=-1))[..., ::2]


def on_device(a, device="cpu"):
    """A minigrad tensor with the values of the NumPy array ``a`` on ``device``, laid out like ``a``."""
    return mg.Tensor._wrap(device_copy(a, device), device)


def host(t):
    """The values of a minigrad or PyTorch tensor (any device) as a NumPy array."""
    return t.detach().cpu().numpy()


def torch_device(device):
    """Where PyTorch runs the comparison for a minigrad test on ``device``: its GPU where it has one."""
    return "cuda" if TORCH_CUDA and device == "cuda" else "cpu"


def _torch_input(m, a):
    """PyTorch's copy of input ``a``: on PyTorch's GPU, from minigrad's device array (CUDA array interface)."""
    if torch_device(m.device) == "cuda":
        return torch.as_tensor(m.array, device="cuda").clone()
    return torch.tensor(np.array(a, order="C"))


def check_against_torch(
    mg_fn, torch_fn, *arrays, grad=True, rtol=None, atol=None, seed=0, requires_grad=None, device="cpu"
):
    """Compare ``mg_fn(*tensors)`` with ``torch_fn(*tensors)`` on copies of ``arrays`` (NumPy arrays, any
    strides) on ``device``: the outputs' values, then the gradients of every floating input for a random
    upstream gradient (not ``.sum()``, which hides errors that cancel). Returns the minigrad outputs."""
    arrays = [np.asarray(a) for a in arrays]
    if requires_grad is None:
        requires_grad = [grad and a.dtype.kind == "f" for a in arrays]
    mg_in = [on_device(a, device) for a in arrays]
    th_in = [_torch_input(m, a) for m, a in zip(mg_in, arrays)]
    for t, s, r in zip(mg_in, th_in, requires_grad):
        if r:
            t.requires_grad_(True)
            s.requires_grad_(True)

    mg_out, th_out = _first_float(mg_fn(*mg_in)), _first_float(torch_fn(*th_in))
    assert len(mg_out) == len(th_out)
    dtype = mg_out[0].dtype
    tol = tolerances(dtype, rtol, atol)
    for m, t in zip(mg_out, th_out):
        assert m.shape == tuple(t.shape), f"shape {m.shape} != torch {tuple(t.shape)}"
        assert m.dtype == np.dtype(str(t.dtype).replace("torch.", "")), f"dtype {m.dtype} != torch {t.dtype}"
        assert m.device == device, f"the output is on {m.device}, the inputs on {device}"
        np.testing.assert_allclose(host(m), host(t), **tol, err_msg="forward values")

    if grad and any(requires_grad):
        rng = np.random.default_rng(seed)
        ups = [rng.standard_normal(m.shape).astype(m.dtype) for m in mg_out]
        mg_targets = [(m, u) for m, u in zip(mg_out, ups) if m.requires_grad]
        if mg_targets:
            seeds = [on_device(u, device).array for _, u in mg_targets]
            mg.autograd.run_backward([m for m, _ in mg_targets], seeds)
        th_targets = [(t, torch.tensor(u, device=t.device)) for t, u in zip(th_out, ups) if t.requires_grad]
        if th_targets:
            torch.autograd.backward([t for t, _ in th_targets], [u for _, u in th_targets])
        for i, (m, t, r) in enumerate(zip(mg_in, th_in, requires_grad)):
            if not r:
                continue
            if t.grad is None:
                assert m.grad is None or not np.any(host(m.grad)), f"input {i}: torch has no gradient"
                continue
            assert m.grad is not None, f"input {i}: minigrad computed no gradient"
            assert m.grad.shape == m.shape and m.grad.dtype == m.dtype and m.grad.device == device
            np.testing.assert_allclose(host(m.grad), host(t.grad), **tol, err_msg=f"gradient of input {i}")
    return mg_out


def gradcheck(fn, *arrays, device="cpu", **kw):
    """float64 finite-difference check of ``fn`` at copies of ``arrays`` on ``device``."""
    tensors = [mg.tensor(np.asarray(a, dtype=np.float64), device=device, requires_grad=True) for a in arrays]
    assert mg.gradcheck(fn, tensors, **kw)


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def noncontiguous(a):
    """The same values, laid out transposed in memory (a non-contiguous array)."""
    if a.ndim < 2:
        return np.repeat(a, 2)[::2]
    return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
