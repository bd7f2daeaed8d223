"""What every demo shares: its command line, the data, the models, evaluation, the training loop with
its progress bar, and saving the figures and the numbers at the end.

A demo is a script, ``demos/<name>.py`` (a lecture demo) or ``demos/reproductions/<name>.py`` (a
paper re-run), that holds the experiment and ``main(argv=None)``; the code that draws its figures
lives in ``demos/figures/<name>.py``, so that the script reads as the experiment alone. Every demo
takes ``--out DIR`` (PNG figures and one JSON file of the plotted numbers), ``--seed``, ``--quick`` (a
reduced run of seconds, as the tests run it), ``--no-progress`` and ``--device`` (``cpu``, the
default, or ``cuda`` / ``cuda:0``: where its tensors and models live; see docs/cuda.md), and runs
from a source checkout without installing minigrad.

Devices, as in a PyTorch script: a demo reads ``args.device`` and says it wherever data or a model
is made: the helpers that make them (``as_tensor``, the batch generators, ``mlp``, ``cnn``) take a
``device`` argument that has no default, and a model built directly is moved with
``.to(args.device)``. The evaluation helpers (``predict``, ``accuracy``, ``error_rate``) put the data
where the model is and copy the outputs back to the host with ``.cpu()`` before ``.numpy()``. (A
module-level "current device" would save typing ``device=``, but a reader of a demo could no longer
see where its tensors go, and a forgotten one would only fail on a GPU; a missing argument fails on
the CPU too, in the tests.) The initial weights are drawn on the host and copied (docs/cuda.md), so
one seed gives the same network on every device.
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

import numpy as np  # noqa: E402

import minigrad as mg  # noqa: E402
from minigrad import nn  # noqa: E402
from minigrad.data import DataLoader, TensorDataset, load_fashion_mnist  # noqa: E402
from minigrad.nn import functional as F  # noqa: E402
from minigrad.utils.progress import progress  # noqa: E402

# --------------------------------------------------------------------------------------------------
# The command line
# --------------------------------------------------------------------------------------------------


DEVICES = ("cpu", "cuda", "cuda:0")


def device_argument(name):
    """``--device``'s value, checked while the command line is parsed: one of DEVICES, and "cuda" only
    where minigrad's CUDA backend can run (else argparse stops with why, and what to install)."""
    if name not in DEVICES:
        raise argparse.ArgumentTypeError(f"unknown device {name!r} (choose from {', '.join(DEVICES)})")
    if name != "cpu" and not mg.cuda.is_available():
        raise argparse.ArgumentTypeError(
            f"device {name!r}: CUDA is not available ({mg.cuda.unavailable_reason()}). "
            'Install minigrad\'s CUDA backend with pip install -e ".[cuda]" (CUDA 13; for CUDA 12 see '
            "docs/cuda.md), or run on numba's CUDA simulator, without a GPU and very slowly, with "
            "NUMBA_ENABLE_CUDASIM=1 in the environment"
        )
    return name


def parser(file, doc):
    """The standard arguments of the demo in ``file`` (pass ``__file__`` and ``__doc__``); add a demo's
    own with ``p.add_argument`` before ``p.parse_args(argv)``. ``args.name`` is the script's name,
    ``args.start`` the time it started (``time.perf_counter()``) and ``args.device`` its device."""
    path = Path(file).resolve()
    name = path.stem
    p = argparse.ArgumentParser(prog=f"python {path.relative_to(HERE.parent)}", description=doc.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=HERE / "out" / name, help="output folder (PNG + JSON)")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--quick", action="store_true", help="a reduced run (seconds), as the tests run it")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.add_argument(
        "--device", type=device_argument, default="cpu", metavar="{cpu,cuda,cuda:0}", help="where to compute"
    )
    p.set_defaults(name=name, start=time.perf_counter())
    return p


def arguments(file, doc, settings, argv=None):
    """The standard command line of a demo without arguments of its own, and its settings: returns
    ``(args, settings["quick"] if --quick else settings["full"])``."""
    args = parser(file, doc).parse_args(argv)
    return args, dict(settings["quick" if args.quick else "full"])


