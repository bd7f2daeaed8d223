"""Swish (Ramachandran, Zoph & Le 2017) and Mish (Misra 2019) against ReLU in deep networks.

    python demos/reproductions/swish_mish.py           # about 70 s of one core
    python demos/reproductions/swish_mish.py --quick   # a few seconds (what the tests run)

Swish is x sigmoid(x) (minigrad's nn.SiLU), Mish is x tanh(softplus(x)): smooth, non-monotonic
cousins of ReLU. Mish's paper (its figure: test accuracy against the number of layers, on MNIST)
finds that accuracy falls with depth much sooner with ReLU than with Swish and Mish; both papers
credit the smooth shape, and Misra shows the output landscape of a random network: sharp facets
with ReLU, smooth with Swish and Mish. Here:

1. MLPs with 10, 30 and 50 hidden layers of 64 units, each Linear followed by BatchNorm1d and the
   activation, trained alike (Adam, lr 1e-3, batches of 32, 150 steps, the same batches) on
   standardised Fashion-MNIST, two seeds each; their test error against depth.
2. A random network with 5 weight layers (2 -> 64 -> 64 -> 64 -> 64 -> 1, He init, random biases), the same weights
   for each activation, evaluated on a 200 x 200 grid of inputs in [-3, 3]^2, and at 10 000 points of
   a line across it, where we count the steps at which the slope changes: a ReLU network is
   piecewise linear, so its slope changes only where the line crosses into another linear region.

Laptop scale: Fashion-MNIST, 150 steps per network (the paper trains to convergence). Writes
swish_mish_depth.png, swish_mish_landscape.png and swish_mish.json into --out.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import arguments, bar, fashion, mlp, random_batches, save_outputs, single_threaded, train_curve
from figures import swish_mish as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import init

SETTINGS = {
    "full": {"depths": [10, 30, 50], "seeds": 2, "steps": 150, "test": 2000, "grid": 200},
    "quick": {"depths": [5, 20], "seeds": 1, "steps": 60, "test": 1000, "grid": 100},
}
ACTIVATIONS = {"ReLU": nn.ReLU, "Swish": nn.SiLU, "Mish": nn.Mish}


def depth_experiment(data, cfg, seed, args):
    x, y, x_test, y_test = data
    runs = {name: {str(d): [] for d in cfg["depths"]} for name in ACTIVATIONS}
    progress = bar(len(ACTIVATIONS) * len(cfg["depths"]) * cfg["seeds"] * cfg["steps"], "depth", args)
    for depth in cfg["depths"]:
        for name, activation in ACTIVATIONS.items():
            for s in range(seed, seed + cfg["seeds"]):
                mg.manual_seed(s)
                progress.set_description(f"{name}, {depth} layers, seed {s}")
                model = mlp([784] + [64] * depth + [10], activation, norm=nn.BatchNorm1d, device=args.device)
                opt = optim.Adam(model.parameters(), lr=1e-3)
                batches = random_batches(x, y, 32, s + 1, device=args.device)
                every = cfg["steps"] // 3
                curve = train_curve(model, opt, batches, cfg["steps"], x_test, y_test, every=every, bar=progress)
                runs[name][str(depth)].append(curve["error"][-1])
    progress.close()
    return runs


def landscape(size, seed, device):
    """One random 5-layer network per activation (the same weights): its output on a size x size grid,
    and along the line from (-3, -1) to (3, 2) at 10 000 steps, where we count the steps at which the
    slope changes (a ReLU network is linear between kinks; a smooth one bends everywhere). The biases
    are random too: with zero biases a ReLU network is linear along every ray from the origin."""
    side = np.linspace(-3.0, 3.0, size)
    grid = np.stack(np.meshgrid(side, side), axis=-1).reshape(-1, 2)
    t = np.linspace(-3.0, 3.0, 10001)
    out = {"side": side.tolist(), "line": t[::20].tolist()}
    for name, activation in ACTIVATIONS.items():
        net = mlp([2, 64, 64, 64, 64, 1], activation, device=device).double()
        init.apply_(net, "he", bias="default", generator=seed)
        line = np.stack([t, 0.5 * t + 0.5], axis=1)
        with mg.no_grad():
            z = net(mg.tensor(grid, device=device)).cpu().numpy().reshape(size, size)
            on_line = net(mg.tensor(line, device=device)).cpu().numpy().ravel()
        slope = np.diff(on_line) / (t[1] - t[0])
        changes = int(np.sum(np.abs(np.diff(slope)) > 1e-6 * np.abs(slope).max()))
        out[name] = {"output": z.tolist(), "on_line": on_line[::20].tolist(), "slope_changes": changes}
    out["line_steps"] = len(t) - 2
    return out


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    data = fashion(None, cfg["test"], standardize=True)
    with single_threaded():
        depth = depth_experiment(data, cfg, args.seed, args)
        surface = landscape(cfg["grid"], args.seed, args.device)
    record = {"config": {**cfg, "seed": args.seed, "quick": args.quick}, "depth": depth, "landscape": surface}
    print("Test error (%) by depth " + " / ".join(map(str, cfg["depths"])) + ", each seed:")
    for name, r in depth.items():
        print(f"  {name:6s} " + " / ".join(" ".join(f"{100 * e:.1f}" for e in r[str(d)]) for d in cfg["depths"]))
    for name in ACTIVATIONS:
        changes = surface[name]["slope_changes"]
        print(
            f"  {name:6s} random network: the slope changes at {changes} of {surface['line_steps']} steps along a line"
        )
    figs = {"swish_mish_depth.png": figures.depth(record), "swish_mish_landscape.png": figures.landscape(record)}
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
