"""A graph holds only what backward needs, and backward frees it (measured with tracemalloc).

A node reaches its inputs' nodes, never their arrays: keeping a graph's output (a loss kept in a
list for a loss curve) must not keep the forward pass's intermediate arrays alive."""

import gc
import tracemalloc

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F

MB = 1 << 20


@pytest.fixture
def traced():
    gc.collect()
    tracemalloc.start()
    yield
    tracemalloc.stop()


def _held():
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def test_keeping_every_loss_of_a_training_loop_keeps_memory_flat(traced):
    # the loop: before, ~2 MB per step (every intermediate array of every step stayed alive)
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 512), nn.ReLU(), nn.Linear(512, 10))
    opt = mg.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    x, y = mg.randn(256, 784), mg.randint(0, 10, (256,))
    losses = []

    def step():
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss)

    for _ in range(10):  # optimizer state, kernel caches, first-call allocations
        step()
    start = _held()
    for _ in range(150):
        step()
    per_step = (_held() - start) / 150
    assert per_step < 20_000, f"{per_step:.0f} bytes held per kept loss"
    assert np.isfinite(losses[-1].item())


def test_holding_the_output_after_backward_holds_no_intermediate_array(traced):
    x = mg.randn(8 * 1024 * 1024, dtype=mg.float64, requires_grad=True)  # 64 MiB
    base = _held()
    e = x.exp()
    p = e**2
    r = p.sqrt()
    y = r.sum()
    del e, p, r  # the caller drops the intermediates; only y is kept
    y.backward()
    held = _held() - base - x.grad.array.nbytes
    assert held < 1 * MB, f"{held / MB:.1f} MiB still held by y's graph after backward"
    # sum(sqrt(exp(x)^2)) = sum(exp(x)), whose gradient is exp(x)
    np.testing.assert_allclose(x.grad.numpy(), np.exp(x.detach().numpy()), rtol=1e-12)


def test_deleting_the_output_frees_the_whole_graph_without_the_garbage_collector(traced):
    x = mg.randn(1024, 1024, requires_grad=True)
    w = mg.randn(1024, 1024, requires_grad=True)

    def forward():
        return F.gelu(F.layer_norm(x @ w, (1024,))).tanh().sum()

    forward()  # first calls fill caches (kernels, layouts) that are not the graph's
    base = _held()
    gc.disable()  # freed by reference counting alone: no cycles between nodes, contexts and tensors
    try:
        y = forward()
        assert _held_no_gc() - base > 8 * MB  # the saved activations
        del y
        assert _held_no_gc() - base < 64 * 1024
    finally:
        gc.enable()


def _held_no_gc():
    return tracemalloc.get_traced_memory()[0]


def test_retain_graph_keeps_the_saved_values_until_the_last_backward(traced):
    x = mg.randn(512, 512, dtype=mg.float64, requires_grad=True)
    y = (x.exp() * x).tanh()
    loss = y.sum()
    del y
    loss.backward(retain_graph=True)
    kept = _held()
    loss.backward()  # frees them
    assert kept - _held() > 512 * 512 * 8  # at least one saved array was released
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        loss.backward()


def test_a_node_reaches_nodes_never_tensors():
    x = mg.randn(3, requires_grad=True)
    h = x * 2
    y = (h + 1).sum()
    add_node = y.grad_fn.next_functions[0][0]
    mul_node = add_node.next_functions[0][0]
    assert mul_node is h.grad_fn
    acc, index = mul_node.next_functions[0]
    assert acc.name() == "AccumulateGrad" and acc.variable is x and index == 0
    for n in (y.grad_fn, add_node, mul_node):
        assert not any(isinstance(v, mg.Tensor) for v in vars(n.ctx).values())
