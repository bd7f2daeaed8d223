"""One helper drives the value and gradient tests of every op: run the same function in minigrad and
in PyTorch on the same inputs, push the same random upstream gradient through both, compare."""

import numpy as np
import torch

import minigrad as mg

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


def check_against_torch(mg_fn, torch_fn, *arrays, grad=True, rtol=None, atol=None, seed=0, requires_grad=None):
    """Compare ``mg_fn(*tensors)`` with ``torch_fn(*tensors)`` on copies of ``arrays`` (NumPy arrays, any
    strides): the outputs' values, then the gradients of every floating input for a random upstream
    gradient (not ``.sum()``, which hides errors that cancel). Returns the minigrad outputs."""
    arrays = [np.asarray(a) for a in arrays]
    if requires_grad is None:
        requires_grad = [grad and a.dtype.kind == "f" for a in arrays]
    # a non-contiguous array is wrapped as it is (its strides are the point of the test)
    mg_in = [mg.Tensor._wrap(a if not a.flags.c_contiguous else a.copy()) for a in arrays]
    th_in = [torch.tensor(np.array(a, order="C")) for a in arrays]
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
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), **tol, err_msg="forward values")

    if grad and any(requires_grad):
        rng = np.random.default_rng(seed)
        ups = [rng.standard_normal(m.shape).astype(m.dtype) for m in mg_out]
        mg_targets = [(m, u) for m, u in zip(mg_out, ups) if m.requires_grad]
        if mg_targets:
            mg.autograd.run_backward([m for m, _ in mg_targets], [u for _, u in mg_targets])
        th_targets = [(t, torch.tensor(u)) for t, u in zip(th_out, ups) if t.requires_grad]
        if th_targets:
            torch.autograd.backward([t for t, _ in th_targets], [u for _, u in th_targets])
        for i, (m, t, r) in enumerate(zip(mg_in, th_in, requires_grad)):
            if not r:
                continue
            if t.grad is None:
                assert m.grad is None or not np.any(m.grad.numpy()), f"input {i}: torch has no gradient"
                continue
            assert m.grad is not None, f"input {i}: minigrad computed no gradient"
            assert m.grad.shape == m.shape and m.grad.dtype == m.dtype
            np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), **tol, err_msg=f"gradient of input {i}")
    return mg_out


def gradcheck(fn, *arrays, **kw):
    """float64 finite-difference check of ``fn`` at copies of ``arrays``."""
    tensors = [mg.tensor(np.asarray(a, dtype=np.float64), requires_grad=True) for a in arrays]
    assert mg.gradcheck(fn, tensors, **kw)


def randn(*shape, dtype=np.float64, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def noncontiguous(a):
    """The same values, laid out transposed in memory (a non-contiguous array)."""
    if a.ndim < 2:
        return np.repeat(a, 2)[::2]
    return np.ascontiguousarray(np.swapaxes(a, -1, -2)).swapaxes(-1, -2)
