"""minigrad.nn.init: fans and gains against torch.nn.init, statistics against theory."""

import itertools
import math

import numpy as np
import pytest
import torch

from minigrad.nn import init
from tests.helpers import DEVICES, host

NONLINEARITIES = [
    "linear",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "conv_transpose3d",
    "sigmoid",
    "tanh",
    "relu",
    "leaky_relu",
    "selu",
]

# Linear (out, in) and Conv (out, in, k...) shapes, a non-square one of each
FAN_SHAPES = [
    (7, 3),
    (3, 7),
    (1000, 1000),
    (8, 3, 3, 3),
    (16, 4, 5),
    (4, 2, 3, 3, 3),
    (3, 5, 1, 1),
    (64, 1, 7, 7),
    (2, 3, 4, 5, 6, 7),
]

# large tensors for the statistics: about a million entries, fan_in != fan_out
BIG_SHAPES = {"linear": (2000, 500), "conv": (512, 128, 4, 4)}


def fans(shape):
    """Hand-computed fans: (in * receptive field, out * receptive field)."""
    rf = math.prod(shape[2:])
    return shape[1] * rf, shape[0] * rf


# ---------------------------------------------------------------------------------------------
# Gains and fans against PyTorch
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_matches_torch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == pytest.approx(torch.nn.init.calculate_gain(nonlinearity), rel=1e-15)


@pytest.mark.parametrize("slope", [None, 0.0, 0.01, 0.2, 1, 3, math.sqrt(5)])
def test_leaky_relu_gain_matches_torch(slope):
    ours = init.calculate_gain("leaky_relu", slope)
    assert ours == pytest.approx(torch.nn.init.calculate_gain("leaky_relu", slope), rel=1e-15)
    s = 0.01 if slope is None else slope
    assert ours == pytest.approx(math.sqrt(2 / (1 + s * s)), rel=1e-15)


def test_gain_values_and_errors():
    assert init.calculate_gain("tanh") == pytest.approx(5 / 3)
    assert init.calculate_gain("relu") == pytest.approx(math.sqrt(2))
    assert init.calculate_gain("selu") == pytest.approx(3 / 4)
    with pytest.raises(ValueError, match="Unsupported nonlinearity gelu"):
        init.calculate_gain("gelu")
    with pytest.raises(ValueError, match="negative_slope True not a valid number"):
        init.calculate_gain("leaky_relu", True)
    with pytest.raises(ValueError, match="not a valid number"):
        init.calculate_gain("leaky_relu", "0.1")


@pytest.mark.parametrize("shape", FAN_SHAPES)
def test_fans_match_torch(shape):
    expect = torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape))
    assert init._calculate_fan_in_and_fan_out(np.empty(shape)) == expect == fans(shape)
    for mode in ("fan_in", "fan_out", "FAN_IN"):
        assert init._calculate_correct_fan(np.empty(shape), mode) == torch.nn.init._calculate_correct_fan(
            torch.empty(shape), mode
        )


def test_fan_errors():
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init._calculate_fan_in_and_fan_out(np.empty(5))
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.xavier_uniform_(np.empty(5))
    with pytest.raises(ValueError, match="Mode fan_avg not supported"):
        init.kaiming_normal_(np.empty((3, 4)), mode="fan_avg")


# ---------------------------------------------------------------------------------------------
# Statistics against theory (sample std within 1% of the formula, on ~1e6 entries)
# ---------------------------------------------------------------------------------------------


def torch_std(fn_name, shape, mode, nonlinearity, a):
    """The std that torch's own formula gives, from torch's private fan / gain helpers."""
    t = torch.empty(shape)
    if fn_name.startswith("xavier"):
        fi, fo = torch.nn.init._calculate_fan_in_and_fan_out(t)
        return torch.nn.init.calculate_gain(nonlinearity, a) * math.sqrt(2.0 / (fi + fo))
    fan = torch.nn.init._calculate_correct_fan(t, mode)
    return torch.nn.init.calculate_gain(nonlinearity, a) / math.sqrt(fan)


