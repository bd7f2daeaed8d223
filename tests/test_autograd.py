"""The autograd engine: accumulation, graph freeing, hooks, version counters, custom Functions."""

import gc
import tracemalloc

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def test_gradients_accumulate_into_leaves_until_zeroed():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2 + 3, 4 + 3])
    x.grad = None
    (x * x).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [2, 4])


def test_a_tensor_used_twice_gets_both_gradients():
    x = mg.tensor(3.0, requires_grad=True)
    y = x * x + x  # d/dx = 2x + 1
    y.backward()
    assert x.grad.item() == 7.0


def test_gradients_of_shared_arrays_do_not_alias():
    a = mg.tensor([1.0, 2.0], requires_grad=True)
    b = mg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad.array += 10  # must not change b.grad
    np.testing.assert_allclose(b.grad.numpy(), [1, 1])


def test_second_backward_through_a_freed_graph_says_retain_graph():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()


def test_retain_graph_allows_a_second_backward():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = (x.exp() * x).sum()
    y.backward(retain_graph=True)
    first = x.grad.numpy().copy()
    y.backward()
    np.testing.assert_allclose(x.grad.numpy(), 2 * first)


def test_backward_on_a_non_scalar_needs_a_gradient():
    x = mg.randn(3, requires_grad=True)
    y = x * 2
    with pytest.raises(RuntimeError, match=r"scalar outputs.*\(3,\)"):
        y.backward()
    y.backward(mg.tensor([1.0, 0.0, 2.0]))
    np.testing.assert_allclose(x.grad.numpy(), [2, 0, 4])


def test_backward_on_a_tensor_that_does_not_require_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        mg.ones(2).sum().backward()


def test_no_grad_builds_no_graph_and_enable_grad_restores_it():
    x = mg.ones(2, requires_grad=True)
    with mg.no_grad():
        y = x * 2
        with mg.enable_grad():
            z = x * 2
    assert not y.requires_grad and y.grad_fn is None
    assert z.requires_grad and z.grad_fn is not None

    @mg.no_grad()
    def f(t):
        return t * 2

    assert not f(x).requires_grad


def test_non_leaves_keep_no_grad_unless_retained():
    x = mg.ones(2, requires_grad=True)
    h = x * 2
    h.retain_grad()
    k = x * 3
    (h * k).sum().backward()
    np.testing.assert_allclose(h.grad.numpy(), [3, 3])
    assert k.grad is None


def test_chain_of_ten_thousand_ops():
    x = mg.tensor(1.0, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0001
    y.backward()
    np.testing.assert_allclose(x.grad.item(), 1.0001**10_000, rtol=1e-3)


def test_register_hook_sees_and_replaces_gradients():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    seen = []
    x.register_hook(lambda g: seen.append(g.numpy().copy()))
    h = x * 3
    handle = h.register_hook(lambda g: g * 10)
    h.sum().backward()
    np.testing.assert_allclose(seen[0], [30, 30])
    np.testing.assert_allclose(x.grad.numpy(), [30, 30])
    handle.remove()
    x.grad = None
    (x * 3).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), [3, 3])


def test_in_place_change_of_a_saved_tensor_is_detected():
    w = mg.randn(3, requires_grad=True)
    y = (w * w).sum()
    with mg.no_grad():
        w.add_(1.0)  # e.g. optimizer.step() run before backward()
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward()


def test_in_place_change_through_a_view_is_detected():
    a = mg.randn(2, 3)
    w = mg.randn(3, requires_grad=True)
    y = (a * w).sum()
    a[0].mul_(2.0)  # a view shares the version counter with its base
    with pytest.raises(RuntimeError, match="in-place"):
        y.backward()


def test_in_place_change_of_an_unsaved_tensor_is_fine():
    a = mg.randn(3)
    w = mg.randn(3, requires_grad=True)
    y = (a + w).sum()  # addition saves nothing
    a.mul_(2.0)
    y.backward()
    np.testing.assert_allclose(w.grad.numpy(), 1)


def test_in_place_on_a_leaf_requiring_grad_needs_no_grad():
    w = mg.randn(3, requires_grad=True)
    with pytest.raises(RuntimeError, match="no_grad"):
        w.add_(1)
    with mg.no_grad():
        w.add_(1)


