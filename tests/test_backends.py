"""Every backend module provides every name of the backend contract (minigrad/backends/contract.py),
with a signature its callers can use.

The reference backend spells the contract out: its parameter names are the contract's exactly. The
other backends may name their required parameters differently (the ops pass them by position), but
every parameter with a default (passed by keyword: ``out=``, ``need_weight_grad=``, ``approximate=``
...) must have the contract's name, position and default; extra parameters must have defaults.
"""

import ast
import importlib
import importlib.util
import inspect
import json
import os
import subprocess
import sys
import types

import numpy as np
import pytest

from minigrad.backends import contract

REQUIRED = object()  # marks a parameter without a default

BACKENDS = ["minigrad.backends.numpy", "minigrad.backends.cpu", "minigrad.backends.cuda"]


def _backend(module):
    if module == "minigrad.backends.cuda":
        if importlib.util.find_spec(module) is None:
            pytest.skip("this version has no CUDA backend")
        try:
            return importlib.import_module(module)
        except Exception as e:  # no GPU, no CUDA toolkit: the module may refuse to load
            pytest.skip(f"the CUDA backend does not load here: {e}")
    return importlib.import_module(module)


def contract_parameters(name):
    """[(parameter, default or REQUIRED)] of ``name`` as contract.py writes it; None for a non-function."""
    text = contract.KERNELS.get(name) or contract.GENERIC[name]
    if not text.startswith(name + "("):
        return None  # device, xp
    signature = text[: text.index(")") + 1]  # no parameter list holds a parenthesis
    args = ast.parse(f"def {signature}: pass").body[0].args
    defaults = [REQUIRED] * (len(args.args) - len(args.defaults)) + [ast.literal_eval(d) for d in args.defaults]
    return [(a.arg, d) for a, d in zip(args.args, defaults)]


def _parameters(fn):
    return [
        (p.name, REQUIRED if p.default is inspect.Parameter.empty else p.default)
        for p in inspect.signature(fn).parameters.values()
    ]


def test_contract_signatures_parse():
    for name in contract.NAMES:
        params = contract_parameters(name)
        assert params is not None or name in ("device", "xp"), name
    assert contract_parameters("norm_backward")[-2:] == [("need_dx", True), ("need_wgrad", True)]


@pytest.mark.parametrize("module", BACKENDS)
def test_backend_defines_every_name_of_the_contract(module):
    backend = _backend(module)
    assert contract.missing(backend) == []
    assert backend.device in ("cpu", "cuda")
    if isinstance(backend.xp, types.ModuleType):
        assert hasattr(backend.xp, "asarray")
    else:  # the CUDA backend without a GPU (and no simulator): xp says why and what to install when used
        with pytest.raises(RuntimeError, match="CUDA is not available: .*pip install"):
            backend.xp.asarray(0)
    for name in contract.NAMES:
        assert name in ("device", "xp") or callable(getattr(backend, name)), name


@pytest.mark.parametrize("module", BACKENDS)
def test_backend_signatures_are_compatible_with_the_contract(module):
    backend = _backend(module)
    exact = module != "minigrad.backends.cpu"  # the CPU's wrappers may name required parameters their own way
    problems = []
    for name in contract.NAMES:
        want = contract_parameters(name)
        fn = getattr(backend, name)
        if want is None or not inspect.isfunction(fn):  # compiled kernels: no Python signature to read
            continue
        have = _parameters(fn)
        if exact:
            if have != want:
                problems.append(f"{name}{have} is not the contract's {want}")
            continue
        required = [n for n, d in want if d is REQUIRED]
        if len([n for n, d in have if d is REQUIRED]) != len(required):
            problems.append(f"{name}: required parameters {have}, the contract's {required}")
        if have[len(required) : len(want)] != want[len(required) :]:
            problems.append(
                f"{name}: keyword parameters {have[len(required) :]}, the contract's {want[len(required) :]}"
            )
    assert not problems, "\n".join(problems)


