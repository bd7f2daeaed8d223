"""He, Zhang, Ren & Sun (2015), "Delving deep into rectifiers": PReLU's learned slopes, and weight decay on them.

    python demos/reproductions/he_prelu.py           # about 20 s of one core
    python demos/reproductions/he_prelu.py --quick   # a few seconds (what the tests run)

PReLU is max(0, x) + a min(0, x) with the slope a learned, starting at 0.25. The paper (their table
1): the learned slopes differ from layer to layer, the first layer's is large (0.68) and the deeper
layers' smaller; and "we do not use weight decay on a_i: a weight decay tends to push a_i to zero,
and thus biases PReLU toward ReLU". Here an MLP with 6 hidden layers of 128 and PReLU after each
(one slope per layer, "channel-shared", and one per unit, "channel-wise"), He init, is trained with
SGD (lr 0.01, momentum 0.9, batches of 128, weight decay 5e-4 on the weights) on standardised
Fashion-MNIST, with three choices for the slopes: no weight decay (the paper's), the paper's 5e-4,
and a decay as strong over this short run as 5e-4 is over a long one: it shrinks an unused slope by
exp(-wd lr steps) = exp(-1.5) (wd = 0.15), which 5e-4 does in 300 000 steps at lr 0.01.

Laptop scale: an MLP on Fashion-MNIST for 1000 steps, instead of a 19-layer CNN on ImageNet.
Writes he_prelu.png and he_prelu.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

from common import arguments, bar, fashion, mlp, random_batches, save_outputs, single_threaded, train_curve
from figures import he_prelu as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import init

SETTINGS = {
    "full": {"steps": 1000, "every": 50, "test": 2000},
    "quick": {"steps": 100, "every": 25, "test": 1000},
}
LR, WEIGHT_DECAY, DECAY_PULL, DEPTH, WIDTH = 0.01, 5e-4, 1.5, 6, 128


def runs_to_make(steps):
    """(name, slopes per layer, weight decay on the slopes) of every run."""
    strong = DECAY_PULL / (LR * steps)  # exp(-wd * lr * steps) = exp(-DECAY_PULL)
    return [
        ("channel-shared, no decay on a", 1, 0.0),
        ("channel-wise, no decay on a", WIDTH, 0.0),
        (f"channel-shared, decay {WEIGHT_DECAY:g} on a", 1, WEIGHT_DECAY),
        (f"channel-shared, decay {strong:.2g} on a", 1, strong),
    ]


def slopes(model):
    """The mean slope of each PReLU layer (and, for one slope per unit, their spread)."""
    values = [m.weight.detach().cpu().numpy() for m in model if isinstance(m, nn.PReLU)]
    return [float(v.mean()) for v in values], [float(v.std()) for v in values]


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    x, y, x_test, y_test = fashion(None, cfg["test"], standardize=True)
    runs = {}
    with single_threaded():
        todo = runs_to_make(cfg["steps"])
        progress = bar(len(todo) * cfg["steps"], "PReLU", args)
        for name, per_layer, slope_decay in todo:
            mg.manual_seed(args.seed)
            progress.set_description(name)
            prelu = lambda n=per_layer: nn.PReLU(n, init=0.25)  # n slopes per layer
            model = mlp([784] + [WIDTH] * DEPTH + [10], prelu, device=args.device)
            init.apply_(model, "he", generator=args.seed)
            a = [p for m in model if isinstance(m, nn.PReLU) for p in m.parameters()]
            rest = [p for m in model if not isinstance(m, nn.PReLU) for p in m.parameters()]
            groups = [{"params": rest, "weight_decay": WEIGHT_DECAY}, {"params": a, "weight_decay": slope_decay}]
            opt = optim.SGD(groups, lr=LR, momentum=0.9)
            batches = random_batches(x, y, 128, args.seed + 1, device=args.device)
            every, measure = cfg["every"], lambda m: slopes(m)[0]
            curve = train_curve(
                model, opt, batches, cfg["steps"], x_test, y_test, every=every, bar=progress, measure=measure
            )
            mean, spread = slopes(model)
            runs[name] = {"per_layer": per_layer, "slope_weight_decay": slope_decay, "final_slope": mean}
            runs[name].update(final_slope_spread=spread, final_error=curve["error"][-1], curve=curve)
        progress.close()
    record = {"config": {**cfg, "seed": args.seed, "quick": args.quick, "lr": LR, "depth": DEPTH}, "runs": runs}
    for name, r in runs.items():
        print(
            f"{name:34s} slopes per layer {' '.join(f'{v:.3f}' for v in r['final_slope'])}; "
            f"test error {100 * r['final_error']:.2f}%"
        )
    return save_outputs(args, record, {"he_prelu.png": figures.he_prelu(record)})


if __name__ == "__main__":
    main()
