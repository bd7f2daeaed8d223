"""Goodfellow, Warde-Farley, Mirza, Courville & Bengio (2013), "Maxout networks".

    python demos/reproductions/goodfellow_maxout.py           # about 30 s of one core
    python demos/reproductions/goodfellow_maxout.py --quick   # a few seconds (what the tests run)

A maxout unit outputs max(w_1 . x + b_1, ..., w_k . x + b_k): a convex piecewise-linear function it
learns. The paper: maxout units can represent ReLU, Leaky ReLU and |x| exactly (two pieces), and
approximate any convex function (their figure 1); maxout networks train well and, with dropout,
set the state of the art on MNIST and CIFAR. Three checks with minigrad's nn.Maxout:

1. Exact: two pieces with chosen weights give ReLU (0, x), Leaky ReLU (0.01 x, x) and |x| (-x, x),
   compared value for value, and gradient for gradient, with F.relu, F.leaky_relu and abs.
2. A convex function: one maxout unit with k = 2, 4 and 8 pieces fitted to x^2 on [-1, 1] (Adam on
   the mean squared error, the pieces starting as tangents at random points), against the best
   possible k-piece fit, whose largest error is 1 / (2 k^2).
3. A maxout MLP (two hidden layers of 128 units, 4 pieces each) against ReLU MLPs of the same width
   and of the same number of parameters, trained alike (Adam, lr 1e-3, batches of 128) on
   standardised Fashion-MNIST, with their parameter counts.

Laptop scale: no dropout, a few epochs of Fashion-MNIST instead of MNIST to convergence. Writes
maxout_pieces.png, maxout_mlp.png and goodfellow_maxout.json into --out.
"""

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import (
    arguments,
    bar,
    count_parameters,
    fashion,
    mlp,
    random_batches,
    save_outputs,
    single_threaded,
    train,
    train_curve,
)
from figures import goodfellow_maxout as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import functional as F

SETTINGS = {
    "full": {"fit_steps": 3000, "steps": 1200, "every": 100, "test": None, "width": 128},
    "quick": {"fit_steps": 800, "steps": 150, "every": 50, "test": 1000, "width": 64},
}
PIECES = 4
SPECIAL = {  # name: ((w_1, w_2), the function it should equal)
    "ReLU": ((0.0, 1.0), F.relu),
    "Leaky ReLU (0.01)": ((0.01, 1.0), lambda x: F.leaky_relu(x, 0.01)),
    "|x|": ((-1.0, 1.0), lambda x: x.abs()),
}


def maxout_unit(weights, biases, device):
    """One maxout unit of a scalar input with the given pieces w_j x + b_j, in float64, on ``device``."""
    unit = nn.Maxout(1, 1, pieces=len(weights)).double()
    with mg.no_grad():
        unit.weight.copy_(np.asarray(weights, dtype=np.float64).reshape(-1, 1))
        unit.bias.copy_(np.asarray(biases, dtype=np.float64))
    return unit.to(device)


def value_and_grad(fn, x, device):
    """f(x) and f'(x) (autograd: the gradient of sum f(x)) at the points x, on ``device``, as NumPy arrays."""
    xt = mg.tensor(x, device=device, requires_grad=True)
    y = fn(xt)
    y.sum().backward()
    return y.detach().cpu().numpy(), xt.grad.cpu().numpy()


def exact_special_cases(x, device):
    """Maxout with two chosen pieces against the activation it should equal, values and gradients."""
    out = {}
    for name, (weights, fn) in SPECIAL.items():
        unit = maxout_unit(weights, (0.0, 0.0), device)
        mv, mg_ = value_and_grad(lambda t, unit=unit: unit(t.reshape(-1, 1)).reshape(-1), x, device)
        fv, fg = value_and_grad(fn, x, device)
        off_zero = x != 0  # at the kink each convention picks a side; |x|: abs'(0) = 0, maxout's -1
        out[name] = {
            "pieces": list(weights),
            "max_abs_value_difference": float(np.abs(mv - fv).max()),
            "max_abs_grad_difference_away_from_0": float(np.abs(mg_ - fg)[off_zero].max()),
            "grad_at_0": {"maxout": float(mg_[~off_zero][0]), "function": float(fg[~off_zero][0])},
            "values": mv.tolist(),
        }
    return out


