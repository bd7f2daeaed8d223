"""The figures of demos/reproductions/goodfellow_maxout.py: maxout as ReLU, Leaky ReLU, |x| and x^2; maxout MLPs."""

import numpy as np
from common import pyplot

FIT_COLORS = {"2": "tab:blue", "4": "tab:green", "8": "tab:red"}


def maxout_pieces(record):
    plt = pyplot()
    fig, axes = plt.subplots(2, 3, figsize=(16, 9))
    x = np.linspace(-3.0, 3.0, len(next(iter(record["special_cases"].values()))["values"]))
    for ax, (name, s) in zip(axes[0], record["special_cases"].items()):
        for j, w in enumerate(s["pieces"]):
            ax.plot(x, w * x, ":", color="0.5", lw=1.2, label="the two pieces w_j x" if j == 0 else None)
        ax.plot(x, s["values"], color="tab:purple", lw=3, label="maxout unit: max of the pieces")
        ax.set_title(
            f"{name} = max({s['pieces'][0]:g} x, {s['pieces'][1]:g} x)\nlargest |difference| from the function: "
            f"{s['max_abs_value_difference']:.1g}",
            fontsize=10,
        )
        ax.set_xlabel("x")
        ax.set_ylim(-1.5, 3.2)
        ax.axhline(0, color="k", lw=0.6)
        ax.legend(fontsize=9, loc="upper center")
        ax.grid(alpha=0.3)
    sq = record["square"]
    grid = np.asarray(sq["x"])
    for ax, (k, f) in zip(axes[1], sq["fits"].items()):
        ax.plot(grid, grid**2, "k", lw=1.5, label="x^2")
        ax.plot(grid, f["fitted"], color=FIT_COLORS[k], lw=2.5, label=f"maxout unit, {k} pieces (fitted)")
        ax.set_title(
            f"{k} pieces ({f['pieces_used']} still used after training): largest error {f['max_abs_error']:.4f}, "
            f"rms {f['rms_error']:.4f}\n"
            f"(the best {k}-piece fit's largest error: 1/(2k^2) = {f['best_possible_max_error']:.4f})",
            fontsize=10,
        )
        ax.set_xlabel("x")
        ax.legend(fontsize=9, loc="upper center")
        ax.grid(alpha=0.3)
    fig.suptitle(
        "Goodfellow et al. (2013): a maxout unit is a learned convex piecewise-linear function.\nTop: two chosen "
        "pieces give ReLU, Leaky ReLU and |x| exactly; bottom: one unit with k pieces fitted to x^2 on [-1, 1] "
        "(Adam on the mean squared error, from tangents at random points)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def maxout_mlp(record):
    plt = pyplot()
    runs = record["mlps"]
    colors = ["tab:purple", "tab:blue", "tab:cyan"]
    fig, (ax, ax_bar) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1.5, 1]})
    for (name, r), color in zip(runs.items(), colors):
        ax.plot(r["step"], 100 * np.asarray(r["error"]), "o-", ms=3, color=color, lw=2, label=name)
    ax.set_ylim(0, 40)
    ax.set_xlabel("Adam step (batch of 128)")
    ax.set_ylabel("test error (%)")
    ax.set_title("Test error during training")
    ax.legend()
    ax.grid(alpha=0.3)
    names = list(runs)
    bars = ax_bar.bar(range(len(names)), [runs[n]["parameters"] / 1e3 for n in names], color=colors)
    for b, n in zip(bars, names):
        ax_bar.text(
            b.get_x() + b.get_width() / 2,
            b.get_height(),
            f"{runs[n]['parameters']:,} parameters\ntest error {100 * runs[n]['final_error']:.2f}%",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax_bar.set_xticks(range(len(names)), [n.replace(", ", ",\n", 1) for n in names], fontsize=8)
    ax_bar.set_ylabel("parameters (thousands)")
    ax_bar.set_ylim(0, 1.3 * max(runs[n]["parameters"] for n in names) / 1e3)
    ax_bar.set_title("Parameters and final test error")
    ax_bar.grid(alpha=0.3, axis="y")
    fig.suptitle(
        "Goodfellow et al. (2013) on Fashion-MNIST: a maxout MLP against ReLU MLPs of the same width and of the same "
        "size (two hidden layers, Adam lr 1e-3, no dropout)",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