def test_an_incompatible_signature_is_noticed(monkeypatch):
    import minigrad.backends.numpy as reference

    monkeypatch.setattr(reference, "relu_forward", lambda x: x)  # out= missing
    with pytest.raises(AssertionError, match="relu_forward"):
        test_backend_signatures_are_compatible_with_the_contract("minigrad.backends.numpy")


# ================================================================================================
# Selecting the reference backend for whole programs
# ================================================================================================


@pytest.fixture
def restore_backend():
    from minigrad.backends import get_backend, set_backend

    before = get_backend()
    yield set_backend
    set_backend(before)


def _spy(kernel, calls):
    def spied(*args, **kwargs):
        calls.append(kernel.__name__)
        return kernel(*args, **kwargs)

    return spied


def test_set_backend_runs_every_cpu_op_on_the_reference(restore_backend, monkeypatch):
    import minigrad as mg
    import minigrad.backends.numpy as reference
    import minigrad.nn.functional as F
    from minigrad.backends import backend_for

    mg.set_backend("numpy")
    assert mg.get_backend() == "numpy" and backend_for("cpu") is reference
    calls = []
    for name in ("relu_forward", "relu_backward", "norm_forward", "norm_backward", "cross_entropy_forward"):
        monkeypatch.setattr(reference, name, _spy(getattr(reference, name), calls))
    x = mg.randn(4, 3, requires_grad=True)
    loss = F.cross_entropy(F.layer_norm(F.relu(x), (3,)), mg.tensor([0, 1, 2, 0]))
    loss.backward()
    assert calls == ["relu_forward", "norm_forward", "cross_entropy_forward", "norm_backward", "relu_backward"]
    mg.set_backend("numba")
    assert backend_for("cpu") is importlib.import_module("minigrad.backends.cpu")
    with pytest.raises(ValueError, match="'numba' or 'numpy'"):
        mg.set_backend("torch")


# A small model that calls every family of kernels: activations, normalisations, softmax and
# cross-entropy, both optimizers. Prints its float64 losses as JSON, and whether numba was imported.
_PROGRAM = """
import json, sys
import minigrad as mg, minigrad.nn as nn, minigrad.nn.functional as F
from minigrad import optim
mg.manual_seed(0)
model = nn.Sequential(nn.Conv2d(1, 4, 3), nn.BatchNorm2d(4), nn.ReLU(), nn.GroupNorm(2, 4), nn.GELU(),
                      nn.InstanceNorm2d(4, affine=True), nn.SiLU(), nn.Flatten(), nn.Linear(144, 16),
                      nn.LayerNorm(16), nn.Tanh(), nn.Linear(16, 12), nn.Maxout(12, 10, 2), nn.PReLU()).double()
opts = [optim.Adam(model[:9].parameters(), lr=1e-2), optim.SGD(model[9:].parameters(), lr=0.1, momentum=0.9)]
x, y = mg.randn(8, 1, 8, 8, dtype=mg.float64), mg.randint(0, 10, (8,))
losses = []
for step in range(4):
    loss = F.cross_entropy(model(x), y, label_smoothing=0.1)
    for o in opts: o.zero_grad()
    loss.backward()
    for o in opts: o.step()
    losses.append(loss.item())
model.eval()
losses.append(F.log_softmax(model(x), 1).sum().item())
print(json.dumps({"losses": losses, "backend": mg.get_backend(), "numba": "numba" in sys.modules}))
"""


def _run_program(backend):
    env = dict(os.environ, MINIGRAD_BACKEND=backend)
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    out = subprocess.run(
        [sys.executable, "-c", _PROGRAM], env=env, cwd=root, capture_output=True, text=True, timeout=600
    )
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.splitlines()[-1])


def test_a_program_on_the_reference_never_imports_numba_and_gives_the_numba_numbers():
    ref, fast = _run_program("numpy"), _run_program("numba")
    assert ref["backend"] == "numpy" and not ref["numba"]
    assert fast["backend"] == "numba" and fast["numba"]
    # float64 throughout: the two backends' kernels agree to a few ulp (tests/test_reference.py), and five
    # steps of training amplify that by far less than 1e6
    np.testing.assert_allclose(ref["losses"], fast["losses"], rtol=1e-10)