def fit_square(k, x, steps, seed, device):
    """One maxout unit with k pieces fitted to x^2 (mean squared error, Adam); starts from the
    tangents of x^2 at k random points of [-1, 1], so that every piece wins somewhere."""
    t = np.sort(np.random.default_rng(seed).uniform(-1, 1, k))
    unit = maxout_unit(2 * t, -(t**2), device)  # the tangent at t: 2 t x - t^2
    xt, target = mg.tensor(x.reshape(-1, 1), device=device), mg.tensor(x**2, device=device)
    batches = itertools.repeat((xt, target))  # the whole grid, every step
    losses, _ = train(unit, optim.Adam(unit.parameters(), lr=0.01), batches, steps, loss_fn=squared_error)
    with mg.no_grad():
        fitted = unit(xt).reshape(-1).cpu().numpy()
    error = fitted - x**2
    return {
        "pieces": k,
        "fitted": fitted.tolist(),
        "max_abs_error": float(np.abs(error).max()),
        "rms_error": float(np.sqrt(np.mean(error**2))),
        "best_possible_max_error": 1 / (2 * k**2),
        "pieces_used": int(len(np.unique(np.argmax(fitted_pieces(unit, x), axis=1)))),
        "loss": losses[:: max(1, steps // 200)],
    }


def squared_error(output, target):
    return ((output.reshape(-1) - target) ** 2).mean()


def fitted_pieces(unit, x):
    """Each piece w_j x + b_j at every x (to count the pieces that win somewhere)."""
    w, b = unit.weight.detach().cpu().numpy().ravel(), unit.bias.detach().cpu().numpy()
    return x[:, None] * w[None, :] + b[None, :]


def maxout_mlp(width, pieces, device):
    layers = nn.Maxout(784, width, pieces), nn.Maxout(width, width, pieces), nn.Linear(width, 10)
    return nn.Sequential(*layers).to(device)


def equal_parameters_width(target):
    """The hidden width w of a ReLU MLP 784-w-w-10 with about ``target`` parameters."""
    return int(round((-796 + np.sqrt(796**2 + 4 * (target - 10))) / 2))  # w^2 + 796 w + 10 = target


def compare_mlps(data, cfg, seed, args):
    x, y, x_test, y_test = data
    width, device = cfg["width"], args.device
    models = {f"Maxout MLP, width {width}, {PIECES} pieces": lambda: maxout_mlp(width, PIECES, device)}
    models[f"ReLU MLP, width {width}"] = lambda: mlp([784, width, width, 10], nn.ReLU, device=device)
    mg.manual_seed(seed)
    w = equal_parameters_width(count_parameters(maxout_mlp(width, PIECES, device)))
    models[f"ReLU MLP, width {w} (as many parameters)"] = lambda: mlp([784, w, w, 10], nn.ReLU, device=device)
    runs = {}
    progress = bar(len(models) * cfg["steps"], "MLPs", args)
    for name, build in models.items():
        mg.manual_seed(seed)
        model = build()
        progress.set_description(name)
        opt = optim.Adam(model.parameters(), lr=1e-3)
        batches = random_batches(x, y, 128, seed + 1, device=device)
        run = train_curve(model, opt, batches, cfg["steps"], x_test, y_test, every=cfg["every"], bar=progress)
        runs[name] = {**run, "parameters": count_parameters(model), "final_error": run["error"][-1]}
    progress.close()
    return runs


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    mg.manual_seed(args.seed)
    grid = np.linspace(-1.0, 1.0, 201)
    with single_threaded():
        special = exact_special_cases(np.linspace(-3.0, 3.0, 121), args.device)
        fits = {str(k): fit_square(k, grid, cfg["fit_steps"], args.seed + k, args.device) for k in (2, 4, 8)}
        mlps = compare_mlps(fashion(None, cfg["test"], standardize=True), cfg, args.seed, args)
    record = {
        "config": {**cfg, "seed": args.seed, "quick": args.quick, "pieces": PIECES},
        "special_cases": special,
        "square": {"x": grid.tolist(), "fits": fits},
        "mlps": mlps,
    }
    for name, s in special.items():
        print(f"{name:18s} pieces {s['pieces']}: max |value difference| {s['max_abs_value_difference']:.1e}")
    for k, f in fits.items():
        best, rms = f["best_possible_max_error"], f["rms_error"]
        print(
            f"x^2 with {k} pieces, {f['pieces_used']} used after training: largest error {f['max_abs_error']:.4f} "
            f"(best possible {best:.4f}), rms {rms:.4f}"
        )
    for name, r in mlps.items():
        print(f"{name:42s} {r['parameters']:7d} parameters, test error {100 * r['final_error']:.2f}%")
    figs = {"maxout_pieces.png": figures.maxout_pieces(record), "maxout_mlp.png": figures.maxout_mlp(record)}
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
