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
from common import bar, mlp, parser, random_batches, save_outputs, single_threaded, train
from figures import weight_init as figures

import minigrad as mg
from minigrad import diagnostics, nn, optim
from minigrad.nn import functional as F
from minigrad.nn import init

# (key, activation, nn.init scheme, label)
SETTINGS = [
    ("tanh_0.01", "tanh", "normal(0.01)", "tanh, N(0, 0.01^2)"),
    ("tanh_0.05", "tanh", "normal(0.05)", "tanh, N(0, 0.05^2)"),
    ("tanh_1", "tanh", "normal(1.0)", "tanh, N(0, 1)"),
    ("tanh_xavier", "tanh", "xavier", "tanh, Xavier"),
    ("relu_xavier", "relu", "xavier", "ReLU, Xavier"),
    ("relu_he", "relu", "he", "ReLU, He"),
]
BINS = 40
RELU_RANGE = 4.0  # ReLU histograms over (0, 4]; the exact zeros are counted apart


def deep_net(activation, width, depth, device):
    layers = []
    for _ in range(depth):
        layers += [nn.Linear(width, width, bias=False), nn.Tanh() if activation == "tanh" else nn.ReLU()]
    return nn.Sequential(*layers).to(device)


def relu_bins():
    """Histogram edges for ReLU outputs: (0, RELU_RANGE] in BINS bins, leaving the exact zeros out."""
    edges = np.linspace(0.0, RELU_RANGE, BINS + 1)
    edges[0] = np.finfo(np.float32).tiny
    return edges


def run_setting(setting, width, depth, batch, seed, device):
    """Initialise, run forward + backward under two Recorders, return the per-layer numbers."""
    key, activation, scheme, label = setting
    net = deep_net(activation, width, depth, device)
    init.apply_(net, scheme, bias=None, generator=seed)
    rng = np.random.default_rng(seed + 1)
    x = mg.tensor(rng.standard_normal((batch, width)).astype(np.float32), device=device)
    g = mg.tensor(rng.standard_normal((batch, width)).astype(np.float32), device=device)
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


def zero_init_experiment(seed, steps, device, d_in=20, hidden=32, classes=4, n=2000, batch=64, lr=0.5):
    rng = np.random.default_rng(seed + 7)
    teacher = rng.standard_normal((d_in, classes))
    X = rng.standard_normal((n, d_in)).astype(np.float32)
    Y = (X @ teacher + 0.5 * np.tanh(X[:, :classes] * 3)).argmax(axis=1)
    x, y = mg.tensor(X, device=device), mg.tensor(Y, device=device)
    variants = [
        ("zeros_tanh", "all-zero weights and biases, tanh", "tanh", "zeros"),
        ("zeros_sigmoid", "all-zero weights and biases, sigmoid", "sigmoid", "zeros"),
        ("xavier_tanh", "Xavier weights, zero biases, tanh", "tanh", "xavier"),
    ]
    results = {}
    every = max(1, steps // 30)
    for key, label, act, scheme in variants:
        net = mlp([d_in, hidden, hidden, classes], nn.Tanh if act == "tanh" else nn.Sigmoid, device=device)
        init.apply_(net, scheme, bias=0.0, generator=seed)
        hidden_acts = [net[1], net[3]]
        r = {
            "label": label,
            "step": [],
            "loss": [],
            "accuracy": [],
            "distinct_units": [[], []],
            "unit_spread": [[], []],
        }

        def measure(step, net=net, hidden_acts=hidden_acts, r=r):
            if step % every and step != steps:
                return
            with mg.no_grad(), diagnostics.Recorder(net, layers=hidden_acts, bins=None, keep_values=True) as rec:
                scores = net(x)
            r["step"].append(step)
            r["loss"].append(float(F.cross_entropy(scores, y).item()))
            r["accuracy"].append(float((scores.cpu().numpy().argmax(axis=1) == Y).mean()))
            for i, m in enumerate(hidden_acts):
                h = rec.values[rec.name_of(m)].astype(np.float64)
                r["distinct_units"][i].append(distinct_units(h))
                r["unit_spread"][i].append(float(h.std(axis=1).mean()))

        measure(0)
        batches = random_batches(x, y, batch, seed + 8, replace=False, device=device)
        train(net, optim.SGD(net.parameters(), lr=lr), batches, steps, every=1, evaluate=measure)
        w1 = net[0].weight.detach().cpu().numpy()
        r["distinct_first_layer_rows"] = distinct_units(w1.T.astype(np.float64), tol=1e-6)  # units' weight rows
        results[key] = r
    return {"hidden": hidden, "d_in": d_in, "classes": classes, "steps": steps, "lr": lr, "runs": results}


# ------------------------------------------------------------------------------------------------


def main(argv=None):
    args = parser(__file__, __doc__).parse_args(argv)
    t0 = time.perf_counter()
    mg.manual_seed(args.seed)
    if args.quick:
        nets = [dict(width=512, depth=6, batch=16), dict(width=200, depth=10, batch=200)]
        zero_steps = 60
    else:
        nets = [dict(width=4096, depth=6, batch=16), dict(width=500, depth=10, batch=1000)]
        zero_steps = 300

    progress = bar(len(nets) * len(SETTINGS) + 1, "weight_init", args, unit="run")
    with single_threaded():
        for net in nets:
            net["settings"], net["relu_range"] = {}, RELU_RANGE
            for setting in SETTINGS:
                progress.set_postfix(run=f"{net['width']}-wide {setting[3]}")
                width, depth, batch = net["width"], net["depth"], net["batch"]
                net["settings"][setting[0]] = run_setting(setting, width, depth, batch, args.seed, args.device)
                progress.update()
        progress.set_postfix(run="all-zero init")
        zero = zero_init_experiment(args.seed, zero_steps, args.device)
        progress.update()
        progress.close()

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

    rec = {
        "config": {"seed": args.seed, "quick": args.quick, "loss": "sum(output * G), G ~ N(0, 1)"},
        "networks": nets,
        "zero_init": zero,
    }
    rec["timing_s"] = round(time.perf_counter() - t0, 3)
    columns = 4 if args.quick else None  # --quick: fewer histogram panels
    figs = {
        "activations_6_layers.png": figures.histograms(nets[0], max_columns=columns),
        "activations_10_layers.png": figures.histograms(nets[1], max_columns=columns),
        "statistics.png": figures.statistics(nets),
        "zero_init.png": figures.zero_init(zero),
    }
    return save_outputs(args, rec, figs)


if __name__ == "__main__":
    main()
