"""Weight initialisation: the lecture's main experiment (cs231n), activations and gradients layer by layer.

    python demos/weight_init.py            # the lecture's sizes: widths 4096 and 500 (~40-90 s)
    python demos/weight_init.py --quick    # widths 512 and 200, for the tests

Lecture 4, slides 23-31. A deep stack of fully connected layers (no biases) is fed a batch of
Gaussian inputs, x ~ N(0, 1), and each layer's output is measured with minigrad.diagnostics:

* the 2017+ cs231n version: 6 layers of width 4096, batch 16;
* the older (2016) version: 10 layers of width 500, batch 1000.

Each network is initialised with minigrad.nn.init in every setting the lecture shows:

    tanh, N(0, 0.01^2)   "small random numbers": activations shrink towards 0 layer after layer
    tanh, N(0, 0.05^2)   too large: tanh saturates at +-1 (in the 4096-wide net; in the 500-wide one
                         N_in var(w) = 1.25 only, so it takes N(0, 1) to saturate, the 2016 slide)
    tanh, N(0, 1)        far too large: every unit saturated
    tanh, Xavier         var(w) = 2 / (N_in + N_out) = 1 / N_in here: well scaled
    ReLU, Xavier         ReLU halves the variance, so the activations collapse again
    ReLU, He             var(w) = 2 / N_in: well scaled

For the gradient side, the loss is L = sum(output * G) with G ~ N(0, 1) fixed, so dL/d(output) has
std 1 in every setting, and backpropagation shows what each initialisation does to it: per layer, the
mean |dL/dW| and the std of the back-propagated gradient dL/dh (h: the layer's activation).

Last, the all-zero initialisation (slide 24): a small MLP trained on a synthetic 4-class problem from
all-zero weights keeps every hidden unit of a layer identical (at every step, the 32 units of a layer
compute one and the same function), while a random initialisation breaks the symmetry.

Writes into --out:

    activations_6_layers.png   histograms of each layer's activations, one row per setting, mean and
                               std in each panel (6 layers of 4096)
    activations_10_layers.png  the same for 10 layers of 500
    statistics.png         per layer: activation std, saturated / zero fraction, mean |dL/dW| and the
                           std of dL/dh, each setting a line, both networks
    zero_init.png          all-zero versus random initialisation: loss, accuracy, distinct hidden units
    weight_init.json       every number plotted
"""

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
from minigrad import diagnostics, nn, optim
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.utils.progress import progress

NAME = "weight_init"
# (key, activation, nn.init scheme, label)
SETTINGS = [
    ("tanh_0.01", "tanh", "normal(0.01)", "tanh, N(0, 0.01^2)"),
    ("tanh_0.05", "tanh", "normal(0.05)", "tanh, N(0, 0.05^2)"),
    ("tanh_1", "tanh", "normal(1.0)", "tanh, N(0, 1)"),
    ("tanh_xavier", "tanh", "xavier", "tanh, Xavier"),
    ("relu_xavier", "relu", "xavier", "ReLU, Xavier"),
    ("relu_he", "relu", "he", "ReLU, He"),
]
COLORS = {
    "tanh_0.01": "tab:blue",
    "tanh_0.05": "tab:orange",
    "tanh_1": "tab:brown",
    "tanh_xavier": "tab:green",
    "relu_xavier": "tab:red",
    "relu_he": "tab:purple",
}
BINS = 40
RELU_RANGE = 4.0  # ReLU histograms over (0, 4]; the exact zeros are counted apart


def deep_net(activation, width, depth):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width, bias=False), nn.Tanh() if activation == "tanh" else nn.ReLU()]
    return nn.Sequential(*layers)


def relu_bins():
    """Histogram edges for ReLU outputs: (0, RELU_RANGE] in BINS bins, leaving the exact zeros out."""
    edges = np.linspace(0.0, RELU_RANGE, BINS + 1)
    edges[0] = np.finfo(np.float32).tiny
    return edges


