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
import types

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
    depth = 0
    for end, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth == 0 and ch == ")":
            break
    args = ast.parse(f"def {text[: end + 1]}: pass").body[0].args
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
    assert isinstance(backend.xp, types.ModuleType) and hasattr(backend.xp, "asarray")
    for name in contract.NAMES:
        assert name in ("device", "xp") or callable(getattr(backend, name)), name


@pytest.mark.parametrize("module", BACKENDS)
def test_backend_signatures_are_compatible_with_the_contract(module):
    backend = _backend(module)
    exact = module == "minigrad.backends.numpy"
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
            problems.append(f"{name}: keyword parameters {have[len(required):]}, the contract's {want[len(required):]}")
    assert not problems, "\n".join(problems)


def test_an_incompatible_signature_is_noticed(monkeypatch):
    import minigrad.backends.numpy as reference

    monkeypatch.setattr(reference, "relu_forward", lambda x: x)  # out= missing
    with pytest.raises(AssertionError, match="relu_forward"):
        test_backend_signatures_are_compatible_with_the_contract("minigrad.backends.numpy")