def theory_std(fn_name, shape, mode, nonlinearity, a):
    """The lecture's formulas, written out independently of any library."""
    fan_in, fan_out = fans(shape)
    gain = {"tanh": 5 / 3, "relu": math.sqrt(2), "selu": 0.75}.get(nonlinearity, 1.0)
    if nonlinearity == "leaky_relu":
        gain = math.sqrt(2 / (1 + (0.01 if a is None else a) ** 2))
    if fn_name.startswith("xavier"):
        return gain * math.sqrt(2 / (fan_in + fan_out))  # var(w) = 2 / (N_in + N_out)
    return gain / math.sqrt(fan_in if mode == "fan_in" else fan_out)  # var(w) = gain^2 / N


@pytest.mark.parametrize("layer", sorted(BIG_SHAPES))
@pytest.mark.parametrize("mode", ["fan_in", "fan_out"])
@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
@pytest.mark.parametrize("fn_name", ["kaiming_uniform_", "kaiming_normal_"])
def test_kaiming_statistics(fn_name, nonlinearity, mode, layer):
    shape = BIG_SHAPES[layer]
    a = 0.2 if nonlinearity == "leaky_relu" else 0
    std = theory_std(fn_name, shape, mode, nonlinearity, a)
    assert std == pytest.approx(torch_std(fn_name, shape, mode, nonlinearity, a), rel=1e-12)
    w = np.empty(shape, dtype=np.float32)
    out = getattr(init, fn_name)(w, a=a, mode=mode, nonlinearity=nonlinearity, generator=1234)
    assert out is w
    assert abs(w.std(dtype=np.float64) / std - 1) < 0.01
    assert abs(w.mean(dtype=np.float64)) < 0.01 * std
    if "uniform" in fn_name:
        bound = math.sqrt(3) * std
        assert np.abs(w).max() <= bound * (1 + 1e-6)
        assert np.abs(w).max() > 0.999 * bound


@pytest.mark.parametrize("layer", sorted(BIG_SHAPES))
@pytest.mark.parametrize("gain", [1.0, 5 / 3, math.sqrt(2)])
@pytest.mark.parametrize("fn_name", ["xavier_uniform_", "xavier_normal_"])
def test_xavier_statistics(fn_name, gain, layer):
    shape = BIG_SHAPES[layer]
    fan_in, fan_out = fans(shape)
    std = gain * math.sqrt(2 / (fan_in + fan_out))
    w = np.empty(shape)
    getattr(init, fn_name)(w, gain=gain, generator=7)
    assert abs(w.std() / std - 1) < 0.01
    if "uniform" in fn_name:
        bound = gain * math.sqrt(6 / (fan_in + fan_out))
        assert bound * 0.999 < np.abs(w).max() <= bound


def test_kaiming_defaults_are_torch_defaults():
    # a=0, mode='fan_in', nonlinearity='leaky_relu': gain sqrt(2 / (1 + 0^2)) = sqrt(2)
    w = np.empty((2000, 500))
    init.kaiming_normal_(w, generator=0)
    assert abs(w.std() / math.sqrt(2 / 500) - 1) < 0.01
    # PyTorch's layer default: kaiming_uniform_(a=sqrt(5)) == U(-1/sqrt(fan_in), 1/sqrt(fan_in))
    init.kaiming_uniform_(w, a=math.sqrt(5), generator=0)
    assert 0.999 / math.sqrt(500) < np.abs(w).max() <= 1 / math.sqrt(500)
    assert abs(w.std() / math.sqrt(1 / (3 * 500)) - 1) < 0.01


def test_uniform_and_normal():
    w = np.empty((1000, 1000))
    init.uniform_(w, -0.5, 1.5, generator=0)
    assert -0.5 <= w.min() and w.max() <= 1.5
    assert abs(w.mean() - 0.5) < 0.01 * (2 / math.sqrt(12))
    assert abs(w.std() / (2 / math.sqrt(12)) - 1) < 0.01  # (b - a) / sqrt(12)
    init.normal_(w, 3.0, 0.01, generator=0)  # the lecture's "small random numbers", shifted
    assert abs(w.std() / 0.01 - 1) < 0.01
    assert abs(w.mean() - 3.0) < 0.01 * 0.01
    with pytest.raises(ValueError, match="std"):
        init.normal_(w, 0, -1)
    with pytest.raises(ValueError, match="a <= b"):
        init.uniform_(w, 1, 0)


