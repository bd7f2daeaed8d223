"""BatchNorm, LayerNorm, InstanceNorm, GroupNorm and RMSNorm against PyTorch.

Values and gradients (input, weight, bias; random upstream gradient) in float32 and float64 on odd
shapes, running statistics over several training steps and then eval outputs, float64 gradcheck,
the identities between the norms, BatchNorm folding, badly conditioned inputs, and the errors.
"""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import minigrad as mg
import minigrad.nn as nn
import minigrad.nn.functional as F
from minigrad.backends.cpu import norm_kernels
from minigrad.nn.utils import fuse_batchnorm
from minigrad.ops.normalization import group_index, norm_layout, reduced_axes, shares_statistics
from tests.helpers import (
    DEVICES,
    check_against_torch,
    gradcheck,
    host,
    noncontiguous,
    randn,
    simulated,
    skip_float64_on_the_simulator,
    skip_large_on_the_simulator,
    tolerances,
    torch_device,
)

TF = torch.nn.functional
DTYPES = [np.float32, np.float64]


def _data(shape, dtype, seed=0, loc=0.5, scale=2.0):
    """Non-uniform test data: a shifted, scaled normal sample (not centred, not unit variance)."""
    return (randn(*shape, dtype=np.float64, seed=seed) * scale + loc).astype(dtype)


def _affine(C, dtype, seed=10):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(C) + 1.0).astype(dtype), rng.standard_normal(C).astype(dtype)


# ---------------------------------------------------------------------------------------------------
# Functional forms against PyTorch
# ---------------------------------------------------------------------------------------------------

BN_SHAPES = [(2, 3), (7, 5), (4, 6, 9), (2, 5, 3, 3), (3, 12, 5, 7), (2, 1, 1, 2)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("device", DEVICES)
def test_batch_norm_training(device, shape, dtype):
    skip_float64_on_the_simulator(device, dtype)
    skip_large_on_the_simulator(device, shape)
    C = shape[1]
    x = _data(shape, dtype)
    w, b = _affine((C,), dtype)
    check_against_torch(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        x, w, b, device=device,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(4, 6), (3, 5, 4, 2)])
@pytest.mark.parametrize("device", DEVICES)
def test_batch_norm_training_without_affine_updates_running_stats(device, shape, dtype):
    skip_float64_on_the_simulator(device, dtype)
    C = shape[1]
    x = _data(shape, dtype)
    rm, rv = randn(C, dtype=dtype, seed=3), np.abs(randn(C, dtype=dtype, seed=4)) + 0.5
    mg_rm, mg_rv = mg.tensor(rm, device=device), mg.tensor(rv, device=device)
    th_rm, th_rv = torch.tensor(rm, device=torch_device(device)), torch.tensor(rv, device=torch_device(device))
    check_against_torch(
        lambda x: F.batch_norm(x, mg_rm, mg_rv, training=True, momentum=0.3),
        lambda x: TF.batch_norm(x, th_rm, th_rv, training=True, momentum=0.3),
        x,
        device=device,
    )
    tol = tolerances(dtype)
    assert mg_rm.device == mg_rv.device == device
    np.testing.assert_allclose(host(mg_rm), host(th_rm), **tol)
    np.testing.assert_allclose(host(mg_rv), host(th_rv), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(5, 3), (2, 4, 7), (3, 6, 2, 5)])
def test_batch_norm_eval_uses_running_stats(shape, dtype):
    C = shape[1]
    x = _data(shape, dtype)
    w, b = _affine((C,), dtype)
    rm, rv = randn(C, dtype=dtype, seed=3), np.abs(randn(C, dtype=dtype, seed=4)) + 0.5
    check_against_torch(
        lambda x, w, b: F.batch_norm(x, mg.tensor(rm), mg.tensor(rv), w, b, training=False),
        lambda x, w, b: TF.batch_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, training=False),
        x, w, b,
    )  # fmt: skip


@pytest.mark.parametrize("dtype", DTYPES)
def test_batch_norm_noncontiguous(dtype):
    x = noncontiguous(_data((6, 5, 4, 3), dtype))
    assert not x.flags.c_contiguous
    w, b = _affine((5,), dtype)
    check_against_torch(
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        x, w, b,
    )  # fmt: skip


