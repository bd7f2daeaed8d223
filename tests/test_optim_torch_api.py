"""Adagrad, Adadelta, RMSprop step for step against PyTorch; every optimizer's state_dict in PyTorch's layout
(and resumable); every learning-rate scheduler's rates and state against PyTorch (issue 13 items 2 and 4)."""

import math

import numpy as np
import pytest
import torch

import minigrad as mg
import minigrad.nn as nn
from minigrad import optim
from minigrad.optim import lr_scheduler

NEW = [
    ("Adagrad", dict(lr=0.1)),
    ("Adagrad", dict(lr=0.1, lr_decay=0.05, weight_decay=0.1, initial_accumulator_value=0.3, eps=1e-6)),
    ("Adadelta", dict()),
    ("Adadelta", dict(lr=0.5, rho=0.8, eps=1e-5, weight_decay=0.05)),
    ("RMSprop", dict(lr=0.01)),
    ("RMSprop", dict(lr=0.01, alpha=0.9, momentum=0.7, weight_decay=0.1)),
    ("RMSprop", dict(lr=0.01, centered=True, momentum=0.5)),
    ("Adagrad", dict(lr=0.1, maximize=True)),
    ("RMSprop", dict(lr=0.01, centered=True, maximize=True)),
    ("Adadelta", dict(maximize=True)),
]
EVERY = [
    ("SGD", dict(lr=0.1)),
    ("SGD", dict(lr=0.1, momentum=0.9, nesterov=True, weight_decay=0.01)),
    ("SGD", dict(lr=0.1, momentum=0.9, maximize=True)),
    ("Adam", dict(lr=0.01, amsgrad=True)),
    ("Adam", dict(lr=0.01, maximize=True)),
    ("AdamW", dict(lr=0.01)),
] + NEW


def _models(dtype, seed=0):
    torch.manual_seed(seed)
    tmodel = torch.nn.Sequential(torch.nn.Linear(5, 7), torch.nn.Tanh(), torch.nn.Linear(7, 3))
    tmodel = tmodel.to(getattr(torch, np.dtype(dtype).name))
    model = nn.Sequential(nn.Linear(5, 7), nn.Tanh(), nn.Linear(7, 3)).to(dtype)
    model.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in tmodel.state_dict().items()})
    return model, tmodel


def _batches(dtype, n, seed=1):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((8, 5)).astype(dtype), rng.integers(0, 3, 8)) for _ in range(n)]


def _train(model, opt, batches, lib):
    losses = []
    F = mg.nn.functional if lib is mg else torch.nn.functional
    for x, t in batches:
        loss = F.cross_entropy(model(lib.tensor(x)), lib.tensor(t))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


def _tol(dtype):
    return dict(rtol=1e-5, atol=1e-6) if dtype == np.float32 else dict(rtol=1e-11, atol=1e-13)


def _assert_params_match(model, tmodel, dtype):
    for (k, p), (_, tp) in zip(model.named_parameters(), tmodel.named_parameters()):
        np.testing.assert_allclose(p.detach().numpy(), tp.detach().numpy(), **_tol(dtype), err_msg=k)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,kw", NEW)
def test_new_optimizers_match_pytorch_step_for_step(name, kw, dtype):
    model, tmodel = _models(dtype)
    batches = _batches(dtype, 6)
    losses = _train(model, getattr(optim, name)(model.parameters(), **kw), batches, mg)
    tlosses = _train(tmodel, getattr(torch.optim, name)(tmodel.parameters(), **kw), batches, torch)
    np.testing.assert_allclose(losses, tlosses, **_tol(dtype))
    _assert_params_match(model, tmodel, dtype)


def _state_as_numpy(sd):
    return {i: {k: np.asarray(v) for k, v in s.items()} for i, s in sd["state"].items()}