@pytest.mark.parametrize(("mean", "std", "a", "b"), [(0, 1, -2, 2), (0.5, 2.0, -1.0, 4.0), (0, 0.02, -0.04, 0.04)])
def test_trunc_normal(mean, std, a, b):
    w = np.empty((1000, 1000))
    init.trunc_normal_(w, mean, std, a, b, generator=3)
    assert a <= w.min() and w.max() <= b
    # moments of the truncated normal
    alpha, beta = (a - mean) / std, (b - mean) / std
    pdf = [math.exp(-u * u / 2) / math.sqrt(2 * math.pi) for u in (alpha, beta)]
    mass = 0.5 * (math.erf(beta / math.sqrt(2)) - math.erf(alpha / math.sqrt(2)))
    m = mean + std * (pdf[0] - pdf[1]) / mass
    var = std**2 * (1 + (alpha * pdf[0] - beta * pdf[1]) / mass - ((pdf[0] - pdf[1]) / mass) ** 2)
    assert abs(w.std() / math.sqrt(var) - 1) < 0.01
    assert abs(w.mean() - m) < 0.01 * math.sqrt(var)
    t = torch.empty(1000, 1000)
    torch.nn.init.trunc_normal_(t, mean, std, a, b)
    assert abs(t.double().std().item() / math.sqrt(var) - 1) < 0.01  # torch agrees with the formula


def test_trunc_normal_errors():
    with pytest.raises(ValueError, match="a < b"):
        init.trunc_normal_(np.empty((3, 3)), a=1, b=0)
    with pytest.raises(ValueError, match="too slow"):
        init.trunc_normal_(np.empty((3, 3)), mean=0, std=1, a=10, b=11)


def test_constant_zeros_ones():
    w = np.empty((4, 5), dtype=np.float32)
    assert init.constant_(w, 0.01) is w
    np.testing.assert_array_equal(w, np.float32(0.01))
    np.testing.assert_array_equal(init.zeros_(w), 0)
    np.testing.assert_array_equal(init.ones_(w), 1)


@pytest.mark.parametrize("shape", [(3, 5), (5, 3), (4, 4)])
def test_eye_matches_torch(shape):
    np.testing.assert_array_equal(init.eye_(np.empty(shape)), torch.nn.init.eye_(torch.empty(shape)).numpy())
    with pytest.raises(ValueError, match="2 dimensions"):
        init.eye_(np.empty((2, 2, 2)))


@pytest.mark.parametrize(
    ("shape", "groups"), [((4, 4, 3), 1), ((6, 3, 3, 3), 1), ((8, 2, 3, 5), 2), ((4, 4, 1, 3, 3), 2)]
)
def test_dirac_matches_torch(shape, groups):
    expect = torch.nn.init.dirac_(torch.empty(shape), groups=groups).numpy()
    np.testing.assert_array_equal(init.dirac_(np.empty(shape), groups=groups), expect)


# ---------------------------------------------------------------------------------------------
# Orthogonal
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("shape", [(64, 64), (100, 30), (30, 100), (1, 10), (10, 1), (16, 8, 3, 3), (200, 4, 3, 3)])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("gain", [1.0, 2.0])
def test_orthogonal(shape, dtype, gain):
    w = np.empty(shape, dtype=dtype)
    init.orthogonal_(w, gain=gain, generator=11)
    flat = w.reshape(shape[0], -1).astype(np.float64) / gain
    rows, cols = flat.shape
    gram = flat @ flat.T if rows <= cols else flat.T @ flat  # W W^T (wide) or W^T W (tall) = I
    np.testing.assert_allclose(gram, np.eye(min(rows, cols)), atol=1e-5)


def test_orthogonal_sign_fix_makes_it_haar():
    # without multiplying Q by sign(diag(R)), Householder QR makes Q[0, 0] = -|a_00| / ||a_0|| < 0 always
    g = np.random.default_rng(0)
    first = np.array([init.orthogonal_(np.empty((4, 4)), generator=g)[0, 0] for _ in range(400)])
    assert (first > 0).mean() == pytest.approx(0.5, abs=0.1)
    assert abs(first.mean()) < 0.1  # Haar-distributed entries have mean 0 (std 1/2 here)


def test_orthogonal_errors_and_empty():
    with pytest.raises(ValueError, match="2 or more dimensions"):
        init.orthogonal_(np.empty(4))
    assert init.orthogonal_(np.empty((0, 3))).shape == (0, 3)


def test_zero_element_tensor_warns():
    with pytest.warns(UserWarning, match="no-op"):
        init.kaiming_uniform_(np.empty((0, 3)))


