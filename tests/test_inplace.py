"""In-place updates with PyTorch's rules: ``+= -= *= /=``, ``add_`` and friends, ``.data``, version
counters of custom Functions, gradients assigned by hand or returned by hooks, grad mode."""

import operator

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn

RNG = np.random.default_rng(0)


def _pair(shape, requires_grad=False):
    a = RNG.standard_normal(shape)
    return mg.tensor(a, requires_grad=requires_grad), torch.tensor(a, requires_grad=requires_grad)


def test_the_students_sgd_loop_updates_the_parameter_itself():
    # micrograd / makemore / d2l: the first training loop every student writes
    w, tw = _pair((3,), True)
    for p, lib in ((w, mg), (tw, torch)):
        for _ in range(3):
            loss = (p * p).sum()
            loss.backward()
            with lib.no_grad():
                p -= 0.1 * p.grad
            p.grad = None
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)
    assert w.is_leaf and w.requires_grad


def test_data_plus_equals_updates_the_parameter_and_data_is_settable():
    w, tw = _pair((2, 3), True)
    for p in (w, tw):
        (p**2).sum().backward()
        p.data += -0.1 * p.grad
    np.testing.assert_allclose(w.detach().numpy(), tw.detach().numpy(), rtol=1e-12)
    w.data = mg.zeros(2, 3, dtype=mg.float64)
    tw.data = torch.zeros(2, 3, dtype=torch.float64)
    np.testing.assert_array_equal(w.detach().numpy(), tw.detach().numpy())
    with pytest.raises(TypeError, match="Tensor"):
        w.data = np.zeros((2, 3))


def test_an_alias_sees_the_change():
    a = mg.zeros(3)
    b = a
    b += 1
    np.testing.assert_array_equal(a.numpy(), [1, 1, 1])
    v = a[1:]  # a view
    v *= 5
    np.testing.assert_array_equal(a.numpy(), [1, 5, 5])
    assert a._version.value == 2


def test_module_weight_scaled_in_place_under_no_grad():
    layer = nn.Linear(3, 2)
    before = layer.weight.detach().numpy().copy()
    with mg.no_grad():
        layer.weight *= 0.1
        layer.bias /= 2
    np.testing.assert_allclose(layer.weight.detach().numpy(), 0.1 * before, rtol=1e-6)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad


def test_a_leaf_that_requires_grad_is_refused_in_place_outside_no_grad():
    w, tw = _pair((3,), True)
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        tw -= 1
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad.*no_grad"):
        w -= 1
    with pytest.raises(RuntimeError, match="leaf Variable"):
        w.add_(1)


@pytest.mark.parametrize("op", [operator.iadd, operator.isub, operator.imul, operator.itruediv])
def test_in_place_inside_a_forward_pass_is_differentiable(op):
    # ResNet's `out += identity`: a non-leaf takes the result and its graph node
    (x, tx), (y, ty) = _pair((4, 3), True), _pair((3,), True)
    up = RNG.standard_normal((4, 3))
    for a, b, lib in ((x, y, mg), (tx, ty, torch)):
        h = a * 1.5
        h = op(h, b.exp())  # h += b.exp(), h -= ..., as Python runs the augmented assignment
        (h * lib.tensor(up)).sum().backward()
    for m, t in ((x, tx), (y, ty)):
        np.testing.assert_allclose(m.grad.numpy(), t.grad.numpy(), rtol=1e-10)


def test_accumulating_a_loss_into_a_tensor_that_needs_no_grad():
    w, tw = _pair((3,), True)
    for p, lib in ((w, mg), (tw, torch)):
        total = lib.zeros((), dtype=lib.float64)
        for k in range(3):
            total += (p * (k + 1)).sum()
        assert total.requires_grad and not total.is_leaf
        total.backward()
    np.testing.assert_allclose(w.grad.numpy(), tw.grad.numpy())


