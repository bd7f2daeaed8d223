"""nn.Module and the core layers against PyTorch; state_dict, save/load, hooks."""

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F


def _mlp(lib):
    n = lib.nn if lib is torch else nn
    return n.Sequential(n.Linear(6, 8), n.Flatten(), n.Linear(8, 3))


def _cnn(lib):
    n = lib.nn if lib is torch else nn
    return n.Sequential(
        n.Conv2d(2, 4, 3, padding=1),
        n.MaxPool2d(2),
        n.Conv2d(4, 3, 2, stride=1),
        n.AvgPool2d(2),
        n.Flatten(),
        n.Linear(3, 2),
    )


def _copy_torch_into(model, tmodel):
    model.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in tmodel.state_dict().items()})


@pytest.mark.parametrize("build,shape", [(_mlp, (5, 6)), (_cnn, (3, 2, 8, 8))])
def test_models_match_pytorch_after_loading_its_state_dict(build, shape):
    torch.manual_seed(0)
    tmodel, model = build(torch).double(), build(mg).double()
    assert list(model.state_dict()) == list(tmodel.state_dict())
    _copy_torch_into(model, tmodel)
    x = np.random.default_rng(0).standard_normal(shape)
    y, ty = model(mg.tensor(x)), tmodel(torch.tensor(x))
    np.testing.assert_allclose(y.detach().numpy(), ty.detach().numpy(), rtol=1e-10)
    g = np.random.default_rng(1).standard_normal(y.shape)
    y.backward(mg.tensor(g))
    ty.backward(torch.tensor(g))
    for (name, p), (_, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-9, err_msg=name)


def test_module_registration_and_traversal():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.body = nn.Sequential(nn.Linear(3, 4), nn.Linear(4, 4))
            self.head = nn.Linear(4, 2, bias=False)
            self.blocks = nn.ModuleList([nn.Linear(2, 2) for _ in range(2)])
            self.register_buffer("steps", mg.tensor(0))
            self.register_buffer("scratch", mg.zeros(2), persistent=False)

        def forward(self, x):
            x = self.head(self.body(x))
            for b in self.blocks:
                x = b(x)
            return x

    net = Net()
    names = [n for n, _ in net.named_parameters()]
    assert names == [
        "body.0.weight",
        "body.0.bias",
        "body.1.weight",
        "body.1.bias",
        "head.weight",
        "blocks.0.weight",
        "blocks.0.bias",
        "blocks.1.weight",
        "blocks.1.bias",
    ]
    assert list(net.state_dict()) == ["steps"] + names  # own params and buffers, then children (PyTorch)
    assert len(list(net.children())) == 3 and len(list(net.modules())) == 8
    assert net(mg.randn(5, 3)).shape == (5, 2)
    assert net.eval().training is False and all(not m.training for m in net.modules())
    assert net.train().body[1].training
    assert "Linear(in_features=3, out_features=4, bias=True)" in repr(net)


def test_linear_and_conv_default_init_is_pytorchs():
    mg.manual_seed(0)
    lin = nn.Linear(400, 300)
    bound = 1 / np.sqrt(400)
    w = lin.weight.detach().numpy()
    assert np.abs(w).max() <= bound and np.abs(w).max() > 0.99 * bound
    assert abs(w.std() - bound / np.sqrt(3)) < 0.01 * bound
    conv = nn.Conv2d(8, 16, 3)
    cb = 1 / np.sqrt(8 * 9)
    assert np.abs(conv.weight.detach().numpy()).max() <= cb
    assert np.abs(conv.bias.detach().numpy()).max() <= cb


def test_load_state_dict_checks_keys_and_shapes_and_changes_nothing_on_error():
    model = _mlp(mg)
    before = {k: v.numpy().copy() for k, v in model.state_dict().items()}
    sd = {k: v.clone() for k, v in model.state_dict().items()}
    del sd["2.bias"]
    with pytest.raises(RuntimeError, match='Missing key.*"2.bias"'):
        model.load_state_dict(sd)
    sd = {k: mg.zeros(*v.shape) for k, v in model.state_dict().items()}
    sd["0.weight"] = mg.zeros(8, 5)
    with pytest.raises(RuntimeError, match=r"size mismatch for 0.weight.*\(8, 5\).*\(8, 6\)"):
        model.load_state_dict(sd)
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), before[k])
    sd["extra"] = mg.zeros(1)
    sd["0.weight"] = mg.zeros(8, 6)
    result = model.load_state_dict(sd, strict=False)
    assert result.unexpected_keys == ["extra"]
    assert not model.state_dict()["0.weight"].numpy().any()


