"""Device "cuda" from the user's side: ``mg.cuda``, moving tensors and modules, factories, what stays
on the device and what copies back, mixing devices, random draws, saving and loading.

Runs on the simulator (tests/test_cuda_simulator.py) and on a GPU; elsewhere tests/cuda is not
collected (tests/test_cuda_devices.py checks the error there)."""

import numpy as np
import pytest

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad import optim
from minigrad.backends import backend_for
from tests.helpers import host

CUDA = backend_for("cuda")


def _on_device(t):
    """True when t's array is the CUDA backend's kind (CuPy on a GPU; NumPy on the simulator)."""
    return t.device == "cuda" and isinstance(t.array, type(CUDA.zeros((1,), np.float32)))


# ---- mg.cuda --------------------------------------------------------------------------------


def test_the_device_functions():
    assert mg.cuda.is_available() and mg.cuda.unavailable_reason() is None
    assert mg.cuda.device_count() == 1
    assert isinstance(mg.cuda.get_device_name(), str) and mg.cuda.get_device_name()
    x = mg.randn(1000, device="cuda")
    mg.cuda.synchronize()
    used = mg.cuda.memory_allocated()
    if mg.cuda.simulator():
        assert used == 0  # the simulator's arrays are host memory
    else:
        assert used >= x.numel() * 4
        del x
        mg.cuda.empty_cache()
        assert mg.cuda.memory_allocated() <= used - 4000
    mg.cuda.empty_cache()


# ---- moving tensors --------------------------------------------------------------------------


def test_to_cuda_and_back_copies_and_keeps_values_and_dtype():
    for dtype in (mg.float32, mg.float64, mg.int64, mg.bool_):
        x = mg.tensor(np.arange(6).reshape(2, 3) % 4, dtype=dtype)
        for moved in (
            x.to("cuda"),
            x.cuda(),
            x.to("cuda:0"),
            x.to(device="cuda"),
            x.to(mg.zeros(1, dtype=dtype, device="cuda")),
        ):
            assert _on_device(moved) and moved.dtype == dtype
            np.testing.assert_array_equal(host(moved), x.numpy())
        back = x.cuda().cpu()
        assert back.device == "cpu" and back.dtype == dtype
        np.testing.assert_array_equal(back.numpy(), x.numpy())
    x = mg.zeros(3)
    y = x.cuda()
    y += 1  # a copy: the CPU tensor does not change (no shared memory, on the simulator either)
    assert x.tolist() == [0.0, 0.0, 0.0] and y.tolist() == [1.0, 1.0, 1.0]
    assert y.to("cuda") is y and y.cuda() is y  # already there: no copy
    z = x.to("cuda", mg.float64)
    assert z.device == "cuda" and z.dtype == mg.float64


def test_gradients_flow_back_across_devices():
    x = mg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = (x.cuda() * mg.tensor([2.0, 3.0, 4.0], device="cuda")).relu()
    assert y.device == "cuda" and y.requires_grad
    loss = y.cpu().sum()
    loss.backward()
    assert x.grad.device == "cpu"
    np.testing.assert_array_equal(x.grad.numpy(), [2.0, 0.0, 4.0])
    w = mg.tensor([0.5, 0.25], device="cuda", requires_grad=True)
    (w * w).sum().backward()
    assert w.grad.device == "cuda"
    np.testing.assert_array_equal(host(w.grad), [1.0, 0.5])


def test_every_factory_takes_device_cuda():
    made = {
        "tensor": mg.tensor([[1.0, 2.0]], device="cuda"),
        "zeros": mg.zeros(2, 3, device="cuda"),
        "ones": mg.ones(2, device="cuda"),
        "empty": mg.empty(4, device="cuda"),
        "full": mg.full((2, 2), 7.0, device="cuda"),
        "eye": mg.eye(3, device="cuda"),
        "arange": mg.arange(5, device="cuda"),
        "linspace": mg.linspace(0, 1, 5, device="cuda"),
        "randn": mg.randn(3, device="cuda"),
        "rand": mg.rand(3, device="cuda"),
        "randint": mg.randint(0, 5, (3,), device="cuda"),
        "randperm": mg.randperm(4, device="cuda"),
        "zeros_like": mg.zeros_like(mg.zeros(2, device="cuda")),
        "ones_like": mg.ones_like(mg.zeros(2), device="cuda"),
        "randn_like": mg.randn_like(mg.zeros(2, device="cuda")),
        "full_like": mg.full_like(mg.zeros(2, device="cuda"), 3.0),
    }
    for name, t in made.items():
        assert _on_device(t), name
    assert mg.tensor([1, 2], device="cuda").dtype == mg.int64
    assert mg.zeros(2, device="cuda", requires_grad=True).requires_grad
    np.testing.assert_array_equal(host(made["eye"]), np.eye(3))
    np.testing.assert_array_equal(host(made["arange"]), np.arange(5))


def test_random_draws_follow_the_seed_on_every_device():
    """One seed, one stream: the same values on "cpu" and "cuda" (drawn on the host, then copied)."""
    for draw in (
        lambda d: mg.randn(4, 3, device=d),
        lambda d: mg.rand(5, device=d, dtype=mg.float64),
        lambda d: mg.randint(0, 10, (6,), device=d),
        lambda d: mg.randperm(7, device=d),
        lambda d: F.dropout(mg.ones(50, device=d), 0.4),
    ):
        mg.manual_seed(123)
        cpu = draw("cpu").numpy()
        mg.manual_seed(123)
        np.testing.assert_array_equal(host(draw("cuda")), cpu)


