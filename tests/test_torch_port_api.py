"""The top-level names PyTorch scripts reach for (issue 13 items 1, 5, 7): devices, accelerators, dtype names,
the default generator, and minigrad.nn / optim / utils as attributes of the package."""

import pickle
import subprocess
import sys

import numpy as np
import pytest
import torch

import minigrad as mg


@pytest.mark.parametrize("spec", [("cpu",), ("cuda",), ("cuda:1",), ("cuda", 0), ("cpu", 0)])
def test_device_objects_look_like_pytorchs(spec):
    d, t = mg.device(*spec), torch.device(*spec)
    assert repr(d) == repr(t) and str(d) == str(t) and d.type == t.type and d.index == t.index
    assert mg.device(d) is d and pickle.loads(pickle.dumps(d)) == d


def test_device_errors_name_the_problem():
    with pytest.raises(RuntimeError, match="'mps' is one of PyTorch's devices that minigrad does not have"):
        mg.device("mps")
    with pytest.raises(RuntimeError, match="unknown device type 'gpu'"):
        mg.device("gpu")
    with pytest.raises(RuntimeError, match="invalid device string"):
        mg.device("cuda:x")
    with pytest.raises(RuntimeError, match="already names an index"):
        mg.device("cuda:0", 1)
    with pytest.raises(TypeError):
        mg.device(0)


def test_a_device_object_is_accepted_wherever_a_device_string_is():
    cpu = mg.device("cpu")
    for t in (mg.zeros(2, device=cpu), mg.tensor([1.0], device=cpu), mg.randn(2, device=cpu), mg.arange(3, device=cpu)):
        assert t.device == "cpu" == cpu
    x = mg.ones(2).to(cpu)
    assert x.device == cpu
    model = mg.nn.Linear(2, 2).to(cpu)
    assert model.weight.device == cpu
    assert mg.nn.Linear(2, 2, device=cpu).weight.device == "cpu"
    assert mg.zeros(1).new_zeros(2, device=cpu).device == "cpu"


def test_accelerator_and_cuda_counts():
    available = mg.cuda.is_available()
    assert mg.accelerator.is_available() == available
    assert mg.cuda.device_count() == mg.accelerator.device_count()
    if available:
        assert mg.accelerator.current_accelerator() == mg.device("cuda") and mg.cuda.device_count() >= 1
    else:
        assert mg.accelerator.current_accelerator() is None and mg.cuda.device_count() == 0
    # the idiom of PyTorch's examples runs as written
    device = mg.accelerator.current_accelerator().type if mg.accelerator.is_available() else "cpu"
    assert mg.ones(1, device=device).device == device


def test_pytorch_dtype_names_map_to_minigrads_dtypes():
    assert mg.zeros(2, dtype=mg.int32).dtype == mg.int64
    assert mg.tensor([1, 2], dtype=mg.int).dtype == mg.int64
    assert mg.ones(2).to(mg.float16).dtype == mg.float32 and mg.ones(2).to(mg.half).dtype == mg.float32
    assert mg.tensor([3], dtype=mg.uint8).dtype == mg.int64
    assert mg.float == mg.float32 and mg.double == mg.float64 and mg.long == mg.int64


def test_manual_seed_returns_the_default_generator():
    g = mg.manual_seed(7)
    assert g is mg.default_generator and isinstance(g, mg.Generator)
    a = mg.randn(3)
    g.manual_seed(7)
    assert mg.randn(3).tolist() == a.tolist()
    g.manual_seed(7)
    assert mg.randn(3, generator=g).tolist() == a.tolist()


def test_import_minigrad_makes_the_subpackages_reachable_and_stays_cheap():
    code = (
        "import sys, time; t = time.perf_counter(); import minigrad; dt = time.perf_counter() - t; "
        "assert 'minigrad.nn' not in sys.modules, 'nn imported eagerly'; "
        "print(dt); print(minigrad.nn.Linear.__name__, minigrad.optim.lr_scheduler.StepLR.__name__, "
        "minigrad.utils.data.DataLoader.__name__, minigrad.nn.functional.relu.__name__)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=".")
    lines = out.stdout.split("\n")
    assert lines[1] == "Linear StepLR DataLoader relu"
    assert float(lines[0]) < 2.0  # generous on a loaded machine
    with pytest.raises(AttributeError, match="no attribute 'nonexistent'"):
        mg.nonexistent  # noqa: B018


def test_functions_exist_at_the_top_level_like_torch():
    names = [
        "eq", "ne", "lt", "le", "gt", "ge", "mm", "bmm", "log10", "log2", "sin", "cos", "sinh", "cosh", "topk", "sort",
        "argsort", "cumsum", "einsum", "split", "chunk", "gather", "scatter", "masked_fill", "multinomial", "histc",
        "histogram", "meshgrid", "normal", "allclose", "isclose", "isnan", "is_tensor", "numel", "index_select",
    ]  # fmt: skip
    missing = [n for n in names if not callable(getattr(mg, n, None))]
    assert not missing
    tensor_methods = [
        "eq", "ne", "lt", "le", "gt", "ge", "mm", "bmm", "log10", "log2", "sin", "cos", "sinh", "cosh", "nelement",
        "topk", "sort", "argsort", "cumsum", "split", "chunk", "gather", "scatter", "scatter_", "masked_fill",
        "repeat", "new_zeros", "new_ones", "new_tensor", "multinomial", "histc", "index_select", "type_as",
    ]  # fmt: skip
    assert not [n for n in tensor_methods if not callable(getattr(mg.Tensor, n, None))]
    assert mg.is_tensor(mg.ones(1)) and not mg.is_tensor(np.ones(1)) and mg.numel(mg.ones(2, 3)) == 6