# ---------------------------------------------------------------------------------------------
# Reproducibility: generator=None (global, mg.manual_seed), an int seed, a Generator
# ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fn",
    [
        init.uniform_,
        init.normal_,
        init.trunc_normal_,
        init.xavier_uniform_,
        init.xavier_normal_,
        init.kaiming_uniform_,
        init.kaiming_normal_,
        init.orthogonal_,
    ],
)
def test_same_seed_same_values(fn):
    import minigrad.random as mgr

    def draw(**kw):
        return fn(np.empty((30, 20)), **kw).copy()

    np.testing.assert_array_equal(draw(generator=5), draw(generator=5))
    assert not np.array_equal(draw(generator=5), draw(generator=6))
    mgr.manual_seed(3)
    first = draw()
    mgr.manual_seed(3)
    np.testing.assert_array_equal(draw(), first)
    np.testing.assert_array_equal(draw(generator=mgr.Generator(9)), draw(generator=mgr.Generator(9)))
    np.testing.assert_array_equal(draw(generator=np.random.default_rng(9)), draw(generator=mgr.Generator(9)))


# ---------------------------------------------------------------------------------------------
# minigrad Tensors and Parameters
# ---------------------------------------------------------------------------------------------

ALL_FILLS = [
    ("uniform_", {"a": -1.0, "b": 1.0}),
    ("normal_", {"std": 0.5}),
    ("trunc_normal_", {}),
    ("constant_", {"val": 0.25}),
    ("zeros_", {}),
    ("ones_", {}),
    ("eye_", {}),
    ("xavier_uniform_", {}),
    ("xavier_normal_", {}),
    ("kaiming_uniform_", {"a": math.sqrt(5)}),
    ("kaiming_normal_", {"mode": "fan_out", "nonlinearity": "relu"}),
    ("orthogonal_", {"gain": 2.0}),
]


@pytest.mark.parametrize(("name", "kwargs"), ALL_FILLS, ids=[n for n, _ in ALL_FILLS])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("device", DEVICES)
def test_fills_a_parameter_in_place(device, name, kwargs, dtype):
    """On any device: values drawn on the host in float64 from the seeded generator, copied in place
    (same seed, same values on every device)."""
    import minigrad as mg
    from minigrad import nn

    w = nn.Parameter(mg.zeros(30, 20, dtype=getattr(mg, dtype), device=device))
    assert w.requires_grad and w.is_leaf
    version = w._version.value
    array_before = w.array
    out = getattr(init, name)(w, **kwargs)  # no `with no_grad()` needed by the caller
    assert out is w and w.requires_grad and w.is_leaf and w.grad is None
    assert w.dtype == np.dtype(dtype) and w.shape == (30, 20) and w.device == device
    assert w.array is array_before  # really in place
    assert w._version.value > version  # a graph that saved the old value notices
    ref = np.empty((30, 20))
    if "val" in kwargs or name in ("zeros_", "ones_", "eye_"):
        np.testing.assert_array_equal(host(w), getattr(init, name)(ref, **kwargs))
    else:  # same seed, same values as on a NumPy array
        getattr(init, name)(w, generator=4, **kwargs)
        np.testing.assert_allclose(
            host(w), getattr(init, name)(ref, generator=4, **kwargs), rtol=1e-6 if dtype == "float32" else 0
        )


def test_tensor_statistics_and_grad_still_flows():
    import minigrad as mg
    from minigrad import nn

    w = nn.Parameter(mg.zeros(2000, 500))
    init.kaiming_normal_(w, nonlinearity="relu", generator=0)
    assert abs(w.detach().numpy().std(dtype=np.float64) / math.sqrt(2 / 500) - 1) < 0.01
    x = mg.ones(3, 500)
    (x @ w.T).sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 3.0)


def test_fans_of_a_tensor():
    import minigrad as mg

    assert init._calculate_fan_in_and_fan_out(mg.zeros(8, 3, 5, 5)) == (75, 200)


# ---------------------------------------------------------------------------------------------
# Whole models: apply_ and lsuv_
# ---------------------------------------------------------------------------------------------


def act(name):
    """ReLU or tanh as a module built from elementwise ops (clamp, exp), so that these tests do not
    depend on nn's activation modules."""
    from minigrad import nn

    class Activation(nn.Module):
        def forward(self, x):
            if name == "relu":
                return x.clamp(min=0)
            return 1 - 2 / ((2 * x).exp() + 1)  # tanh(x), finite for large |x|

    return Activation()


