"""Every demo takes ``--device``: a clear error where CUDA cannot run, and demo code that keeps its
tensors on the chosen device (a source check of every file under demos/).

The source rules (checked on the syntax tree, so comments and strings do not count):

1. ``.numpy()`` is only ever called as ``<tensor>.cpu().numpy()``. A NumPy array has no ``.numpy()``
   method, so every such call is on a Tensor, and on a CUDA tensor a bare ``.numpy()`` raises
   (PyTorch's rule: no silent copy to the host). ``.cpu()`` returns a CPU tensor itself, so the CPU
   run is unchanged. No exception, common.py included.
2. Every tensor a demo makes says where it lives: ``mg.tensor(...)`` and the factories
   (``mg.zeros``, ``mg.randn``, ...) get a ``device=`` keyword, and ``mg.from_numpy`` (which has no
   device) is used only inside common.py's ``as_tensor(x, device)``.

Modules are not checked here (``nn.Sequential(...).to(device)`` can be spelt many ways); a model
left on the CPU fails on the first batch with minigrad's device-mixing error, which the simulator
run at the end of this file would show for the demo it runs.
"""

import ast
import importlib.util
import json
import math
import os
import subprocess
import sys

import pytest

import minigrad as mg
from tests.demo_helpers import DEMOS, load_demo

ROOT = DEMOS.parent
SOURCES = sorted(DEMOS.rglob("*.py"))  # the demos, common.py, run_all.py and the figure modules
SCRIPTS = sorted(p.stem for p in SOURCES if p.parent.name != "figures" and "def main(" in p.read_text())
SCRIPTS.remove("run_all")  # runs the demos; it only passes --device on

FACTORIES = {"tensor", "zeros", "ones", "empty", "full", "rand", "randn", "randint", "arange", "linspace", "eye"}


# --------------------------------------------------------------------------------------------------
# --device cuda where CUDA cannot run
# --------------------------------------------------------------------------------------------------

needs_no_cuda = pytest.mark.skipif(mg.cuda.is_available(), reason="device 'cuda' can run here")


@needs_no_cuda
@pytest.mark.parametrize("name", SCRIPTS)
def test_device_cuda_without_cuda_stops_with_why(name, tmp_path, capsys):
    demo = load_demo(name)
    with pytest.raises(SystemExit) as stop:
        demo.main(["--device", "cuda", "--quick", "--out", str(tmp_path), "--no-progress"])
    assert stop.value.code == 2  # argparse's usage error, before any work
    err = capsys.readouterr().err
    assert "argument --device: device 'cuda': CUDA is not available" in err, err
    assert mg.cuda.unavailable_reason() in err, err
    assert 'pip install -e ".[cuda]"' in err and "NUMBA_ENABLE_CUDASIM=1" in err, err
    assert not list(tmp_path.iterdir())  # nothing was written


@needs_no_cuda
def test_device_argument_values(capsys):
    common = load_demo("common")
    p = common.parser(DEMOS / "train_mlp.py", "A demo.\n\nMore.")
    assert p.parse_args([]).device == "cpu"
    assert p.parse_args(["--device", "cpu"]).device == "cpu"
    for bad, message in (("cuda:0", "device 'cuda:0': CUDA is not available"), ("tpu", "unknown device 'tpu'")):
        with pytest.raises(SystemExit):
            p.parse_args(["--device", bad])
        assert message in capsys.readouterr().err


# --------------------------------------------------------------------------------------------------
# The source rules
# --------------------------------------------------------------------------------------------------


