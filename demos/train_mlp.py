"""Train a multi-layer perceptron on Fashion-MNIST with minigrad.

    python demos/train_mlp.py                  # 2 epochs, about 86.5% test accuracy, ~10-20 s
    python demos/train_mlp.py --quick          # a few seconds on a slice of the data (for the tests)
    python demos/train_mlp.py --epochs 5 --optimizer sgd --lr 0.05

The network is 784 -> 256 -> 128 -> 10 with ReLU, trained with Adam (lr 1e-3, batches of 128) on the
60000 training images, whose pixels are zero-centred and scaled to unit standard deviation with the
training set's statistics (lecture, section 2), and evaluated on the 10000 test images a few times per
epoch. Writes into --out:

    loss_curve.png      the training loss per step (and its moving average) and the test accuracy
    train_mlp.json      the plotted numbers, the settings and the timings

The data is read from disk, never downloaded: `apt-get install dataset-fashion-mnist`, or set
MINIGRAD_FASHION_MNIST to a directory holding the four IDX files (see minigrad.data).
"""

import argparse
import json
import sys
import time
from pathlib import Path

try:
    import minigrad  # noqa: F401
except ImportError:  # run from a source checkout without installing: use the checkout
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset, load_fashion_mnist
from minigrad.nn import functional as F
from minigrad.utils.progress import progress

DEFAULT_OUT = Path(__file__).resolve().parent / "out" / "train_mlp"


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", type=Path, default=DEFAULT_OUT, help=f"output directory (default {DEFAULT_OUT})")
    p.add_argument("--seed", type=int, default=0, help="seed for the initial weights and the batch order")
    p.add_argument("--quick", action="store_true", help="a much smaller run (seconds), for the tests")
    p.add_argument("--epochs", type=int, default=None, help="passes over the training set (default 2; --quick 1)")
    p.add_argument("--batch-size", type=int, default=None, help="default 128; --quick 64")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-3 for Adam, 0.05 for SGD)")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 128], help="hidden layer widths")
    p.add_argument("--data", type=Path, default=None, help="directory of the Fashion-MNIST files")
    p.add_argument("--evals-per-epoch", type=int, default=4, help="test-set evaluations per epoch")
    p.add_argument("--no-normalize", action="store_true", help="keep pixels in [0, 1] (no standardisation)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.quick else 2
    if args.batch_size is None:
        args.batch_size = 64 if args.quick else 128
    if args.lr is None:
        args.lr = 1e-3 if args.optimizer == "adam" else 0.05
    return args


def build_model(hidden, in_features=28 * 28, classes=10):
    """Linear + ReLU for each hidden width, then a Linear layer to the class scores."""
    layers, width = [], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), nn.ReLU()]
        width = h
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def accuracy(model, images, labels, batch_size=2000):
    """Fraction of ``images`` whose highest class score is the label (evaluation mode, no graph)."""
    model.eval()
    correct = 0
    with mg.no_grad():
        for start in range(0, images.shape[0], batch_size):
            scores = model(images[start : start + batch_size]).numpy()
            correct += int((scores.argmax(axis=1) == labels.numpy()[start : start + batch_size]).sum())
    model.train()
    return correct / images.shape[0]


def moving_average(values, window):
    """Mean of the last ``window`` values at each step (fewer at the start)."""
    values = np.asarray(values, dtype=np.float64)
    cumsum = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(0, idx - window)
    return (cumsum[idx] - cumsum[lo]) / (idx - lo)