def test_in_place_on_a_saved_output_keeps_the_saved_values():
    # PyTorch raises here (tanh saved the output it overwrites); minigrad's in-place op inside a graph
    # writes new memory, so the saved output is intact and the gradient is exact
    x, tx = _pair((5,), True)
    h = x.tanh()
    h += 1
    h.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), 1 - np.tanh(tx.detach().numpy()) ** 2, rtol=1e-12)


def test_in_place_on_a_view_inside_a_graph_is_refused_clearly():
    x = mg.randn(4, requires_grad=True)
    h = x * 2
    v = h[:2]
    with pytest.raises(RuntimeError, match="shares.*out-of-place"):
        v += 1


def test_in_place_shape_and_dtype_rules_are_pytorchs():
    a, ta = mg.zeros(3), torch.zeros(3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        a += mg.ones(2, 3)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        ta += torch.ones(2, 3)
    i = mg.tensor([1, 2])
    with pytest.raises(RuntimeError, match="can't be cast"):
        i += 1.5
    i += 2
    np.testing.assert_array_equal(i.numpy(), [3, 4])
    assert i.dtype == mg.int64


def test_a_read_only_array_is_a_clear_error():
    arr = np.zeros(3, np.float32)
    arr.flags.writeable = False
    t = mg.from_numpy(arr)
    with pytest.raises(RuntimeError, match="read-only"):
        t += 1


def test_a_custom_function_sees_its_saved_input_changed_in_place():
    class Square(mg.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * x

        @staticmethod
        def backward(ctx, g):
            (x,) = ctx.saved_tensors
            return 2 * x * g

    x = mg.randn(3, requires_grad=True)
    h = x * 1
    y = Square.apply(h)
    with mg.no_grad():
        h.add_(1)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.sum().backward()


def test_set_grad_enabled_is_a_function_and_a_context_manager():
    x = mg.ones(2, requires_grad=True)
    with mg.set_grad_enabled(False):
        assert not (x * 2).requires_grad
    assert mg.is_grad_enabled()
    mg.set_grad_enabled(False)
    try:
        assert not mg.is_grad_enabled() and not (x * 2).requires_grad
    finally:
        mg.set_grad_enabled(True)
    assert (x * 2).requires_grad
    with mg.no_grad(), mg.set_grad_enabled(True):
        assert (x * 2).requires_grad
    assert mg.is_grad_enabled()


def test_assigned_grad_must_fit_the_tensor():
    p = mg.zeros(30, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"attempting to assign a gradient of size '\[3\]' to a tensor of size '\[30\]'"
    ):
        p.grad = mg.ones(3)
    with pytest.raises(RuntimeError, match="different type"):
        p.grad = mg.ones(30, dtype=mg.float64)
    with pytest.raises(TypeError):
        p.grad = np.ones(30, np.float32)
    tp = torch.zeros(30, requires_grad=True)
    with pytest.raises(
        RuntimeError, match=r"attempting to assign a gradient of size '\[3\]' to a tensor of size '\[30\]'"
    ):
        tp.grad = torch.ones(3)


def test_a_hook_may_not_change_the_gradients_shape():
    p = mg.zeros(4, requires_grad=True)
    p.register_hook(lambda g: mg.ones(3))
    with pytest.raises(RuntimeError, match="hook has changed the size of value"):
        (p * 2).sum().backward()
    h = mg.zeros(4, requires_grad=True) * 1
    h.register_hook(lambda g: mg.ones(2, 2))
    with pytest.raises(RuntimeError, match="hook has changed the size of value"):
        h.sum().backward()


def test_a_hook_may_replace_the_gradient():
    x, tx = _pair((3,), True)
    for t in (x, tx):
        t.register_hook(lambda g: g * 3)
        (t * t).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


def test_an_unknown_device_is_named():
    with pytest.raises(RuntimeError, match="unknown device 'mps'.*'cpu' and 'cuda'"):
        mg.ones(2).to("mps")
    with pytest.raises(RuntimeError, match="unknown device"):
        mg.zeros(2, device="tpu")
