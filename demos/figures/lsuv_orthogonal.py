"""The figures of demos/reproductions/lsuv_orthogonal.py: LSUV against Xavier; deep linear networks."""

import numpy as np
from common import moving_average, pyplot

COLORS = {"Xavier": "tab:blue", "LSUV": "tab:green", "orthogonal": "tab:green", "scaled Gaussian": "tab:red"}


def lsuv(record):
    plt = pyplot()
    cfg, runs = record["config"], record["lsuv"]
    fig, (ax_var, ax_loss, ax_err) = plt.subplots(1, 3, figsize=(17, 4.8))
    for name, r in runs.items():
        var = r["output_variance_at_init"]
        ax_var.semilogy(np.arange(1, len(var) + 1), var, "o-", ms=4, color=COLORS[name], lw=2, label=name)
        steps = np.arange(1, len(r["loss"]) + 1)
        ax_loss.plot(steps, moving_average(r["loss"], 20), color=COLORS[name], lw=2, label=f"{name} (20-step mean)")
        ax_err.plot(r["step"], 100 * np.asarray(r["error"]), "o-", ms=3, color=COLORS[name], lw=2, label=name)
    ax_var.axhline(1, color="k", ls=":", lw=1)
    ax_var.set_xlabel("layer (Linear)")
    ax_var.set_ylabel("variance of the layer's output (log scale)")
    ax_var.set_title("At initialisation, on 500 training images")
    ax_loss.axhline(np.log(10), color="k", ls=":", lw=1, label="ln 10: chance")
    ax_loss.set_ylim(0, 2.6)
    ax_loss.set_xlabel("SGD step (batch of 128)")
    ax_loss.set_ylabel("training loss")
    ax_loss.set_title("Training loss")
    ax_err.axhline(90, color="k", ls=":", lw=1, label="chance: 90%")
    ax_err.set_ylim(0, 100)
    ax_err.set_xlabel("SGD step (batch of 128)")
    ax_err.set_ylabel("test error (%)")
    ax_err.set_title("Test error")
    for ax in (ax_var, ax_loss, ax_err):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"Mishkin & Matas (2015), LSUV, on Fashion-MNIST: a {cfg['layers']}-layer ReLU MLP (hidden width "
        f"{cfg['width']}, biases 0), SGD lr 0.01 momentum 0.9, the same batches from both initialisations",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def deep_linear(record):
    plt = pyplot()
    cfg, runs = record["config"], record["deep_linear"]
    fig, (ax_time, ax_curves) = plt.subplots(1, 2, figsize=(15, 5))
    limit = cfg["linear_steps"]
    for name, r in runs.items():
        depths = [int(d) for d in r]
        steps = [v["steps_to_criterion"] for v in r.values()]
        reached = [(d, s) for d, s in zip(depths, steps) if s is not None]
        ax_time.plot(*zip(*reached), "o-", color=COLORS[name], lw=2, ms=8, label=f"{name}: steps to 1% error")
        missed = [d for d, s in zip(depths, steps) if s is None]
        if missed:
            label = f"{name}: not within {limit} steps"
            ax_time.plot(missed, [1.4 * limit] * len(missed), "^", color=COLORS[name], ms=11, label=label)
        for (depth, v), alpha in zip(r.items(), np.linspace(0.3, 1, len(r))):
            x = np.arange(len(v["error"])) * v["error_every"] + 1
            label = f"{name}, depth {depth}" if depth in (str(depths[0]), str(depths[-1])) else None
            ax_curves.semilogy(x, v["error"], color=COLORS[name], alpha=alpha, lw=1.5, label=label)
    ax_time.axhline(limit, color="k", ls="--", lw=1)
    ax_time.text(cfg["depths"][0], limit * 1.05, f"the step limit, {limit}", fontsize=8)
    ax_time.set_xscale("log", base=2)
    ax_time.set_yscale("log")
    ax_time.set_xticks(cfg["depths"], [str(d) for d in cfg["depths"]])
    ax_time.set_xlabel("depth (layers of 16 x 16, no bias, no nonlinearity)")
    ax_time.set_ylabel("gradient-descent steps (log scale)")
    ax_time.set_title("Learning time against depth (lr 0.5 / depth)")
    ax_curves.axhline(cfg["criterion"], color="k", ls=":", lw=1, label="1%: the criterion")
    ax_curves.set_xlabel("gradient-descent step (the whole data set)")
    ax_curves.set_ylabel("|y - f(x)|^2 / |y|^2 (log scale)")
    ax_curves.set_title("Error during learning; darker: deeper")
    for ax in (ax_time, ax_curves):
        ax.legend(fontsize=9)
        ax.grid(alpha=0.3, which="both")
    fig.suptitle(
        "Saxe et al. (2014): deep linear networks learning a random linear map y = A x (16 dimensions, 256 examples); "
        "random orthogonal against scaled Gaussian (variance 1/16) initial weights",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
