"""The figures of demos/weight_init.py: per-layer histograms, per-layer statistics, the all-zero init."""

import numpy as np
from common import pyplot

COLORS = {
    "tanh_0.01": "tab:blue",
    "tanh_0.05": "tab:orange",
    "tanh_1": "tab:brown",
    "tanh_xavier": "tab:green",
    "relu_xavier": "tab:red",
    "relu_he": "tab:purple",
}


def histograms(net, max_columns=None):
    plt = pyplot()
    from matplotlib.ticker import MaxNLocator

    settings = net["settings"]
    shown = list(range(net["depth"]))
    if max_columns and net["depth"] > max_columns:  # --quick: fewer panels, evenly spaced layers
        shown = sorted({round(k * (net["depth"] - 1) / (max_columns - 1)) for k in range(max_columns)})
    rows, cols = len(settings), len(shown)
    fig, axes = plt.subplots(rows, cols, figsize=(1.95 * cols + 1.2, 1.6 * rows + 1.2), squeeze=False)
    fig.subplots_adjust(
        left=0.9 / (1.95 * cols + 1.2),
        right=0.99,
        bottom=0.5 / (1.6 * rows + 1.2),
        top=1 - 1.0 / (1.6 * rows + 1.2),
        wspace=0.28,
        hspace=0.3,
    )
    for i, (key, s) in enumerate(settings.items()):
        edges = np.asarray(s["hist_edges"])
        for c, j in enumerate(shown):
            ax = axes[i][c]
            counts = np.asarray(s["hist_counts"][j], dtype=np.float64)
            total = net["batch"] * net["width"]
            ax.stairs(100 * counts / total, edges, fill=True, color=COLORS[key], lw=0)
            ax.set_ylim(0, 1.5 * max(100 * counts.max() / total, 1e-9))  # room for the text
            text = f"mean {s['act_mean'][j]:.2g}\nstd {s['act_std'][j]:.2g}"
            if s["activation"] == "relu":
                text += f"\nzeros {100 * s['zero_fraction'][j]:.0f}%"
                ax.set_xlim(0, net["relu_range"])
                ax.set_xticks([0, 1, 2, 3, 4])
            else:
                ax.set_xlim(-1.05, 1.05)
                ax.set_xticks([-1, -0.5, 0, 0.5, 1], ["-1", "", "0", "", "1"])
            ax.yaxis.set_major_locator(MaxNLocator(3))
            ax.text(
                0.97,
                0.95,
                text,
                transform=ax.transAxes,
                ha="right",
                va="top",
                fontsize=7,
                bbox=dict(facecolor="white", alpha=0.8, lw=0, pad=1),
            )
            ax.tick_params(labelsize=7)
            if i == 0:
                ax.set_title(f"layer {j + 1}", fontsize=10)
            if c == 0:
                ax.set_ylabel(f"{s['label']}\n% of values", fontsize=8.5, color=COLORS[key], fontweight="bold")
            if i == rows - 1:
                ax.set_xlabel("activation value", fontsize=8)
    fig.suptitle(
        f"Activations layer by layer: {net['depth']} layers of width {net['width']}, batch {net['batch']} of "
        "Gaussian inputs x ~ N(0, 1)\n(tanh panels span its range (-1, 1); ReLU panels show the positive values "
        "up to 4, the exact zeros are counted in the text)",
        fontsize=11,
    )
    return fig


