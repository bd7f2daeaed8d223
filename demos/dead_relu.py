"""Dead ReLUs: one oversized SGD step kills a large part of a ReLU network, and Leaky ReLU, PReLU and
ELU units survive the same step.

    python demos/dead_relu.py            # 10000 Fashion-MNIST images, 5 hidden layers of 256 (~15-30 s)
    python demos/dead_relu.py --quick    # 2000 images, 3 hidden layers of 128, for the tests

Lecture 4, slides 9-13: a ReLU unit whose pre-activation w.x + b is negative for every input (it has
been "knocked off the data manifold", by a bad initialisation or by a too-large update) outputs 0
and passes back a zero gradient for every input, so its weights stop changing: a dead ReLU. The
lecture's remedies: mind the learning rate; use Leaky ReLU / PReLU / ELU, whose gradient for x < 0
is not zero; initialise the biases with a small positive value (0.01).

The experiment: an MLP (784 -> 256 x 5 -> 10, He initialisation, bias 0) on standardised Fashion-MNIST
images takes ONE plain SGD step with lr = 1 (ten to a hundred times too large) on one batch of 128.
The same initial weights and the same batch for ReLU, Leaky ReLU (0.01), PReLU (a = 0.25) and ELU.
minigrad.diagnostics then measures, over every training image, per hidden layer:

* dead units: the activation outputs exactly 0 on every training image;
* knocked-off units: the pre-activation is <= 0 on every training image (dead for a ReLU, alive for
  the others: their output and their gradient for x < 0 are not 0);
* weight rows with exactly zero gradient: dL/dW over the whole training set, row by row (a row is
  one unit's incoming weights). For a ReLU these are exactly the dead units.

Then 100 Adam steps of ordinary training follow: do the units that were off come back? A dead unit
of the first hidden layer never can (its inputs, the images, do not change, and its gradient is 0);
one in a deeper layer can, when the layers below it change its inputs.

Last, the lecture's 0.01 bias at initialisation: the fraction of active ReLU outputs per layer with
bias 0 or 0.01, for He weights and for small N(0, 0.01^2) weights, and the dead fraction after the
same oversized step. Writes into --out:

    dead_units.png        per layer and activation: dead and knocked-off units after the step, weight
                          rows with zero gradient, and what 100 more training steps changed
    preactivation_max.png ReLU network: each unit's largest pre-activation over the training set,
                          before and after the step (left of 0: dead)
    bias_init.png         active fraction at initialisation and dead fraction after the step, bias 0
                          versus 0.01
    dead_relu.json        every number plotted, with the losses and accuracies

The data is read from disk (minigrad.data.load_fashion_mnist), never downloaded.
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
from minigrad.data import load_fashion_mnist
from minigrad.nn import functional as F
from minigrad.nn import init
from minigrad.utils.progress import progress

NAME = "dead_relu"
ACTIVATIONS = {
    "ReLU": lambda: nn.ReLU(),
    "LeakyReLU": lambda: nn.LeakyReLU(0.01),
    "PReLU": lambda: nn.PReLU(init=0.25),
    "ELU": lambda: nn.ELU(),
}
COLORS = {"ReLU": "tab:red", "LeakyReLU": "tab:blue", "PReLU": "tab:green", "ELU": "tab:purple"}
BIAS_SETTINGS = [("he", 0.0), ("he", 0.01), ("normal(0.01)", 0.0), ("normal(0.01)", 0.01)]


def build(activation, hidden, in_features=784, classes=10):
    layers, width = [], in_features
    for h in hidden:
        layers += [nn.Linear(width, h), ACTIVATIONS[activation]()]
        width = h
    layers.append(nn.Linear(width, classes))
    return nn.Sequential(*layers)


def hidden_linears(model):
    """The Linear layers that feed an activation (all but the output layer)."""
    return [m for m in model if isinstance(m, nn.Linear)][:-1]


def measure(model, x, y, backward=True):
    """One forward (+ backward) pass over the whole training set under a Recorder: per hidden layer,
    the dead, knocked-off and (with ``backward``) zero-gradient fractions, each unit's largest
    pre-activation, the loss and the accuracy."""
    linears = hidden_linears(model)
    acts = [m for m in model if not isinstance(m, nn.Linear)]
    model.zero_grad()
    with diagnostics.Recorder(model, layers=linears + acts, bins=None, keep_values=True) as rec:
        if backward:
            scores = model(x)
            loss = F.cross_entropy(scores, y)
            loss.backward()
        else:
            with mg.no_grad():
                scores = model(x)
                loss = F.cross_entropy(scores, y)
    model.zero_grad()
    wg = [rec.stats[rec.name_of(m)].get("weight_grad") for m in linears]
    lin_names = [rec.name_of(m) for m in linears]
    act_names = [rec.name_of(m) for m in acts]
    pre_max = [rec.values[n].max(axis=0) for n in lin_names]
    off_sets = [np.flatnonzero(p <= 0) for p in pre_max]
    out = {
        "dead_fraction": [rec.stats[n]["act"]["dead_fraction"] for n in act_names],
        "dead_units": [rec.stats[n]["act"]["dead_units"] for n in act_names],
        "active_fraction": [1.0 - rec.stats[n]["act"]["zero_fraction"] for n in act_names],
        "positive_fraction": [float((rec.values[n] > 0).mean()) for n in lin_names],
        "knocked_off_fraction": [rec.stats[n]["act"]["never_positive_fraction"] for n in lin_names],
        "knocked_off_units": [rec.stats[n]["act"]["never_positive_units"] for n in lin_names],
        "zero_grad_rows_fraction": [g["zero_rows_fraction"] if g else None for g in wg],
        "zero_grad_rows": [g["zero_rows"] if g else None for g in wg],
        "loss": float(loss.item()),
        "accuracy": float((scores.detach().numpy().argmax(axis=1) == y.numpy()).mean()),
    }
    return out, pre_max, off_sets


def oversized_step(model, x, y, batch, lr):
    opt = optim.SGD(model.parameters(), lr=lr)
    loss = F.cross_entropy(model(x[batch]), y[batch])
    opt.zero_grad()
    loss.backward()
    opt.step()
    model.zero_grad()
    return float(loss.item())


def recovery(model, x, y, steps, seed, batch_size=128, lr=1e-3):
    """Ordinary training after the accident: Adam (its step size does not grow with the huge gradients)."""
    opt = optim.Adam(model.parameters(), lr=lr)
    rng = np.random.default_rng(seed)
    losses = []
    for _ in range(steps):
        idx = rng.choice(x.shape[0], batch_size, replace=False)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.item()))
    model.zero_grad()
    return losses


def run_activation(name, hidden, x, y, batch, lr, steps, seed):
    model = build(name, hidden)
    init.apply_(model, "he", bias=0.0, generator=seed)  # the same weights for every activation
    before, pre_before, _ = measure(model, x, y, backward=False)
    step_loss = oversized_step(model, x, y, batch, lr)
    slopes = [float(m.weight.item()) for m in model if isinstance(m, nn.PReLU)]
    after, pre_after, off = measure(model, x, y)
    rows_after = [m.weight.detach().numpy().copy() for m in hidden_linears(model)]
    losses = recovery(model, x, y, steps, seed + 1)
    final, _, off_final = measure(model, x, y, backward=False)
    still_off, unchanged = [], []
    for units, units_final, w0, m in zip(off, off_final, rows_after, hidden_linears(model)):
        w1 = m.weight.detach().numpy()
        if len(units) == 0:
            still_off.append(None)
            unchanged.append(None)
            continue
        still_off.append(float(np.isin(units, units_final).mean()))
        unchanged.append(float((w1[units] == w0[units]).all(axis=1).mean()))
    result = {
        "init": before,
        "after_step": after,
        "after_recovery": final,
        "step_batch_loss": step_loss,
        "recovery_loss": losses,
        "off_after_step_still_off": still_off,
        "off_after_step_weights_unchanged": unchanged,
    }
    if name == "PReLU":
        result["prelu_slopes_after_step"] = slopes
        result["prelu_slopes_final"] = [float(m.weight.item()) for m in model if isinstance(m, nn.PReLU)]
    return result, pre_before, pre_after


def run_bias(hidden, x, y, batch, lr, seed):
    out = {}
    for scheme, bias in BIAS_SETTINGS:
        model = build("ReLU", hidden)
        init.apply_(model, scheme, bias=bias, generator=seed)
        at_init, _, _ = measure(model, x, y, backward=False)
        oversized_step(model, x, y, batch, lr)
        after, _, _ = measure(model, x, y, backward=False)
        out[f"{scheme}, bias {bias:g}"] = {"scheme": scheme, "bias": bias, "init": at_init, "after_step": after}
    return out


# ------------------------------------------------------------------------------------------------
# Figures
# ------------------------------------------------------------------------------------------------


def _label(ax, pos, values, color):
    """The value (in %) above each bar, "0" included, so that empty bars are visibly zero."""
    for x, v in zip(pos, values):
        if v is None or not np.isfinite(v):
            continue
        ax.text(x, v + 1.0, f"{v:.0f}", ha="center", va="bottom", fontsize=7, color=color)


def plot_dead_units(rec, out):
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
    return save_figure(fig, out, "dead_units.png")


def plot_preactivation_max(pre, rec, out):
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
    return save_figure(fig, out, "preactivation_max.png")


def plot_bias(rec, out):
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
        axes[0].plot(
            layers,
            100 * np.array(s["init"]["active_fraction"]),
            ls=ls,
            marker=marker,
            color=color,
            label=labels[key],
            ms=7,
            lw=2,
        )
        axes[1].plot(
            layers,
            100 * np.array(s["after_step"]["dead_fraction"]),
            ls=ls,
            marker=marker,
            color=color,
            label=labels[key],
            ms=7,
            lw=2,
        )
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
    return save_figure(fig, out, "bias_init.png")


def main(argv=None):
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--lr", type=float, default=1.0, help="learning rate of the oversized step (default 1)")
    p.add_argument("--train-size", type=int, default=None, help="training images used (default 10000; --quick 2000)")
    args = p.parse_args(argv)
    t0 = time.perf_counter()
    n = args.train_size or (2000 if args.quick else 10000)
    hidden = [128] * 3 if args.quick else [256] * 5
    steps = 30 if args.quick else 100
    batch_size = 128

    images, labels = load_fashion_mnist(split="train", flatten=True)
    pick = np.random.default_rng(args.seed).permutation(images.shape[0])[:n]
    images, labels = images[pick], labels[pick]
    images = (images - images.mean()) / images.std()  # zero-centred, unit std (lecture, section 2)
    x, y = mg.tensor(images), mg.tensor(labels)
    batch = np.random.default_rng(args.seed + 100).choice(n, batch_size, replace=False)
    mg.manual_seed(args.seed)

    rec = {
        "config": {
            "seed": args.seed,
            "quick": args.quick,
            "lr": args.lr,
            "hidden": hidden,
            "batch_size": batch_size,
            "train_size": n,
            "recovery_steps": steps,
            "recovery_optimizer": "Adam(lr=1e-3)",
            "init": "he, bias 0",
        },
        "activations": {},
    }
    pre = {}
    jobs = list(ACTIVATIONS) + ["bias"]
    with single_threaded():
        for job in progress(jobs, desc="dead_relu", unit="run"):
            if job == "bias":
                rec["bias_init"] = run_bias(hidden, x, y, batch, args.lr, args.seed)
                continue
            result, pre_before, pre_after = run_activation(job, hidden, x, y, batch, args.lr, steps, args.seed)
            rec["activations"][job] = result
            if job == "ReLU":
                pre = {"before": pre_before, "after": pre_after}
    rec["relu_unit_max_preactivation"] = pre

    def pct(v):
        return " ".join("   -  " if a is None else f"{100 * a:5.1f}%" for a in v)

    print(f"After one SGD step with lr={args.lr:g} (per hidden layer, over {n} training images):")
    for name, r in rec["activations"].items():
        a = r["after_step"]
        print(
            f"  {name:<10} dead {pct(a['dead_fraction'])} | knocked off {pct(a['knocked_off_fraction'])} | "
            f"zero-grad rows {pct(a['zero_grad_rows_fraction'])}"
        )
    for name, r in rec["activations"].items():
        print(
            f"  {name:<10} after {steps} more steps: of the knocked-off units "
            f"still off {pct(r['off_after_step_still_off'])}"
            f", weights never changed {pct(r['off_after_step_weights_unchanged'])}; "
            f"accuracy {100 * r['after_recovery']['accuracy']:.1f}%"
        )
    for key, s in rec["bias_init"].items():
        print(
            f"  ReLU {key:<24} active at init {pct(s['init']['active_fraction'])} | "
            f"dead after step {pct(s['after_step']['dead_fraction'])}"
        )

    files = [plot_dead_units(rec, args.out), plot_preactivation_max(pre, rec, args.out), plot_bias(rec, args.out)]
    rec["figures"] = [f.name for f in files]
    rec["timing_s"] = round(time.perf_counter() - t0, 3)
    save_json(rec, args.out, f"{NAME}.json")
    print(f"time: {rec['timing_s']:.1f} s")
    return rec


if __name__ == "__main__":
    main()
