"""Mishkin & Matas (2015), "All you need is a good init" (LSUV), and Saxe, McClelland & Ganguli (2014),
"Exact solutions to the nonlinear dynamics of learning in deep linear neural networks".

    python demos/reproductions/lsuv_orthogonal.py           # about 30 s of one core
    python demos/reproductions/lsuv_orthogonal.py --quick   # a few seconds (what the tests run)

1. LSUV (layer-sequential unit variance): start from orthogonal weights, then, layer after layer in
   the order the data reaches them, divide each layer's weights by the standard deviation of its
   output on one batch, so that every layer's output has variance 1 (minigrad's nn.init.lsuv_). The
   paper: very deep, thin networks train from LSUV where Xavier's init fails. Here a 20-layer ReLU
   MLP (19 hidden layers of 100, biases 0) from Xavier and from LSUV (a batch of 500 training
   images), trained with SGD (lr 0.01, momentum 0.9, the same batches), and each layer's output
   variance at initialisation.
2. Saxe et al.: in a deep linear network with random orthogonal weights, learning takes about as
   long at any depth, while from scaled Gaussian weights (variance 1/N, which keeps the activations'
   size on average) it takes longer and longer as the network gets deeper. Here linear networks of
   depth 1 to 32, every layer 16 x 16 without bias, learn a random linear map y = A x (256 Gaussian
   inputs, full-batch gradient descent, lr 0.5 / depth); learning time: the steps until the error
   |y - f(x)|^2 / |y|^2 falls below 1%.

Laptop scale: an MLP on standardised Fashion-MNIST (Mishkin & Matas: CNNs on CIFAR-10) and a
synthetic task (Saxe et al.: MNIST). Writes lsuv.png, deep_linear.png and lsuv_orthogonal.json into
--out.
"""

import itertools
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # demos/: common.py and figures/

import numpy as np
from common import arguments, bar, fashion, mlp, random_batches, save_outputs, single_threaded, train, train_curve
from figures import lsuv_orthogonal as figures

import minigrad as mg
from minigrad import diagnostics, nn, optim
from minigrad.nn import init

SETTINGS = {
    "full": {"steps": 600, "every": 30, "test": 2000, "depths": [1, 2, 4, 8, 16, 32], "linear_steps": 2000},
    "quick": {"steps": 120, "every": 20, "test": 1000, "depths": [1, 4, 16], "linear_steps": 400},
}
LAYERS, WIDTH, N, CRITERION = 20, 100, 16, 0.01


def output_variance(model, x, device):
    """The variance of every Linear layer's output (over the batch and the units) on the batch x (the
    model on ``device``)."""
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with mg.no_grad(), diagnostics.Recorder(model, layers=linears, bins=None, gradients=False) as rec:
        model(mg.tensor(x, device=device))
    return [rec.stats[rec.name_of(m)]["act"]["std"] ** 2 for m in linears]


def lsuv_experiment(data, cfg, seed, args):
    x, y, x_test, y_test = data
    runs = {}
    progress = bar(2 * cfg["steps"], "20 layers", args)
    for name in ("Xavier", "LSUV"):
        mg.manual_seed(seed)
        model = mlp([784] + [WIDTH] * (LAYERS - 1) + [10], nn.ReLU, device=args.device)
        init.apply_(model, "xavier", bias=0.0, generator=seed)
        if name == "LSUV":
            init.lsuv_(model, x[:500], generator=seed)
        variance = output_variance(model, x[:500], args.device)
        progress.set_description(name)
        opt = optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
        batches = random_batches(x, y, 128, seed + 1, device=args.device)
        curve = train_curve(model, opt, batches, cfg["steps"], x_test, y_test, every=cfg["every"], bar=progress)
        runs[name] = {**curve, "output_variance_at_init": variance, "final_loss": float(np.mean(curve["loss"][-50:]))}
    progress.close()
    return runs


def relative_error(output, target):
    """|y - f(x)|^2 / |y|^2 over the whole batch."""
    return ((output - target) ** 2).sum() / (target**2).sum()


def deep_linear(cfg, seed, args):
    """Steps to learn y = A x to 1% error, for each depth and initialisation (None: not in the steps given)."""
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((N, N)) / np.sqrt(N)
    x = rng.standard_normal((256, N)).astype(np.float32)
    targets = (x @ a.T).astype(np.float32)
    data = itertools.repeat((mg.tensor(x, device=args.device), mg.tensor(targets, device=args.device)))  # every step
    out = {}
    progress = bar(2 * len(cfg["depths"]) * cfg["linear_steps"], "deep linear", args)
    for name, scheme in (("orthogonal", "orthogonal"), ("scaled Gaussian", "lecun")):
        out[name] = {}
        for depth in cfg["depths"]:
            net = nn.Sequential(*[nn.Linear(N, N, bias=False) for _ in range(depth)]).to(args.device)
            init.apply_(net, scheme, bias=None, generator=seed + 1)
            opt = optim.SGD(net.parameters(), lr=0.5 / depth)
            steps = cfg["linear_steps"]
            errors, reached = train(net, opt, data, steps, bar=progress, loss_fn=relative_error, min_loss=CRITERION)
            out[name][str(depth)] = {
                "steps_to_criterion": len(errors) if reached else None,
                "final_error": errors[-1],
                "error": errors[:: max(1, steps // 200)],  # every few steps, for the figure
                "error_every": max(1, steps // 200),
            }
    progress.close()
    return out


def main(argv=None):
    args, cfg = arguments(__file__, __doc__, SETTINGS, argv)
    with single_threaded():
        lsuv = lsuv_experiment(fashion(None, cfg["test"], standardize=True), cfg, args.seed, args)
        linear = deep_linear(cfg, args.seed, args)
    config = {
        **cfg,
        "seed": args.seed,
        "quick": args.quick,
        "layers": LAYERS,
        "width": WIDTH,
        "n": N,
        "criterion": CRITERION,
    }
    record = {"config": config, "lsuv": lsuv, "deep_linear": linear}
    for name, r in lsuv.items():
        var = r["output_variance_at_init"]
        print(
            f"{name:7s} output variance at init: layer 1 {var[0]:.3g}, layer {len(var)} {var[-1]:.3g}; "
            f"loss over the last 50 steps {r['final_loss']:.3f}, test error {100 * r['error'][-1]:.1f}%"
        )
    for name, r in linear.items():
        text = ", ".join(
            f"depth {d}: {v['steps_to_criterion'] or '> ' + str(cfg['linear_steps'])}" for d, v in r.items()
        )
        print(f"deep linear, {name}: steps to 1% error {text}")
    figs = {"lsuv.png": figures.lsuv(record), "deep_linear.png": figures.deep_linear(record)}
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
