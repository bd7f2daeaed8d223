"""nn additions for PyTorch scripts (issue 13 item 6) against PyTorch: Embedding, containers, pooling,
grouped convolution, channel dropout, lazy layers, gradient clipping, the new losses, state_dict(keep_vars),
and the layers minigrad leaves out."""

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from tests.helpers import check_against_torch, gradcheck, randn

DTYPES = [np.float32, np.float64]
TF = torch.nn.functional


# ---- Embedding --------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("padding_idx", [None, 2])
def test_embedding_matches_pytorch(padding_idx, dtype):
    weight = randn(6, 4, dtype=dtype, seed=1)
    idx = np.array([[0, 2, 5], [2, 2, 1]])  # repeated rows collect their gradients
    check_against_torch(
        lambda w, i: F.embedding(i, w, padding_idx=padding_idx),
        lambda w, i: TF.embedding(i, w, padding_idx=padding_idx),
        weight,
        idx,
    )


def test_embedding_module_init_gradcheck_and_errors():
    mg.manual_seed(0)
    emb = nn.Embedding(1000, 8, padding_idx=3)
    w = emb.weight.detach().numpy()
    assert abs(w.mean()) < 0.05 and abs(w.std() - 1) < 0.05 and not w[3].any()  # N(0, 1), padding row 0
    out = emb(mg.tensor([[3, 7]]))
    assert out.shape == (1, 2, 8)
    gradcheck(lambda t: F.embedding(mg.tensor([1, 0, 1]), t), randn(3, 2, seed=2))
    frozen = nn.Embedding.from_pretrained(mg.ones(3, 2))
    assert not frozen.weight.requires_grad and frozen(mg.tensor([2])).tolist() == [[1.0, 1.0]]
    assert nn.Embedding.from_pretrained(mg.ones(3, 2), freeze=False).weight.requires_grad
    with pytest.raises(TypeError, match="int64"):
        emb(mg.tensor([1.0]))
    with pytest.raises(IndexError, match="index 1000 is out of range"):
        emb(mg.tensor([1000]))
    with pytest.raises(NotImplementedError, match="max_norm"):
        nn.Embedding(3, 2, max_norm=1.0)


# ---- containers ---------------------------------------------------------------------------------------
def test_containers_register_like_pytorch():
    class Net(nn.Module):
        def __init__(self, lib):
            super().__init__()
            self.heads = lib.ModuleDict({"a": lib.Linear(2, 3), "b": lib.Linear(2, 1)})
            self.scales = lib.ParameterList([lib.Parameter(lib_ones(lib, 3)), lib.Parameter(lib_ones(lib, 1))])
            self.extra = lib.ParameterDict({"shift": lib.Parameter(lib_ones(lib, 2))})

    def lib_ones(lib, n):
        return mg.ones(n) if lib is nn else torch.ones(n)

    class TNet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.heads = torch.nn.ModuleDict({"a": torch.nn.Linear(2, 3), "b": torch.nn.Linear(2, 1)})
            self.scales = torch.nn.ParameterList([torch.nn.Parameter(torch.ones(3)), torch.nn.Parameter(torch.ones(1))])
            self.extra = torch.nn.ParameterDict({"shift": torch.nn.Parameter(torch.ones(2))})

    net = Net(nn)
    assert list(net.state_dict()) == list(TNet().state_dict())
    assert "a" in net.heads and list(net.heads.keys()) == ["a", "b"] and len(net.scales) == 2
    net.scales.append(mg.zeros(4))  # a plain tensor becomes a Parameter
    assert isinstance(net.scales[2], nn.Parameter) and len(list(net.parameters())) == 8
    seq = nn.Sequential(__import__("collections").OrderedDict([("fc", nn.Linear(2, 2)), ("act", nn.ReLU())]))
    assert list(seq.state_dict()) == ["fc.weight", "fc.bias"]
    with pytest.raises(TypeError, match="not a Module"):
        nn.ModuleDict({"x": 3})


# ---- pooling --------------------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("size", [1, (2, 3), (3, None), (7, 5), (4, 2)])
def test_adaptive_avg_pool2d_matches_pytorch(size, dtype):
    x = randn(2, 3, 7, 5, dtype=dtype, seed=3)
    check_against_torch(lambda t: F.adaptive_avg_pool2d(t, size), lambda t: TF.adaptive_avg_pool2d(t, size), x)
    check_against_torch(lambda t: nn.AdaptiveAvgPool2d(size)(t), lambda t: torch.nn.AdaptiveAvgPool2d(size)(t), x[0])