LN_CASES = [((2, 7), (7,)), ((3, 4, 5), (4, 5)), ((2, 3, 4, 5), (3, 4, 5)), ((5, 33), (33,)), ((4, 1), (1,))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,ns", LN_CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_layer_norm(device, shape, ns, dtype):
    skip_float64_on_the_simulator(device, dtype)
    x = _data(shape, dtype)
    rng = np.random.default_rng(5)
    w = (rng.standard_normal(ns) + 1).astype(dtype)
    b = rng.standard_normal(ns).astype(dtype)
    fn, th_fn = (lambda x, w, b: F.layer_norm(x, ns, w, b)), (lambda x, w, b: TF.layer_norm(x, ns, w, b))
    check_against_torch(fn, th_fn, x, w, b, device=device)


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_variants(dtype):
    x = _data((4, 6, 10), dtype)
    w = _data((10,), dtype, seed=7)
    check_against_torch(lambda x: F.layer_norm(x, (6, 10)), lambda x: TF.layer_norm(x, (6, 10)), x)
    check_against_torch(lambda x, w: F.layer_norm(x, 10, w), lambda x, w: TF.layer_norm(x, (10,), w), x, w)
    check_against_torch(
        lambda x: F.layer_norm(x, 10), lambda x: TF.layer_norm(x, (10,)), noncontiguous(_data((10, 10), dtype))
    )


IN_SHAPES = [(2, 3, 7), (1, 4, 5), (2, 5, 4, 3), (3, 6, 1, 9)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", IN_SHAPES)
@pytest.mark.parametrize("device", DEVICES)
def test_instance_norm(device, shape, dtype):
    skip_float64_on_the_simulator(device, dtype)
    skip_large_on_the_simulator(device, shape)
    x = _data(shape, dtype)
    w, b = _affine((shape[1],), dtype)
    check_against_torch(
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda x, w, b: TF.instance_norm(x, weight=w, bias=b),
        x, w, b, device=device,
    )  # fmt: skip
    check_against_torch(F.instance_norm, TF.instance_norm, x, device=device)


@pytest.mark.parametrize("dtype", DTYPES)
def test_instance_norm_running_stats(dtype):
    shape = (3, 4, 5, 2)
    x = _data(shape, dtype)
    rm, rv = randn(4, dtype=dtype, seed=3), np.abs(randn(4, dtype=dtype, seed=4)) + 0.5
    mg_rm, mg_rv, th_rm, th_rv = mg.tensor(rm), mg.tensor(rv), torch.tensor(rm), torch.tensor(rv)
    check_against_torch(
        lambda x: F.instance_norm(x, mg_rm, mg_rv, momentum=0.2),
        lambda x: TF.instance_norm(x, th_rm, th_rv, momentum=0.2),
        x,
    )
    np.testing.assert_allclose(mg_rm.numpy(), th_rm.numpy(), **tolerances(dtype))
    np.testing.assert_allclose(mg_rv.numpy(), th_rv.numpy(), **tolerances(dtype))
    # with use_input_stats=False the running statistics normalise (per channel)
    w, b = _affine((4,), dtype)
    check_against_torch(
        lambda x, w, b: F.instance_norm(x, mg.tensor(rm), mg.tensor(rv), w, b, use_input_stats=False),
        lambda x, w, b: TF.instance_norm(x, torch.tensor(rm), torch.tensor(rv), w, b, use_input_stats=False),
        x, w, b,
    )  # fmt: skip


GN_CASES = [((2, 6, 5), 1), ((2, 6, 5), 2), ((3, 6, 4, 4), 3), ((3, 6, 4, 4), 6), ((2, 12, 3, 5), 4), ((2, 10), 5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,groups", GN_CASES)
@pytest.mark.parametrize("device", DEVICES)
def test_group_norm(device, shape, groups, dtype):
    skip_float64_on_the_simulator(device, dtype)
    skip_large_on_the_simulator(device, shape)
    x = _data(shape, dtype)
    w, b = _affine((shape[1],), dtype)
    check_against_torch(
        lambda x, w, b: F.group_norm(x, groups, w, b),
        lambda x, w, b: TF.group_norm(x, groups, w, b),
        x, w, b, device=device,
    )  # fmt: skip
    fn, th_fn = (lambda x: F.group_norm(x, groups)), (lambda x: TF.group_norm(x, groups))
    check_against_torch(fn, th_fn, noncontiguous(x), device=device)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,ns,eps", [((4, 10), (10,), None), ((2, 3, 8), (3, 8), 1e-3), ((5, 7), (7,), 1e-6)])
@pytest.mark.parametrize("device", DEVICES)
def test_rms_norm(device, shape, ns, eps, dtype):
    skip_float64_on_the_simulator(device, dtype)
    x = _data(shape, dtype)
    w = _data(ns, dtype, seed=9)
    fn, th_fn = (lambda x, w: F.rms_norm(x, ns, w, eps)), (lambda x, w: TF.rms_norm(x, ns, w, eps))
    check_against_torch(fn, th_fn, x, w, device=device)
    fn, th_fn = (lambda x: F.rms_norm(x, ns, eps=eps)), (lambda x: TF.rms_norm(x, ns, eps=eps))
    check_against_torch(fn, th_fn, x, device=device)


@settings(deadline=None, max_examples=25, derandomize=True)
@given(
    n=st.integers(1, 4),
    groups=st.integers(1, 4),
    per_group=st.integers(1, 3),
    spatial=st.lists(st.integers(1, 5), min_size=0, max_size=2),
)
def test_group_norm_shapes(n, groups, per_group, spatial):
    shape = (n, groups * per_group, *spatial)
    if per_group * int(np.prod(spatial)) < 2:
        return  # one value per group: the variance is 0 and only eps is left (fine, but no gradient signal)
    x = _data(shape, np.float64, seed=n + 7 * groups)
    w, b = _affine((shape[1],), np.float64)
    check_against_torch(
        lambda x, w, b: F.group_norm(x, groups, w, b), lambda x, w, b: TF.group_norm(x, groups, w, b), x, w, b
    )


# ---------------------------------------------------------------------------------------------------
# float64 gradcheck
# ---------------------------------------------------------------------------------------------------


def test_gradcheck_batch_norm():
    x, (w, b) = _data((4, 3, 2, 2), np.float64), _affine((3,), np.float64)
    gradcheck(lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True), x, w, b)
    rm, rv = mg.tensor(randn(3, seed=1)), mg.tensor(np.abs(randn(3, seed=2)) + 0.5)
    gradcheck(lambda x, w, b: F.batch_norm(x, rm, rv, w, b, training=False), x, w, b)


def test_gradcheck_layer_norm():
    x, w, b = _data((3, 4, 5), np.float64), _data((4, 5), np.float64, 1), _data((4, 5), np.float64, 2)
    gradcheck(lambda x, w, b: F.layer_norm(x, (4, 5), w, b), x, w, b)


def test_gradcheck_instance_and_group_norm():
    x, (w, b) = _data((2, 6, 3, 2), np.float64), _affine((6,), np.float64)
    gradcheck(lambda x, w, b: F.instance_norm(x, weight=w, bias=b), x, w, b)
    gradcheck(lambda x, w, b: F.group_norm(x, 3, w, b), x, w, b)


def test_gradcheck_rms_norm():
    x, w = _data((3, 7), np.float64), _data((7,), np.float64, 1)
    gradcheck(lambda x, w: F.rms_norm(x, 7, w, 1e-5), x, w)


# ---------------------------------------------------------------------------------------------------
# Modules: parameters, buffers, train/eval, several steps against torch
# ---------------------------------------------------------------------------------------------------


def _copy_from_torch(mine, theirs):
    mine.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})


def _run_steps(mine, theirs, shape, dtype, steps=3, train=True, seed=0, device="cpu"):
    """Forward + backward through both modules ``steps`` times on ``device`` (the modules are there
    already); compare outputs, gradients and then the state dicts (running statistics)."""
    mine.train(train)
    theirs.train(train)
    tol = tolerances(dtype)
    for i in range(steps):
        x = _data(shape, dtype, seed=seed + i, loc=0.3 * i, scale=1.0 + i)
        g = randn(*shape, dtype=dtype, seed=100 + i)
        mx = mg.tensor(x, device=device, requires_grad=True)
        tx = torch.tensor(x, device=torch_device(device), requires_grad=True)
        my, ty = mine(mx), theirs(tx)
        assert my.device == device
        np.testing.assert_allclose(host(my), host(ty), **tol, err_msg=f"step {i} output")
        my.backward(mg.tensor(g, device=device))
        ty.backward(torch.tensor(g, device=tx.device))
        np.testing.assert_allclose(host(mx.grad), host(tx.grad), **tol, err_msg=f"step {i} input grad")
        for (name, p), q in zip(mine.named_parameters(), theirs.parameters()):
            np.testing.assert_allclose(host(p.grad), host(q.grad), **tol, err_msg=f"step {i} {name} grad")
            p.grad = None
            q.grad = None
    for name, t in theirs.state_dict().items():
        assert mine.state_dict()[name].device == device, name
        np.testing.assert_allclose(host(mine.state_dict()[name]), host(t), **tol, err_msg=name)


def _torch_dtype(dtype):
    return torch.float64 if dtype == np.float64 else torch.float32


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "cls,shape",
    [
        ("BatchNorm1d", (8, 5)),
        ("BatchNorm1d", (2, 5, 6)),
        ("BatchNorm2d", (4, 5, 3, 3)),
        ("BatchNorm3d", (2, 5, 2, 3, 2)),
    ],
)
@pytest.mark.parametrize("momentum", [0.1, None])
@pytest.mark.parametrize("device", DEVICES)
def test_batchnorm_module_training_then_eval(device, cls, shape, momentum, dtype):
    """Running statistics over training steps, then eval outputs; on "cuda" the module was moved there
    with .to(device) (parameters, running statistics and the int64 batch counter)."""
    skip_float64_on_the_simulator(device, dtype)
    if simulated(device) and (momentum is None or cls != "BatchNorm2d"):
        pytest.skip("on the simulator BatchNorm2d with momentum 0.1 runs (the others differ in host arithmetic only)")
    mine = getattr(nn, cls)(5, momentum=momentum, dtype=dtype)
    theirs = getattr(torch.nn, cls)(5, momentum=momentum, dtype=_torch_dtype(dtype))
    with torch.no_grad():
        theirs.weight.normal_(1.0, 0.5)
        theirs.bias.normal_(0.0, 0.5)
    _copy_from_torch(mine, theirs)
    mine.to(device)
    theirs.to(torch_device(device))
    _run_steps(mine, theirs, shape, dtype, steps=3, train=True, device=device)
    assert mine.num_batches_tracked.item() == 3 and mine.num_batches_tracked.dtype == mg.int64
    assert mine.num_batches_tracked.shape == () and mine.num_batches_tracked.device == device
    _run_steps(mine, theirs, shape, dtype, steps=2, train=False, seed=50, device=device)
    assert mine.num_batches_tracked.item() == 3  # eval mode does not count batches