@pytest.mark.parametrize("name,kw", EVERY)
def test_state_dict_has_pytorchs_layout_and_values(name, kw):
    model, tmodel = _models(np.float64)
    opt, topt = getattr(optim, name)(model.parameters(), **kw), getattr(torch.optim, name)(tmodel.parameters(), **kw)
    if name == "Adagrad":  # Adagrad's state exists before the first step, in both
        assert list(opt.state_dict()["state"]) == list(topt.state_dict()["state"]) == [0, 1, 2, 3]
    batches = _batches(np.float64, 3)
    _train(model, opt, batches, mg)
    _train(tmodel, topt, batches, torch)
    sd, tsd = opt.state_dict(), topt.state_dict()
    assert list(sd["state"]) == list(tsd["state"])
    ours, theirs = _state_as_numpy(sd), _state_as_numpy(tsd)
    for i in theirs:
        assert list(ours[i]) == list(theirs[i]), (i, list(ours[i]), list(theirs[i]))
        for k in theirs[i]:
            assert ours[i][k].shape == theirs[i][k].shape and ours[i][k].dtype == theirs[i][k].dtype, k
            np.testing.assert_allclose(ours[i][k], theirs[i][k], rtol=1e-11, atol=1e-13, err_msg=k)
    if sd["state"] and "step" in sd["state"][0]:
        assert sd["state"][0]["step"].dtype == mg.float32 and sd["state"][0]["step"].shape == ()  # as PyTorch's
    for group, tgroup in zip(sd["param_groups"], tsd["param_groups"]):
        assert group["params"] == tgroup["params"]
        assert set(group) <= set(tgroup), set(group) - set(tgroup)
        assert all(group[k] == tgroup[k] for k in group), {k: (group[k], tgroup[k]) for k in group}


@pytest.mark.parametrize("name,kw", EVERY)
def test_state_dict_resumes_training_exactly(name, kw, tmp_path):
    batches = _batches(np.float64, 6)
    model, _ = _models(np.float64)
    opt = getattr(optim, name)(model.parameters(), **kw)
    straight = _train(model, opt, batches, mg)

    model, _ = _models(np.float64)
    opt = getattr(optim, name)(model.parameters(), **kw)
    first = _train(model, opt, batches[:3], mg)
    mg.save({"model": model.state_dict(), "optimizer": opt.state_dict()}, tmp_path / "ckpt.npz")
    model2, _ = _models(np.float64, seed=5)  # other weights: all must come from the checkpoint
    opt2 = getattr(optim, name)(model2.parameters(), **dict(kw, lr=123.0))
    ckpt = mg.load(tmp_path / "ckpt.npz")
    model2.load_state_dict(ckpt["model"])
    opt2.load_state_dict(ckpt["optimizer"])
    assert opt2.param_groups[0]["lr"] == kw.get("lr", opt.param_groups[0]["lr"])
    second = _train(model2, opt2, batches[3:], mg)
    assert first + second == straight  # bit for bit


@pytest.mark.parametrize("name,kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.01)), NEW[6]])
def test_a_pytorch_optimizer_state_loads_into_minigrad(name, kw):
    model, tmodel = _models(np.float32)
    batches = _batches(np.float32, 6)
    topt = getattr(torch.optim, name)(tmodel.parameters(), **kw)
    _train(tmodel, topt, batches[:3], torch)
    model.load_state_dict({k: mg.tensor(v.detach().numpy()) for k, v in tmodel.state_dict().items()})
    opt = getattr(optim, name)(model.parameters(), **kw)
    opt.load_state_dict(topt.state_dict())  # torch tensors and PyTorch's extra group keys are accepted
    np.testing.assert_allclose(_train(model, opt, batches[3:], mg), _train(tmodel, topt, batches[3:], torch), rtol=1e-5)
    _assert_params_match(model, tmodel, np.float32)


def test_optimizer_load_state_dict_errors():
    p, q = nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(3))
    opt = optim.SGD([p, q], lr=0.1, momentum=0.9)
    with pytest.raises(TypeError, match=r"expected optimizer.state_dict\(\).*got list"):
        opt.load_state_dict([1, 2])
    with pytest.raises(TypeError, match="got a dict with keys"):
        opt.load_state_dict({"weight": mg.ones(2)})
    with pytest.raises(ValueError, match="2 parameter groups"):
        opt.load_state_dict(optim.SGD([{"params": [p]}, {"params": [q]}], lr=0.1).state_dict())
    with pytest.raises(ValueError, match="group 0 has 1 parameters in the state and 2 here"):
        opt.load_state_dict(optim.SGD([p], lr=0.1).state_dict())
    bad = {"state": {0: {"momentum_buffer": mg.ones(5)}}, "param_groups": opt.state_dict()["param_groups"]}
    with pytest.raises(ValueError, match=r"shape \(5,\), its parameter \(2,\)"):
        opt.load_state_dict(bad)
    with pytest.raises(ValueError, match="more than one parameter group"):
        optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1)
    with pytest.raises(ValueError, match="invalid rho"):
        optim.Adadelta([p], rho=1.5)
    with pytest.raises(ValueError, match="invalid lr=nan"):
        optim.RMSprop([p], lr=float("nan"))


