"""What the demo tests share: loading a demo script as a module, running it with --quick, and skipping
without Fashion-MNIST."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

from minigrad import data

DEMOS = Path(__file__).resolve().parent.parent / "demos"
NO_FASHION = "Fashion-MNIST files not found (apt-get install dataset-fashion-mnist, or set MINIGRAD_FASHION_MNIST)"


def fashion_available():
    """True when both the training and the test split of Fashion-MNIST can be found."""
    try:
        data._locate_fashion(None, "train")
        data._locate_fashion(None, "test")
    except FileNotFoundError:
        return False
    return True


def load_demo(name):
    """``demos/<name>.py`` or ``demos/reproductions/<name>.py`` imported as a module (the demos are
    scripts, not a package: their folder goes on sys.path, as when they run)."""
    path = DEMOS / f"{name}.py"
    if not path.exists():
        path = DEMOS / "reproductions" / f"{name}.py"
    for folder in {DEMOS, path.parent}:  # the demos' helpers, and the script's own folder as Python would
        if str(folder) not in sys.path:
            sys.path.insert(0, str(folder))
    spec = importlib.util.spec_from_file_location(f"demo_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


requires_fashion = pytest.mark.skipif(not fashion_available(), reason=NO_FASHION)


def run_quick(name, out):
    """Run the demo ``name`` with ``--quick`` into the folder ``out``; check that every figure it lists
    is a PNG file and that the saved JSON is what main() returned; return the saved JSON."""
    pytest.importorskip("matplotlib")
    returned = load_demo(name).main(["--quick", "--out", str(out), "--seed", "0", "--no-progress"])
    saved = json.loads((Path(out) / f"{name}.json").read_text())
    assert saved["config"]["quick"] is True
    assert saved["figures"] and saved["figures"] == returned["figures"]
    for figure in saved["figures"]:
        assert (Path(out) / figure).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n", figure
    return saved
