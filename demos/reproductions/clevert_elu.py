"""Clevert, Unterthiner & Hochreiter (2015), "Fast and accurate deep network learning by exponential
linear units (ELUs)", figure 1.

    python demos/reproductions/clevert_elu.py           # about 15 s of one core
    python demos/reproductions/clevert_elu.py --quick   # a few seconds (what the tests run)

The paper: ELU's negative values push the mean activation of a unit towards zero, as batch
normalisation would, which brings the gradient closer to the natural gradient and speeds learning
up. Their figure 1 trains an MLP with 8 hidden layers of 128 units on MNIST and shows (a) the
median over units of each unit's mean activation, nearer zero with ELU than with ReLU and Leaky
ReLU, and (b) the training loss, falling faster with ELU. The same here: 8 x 128 MLPs with ELU
(alpha 1), ReLU and Leaky ReLU (slope 0.1), He init and zero biases, the same initial weights and
batches, plain SGD (lr 0.01, batches of 64), on standardised Fashion-MNIST; four times per epoch,
every hidden unit's mean output over 2000 training images.

Laptop scale: 3 epochs of 20000 Fashion-MNIST images and one run per activation, instead of 300
epochs of MNIST averaged over five runs. Writes clevert_elu.png and clevert_elu.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import arguments, bar, fashion, mlp, save_outputs, shuffled_batches, single_threaded, train
from figures import clevert_elu as figures

import minigrad as mg
from minigrad import diagnostics, nn, optim
from minigrad.nn import init

SETTINGS = {
    "full": {"train": 20000, "epochs": 3, "probe": 2000},
    "quick": {"train": 4000, "epochs": 3, "probe": 1000},
}
ACTIVATIONS = {"ELU": nn.ELU, "ReLU": nn.ReLU, "LeakyReLU": lambda: nn.LeakyReLU(0.1)}
BATCH, LR, MEASURES_PER_EPOCH = 64, 0.01, 4


def unit_means(model, x, device):
    """Every hidden unit's mean output over the images x, per layer (the model on ``device``)."""
    acts = [m for m in model if not isinstance(m, nn.Linear)]
    with mg.no_grad(), diagnostics.Recorder(model, layers=acts, bins=None, gradients=False, keep_values=True) as rec:
        model(mg.tensor(x, device=device))
    return [rec.values[rec.name_of(m)].mean(axis=0) for m in acts]


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    x, y, _, _ = fashion(cfg["train"], 0, seed=args.seed, standardize=True)
    probe = x[: cfg["probe"]]
    steps_per_epoch = len(x) // BATCH
    steps, every = cfg["epochs"] * steps_per_epoch, steps_per_epoch // MEASURES_PER_EPOCH
    runs = {}
    with single_threaded():
        progress = bar(len(ACTIVATIONS) * steps, "training", args)
        for name, activation in ACTIVATIONS.items():
            mg.manual_seed(args.seed)
            progress.set_description(name)
            model = mlp([784] + [128] * 8 + [10], activation, device=args.device)
            init.apply_(model, "he", generator=args.seed)
            run = {"epoch": [], "median_unit_mean": [], "median_unit_mean_per_layer": []}

            def measure(step, model=model, run=run):
                means = unit_means(model, probe, args.device)
                run["epoch"].append(step / steps_per_epoch)
                run["median_unit_mean"].append(float(np.median(np.concatenate(means))))
                run["median_unit_mean_per_layer"].append([float(np.median(m)) for m in means])

            measure(0)
            opt = optim.SGD(model.parameters(), lr=LR)
            batches = shuffled_batches(x, y, BATCH, args.seed, device=args.device)  # the same for every activation
            run["loss"], _ = train(model, opt, batches, steps, bar=progress, every=every, evaluate=measure)
            run["epoch_loss"] = np.mean(np.reshape(run["loss"], (cfg["epochs"], -1)), axis=1).tolist()
            runs[name] = run
        progress.close()
    record = {"config": {**cfg, "seed": args.seed, "quick": args.quick, "batch": BATCH, "lr": LR}, "runs": runs}
    for name, r in runs.items():
        medians = " ".join(f"{v:+.3f}" for v in r["median_unit_mean"][::MEASURES_PER_EPOCH])
        losses = " ".join(f"{v:.3f}" for v in r["epoch_loss"])
        print(f"{name:10s} median unit mean at each epoch {medians}; mean training loss per epoch {losses}")
    return save_outputs(args, record, {"clevert_elu.png": figures.clevert_elu(record)})


if __name__ == "__main__":
    main()
