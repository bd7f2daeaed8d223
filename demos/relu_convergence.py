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
    error_rate,
    fashion,
    mlp,
    parser,
    random_batches,
    save_outputs,
    single_threaded,
    steps_to_target,
    train,
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


def build_mlp(activation, cfg, seed):
    """784 -> hidden -> hidden -> hidden -> 10: four weight layers, three activations."""
    act, scheme = ACTIVATIONS[activation]
    model = mlp([784] + [cfg["hidden"]] * 3 + [10], act)
    init.apply_(model, scheme, bias=0.0, generator=seed)
    return model


def train_run(model, lr, data, cfg, seed, progress):
    """One run of plain SGD; returns the evaluated steps, the training errors, the per-step losses, and
    whether it diverged (the loss blew up: the rate is too high)."""
    x, y, x_eval, y_eval = data
    opt = optim.SGD(model.parameters(), lr=lr)
    batches = random_batches(x, y, cfg["batch_size"], seed + 1)  # the same batches for every activation and rate
    steps, errors = [0], [error_rate(model, x_eval, y_eval)]

    def evaluate(step):
        steps.append(step)
        errors.append(error_rate(model, x_eval, y_eval))
        return {"err": errors[-1]}

    losses, diverged = train(
        model, opt, batches, cfg["steps"], bar=progress, every=cfg["eval_every"], evaluate=evaluate, max_loss=1e4
    )
    return steps, errors, losses, diverged


def compare_activations(build, data, cfg, seed, progress):
    """Every activation at every rate of the grid, ``cfg["repeats"]`` times; each scored at its best rate.

    build(activation, cfg, seed) returns the initialised model. Returns the per-activation results
    and the ratios of their steps to the target to ReLU's."""
    result = {}
    for activation in ACTIVATIONS:
        runs = {}
        for lr in cfg["lr_grid"]:
            t0 = time.perf_counter()
            per_seed = []
            for r in range(cfg["repeats"]):  # other initial weights and batch order, same data
                mg.manual_seed(seed + r)
                progress.set_description(f"{activation}, lr {lr:g}")
                per_seed.append(train_run(build(activation, cfg, seed + r), lr, data, cfg, seed + r, progress))
            diverged = any(d for *_, d in per_seed)
            steps = per_seed[0][0]
            hits = [None if d else steps_to_target(st, e, cfg["target_error"]) for st, e, _, d in per_seed]
            errors = None if diverged else np.mean([e for _, e, _, _ in per_seed], axis=0).tolist()
            runs[str(lr)] = {
                "eval_step": steps,
                "train_error": errors,  # the mean over the repeats
                "final_error": errors[-1] if errors else None,
                "diverged": diverged,
                "steps_to_target_per_repeat": hits,
                # scored on the mean curve of the repeats: smoother than either run alone
                "steps_to_target": None if diverged else steps_to_target(steps, errors, cfg["target_error"]),
                "seconds": round(time.perf_counter() - t0, 2),
            }
        reached = {lr: r["steps_to_target"] for lr, r in runs.items() if r["steps_to_target"] is not None}
        if reached:  # fewest steps; on a tie, the lower final error
            best = min(reached, key=lambda k: (reached[k], runs[k]["final_error"]))
        else:
            finite = {lr: r for lr, r in runs.items() if not r["diverged"]}
            best = min(finite, key=lambda k: finite[k]["final_error"]) if finite else None
        result[activation] = {
            "runs": runs,
            "best_lr": float(best) if best is not None else None,
            "steps_to_target": runs[best]["steps_to_target"] if best is not None else None,
            "final_error_at_best_lr": runs[best]["final_error"] if best is not None else None,
        }
    base = result["ReLU"]["steps_to_target"]
    ratios = {}
    for activation, r in result.items():
        s = r["steps_to_target"]
        ratios[activation] = (s / base) if (s is not None and base) else None
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
        result, ratios = compare_activations(build_mlp, data, cfg, args.seed, progress)
        progress.close()
    record = {
        "config": {**cfg, "seed": args.seed, "quick": args.quick, "optimizer": "SGD (no momentum)"},
        "activations": result,
        "ratio_to_relu": ratios,
    }
    record["seconds"] = round(time.perf_counter() - start, 2)
    print_results(result, ratios, cfg["target_error"])
    return save_outputs(args, record, {"relu_convergence.png": figures.relu_convergence(record)})


if __name__ == "__main__":
    main()
