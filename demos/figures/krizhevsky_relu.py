"""The figure of demos/reproductions/krizhevsky_relu.py: training error of a small CNN, and steps to each target."""

import numpy as np
from common import pyplot

COLORS = {"ReLU": "tab:blue", "tanh": "tab:green", "sigmoid": "tab:red"}


def krizhevsky_relu(record):
    plt = pyplot()
    from matplotlib.patches import Patch

    cfg, grid, targets = record["config"], record["runs"], record["targets"]
    fig, (ax, ax_bar) = plt.subplots(1, 2, figsize=(15, 5.5), gridspec_kw={"width_ratios": [1.4, 1]})
    first = targets[str(cfg["targets"][0])]["activations"]
    for activation, runs in grid.items():
        for lr, run in runs.items():
            if run["diverged"]:
                continue
            best = float(lr) == first[activation]["best_lr"]
            label = f"{activation}, lr {float(lr):g}" + (" (its best for the first target)" if best else "")
            ax.plot(
                run["eval_step"],
                100 * np.asarray(run["train_error"]),
                color=COLORS[activation],
                lw=2.4 if best else 0.9,
                alpha=1.0 if best else 0.4,
                label=label if best else None,
            )
    ax.plot([], [], color="grey", lw=0.9, alpha=0.5, label="other learning rates (thin)")
    for target in cfg["targets"]:
        ax.axhline(100 * target, color="k", ls=":", lw=1)
    ax.set_ylim(0, 100)
    ax.set_xlabel(f"SGD step (batch of {cfg['batch_size']})")
    ax.set_ylabel(f"training error (%, on {cfg['eval_size']} training images)")
    ax.set_title("Training error; dotted: the targets", fontsize=10)
    ax.legend(fontsize=9)
    ax.grid(alpha=0.3)

    names = list(grid)
    width = 0.8 / len(names)
    for i, name in enumerate(names):
        xs = np.arange(len(cfg["targets"])) + (i - (len(names) - 1) / 2) * width
        for x, target in zip(xs, cfg["targets"]):
            t = targets[str(target)]
            steps = t["activations"][name]["steps_to_target"]
            height = steps if steps is not None else cfg["steps"]
            ax_bar.bar(
                x, height, width, color=COLORS[name], alpha=0.85 if steps else 0.25, hatch=None if steps else "//"
            )
            ratio = t["ratio_to_relu"][name]
            text = (
                "not\nreached"
                if steps is None
                else (f"{steps}" + (f"\n{ratio:.1f}x" if name != "ReLU" and ratio else ""))
            )
            ax_bar.text(x, height, text, ha="center", va="bottom", fontsize=8)
    ax_bar.legend(handles=[Patch(color=COLORS[n], label=n) for n in names], fontsize=9, loc="upper left")
    ax_bar.set_xticks(range(len(cfg["targets"])), [f"{100 * t:.0f}% error" for t in cfg["targets"]])
    ax_bar.set_ylim(0, cfg["steps"] * 1.3)
    ax_bar.set_ylabel("steps to the target, each at its best rate (fewer is faster)")
    ax_bar.set_title(
        "Steps to each target; on the bars: the steps, and relative to ReLU's\nrates from {"
        + ", ".join(f"{v:g}" for v in cfg["lr_grid"])
        + "}",
        fontsize=10,
    )
    ax_bar.grid(alpha=0.3, axis="y")
    fig.suptitle(
        f"Krizhevsky et al. (2012), figure 1, with a small CNN on {cfg['train_size']} Fashion-MNIST images (14 x 14): "
        "conv-act-pool x 2, Linear 64, Linear 10; plain SGD; He init for ReLU, Xavier for tanh and sigmoid",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
