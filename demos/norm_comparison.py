"""The four normalisations compared: which values share statistics, and what the batch size does.

    python demos/norm_comparison.py            # about 1.5 minutes on a 2-core laptop
    python demos/norm_comparison.py --quick    # a few seconds (for the tests)

Lecture 4, slides 41-43 (Layer, Instance and Group Normalization; Wu & He 2018, "Group
Normalization", figures 1 and 2). Writes into --out:

    norm_cubes.png         Wu & He's figure 2: an (N, C, H, W) feature map drawn as a cube with axes N,
                           C and H*W; the blue cells are normalised with one mean and variance (those
                           that share the statistics of the cell at n = c = h = w = 0). The cells are
                           not drawn by hand: they come from minigrad.ops.normalization's
                           shares_statistics / group_index / reduced_axes, built on norm_layout, the
                           very layout the normalisation kernels use, so the picture cannot disagree
                           with the implementation.
    batch_size.png         Wu & He's figure 1 in small: the test error of the same network with
                           BatchNorm, LayerNorm or GroupNorm after every hidden Linear layer, trained
                           with batches of 32, 8 and 2 on the same number of Fashion-MNIST examples
                           (SGD, momentum 0.9, the learning rate scaled with the batch size, lr = 0.1 *
                           B / 32, as Wu & He do). BatchNorm's error rises at small batches (its batch
                           statistics get noisy, and at test time it uses running averages that the
                           training never saw); LayerNorm and GroupNorm compute per-sample statistics
                           and do not care. Right: the test error during training with batches of 2.
    norm_comparison.json   every plotted number, the settings and the timings

The network is an MLP, 784-128-128-10 with ReLU: a fully connected layer's output is an (N, C)
feature map, H = W = 1, so BatchNorm normalises each unit over the batch, LayerNorm each sample over
its 128 units, and GroupNorm each sample over groups of 16 units (8 groups).
"""

import copy
import time

import numpy as np

try:
    from common import parser, pyplot, save_figure, save_json, single_threaded  # python demos/<name>.py
except ImportError:  # imported by file path (tests, run_all)
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from common import parser, pyplot, save_figure, save_json, single_threaded

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset, load_fashion_mnist
from minigrad.nn import functional as F
from minigrad.ops.normalization import group_index, norm_layout, reduced_axes, shares_statistics
from minigrad.utils.progress import Progress

NAME = "norm_comparison"
AXES = ("N", "C", "H", "W")

# the cubes: an (N, C, H, W) shape small enough to see every cell
CUBE_SHAPE = (6, 6, 2, 3)
CUBE_GROUPS = 2
CUBES = (
    ("batch", "Batch Norm", None),
    ("layer", "Layer Norm", None),
    ("instance", "Instance Norm", None),
    ("group", "Group Norm", CUBE_GROUPS),
)

NORMS = {
    "BatchNorm": "batch",
    "LayerNorm": "layer",
    "GroupNorm": "group",
}
COLORS = {"BatchNorm": "tab:blue", "LayerNorm": "tab:orange", "GroupNorm": "tab:green"}
BATCH_SIZES = (32, 8, 2)
HIDDEN = 128
GROUPS = 8

SETTINGS = {
    "full": {"examples": 15360, "evals": 10, "test_size": None},  # 480 batches of 32, 7680 batches of 2
    "quick": {"examples": 1280, "evals": 3, "test_size": 2000},
}