def run_setting(setting, width, depth, batch, seed):
    """Initialise, run forward + backward under two Recorders, return the per-layer numbers."""
    key, activation, scheme, label = setting
    net = deep_net(activation, width, depth)
    init.apply_(net, scheme, bias=None, generator=seed)
    rng = np.random.default_rng(seed + 1)
    x = mg.tensor(rng.standard_normal((batch, width)).astype(np.float32))
    g = mg.tensor(rng.standard_normal((batch, width)).astype(np.float32))
    acts = [m for m in net if not isinstance(m, nn.Linear)]
    linears = [m for m in net if isinstance(m, nn.Linear)]
    bins = BINS if activation == "tanh" else relu_bins()  # tanh: over its range (-1, 1)
    with (
        diagnostics.Recorder(net, layers=acts, bins=bins) as rec_a,
        diagnostics.Recorder(net, layers=linears, bins=None, gradients=False) as rec_w,
    ):
        out = net(x)
        (out * g).sum().backward()  # dL/d(output) = G, std 1
    a = [rec_a.stats[rec_a.name_of(m)] for m in acts]
    w = [rec_w.stats[rec_w.name_of(m)]["weight_grad"] for m in linears]
    return {
        "label": label,
        "activation": activation,
        "scheme": scheme,
        "weight_std": [s["weight_std"] for s in w],
        "act_mean": [s["act"]["mean"] for s in a],
        "act_std": [s["act"]["std"] for s in a],
        "saturated_fraction": [s["act"]["saturated_fraction"] for s in a],
        "zero_fraction": [s["act"]["zero_fraction"] for s in a],
        "hist_counts": [s["act"]["hist"]["counts"] for s in a],
        "hist_edges": a[0]["act"]["hist"]["edges"],
        "weight_grad_abs_mean": [s["abs_mean"] for s in w],
        "grad_std": [s["grad_output"]["std"] for s in a],  # dL/dh, h the activation of the layer
        "preact_grad_std": [s["grad_input"]["std"] for s in a],  # dL/dz, z = W h_prev
    }


# ------------------------------------------------------------------------------------------------
# All-zero initialisation: no symmetry breaking
# ------------------------------------------------------------------------------------------------


def distinct_units(h, tol=1e-4):
    """How many different units a layer has: units (columns of the examples x units activations h)
    whose outputs differ by less than ``tol`` on every example count as one. (Float rounding can make
    "identical" units differ by ~1e-9: BLAS may sum different columns in a different order.)"""
    reps = []
    for j in range(h.shape[1]):
        if not any(np.max(np.abs(h[:, j] - h[:, k])) < tol for k in reps):
            reps.append(j)
    return len(reps)