@pytest.mark.parametrize("affine,track", [(False, True), (True, False), (False, False)])
def test_batchnorm_module_options(affine, track):
    mine = nn.BatchNorm2d(3, affine=affine, track_running_stats=track)
    theirs = torch.nn.BatchNorm2d(3, affine=affine, track_running_stats=track)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert [n for n, _ in mine.named_parameters()] == [n for n, _ in theirs.named_parameters()]
    _run_steps(mine, theirs, (4, 3, 2, 5), np.float32, steps=2, train=True)
    _run_steps(mine, theirs, (4, 3, 2, 5), np.float32, steps=1, train=False)
    assert repr(mine) == repr(theirs)


def test_batchnorm_state_dict_matches_torch():
    mine, theirs = nn.BatchNorm2d(4), torch.nn.BatchNorm2d(4)
    sd = mine.state_dict()
    assert list(sd) == ["weight", "bias", "running_mean", "running_var", "num_batches_tracked"]
    assert list(sd) == list(theirs.state_dict())
    for k, v in theirs.state_dict().items():
        assert sd[k].shape == tuple(v.shape)
        assert sd[k].dtype == np.dtype(str(v.dtype).replace("torch.", ""))
    # torch -> minigrad -> torch
    theirs.train()
    theirs(torch.randn(8, 4, 3, 3) * 3 + 1)
    _copy_from_torch(mine, theirs)
    back = torch.nn.BatchNorm2d(4)
    back.load_state_dict({k: torch.tensor(v.numpy()) for k, v in mine.state_dict().items()})
    for k, v in theirs.state_dict().items():
        assert torch.equal(back.state_dict()[k], v)