def cube_data(shape=CUBE_SHAPE, index=(0, 0, 0, 0)):
    """For each normalisation: the mask of the cells sharing statistics with ``index``, as (N, C, H*W),
    plus what the layout says about it (axes reduced, number of groups, values per group)."""
    out = {}
    N, C, H, W = shape
    for kind, title, groups in CUBES:
        mask = shares_statistics(kind, shape, index, num_groups=groups)
        gid = group_index(kind, shape, num_groups=groups)
        layout = norm_layout(kind, shape, num_groups=groups)
        axes = reduced_axes(kind, len(shape), num_groups=groups)
        names = [AXES[a] for a in axes]
        if kind == "group":  # the channel axis is reduced within a group only
            names = [f"C/{groups}" if n == "C" else n for n in names]
        out[kind] = {
            "title": title,
            "num_groups": groups,
            "mask": mask.reshape(N, C, H * W),
            "reduced_axes": [AXES[a] for a in axes],
            "statistics_over": names,
            "statistics": int(gid.max()) + 1,  # how many (mean, var) pairs
            "values_per_statistic": int(mask.sum()),
            "layout_view": list(layout.view),
        }
    return out


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


def plot_cubes(cubes, out, shape=CUBE_SHAPE):
    plt = pyplot()
    N, C, H, W = shape
    fig = plt.figure(figsize=(17, 5.2))
    for i, (kind, title, groups) in enumerate(CUBES):
        d = cubes[kind]
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
    return save_figure(fig, out, "norm_cubes.png")


# --------------------------------------------------------------------------------------------------
# Part 2: test error against batch size
# --------------------------------------------------------------------------------------------------


def norm_layer(name, width):
    if name == "BatchNorm":
        return nn.BatchNorm1d(width)
    if name == "LayerNorm":
        return nn.LayerNorm(width)
    if name == "GroupNorm":
        return nn.GroupNorm(GROUPS, width)
    raise ValueError(name)


def mlp(norm):
    return nn.Sequential(
        nn.Linear(784, HIDDEN),
        norm_layer(norm, HIDDEN),
        nn.ReLU(),
        nn.Linear(HIDDEN, HIDDEN),
        norm_layer(norm, HIDDEN),
        nn.ReLU(),
        nn.Linear(HIDDEN, 10),
    )


def test_error(model, images, labels, batch_size=2000):
    """Error rate in evaluation mode (BatchNorm uses its running statistics)."""
    model.eval()
    wrong = 0
    with mg.no_grad():
        for s in range(0, len(images), batch_size):
            scores = model(mg.from_numpy(images[s : s + batch_size])).numpy()
            wrong += int((scores.argmax(1) != labels[s : s + batch_size]).sum())
    model.train()
    return wrong / len(images)


