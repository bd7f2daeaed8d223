"""The device seam holds: ops, nn, optim and the autograd engine touch tensor data only through
``ctx.xp`` / ``ctx.backend`` (or a tensor's own backend), never host NumPy, and call kernels by name.

A second device (CUDA) plugs in by providing the backend contract; host NumPy in an op would
silently pull its data to the CPU, or fail on a GPU array."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent / "minigrad"

# Modules bound by the seam (a package's whole tree where a folder is named).
SEAM = ["ops", "nn", "optim.py", "optim", "autograd.py"]

# NumPy names that describe dtypes rather than compute on data.
DTYPE_NAMES = {"dtype", "finfo", "iinfo", "float32", "float64", "int64", "bool_"}

# Host NumPy that is there on purpose, with the reason.
ALLOWED = {
    ("ops/normalization.py", "group_index"): "a host-side picture of a layout, for figures; no tensor data",
    ("nn/init.py", "*"): "initial values are drawn on the host in float64 from the seeded generator, so one seed "
    "gives the same weights on every device, then copied onto the tensor's device",
}


def _seam_files():
    for name in SEAM:
        path = ROOT / name
        if path.is_dir():
            yield from sorted(path.rglob("*.py"))
        elif path.exists():
            yield path


def _numpy_uses(tree):
    """(function name, attribute) of every np.<attr> / numpy.<attr> in the module."""
    aliases = {a.asname or a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    aliases &= {"np", "numpy"}
    uses = []

    def visit(node, func):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            func = node.name if func == "<module>" else func
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            uses.append((func, node.attr, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, func)

    visit(tree, "<module>")
    return uses


@pytest.mark.parametrize("path", list(_seam_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_host_numpy_on_tensor_data(path):
    rel = str(path.relative_to(ROOT))
    if (rel, "*") in ALLOWED:
        return
    bad = [
        f"{rel}:{line} np.{attr} in {func}()"
        for func, attr, line in _numpy_uses(ast.parse(path.read_text()))
        if attr not in DTYPE_NAMES and (rel, func) not in ALLOWED
    ]
    assert not bad, "host NumPy on tensor data (use ctx.xp / ctx.backend):\n" + "\n".join(bad)


@pytest.mark.parametrize("path", list(_seam_files()), ids=lambda p: str(p.relative_to(ROOT)))
def test_kernels_are_called_by_name(path):
    # getattr(ctx.backend, name + "_forward") hides which kernel runs from the reader (and from grep)
    rel = str(path.relative_to(ROOT))
    bad = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "getattr":
            target = ast.unparse(node.args[0]) if node.args else ""
            if "backend" in target:
                bad.append(f"{rel}:{node.lineno} {ast.unparse(node)}")
    assert not bad, "kernels looked up by a built name:\n" + "\n".join(bad)


def test_the_checker_sees_host_numpy():
    # the rule above must be able to fail
    uses = _numpy_uses(ast.parse("import numpy as np\ndef f(x):\n    return np.exp(x) + np.float32(1)\n"))
    assert [(f, a) for f, a, _ in uses] == [("f", "exp"), ("f", "float32")]
