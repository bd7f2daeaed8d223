"""The figures of demos/zigzag.py: per-example gradient signs, the 2-D zig-zag path, softmax regression."""

import numpy as np
from common import pyplot


def gradient_signs(res):
    plt = pyplot()
    fig = plt.figure(figsize=(15, 5))
    gs = fig.add_gridspec(1, 4, width_ratios=[1.3, 1.3, 0.8, 0.8], wspace=0.3)
    names = list(res)
    colors = ["tab:red", "tab:blue", "tab:orange", "tab:green"]

    ax = fig.add_subplot(gs[0])
    fractions = [100 * res[k]["fraction_single_sign"] for k in names]
    bars = ax.bar(range(len(names)), fractions, color=colors)
    for bar, k in zip(bars, names):
        ax.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height() + 2,
            f"{res[k]['count_single_sign']}/{res[k]['examples']}",
            ha="center",
            fontsize=9,
        )
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels([k.replace("-layer outputs", "\nlayer").replace(" ", "\n", 1) for k in names], fontsize=9)
    ax.set_ylim(0, 112)
    ax.set_ylabel("% of examples")
    ax.set_title("Examples whose dL/dw has a single sign\n(every non-zero component + or every one -)", fontsize=10)

    ax = fig.add_subplot(gs[1])
    bins = np.linspace(0, 1, 41)
    for k, c in zip(names, colors):
        share = np.asarray(res[k]["share_positive"])
        if k == "raw pixels":  # an outline: it coincides with the sigmoid-layer bars at 0 and 1
            ax.hist(share, bins=bins, color=c, histtype="step", lw=2.5, label=k, zorder=3)
        else:
            ax.hist(share, bins=bins, color=c, alpha=0.55, label=k)
    ax.set_yscale("log")
    ax.set_xlabel("share of dL/dw's non-zero components that are positive")
    ax.set_ylabel("number of examples (log scale)")
    ax.set_title("Per example: all + (at 1), all - (at 0), or mixed (between)", fontsize=10)
    ax.legend(fontsize=8, loc="upper center", framealpha=0.95)

    for i, k in enumerate(["raw pixels", "centred pixels"]):
        ax = fig.add_subplot(gs[2 + i])
        g = np.asarray(res[k]["example_gradient"]).reshape(28, 28)
        lim = float(np.abs(g).max()) or 1.0
        im = ax.imshow(g, cmap="RdBu_r", vmin=-lim, vmax=lim)
        ax.set_title(f"dL/dw of one example,\n{k}", fontsize=10)
        ax.set_xticks([])
        ax.set_yticks([])
        cb = fig.colorbar(im, ax=ax, fraction=0.046, pad=0.04, orientation="horizontal")
        cb.ax.tick_params(labelsize=7)
        cb.set_label("red +, blue -, white 0", fontsize=8)
    fig.suptitle(
        "One sigmoid neuron on Fashion-MNIST ('is it footwear?'), small random weights. "
        "dL/dw = (dL/dz) x: if every input x_i >= 0,\nevery component of one example's gradient has the sign "
        "of the single number dL/dz, so one update moves all weights the same way",
        fontsize=11,
        y=1.05,
    )
    return fig  # "gradient_signs.png"


