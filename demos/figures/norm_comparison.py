"""The figures of demos/norm_comparison.py: which values share statistics, and test error against batch size."""

import numpy as np
from common import pyplot

COLORS = {"BatchNorm": "tab:blue", "LayerNorm": "tab:orange", "GroupNorm": "tab:green"}


def cube_faces(mask, on="#3b7dd8", off="#f4f4f4"):
    """The three visible faces of a cube of cells, mask[n, c, z] (x = N across, y = C in depth, z = H*W
    upwards, as in Wu & He's figure), one quadrilateral per cell, coloured by whether it is in ``mask``.

    Seen from the front-right and above: the front face (c = 0), the right face (n = N - 1) and the top
    (z = top), each shaded a little differently so that the cube reads as a solid.
    """
    from matplotlib.colors import to_rgb
    from mpl_toolkits.mplot3d.art3d import Poly3DCollection

    N, C, Z = mask.shape
    quads, colors = [], []

    def add(corners, inside, shade):
        quads.append(corners)
        colors.append(tuple(shade * v for v in to_rgb(on if inside else off)))

    for n in range(N):
        for z in range(Z):  # front face, c = 0
            add([(n, 0, z), (n + 1, 0, z), (n + 1, 0, z + 1), (n, 0, z + 1)], mask[n, 0, z], 1.0)
    for c in range(C):
        for z in range(Z):  # right face, n = N - 1
            add([(N, c, z), (N, c + 1, z), (N, c + 1, z + 1), (N, c, z + 1)], mask[N - 1, c, z], 0.8)
    for n in range(N):
        for c in range(C):  # top face, z = Z - 1
            add([(n, c, Z), (n + 1, c, Z), (n + 1, c + 1, Z), (n, c + 1, Z)], mask[n, c, Z - 1], 0.92)
    return Poly3DCollection(quads, facecolors=colors, edgecolors="#555555", linewidths=0.5)


def norm_cubes(cubes, shape):
    plt = pyplot()
    N, C, H, W = shape
    fig = plt.figure(figsize=(17, 5.2))
    for i, d in enumerate(cubes.values()):
        title, groups = d["title"], d["num_groups"]
        ax = fig.add_subplot(1, 4, i + 1, projection="3d")
        ax.add_collection3d(cube_faces(d["mask"]))
        ax.set_xlim(0, N)
        ax.set_ylim(0, C)
        ax.set_zlim(0, H * W)
        ax.set_xlabel("N (batch)", labelpad=-6)
        ax.set_ylabel("C (channels)", labelpad=-6)
        ax.set_zlabel("H, W (positions)", labelpad=-6)
        ax.set_xticks(np.arange(N) + 0.5)
        ax.set_xticklabels([str(k) for k in range(N)], fontsize=7)
        ax.set_yticks(np.arange(C) + 0.5)
        ax.set_yticklabels([str(k) for k in range(C)], fontsize=7)
        ax.set_zticks([])
        ax.tick_params(pad=-3)
        ax.set_box_aspect((N, C, H * W))
        ax.view_init(elev=22, azim=-60)
        name = f"{title} ({groups} groups of {C // groups} channels)" if groups else title
        ax.set_title(name, fontsize=12, pad=0)
        over = ", ".join(d["statistics_over"])
        ax.text2D(
            0.5,
            -0.06,
            f"statistics over ({over})\n{d['statistics']} means and variances, {d['values_per_statistic']} values each",
            transform=ax.transAxes,
            ha="center",
            va="top",
            fontsize=10,
        )
    fig.suptitle(
        f"Which values share one mean and variance: an (N, C, H, W) = {shape} feature map; blue: the values "
        "normalised together with the first one\n(Wu & He 2018, figure 2; drawn from "
        "minigrad.ops.normalization.shares_statistics, i.e. from the layout the kernels use)",
        fontsize=11,
    )
    fig.subplots_adjust(left=0.01, right=0.99, top=0.84, bottom=0.12, wspace=0.05)
    return fig  # "norm_cubes.png"


def batch_size(runs, cfg_text):
    sizes = [int(b) for b in next(iter(runs.values()))]  # the batch sizes, as run
    plt = pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1.1, 1]})
    xs = np.arange(len(sizes))
    for norm in runs:
        err = [100 * runs[norm][str(b)]["final_test_error"] for b in sizes]
        label = f"{norm}: " + " / ".join(f"{e:.1f}%" for e in err)
        ax.plot(xs, err, "o-", color=COLORS[norm], lw=2.5, ms=8, label=label)
    ax.set_xticks(xs)
    ax.set_xticklabels([str(b) for b in sizes])
    ax.set_xlabel("batch size (examples per batch)")
    ax.set_ylabel("test error (%)")
    ax.set_title("Test error after the same number of training examples")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", title="test error at batch " + " / ".join(map(str, sizes)))
    small = runs["BatchNorm"][str(sizes[-1])]
    ax.text(
        0.03,
        0.60,
        f"BatchNorm at batch {sizes[-1]}: two values per unit,\n"
        "so (x - mean) / std = $\\pm$1: each unit only says\n"
        "which image of the pair is larger. As trained\n"
        f"(train(), test batches of {sizes[-1]}): {100 * small['train_mode_test_error']:.0f}% error;\n"
        f"final training loss {small['final_train_loss']:.2f} "
        f"(LayerNorm {runs['LayerNorm'][str(sizes[-1])]['final_train_loss']:.2f})",
        transform=ax.transAxes,
        va="top",
        fontsize=8.5,
        bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"},
    )

    b = str(sizes[-1])
    for norm in runs:
        r = runs[norm][b]
        ax2.plot(
            r["examples_seen"],
            [100 * e for e in r["test_error"]],
            "o-",
            color=COLORS[norm],
            lw=2,
            label=f"{norm}, batch {b}",
        )
        r32 = runs[norm][str(sizes[0])]
        ax2.plot(
            r32["examples_seen"],
            [100 * e for e in r32["test_error"]],
            "--",
            color=COLORS[norm],
            lw=1.2,
            alpha=0.8,
            label=f"{norm}, batch {sizes[0]}",
        )
    ax2.set_xlabel("training examples seen")
    ax2.set_ylabel("test error (%)")
    ax2.set_title(f"During training: batches of {b} (solid) and {sizes[0]} (dashed)")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=9, ncol=3)
    fig.suptitle(
        f"BatchNorm needs a batch, LayerNorm and GroupNorm do not (Wu & He 2018, figure 1, in small)\n{cfg_text}",
        fontsize=11,
    )
    fig.tight_layout()
    return fig  # "batch_size.png"
