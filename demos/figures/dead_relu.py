"""The figures of demos/dead_relu.py: dead units per layer, the largest pre-activations, the 0.01 bias."""

import numpy as np
from common import pyplot

COLORS = {"ReLU": "tab:red", "LeakyReLU": "tab:blue", "PReLU": "tab:green", "ELU": "tab:purple"}


def _label(ax, pos, values, color):
    """The value (in %) above each bar, "0" included, so that empty bars are visibly zero."""
    for x, v in zip(pos, values):
        if v is None or not np.isfinite(v):
            continue
        ax.text(x, v + 1.0, f"{v:.0f}", ha="center", va="bottom", fontsize=7, color=color)


def dead_units(rec):
    plt = pyplot()
    names = list(rec["activations"])
    layers = np.arange(1, len(rec["config"]["hidden"]) + 1)
    width = 0.8 / len(names)
    fig, axes = plt.subplots(1, 3, figsize=(18, 5.2))
    ax = axes[0]
    for k, name in enumerate(names):
        a = rec["activations"][name]["after_step"]
        pos = layers - 0.4 + width * (k + 0.5)
        ax.bar(
            pos,
            100 * np.array(a["knocked_off_fraction"]),
            width,
            color=COLORS[name],
            alpha=0.3,
            edgecolor=COLORS[name],
            hatch="//",
        )
        ax.bar(pos, 100 * np.array(a["dead_fraction"]), width, color=COLORS[name], label=name)
        _label(ax, pos, 100 * np.array(a["knocked_off_fraction"]), COLORS[name])
        for x_, d in zip(pos, a["dead_fraction"]):
            if d == 0:
                ax.text(x_, 0.5, "0", ha="center", va="bottom", fontsize=7, color=COLORS[name], fontweight="bold")
    ax.set_title(
        f"After one SGD step with lr = {rec['config']['lr']:g}:\n"
        "solid: dead (output 0 on every training image; bold 0: none)\n"
        "hatched (number): knocked off (pre-activation <= 0 on every image)",
        fontsize=10,
    )
    ax.set_ylabel("% of the layer's units")
    ax = axes[1]
    for k, name in enumerate(names):
        a = rec["activations"][name]["after_step"]
        pos = layers - 0.4 + width * (k + 0.5)
        ax.bar(pos, 100 * np.array(a["zero_grad_rows_fraction"]), width, color=COLORS[name], label=name)
        _label(ax, pos, 100 * np.array(a["zero_grad_rows_fraction"]), COLORS[name])
    ax.set_title(
        "Then dL/dW over all training images:\n% of units whose incoming weights get exactly zero "
        "gradient\n(ReLU: exactly the dead units; the others: none)",
        fontsize=10,
    )
    ax.set_ylabel("% of the layer's weight rows")
    ax = axes[2]
    for k, name in enumerate(names):
        r = rec["activations"][name]
        pos = layers - 0.4 + width * (k + 0.5)
        still = [np.nan if v is None else 100 * v for v in r["off_after_step_still_off"]]
        same = [np.nan if v is None else 100 * v for v in r["off_after_step_weights_unchanged"]]
        ax.bar(pos, still, width, color=COLORS[name], alpha=0.3, edgecolor=COLORS[name], hatch="//")
        for x_, v in zip(pos, still):
            if not np.isfinite(v):
                ax.text(x_, 0.5, "-", ha="center", va="bottom", fontsize=8, color=COLORS[name])
        ax.bar(pos, same, width, color=COLORS[name], label=name)
        _label(ax, pos, still, COLORS[name])
        for x_, v in zip(pos, same):
            if v == 0:
                ax.text(x_, 0.5, "0", ha="center", va="bottom", fontsize=7, color=COLORS[name], fontweight="bold")
    ax.set_title(
        f"After {rec['config']['recovery_steps']} more training steps (Adam), of the units knocked off by "
        "the step:\nhatched (number): % still knocked off; solid: % whose weights never changed\n"
        "(bold 0: none; -: no unit was knocked off)",
        fontsize=10,
    )
    ax.set_ylabel("% of the knocked-off units")
    for ax in axes:
        ax.set_xticks(layers, [f"hidden {i}" for i in layers])
        ax.set_xlabel("layer")
        ax.set_ylim(0, 105)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(title="activation", loc="upper left")
    cfg = rec["config"]
    fig.suptitle(
        f"Dead units: MLP 784-{'-'.join(map(str, cfg['hidden']))}-10, He init, one oversized SGD step "
        f"(lr {cfg['lr']:g}, batch {cfg['batch_size']}), measured on {cfg['train_size']} "
        "Fashion-MNIST training images",
        fontsize=12,
    )
    fig.tight_layout()
    return fig  # "dead_units.png"


