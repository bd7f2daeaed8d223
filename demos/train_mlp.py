"""Train a multi-layer perceptron on Fashion-MNIST with minigrad.

    python demos/train_mlp.py                  # 2 epochs, about 86.5% test accuracy, ~10-20 s
    python demos/train_mlp.py --quick          # a few seconds on a slice of the data (for the tests)
    python demos/train_mlp.py --epochs 5 --optimizer sgd --lr 0.05
    python demos/train_mlp.py --device cuda    # on an NVIDIA GPU (pip install -e ".[cuda]")

The network is 784 -> 256 -> 128 -> 10 with ReLU, trained with Adam (lr 1e-3, batches of 128) on the
60000 training images, whose pixels are zero-centred and scaled to unit standard deviation with the
training set's statistics (lecture, section 2), and evaluated on the 10000 test images a few times per
epoch. Writes into --out:

    loss_curve.png      the training loss per step (and its moving average) and the test accuracy
    train_mlp.json      the plotted numbers, the settings and the timings

The data is read from disk, never downloaded: `apt-get install dataset-fashion-mnist`, or set
MINIGRAD_FASHION_MNIST to a directory holding the four IDX files (see minigrad.data).
"""

import time
from pathlib import Path

import numpy as np
from common import accuracy, bar, fashion, mlp, moving_average, parser, save_outputs, shuffled_batches, train
from figures import train_mlp as figures

import minigrad as mg
from minigrad import nn, optim


def parse_args(argv=None):
    p = parser(__file__, __doc__)
    p.add_argument("--epochs", type=int, default=None, help="passes over the training set (default 2; --quick 1)")
    p.add_argument("--batch-size", type=int, default=None, help="default 128; --quick 64")
    p.add_argument("--optimizer", choices=("adam", "sgd"), default="adam")
    p.add_argument("--lr", type=float, default=None, help="learning rate (default 1e-3 for Adam, 0.05 for SGD)")
    p.add_argument("--hidden", type=int, nargs="+", default=[256, 128], help="hidden layer widths")
    p.add_argument("--data", type=Path, default=None, help="directory of the Fashion-MNIST files")
    p.add_argument("--evals-per-epoch", type=int, default=4, help="test-set evaluations per epoch")
    p.add_argument("--no-normalize", action="store_true", help="keep pixels in [0, 1] (no standardisation)")
    args = p.parse_args(argv)
    if args.epochs is None:
        args.epochs = 1 if args.quick else 2
    if args.batch_size is None:
        args.batch_size = 64 if args.quick else 128
    if args.lr is None:
        args.lr = 1e-3 if args.optimizer == "adam" else 0.05
    return args


def main(argv=None):
    args = parse_args(argv)
    t_start = time.perf_counter()
    mg.manual_seed(args.seed)
    size = (6000, 1000) if args.quick else (None, None)
    x_train, y_train, x_test, y_test = fashion(*size, standardize=not args.no_normalize, root=args.data)
    t_data = time.perf_counter() - t_start
    print(f"Fashion-MNIST: {x_train.shape[0]} training and {x_test.shape[0]} test images ({t_data:.2f} s to load)")

    model = mlp([28 * 28, *args.hidden, 10], nn.ReLU, device=args.device)
    if args.optimizer == "adam":
        opt = optim.Adam(model.parameters(), lr=args.lr)
    else:
        opt = optim.SGD(model.parameters(), lr=args.lr, momentum=0.9)
    batches = shuffled_batches(x_train, y_train, args.batch_size, args.seed, device=args.device)
    steps_per_epoch = -(-len(x_train) // args.batch_size)
    # Evaluate on the test set a few times per epoch (the last one at the end of the epoch).
    evals = max(1, min(args.evals_per_epoch, steps_per_epoch))
    eval_at = {round(k * steps_per_epoch / evals) for k in range(1, evals)}
    record = {"step": [], "loss": [], "eval_step": [], "test_accuracy": [], "epoch_end_steps": []}
    t_train = time.perf_counter()
    timing = {}

    for epoch in range(args.epochs):
        done = epoch * steps_per_epoch
        progress = bar(steps_per_epoch, f"epoch {epoch + 1}/{args.epochs}", args)

        def evaluate(step, done=done):
            if "first_step" not in timing:
                timing["first_step"] = time.perf_counter() - t_train  # includes compiling (or loading) the kernels
            if step in eval_at:
                record["eval_step"].append(done + step)
                record["test_accuracy"].append(accuracy(model, x_test, y_test))

        losses, _ = train(model, opt, batches, steps_per_epoch, bar=progress, every=1, evaluate=evaluate)
        progress.close()
        record["loss"] += losses
        record["step"] += list(range(done + 1, done + steps_per_epoch + 1))
        acc = accuracy(model, x_test, y_test)
        record["eval_step"].append(done + steps_per_epoch)
        record["test_accuracy"].append(acc)
        record["epoch_end_steps"].append(done + steps_per_epoch)
        print(f"epoch {epoch + 1}/{args.epochs}: mean training loss {np.mean(losses):.4f}, test accuracy {acc:.2%}")
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
    record["timing_s"] = {
        "load_data": round(t_data, 3),
        "first_step": round(timing["first_step"], 3),
        "train": round(train_s, 3),
        "total": round(time.perf_counter() - t_start, 3),
    }
    print(f"test accuracy: {100 * record['final_test_accuracy']:.2f}% after {args.epochs} epoch(s)")
    print(
        f"data {t_data:.1f} s, training {train_s:.1f} s, of which the first step {timing['first_step']:.2f} s "
        "(kernel compilation or cache load)"
    )
    return save_outputs(args, record, {"loss_curve.png": figures.loss_curve(record)})


if __name__ == "__main__":
    main()