def device_violations(source, filename, in_common=False):
    """Where ``source`` breaks the two rules of the module docstring: a list of "file:line: why"."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr, receiver = node.func.attr, node.func.value
        where = f"{filename}:{node.lineno}"
        if attr == "numpy":
            via_cpu = (
                isinstance(receiver, ast.Call)
                and isinstance(receiver.func, ast.Attribute)
                and receiver.func.attr == "cpu"
            )
            if not via_cpu:
                found.append(f"{where}: .numpy() without .cpu() first (a CUDA tensor cannot go to NumPy silently)")
        elif isinstance(receiver, ast.Name) and receiver.id == "mg":
            if attr == "from_numpy" and not in_common:
                found.append(f"{where}: mg.from_numpy has no device: use common.as_tensor(x, device)")
            elif attr in FACTORIES and not any(k.arg == "device" for k in node.keywords):
                found.append(f"{where}: mg.{attr}(...) without device=")
    return found


def test_the_rules_catch_what_they_describe():
    bad = (
        "a = t.numpy()\n"
        "b = t.detach().numpy()\n"
        "c = t.cpu().detach().numpy()\n"
        "d = mg.tensor(x)\n"
        "e = mg.zeros(3, dtype=mg.float64)\n"
        "f = mg.from_numpy(x)\n"
    )
    found = device_violations(bad, "bad.py")
    assert [v.split(":")[1] for v in found] == ["1", "2", "3", "4", "5", "6"], found
    good = (
        "a = t.detach().cpu().numpy()\n"
        "d = mg.tensor(x, device=device)\n"
        "e = mg.zeros(3, device='cpu')\n"
        "f = mg.from_numpy(x).to(device)\n"
        "g = np.asarray(x).copy()\n"
    )
    assert device_violations(good, "common.py", in_common=True) == []


def test_demo_sources_keep_their_tensors_on_the_device():
    assert len(SOURCES) > 40 and len(SCRIPTS) >= 20  # the scan sees the demos, the reproductions, the figures
    found = []
    for path in SOURCES:
        name = str(path.relative_to(ROOT))
        found += device_violations(path.read_text(), name, in_common=path.name == "common.py")
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------------------------------
# One demo on device "cuda", under numba's CUDA simulator, against the CPU
# --------------------------------------------------------------------------------------------------


needs_simulator = pytest.mark.skipif(
    importlib.util.find_spec("numba.cuda") is None,
    reason="numba's CUDA target is not installed (pip install -e '.[test]' brings numba-cuda)",
)


def run_on_simulator(argv, timeout=600):
    """``python argv...`` from the repository root with NUMBA_ENABLE_CUDASIM=1 (device "cuda" on numba's
    CUDA simulator, in a process of its own: the variable must be set before numba is imported)."""
    env = dict(
        os.environ, NUMBA_ENABLE_CUDASIM="1", PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")
    )
    proc = subprocess.run([sys.executable, *argv], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return proc.stdout


def assert_close(cpu, cuda, rtol, atol, where="record"):
    """The same keys, lengths and strings, and every number within rtol / atol of the CPU's."""
    if isinstance(cpu, dict):
        assert isinstance(cuda, dict) and sorted(cpu) == sorted(cuda), where
        for key in cpu:
            assert_close(cpu[key], cuda[key], rtol, atol, f"{where}[{key!r}]")
    elif isinstance(cpu, list):
        assert isinstance(cuda, list) and len(cpu) == len(cuda), where
        for i, (a, b) in enumerate(zip(cpu, cuda)):
            assert_close(a, b, rtol, atol, f"{where}[{i}]")
    elif isinstance(cpu, float) or isinstance(cuda, float):
        assert math.isclose(cpu, cuda, rel_tol=rtol, abs_tol=atol), f"{where}: cpu {cpu!r}, cuda {cuda!r}"
    else:
        assert cpu == cuda, f"{where}: cpu {cpu!r}, cuda {cuda!r}"


@needs_simulator
def test_activation_gallery_on_cuda_matches_the_cpu(tmp_path):
    """The one demo whose --quick run is fast on the simulator (about 10 s; a training demo takes many
    minutes there: a cross-entropy forward costs ~0.2 s per row, a BatchNorm pass ~40 s at (64, 128)).
    It is float64: the curves agree to float64 rounding. The finite-difference errors are differences
    of nearly equal values divided by 2h = 2e-6, so one rounding step of f moves them by ~1e-9."""
    pytest.importorskip("matplotlib")
    argv = ["--quick", "--seed", "0", "--no-progress", "--out"]
    out = run_on_simulator(["demos/activation_gallery.py", *argv, str(tmp_path / "cuda"), "--device", "cuda"])
    assert "on cuda" in out
    load_demo("activation_gallery").main([*argv, str(tmp_path / "cpu")])
    cpu, cuda = (json.loads((tmp_path / d / "activation_gallery.json").read_text()) for d in ("cpu", "cuda"))
    assert (cpu.pop("device"), cuda.pop("device")) == ("cpu", "cuda")
    del cpu["timing_s"], cuda["timing_s"]
    assert_close(cpu.pop("finite_difference_check"), cuda.pop("finite_difference_check"), 0.0, 1e-8)
    assert_close(cpu, cuda, 1e-9, 1e-15)


# The common helpers on both devices, in one simulator process: a tiny MLP, the same seed, three SGD steps
# on batches from random_batches, then predict / accuracy / error_rate.
HELPERS_SCRIPT = """
import json, sys
sys.path.insert(0, "demos")
import numpy as np
import common
import minigrad as mg
from minigrad import nn, optim

rng = np.random.default_rng(0)
x, y = rng.standard_normal((12, 6)).astype(np.float32), rng.integers(0, 3, 12)
out = {}
for device in ("cpu", "cuda"):
    mg.manual_seed(0)
    model = common.mlp([6, 5, 3], nn.Tanh, device=device)
    batches = common.random_batches(x, y, 4, 1, device=device)
    xb, yb = next(common.random_batches(x, y, 4, 1, device=device))
    losses, _ = common.train(model, optim.SGD(model.parameters(), lr=0.5), batches, 3)
    out[device] = {
        "devices": sorted({str(p.device) for p in model.parameters()} | {str(xb.device), str(yb.device)}),
        "as_tensor": str(common.as_tensor(x, device).device),
        "losses": losses,
        "predict": common.predict(model, x, batch_size=5).tolist(),
        "accuracy": common.accuracy(model, x, y),
        "error_rate": common.error_rate(model, x, mg.tensor(y, device=device)),
    }
print(json.dumps(out))
"""


@needs_simulator
def test_common_helpers_on_cuda_match_the_cpu():
    out = json.loads(run_on_simulator(["-c", HELPERS_SCRIPT]).splitlines()[-1])
    cpu, cuda = out["cpu"], out["cuda"]
    assert cpu.pop("devices") == ["cpu"] and cuda.pop("devices") == ["cuda"]
    assert (cpu.pop("as_tensor"), cuda.pop("as_tensor")) == ("cpu", "cuda")
    assert cpu["accuracy"] + cpu["error_rate"] == pytest.approx(1.0)
    assert_close(cpu, cuda, 1e-5, 1e-6)  # float32