def zigzag_path(res, excess_loss):
    """excess_loss(case name, w1, w2): the mean loss over that case's data minus its minimum, on a grid."""
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 5.2), gridspec_kw={"width_ratios": [1, 1, 1.15]})
    w1, w2 = np.meshgrid(np.linspace(-0.6, 2.4, 121), np.linspace(-2.4, 0.6, 121))
    lr = res["shared_lr"]
    for ax, (name, case), color in zip(axes[:2], res["cases"].items(), ("tab:red", "tab:blue")):
        excess = excess_loss(name, w1, w2)
        ax.contour(w1, w2, excess, levels=np.geomspace(1e-3, 1.0, 10), colors="grey", linewidths=0.7, alpha=0.7)
        # shade the quadrants a single update can point into (drawn around the start, w = 0)
        if name == "positive inputs":
            ax.fill_between([0, 3], 0, 3, color=color, alpha=0.1, lw=0, label="quadrants one update can point into")
            ax.fill_between([-3, 0], -3, 0, color=color, alpha=0.1, lw=0)
        d = np.asarray(case["update_directions_at_0"])
        d = 0.5 * d / np.linalg.norm(d, axis=1, keepdims=True)
        for dx, dy in d:
            ax.annotate(
                "",
                xy=(dx, dy),
                xytext=(0, 0),
                arrowprops={"arrowstyle": "->", "color": color, "alpha": 0.35, "lw": 0.8},
            )
        p = np.asarray(case["path_shared_lr"])
        ax.plot(p[:, 0], p[:, 1], "-", color="k", lw=0.9, label=f"SGD path, lr={lr:g}, 1 example/step")
        ax.plot(p[:, 0], p[:, 1], ".", color="k", ms=2.5)
        ax.plot(0, 0, "o", color="k", ms=6, label="start w = (0, 0)")
        ax.plot(*res["w_star"], "*", color="gold", mec="k", ms=16, label="optimum w* = (1.5, -1.5)")
        ax.plot([], [], "-", color=color, alpha=0.5, label="single-example update directions at w = 0")
        steps = case["steps_at_shared_lr"]
        ax.set_title(
            f"{name}: x {'uniform in [0.5, 1.5]^2' if name.startswith('pos') else '= the same points - their mean'}\n"
            f"{100 * case['fraction_updates_in_quadrants_I_III']:.0f}% of updates move w1 and w2 the same way; "
            f"{steps if steps else '>' + str(res['max_steps'])} steps to reach w*",
            fontsize=10,
        )
        ax.set_xlim(-0.6, 2.4)
        ax.set_ylim(-2.4, 0.6)
        ax.set_aspect("equal")
        ax.set_xlabel("weight w1")
        ax.set_ylabel("weight w2")
        ax.legend(fontsize=7.5, loc="lower left", framealpha=0.95)
        ax.axhline(0, color="k", lw=0.5)
        ax.axvline(0, color="k", lw=0.5)

    ax = axes[2]
    for (name, case), color in zip(res["cases"].items(), ("tab:red", "tab:blue")):
        if case["best_lr"] != lr:
            ax.semilogy(case["distance_shared_lr"], color=color, alpha=0.45, lw=1, label=f"{name}, lr={lr:g}")
        if case["distance_best_lr"] is not None:
            ax.semilogy(
                case["distance_best_lr"],
                color=color,
                lw=2,
                label=f"{name}, best lr={case['best_lr']:g}: {case['steps_at_best_lr']} steps",
            )
    ax.axhline(0.1, color="grey", ls="--", lw=1, label="'reached': |w - w*| < 0.1 from then on")
    ax.set_xlim(0, min(300, res["max_steps"]))
    ax.set_ylim(1e-3, 5)
    ax.set_xlabel("SGD step (one example each)")
    ax.set_ylabel("distance |w - w*|")
    ax.set_title(
        "Same lr: similar speed, but a zig-zag path.\nBest lr from {"
        + ", ".join(f"{v:g}" for v in res["lr_grid"])
        + "}:"
        " centred data tolerates a far larger step",
        fontsize=10,
    )
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    fig.suptitle(
        "A sigmoid neuron with 2 weights, loss contours in grey: positive inputs make SGD zig-zag", fontsize=12
    )
    fig.tight_layout()
    return fig  # "zigzag_path.png"


def softmax_preprocessing(res):
    plt = pyplot()
    fig, (ax, ax_bar) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1.4, 1]})
    colors = ["tab:purple", "tab:red", "tab:blue", "tab:green"]
    names = list(res["variants"])
    for name, color in zip(names, colors):
        v = res["variants"][name]
        run = v["runs"][str(v["best_lr"])]
        ax.plot(
            run["eval_step"], run["loss"], color=color, lw=2, label=f"{v['description']} (best lr {v['best_lr']:g})"
        )
    ax.axhline(res["target_loss"], color="grey", ls="--", lw=1, label=f"target loss {res['target_loss']}")
    ax.set_ylim(0.3, 2.4)
    ax.set_xlabel(f"SGD step (batch of {res['batch_size']})")
    ax.set_ylabel(f"cross-entropy on the {res['train_size']} training images")
    ax.set_title("Training loss, each preprocessing at its best learning rate", fontsize=10)
    ax.legend(fontsize=8.5)
    ax.grid(alpha=0.3)

    values = [res["variants"][k]["steps_to_target"] for k in names]
    heights = [v if v is not None else res["steps"] for v in values]
    bars = ax_bar.bar(range(len(names)), heights, color=colors, alpha=0.85)
    for bar, v in zip(bars, values):
        if v is None:  # not reached: the bar is only a lower bound
            bar.set_hatch("//")
    for bar, v in zip(bars, values):
        ax_bar.text(
            bar.get_x() + bar.get_width() / 2,
            bar.get_height(),
            str(v) if v is not None else f"not reached\nin {res['steps']}",
            ha="center",
            va="bottom",
            fontsize=9,
        )
    ax_bar.set_xticks(range(len(names)))
    ax_bar.set_xticklabels(names, fontsize=9)
    ax_bar.set_ylabel(f"steps to reach loss {res['target_loss']}")
    ax_bar.set_ylim(0, res["steps"] * 1.18)
    ax_bar.set_title(
        "Steps to the target (fewer is better); lr grid {" + ", ".join(f"{v:g}" for v in res["lr_grid"]) + "}",
        fontsize=10,
    )
    ax_bar.grid(alpha=0.3, axis="y")
    fig.suptitle(
        f"Softmax regression (784 -> 10, plain SGD) on {res['train_size']} Fashion-MNIST images: "
        "centred and scaled inputs train faster",
        fontsize=12,
    )
    fig.tight_layout()
    return fig  # "softmax_preprocessing.png"