def test_custom_function_in_pytorch_style():
    class Cube(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x * x

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            return 3 * x * x * grad

    x = mg.tensor([1.0, -2.0], dtype=mg.float64, requires_grad=True)
    y = Cube.apply(x)
    assert y.grad_fn is not None and "Cube" in repr(y.grad_fn)
    y.backward(mg.tensor([1.0, 0.5], dtype=mg.float64))
    np.testing.assert_allclose(x.grad.numpy(), [3.0, 6.0])
    assert mg.gradcheck(Cube.apply, (mg.randn(4, dtype=mg.float64, requires_grad=True),))


def test_custom_function_needs_input_grad():
    class Mul(mg.autograd.Function):
        @staticmethod
        def forward(ctx, a, b):
            ctx.save_for_backward(a, b)
            ctx.flags = ctx.needs_input_grad
            return a * b

        @staticmethod
        def backward(ctx, g):
            a, b = ctx.saved_tensors
            return g * b, g * a

    a = mg.ones(2, requires_grad=True)
    b = mg.ones(2)
    Mul.apply(a, b).sum().backward()
    assert a.grad is not None and b.grad is None


def test_gradcheck_reports_a_wrong_gradient():
    class Wrong(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return x * x

        @staticmethod
        def backward(ctx, grad):
            return grad  # should be 2 x grad

    x = mg.tensor([1.0, 2.0], dtype=mg.float64, requires_grad=True)
    with pytest.raises(RuntimeError, match="numerical"):
        mg.gradcheck(Wrong.apply, (x,))
    assert mg.gradcheck(Wrong.apply, (x,), raise_exception=False) is False


def test_gradient_dtype_matches_the_tensor():
    x = mg.randn(3, requires_grad=True)
    (x.double() * 2).sum().backward()
    assert x.grad.dtype == mg.float32


def test_mixing_devices_is_a_clear_error_when_cuda_is_missing():
    if mg.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(RuntimeError, match="CUDA"):
        mg.ones(2).to("cuda")


def test_memory_does_not_grow_over_a_thousand_training_steps():
    mg.manual_seed(0)
    model = nn.Sequential(nn.Linear(20, 32), nn.Linear(32, 5))
    opt = mg.optim.SGD(model.parameters(), lr=0.01)
    x, t = mg.randn(16, 20), mg.randint(0, 5, (16,))

    def step():
        loss = F.cross_entropy(model(x), t)
        opt.zero_grad()
        loss.backward()
        opt.step()

    for _ in range(50):
        step()
    gc.collect()
    tracemalloc.start()
    for _ in range(100):
        step()
    gc.collect()
    base = tracemalloc.get_traced_memory()[0]
    for _ in range(1000):
        step()
    gc.collect()
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    assert grown < 200_000, f"memory grew by {grown} bytes over 1000 steps"


def test_a_pytorch_graph_and_a_minigrad_graph_agree_end_to_end():
    rng = np.random.default_rng(0)
    x, w1, w2 = rng.standard_normal((4, 3)), rng.standard_normal((3, 5)), rng.standard_normal((5,))

    def f(lib, x, w1, w2):
        h = (x @ w1).exp() / ((x @ w1).exp().sum(1, keepdim=True)) * 2 - 1
        return ((h @ w2) ** 2).mean() + h.abs().max()

    mg_t = [mg.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    th_t = [torch.tensor(a, requires_grad=True) for a in (x, w1, w2)]
    f(mg, *mg_t).backward()
    f(torch, *th_t).backward()
    for m, t in zip(mg_t, th_t):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-10)


def test_leaf_gradients_never_alias_the_callers_arrays_or_each_other():
    x = mg.ones(2, 3, requires_grad=True)
    seed = mg.ones(6)
    x.reshape(6).backward(seed)  # the reshaped seed would be a view of the caller's tensor
    seed.array[:] = 5
    np.testing.assert_allclose(x.grad.numpy(), 1)
    w = mg.ones(3, requires_grad=True)
    g = mg.ones(3)
    w.backward(g)
    g.array[:] = 7
    np.testing.assert_allclose(w.grad.numpy(), 1)
    a = mg.ones(3, requires_grad=True)
    (a + a).sum().backward()
    np.testing.assert_allclose(a.grad.numpy(), 2)


def test_leaf_gradients_that_are_views_of_one_buffer_do_not_alias():
    # cat's backward hands each input a slice of one gradient array; a reshape hands a whole view
    a = mg.ones(2, 3, requires_grad=True)
    b = mg.ones(2, 3, requires_grad=True)
    (mg.cat([a, b]) * 2).reshape(12).backward(mg.ones(12))
    a.grad.array += 10
    np.testing.assert_allclose(b.grad.numpy(), 2)
    x = mg.ones(4, requires_grad=True)
    y = (x * 3).reshape(2, 2)
    z = y.reshape(4)
    z.backward(mg.ones(4))  # the leaf may keep the fresh product's memory, reshaped
    np.testing.assert_allclose(x.grad.numpy(), 3)


def test_removing_one_of_several_leaf_hooks():
    x = mg.ones(2, requires_grad=True)
    calls = []
    h1 = x.register_hook(lambda g: calls.append(1))
    x.register_hook(lambda g: calls.append(2))
    h1.remove()
    (x * 2).sum().backward()
    assert calls == [2]