def test_adaptive_avg_pool2d_gradcheck():
    gradcheck(lambda t: F.adaptive_avg_pool2d(t, (2, 3)), randn(1, 2, 5, 4, seed=4))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "kw",
    [
        dict(kernel_size=2, ceil_mode=True),
        dict(kernel_size=3, stride=2, padding=1, ceil_mode=True),
        dict(kernel_size=2, return_indices=True),
        dict(kernel_size=3, stride=2, ceil_mode=True, return_indices=True),
        dict(kernel_size=2, stride=1, dilation=2, return_indices=True),
    ],
)
def test_max_pool2d_ceil_mode_and_indices_match_pytorch(kw, dtype):
    x = randn(2, 3, 7, 6, dtype=dtype, seed=5)
    check_against_torch(lambda t: F.max_pool2d(t, **kw), lambda t: TF.max_pool2d(t, **kw), x)
    if kw.get("return_indices"):
        _, idx = nn.MaxPool2d(**kw)(mg.tensor(x))
        _, tidx = torch.nn.MaxPool2d(**kw)(torch.tensor(x))
        assert idx.dtype == mg.int64 and np.array_equal(idx.numpy(), tidx.numpy())


@pytest.mark.parametrize("dtype", DTYPES)
def test_max_unpool2d_matches_pytorch(dtype):
    x = randn(2, 3, 6, 6, dtype=dtype, seed=6)
    _, idx = TF.max_pool2d(torch.tensor(x), 2, return_indices=True)
    pooled = randn(2, 3, 3, 3, dtype=dtype, seed=7)
    check_against_torch(
        lambda v, i: F.max_unpool2d(v, i, 2), lambda v, i: TF.max_unpool2d(v, i, 2), pooled, idx.numpy()
    )
    check_against_torch(
        lambda v, i: nn.MaxUnpool2d(2)(v, i, output_size=(7, 7)),
        lambda v, i: torch.nn.MaxUnpool2d(2)(v, i, output_size=(7, 7)),
        pooled,
        idx.numpy(),
    )
    gradcheck(lambda v: F.max_unpool2d(v, mg.tensor(idx.numpy()), 2), pooled)


# ---- grouped convolution ------------------------------------------------------------------------------
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("c,f,groups", [(4, 6, 2), (3, 3, 3), (6, 12, 3)])
def test_grouped_conv2d_matches_pytorch(c, f, groups, dtype):
    x, w, b = (
        randn(2, c, 6, 5, dtype=dtype, seed=8),
        randn(f, c // groups, 3, 2, dtype=dtype, seed=9),
        randn(f, dtype=dtype),
    )
    check_against_torch(
        lambda *t: F.conv2d(*t, stride=(2, 1), padding=1, groups=groups),
        lambda *t: TF.conv2d(*t, stride=(2, 1), padding=1, groups=groups),
        x,
        w,
        b,
    )


def test_grouped_conv2d_module_init_gradcheck_and_errors():
    torch.manual_seed(0)
    tconv = torch.nn.Conv2d(4, 6, 3, groups=2)
    conv = nn.Conv2d(4, 6, 3, groups=2)
    assert conv.weight.shape == tuple(tconv.weight.shape) == (6, 2, 3, 3)
    conv.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in tconv.state_dict().items()})
    x = randn(1, 4, 5, 5, dtype=np.float32, seed=10)
    np.testing.assert_allclose(conv(mg.tensor(x)).detach().numpy(), tconv(torch.tensor(x)).detach().numpy(), atol=1e-6)
    bound = 1 / np.sqrt(2 * 9)  # fan_in = in_channels / groups * kh * kw
    assert np.abs(nn.Conv2d(4, 6, 3, groups=2).bias.detach().numpy()).max() <= bound
    gradcheck(lambda a, w: F.conv2d(a, w, groups=2), randn(1, 4, 4, 4, seed=11), randn(2, 2, 2, 2, seed=12))
    with pytest.raises(ValueError, match="divisible by groups"):
        nn.Conv2d(4, 6, 3, groups=4)
    with pytest.raises(RuntimeError, match="divisible by groups=3"):
        F.conv2d(mg.ones(1, 4, 3, 3), mg.ones(3, 1, 1, 1), groups=3)
    with pytest.raises(NotImplementedError, match="padding_mode"):
        nn.Conv2d(1, 1, 3, padding_mode="reflect")