def bar(total, desc, args, unit="step"):
    """A progress bar on standard error (only on a terminal, never with --no-progress)."""
    return progress(total=total, desc=desc, disable=True if args.no_progress else None, unit=unit)


@contextlib.contextmanager
def single_threaded():
    """One BLAS thread and one Numba thread for the duration.

    The demos' matrix products are small (batches of tens, layers of hundreds): splitting them over
    threads costs more than it saves, and on a busy 2-core machine OpenBLAS's waiting threads made
    every matmul many times slower. threadpoolctl comes with scikit-learn; without it only Numba's
    threads are limited.
    """
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


# --------------------------------------------------------------------------------------------------
# Data, models, evaluation
# --------------------------------------------------------------------------------------------------


def fashion(n_train=None, n_test=None, *, seed=None, standardize=False, image_size=None, root=None):
    """Fashion-MNIST as float32 NumPy arrays ``(x_train, y_train, x_test, y_test)``, one image of 784
    pixels in [0, 1] per row.

    n_train, n_test: keep that many images, the first ones; with ``seed``, a random choice of the
    training images instead. standardize: subtract the (kept) training images' mean pixel value and
    divide by their standard deviation, one number each, from both sets (lecture, section 2).
    image_size: None keeps each image a row of 784 pixels; 28 gives (N, 1, 28, 28) images for a
    convolutional network, 14 the same shrunk by averaging 2 x 2 blocks of pixels (four times less work).
    root: the folder of the four IDX files (default: see ``minigrad.data``).
    """
    x_train, y_train = load_fashion_mnist(root, split="train", flatten=True)
    x_test, y_test = load_fashion_mnist(root, split="test", flatten=True)
    pick = slice(n_train) if seed is None else np.random.default_rng(seed).permutation(len(x_train))[:n_train]
    x_train, y_train = x_train[pick], y_train[pick]
    x_test, y_test = x_test[:n_test], y_test[:n_test]
    if standardize:
        mean, std = float(x_train.mean()), float(x_train.std())
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    if image_size is not None:
        shrink = 28 // image_size
        x_train, x_test = (
            x.reshape(-1, 1, image_size, shrink, image_size, shrink).mean(axis=(3, 5)) for x in (x_train, x_test)
        )
    return x_train, y_train, x_test, y_test


def mlp(sizes, activation, norm=None, bias=True, *, device):
    """A multi-layer perceptron: ``sizes = [784, 256, 128, 10]`` gives
    Linear(784, 256) [-> norm(256)] -> activation -> Linear(256, 128) [-> norm(128)] -> activation -> Linear(128, 10).

    activation: a module class or a function returning a fresh module (``nn.ReLU``,
    ``lambda: nn.LeakyReLU(0.1)``). norm: the same, called with the width (``nn.BatchNorm1d``,
    ``lambda width: nn.GroupNorm(8, width)``), or None. device: where its parameters live.
    """
    layers = []
    for n_in, n_out in zip(sizes[:-2], sizes[1:-1]):
        layers.append(nn.Linear(n_in, n_out, bias=bias))
        if norm is not None:
            layers.append(norm(n_out))
        layers.append(activation())
    layers.append(nn.Linear(sizes[-2], sizes[-1], bias=bias))
    return nn.Sequential(*layers).to(device)


def cnn(channels, activation, norm=None, image_size=28, hidden=None, classes=10, *, device):
    """A small convolutional network for (N, 1, image_size, image_size) images: for each width c of
    ``channels``, Conv2d(3 x 3, padding 1) [-> norm(c)] -> activation -> MaxPool2d(2); then Flatten,
    [Linear -> activation to ``hidden`` units,] and a Linear layer to the class scores.

    activation, norm, device: as for :func:`mlp` (norm gets the number of channels: ``nn.BatchNorm2d``).
    """
    layers, c_in, size = [], 1, image_size
    for c in channels:
        layers.append(nn.Conv2d(c_in, c, 3, padding=1))
        if norm is not None:
            layers.append(norm(c))
        layers += [activation(), nn.MaxPool2d(2)]
        c_in, size = c, size // 2
    layers.append(nn.Flatten())
    width = c_in * size * size
    if hidden:
        layers += [nn.Linear(width, hidden), activation()]
        width = hidden
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers).to(device)