def plot(record, path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    ax_loss.plot(record["step"], record["loss"], color="tab:blue", alpha=0.25, lw=0.8, label="per batch")
    ax_loss.plot(
        record["step"],
        record["loss_smoothed"],
        color="tab:blue",
        lw=2,
        label=f"moving average ({record['smoothing_window']} steps)",
    )
    for boundary in record["epoch_end_steps"][:-1]:
        ax_loss.axvline(boundary, color="grey", ls=":", lw=1)
    ax_loss.set_xlabel("step (batch)")
    ax_loss.set_ylabel("cross-entropy loss")
    ax_loss.set_title("Training loss")
    ax_loss.legend()
    ax_loss.grid(alpha=0.3)

    ax_acc.plot(record["eval_step"], [100 * a for a in record["test_accuracy"]], "o-", color="tab:green")
    ax_acc.set_xlabel("step (batch)")
    ax_acc.set_ylabel("test accuracy (%)")
    ax_acc.set_title(f"Test accuracy (final {100 * record['final_test_accuracy']:.2f}%)")
    ax_acc.grid(alpha=0.3)
    cfg = record["config"]
    fig.suptitle(
        f"MLP {'-'.join(str(w) for w in [784, *cfg['hidden'], 10])} on Fashion-MNIST, "
        f"{cfg['optimizer']} lr={cfg['lr']:g}, batch {cfg['batch_size']}"
    )
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    t_start = time.perf_counter()
    mg.manual_seed(args.seed)

    x_train, y_train = load_fashion_mnist(args.data, split="train", flatten=True, as_tensor=True)
    x_test, y_test = load_fashion_mnist(args.data, split="test", flatten=True, as_tensor=True)
    if args.quick:
        x_train, y_train = x_train[:6000], y_train[:6000]
        x_test, y_test = x_test[:1000], y_test[:1000]
    if not args.no_normalize:
        # Zero-centre and scale to unit standard deviation (lecture, section 2), with the training
        # set's statistics, applied to both sets.
        mean, std = float(x_train.mean().item()), float(x_train.std().item())
        x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    t_data = time.perf_counter() - t_start
    print(f"Fashion-MNIST: {x_train.shape[0]} training and {x_test.shape[0]} test images ({t_data:.2f} s to load)")

    model = build_model(args.hidden)
    if args.optimizer == "adam":
        opt = optim.Adam(model.parameters(), lr=args.lr)
    else:
        opt = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    loader = DataLoader(TensorDataset(x_train, y_train), batch_size=args.batch_size, shuffle=True, seed=args.seed)

    steps_per_epoch = len(loader)
    # Evaluate on the test set a few times per epoch (the last one at the end of the epoch).
    evals = max(1, min(args.evals_per_epoch, steps_per_epoch))
    eval_at = {round(k * steps_per_epoch / evals) for k in range(1, evals)}
    record = {"step": [], "loss": [], "eval_step": [], "test_accuracy": [], "epoch_end_steps": []}
    step, first_step_s = 0, None
    t_train = time.perf_counter()
    for epoch in range(args.epochs):
        bar = progress(loader, desc=f"epoch {epoch + 1}/{args.epochs}", disable=True if args.no_progress else None)
        for xb, yb in bar:
            t0 = time.perf_counter()
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            step += 1
            record["step"].append(step)
            record["loss"].append(loss.item())
            if first_step_s is None:
                first_step_s = time.perf_counter() - t0  # includes compiling (or loading) the kernels
            if step % 10 == 0:
                bar.set_postfix(loss=float(np.mean(record["loss"][-50:])))
            if (step - epoch * steps_per_epoch) in eval_at:
                record["eval_step"].append(step)
                record["test_accuracy"].append(accuracy(model, x_test, y_test))
        acc = accuracy(model, x_test, y_test)
        record["eval_step"].append(step)
        record["test_accuracy"].append(acc)
        record["epoch_end_steps"].append(step)
        print(
            f"epoch {epoch + 1}/{args.epochs}: mean training loss {np.mean(record['loss'][-steps_per_epoch:]):.4f}, "
            f"test accuracy {100 * acc:.2f}%"
        )
    train_s = time.perf_counter() - t_train

    window = min(50, max(1, len(record["loss"]) // 5))
    record["loss_smoothed"] = moving_average(record["loss"], window).tolist()
    record["smoothing_window"] = window
    record["final_test_accuracy"] = record["test_accuracy"][-1]
    record["config"] = {
        "seed": args.seed,
        "quick": args.quick,
        "epochs": args.epochs,
        "batch_size": args.batch_size,
        "optimizer": args.optimizer,
        "lr": args.lr,
        "hidden": list(args.hidden),
        "train_size": int(x_train.shape[0]),
        "test_size": int(x_test.shape[0]),
        "normalize": not args.no_normalize,
    }
    total_s = time.perf_counter() - t_start
    record["timing_s"] = {
        "load_data": round(t_data, 3),
        "first_step": round(first_step_s or 0.0, 3),
        "train": round(train_s, 3),
        "total": round(total_s, 3),
    }

    args.out.mkdir(parents=True, exist_ok=True)
    png, js = args.out / "loss_curve.png", args.out / "train_mlp.json"
    plot(record, png)
    js.write_text(json.dumps(record, indent=1) + "\n")
    print(f"test accuracy: {100 * record['final_test_accuracy']:.2f}% after {args.epochs} epoch(s)")
    print(
        f"time: {time.perf_counter() - t_start:.1f} s in all (data {t_data:.1f} s, training {train_s:.1f} s, "
        f"of which the first step {first_step_s:.2f} s: kernel compilation or cache load)"
    )
    print(f"wrote {png} and {js}")
    return record


if __name__ == "__main__":
    main()
