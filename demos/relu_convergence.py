"""ReLU converges faster: the same MLP with ReLU, tanh and sigmoid, each at its best learning rate.

Lecture 4, slide 11: ReLU "converges about 6x faster than sigmoid/tanh in practice". That figure
comes from Krizhevsky, Sutskever & Hinton (2012, figure 1): a 4-layer convolutional network on
CIFAR-10 reached 25% training error six times sooner with ReLU than with tanh. The ratio is not a
constant of nature: it depends on the architecture, the initialisation, the optimiser and the
learning rate. This demo measures it for one setting, built on minigrad:

* an MLP with 4 weight layers, 784 -> 128 -> 128 -> 128 -> 10, trained on a 10,000-image subset of
  Fashion-MNIST (pixels standardised with the subset's mean and std);
* each activation with the initialisation made for it: He (var 2 / N_in) for ReLU, Xavier
  (var 2 / (N_in + N_out)) for tanh and sigmoid; biases 0;
* plain SGD (no momentum), batches of 128, the same batch order for every activation, and every
  activation tried with every learning rate of the grid {0.03, 0.1, 0.3, 1, 3, 10};
* the training error on a fixed sample of 2000 training images is measured every 25 steps and
  averaged over 2 runs (other initial weights and batch order); "steps to the target" counts the
  steps until this mean error falls to 20% and stays there for the rest of the run (so a lucky dip
  of an unstable run does not count). Each activation is then scored at its best rate.

Writes into --out:

    relu_convergence.png   the training error against steps for every run (the best rate of each
                           activation drawn thick) and the steps to the target, with the ratios
    relu_convergence.json  the numbers plotted, the settings and the timings

    python demos/relu_convergence.py          # 1.5-2 minutes on a 2-core laptop
    python demos/relu_convergence.py --quick  # a few seconds (what the tests run)
"""

import time

import numpy as np
from common import (
    bar,
    fashion,
    mlp,
    parser,
    random_batches,
    save_outputs,
    single_threaded,
    steps_to_target,
    train_curve,
)
from figures import relu_convergence as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import init

ACTIVATIONS = {  # name: (module, initialisation scheme for nn.init.apply_)
    "ReLU": (nn.ReLU, "he"),
    "tanh": (nn.Tanh, "xavier"),
    "sigmoid": (nn.Sigmoid, "xavier"),
}


def settings(quick):
    if quick:
        return {
            "train_size": 3000,
            "eval_size": 1000,
            "hidden": 64,
            "batch_size": 64,
            "steps": 240,
            "eval_every": 20,
            "repeats": 1,
            "lr_grid": [0.1, 1.0],
            "target_error": 0.30,
        }
    return {
        "train_size": 10000,
        "eval_size": 2000,
        "hidden": 128,
        "batch_size": 128,
        "steps": 1200,
        "eval_every": 25,
        "repeats": 2,
        "lr_grid": [0.03, 0.1, 0.3, 1.0, 3.0, 10.0],
        "target_error": 0.20,
    }


def build_mlp(activation, cfg, seed, device):
    """784 -> hidden -> hidden -> hidden -> 10: four weight layers, three activations."""
    act, scheme = ACTIVATIONS[activation]
    model = mlp([784] + [cfg["hidden"]] * 3 + [10], act, device=device)
    init.apply_(model, scheme, bias=0.0, generator=seed)
    return model


def run_grid(build, data, cfg, seed, progress, device):
    """Every activation at every rate of the grid, ``cfg["repeats"]`` times (other initial weights and
    batch orders, the same data), on ``device``; build(activation, cfg, seed, device) returns the
    initialised model.
    Returns {activation: {lr: the training error curves, their mean, and whether a run diverged}}."""
    x, y, x_eval, y_eval = data
    grid = {}
    for activation in ACTIVATIONS:
        grid[activation] = {}
        for lr in cfg["lr_grid"]:
            t0 = time.perf_counter()
            curves = []
            for r in range(cfg["repeats"]):
                mg.manual_seed(seed + r)
                progress.set_description(f"{activation}, lr {lr:g}")
                model = build(activation, cfg, seed + r, device)
                # the same batches for every activation
                batches = random_batches(x, y, cfg["batch_size"], seed + r + 1, device=device)
                opt = optim.SGD(model.parameters(), lr=lr)
                curve = train_curve(
                    model,
                    opt,
                    batches,
                    cfg["steps"],
                    x_eval,
                    y_eval,
                    every=cfg["eval_every"],
                    bar=progress,
                    max_loss=1e4,
                )
                curves.append(curve)
            diverged = any(c["diverged"] for c in curves)  # the loss blew up: the rate is too high
            errors = None if diverged else np.mean([c["error"] for c in curves], axis=0).tolist()
            grid[activation][str(lr)] = {
                "eval_step": curves[0]["step"],
                "train_error": errors,  # the mean over the repeats
                "train_error_per_repeat": [c["error"] for c in curves],
                "final_error": errors[-1] if errors else None,
                "diverged": diverged,
                "seconds": round(time.perf_counter() - t0, 2),
            }
    return grid