def mlp(sizes=(784, 1000, 500, 10), act_name="relu"):
    from minigrad import nn

    layers = []
    for i, (a, b) in enumerate(itertools.pairwise(sizes)):
        layers.append(nn.Linear(a, b))
        if i < len(sizes) - 2:
            layers.append(act(act_name))
    return nn.Sequential(*layers)


def convnet():
    from minigrad import nn

    return nn.Sequential(
        nn.Conv2d(3, 16, 3, padding=1),
        act("relu"),
        nn.Conv2d(16, 32, 3, stride=2, padding=1),
        act("tanh"),
        nn.Flatten(),
        nn.Linear(32 * 4 * 4, 10),
    )


def weights(model):
    from minigrad import nn

    return [m for m in model.modules() if isinstance(m, (nn.Linear, nn.Conv2d))]


def test_layers_use_torch_default_init():
    from minigrad import nn

    lin = nn.Linear(1000, 2000)
    bound = 1 / math.sqrt(1000)
    w, b = lin.weight.detach().numpy(), lin.bias.detach().numpy()
    assert 0.999 * bound < np.abs(w).max() <= bound and np.abs(b).max() <= bound
    assert abs(w.std() / (bound / math.sqrt(3)) - 1) < 0.01
    conv = nn.Conv2d(64, 128, 3)
    bound = 1 / math.sqrt(64 * 9)
    assert np.abs(conv.weight.detach().numpy()).max() <= bound


@pytest.mark.parametrize(
    ("scheme", "std_of"),
    [
        ("normal(0.01)", lambda fi, fo: 0.01),
        ("normal", lambda fi, fo: 0.01),
        ("normal(std=0.05)", lambda fi, fo: 0.05),
        ("uniform(0.05)", lambda fi, fo: 0.05 / math.sqrt(3)),
        ("lecun", lambda fi, fo: 1 / math.sqrt(fi)),
        ("xavier", lambda fi, fo: math.sqrt(2 / (fi + fo))),
        ("glorot_uniform", lambda fi, fo: math.sqrt(2 / (fi + fo))),
        ("xavier(nonlinearity=tanh)", lambda fi, fo: 5 / 3 * math.sqrt(2 / (fi + fo))),
        ("xavier(gain=5/3)", lambda fi, fo: 5 / 3 * math.sqrt(2 / (fi + fo))),
        ("he", lambda fi, fo: math.sqrt(2 / fi)),
        ("MSRA", lambda fi, fo: math.sqrt(2 / fi)),
        ("kaiming_uniform", lambda fi, fo: math.sqrt(2 / fi)),
        ("he(mode=fan_out)", lambda fi, fo: math.sqrt(2 / fo)),
        ("he(nonlinearity=leaky_relu, a=0.2)", lambda fi, fo: math.sqrt(2 / (1.04 * fi))),
        ("orthogonal", lambda fi, fo: math.sqrt(min(fi, fo) / (fi * fo))),
        ("default", lambda fi, fo: 1 / math.sqrt(3 * fi)),
    ],
)
def test_apply_named_schemes(scheme, std_of):
    model = mlp()
    assert init.apply_(model, scheme, bias=0.01, generator=0) is model
    for layer in weights(model)[:2]:  # the big layers (>= 500k weights)
        w = layer.weight.detach().numpy()
        fan_out, fan_in = w.shape
        assert abs(w.std(dtype=np.float64) / std_of(fan_in, fan_out) - 1) < 0.01, scheme
        np.testing.assert_array_equal(layer.bias.detach().numpy(), np.float32(0.01))