def test_batchnorm_eval_output_does_not_depend_on_the_batch():
    bn = nn.BatchNorm2d(3)
    bn.train()
    for i in range(4):
        bn(mg.tensor(_data((6, 3, 4, 4), np.float32, seed=i)))
    bn.eval()
    x = mg.tensor(_data((6, 3, 4, 4), np.float32, seed=9))
    full = bn(x).detach().numpy()
    alone = bn(x[2:3]).detach().numpy()
    np.testing.assert_array_equal(full[2:3], alone)
    before = bn.running_mean.numpy().copy()
    bn(x)
    np.testing.assert_array_equal(bn.running_mean.numpy(), before)  # eval does not touch running stats


@pytest.mark.parametrize("cls,shape", [("InstanceNorm1d", (3, 4, 7)), ("InstanceNorm2d", (2, 4, 3, 5))])
@pytest.mark.parametrize("affine,track", [(False, False), (True, True), (False, True)])
def test_instancenorm_module(cls, shape, affine, track):
    mine = getattr(nn, cls)(4, affine=affine, track_running_stats=track)
    theirs = getattr(torch.nn, cls)(4, affine=affine, track_running_stats=track)
    if affine:
        with torch.no_grad():
            theirs.weight.normal_(1.0, 0.5)
            theirs.bias.normal_(0.0, 0.5)
    assert list(mine.state_dict()) == list(theirs.state_dict())
    assert repr(mine) == repr(theirs)
    _copy_from_torch(mine, theirs)
    _run_steps(mine, theirs, shape, np.float32, steps=3, train=True)
    _run_steps(mine, theirs, shape, np.float32, steps=1, train=False, seed=20)


def test_instancenorm_unbatched_input():
    x = _data((4, 3, 5), np.float32)
    m, t = nn.InstanceNorm2d(4, affine=True), torch.nn.InstanceNorm2d(4, affine=True)
    np.testing.assert_allclose(
        m(mg.tensor(x)).detach().numpy(), t(torch.tensor(x)).detach().numpy(), rtol=1e-5, atol=1e-5
    )


@pytest.mark.parametrize("dtype", DTYPES)
def test_layernorm_module(dtype):
    for kw in ({}, {"bias": False}, {"elementwise_affine": False}):
        mine = nn.LayerNorm((3, 4), eps=1e-4, dtype=dtype, **kw)
        theirs = torch.nn.LayerNorm((3, 4), eps=1e-4, dtype=_torch_dtype(dtype), **kw)
        if theirs.weight is not None:
            with torch.no_grad():
                theirs.weight.normal_(1.0, 0.5)
        assert list(mine.state_dict()) == list(theirs.state_dict())
        assert repr(mine) == repr(theirs)
        _copy_from_torch(mine, theirs)
        _run_steps(mine, theirs, (5, 3, 4), dtype, steps=2)


@pytest.mark.parametrize("dtype", DTYPES)
def test_groupnorm_and_rmsnorm_modules(dtype):
    mine, theirs = nn.GroupNorm(3, 6, dtype=dtype), torch.nn.GroupNorm(3, 6, dtype=_torch_dtype(dtype))
    with torch.no_grad():
        theirs.weight.normal_(1.0, 0.5)
        theirs.bias.normal_(0.0, 0.5)
    assert repr(mine) == repr(theirs)
    _copy_from_torch(mine, theirs)
    _run_steps(mine, theirs, (4, 6, 3, 2), dtype, steps=2)
    mine, theirs = nn.RMSNorm(6, dtype=dtype), torch.nn.RMSNorm(6, dtype=_torch_dtype(dtype))
    with torch.no_grad():
        theirs.weight.normal_(1.0, 0.5)
    assert repr(mine) == repr(theirs)
    _copy_from_torch(mine, theirs)
    _run_steps(mine, theirs, (4, 5, 6), dtype, steps=2)