# ---- softmax modules, channel dropout --------------------------------------------------------------
@pytest.mark.parametrize("name", ["Softmax", "LogSoftmax"])
def test_softmax_modules_match_pytorch(name):
    x = randn(2, 3, 4, seed=13)
    check_against_torch(lambda t: getattr(nn, name)(dim=1)(t), lambda t: getattr(torch.nn, name)(dim=1)(t), x)
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = getattr(nn, name)()(mg.tensor(x))
    with pytest.warns(UserWarning):
        ref = getattr(torch.nn, name)()(torch.tensor(x))
    np.testing.assert_allclose(out.numpy(), ref.numpy(), rtol=1e-12)


@pytest.mark.parametrize(
    "module,shape", [(nn.Dropout2d, (40, 30, 3, 2)), (nn.Dropout1d, (40, 30, 5)), (nn.Dropout2d, (300, 3, 2))]
)
def test_channel_dropout_zeroes_whole_channels(module, shape):
    mg.manual_seed(0)
    drop = module(p=0.25)
    x = mg.ones(*shape, requires_grad=True)
    y = drop(x)
    y.sum().backward()
    spatial = 2 if module is nn.Dropout2d else 1  # the dims of one channel
    channels = y.detach().numpy().reshape(-1, int(np.prod(shape[-spatial:])))
    assert set(np.unique(channels)) <= {0.0, np.float32(1 / 0.75)}
    assert all(len(set(row)) == 1 for row in channels)  # a channel is kept or dropped as a whole
    assert 0.15 < (channels[:, 0] == 0).mean() < 0.35  # about p of them (1200 or 300 channels)
    np.testing.assert_array_equal(x.grad.numpy(), y.detach().numpy())  # the gradient has the same mask
    assert drop.eval()(x) is x
    with pytest.raises(RuntimeError, match="expected a"):
        F.dropout2d(mg.ones(3, 4), 0.5)


# ---- lazy layers --------------------------------------------------------------------------------------
def test_lazy_layers_become_ordinary_ones_and_keep_parameter_identity():
    model = nn.Sequential(
        nn.LazyConv2d(4, 3, padding=1), nn.LazyBatchNorm2d(), nn.ReLU(), nn.Flatten(), nn.LazyLinear(5)
    )
    params = list(model.parameters())
    opt = mg.optim.SGD(params, lr=0.1)  # built before the first call: it must still train the materialised weights
    out = model(mg.randn(2, 3, 4, 4))
    assert out.shape == (2, 5)
    assert [type(m).__name__ for m in model] == ["Conv2d", "BatchNorm2d", "ReLU", "Flatten", "Linear"]
    assert list(model.parameters()) == params  # the same objects, now with shapes
    tmodel = torch.nn.Sequential(
        torch.nn.LazyConv2d(4, 3, padding=1), torch.nn.LazyBatchNorm2d(), torch.nn.ReLU(), torch.nn.Flatten(),
        torch.nn.LazyLinear(5),
    )  # fmt: skip
    tmodel(torch.randn(2, 3, 4, 4))
    assert {k: tuple(v.shape) for k, v in model.state_dict().items()} == {
        k: tuple(v.shape) for k, v in tmodel.state_dict().items()
    }
    before = model[4].weight.detach().numpy().copy()
    out.sum().backward()
    opt.step()
    assert not np.array_equal(before, model[4].weight.detach().numpy())
    assert model[0].in_channels == 3 and model[4].in_features == 64 and model[1].num_features == 4


# ---- gradient clipping and parameter vectors --------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_pytorch(norm_type, max_norm):
    grads = [randn(3, 4, dtype=np.float32, seed=14), randn(5, dtype=np.float32, seed=15)]
    ps = [nn.Parameter(mg.zeros(*g.shape)) for g in grads]
    tps = [torch.nn.Parameter(torch.zeros(g.shape)) for g in grads]
    for p, tp, g in zip(ps, tps, grads):
        p.grad, tp.grad = mg.tensor(g), torch.tensor(g)
    total = nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    ttotal = torch.nn.utils.clip_grad_norm_(tps, max_norm, norm_type)
    np.testing.assert_allclose(total.item(), ttotal.item(), rtol=1e-6)
    for p, tp in zip(ps, tps):
        np.testing.assert_allclose(p.grad.numpy(), tp.grad.numpy(), rtol=1e-6, atol=1e-7)


