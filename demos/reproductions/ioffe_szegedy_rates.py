"""Ioffe & Szegedy (2015), "Batch normalization", section 3.3: BatchNorm enables higher learning rates.

    python demos/reproductions/ioffe_szegedy_rates.py           # about 25 s of one core
    python demos/reproductions/ioffe_szegedy_rates.py --quick   # a few seconds (what the tests run)

The paper: "In traditional deep networks, too-high learning rate may result in the gradients that
explode or vanish, as well as getting stuck in poor local minima. Batch Normalization helps address
these issues" (BN makes a layer's output independent of the scale of its weights, so a large step
cannot blow the activations up); their BN-Inception trains with a 5 and 30 times larger rate. Here
the same ReLU MLP, 784-100-100-100-10 (He init, biases 0), with and without a BatchNorm1d before
every ReLU, is trained with plain SGD (batches of 60, the same batches for every run) at learning
rates from 0.01 to 10, and its test error is measured (BN in eval mode).

Laptop scale: an MLP on Fashion-MNIST and 600 steps per run, instead of Inception on ImageNet.
Writes ioffe_szegedy_rates.png and ioffe_szegedy_rates.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

from common import arguments, bar, fashion, mlp, random_batches, save_outputs, single_threaded, train_curve
from figures import ioffe_szegedy_rates as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import init

SETTINGS = {
    "full": {"steps": 600, "every": 50, "rates": [0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0], "train": None, "test": 2000},
    "quick": {"steps": 150, "every": 25, "rates": [0.03, 0.3, 3.0], "train": 6000, "test": 1000},
}
DIVERGED = 1e3  # a batch loss above this (or not a number): the run has blown up


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    x, y, x_test, y_test = fashion(cfg["train"], cfg["test"], standardize=True)
    runs = {"plain": {}, "bn": {}}
    with single_threaded():
        progress = bar(2 * len(cfg["rates"]) * cfg["steps"], "learning rates", args)
        for key, norm in (("plain", None), ("bn", nn.BatchNorm1d)):
            for lr in cfg["rates"]:
                mg.manual_seed(args.seed)
                progress.set_description(f"{key}, lr {lr:g}")
                model = mlp([784, 100, 100, 100, 10], nn.ReLU, norm=norm, device=args.device)
                init.apply_(model, "he", generator=args.seed)
                opt = optim.SGD(model.parameters(), lr=lr)
                batches = random_batches(x, y, 60, args.seed + 1, device=args.device)
                curve = train_curve(
                    model,
                    opt,
                    batches,
                    cfg["steps"],
                    x_test,
                    y_test,
                    every=cfg["every"],
                    bar=progress,
                    max_loss=DIVERGED,
                )
                curve["final_error"] = None if curve["diverged"] else curve["error"][-1]
                runs[key][str(lr)] = curve
        progress.close()
    record = {"config": {**cfg, "seed": args.seed, "quick": args.quick, "batch": 60}, "runs": runs}
    for key, r in runs.items():
        best = min((lr for lr in r if not r[lr]["diverged"]), key=lambda lr: r[lr]["final_error"])
        record[f"best_lr_{key}"] = float(best)
        text = ", ".join(
            f"lr {lr}: " + ("diverged" if c["diverged"] else f"{c['final_error']:.3f}") for lr, c in r.items()
        )
        print(f"{'with BN' if key == 'bn' else 'without BN':10s} test error {text}")
    return save_outputs(args, record, {"ioffe_szegedy_rates.png": figures.ioffe_szegedy_rates(record)})


if __name__ == "__main__":
    main()
