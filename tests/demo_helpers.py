"""What the demo tests share: loading a demo script as a module, and skipping without Fashion-MNIST."""

import importlib.util
import sys
from pathlib import Path

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
    if str(DEMOS) not in sys.path:
        sys.path.insert(0, str(DEMOS))
    spec = importlib.util.spec_from_file_location(f"demo_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
