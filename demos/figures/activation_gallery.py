"""The figures of demos/activation_gallery.py: every activation, the gradients at -10, 0, 10, the table."""

import math

import numpy as np
from common import pyplot

KINKED = ("ReLU", "LeakyReLU")  # f' jumps at 0: its label is moved off the jump


def _shade_flat(ax, x, df, threshold, label):
    """Shade the x-ranges (at least 0.5 wide) where |f'(x)| < threshold."""
    flat = np.abs(df) < threshold
    if not flat.any():
        return False
    edges = np.flatnonzero(np.diff(np.concatenate([[0], flat.astype(int), [0]])))
    for start, stop in zip(edges[::2], edges[1::2]):
        if x[stop - 1] - x[start] < 0.5:  # a stationary point (the minimum of SiLU), not a flat region
            continue
        ax.axvspan(x[start], x[stop - 1], color="tab:red", alpha=0.12, lw=0, label=label)
        label = None
    return True


def activations(record):
    x, curves, threshold = record["x"], record["activations"], record["saturation_threshold"]
    plt = pyplot()
    n = len(curves)
    cols = 3
    rows = math.ceil(n / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.1 * rows))
    for ax, (name, c) in zip(axes.flat, curves.items()):
        ax.axhline(0, color="grey", lw=0.6)
        ax.axvline(0, color="grey", lw=0.6)
        _shade_flat(ax, x, np.asarray(c["df"]), threshold, f"f'(x) < {threshold}")
        ax.plot(x, c["f"], color="tab:blue", lw=2, label="f(x)")
        ax.plot(x, c["df"], color="tab:orange", lw=2, ls="--", label="f'(x) (autograd)")
        ax.set_title(f"{name}: {c['formula']}", fontsize=9.5)
        ax.set_xlim(x[0], x[-1])
        lo = min(np.min(c["f"]), np.min(c["df"]), -0.2)
        hi = max(np.max(c["df"]), 1.2)
        hi = min(max(np.max(c["f"]), hi), 6.5)
        ax.set_ylim(lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
        ax.set_xlabel("x")
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[n:]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    order = sorted(
        range(len(labels)),
        key=lambda i: ["f(x)", "f'(x) (autograd)"].index(labels[i]) if labels[i] in ("f(x)", "f'(x) (autograd)") else 2,
    )
    fig.legend(
        [handles[i] for i in order],
        [labels[i] for i in order],
        loc="upper center",
        ncol=3,
        bbox_to_anchor=(0.5, 0.972),
        fontsize=11,
        frameon=False,
    )
    fig.suptitle(
        "Activation functions f (solid) and their derivatives f' (dashed) computed by minigrad's autograd;\n"
        "red: where f'(x) < 0.01, so almost no gradient flows back (saturated, or a dead ReLU region)",
        y=0.998,
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.955))
    return fig  # "activations.png"


def gradients_at_points(record):
    wide_x, wide, table, points = record["wide_x"], record["wide"], record["table"], record["points"]
    plt = pyplot()
    names = list(wide)
    fig, axes = plt.subplots(2, 3, figsize=(15, 8))
    for ax, name in zip(axes.flat, names):
        c = wide[name]
        ax.axhline(0, color="grey", lw=0.6)
        ax.plot(wide_x, c["f"], color="tab:blue", lw=2, label="f(x)")
        ax.plot(wide_x, c["df"], color="tab:orange", lw=2, ls="--", label="f'(x)")
        for k, p in enumerate(points):
            d = table[name][f"{p:g}"]["df"]
            ax.plot([p], [d], "o", ms=9, color="tab:red", zorder=5, label="f'(-10), f'(0), f'(10)" if k == 0 else None)
            text = "0" if d == 0 else (f"{d:.2g}" if abs(d) >= 1e-3 else f"{d:.1e}")
            ha = {-10.0: "left", 0.0: "center", 10.0: "right"}[p]
            offset = (0, 12)
            if p == 0 and name in KINKED:  # keep the label off the vertical jump of f'
                ha, offset = "left", (8, -18)
            ax.annotate(
                f"f'({p:g}) = {text}",
                (p, d),
                textcoords="offset points",
                xytext=offset,
                ha=ha,
                fontsize=10,
                color="tab:red",
                fontweight="bold",
            )
        ax.set_title(f"{name}: {record['activations'][name]['formula']}", fontsize=10)
        ax.set_xlabel("x")
        ax.set_xlim(wide_x[0], wide_x[-1])
        top = 1.35 if name != "ReLU" and name != "LeakyReLU" and name != "ELU" else 1.6
        ax.set_ylim(-1.25 if name in ("Tanh", "ELU", "Softsign") else -0.25, top)
        ax.grid(alpha=0.3)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=3, bbox_to_anchor=(0.5, 0.0), fontsize=11, frameon=False)
    fig.suptitle(
        "The lecture's question: what is the gradient at x = -10, 0, 10?\n"
        "(values from minigrad's autograd, float64; the ReLU-type curves are clipped above)",
        fontsize=12,
    )
    fig.tight_layout(rect=(0, 0.045, 1, 0.97))
    return fig  # "gradients_at_-10_0_10.png"


def gradient_table(record):
    table, points = record["table"], record["points"]
    plt = pyplot()
    names = list(table)
    vals = np.array([[table[n][f"{p:g}"]["df"] for p in points] for n in names])
    logv = np.log10(np.maximum(np.abs(vals), 1e-12))
    fig, ax = plt.subplots(figsize=(7.5, 0.42 * len(names) + 1.6))
    im = ax.imshow(logv, cmap="RdYlGn", vmin=-6, vmax=0, aspect="auto")
    for i in range(len(names)):
        for j in range(len(points)):
            v = vals[i, j]
            text = "0" if v == 0 else (f"{v:.3g}" if abs(v) >= 1e-3 else f"{v:.2e}")
            dark = logv[i, j] < -5 or logv[i, j] > -0.7
            ax.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=9.5,
                color="white" if dark else "black",
                fontweight="bold" if abs(v) < 1e-3 else "normal",
            )
    ax.set_xticks(range(len(points)), [f"f'({p:g})" for p in points])
    ax.set_yticks(range(len(names)), names)
    ax.xaxis.tick_top()
    cb = fig.colorbar(im, ax=ax, fraction=0.05, ticks=range(-6, 1))
    cb.ax.set_yticklabels(["<= 1e-6", "1e-5", "1e-4", "1e-3", "0.01", "0.1", "1"])
    cb.set_label("|f'(x)|, log scale  (red: the gradient is killed)")
    ax.set_title(
        "Gradient each activation passes back at x = -10, 0, 10\n(minigrad autograd, float64)", fontsize=11, pad=28
    )
    fig.tight_layout()
    return fig  # "gradient_table.png"
