"""A small MLP and a small CNN trained on "cuda" for a few steps, against the same steps on the CPU.

The two models start from the same weights (one seed: initial values are drawn on the host), see the
same batches and the same dropout masks, and must agree step by step: losses, every parameter's
gradient, the parameters after each optimizer step, and the running statistics. float64, so that
the comparison is tight: the only differences left are the order of the sums inside matmul and the
reductions (cuBLAS and CuPy against OpenBLAS and NumPy on a GPU; none under the simulator)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim
from tests.helpers import host, tolerances

TOL = tolerances(np.float64)


def _mlp():
    return nn.Sequential(
        nn.Linear(6, 8), nn.BatchNorm1d(8), nn.Tanh(), nn.Dropout(0.25),
        nn.Linear(8, 5), nn.LayerNorm(5), nn.GELU(), nn.Linear(5, 3),
    )  # fmt: skip


def _cnn():
    return nn.Sequential(
        nn.Conv2d(1, 4, 3, padding=1), nn.BatchNorm2d(4), nn.ReLU(), nn.MaxPool2d(2),
        nn.GroupNorm(2, 4), nn.SiLU(), nn.Flatten(), nn.Linear(36, 3),
    )  # fmt: skip


CASES = {
    "mlp": (_mlp, (4, 6), lambda params: optim.Adam(params, lr=0.01, weight_decay=0.01)),
    "cnn": (_cnn, (2, 1, 6, 6), lambda params: optim.SGD(params, lr=0.1, momentum=0.9, nesterov=True)),
}


def _twins(make):
    """The same model twice, on "cpu" and on "cuda" (one seed, host-drawn initial values)."""
    mg.manual_seed(0)
    cpu = make().double()
    mg.manual_seed(0)
    cuda = make().double().to("cuda")
    return cpu, cuda


@pytest.mark.parametrize("case", CASES)
def test_training_steps_on_cuda_equal_the_cpus(case):
    make, shape, make_optimizer = CASES[case]
    models = _twins(make)
    optimizers = [make_optimizer(m.parameters()) for m in models]
    rng = np.random.default_rng(1)
    for step in range(2):
        x = rng.standard_normal(shape)
        y = rng.integers(0, 3, shape[0])
        losses = []
        for model, opt, device in zip(models, optimizers, ("cpu", "cuda")):
            mg.manual_seed(10 + step)  # the same dropout masks on both devices
            loss = F.cross_entropy(model(mg.tensor(x, device=device)), mg.tensor(y, device=device), label_smoothing=0.1)
            opt.zero_grad()
            loss.backward()
            losses.append(loss)
        assert losses[1].device == "cuda"
        np.testing.assert_allclose(losses[1].item(), losses[0].item(), **TOL, err_msg=f"step {step} loss")
        for (name, p), q in zip(models[0].named_parameters(), models[1].parameters()):
            assert q.grad.device == "cuda"
            np.testing.assert_allclose(host(q.grad), p.grad.numpy(), **TOL, err_msg=f"step {step} {name} grad")
        for opt in optimizers:
            opt.step()
        for (name, p), q in zip(models[0].named_parameters(), models[1].parameters()):
            np.testing.assert_allclose(host(q), p.detach().numpy(), **TOL, err_msg=f"step {step} {name}")
    for (name, b), c in zip(models[0].named_buffers(), models[1].buffers()):
        assert c.device == "cuda"
        np.testing.assert_allclose(host(c), b.numpy(), **TOL, err_msg=name)
    for model in models:  # evaluation mode: the running statistics normalise
        model.eval()
    x = rng.standard_normal(shape)
    np.testing.assert_allclose(host(models[1](mg.tensor(x, device="cuda"))), models[0](mg.tensor(x)).detach().numpy(),
                               **TOL)  # fmt: skip