def statistics(nets):
    plt = pyplot()
    keys = [
        ("act_std", "std of the activations", True),
        ("sat_or_zero", "", False),
        ("weight_grad_abs_mean", "mean |dL/dW|", True),
        ("grad_std", "std of dL/dh (back-propagated)", True),
    ]
    fig, axes = plt.subplots(len(nets), 4, figsize=(19, 4.4 * len(nets)), squeeze=False)
    for r, net in enumerate(nets):
        layers = np.arange(1, net["depth"] + 1)
        for c, (k, ylabel, log) in enumerate(keys):
            ax = axes[r][c]
            for key, s in net["settings"].items():
                if k == "sat_or_zero":
                    vals = s["saturated_fraction"] if s["activation"] == "tanh" else s["zero_fraction"]
                    vals = 100 * np.asarray([np.nan if v is None else v for v in vals])
                    ls = "-" if s["activation"] == "tanh" else ":"
                else:
                    vals, ls = s[k], "-"
                ax.plot(layers, vals, ls, marker="o", ms=4, color=COLORS[key], label=s["label"], lw=1.8)
            if log:
                ax.set_yscale("log")
            ax.set_xticks(layers)
            ax.set_xlabel("layer")
            ax.grid(alpha=0.3)
            if k == "sat_or_zero":
                ax.set_ylabel("% of activations")
                ax.set_ylim(-3, 103)
                ax.set_title(
                    "solid: tanh saturated (|h| > 0.99, tanh' < 0.02)\n"
                    "dotted: ReLU exactly 0 (both ReLU settings: ~50%)",
                    fontsize=10,
                )
            else:
                ax.set_ylabel(ylabel)
                ax.set_title(ylabel, fontsize=10)
        axes[r][0].annotate(
            f"{net['depth']} layers of {net['width']}\nbatch {net['batch']}",
            xy=(0, 0.5),
            xycoords="axes fraction",
            xytext=(-70, 0),
            textcoords="offset points",
            ha="right",
            va="center",
            fontsize=12,
            fontweight="bold",
        )
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="lower center", ncol=len(labels), fontsize=10, frameon=False, bbox_to_anchor=(0.5, 0.0)
    )
    fig.suptitle(
        "Per-layer statistics under each initialisation (loss L = sum(output * G), G ~ N(0, 1), so dL/d(output) has "
        "std 1 at the top):\nsmall weights shrink the activations and the gradients dL/dW = dL/dz h^T vanish; "
        "Xavier suits tanh, He suits ReLU",
        fontsize=12,
    )
    fig.tight_layout(rect=(0.03, 0.04, 1, 1))
    return fig  # "statistics.png"


def zero_init(z):
    plt = pyplot()
    colors = {"zeros_tanh": "tab:red", "zeros_sigmoid": "tab:orange", "xavier_tanh": "tab:green"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.4))
    for key, r in z["runs"].items():
        axes[0].plot(r["step"], r["loss"], color=colors[key], lw=2, label=r["label"])
        axes[1].plot(r["step"], [100 * a for a in r["accuracy"]], color=colors[key], lw=2, label=r["label"])
        zero = key.startswith("zeros")
        style = dict(color=colors[key], lw=3.5 if key == "zeros_tanh" else 1.8, alpha=0.8)
        axes[2].plot(
            r["step"],
            r["distinct_units"][0],
            marker="o" if zero else None,
            ms=3,
            label=f"{r['label']}: layer 1",
            **style,
        )
        axes[2].plot(r["step"], r["distinct_units"][1], ls="--", label=f"{r['label']}: layer 2", **style)
    axes[0].set_ylabel("cross-entropy loss (all 2000 examples)")
    axes[0].set_title("Training loss")
    axes[1].set_ylabel("accuracy (%)")
    axes[1].set_title(f"Accuracy ({z['classes']} classes; chance {100 / z['classes']:.0f}%)")
    axes[2].set_ylabel(f"distinct hidden units (of {z['hidden']})")
    axes[2].set_title(
        "How many different units each hidden layer has\n"
        "(units whose outputs agree within 1e-4 on every example count as one)",
        fontsize=10,
    )
    axes[2].set_ylim(-1, z["hidden"] + 2)
    axes[2].annotate(
        "both all-zero runs: 1 distinct unit per layer\n(the red and orange lines lie on each other)",
        xy=(0.5, 1),
        xycoords=("axes fraction", "data"),
        xytext=(0, 25),
        textcoords="offset points",
        ha="center",
        fontsize=9,
        arrowprops=dict(arrowstyle="->", color="grey"),
    )
    for ax in axes:
        ax.set_xlabel("SGD step")
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=9)
    axes[2].legend(fontsize=8, loc="center right", bbox_to_anchor=(1.0, 0.62))
    fig.suptitle(
        f"All-zero initialisation: every hidden unit computes the same thing and gets the same update, "
        f"so they stay identical (MLP {z['d_in']}-{z['hidden']}-{z['hidden']}-{z['classes']}, SGD lr {z['lr']})",
        fontsize=12,
    )
    fig.tight_layout()
    return fig  # "zero_init.png"