def test_apply_zeros_bias_options_and_reproducibility():
    model = convnet()
    init.apply_(model, "zeros", bias=0.0)
    for layer in weights(model):
        assert not layer.weight.detach().numpy().any() and not layer.bias.detach().numpy().any()
    init.apply_(model, "he", bias=None, generator=1)  # biases untouched
    assert all(not layer.bias.detach().numpy().any() for layer in weights(model))
    first = [layer.weight.detach().numpy().copy() for layer in weights(model)]
    init.apply_(model, "he", bias="default", generator=1)
    for layer, w in zip(weights(model), first, strict=True):
        np.testing.assert_array_equal(layer.weight.detach().numpy(), w)
        fan_in = w[0].size
        assert 0 < np.abs(layer.bias.detach().numpy()).max() <= 1 / math.sqrt(fan_in)
    # conv fans: He std = sqrt(2 / (in_channels * kh * kw))
    big = convnet()
    init.apply_(big, lambda w: init.kaiming_normal_(w, mode="fan_out", nonlinearity="relu", generator=2))
    conv2 = weights(big)[1].weight.detach().numpy()
    assert abs(conv2.std() / math.sqrt(2 / (32 * 9)) - 1) < 0.05  # 4608 weights only


def test_apply_errors():
    model = mlp((4, 3, 2))
    with pytest.raises(ValueError, match="unknown init scheme 'bogus'"):
        init.apply_(model, "bogus")
    with pytest.raises(ValueError, match="too many positional"):
        init.apply_(model, "normal(0.1, 0, 3)")
    with pytest.raises(ValueError, match="not of the form"):
        init.apply_(model, "normal(0.1")
    with pytest.raises(ValueError, match="bias must be"):
        init.apply_(model, "he", bias="ones")
    with pytest.raises(TypeError, match="name or a function"):
        init.apply_(model, 3)


def test_lecture_experiment_deep_tanh_net():
    """Slides 26-28: 10 tanh layers of 500 units. N(0, 0.01^2) collapses the activations; Xavier keeps them."""
    import minigrad as mg

    net = mlp((500,) * 11, act_name="tanh")
    x = mg.randn(1000, 500, generator=0)
    stds = {}
    for scheme in ("normal(0.01)", "lecun"):
        init.apply_(net, scheme, bias=0.0, generator=0)
        with mg.no_grad():
            stds[scheme] = net(x).detach().numpy().std()
    assert stds["normal(0.01)"] < 1e-5  # 0.05 per layer, ten times over
    assert stds["lecun"] > 0.1


def lsuv_output_variances(model, batch):
    import minigrad as mg

    variances = []
    handles = [
        layer.register_forward_hook(lambda m, i, o: variances.append(float(o.detach().numpy().var(dtype=np.float64))))
        for layer in weights(model)
    ]
    with mg.no_grad():
        model(batch)
    for h in handles:
        h.remove()
    return variances


@pytest.mark.parametrize("net", ["mlp_relu", "mlp_tanh", "conv"])
def test_lsuv_gives_unit_variance_in_every_layer(net):
    import minigrad as mg

    if net == "conv":
        model, batch = convnet(), mg.randn(64, 3, 8, 8, generator=0) * 3 + 1
    else:
        model = mlp((100, 200, 300, 200, 10), act_name="relu" if net == "mlp_relu" else "tanh")
        batch = mg.randn(256, 100, generator=0) * 0.1
    init.lsuv_(model, batch, tol=0.1, generator=1)
    variances = lsuv_output_variances(model, batch)
    assert len(variances) == len(weights(model))
    assert all(0.9 <= v <= 1.1 for v in variances), variances
    # the pre-initialisation was orthogonal: the rows of each weight stay orthogonal, scaled
    w = weights(model)[0].weight.detach().numpy().reshape(weights(model)[0].weight.shape[0], -1).astype(np.float64)
    gram = w @ w.T if w.shape[0] <= w.shape[1] else w.T @ w
    np.testing.assert_allclose(gram / gram[0, 0], np.eye(len(gram)), atol=1e-5)


def test_lsuv_without_orthogonal_keeps_directions():
    import minigrad as mg

    model = mlp((50, 80, 10))
    batch = mg.randn(128, 50, generator=0)
    init.apply_(model, "normal(0.01)", bias=0.0, generator=0)
    before = weights(model)[0].weight.detach().numpy().copy()
    init.lsuv_(model, batch, orthogonal=False)
    after = weights(model)[0].weight.detach().numpy()
    ratio = after / before
    np.testing.assert_allclose(ratio, ratio.flat[0], rtol=1e-5)  # only rescaled
    assert all(0.9 <= v <= 1.1 for v in lsuv_output_variances(model, batch))


def test_lsuv_dead_layer_raises():
    import minigrad as mg

    model = mlp((10, 20, 5))
    with pytest.raises(ValueError, match="variance 0"):
        init.lsuv_(model, mg.zeros(16, 10))