def zero_init_experiment(seed, steps, d_in=20, hidden=32, classes=4, n=2000, batch=64, lr=0.5):
    rng = np.random.default_rng(seed + 7)
    teacher = rng.standard_normal((d_in, classes))
    X = rng.standard_normal((n, d_in)).astype(np.float32)
    Y = (X @ teacher + 0.5 * np.tanh(X[:, :classes] * 3)).argmax(axis=1)
    x, y = mg.tensor(X), mg.tensor(Y)
    variants = [
        ("zeros_tanh", "all-zero weights and biases, tanh", "tanh", "zeros"),
        ("zeros_sigmoid", "all-zero weights and biases, sigmoid", "sigmoid", "zeros"),
        ("xavier_tanh", "Xavier weights, zero biases, tanh", "tanh", "xavier"),
    ]
    results = {}
    for key, label, act, scheme in variants:
        make = nn.Tanh if act == "tanh" else nn.Sigmoid
        net = nn.Sequential(
            nn.Linear(d_in, hidden), make(), nn.Linear(hidden, hidden), make(), nn.Linear(hidden, classes)
        )
        init.apply_(net, scheme, bias=0.0, generator=seed)
        opt = optim.SGD(net.parameters(), lr=lr)
        order = np.random.default_rng(seed + 8)
        hidden_acts = [net[1], net[3]]
        r = {
            "label": label,
            "step": [],
            "loss": [],
            "accuracy": [],
            "distinct_units": [[], []],
            "unit_spread": [[], []],
        }
        for step in range(steps + 1):
            if step % max(1, steps // 30) == 0 or step == steps:
                with mg.no_grad(), diagnostics.Recorder(net, layers=hidden_acts, bins=None, keep_values=True) as rec:
                    scores = net(x)
                r["step"].append(step)
                r["loss"].append(float(F.cross_entropy(scores, y).item()))
                r["accuracy"].append(float((scores.numpy().argmax(axis=1) == Y).mean()))
                for i, m in enumerate(hidden_acts):
                    h = rec.values[rec.name_of(m)].astype(np.float64)
                    r["distinct_units"][i].append(distinct_units(h))
                    r["unit_spread"][i].append(float(h.std(axis=1).mean()))
            if step == steps:
                break
            idx = order.choice(n, batch, replace=False)
            loss = F.cross_entropy(net(x[idx]), y[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        w1 = net[0].weight.detach().numpy()
        r["distinct_first_layer_rows"] = distinct_units(w1.T.astype(np.float64), tol=1e-6)  # units' weight rows
        results[key] = r
    return {"hidden": hidden, "d_in": d_in, "classes": classes, "steps": steps, "lr": lr, "runs": results}


# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------


def plot_histograms(net, out, filename, max_columns=None):
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
                ax.set_xlim(0, RELU_RANGE)
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
    return save_figure(fig, out, filename)


def plot_statistics(nets, out):
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
    return save_figure(fig, out, "statistics.png")


def plot_zero_init(z, out):
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
    return save_figure(fig, out, "zero_init.png")


# ------------------------------------------------------------------------------------------------


def main(argv=None):
    p = parser(NAME, __doc__.split("\n\n")[0])
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    mg.manual_seed(args.seed)
    if args.quick:
        nets = [dict(width=512, depth=6, batch=16), dict(width=200, depth=10, batch=200)]
        zero_steps = 60
    else:
        nets = [dict(width=4096, depth=6, batch=16), dict(width=500, depth=10, batch=1000)]
        zero_steps = 300

    jobs = [(i, s) for i in range(len(nets)) for s in SETTINGS] + [("zero", None)]
    for net in nets:
        net["settings"] = {}
    zero = None
    bar = progress(jobs, desc="weight_init", unit="run")
    with single_threaded():
        for i, setting in bar:
            if i == "zero":
                bar.set_postfix(run="all-zero init")
                zero = zero_init_experiment(args.seed, zero_steps)
                continue
            net = nets[i]
            bar.set_postfix(run=f"{net['width']}-wide {setting[3]}")
            net["settings"][setting[0]] = run_setting(setting, net["width"], net["depth"], net["batch"], args.seed)

    for net in nets:
        print(f"{net['depth']} layers of width {net['width']}, batch {net['batch']}:")
        for s in net["settings"].values():
            stds = " ".join(f"{v:8.2g}" for v in s["act_std"])
            dws = " ".join(f"{v:8.2g}" for v in s["weight_grad_abs_mean"])
            print(f"  {s['label']:<20} act std  {stds}")
            print(f"  {'':<20} |dL/dW|  {dws}")
    for r in zero["runs"].values():
        units = r["distinct_units"]
        print(
            f"  {r['label']:<40} distinct hidden units at the end {units[0][-1]}, {units[1][-1]} "
            f"of {zero['hidden']}; "
            f"accuracy {100 * r['accuracy'][-1]:.1f}%"
        )

    files = [
        plot_histograms(nets[0], args.out, "activations_6_layers.png", max_columns=4 if args.quick else None),
        plot_histograms(nets[1], args.out, "activations_10_layers.png", max_columns=4 if args.quick else None),
        plot_statistics(nets, args.out),
        plot_zero_init(zero, args.out),
    ]
    rec = {
        "config": {"seed": args.seed, "quick": args.quick, "loss": "sum(output * G), G ~ N(0, 1)"},
        "networks": nets,
        "zero_init": zero,
        "figures": [f.name for f in files],
    }
    rec["timing_s"] = round(time.perf_counter() - t0, 3)
    save_json(rec, args.out, f"{NAME}.json")
    print(f"time: {rec['timing_s']:.1f} s")
    return rec


if __name__ == "__main__":
    main()
