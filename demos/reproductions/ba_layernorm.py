"""Ba, Kiros & Hinton (2016), "Layer normalization", figure 6: LayerNorm against BatchNorm at small batches.

    python demos/reproductions/ba_layernorm.py           # about 30 s of one core
    python demos/reproductions/ba_layernorm.py --quick   # a few seconds (what the tests run)

The paper: on permutation-invariant MNIST (an MLP, 784-1000-1000-10), LayerNorm is robust to the
batch size and trains faster than BatchNorm, whose results degrade at a batch size of 4 (its batch
statistics get noisy, and the running averages used at test time describe batches the network
never saw). Here an MLP 784-256-256-10 with ReLU, with a LayerNorm, a BatchNorm1d or no
normalisation before each ReLU, is trained with Adam (lr 1e-3) at batch sizes 128, 4 and 2, every
run on the same 6400 training images in the same order (so the smaller batches take more steps),
and its test error measured (BN in eval mode).

Laptop scale: Fashion-MNIST, narrower layers, and 6400 training images per run instead of many
epochs. Writes ba_layernorm.png and ba_layernorm.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import arguments, bar, fashion, mlp, ordered_batches, save_outputs, single_threaded, train_curve
from figures import ba_layernorm as figures

import minigrad as mg
from minigrad import nn, optim

SETTINGS = {
    "full": {"examples": 6400, "hidden": 256, "evals": 8, "test": 2000},
    "quick": {"examples": 1280, "hidden": 128, "evals": 4, "test": 1000},
}
BATCH_SIZES = (128, 4, 2)
NORMS = {"LayerNorm": nn.LayerNorm, "BatchNorm": nn.BatchNorm1d, "none": None}


def build(norm, cfg, device):
    return mlp([784, cfg["hidden"], cfg["hidden"], 10], nn.ReLU, norm=norm, device=device)


def adam(parameters, batch_size):
    return optim.Adam(parameters, lr=1e-3)


def batch_size_runs(norms, batch_sizes, build, optimizer, data, cfg, seed, progress, device):
    """Every normalisation at every batch size, from the same initial weights, on the same examples in
    the same order (so a smaller batch takes more steps), on ``device``. build(norm, device) returns
    the model; optimizer(parameters, batch size) its optimizer. Returns {norm name: {batch size:
    training curve}}."""
    x, y, x_test, y_test = data
    runs = {name: {} for name in norms}
    for b in batch_sizes:
        for name, norm in norms.items():
            mg.manual_seed(seed)  # the same initial weights in every run
            progress.set_description(f"{name}, batch {b}")
            model = build(norm, device)
            steps = cfg["examples"] // b
            every = max(1, steps // cfg["evals"])
            batches = ordered_batches(x, y, b, device=device)
            curve = train_curve(
                model, optimizer(model.parameters(), b), batches, steps, x_test, y_test, every=every, bar=progress
            )
            curve["examples_seen"] = [s * b for s in curve["step"]]
            curve["final_error"] = curve["error"][-1]
            curve["final_train_loss"] = float(np.mean(curve["loss"][-max(1, steps // 10) :]))
            runs[name][str(b)] = curve
    return runs


def print_errors(runs, batch_sizes, examples):
    print(f"Test error after {examples} training images, batch size " + " / ".join(map(str, batch_sizes)))
    for name, r in runs.items():
        print(f"  {name:12s} " + " / ".join(f"{100 * r[str(b)]['final_error']:.1f}%" for b in batch_sizes))


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    data = fashion(cfg["examples"], cfg["test"], seed=args.seed, standardize=True)

    def build_run(norm, device):  # this run's network (its width is in cfg)
        return build(norm, cfg, device)

    with single_threaded():
        progress = bar(len(NORMS) * sum(cfg["examples"] // b for b in BATCH_SIZES), "training", args)
        runs = batch_size_runs(NORMS, BATCH_SIZES, build_run, adam, data, cfg, args.seed, progress, args.device)
        progress.close()
    record = {"config": {**cfg, "seed": args.seed, "quick": args.quick, "batch_sizes": list(BATCH_SIZES)}, "runs": runs}
    print_errors(runs, BATCH_SIZES, cfg["examples"])
    return save_outputs(args, record, {"ba_layernorm.png": figures.ba_layernorm(record)})


if __name__ == "__main__":
    main()