def test_module_defaults_match_torch():
    pairs = [
        (nn.BatchNorm1d(3), torch.nn.BatchNorm1d(3)),
        (nn.BatchNorm2d(3), torch.nn.BatchNorm2d(3)),
        (nn.InstanceNorm1d(3), torch.nn.InstanceNorm1d(3)),
        (nn.InstanceNorm2d(3), torch.nn.InstanceNorm2d(3)),
        (nn.LayerNorm(3), torch.nn.LayerNorm(3)),
        (nn.GroupNorm(1, 3), torch.nn.GroupNorm(1, 3)),
        (nn.RMSNorm(3), torch.nn.RMSNorm(3)),
    ]
    for mine, theirs in pairs:
        assert repr(mine) == repr(theirs)
        assert list(mine.state_dict()) == list(theirs.state_dict())
        for k, v in theirs.state_dict().items():
            np.testing.assert_array_equal(mine.state_dict()[k].numpy(), v.numpy(), err_msg=f"{mine} {k}")


# ---------------------------------------------------------------------------------------------------
# Identities between the norms, and the axis sets
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
def test_groupnorm_one_group_is_layernorm_over_chw(dtype):
    x = mg.tensor(_data((3, 6, 4, 5), dtype))
    tol = tolerances(dtype)
    np.testing.assert_allclose(F.group_norm(x, 1).numpy(), F.layer_norm(x, (6, 4, 5)).numpy(), **tol)


@pytest.mark.parametrize("dtype", DTYPES)
def test_groupnorm_c_groups_is_instancenorm(dtype):
    x = mg.tensor(_data((3, 6, 4, 5), dtype))
    w, b = (mg.tensor(a) for a in _affine((6,), dtype))
    tol = tolerances(dtype)
    np.testing.assert_allclose(F.group_norm(x, 6, w, b).numpy(), F.instance_norm(x, weight=w, bias=b).numpy(), **tol)


@pytest.mark.parametrize("shape", [(3, 6, 4, 5), (3, 6, 2, 1)], ids=["long runs", "channels first"])
@pytest.mark.parametrize("kind", ["batch", "layer", "instance", "group"])
def test_axis_sets(kind, shape):
    gid = group_index(kind, shape, num_groups=2)
    axes = reduced_axes(kind)
    # values that share a group are exactly those that differ only along the reduced axes
    # (and, for GroupNorm, stay within one group of channels)
    keep = [a for a in range(4) if a not in axes]
    for idx in [(0, 0, 0, 0), (2, 5, 3, 4), (1, 3, 2, 1)]:
        idx = tuple(i % n for i, n in zip(idx, shape))  # the same corners of the smaller shape
        same = shares_statistics(kind, shape, idx, num_groups=2)
        assert (same == (gid == gid[idx])).all()
        expect = np.ones(shape, bool)
        for a in keep:
            ar = np.arange(shape[a]).reshape([-1 if i == a else 1 for i in range(4)])
            expect &= ar == idx[a]
        if kind == "group":
            ch = np.arange(6).reshape(1, -1, 1, 1)
            expect &= ch // 3 == idx[1] // 3
        assert (same == expect).all(), (kind, idx)
    lay = norm_layout(kind, shape, num_groups=2)
    assert lay.groups * lay.group_size == np.prod(shape)
    # the groups are the statistics PyTorch computes: normalise with group means and compare
    x = _data(shape, np.float64)
    means = np.bincount(gid.ravel(), x.ravel()) / np.bincount(gid.ravel())
    assert means.shape == (lay.groups,)


# ---------------------------------------------------------------------------------------------------
# BatchNorm folding
# ---------------------------------------------------------------------------------------------------


def _trained_bn(bn, shape, steps=3):
    with mg.no_grad():
        bn.weight.copy_(_data((bn.num_features,), np.float32, seed=31))
        bn.bias.copy_(_data((bn.num_features,), np.float32, seed=32))
    bn.train()
    for i in range(steps):
        bn(mg.tensor(_data(shape, np.float32, seed=40 + i, loc=i, scale=3.0)))
    return bn.eval()