def test_step_closure_returns_the_loss():
    p = nn.Parameter(mg.tensor([1.0, -2.0]))
    opt = optim.RMSprop([p], lr=0.1)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    assert opt.step(closure).item() == 5.0


# ---- learning-rate schedulers ---------------------------------------------------------------------
def _lambda(epoch):
    return 0.95**epoch


SCHEDULERS = [
    ("StepLR", dict(step_size=3, gamma=0.5)),
    ("MultiStepLR", dict(milestones=[2, 5, 5, 9], gamma=0.3)),
    ("ExponentialLR", dict(gamma=0.9)),
    ("CosineAnnealingLR", dict(T_max=5, eta_min=0.001)),  # 14 steps: past T_max it climbs back
    ("LambdaLR", dict(lr_lambda=_lambda)),
    ("MultiplicativeLR", dict(lr_lambda=lambda e: 0.9)),
    ("LinearLR", dict(start_factor=0.1, end_factor=1.0, total_iters=4)),
    ("LinearLR", dict(start_factor=1.0, end_factor=0.2, total_iters=6)),
    ("ConstantLR", dict(factor=0.5, total_iters=3)),
    ("PolynomialLR", dict(total_iters=8, power=2.0)),
    ("OneCycleLR", dict(max_lr=0.5, total_steps=14)),
    ("OneCycleLR", dict(max_lr=[0.5, 0.2], epochs=2, steps_per_epoch=7, anneal_strategy="linear", three_phase=True)),
]


def _pair(opt_name, opt_kw, groups=2):
    a, b = nn.Parameter(mg.ones(2)), nn.Parameter(mg.ones(3))
    ta, tb = torch.nn.Parameter(torch.ones(2)), torch.nn.Parameter(torch.ones(3))
    params = [{"params": [a]}, {"params": [b], "lr": 0.05}] if groups == 2 else [a, b]
    tparams = [{"params": [ta]}, {"params": [tb], "lr": 0.05}] if groups == 2 else [ta, tb]
    return getattr(optim, opt_name)(params, **opt_kw), getattr(torch.optim, opt_name)(tparams, **opt_kw)


def _momenta(opt):
    return [g.get("momentum", g.get("betas", (None,))[0]) for g in opt.param_groups]


def _shared_state(ours, theirs, required=("base_lrs", "last_epoch", "_step_count", "_last_lr")):
    """Check the entries both schedulers' state_dicts have (minigrad keeps no private PyTorch flags)."""
    shared = set(ours) & set(theirs)
    assert set(required) <= shared
    for k in shared:
        a, b = ours[k], theirs[k]
        if callable(a) or k in ("lr_lambdas", "_schedule_phases"):
            continue
        assert a == b or (isinstance(a, float) and math.isclose(a, b)), (k, a, b)


@pytest.mark.parametrize("opt_name,opt_kw", [("SGD", dict(lr=0.1, momentum=0.9)), ("Adam", dict(lr=0.1))])
@pytest.mark.parametrize("name,kw", SCHEDULERS)
def test_schedulers_match_pytorch_rate_for_rate(name, kw, opt_name, opt_kw):
    opt, topt = _pair(opt_name, opt_kw)
    sched, tsched = getattr(lr_scheduler, name)(opt, **kw), getattr(torch.optim.lr_scheduler, name)(topt, **kw)
    assert sched.get_last_lr() == tsched.get_last_lr()
    for _ in range(14 if name != "OneCycleLR" else 13):
        opt.step()
        topt.step()
        sched.step()
        tsched.step()
        assert sched.get_last_lr() == tsched.get_last_lr()  # to the last bit
        assert [g["lr"] for g in opt.param_groups] == [g["lr"] for g in topt.param_groups]
        assert _momenta(opt) == _momenta(topt)
    _shared_state(sched.state_dict(), tsched.state_dict())


def _steps(opt, sched, n):
    rates = []
    for _ in range(n):
        opt.step()
        sched.step()
        rates.append(sched.get_last_lr())
    return rates