def score(grid, target, key="train_error"):
    """Each activation at its best rate for reaching ``target`` training error and staying there:
    {activation: {best_lr, steps_to_target, final_error_at_best_lr, steps per rate}}, and the ratios
    of each activation's steps to ReLU's. Scored on the mean curve of the repeats (smoother than
    either run alone); the best rate takes the fewest steps, on a tie the lower final error."""
    result = {}
    for activation, runs in grid.items():
        steps = {
            lr: None if r["diverged"] else steps_to_target(r["eval_step"], r[key], target) for lr, r in runs.items()
        }
        per_repeat = {
            lr: [
                None if r["diverged"] else steps_to_target(r["eval_step"], e, target)
                for e in r["train_error_per_repeat"]
            ]
            for lr, r in runs.items()
        }
        reached = {lr: n for lr, n in steps.items() if n is not None}
        if reached:
            best = min(reached, key=lambda k: (reached[k], runs[k]["final_error"]))
        else:
            finite = [lr for lr, r in runs.items() if not r["diverged"]]
            best = min(finite, key=lambda k: runs[k]["final_error"]) if finite else None
        result[activation] = {
            "best_lr": float(best) if best is not None else None,
            "steps_to_target": steps[best] if best is not None else None,
            "final_error_at_best_lr": runs[best]["final_error"] if best is not None else None,
            "steps_to_target_per_lr": steps,
            "steps_to_target_per_repeat_per_lr": per_repeat,
        }
    base = result["ReLU"]["steps_to_target"]
    ratios = {
        a: (r["steps_to_target"] / base if r["steps_to_target"] is not None and base else None)
        for a, r in result.items()
    }
    return result, ratios


def print_results(result, ratios, target):
    print(f"Steps to {100 * target:.0f}% training error, each activation at its best learning rate:")
    for activation, r in result.items():
        per_lr = ", ".join(
            f"lr {lr}: "
            + ("diverged" if run["diverged"] else f"{run['steps_to_target']} {run['steps_to_target_per_repeat']}")
            for lr, run in r["runs"].items()
        )
        ratio = ratios[activation]
        ratio_text = f" ({ratio:.1f}x ReLU)" if ratio is not None else ""
        print(f"  {activation:8s} best lr {r['best_lr']}: {r['steps_to_target']}{ratio_text}   [{per_lr}]")


def main(argv=None):
    args = parser(__file__, __doc__).parse_args(argv)
    start = time.perf_counter()
    cfg = settings(args.quick)
    x, y, _, _ = fashion(cfg["train_size"], 0, seed=args.seed, standardize=True)  # subset statistics (slide 20)
    data = (x, y, x[: cfg["eval_size"]], y[: cfg["eval_size"]])  # evaluated on a fixed sample of the subset
    total = len(ACTIVATIONS) * len(cfg["lr_grid"]) * cfg["steps"] * cfg["repeats"]
    with single_threaded():
        progress = bar(total, "training", args)
        grid = run_grid(build_mlp, data, cfg, args.seed, progress, args.device)
        progress.close()
    scored, ratios = score(grid, cfg["target_error"])
    result = {}
    for activation, runs in grid.items():
        for lr, run in runs.items():
            run["steps_to_target"] = scored[activation]["steps_to_target_per_lr"][lr]
            run["steps_to_target_per_repeat"] = scored[activation]["steps_to_target_per_repeat_per_lr"][lr]
        keep = ("best_lr", "steps_to_target", "final_error_at_best_lr")
        result[activation] = {"runs": runs, **{k: scored[activation][k] for k in keep}}
    harder = [t for t in (0.25, 0.20, 0.15, 0.10) if t != cfg["target_error"]]  # the same runs, other targets
    record = {
        "config": {**cfg, "seed": args.seed, "quick": args.quick, "optimizer": "SGD (no momentum)"},
        "activations": result,
        "ratio_to_relu": ratios,
        "other_targets": {str(t): dict(zip(("activations", "ratio_to_relu"), score(grid, t))) for t in harder},
    }
    record["seconds"] = round(time.perf_counter() - start, 2)
    print_results(result, ratios, cfg["target_error"])
    return save_outputs(args, record, {"relu_convergence.png": figures.relu_convergence(record)})


if __name__ == "__main__":
    main()