def test_fuse_batchnorm_linear():
    mg.manual_seed(0)
    fc = nn.Linear(7, 5)
    bn = _trained_bn(nn.BatchNorm1d(5), (16, 5))
    fused = fuse_batchnorm(fc, bn)
    assert isinstance(fused, nn.Linear) and fused is not fc
    x = mg.tensor(_data((9, 7), np.float32, seed=3))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(fc(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_fuse_batchnorm_conv():
    mg.manual_seed(0)
    conv = nn.Conv2d(3, 4, 3, padding=1, bias=False)
    bn = _trained_bn(nn.BatchNorm2d(4), (6, 4, 5, 5))
    fused = fuse_batchnorm(conv, bn)
    assert isinstance(fused, nn.Conv2d) and fused.bias is not None and fused.padding == (1, 1)
    x = mg.tensor(_data((2, 3, 6, 6), np.float32, seed=3))
    np.testing.assert_allclose(fused(x).detach().numpy(), bn(conv(x)).detach().numpy(), rtol=1e-5, atol=1e-5)


def test_fuse_batchnorm_errors():
    with pytest.raises(ValueError, match="running statistics"):
        fuse_batchnorm(nn.Linear(3, 4), nn.BatchNorm1d(4, track_running_stats=False))
    with pytest.raises(ValueError, match="4 output channels"):
        fuse_batchnorm(nn.Linear(3, 4), nn.BatchNorm1d(5))
    with pytest.raises(TypeError):
        fuse_batchnorm(nn.Linear(3, 4), nn.LayerNorm(4))


# ---------------------------------------------------------------------------------------------------
# Accuracy: badly conditioned inputs, constant inputs
# ---------------------------------------------------------------------------------------------------


def _errors(fn_mg, fn_th, arrays, g32):
    """Max errors of minigrad and torch (float32) against torch in float64, for the output and the
    gradient of each input; and the magnitude of each reference value."""
    ref_in = [torch.tensor(a.astype(np.float64), requires_grad=True) for a in arrays]
    ref = fn_th(*ref_in)
    ref.backward(torch.tensor(g32.astype(np.float64)))
    th_in = [torch.tensor(a, requires_grad=True) for a in arrays]
    th = fn_th(*th_in)
    th.backward(torch.tensor(g32))
    mg_in = [mg.tensor(a, requires_grad=True) for a in arrays]
    my = fn_mg(*mg_in)
    my.backward(mg.tensor(g32))
    refs = [ref.detach().numpy()] + [t.grad.numpy() for t in ref_in]
    mine = [my.detach().numpy()] + [t.grad.numpy() for t in mg_in]
    theirs = [th.detach().numpy()] + [t.grad.numpy() for t in th_in]
    err = lambda vals: [float(np.abs(v - r).max()) for v, r in zip(vals, refs)]  # noqa: E731
    return err(mine), err(theirs), [float(np.abs(r).max()) for r in refs]


ILL_CONDITIONED = {  # fn(x, w, b) in minigrad and torch, input shape, weight shape
    "batch": (
        lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
        lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        (8, 4, 16, 16),
        (4,),
    ),
    "layer": (
        lambda x, w, b: F.layer_norm(x, (512,), w, b),
        lambda x, w, b: TF.layer_norm(x, (512,), w, b),
        (16, 512),
        (512,),
    ),
    "group": (
        lambda x, w, b: F.group_norm(x, 2, w, b),
        lambda x, w, b: TF.group_norm(x, 2, w, b),
        (4, 8, 8, 8),
        (8,),
    ),
    "instance": (
        lambda x, w, b: F.instance_norm(x, weight=w, bias=b),
        lambda x, w, b: TF.instance_norm(x, weight=w, bias=b),
        (4, 8, 8, 8),
        (8,),
    ),
    # large enough for the parallel kernels (chunks of groups, pipelined)
    "group, parallel": (
        lambda x, w, b: F.group_norm(x, 4, w, b),
        lambda x, w, b: TF.group_norm(x, 4, w, b),
        (8, 16, 32, 32),
        (16,),
    ),
    "layer, parallel": (
        lambda x, w, b: F.layer_norm(x, (1024,), w, b),
        lambda x, w, b: TF.layer_norm(x, (1024,), w, b),
        (128, 1024),
        (1024,),
    ),
}


@pytest.mark.parametrize("name", ILL_CONDITIONED)
def test_large_mean_small_spread(name):
    """mean 1e4, std 1e-2 in float32: the textbook E[x^2] - E[x]^2 would return noise."""
    fn_mg, fn_th, shape, wshape = ILL_CONDITIONED[name]
    x = (1e4 + 1e-2 * randn(*shape, seed=1)).astype(np.float32)
    w = (1 + 0.5 * randn(*wshape, seed=3)).astype(np.float32)
    b = randn(*wshape, dtype=np.float32, seed=4)
    g = randn(*shape, dtype=np.float32, seed=2)
    mine, theirs, scale = _errors(fn_mg, fn_th, (x, w, b), g)
    for what, m, t, s in zip(("output", "dx", "dweight", "dbias"), mine, theirs, scale):
        # at least as accurate as PyTorch, and accurate in absolute terms: a few float32 roundings
        # (torch float32 is off by ~3e-2 of the output's scale and ~2e-2 of dx's here)
        assert m <= max(t, 1e-6 * s), (what, m, t, s)
        assert m < 2e-6 * s, (what, m, t, s)


@pytest.mark.parametrize("dtype", DTYPES)
def test_constant_input_gives_bias_not_nan(dtype):
    """var = 0: eps keeps rstd finite and the output is exactly the bias. The oracle is torch in float64:
    torch's float32 mean of a constant carries a rounding error that eps then magnifies (2e-5 here)."""
    x = np.full((4, 3, 2, 2), 7.25, dtype)
    w, b = _affine((3,), dtype)
    g = randn(*x.shape, dtype=dtype, seed=1)
    mx, mw, mb = (mg.tensor(a, requires_grad=True) for a in (x, w, b))
    tx, tw, tb = (torch.tensor(a.astype(np.float64), requires_grad=True) for a in (x, w, b))
    my = F.batch_norm(mx, None, None, mw, mb, training=True)
    ty = TF.batch_norm(tx, None, None, tw, tb, training=True)
    my.backward(mg.tensor(g))
    ty.backward(torch.tensor(g.astype(np.float64)))
    np.testing.assert_array_equal(my.detach().numpy(), np.broadcast_to(b.reshape(1, 3, 1, 1), x.shape))
    tol = tolerances(dtype)
    for m, t in ((my, ty), (mx.grad, tx.grad), (mw.grad, tw.grad), (mb.grad, tb.grad)):
        np.testing.assert_allclose(m.detach().numpy(), t.detach().numpy(), **tol)
    for fn in (lambda t: F.layer_norm(t, (3, 2, 2)), lambda t: F.group_norm(t, 3), F.instance_norm):
        assert np.isfinite(fn(mg.tensor(x)).numpy()).all()


# ---------------------------------------------------------------------------------------------------
# Kernels: serial and parallel twins agree; thread-count independence of the layouts
# ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize(
    "view,wshape", [((5, 7, 1, 300), (7, 1, 1)), ((1, 9, 3, 257), (3, 3, 1)), ((1, 13, 1, 515), (1, 1, 515))]
)
def test_serial_and_parallel_kernels_agree(view, wshape, dtype):
    x = _data(view, dtype)
    g = randn(*view, dtype=dtype, seed=3)
    w = _data(wshape, dtype, seed=4)
    b = _data(wshape, dtype, seed=5)
    # the same per-group code; LLVM may contract a multiply-add differently once inlined in each twin,
    # and dweight/dbias are partial sums per chunk added in another order: equal to rounding
    tol = tolerances(dtype)
    ys, ms, vs, rs = norm_kernels.norm_forward(x, w, b, 1e-5, parallel=False)
    yp, mp, vp, rp = norm_kernels.norm_forward(x, w, b, 1e-5, parallel=True)
    np.testing.assert_allclose(ys, yp, **tol)
    np.testing.assert_allclose(ms, mp, rtol=1e-12, atol=1e-12)  # float64 statistics
    np.testing.assert_allclose(vs, vp, rtol=1e-12, atol=1e-12)
    ds = norm_kernels.norm_backward(g, x, w, ms, rs, parallel=False)
    dp = norm_kernels.norm_backward(g, x, w, ms, rs, parallel=True)
    for a, b_ in zip(ds, dp):
        np.testing.assert_allclose(a, b_, **tol)
    np.testing.assert_allclose(norm_kernels.norm_apply(x, w, b, ms, rs, parallel=True), ys, **tol)
    # against a float64 NumPy reference
    x64 = x.astype(np.float64)
    axes = (0, 2, 3)
    mean = x64.mean(axes, keepdims=True)
    var = x64.var(axes, keepdims=True)
    ref = (x64 - mean) / np.sqrt(var + 1e-5)
    qw = wshape[0]
    wf = np.tile(w.astype(np.float64), (view[1] // qw, 1, 1))[None]
    bf = np.tile(b.astype(np.float64), (view[1] // qw, 1, 1))[None]
    np.testing.assert_allclose(ys, ref * wf + bf, **tol)


# ---------------------------------------------------------------------------------------------------
# Errors
# ---------------------------------------------------------------------------------------------------


def test_batchnorm_one_value_per_channel_in_training():
    bn = nn.BatchNorm1d(4)
    with pytest.raises(ValueError, match="Expected more than 1 value per channel when training"):
        bn(mg.randn(1, 4))
    bn2 = nn.BatchNorm2d(4)
    with pytest.raises(ValueError, match=r"got input size \(1, 4, 1, 1\)"):
        bn2(mg.randn(1, 4, 1, 1))
    with pytest.raises(ValueError, match="more than 1 value per channel"):
        torch.nn.BatchNorm2d(4)(torch.randn(1, 4, 1, 1))  # the same condition in torch
    bn2(mg.randn(1, 4, 2, 1))  # 2 values per channel: fine
    bn.eval()
    assert bn(mg.randn(1, 4)).shape == (1, 4)  # eval uses the running statistics


def test_groupnorm_divisibility():
    with pytest.raises(ValueError, match="num_channels must be divisible by num_groups.*6.*4"):
        nn.GroupNorm(4, 6)
    with pytest.raises(ValueError, match="positive"):
        nn.GroupNorm(0, 6)
    with pytest.raises(ValueError, match=r"divisible by num_groups.*\(2, 6, 4\).*num_groups=4"):
        F.group_norm(mg.randn(2, 6, 4), 4)


def test_channel_mismatch():
    with pytest.raises(ValueError, match=r"BatchNorm2d\(4\).*3 channels"):
        nn.BatchNorm2d(4)(mg.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match="expected 4D input"):
        nn.BatchNorm2d(4)(mg.randn(2, 4))
    with pytest.raises(ValueError, match="expected 2D or 3D input"):
        nn.BatchNorm1d(4)(mg.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"GroupNorm\(2, 6\).*4 channels"):
        nn.GroupNorm(2, 6)(mg.randn(2, 4, 3))
    with pytest.raises(ValueError, match="3 channels"):
        nn.InstanceNorm2d(4, affine=True)(mg.randn(2, 3, 5, 5))
    with pytest.warns(UserWarning):
        nn.InstanceNorm2d(4)(mg.randn(2, 3, 5, 5))
    with pytest.raises(ValueError, match="running_mean has 3 elements"):
        F.batch_norm(mg.randn(4, 5), mg.zeros(3), mg.ones(3), training=True)
    with pytest.raises(ValueError, match="weight has shape"):
        F.batch_norm(mg.randn(4, 5), None, None, mg.ones(4), training=True)


def test_normalized_shape_mismatch():
    with pytest.raises(ValueError, match=r"normalized_shape=\[4096\].*\[\*, 4096\].*\[2, 10\]"):
        F.layer_norm(mg.randn(2, 10), (4096,))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.LayerNorm((3, 10))(mg.randn(2, 10))
    with pytest.raises(ValueError, match="normalized_shape"):
        nn.RMSNorm(5)(mg.randn(2, 10))


def test_dtype_mismatch_and_eval_without_running_stats():
    with pytest.raises(TypeError, match="float32 but weight is float64"):
        F.layer_norm(mg.randn(2, 3), (3,), mg.ones(3, dtype=mg.float64))
    with pytest.raises(ValueError, match="running_mean and running_var"):
        F.batch_norm(mg.randn(4, 3), None, None, training=False)


def test_inplace_change_before_backward_is_caught():
    x = mg.randn(4, 3, requires_grad=True)
    h = x * 1.0
    y = F.layer_norm(h, (3,))
    with mg.no_grad():
        h.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward(mg.randn(4, 3))


# ---------------------------------------------------------------------------------------------------
# The scalar formulas shared with a GPU backend compile for numba.cuda (run on the CUDA simulator)
# ---------------------------------------------------------------------------------------------------

_CUDASIM = """
import numpy as np
from numba import cuda
from minigrad.scalar_math_norm import backward_coefficients, inv_std, moments_from_shifted_sums

@cuda.jit
def stats(x, out):
    i = cuda.grid(1)
    if i < x.shape[0]:
        shift = x[i, 0]
        s1 = 0.0
        s2 = 0.0
        for j in range(x.shape[1]):
            d = x[i, j] - shift
            s1 += d
            s2 += d * d
        m, v = moments_from_shifted_sums(shift, s1, s2, x.shape[1], True)
        r = inv_std(v, 1e-5)
        m1, m2 = backward_coefficients(r, 2.0, 3.0, x.shape[1], True, True)
        out[i, 0] = m
        out[i, 1] = v
        out[i, 2] = r
        out[i, 3] = m1 + m2

x = np.random.default_rng(0).standard_normal((5, 33)) * 3 + 1e4
out = np.zeros((5, 4))
stats[1, 32](x, out)
np.testing.assert_allclose(out[:, 0], x.mean(1), rtol=1e-13)
np.testing.assert_allclose(out[:, 1], x.var(1), rtol=1e-9)
np.testing.assert_allclose(out[:, 2], 1 / np.sqrt(x.var(1) + 1e-5), rtol=1e-9)
np.testing.assert_allclose(out[:, 3], (2.0 + 3.0) / 33, rtol=1e-13)
print("ok")
"""


def test_scalar_math_runs_in_a_cuda_kernel_on_the_simulator():
    import os
    import subprocess
    import sys
    from pathlib import Path

    env = dict(os.environ, NUMBA_ENABLE_CUDASIM="1")
    root = str(Path(__file__).resolve().parent.parent)
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    proc = subprocess.run([sys.executable, "-c", _CUDASIM], env=env, capture_output=True, text=True, timeout=120)
    if "No module named" in proc.stderr and "cuda" in proc.stderr:
        pytest.skip("numba.cuda is not installed")
    assert proc.returncode == 0 and "ok" in proc.stdout, proc.stderr[-2000:]


@pytest.mark.parametrize("kind", ["layer", "batch", "group", "rms"])
def test_parameter_gradients_without_input_gradient(kind):
    """The input needs no gradient (a first layer's input): only dweight and dbias are computed."""
    x = _data((6, 4, 5), np.float32)
    shape = {"layer": (5,), "batch": (4,), "group": (4,), "rms": (5,)}[kind]
    w, b = _data(shape, np.float32, seed=2), _data(shape, np.float32, seed=3)
    fns = {
        "layer": (lambda x, w, b: F.layer_norm(x, (5,), w, b), lambda x, w, b: TF.layer_norm(x, (5,), w, b)),
        "batch": (
            lambda x, w, b: F.batch_norm(x, None, None, w, b, training=True),
            lambda x, w, b: TF.batch_norm(x, None, None, w, b, training=True),
        ),
        "group": (lambda x, w, b: F.group_norm(x, 2, w, b), lambda x, w, b: TF.group_norm(x, 2, w, b)),
        "rms": (lambda x, w, b: F.rms_norm(x, (5,), w) * b, lambda x, w, b: TF.rms_norm(x, (5,), w) * b),
    }[kind]
    check_against_torch(*fns, x, w, b, requires_grad=[False, True, True])


def test_inplace_change_of_weight_before_backward_is_caught():
    ln = nn.LayerNorm(3)
    y = ln(mg.randn(4, 3, requires_grad=True))
    with mg.no_grad():
        ln.weight.mul_(2.0)  # e.g. an optimizer step between forward and backward
    with pytest.raises(RuntimeError, match="modified by an in-place operation"):
        y.backward(mg.randn(4, 3))


@pytest.mark.parametrize("dtype", DTYPES)
def test_layer_norm_bias_only(dtype):
    x, b = _data((3, 6), dtype), _data((6,), dtype, seed=4)
    check_against_torch(lambda x, b: F.layer_norm(x, (6,), None, b), lambda x, b: TF.layer_norm(x, (6,), None, b), x, b)