@pytest.mark.parametrize("name,kw", SCHEDULERS)
def test_schedulers_resume_from_a_checkpoint(name, kw, tmp_path):
    def fresh():
        opt, _ = _pair("SGD", dict(lr=0.1, momentum=0.9))
        return opt, getattr(lr_scheduler, name)(opt, **kw)

    straight = _steps(*fresh(), 13)
    opt, sched = fresh()
    rates = _steps(opt, sched, 5)
    mg.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, tmp_path / "ckpt.npz")
    ckpt = mg.load(tmp_path / "ckpt.npz")
    opt, sched = fresh()
    opt.load_state_dict(ckpt["optimizer"])
    sched.load_state_dict(ckpt["scheduler"])
    assert rates + _steps(opt, sched, 8) == straight


def test_sequential_warmup_then_cosine_matches_pytorch():
    opt, topt = _pair("SGD", dict(lr=0.1), groups=1)
    warm, twarm = (
        lr_scheduler.LinearLR(opt, 0.01, total_iters=3),
        torch.optim.lr_scheduler.LinearLR(topt, 0.01, total_iters=3),
    )
    cos = lr_scheduler.CosineAnnealingLR(opt, T_max=6)
    tcos = torch.optim.lr_scheduler.CosineAnnealingLR(topt, T_max=6)
    seq = lr_scheduler.SequentialLR(opt, [warm, cos], milestones=[3])
    tseq = torch.optim.lr_scheduler.SequentialLR(topt, [twarm, tcos], milestones=[3])
    assert seq.get_last_lr() == tseq.get_last_lr()
    for _ in range(10):
        opt.step()
        topt.step()
        seq.step()
        tseq.step()
        assert seq.get_last_lr() == tseq.get_last_lr()
    state = seq.state_dict()
    assert [s["last_epoch"] for s in state["_schedulers"]] == [
        s["last_epoch"] for s in tseq.state_dict()["_schedulers"]
    ]


@pytest.mark.parametrize(
    "kw",
    [
        dict(),
        dict(mode="max", factor=0.5, patience=1, threshold=0.1, threshold_mode="abs", cooldown=2, min_lr=0.02),
        dict(patience=0, min_lr=[0.001, 0.04], eps=1e-3),
    ],
)
def test_reduce_lr_on_plateau_matches_pytorch(kw):
    opt, topt = _pair("SGD", dict(lr=0.1))
    sched = lr_scheduler.ReduceLROnPlateau(opt, **kw)
    tsched = torch.optim.lr_scheduler.ReduceLROnPlateau(topt, **kw)
    metrics = [1.0, 0.9, 0.95, 0.95, 0.96, 0.5, 0.5, 0.5, 0.51, 0.52, 0.6, 0.7] * 3
    for m in metrics:
        sched.step(mg.tensor(m, dtype=mg.float64))  # a 0-d tensor works as a metric
        tsched.step(m)
        assert sched.get_last_lr() == tsched.get_last_lr()
        assert sched.num_bad_epochs == tsched.num_bad_epochs and sched.best == tsched.best
    required = ("last_epoch", "_last_lr", "best", "num_bad_epochs", "cooldown_counter", "min_lrs", "mode_worse")
    _shared_state(sched.state_dict(), tsched.state_dict(), required)


def test_scheduler_errors():
    opt, _ = _pair("SGD", dict(lr=0.1))
    with pytest.raises(KeyError, match="initial_lr"):
        lr_scheduler.StepLR(opt, 2, last_epoch=3)
    with pytest.raises(ValueError, match="tried to step 4 times"):
        sched = lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=3)
        for _ in range(4):
            sched.step()
    with pytest.raises(ValueError, match="momentum or betas"):
        lr_scheduler.OneCycleLR(optim.Adagrad([nn.Parameter(mg.ones(1))]), max_lr=0.1, total_steps=3)
    with pytest.raises(ValueError, match="factor should be < 1.0"):
        lr_scheduler.ReduceLROnPlateau(opt, factor=2.0)
    with pytest.raises(TypeError, match="expected an optimizer"):
        lr_scheduler.StepLR([nn.Parameter(mg.ones(1))], 2)
    with pytest.raises(TypeError, match="scheduler.state_dict"):
        lr_scheduler.StepLR(opt, 2).load_state_dict([1])
