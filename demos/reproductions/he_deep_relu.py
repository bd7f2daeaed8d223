"""He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers", figure 3: a 30-layer ReLU network.

    python demos/reproductions/he_deep_relu.py           # about 25 s of one core
    python demos/reproductions/he_deep_relu.py --quick   # a few seconds (what the tests run)

The paper: a 30-layer network with ReLU does not learn at all from the "Xavier" initialisation,
var(w) = 1/n, while it converges from theirs, var(w) = 2/n, which makes up for ReLU zeroing half
of each layer's input (the initialisation the lecture calls He or Kaiming). Here a 30-weight-layer
ReLU MLP (29 hidden layers of 100; biases 0) is trained with SGD (momentum 0.9) on standardised
Fashion-MNIST from both initialisations, with the same batches; and the standard deviation of
every layer's ReLU output at initialisation is measured on 500 training images.

Laptop scale: an MLP on Fashion-MNIST instead of a convolutional network on ImageNet, and 800
steps instead of epochs. minigrad's "xavier" is var(w) = 2/(n_in + n_out), which is the paper's
1/n for the square hidden layers. Writes he_deep_relu.png and he_deep_relu.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import (
    arguments,
    bar,
    fashion,
    mlp,
    moving_average,
    random_batches,
    save_outputs,
    single_threaded,
    train_curve,
)
from figures import he_deep_relu as figures

import minigrad as mg
from minigrad import diagnostics, nn, optim
from minigrad.nn import init

SETTINGS = {
    "full": {"layers": 30, "width": 100, "batch": 128, "steps": 800, "every": 40, "lr": 0.01, "test": 2000},
    "quick": {"layers": 30, "width": 32, "batch": 64, "steps": 200, "every": 20, "lr": 0.01, "test": 1000},
}
INITS = {"Xavier, var 1/n": "xavier", "He, var 2/n": "he"}


def relu_output_std(model, x, device):
    """The std of every ReLU layer's output on the batch x (the model on ``device``)."""
    relus = [m for m in model if isinstance(m, nn.ReLU)]
    with mg.no_grad(), diagnostics.Recorder(model, layers=relus, bins=None, gradients=False) as rec:
        model(mg.tensor(x, device=device))
    return [rec.stats[rec.name_of(m)]["act"]["std"] for m in relus]


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    x, y, x_test, y_test = fashion(None, cfg["test"], standardize=True)
    runs = {}
    with single_threaded():
        progress = bar(len(INITS) * cfg["steps"], "30 layers", args)
        for name, scheme in INITS.items():
            mg.manual_seed(args.seed)
            model = mlp([784] + [cfg["width"]] * (cfg["layers"] - 1) + [10], nn.ReLU, device=args.device)
            init.apply_(model, scheme, bias=0.0, generator=args.seed)
            stds = relu_output_std(model, x[:500], args.device)
            progress.set_description(name)
            opt = optim.SGD(model.parameters(), lr=cfg["lr"], momentum=0.9)
            batches = random_batches(x, y, cfg["batch"], args.seed + 1, device=args.device)  # the same for both
            curve = train_curve(model, opt, batches, cfg["steps"], x_test, y_test, every=cfg["every"], bar=progress)
            runs[name] = {**curve, "relu_output_std_at_init": stds, "scheme": scheme}
        progress.close()
    for r in runs.values():
        r["final_loss"] = float(np.mean(r["loss"][-50:]))
        below = np.flatnonzero(moving_average(r["loss"], 20) < 2.0)  # 2.0: clearly below chance, ln 10 = 2.30
        r["steps_to_leave_chance"] = int(below[0]) + 1 if len(below) else None
    record = {"config": {**cfg, "seed": args.seed, "quick": args.quick}, "runs": runs}
    for name, r in runs.items():
        stds = r["relu_output_std_at_init"]
        print(
            f"{name:16s} ReLU output std at init: layer 1 {stds[0]:.2e}, layer {len(stds)} {stds[-1]:.2e}; "
            f"first below loss 2.0 (20-step mean) at step {r['steps_to_leave_chance']}; "
            f"loss over the last 50 steps {r['final_loss']:.3f}, test error {r['error'][-1]:.3f}"
        )
    return save_outputs(args, record, {"he_deep_relu.png": figures.he_deep_relu(record)})


if __name__ == "__main__":
    main()
