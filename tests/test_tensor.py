"""Tensor creation, dtypes, conversions, repr and in-place methods."""

import subprocess
import sys

import numpy as np
import pytest
import torch

import minigrad as mg


def test_dtype_inference_follows_pytorch():
    assert mg.tensor([1.0, 2.0]).dtype == mg.float32
    assert mg.tensor([1, 2]).dtype == mg.int64
    assert mg.tensor([True, False]).dtype == mg.bool_
    assert mg.tensor(np.zeros(2)).dtype == mg.float64  # NumPy arrays keep their dtype
    assert mg.tensor(np.zeros(2, np.float32)).dtype == mg.float32
    assert mg.tensor([1, 2], dtype=mg.float64).dtype == mg.float64
    assert mg.tensor(3.5).shape == ()


@pytest.mark.parametrize(
    "make",
    [
        lambda lib: lib.zeros(2, 3),
        lambda lib: lib.ones((2, 3)),
        lambda lib: lib.arange(5),
        lambda lib: lib.arange(0, 1, 0.25),
        lambda lib: lib.full((2,), 7),
        lambda lib: lib.eye(3),
        lambda lib: lib.zeros_like(lib.ones(2, dtype=lib.float64)),
        lambda lib: lib.linspace(0, 1, 5),
    ],
)
def test_factories_match_pytorch(make):
    a, b = make(mg), make(torch)
    assert a.shape == tuple(b.shape)
    assert str(a.dtype) == str(b.dtype).replace("torch.", "")
    np.testing.assert_allclose(a.numpy(), b.numpy())


def test_random_factories_are_reproducible_with_manual_seed():
    mg.manual_seed(3)
    a = mg.randn(4, 5)
    mg.manual_seed(3)
    b = mg.randn(4, 5)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.dtype == mg.float32 and mg.rand(3, dtype=mg.float64).dtype == mg.float64
    g = mg.Generator().manual_seed(1)
    assert mg.randn(3, generator=g).shape == (3,)
    assert mg.randint(0, 5, (10,)).dtype == mg.int64


def test_from_numpy_shares_memory():
    a = np.zeros(3, np.float32)
    t = mg.from_numpy(a)
    a[0] = 5
    assert t[0].item() == 5
    with pytest.raises(TypeError):
        mg.from_numpy([1, 2])


def test_scalar_promotion_follows_pytorch():
    x = mg.ones(2)
    assert (x * 2.5).dtype == mg.float32
    assert (x * 2).dtype == mg.float32
    i = mg.tensor([1, 2])
    assert (i * 2).dtype == mg.int64
    assert (i * 2.5).dtype == mg.float32
    assert (i / 2).dtype == mg.float32
    assert (x + mg.ones(2, dtype=mg.float64)).dtype == mg.float64
    assert (i + x).dtype == mg.float32


def test_leaving_minigrad():
    t = mg.tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="detach"):
        t.numpy()
    assert t.detach().numpy().tolist() == [[1.0, 2.0]]
    assert t.tolist() == [[1.0, 2.0]]
    assert t[0, 1].item() == 2.0
    with pytest.raises(RuntimeError, match="2 elements"):
        t.item()
    assert float(t.sum()) == 3.0


def test_to_and_dtype_conversions_are_differentiable():
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    y = x.to(mg.float64)
    assert y.dtype == mg.float64 and x.to(mg.float32) is x
    (y * y).sum().backward()
    assert x.grad.dtype == mg.float32
    np.testing.assert_allclose(x.grad.numpy(), [2, 4])
    assert x.double().dtype == mg.float64 and x.long().dtype == mg.int64 and x.cpu() is x


def test_to_takes_pytorchs_keywords():
    # x.to(device, non_blocking=True) is in most PyTorch training loops; copy=True always copies
    x = mg.tensor([1.0, 2.0], requires_grad=True)
    assert x.to("cpu", non_blocking=True) is x and x.to(mg.device("cpu"), copy=False) is x
    y = x.to("cpu", copy=True)
    assert y is not x and not np.shares_memory(y.detach().numpy(), x.detach().numpy())
    (y * 3.0).sum().backward()  # the copy is differentiable, as PyTorch's is
    np.testing.assert_array_equal(x.grad.numpy(), [3.0, 3.0])


def test_repr_looks_like_pytorch():
    assert repr(mg.tensor([1.0, 2.5])) == "tensor([1.0000, 2.5000])"
    assert repr(mg.tensor([1.0, 2.0])) == "tensor([1., 2.])"
    assert repr(mg.tensor([1, 2])) == "tensor([1, 2])"
    assert repr(mg.tensor([1.0], dtype=mg.float64)) == "tensor([1.], dtype=minigrad.float64)"
    assert repr(mg.tensor([1.0], requires_grad=True)) == "tensor([1.], requires_grad=True)"
    assert repr(mg.tensor([1.0], requires_grad=True) * 2) == "tensor([2.], grad_fn=<MulBackward>)"
    assert repr(mg.tensor(3.0)) == "tensor(3.)"


def test_comparisons_give_bool_tensors_without_grad():
    x = mg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    m = x > 1.5
    assert m.dtype == mg.bool_ and not m.requires_grad
    assert m.tolist() == [False, True, True]
    assert (x == 2).tolist() == [False, True, False]
    assert x[m].shape == (2,)


def test_in_place_methods_and_setitem():
    t = mg.zeros(2, 3)
    v = t._version.value
    t.fill_(2).add_(1).mul_(2)
    np.testing.assert_allclose(t.numpy(), 6)
    t[0, 1] = 0
    assert t[0, 1].item() == 0
    assert t._version.value > v
    t.uniform_(-1, 1)
    assert (np.abs(t.numpy()) <= 1).all()


def test_only_floating_tensors_require_grad():
    with pytest.raises(RuntimeError, match="floating point"):
        mg.tensor([1, 2], requires_grad=True)


def test_shape_mismatch_error_names_both_shapes():
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(4,\)"):
        mg.ones(2, 3) + mg.ones(4)
    with pytest.raises(RuntimeError, match=r"\(2, 3\).*\(4, 5\)"):
        mg.ones(2, 3) @ mg.ones(4, 5)


def test_import_is_cheap_and_compiles_nothing():
    """`import minigrad` stays cheap because it imports none of the slow packages (numba alone takes
    0.4 s). Checked by what is imported, not by a clock: a timed assertion fails on a busy machine."""
    code = (
        "import sys; import minigrad, minigrad.nn, minigrad.optim; "
        "print(sorted(m for m in ('numba', 'llvmlite', 'torch', 'cupy', 'scipy', 'matplotlib') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_set_num_threads():
    mg.set_num_threads(1)
    assert mg.get_num_threads() == 1
    mg.set_num_threads(2)
    with pytest.raises(ValueError):
        mg.set_num_threads(0)