def count_parameters(model):
    return sum(p.numel() for p in model.parameters())


def as_tensor(x, device):
    """A NumPy array or a Tensor as a Tensor on ``device``: on the CPU a NumPy array's memory is shared,
    not copied, and a Tensor already on ``device`` is returned as it is."""
    t = mg.from_numpy(x) if isinstance(x, np.ndarray) else x
    return t.to(device)


def device_of(model):
    """Where the model's parameters live ("cpu" for a model without any)."""
    return next((p.device for p in model.parameters()), "cpu")


def predict(model, x, batch_size=2000):
    """The model's outputs for ``x`` (NumPy array or Tensor) as one NumPy array, in batches, without a
    graph: each batch goes to the model's device, and its outputs come back to the host."""
    device = device_of(model)
    with mg.no_grad():
        outputs = [model(as_tensor(x[s : s + batch_size], device)) for s in range(0, len(x), batch_size)]
        return np.concatenate([out.cpu().numpy() for out in outputs])


def predicted_classes(model, x, batch_size=2000):
    """The class with the highest score for each row of ``x``, in evaluation mode (BatchNorm uses its
    running statistics); the model's training mode is restored afterwards."""
    was_training = model.training
    model.eval()
    try:
        return predict(model, x, batch_size).argmax(axis=1)
    finally:
        model.train(was_training)


def _labels(y):
    return y.cpu().numpy() if isinstance(y, mg.Tensor) else np.asarray(y)


def accuracy(model, x, y, batch_size=2000):
    """The fraction of ``x`` whose predicted class is the label ``y`` (evaluation mode)."""
    return float((predicted_classes(model, x, batch_size) == _labels(y)).mean())


def error_rate(model, x, y, batch_size=2000):
    """The fraction of ``x`` whose predicted class is not the label ``y`` (evaluation mode)."""
    return float((predicted_classes(model, x, batch_size) != _labels(y)).mean())


# --------------------------------------------------------------------------------------------------
# Training
# --------------------------------------------------------------------------------------------------


# The batch generators pick each batch's examples from (x, y), NumPy arrays on the host (or Tensors),
# and hand the batch over on ``device``: on a GPU, one small copy per step.


def random_batches(x, y, batch_size, rng, replace=True, *, device):
    """Endless batches of Tensors on ``device``, each drawn afresh from ``rng`` (a seed or a NumPy
    Generator): with replacement (``rng.integers``) or, with ``replace=False``, without (``rng.choice``)."""
    rng = np.random.default_rng(rng)
    while True:
        i = rng.integers(0, len(x), batch_size) if replace else rng.choice(len(x), batch_size, replace=False)
        yield as_tensor(x[i], device), as_tensor(y[i], device)


def shuffled_batches(x, y, batch_size, seed, *, device):
    """Endless epochs of batches of Tensors on ``device``: every epoch is a new shuffle of (x, y)
    (minigrad's DataLoader)."""
    loader = DataLoader(TensorDataset(x, y), batch_size=batch_size, shuffle=True, seed=seed)
    while True:
        for xb, yb in loader:
            yield as_tensor(xb, device), as_tensor(yb, device)


def ordered_batches(x, y, batch_size, *, device):
    """One pass over (x, y) in order, in whole batches of Tensors on ``device``: every run sees the same
    examples in the same order, whatever its batch size."""
    for s in range(0, len(x) - batch_size + 1, batch_size):
        yield as_tensor(x[s : s + batch_size], device), as_tensor(y[s : s + batch_size], device)