def train_one(norm, batch_size, data, cfg, seed, base_lr, bar):
    """Train from the same initial weights (seed) on the same examples (the first cfg['examples'] of
    one shuffled order); return the test error curve against the number of examples seen."""
    x_train, y_train, x_test, y_test = data
    mg.manual_seed(seed)
    model = mlp(norm)
    opt = optim.SGD(model.parameters(), lr=base_lr * batch_size / 32, momentum=0.9)
    order = np.random.default_rng(seed).permutation(len(x_train))[: cfg["examples"]]
    loader = DataLoader(TensorDataset(x_train[order], y_train[order]), batch_size=batch_size, drop_last=True)
    steps = len(loader)
    eval_at = {round(k * steps / cfg["evals"]) for k in range(1, cfg["evals"] + 1)}
    seen, errors, losses = [], [], []
    for step, (xb, yb) in enumerate(loader, 1):
        loss = F.cross_entropy(model(mg.from_numpy(xb)), mg.from_numpy(yb))
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.item())
        bar.update(batch_size)
        if step in eval_at:
            seen.append(step * batch_size)
            errors.append(test_error(model, x_test, y_test))
            bar.set_postfix(norm=norm, batch=batch_size, error=errors[-1])
    out = {
        "examples_seen": seen,
        "test_error": errors,
        "final_test_error": errors[-1],
        "steps": steps,
        "lr": base_lr * batch_size / 32,
        # the training loss over the last tenth of the run (the batches it was trained on, in train mode)
        "final_train_loss": float(np.mean(losses[-max(1, steps // 10) :])),
    }
    if norm == "BatchNorm":
        # the network as it was trained: batch statistics, test images in batches of the training size
        out["train_mode_test_error"] = train_mode_error(model, x_test[:2000], y_test[:2000], batch_size)
    return out


def train_mode_error(model, images, labels, batch_size):
    """Error rate with BatchNorm in training mode (on a copy: train-mode passes move the running stats)."""
    m = copy.deepcopy(model)
    m.train()
    n = (len(images) // batch_size) * batch_size
    wrong = 0
    with mg.no_grad():
        for s in range(0, n, batch_size):
            scores = m(mg.from_numpy(images[s : s + batch_size])).numpy()
            wrong += int((scores.argmax(1) != labels[s : s + batch_size]).sum())
    return wrong / n


def batch_size_experiment(data, cfg, seed, base_lr, show_progress):
    total = len(NORMS) * len(BATCH_SIZES) * cfg["examples"]
    bar = Progress(total=total, desc="training examples", disable=None if show_progress else True, unit="ex")
    runs = {}
    for norm in NORMS:
        runs[norm] = {}
        for b in BATCH_SIZES:
            t0 = time.perf_counter()
            r = train_one(norm, b, data, cfg, seed, base_lr, bar)
            r["train_s"] = time.perf_counter() - t0
            runs[norm][str(b)] = r
    bar.close()
    return runs


def plot_batch_size(runs, cfg_text, out):
    plt = pyplot()
    fig, (ax, ax2) = plt.subplots(1, 2, figsize=(14, 5), gridspec_kw={"width_ratios": [1.1, 1]})
    xs = np.arange(len(BATCH_SIZES))
    for norm in NORMS:
        err = [100 * runs[norm][str(b)]["final_test_error"] for b in BATCH_SIZES]
        label = f"{norm}: " + " / ".join(f"{e:.1f}%" for e in err)
        ax.plot(xs, err, "o-", color=COLORS[norm], lw=2.5, ms=8, label=label)
    ax.set_xticks(xs)
    ax.set_xticklabels([str(b) for b in BATCH_SIZES])
    ax.set_xlabel("batch size (examples per batch)")
    ax.set_ylabel("test error (%)")
    ax.set_title("Test error after the same number of training examples")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", title="test error at batch " + " / ".join(map(str, BATCH_SIZES)))
    small = runs["BatchNorm"][str(BATCH_SIZES[-1])]
    ax.text(
        0.03,
        0.60,
        f"BatchNorm at batch {BATCH_SIZES[-1]}: two values per unit,\n"
        "so (x - mean) / std = $\\pm$1: each unit only says\n"
        "which image of the pair is larger. As trained\n"
        f"(train(), test batches of {BATCH_SIZES[-1]}): {100 * small['train_mode_test_error']:.0f}% error;\n"
        f"final training loss {small['final_train_loss']:.2f} "
        f"(LayerNorm {runs['LayerNorm'][str(BATCH_SIZES[-1])]['final_train_loss']:.2f})",
        transform=ax.transAxes,
        va="top",
        fontsize=8.5,
        bbox={"facecolor": "white", "alpha": 0.9, "edgecolor": "0.8"},
    )

    b = str(BATCH_SIZES[-1])
    for norm in NORMS:
        r = runs[norm][b]
        ax2.plot(
            r["examples_seen"],
            [100 * e for e in r["test_error"]],
            "o-",
            color=COLORS[norm],
            lw=2,
            label=f"{norm}, batch {b}",
        )
        r32 = runs[norm][str(BATCH_SIZES[0])]
        ax2.plot(
            r32["examples_seen"],
            [100 * e for e in r32["test_error"]],
            "--",
            color=COLORS[norm],
            lw=1.2,
            alpha=0.8,
            label=f"{norm}, batch {BATCH_SIZES[0]}",
        )
    ax2.set_xlabel("training examples seen")
    ax2.set_ylabel("test error (%)")
    ax2.set_title(f"During training: batches of {b} (solid) and {BATCH_SIZES[0]} (dashed)")
    ax2.grid(alpha=0.3)
    ax2.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), fontsize=9, ncol=3)
    fig.suptitle(
        f"BatchNorm needs a batch, LayerNorm and GroupNorm do not (Wu & He 2018, figure 1, in small)\n{cfg_text}",
        fontsize=11,
    )
    fig.tight_layout()
    return save_figure(fig, out, "batch_size.png")


# --------------------------------------------------------------------------------------------------


def main(argv=None):
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument(
        "--examples",
        type=int,
        default=None,
        help="training examples per run, the same at every batch size (default 15360; --quick 1280)",
    )
    p.add_argument("--lr", type=float, default=0.1, help="learning rate at batch size 32 (scaled by B / 32)")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = p.parse_args(argv)
    cfg = dict(SETTINGS["quick" if args.quick else "full"])
    if args.examples:
        cfg["examples"] = args.examples
    # a multiple of every batch size, so that each run sees exactly the same examples
    cfg["examples"] = max(1, cfg["examples"] // max(BATCH_SIZES)) * max(BATCH_SIZES)
    t_start = time.perf_counter()

    cubes = cube_data()
    plot_cubes(cubes, args.out)
    t_cubes = time.perf_counter() - t_start

    x_train, y_train = load_fashion_mnist(split="train", flatten=True)
    x_test, y_test = load_fashion_mnist(split="test", flatten=True)
    if cfg["test_size"]:
        x_test, y_test = x_test[: cfg["test_size"]], y_test[: cfg["test_size"]]
    # zero-centre and scale the pixels with the training set's statistics (lecture, section 2)
    mean, std = float(x_train.mean()), float(x_train.std())
    x_train, x_test = (x_train - mean) / std, (x_test - mean) / std
    data = (x_train, y_train, x_test, y_test)
    t0 = time.perf_counter()
    with single_threaded():
        runs = batch_size_experiment(data, cfg, args.seed, args.lr, not args.no_progress)
    t_train = time.perf_counter() - t0
    cfg_text = (
        f"MLP 784-{HIDDEN}-{HIDDEN}-10, norm + ReLU after each hidden Linear (GroupNorm: {GROUPS} groups); "
        f"{cfg['examples']} training examples per run at every batch size; SGD momentum 0.9, "
        f"lr = {args.lr:g} x B/32; test set of {len(x_test)}"
    )
    plot_batch_size(runs, cfg_text, args.out)

    record = {
        "cubes": {
            "shape": list(CUBE_SHAPE),
            "index": [0, 0, 0, 0],
            "axes": "mask[n][c][h*W + w]",
            **{k: {kk: vv for kk, vv in v.items()} for k, v in cubes.items()},
        },
        "batch_size": {"batch_sizes": list(BATCH_SIZES), "description": cfg_text, "runs": runs},
        "config": {
            "seed": args.seed,
            "quick": args.quick,
            "lr_at_32": args.lr,
            "hidden": HIDDEN,
            "groups": GROUPS,
            **cfg,
            "test_size": len(x_test),
        },
        "timing_s": {
            "cubes": round(t_cubes, 2),
            "train": round(t_train, 2),
            "total": round(time.perf_counter() - t_start, 2),
        },
    }
    save_json(record, args.out, f"{NAME}.json")

    for d in cubes.values():
        print(
            f"{d['title']:14s} statistics over ({', '.join(d['statistics_over'])}): {d['statistics']} means of "
            f"{d['values_per_statistic']} values each, for an (N, C, H, W) = {CUBE_SHAPE} input"
        )
    print(f"Test error (%) after {cfg['examples']} training examples, batch size " + " / ".join(map(str, BATCH_SIZES)))
    for norm in NORMS:
        errs = " / ".join(f"{100 * runs[norm][str(b)]['final_test_error']:.1f}" for b in BATCH_SIZES)
        print(f"  {norm:10s} {errs}")
    print(f"time: {record['timing_s']['total']:.1f} s")
    return record


if __name__ == "__main__":
    main()
