"""Optimizers match PyTorch's update rules step for step."""

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim
from tests.helpers import DEVICES, host, simulated, skip_float64_on_the_simulator, torch_device

CASES = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9)),
    ("SGD", dict(lr=0.1, momentum=0.9, dampening=0.3, weight_decay=0.01)),
    ("SGD", dict(lr=0.05, momentum=0.8, nesterov=True, weight_decay=0.1)),
    ("Adam", dict(lr=0.01)),
    ("Adam", dict(lr=0.01, betas=(0.8, 0.99), weight_decay=0.1)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("AdamW", dict(lr=0.01)),
    ("AdamW", dict(lr=0.01, weight_decay=0.2, amsgrad=True)),
]


SIMULATED = [CASES[3], CASES[8]]  # SGD with Nesterov and weight decay, AdamW with AMSGrad


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_optimizer_matches_pytorch_over_steps(device, name, kw, dtype):
    """Six steps of a two-layer model; on "cuda" the optimizer is made before model.to(device), so its
    state is created on the parameters' device at the first step (PyTorch's order works too)."""
    skip_float64_on_the_simulator(device, dtype)
    if simulated(device) and (name, kw) not in SIMULATED:
        pytest.skip("on the simulator two cases run (tests/cuda holds the kernels' every option to the reference)")
    torch.manual_seed(0)
    tdev = torch_device(device)
    tmodel = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Linear(7, 3)).to(getattr(torch, np.dtype(dtype).name))
    tmodel.to(tdev)
    model = nn.Sequential(nn.Linear(5, 7), nn.Linear(7, 3)).to(dtype)
    model.load_state_dict({k: mg.tensor(host(v)) for k, v in tmodel.state_dict().items()})
    opt, topt = getattr(optim, name)(model.parameters(), **kw), getattr(torch.optim, name)(tmodel.parameters(), **kw)
    model.to(device)
    rng = np.random.default_rng(0)
    for _ in range(6):
        x = rng.standard_normal((8, 5)).astype(dtype)
        t = rng.integers(0, 3, 8)
        loss = nn.functional.cross_entropy(model(mg.tensor(x, device=device)), mg.tensor(t, device=device))
        opt.zero_grad()
        loss.backward()
        opt.step()
        tloss = torch.nn.functional.cross_entropy(tmodel(torch.tensor(x, device=tdev)), torch.tensor(t, device=tdev))
        topt.zero_grad()
        tloss.backward()
        topt.step()
        np.testing.assert_allclose(loss.item(), tloss.item(), rtol=1e-5 if dtype == np.float32 else 1e-12)
    for (k, p), (_, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        assert p.device == device
        np.testing.assert_allclose(
            host(p),
            host(tp),
            rtol=1e-5 if dtype == np.float32 else 1e-12,
            atol=1e-6 if dtype == np.float32 else 1e-14,
            err_msg=k,
        )


def test_zero_grad_set_to_none_and_errors():
    p = nn.Parameter(mg.ones(3))
    opt = optim.SGD([p], lr=0.1)
    (p * 2).sum().backward()
    opt.zero_grad(set_to_none=False)
    assert not p.grad.numpy().any()
    opt.zero_grad()
    assert p.grad is None
    opt.step()  # no gradient: nothing happens
    assert p.tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="Nesterov"):
        optim.SGD([p], lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match="empty"):
        optim.Adam([])


def test_param_groups_have_their_own_learning_rates():
    a, b = nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(2))
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1)
    (a.sum() + b.sum()).backward()
    opt.step()
    np.testing.assert_allclose(a.detach().numpy(), 0.9)
    np.testing.assert_allclose(b.detach().numpy(), 0.0)


def test_large_parameters_take_the_parallel_kernel_and_still_match():
    rng = np.random.default_rng(0)
    w0 = rng.standard_normal(300_000).astype(np.float32)
    g = rng.standard_normal(300_000).astype(np.float32)
    p, tp = nn.Parameter(mg.tensor(w0)), torch.nn.Parameter(torch.tensor(w0))
    opt, topt = optim.Adam([p], lr=0.01), torch.optim.Adam([tp], lr=0.01)
    for _ in range(3):
        p.grad, tp.grad = mg.tensor(g), torch.tensor(g)
        opt.step()
        topt.step()
    np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), rtol=1e-5, atol=1e-6)