def test_clip_grad_value_nonfinite_and_vectors():
    p = nn.Parameter(mg.zeros(4))
    p.grad = mg.tensor([-3.0, 0.5, 2.0, -0.25])
    nn.utils.clip_grad_value_([p], 1.0)
    assert p.grad.tolist() == [-1.0, 0.5, 1.0, -0.25]
    p.grad = mg.tensor([float("inf"), 1.0, 0.0, 0.0])
    with pytest.raises(RuntimeError, match="non-finite"):
        nn.utils.clip_grad_norm_(p, 1.0, error_if_nonfinite=True)
    model = nn.Linear(3, 2)
    vec = nn.utils.parameters_to_vector(model.parameters())
    assert vec.shape == (8,)
    nn.utils.vector_to_parameters(vec * 0 + 2, model.parameters())
    assert (model.weight == 2).all() and (model.bias == 2).all()


# ---- losses ---------------------------------------------------------------------------------------------
REGRESSION = [
    ("l1_loss", {}),
    ("smooth_l1_loss", {}),
    ("smooth_l1_loss", dict(beta=0.5)),
    ("smooth_l1_loss", dict(beta=0.0)),
    ("huber_loss", {}),
    ("huber_loss", dict(delta=2.0)),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("name,kw", REGRESSION)
def test_regression_losses_match_pytorch(name, kw, reduction, dtype):
    x, y = 2 * randn(4, 5, dtype=dtype, seed=16), randn(4, 5, dtype=dtype, seed=17)
    check_against_torch(
        lambda a, b: getattr(F, name)(a, b, reduction=reduction, **kw),
        lambda a, b: getattr(TF, name)(a, b, reduction=reduction, **kw),
        x,
        y,
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_binary_cross_entropy_matches_pytorch(reduction, dtype):
    rng = np.random.default_rng(18)
    p = rng.uniform(0.02, 0.98, (4, 3)).astype(dtype)
    y = rng.uniform(0, 1, (4, 3)).astype(dtype)
    w = rng.uniform(0.5, 2, (3,)).astype(dtype)
    check_against_torch(
        lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
        lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction),
        p,
        y,
    )
    check_against_torch(
        lambda a, b, c: F.binary_cross_entropy(a, b, weight=c, reduction=reduction),
        lambda a, b, c: TF.binary_cross_entropy(a, b, weight=c, reduction=reduction),
        p,
        y,
        w,
        requires_grad=[True, False, False],
    )
    edges = np.array([0.0, 1.0, 0.0, 1.0], dtype)  # log(0) is clamped to -100, as in PyTorch
    check_against_torch(
        lambda a, b: F.binary_cross_entropy(a, b, reduction=reduction),
        lambda a, b: TF.binary_cross_entropy(a, b, reduction=reduction),
        edges,
        np.array([1.0, 0.0, 0.0, 1.0], dtype),
        requires_grad=[False, True],
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_bce_with_logits_matches_pytorch(reduction, dtype):
    x = 3 * randn(4, 3, dtype=dtype, seed=19)
    x[0] = [60.0, -60.0, 0.0]  # large logits stay finite
    y = np.random.default_rng(20).uniform(0, 1, (4, 3)).astype(dtype)
    pw, w = np.array([0.5, 2.0, 3.0], dtype), np.array([1.0, 0.2, 2.0], dtype)
    for kw in ({}, {"pos_weight": pw}, {"weight": w, "pos_weight": pw}):
        names = list(kw)

        def call(f, names=names):
            return lambda a, b, *rest: f(a, b, reduction=reduction, **dict(zip(names, rest)))

        check_against_torch(
            call(F.binary_cross_entropy_with_logits),
            call(TF.binary_cross_entropy_with_logits),
            x,
            y,
            *kw.values(),
            requires_grad=[True, True] + [False] * len(kw),
        )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none", "batchmean"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_pytorch(reduction, log_target, dtype):
    x = np.log(np.random.default_rng(21).dirichlet(np.ones(5), 3)).astype(dtype)
    t = np.random.default_rng(22).dirichlet(np.ones(5), 3).astype(dtype)
    t = np.log(t) if log_target else t
    check_against_torch(
        lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
        lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
        x,
        t,
    )


def test_new_losses_gradcheck():
    rng = np.random.default_rng(23)
    p, y = rng.uniform(0.1, 0.9, (3, 2)), rng.uniform(0, 1, (3, 2))
    gradcheck(lambda a, b: F.binary_cross_entropy(a, b), p, y)
    gradcheck(
        lambda a, b: F.binary_cross_entropy_with_logits(a, b, pos_weight=mg.tensor([2.0, 0.5], dtype=mg.float64)),
        randn(3, 2),
        y,
    )
    gradcheck(lambda a, b: F.kl_div(a, b, reduction="batchmean"), np.log(p), y + 0.1)
    gradcheck(lambda a, b: F.smooth_l1_loss(a, b, beta=0.5), randn(3, 2, seed=24), randn(3, 2, seed=25))
    gradcheck(
        lambda a, b: F.cross_entropy(a, b, label_smoothing=0.1), randn(4, 3, seed=26), rng.dirichlet(np.ones(3), 4)
    )


CE_CASES = [
    dict(weight=True),
    dict(weight=True, label_smoothing=0.2),
    dict(weight=True, ignore_index=1),
    dict(weight=True, ignore_index=1, label_smoothing=0.3),
    dict(probabilities=True),
    dict(probabilities=True, weight=True, label_smoothing=0.1),
]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
@pytest.mark.parametrize("case", CE_CASES)
@pytest.mark.parametrize("shape", [(5, 4), (3, 4, 2, 2), (4,)])
def test_cross_entropy_with_weights_and_probabilities_matches_pytorch(case, reduction, shape, dtype):
    rng = np.random.default_rng(27)
    x = randn(*shape, dtype=dtype, seed=28)
    c = shape[0] if len(shape) == 1 else shape[1]
    if case.get("probabilities"):
        t = np.moveaxis(
            rng.dirichlet(np.ones(c), shape[:1] + shape[2:] if len(shape) > 1 else ()), -1, min(1, len(shape) - 1)
        )
        t = t.astype(dtype)
    else:
        t = rng.integers(0, c, shape[:1] + shape[2:] if len(shape) > 1 else ())
        if t.ndim:
            t.reshape(-1)[0] = case.get("ignore_index", 0)
    w = rng.uniform(0.5, 2.0, c).astype(dtype)
    kw = {k: v for k, v in case.items() if k in ("ignore_index", "label_smoothing")}
    arrays = [x, t] + ([w] if case.get("weight") else [])

    def call(f, lib):
        return lambda a, b, *weight: f(a, b, weight=weight[0] if weight else None, reduction=reduction, **kw)

    check_against_torch(
        call(F.cross_entropy, mg),
        call(TF.cross_entropy, torch),
        *arrays,
        requires_grad=[True, False] + [False] * (len(arrays) - 2),
    )


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("reduction", ["mean", "sum", "none"])
def test_weighted_nll_loss_matches_pytorch(reduction, dtype):
    logp = np.log(np.random.default_rng(29).dirichlet(np.ones(4), (3, 2))).astype(dtype).transpose(0, 2, 1).copy()
    t = np.array([[0, 3], [2, -100], [1, 1]])
    w = np.array([1.0, 2.0, 0.5, 3.0], dtype)
    check_against_torch(
        lambda a, b, c: F.nll_loss(a, b, weight=c, reduction=reduction),
        lambda a, b, c: TF.nll_loss(a, b, weight=c, reduction=reduction),
        logp,
        t,
        w,
        requires_grad=[True, False, False],
    )
    check_against_torch(
        lambda a, b: nn.NLLLoss(reduction=reduction)(a, b),
        lambda a, b: torch.nn.NLLLoss(reduction=reduction)(a, b),
        logp[:, :, 0],
        t[:, 0],
    )


def test_legacy_size_average_and_reduce():
    x, t = mg.randn(4, 3), mg.tensor([0, 1, 2, 1])
    total = F.cross_entropy(x, t, reduction="sum").item()
    assert F.cross_entropy(x, t, size_average=False).item() == total
    assert F.nll_loss(x.log_softmax(1), t, size_average=False).item() == pytest.approx(total)
    assert nn.CrossEntropyLoss(reduce=False)(x, t).shape == (4,)
    assert nn.MSELoss(size_average=False).reduction == "sum"


def test_loss_modules_match_pytorch_modules():
    rng = np.random.default_rng(30)
    x, y = randn(4, 3, seed=31), rng.uniform(0, 1, (4, 3))
    w = np.array([1.0, 2.0, 0.5])
    pairs = [
        (nn.L1Loss(), torch.nn.L1Loss()),
        (nn.SmoothL1Loss(beta=0.3), torch.nn.SmoothL1Loss(beta=0.3)),
        (nn.HuberLoss(delta=0.7), torch.nn.HuberLoss(delta=0.7)),
        (nn.BCEWithLogitsLoss(pos_weight=mg.tensor(w)), torch.nn.BCEWithLogitsLoss(pos_weight=torch.tensor(w))),
        (nn.BCELoss(weight=mg.tensor(w)), torch.nn.BCELoss(weight=torch.tensor(w))),
        (nn.KLDivLoss(reduction="batchmean"), torch.nn.KLDivLoss(reduction="batchmean")),
        (
            nn.CrossEntropyLoss(weight=mg.tensor(w), label_smoothing=0.1),
            torch.nn.CrossEntropyLoss(weight=torch.tensor(w), label_smoothing=0.1),
        ),
    ]
    for ours, theirs in pairs:
        a = 1 / (1 + np.exp(-x)) if isinstance(ours, nn.BCELoss) else x
        b = y / y.sum(1, keepdims=True) if isinstance(ours, (nn.KLDivLoss, nn.CrossEntropyLoss)) else y
        np.testing.assert_allclose(
            ours(mg.tensor(a), mg.tensor(b)).item(), theirs(torch.tensor(a), torch.tensor(b)).item(), rtol=1e-12
        )
    assert list(nn.CrossEntropyLoss(weight=mg.ones(3)).state_dict()) == list(
        torch.nn.CrossEntropyLoss(weight=torch.ones(3)).state_dict()
    )


def test_loss_errors():
    with pytest.raises(RuntimeError, match="between 0 and 1"):
        F.binary_cross_entropy(mg.tensor([1.5]), mg.tensor([1.0]))
    with pytest.raises(ValueError, match="target size"):
        F.binary_cross_entropy_with_logits(mg.ones(3), mg.ones(2))
    with pytest.raises(ValueError, match="weight must be a tensor of 3 values"):
        F.cross_entropy(mg.randn(2, 3), mg.tensor([0, 1]), weight=mg.ones(4))
    with pytest.raises(TypeError, match="class probabilities"):
        F.cross_entropy(mg.randn(2, 3), mg.rand(2))
    with pytest.raises(ValueError, match="beta must be >= 0"):
        F.smooth_l1_loss(mg.ones(2), mg.ones(2), beta=-1.0)
    with pytest.raises(IndexError, match="out of bounds"):
        F.nll_loss(mg.randn(2, 3), mg.tensor([0, 5]), weight=mg.ones(3))


# ---- Module API -----------------------------------------------------------------------------------------
def test_state_dict_keep_vars_and_load_state_dict_type_errors():
    model = nn.Sequential(nn.Linear(2, 3), nn.BatchNorm1d(3))
    kept = model.state_dict(keep_vars=True)
    assert kept["0.weight"] is model[0].weight and kept["1.running_mean"] is model[1].running_mean
    plain = model.state_dict()
    assert plain["0.weight"] is not model[0].weight and not plain["0.weight"].requires_grad
    assert list(model.state_dict(prefix="net.")) == ["net." + k for k in plain]
    with pytest.raises(TypeError, match="Expected state_dict to be dict-like.*got list"):
        model.load_state_dict([plain["0.weight"]])
    model.to(mg.device("cpu"), non_blocking=True)


@pytest.mark.parametrize(
    "name", ["LSTM", "GRU", "RNN", "LSTMCell", "ConvTranspose2d", "MultiheadAttention", "DataParallel"]
)
def test_layers_left_out_say_so(name):
    with pytest.raises(NotImplementedError, match=f"nn.{name}: .*(use PyTorch|minigrad trains on one device)"):
        getattr(nn, name)(4, 4)
    with pytest.raises(NotImplementedError, match="one device"):
        nn.parallel.DistributedDataParallel(nn.Linear(2, 2))
