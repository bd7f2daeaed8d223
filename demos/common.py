"""What every lecture demo shares: its command line, where its outputs go, and how figures are saved.

Each demo is ``demos/<name>.py`` with ``main(argv=None)`` and ``if __name__ == "__main__": main()``;
it takes ``--out DIR`` (PNG figures and one JSON file of the plotted numbers), ``--seed`` and
``--quick`` (a reduced run for the test suite), and it runs from a source checkout without installing.
"""

import argparse
import contextlib
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))  # a source checkout works without `pip install`


def parser(name, description):
    """The standard arguments; add a demo's own with ``p.add_argument`` before ``p.parse_args(argv)``."""
    p = argparse.ArgumentParser(prog=f"python demos/{name}.py", description=description)
    p.add_argument("--out", type=Path, default=HERE / "out" / name, help="output folder (PNG + JSON)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--quick", action="store_true", help="a reduced run (seconds), as the tests run it")
    return p


def pyplot():
    """matplotlib's pyplot on the file-only Agg backend (no screen needed)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_figure(fig, out, filename, dpi=120):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    fig.savefig(path, dpi=dpi, bbox_inches="tight")
    pyplot().close(fig)
    print(f"wrote {path}")
    return path


def _plain(value):
    """NumPy scalars/arrays and Tensors as JSON-friendly Python values."""
    import numpy as np

    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().numpy()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in JSON")


def save_json(data, out, filename):
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / filename
    path.write_text(json.dumps(data, indent=1, default=_plain))
    print(f"wrote {path}")
    return path


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


@contextlib.contextmanager
def single_threaded():
    """One BLAS thread and one Numba thread for the duration.

    The demos' matrix products are small (batches of tens, layers of hundreds): splitting them over
    threads costs more than it saves, and on a busy 2-core machine OpenBLAS's waiting threads made
    every matmul many times slower. threadpoolctl comes with scikit-learn; without it only Numba's
    threads are limited.
    """
    import minigrad as mg

    old = mg.get_num_threads()
    mg.set_num_threads(1)
    try:
        try:
            from threadpoolctl import threadpool_limits
        except ImportError:
            limits = contextlib.nullcontext()
        else:
            limits = threadpool_limits(1, user_api="blas")
        with limits:
            yield
    finally:
        mg.set_num_threads(old)