def preactivation_max(pre, rec):
    plt = pyplot()
    n = len(pre["before"])
    fig, axes = plt.subplots(1, n, figsize=(3.7 * n, 3.8), squeeze=False)
    for i, ax in enumerate(axes[0]):
        b, a = pre["before"][i], pre["after"][i]
        lo = min(b.min(), a.min(), -1.0)
        hi = max(b.max(), a.max(), 1.0)
        # symmetric-log bins: linear on [-1, 1], geometric beyond, so the units just left of 0 and the
        # long tail on the right are both visible
        pos_edges = np.concatenate([np.linspace(0, 1, 5)[1:], np.geomspace(1, hi * 1.01, 24)[1:]])
        neg_edges = (
            np.concatenate([np.linspace(0, 1, 5)[1:], np.geomspace(1, -lo * 1.01, 12)[1:]])
            if lo < -1
            else np.linspace(0, 1, 5)[1:]
        )
        bins = np.concatenate([-neg_edges[::-1], [0.0], pos_edges])
        ax.hist(b, bins=bins, color="tab:blue", alpha=0.55, label="at initialisation")
        ax.hist(a, bins=bins, color="tab:red", alpha=0.55, label="after the step")
        ax.set_xscale("symlog", linthresh=1.0)
        ax.axvspan(bins[0], 0, color="tab:red", alpha=0.07, lw=0)
        ax.axvline(0, color="black", lw=1.2)
        ax.set_xlim(bins[0], bins[-1])
        dead = int((a <= 0).sum())
        ax.set_title(f"hidden layer {i + 1}: {dead} of {a.size} units dead", fontsize=10)
        ax.set_xlabel("largest pre-activation of the unit over\nall training images (symmetric log scale)")
        ax.grid(alpha=0.3)
    axes[0][0].set_ylabel("number of units")
    axes[0][0].legend(fontsize=9)
    fig.suptitle(
        "ReLU network: a unit is dead when even its largest pre-activation is <= 0 (left of the black "
        f"line); one SGD step with lr = {rec['config']['lr']:g} pushes many there",
        fontsize=11,
    )
    fig.tight_layout()
    return fig  # "preactivation_max.png"


def bias_init(rec):
    plt = pyplot()
    settings = rec["bias_init"]
    layers = np.arange(1, len(rec["config"]["hidden"]) + 1)
    styles = {
        "he, bias 0": ("tab:blue", "-", "o"),
        "he, bias 0.01": ("tab:blue", "--", "s"),
        "normal(0.01), bias 0": ("tab:orange", "-", "o"),
        "normal(0.01), bias 0.01": ("tab:orange", "--", "s"),
    }
    labels = {
        "he, bias 0": "He weights, bias 0",
        "he, bias 0.01": "He weights, bias 0.01",
        "normal(0.01), bias 0": "N(0, 0.01^2) weights, bias 0",
        "normal(0.01), bias 0.01": "N(0, 0.01^2) weights, bias 0.01",
    }
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.6))
    for key, s in settings.items():
        color, ls, marker = styles[key]
        for ax, values in zip(axes, (s["init"]["active_fraction"], s["after_step"]["dead_fraction"])):
            ax.plot(layers, 100 * np.array(values), ls=ls, marker=marker, color=color, label=labels[key], ms=7, lw=2)
    axes[0].set_title(
        "At initialisation: % of ReLU outputs > 0 (over all images and units)\n"
        "(He and N(0, 0.01^2) give the same on/off pattern when the bias is 0)",
        fontsize=10,
    )
    axes[0].set_ylabel("% active")
    axes[0].set_ylim(0, 105)
    axes[0].axhline(50, color="grey", lw=0.8, ls=":")
    axes[1].set_title(
        f"After one SGD step with lr = {rec['config']['lr']:g}: % of dead units\n(output 0 on every training image)",
        fontsize=10,
    )
    axes[1].set_ylabel("% of the layer's units")
    axes[1].set_ylim(-2, 102)
    for ax in axes:
        ax.set_xticks(layers, [f"hidden {i}" for i in layers])
        ax.set_xlabel("layer")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=9)
    fig.suptitle(
        "The lecture's 0.01 bias for ReLU units: it matters only where the pre-activations are as small as 0.01",
        fontsize=12,
    )
    fig.tight_layout()
    return fig  # "bias_init.png"