# ---- leaving the device -------------------------------------------------------------------------


def test_numpy_of_a_cuda_tensor_is_pytorchs_error_and_item_tolist_print_copy_back():
    x = mg.tensor([[1.5, -2.0]], device="cuda")
    message = (
        "can't convert cuda:0 device type tensor to numpy. Use Tensor.cpu() to copy the tensor to host memory first."
    )
    with pytest.raises(TypeError) as e:
        x.numpy()
    assert str(e.value) == message
    with pytest.raises(TypeError, match="Use Tensor.cpu"):
        np.asarray(x)
    assert x.tolist() == [[1.5, -2.0]] and x[0, 0].item() == 1.5 and float(x.sum()) == -0.5
    assert repr(x) == "tensor([[ 1.5000, -2.0000]], device='cuda:0')"
    assert repr(mg.tensor([1, 2], device="cuda")) == "tensor([1, 2], device='cuda:0')"
    w = mg.tensor([1.0], device="cuda", requires_grad=True)
    assert repr(w * 2) == "tensor([2.], device='cuda:0', grad_fn=<MulBackward>)"
    with pytest.raises(RuntimeError, match="requires grad"):
        w.numpy()


def test_mixing_devices_is_an_error_naming_both():
    a, b = mg.ones(3), mg.ones(3, device="cuda")
    for op in (lambda: a + b, lambda: b * a, lambda: mg.ones(2, 3) @ mg.ones(3, device="cuda"),
               lambda: mg.cat([a, b]), lambda: F.linear(b, mg.ones(2, 3))):  # fmt: skip
        with pytest.raises(RuntimeError, match=r"same device, found (cpu and cuda|cuda and cpu)"):
            op()
    with pytest.raises(RuntimeError, match="on cuda"):
        b.backward(mg.ones(3))
    with pytest.raises(RuntimeError, match="running_mean is on cpu but the input is on cuda"):
        F.batch_norm(mg.randn(4, 3, device="cuda"), mg.zeros(3), mg.ones(3), training=True)
    # copy_ and indexing with CPU indices copy on purpose, as in PyTorch
    b.copy_(mg.tensor([1.0, 2.0, 3.0]))
    assert b.tolist() == [1.0, 2.0, 3.0] and b[mg.tensor([2, 0])].tolist() == [3.0, 1.0]
    with pytest.raises(IndexError, match="on the cpu or on the indexed tensor's device"):
        a[mg.tensor([0], device="cuda")]


# ---- modules ----------------------------------------------------------------------------------------


def test_model_to_moves_parameters_and_buffers_in_place():
    model = nn.Sequential(nn.Linear(4, 3), nn.BatchNorm1d(3), nn.ReLU())
    params = list(model.parameters())
    model(mg.randn(5, 4)).sum().backward()
    assert model.to("cuda") is model
    assert [id(p) for p in model.parameters()] == [id(p) for p in params]  # same Parameter objects
    for name, t in [*model.named_parameters(), *model.named_buffers()]:
        assert _on_device(t), name
    assert all(_on_device(p.grad) for p in model.parameters())
    assert model[1].num_batches_tracked.dtype == mg.int64
    y = model(mg.randn(5, 4, device="cuda"))
    assert y.device == "cuda" and model[1].num_batches_tracked.item() == 2
    model.cpu()
    assert all(t.device == "cpu" for t in [*model.parameters(), *model.buffers()])


def test_optimizer_state_lives_on_the_parameters_device():
    model = nn.Linear(3, 2).cuda()
    for opt in (optim.SGD(model.parameters(), lr=0.1, momentum=0.9), optim.Adam(model.parameters(), lr=0.1)):
        before = host(model.weight).copy()
        model(mg.randn(4, 3, device="cuda")).pow(2).sum().backward()
        opt.step()
        opt.zero_grad()
        assert not np.array_equal(host(model.weight), before)
        for state in opt.state.values():
            for v in state.values():
                if hasattr(v, "shape"):
                    assert isinstance(v, type(model.weight.array))


# ---- saving and loading ---------------------------------------------------------------------------


def test_save_writes_host_arrays_and_load_maps_to_a_device(tmp_path):
    model = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).cuda()
    path = tmp_path / "model.npz"
    mg.save(model.state_dict(), path)
    with np.load(path) as data:  # plain host arrays (and minigrad's manifest), readable without minigrad
        arrays = [data[k] for k in data.files if not k.endswith(".json")]
    assert len(arrays) == len(model.state_dict()) and all(isinstance(a, np.ndarray) for a in arrays)
    assert any(a.shape == (2, 3) and np.array_equal(a, host(model[0].weight)) for a in arrays)
    loaded = mg.load(path)  # on the device each tensor was saved from, as PyTorch
    assert all(_on_device(t) for t in loaded.values())
    for where in ("cpu", mg.device("cpu"), {"cuda": "cpu"}, lambda t, saved_on: t):
        assert all(t.device == "cpu" for t in mg.load(path, map_location=where).values())
    np.testing.assert_array_equal(host(loaded["1.running_var"]), host(model[1].running_var))
    fresh = nn.Sequential(nn.Linear(3, 2), nn.BatchNorm1d(2)).cuda()
    fresh.load_state_dict(mg.load(path, map_location="cpu"))  # CPU values into CUDA parameters: copied over
    assert _on_device(fresh[0].weight)
    np.testing.assert_array_equal(host(fresh[0].weight), host(model[0].weight))