def train(
    model,
    opt,
    batches,
    steps,
    *,
    bar=None,
    every=0,
    evaluate=None,
    loss_fn=F.cross_entropy,
    max_loss=None,
    min_loss=None,
):
    """The training loop of every demo: ``steps`` times take a batch, compute the loss, backpropagate, step.

    batches: an iterator of (input, target) Tensors on the model's device (``random_batches``,
    ``shuffled_batches``). Only the loss comes back to the host, as a number (``loss.item()``).
    evaluate: called as ``evaluate(step)`` after every ``every``-th step; it returns None, a dict of
    numbers to show on the progress bar, or True to stop the run there.
    max_loss: the run stops, diverged, when a batch's loss is above it or not a number;
    min_loss: the run stops, done, when a batch's loss is at or below it.
    bar: a progress bar, advanced once a step, showing the mean loss of the last 50 steps (a run that
    stops early counts its missing steps as done).
    Returns ``(losses, stopped)``: every step's loss, and whether the run stopped early.
    """
    losses, shown = [], {}
    for step in range(1, steps + 1):
        x, y = next(batches)
        loss = loss_fn(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        stop = max_loss is not None and not losses[-1] <= max_loss  # `not <=`: NaN stops too
        stop = stop or (min_loss is not None and losses[-1] <= min_loss)
        if not stop and every and step % every == 0 and evaluate is not None:
            result = evaluate(step)
            stop = result is True
            shown.update(result if isinstance(result, dict) else {})
        if bar is not None:
            if step % 10 == 0:
                shown["loss"] = float(np.mean(losses[-50:]))
            bar.set_postfix(shown)
            bar.update(steps - step + 1 if stop else 1)
        if stop:
            return losses, True
    return losses, False


def train_curve(model, opt, batches, steps, x_eval, y_eval, *, every, bar=None, max_loss=None, measure=None):
    """:func:`train`, with the error rate on (x_eval, y_eval) measured before the first step and after
    every ``every``-th, and ``measure(model)`` too if given (say, the PReLU slopes). Returns
    {"step", "error" (the curve), "measured" (if any), "loss" (every step's), "diverged"}."""
    curve = {"step": [], "error": []} if measure is None else {"step": [], "error": [], "measured": []}

    def evaluate(step):
        curve["step"].append(step)
        curve["error"].append(error_rate(model, x_eval, y_eval))
        if measure is not None:
            curve["measured"].append(measure(model))
        return {"error": curve["error"][-1]}

    evaluate(0)
    curve["loss"], curve["diverged"] = train(
        model, opt, batches, steps, bar=bar, every=every, evaluate=evaluate, max_loss=max_loss
    )
    return curve


def steps_to_target(steps, values, target):
    """The first step from which ``values`` (measured at ``steps``) stay at or below ``target`` to the end
    of the run (None: never). "Stay" means that a lucky dip of an unstable run does not count; a None
    value (a blown-up run) counts as above."""
    hit = None
    for s, v in zip(steps, values):
        if v is not None and v <= target:
            hit = s if hit is None else hit
        else:
            hit = None
    return hit


def moving_average(values, window):
    """The mean of the last ``window`` values at each step (of fewer at the start)."""
    values = np.asarray(values, dtype=np.float64)
    cumsum = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(0, idx - window)
    return (cumsum[idx] - cumsum[lo]) / (idx - lo)


# --------------------------------------------------------------------------------------------------
# Saving figures and numbers
# --------------------------------------------------------------------------------------------------


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
    if hasattr(value, "detach") and hasattr(value, "numpy"):
        value = value.detach().cpu().numpy()
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


def save_outputs(args, record, figures, dpi=120):
    """The end of every demo: each figure of ``figures`` ({file name: matplotlib figure}) as a PNG, and
    ``record`` (every plotted number, with the list of figures and the device) as ``<name>.json``, into
    ``--out``; then the time the demo took. Returns ``record``."""
    record["figures"] = list(figures)
    record["device"] = args.device
    for filename, fig in figures.items():
        save_figure(fig, args.out, filename, dpi)
    save_json(record, args.out, f"{args.name}.json")
    print(f"time: {time.perf_counter() - args.start:.1f} s on {args.device}")
    return record