def test_save_and_load_round_trip_is_bit_exact(tmp_path):
    model = _cnn(mg)
    sd = model.state_dict()
    sd["count"] = mg.tensor(7)
    path = tmp_path / "model.npz"
    mg.save(sd, path)
    loaded = mg.load(path)
    assert list(loaded) == list(sd)
    for k in sd:
        assert loaded[k].dtype == sd[k].dtype and loaded[k].shape == sd[k].shape
        assert loaded[k].numpy().tobytes() == sd[k].numpy().tobytes()
    other = _cnn(mg)
    other.load_state_dict({k: v for k, v in loaded.items() if k != "count"})
    x = mg.randn(1, 2, 8, 8)
    np.testing.assert_array_equal(other(x).detach().numpy(), model(x).detach().numpy())


def test_load_never_unpickles(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([object()], dtype=object))
    with pytest.raises(ValueError):
        mg.load(path)


def test_save_rejects_non_tensors_and_keeps_the_old_file(tmp_path):
    path = tmp_path / "m.npz"
    mg.save({"a": mg.ones(2)}, path)
    with pytest.raises(TypeError):
        mg.save({"a": object()}, path)
    assert mg.load(path)["a"].tolist() == [1.0, 1.0]


def test_forward_hooks_and_pre_hooks():
    lin = nn.Linear(3, 2)
    seen = []
    h = lin.register_forward_hook(lambda m, inp, out: seen.append((inp[0].shape, out.shape)))
    lin.register_forward_pre_hook(lambda m, inp: (inp[0] * 0,))
    out = lin(mg.randn(4, 3))
    assert seen == [((4, 3), (4, 2))]
    np.testing.assert_allclose(out.detach().numpy(), np.broadcast_to(lin.bias.detach().numpy(), (4, 2)))
    h.remove()
    lin(mg.randn(4, 3))
    assert len(seen) == 1


def test_full_backward_hook_matches_pytorch():
    torch.manual_seed(0)
    tl = torch.nn.Linear(3, 2).double()
    ml = nn.Linear(3, 2).double()
    _copy_torch_into(ml, tl)
    x = np.random.default_rng(0).standard_normal((4, 3))
    got, want = [], []
    ml.register_full_backward_hook(lambda m, gi, go: got.append((gi[0].numpy().copy(), go[0].numpy().copy())))
    tl.register_full_backward_hook(lambda m, gi, go: want.append((gi[0].numpy().copy(), go[0].numpy().copy())))
    mx, tx = mg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    (ml(mx) ** 2).sum().backward()
    (tl(tx) ** 2).sum().backward()
    assert len(got) == len(want) == 1
    for a, b in zip(got[0], want[0]):
        np.testing.assert_allclose(a, b, rtol=1e-10)
    np.testing.assert_allclose(mx.grad.numpy(), tx.grad.numpy(), rtol=1e-10)

    # the hook may replace grad_input; with an input that needs no grad, grad_input is (None,)
    ml2 = nn.Linear(3, 2)
    ml2.register_full_backward_hook(lambda m, gi, go: (gi[0] * 0,))
    x2 = mg.randn(4, 3, requires_grad=True)
    ml2(x2).sum().backward()
    assert not x2.grad.numpy().any()
    calls = []
    ml3 = nn.Linear(3, 2)
    ml3.register_full_backward_hook(lambda m, gi, go: calls.append(gi))
    ml3(mg.randn(4, 3)).sum().backward()
    assert calls == [(None,)]


def test_dropout_module_train_and_eval():
    d = nn.Dropout(0.5)
    x = mg.ones(100, 100)
    assert (d(x).numpy() == 0).any()
    d.eval()
    assert d(x) is x


def test_loss_modules():
    x, t = mg.randn(4, 3, requires_grad=True), mg.tensor([0, 1, 2, 1])
    np.testing.assert_allclose(nn.CrossEntropyLoss()(x, t).item(), F.cross_entropy(x, t).item())
    assert nn.CrossEntropyLoss(reduction="none")(x, t).shape == (4,)
    np.testing.assert_allclose(nn.MSELoss()(x, x * 0).item(), (x.detach().numpy() ** 2).mean(), rtol=1e-6)


def test_linear_errors_name_the_shapes():
    with pytest.raises(RuntimeError, match="input has 5 features.*weight expects 6"):
        nn.Linear(6, 2)(mg.zeros(3, 5))
    with pytest.raises(TypeError, match="float64"):
        nn.Linear(6, 2)(mg.zeros(3, 6, dtype=mg.float64))


def test_zero_grad_and_requires_grad_():
    m = _mlp(mg)
    m(mg.randn(2, 6)).sum().backward()
    assert all(p.grad is not None for p in m.parameters())
    m.zero_grad(set_to_none=False)
    assert all(not p.grad.numpy().any() for p in m.parameters())
    m.zero_grad()
    assert all(p.grad is None for p in m.parameters())
