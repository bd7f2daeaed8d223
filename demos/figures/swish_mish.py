"""The figures of demos/reproductions/swish_mish.py: test error against depth; a random network's landscape."""

import numpy as np
from common import pyplot

COLORS = {"ReLU": "tab:blue", "Swish": "tab:orange", "Mish": "tab:green"}


def depth(record):
    plt = pyplot()
    cfg, runs = record["config"], record["depth"]
    fig, ax = plt.subplots(figsize=(8, 5))
    depths = cfg["depths"]
    for name, r in runs.items():
        errors = np.array([r[str(d)] for d in depths]) * 100
        ax.plot(
            depths, errors.mean(axis=1), "o-", color=COLORS[name], lw=2.5, ms=8, label=f"{name} (mean of the seeds)"
        )
        for d, e in zip(depths, errors):
            ax.plot([d] * len(e), e, ".", color=COLORS[name], ms=9, alpha=0.6)
    ax.plot([], [], "k.", label="each seed")
    ax.set_xticks(depths)
    ax.set_xlabel("hidden layers (64 units each, Linear -> BatchNorm1d -> activation)")
    ax.set_ylabel(f"test error after {cfg['steps']} steps (%)")
    ax.set_ylim(bottom=0)
    ax.legend()
    ax.grid(alpha=0.3)
    ax.set_title(
        f"Swish and Mish against ReLU at depth (Misra 2019), on Fashion-MNIST:\nAdam lr 1e-3, batches of 32, "
        f"{cfg['steps']} steps, {cfg['seeds']} seed(s)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def landscape(record):
    plt = pyplot()
    surface = record["landscape"]
    side, line = np.asarray(surface["side"]), np.asarray(surface["line"])
    names = list(COLORS)
    fig, axes = plt.subplots(1, len(names) + 1, figsize=(5.2 * (len(names) + 1), 4.8))
    for ax, name in zip(axes, names):
        z = np.asarray(surface[name]["output"])
        im = ax.imshow(z, extent=(side[0], side[-1], side[0], side[-1]), origin="lower", cmap="viridis")
        ax.contour(side, side, z, levels=15, colors="white", linewidths=0.5, alpha=0.6)
        ax.plot([-3, 3], [-1, 2], "w--", lw=1)
        fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="network output")
        ax.set_title(f"{name}", fontsize=11)
        ax.set_xlabel("input 1")
        ax.set_ylabel("input 2")
    ax = axes[-1]
    for name in names:
        changes = surface[name]["slope_changes"]
        label = f"{name}: slope changes at {changes} of {surface['line_steps']} steps"
        ax.plot(line, surface[name]["on_line"], color=COLORS[name], lw=1.8, label=label)
    ax.set_xlabel("position t on the dashed line, input = (t, t / 2 + 1/2)")
    ax.set_ylabel("network output")
    ax.set_title("Along the dashed line, sampled at 10 000 points", fontsize=11)
    ax.legend(fontsize=8.5)
    ax.grid(alpha=0.3)
    fig.suptitle(
        "The output landscape of one random network, 2 -> 64 -> 64 -> 64 -> 64 -> 1 (He init, random biases, the same "
        "weights), with "
        "each activation:\nReLU makes it piecewise linear (facets with sharp edges); Swish and Mish make it smooth",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
