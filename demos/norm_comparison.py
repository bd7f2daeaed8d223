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
from common import as_tensor, bar, error_rate, fashion, mlp, parser, predict, save_outputs, single_threaded, train
from figures import norm_comparison as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.data import DataLoader, TensorDataset
from minigrad.ops.normalization import group_index, norm_layout, reduced_axes, shares_statistics

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


def train_one(norm, batch_size, data, cfg, seed, base_lr, progress, device):
    """Train from the same initial weights (seed) on the same examples (the first cfg['examples'] of
    one shuffled order), on ``device``; return the test error curve against the number of examples seen."""
    x_train, y_train, x_test, y_test = data
    mg.manual_seed(seed)
    model = mlp([784, HIDDEN, HIDDEN, 10], nn.ReLU, norm=lambda width: norm_layer(norm, width), device=device)
    opt = optim.SGD(model.parameters(), lr=base_lr * batch_size / 32, momentum=0.9)
    order = np.random.default_rng(seed).permutation(len(x_train))[: cfg["examples"]]
    loader = DataLoader(TensorDataset(x_train[order], y_train[order]), batch_size=batch_size, drop_last=True)
    steps = len(loader)
    eval_at = {round(k * steps / cfg["evals"]) for k in range(1, cfg["evals"] + 1)}
    seen, errors = [], []

    def evaluate(step):
        if step in eval_at:
            seen.append(step * batch_size)
            errors.append(error_rate(model, x_test, y_test))
            return {"error": errors[-1]}

    progress.set_description(f"{norm}, batch {batch_size}")
    batches = ((as_tensor(xb, device), as_tensor(yb, device)) for xb, yb in loader)
    losses, _ = train(model, opt, batches, steps, bar=progress, every=1, evaluate=evaluate)
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
    return float((predict(m, images[:n], batch_size).argmax(1) != labels[:n]).mean())


def batch_size_experiment(data, cfg, seed, base_lr, args):
    progress = bar(len(NORMS) * sum(cfg["examples"] // b for b in BATCH_SIZES), "training", args)
    runs = {}
    for norm in NORMS:
        runs[norm] = {}
        for b in BATCH_SIZES:
            t0 = time.perf_counter()
            r = train_one(norm, b, data, cfg, seed, base_lr, progress, args.device)
            r["train_s"] = time.perf_counter() - t0
            runs[norm][str(b)] = r
    progress.close()
    return runs


# --------------------------------------------------------------------------------------------------


def main(argv=None):
    p = parser(__file__, __doc__)
    p.add_argument(
        "--examples",
        type=int,
        default=None,
        help="training examples per run, the same at every batch size (default 15360; --quick 1280)",
    )
    p.add_argument("--lr", type=float, default=0.1, help="learning rate at batch size 32 (scaled by B / 32)")
    args = p.parse_args(argv)
    cfg = dict(SETTINGS["quick" if args.quick else "full"])
    if args.examples:
        cfg["examples"] = args.examples
    # a multiple of every batch size, so that each run sees exactly the same examples
    cfg["examples"] = max(1, cfg["examples"] // max(BATCH_SIZES)) * max(BATCH_SIZES)
    t_start = time.perf_counter()

    cubes = cube_data()
    t_cubes = time.perf_counter() - t_start

    # zero-centred and scaled pixels, with the training set's statistics (lecture, section 2)
    data = fashion(None, cfg["test_size"], standardize=True)
    x_test = data[2]
    t0 = time.perf_counter()
    with single_threaded():
        runs = batch_size_experiment(data, cfg, args.seed, args.lr, args)
    t_train = time.perf_counter() - t0
    cfg_text = (
        f"MLP 784-{HIDDEN}-{HIDDEN}-10, norm + ReLU after each hidden Linear (GroupNorm: {GROUPS} groups); "
        f"{cfg['examples']} training examples per run at every batch size; SGD momentum 0.9, "
        f"lr = {args.lr:g} x B/32; test set of {len(x_test)}"
    )
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

    for d in cubes.values():
        print(
            f"{d['title']:14s} statistics over ({', '.join(d['statistics_over'])}): {d['statistics']} means of "
            f"{d['values_per_statistic']} values each, for an (N, C, H, W) = {CUBE_SHAPE} input"
        )
    print(f"Test error (%) after {cfg['examples']} training examples, batch size " + " / ".join(map(str, BATCH_SIZES)))
    for norm in NORMS:
        errs = " / ".join(f"{100 * runs[norm][str(b)]['final_test_error']:.1f}" for b in BATCH_SIZES)
        print(f"  {norm:10s} {errs}")
    figs = {
        "norm_cubes.png": figures.norm_cubes(cubes, CUBE_SHAPE),
        "batch_size.png": figures.batch_size(runs, cfg_text),
    }
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
