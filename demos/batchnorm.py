"""Batch normalisation: what it does in training and at test time, and why deep nets train with it.

    python demos/batchnorm.py            # about 1.5-2 minutes on a 2-core laptop (8000 + 600 steps)
    python demos/batchnorm.py --quick    # a few seconds, on a slice of the data (for the tests)

Lecture 4, slides 32-40 (Batch Normalization, Ioffe & Szegedy 2015). Three experiments on
Fashion-MNIST, built on minigrad's nn.BatchNorm1d, nn.utils.fuse_batchnorm and forward hooks:

1. Ioffe & Szegedy's figure 1 (their MNIST experiment, here on Fashion-MNIST): a 784-100-100-100-10
   network with sigmoid hidden units, batches of 60, plain SGD, trained with and without a
   BatchNorm1d before every sigmoid, from the same initial weights. (a) test accuracy over training;
   (b, c) the 15th, 50th and 85th percentiles of the input to the sigmoid of one unit of the last
   hidden layer, over the test set, read with a forward hook. Without BN that distribution drifts
   while the layers below it learn ("internal covariate shift"); with BN it stays put.
2. Training versus evaluation (the slide's "common source of bugs"), on the trained BN network:
   the running statistics following the batch statistics; the accuracy of a network left in
   train() mode, which depends on the batch size (and fails on a batch of one) while eval() does not;
   the same image getting different predictions from different batch-mates; and folding each
   BatchNorm into the Linear layer before it (fuse_batchnorm), which changes no output.
3. A deep network (10 tanh layers of 100) initialised with small random numbers N(0, 0.01^2) does
   not learn at all (its activations, and so its gradients, vanish layer after layer); the same
   network with BatchNorm after every Linear trains from the same initial weights.

Writes into --out:

    ioffe_szegedy_fig1.png   experiment 1
    train_vs_eval.png        experiment 2
    bad_init.png             experiment 3
    batchnorm.json           every plotted number, the settings and the timings
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
from minigrad.nn import init
from minigrad.nn.utils import fuse_batchnorm
from minigrad.utils.progress import progress

NAME = "batchnorm"
PERCENTILES = (15, 50, 85)

# Experiment settings: (full run, --quick run)
SETTINGS = {
    "full": {
        "is_steps": 8000,  # Ioffe & Szegedy ran 50000 steps; 8000 (8 epochs) fits the time budget
        "is_eval_every": 100,
        "bad_steps": 600,
        "train_size": None,
        "test_size": None,
        "stat_steps": 200,
        "train_mode_batches": (2, 4, 8, 16, 32, 64, 256, 1000),
        "batch_mates_trials": 100,
    },
    "quick": {
        "is_steps": 200,
        "is_eval_every": 40,
        "bad_steps": 100,
        "train_size": 6000,
        "test_size": 1000,
        "stat_steps": 100,
        "train_mode_batches": (2, 8, 50),
        "batch_mates_trials": 20,
    },
}


def mlp(hidden, activation, batchnorm):
    """784 -> hidden... -> 10: Linear [-> BatchNorm1d] -> activation for each hidden layer."""
    layers, width = [], 28 * 28
    for h in hidden:
        layers.append(nn.Linear(width, h))
        if batchnorm:
            layers.append(nn.BatchNorm1d(h))
        layers.append(activation())
        width = h
    layers.append(nn.Linear(width, 10))
    return nn.Sequential(*layers)


def batches(loader, steps):
    """``steps`` batches (as Tensors) from ``loader`` over NumPy arrays, epoch after epoch."""
    done = 0
    while True:
        for xb, yb in loader:
            yield mg.from_numpy(xb), mg.from_numpy(yb)
            done += 1
            if done == steps:
                return


def predict(model, images, batch_size=2000):
    """Class scores of ``images`` (a NumPy array) in batches, without building a graph."""
    with mg.no_grad():
        return np.concatenate(
            [model(mg.from_numpy(images[s : s + batch_size])).numpy() for s in range(0, len(images), batch_size)]
        )


def accuracy(model, images, labels, batch_size=2000):
    """Accuracy in evaluation mode (the model is put back into training mode afterwards)."""
    was_training = model.training
    model.eval()
    acc = float((predict(model, images, batch_size).argmax(1) == labels).mean())
    model.train(was_training)
    return acc


def clone(model):
    """An independent copy (parameters and running statistics)."""
    return copy.deepcopy(model)


def softmax(z):
    z = z - z.max(axis=-1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------------------
# Experiment 1: Ioffe & Szegedy, figure 1
# --------------------------------------------------------------------------------------------------


class SigmoidInputProbe:
    """A forward hook on an nn.Sigmoid that keeps the percentiles of one unit's input when armed."""

    def __init__(self, module, unit):
        self.unit = unit
        self.armed = False
        self.values = []
        self.handle = module.register_forward_hook(self)

    def __call__(self, module, inputs, output):
        if self.armed:
            self.values.append(inputs[0].detach().numpy()[:, self.unit].copy())

    def percentiles(self):
        v = np.concatenate(self.values)
        self.values = []
        return np.percentile(v, PERCENTILES).tolist()


class BatchStatsProbe:
    """A forward hook on a BatchNorm1d: each training batch's mean of one unit, and the running mean
    right after the update."""

    def __init__(self, bn, unit, steps):
        self.bn, self.unit, self.steps = bn, unit, steps
        self.batch_mean, self.running_mean = [], []
        self.population = (None, None)  # mean and variance over the training set after `steps` steps
        self.handle = bn.register_forward_hook(self)

    def __call__(self, module, inputs, output):
        if module.training and len(self.batch_mean) < self.steps:
            self.batch_mean.append(float(inputs[0].detach().numpy()[:, self.unit].mean()))
            self.running_mean.append(float(module.running_mean.numpy()[self.unit]))


def ioffe_szegedy(data, cfg, seed, unit, lr, init_std, show_progress):
    """Train the sigmoid network with and without BN; return the records and the trained BN model."""
    x_train, y_train, x_test, y_test = data
    results, bn_model, stat_probe = {}, None, None
    for use_bn in (False, True):
        key = "bn" if use_bn else "plain"
        model = mlp((100, 100, 100), nn.Sigmoid, batchnorm=use_bn)
        # the same generator seed: both networks start from the same Linear weights
        init.apply_(model, f"normal({init_std})", bias=0.0, generator=seed)
        opt = optim.SGD(model.parameters(), lr=lr)
        sigmoids = [m for m in model.modules() if isinstance(m, nn.Sigmoid)]
        probe = SigmoidInputProbe(sigmoids[-1], unit)
        if use_bn:
            bn_last = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)][-1]
            stat_probe = BatchStatsProbe(bn_last, unit, cfg["stat_steps"])
        loader = DataLoader(TensorDataset(x_train, y_train), batch_size=60, shuffle=True, seed=seed)
        rec = {"step": [], "test_accuracy": [], "percentiles": [], "loss": []}

        def evaluate(step, model=model, probe=probe, rec=rec):
            probe.armed = True
            rec["test_accuracy"].append(accuracy(model, x_test, y_test))
            probe.armed = False
            rec["percentiles"].append(probe.percentiles())
            rec["step"].append(step)

        # no evaluation at step 0: the BN network's running statistics are not estimated yet
        steps = cfg["is_steps"]
        bar = progress(
            batches(loader, steps),
            total=steps,
            desc=f"fig. 1, {'with' if use_bn else 'without'} BN",
            disable=None if show_progress else True,
        )
        t0 = time.perf_counter()
        for step, (xb, yb) in enumerate(bar, 1):
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            rec["loss"].append(loss.item())
            if use_bn and step == cfg["stat_steps"]:  # where the running-statistics panel ends
                stat_probe.population = population_stats(model, stat_probe.bn, x_train, unit)
            if step % cfg["is_eval_every"] == 0:
                evaluate(step)
                bar.set_postfix(test_acc=rec["test_accuracy"][-1])
        rec["train_s"] = time.perf_counter() - t0
        median = [p[1] for p in rec["percentiles"]]
        rec["median_drift"] = max(median) - min(median)  # how far the distribution's centre wandered
        spread = float(np.mean([p[2] - p[0] for p in rec["percentiles"]]))
        rec["median_drift_in_spreads"] = rec["median_drift"] / spread  # ... in units of its 15-85 width
        probe.handle.remove()
        results[key] = rec
        if use_bn:
            stat_probe.handle.remove()
            bn_model = model
    return results, bn_model, stat_probe


def plot_ioffe_szegedy(rec, cfg_text, out):
    plt = pyplot()
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.6))
    ax = axes[0]
    for key, label, color in (("plain", "without BN", "tab:blue"), ("bn", "with BN", "tab:red")):
        r = rec[key]
        ax.plot(r["step"], [100 * a for a in r["test_accuracy"]], color=color, lw=2, label=label)
    ax.set_xlabel("training step (batch of 60)")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("(a) Test accuracy")
    ax.set_ylim(bottom=max(0, min(100 * a for r in rec.values() for a in r["test_accuracy"]) - 5))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")

    lo = min(min(p) for r in rec.values() for p in r["percentiles"])
    hi = max(max(p) for r in rec.values() for p in r["percentiles"])
    pad = 0.08 * (hi - lo)
    for ax, key, title in ((axes[1], "plain", "(b) Without BN"), (axes[2], "bn", "(c) With BN")):
        r = rec[key]
        p = np.array(r["percentiles"])
        ax.fill_between(r["step"], p[:, 0], p[:, 2], color="tab:gray", alpha=0.2)
        for i, (q, style) in enumerate(zip(PERCENTILES, ("--", "-", ":"))):
            ax.plot(r["step"], p[:, i], "k", ls=style, lw=1.8 if q == 50 else 1.2, label=f"{q}th percentile")
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel("training step (batch of 60)")
        ax.set_ylabel("input to the sigmoid")
        ax.set_title(f"{title}: one last-layer unit's sigmoid input")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=9)
    fig.suptitle(f"Ioffe & Szegedy (2015), figure 1, on Fashion-MNIST: {cfg_text}", fontsize=11)
    fig.tight_layout()
    return save_figure(fig, out, "ioffe_szegedy_fig1.png")


# --------------------------------------------------------------------------------------------------
# Experiment 2: training versus evaluation
# --------------------------------------------------------------------------------------------------


def population_stats(model, bn, images, unit):
    """Mean and unbiased variance of ``bn``'s input (one unit) over ``images`` with the final weights."""
    seen = []
    handle = bn.register_forward_hook(lambda m, inputs, out: seen.append(inputs[0].detach().numpy()[:, unit].copy()))
    model.eval()
    predict(model, images)
    model.train()
    handle.remove()
    v = np.concatenate(seen)
    return float(v.mean()), float(v.var(ddof=1))


def train_vs_eval(bn_model, stat_probe, data, cfg, seed, unit):
    x_train, _, x_test, y_test = data
    rng = np.random.default_rng(seed)
    out = {}

    # (a) running statistics: each batch's mean and the running mean (momentum 0.1) of one unit
    bn_last = stat_probe.bn
    pop_mean, pop_var = population_stats(bn_model, bn_last, x_train, unit)
    out["running_stats"] = {
        "unit": unit,
        "momentum": bn_last.momentum,
        "batch_mean": stat_probe.batch_mean,
        "running_mean": stat_probe.running_mean,
        "population_mean_at_last_step_shown": stat_probe.population[0],
        "population_var_at_last_step_shown": stat_probe.population[1],
        "final_running_mean": float(bn_last.running_mean.numpy()[unit]),
        "final_running_var": float(bn_last.running_var.numpy()[unit]),
        "population_mean": pop_mean,
        "population_var": pop_var,
    }

    # (b) the network left in train() mode: test accuracy against the evaluation batch size
    order = rng.permutation(len(x_test))  # mixed classes in every batch
    xs, ys = x_test[order], y_test[order]
    eval_acc = accuracy(bn_model, xs, ys)
    train_mode = []
    for b in cfg["train_mode_batches"]:
        m = clone(bn_model)  # train-mode forward passes also move the running statistics: use a copy
        m.train()
        n = (len(xs) // b) * b  # whole batches only (a last batch of 1 would raise)
        pred = predict(m, xs[:n], batch_size=b).argmax(1)
        train_mode.append(float((pred == ys[:n]).mean()))
    m = clone(bn_model)
    before = m.state_dict()["1.running_mean"].numpy().copy()
    m.train()
    try:
        with mg.no_grad():
            m(mg.from_numpy(xs[:1]))
        batch_of_one = "no error"
    except ValueError as err:  # BatchNorm cannot normalise one value per channel
        batch_of_one = str(err)
    m = clone(bn_model)
    m.train()
    predict(m, xs, batch_size=100)  # "inference" forgetting model.eval(): the running stats move too
    moved = float(np.abs(m.state_dict()["1.running_mean"].numpy() - before).max())
    # eval() mode really is independent of the batch: one image at a time gives the same scores
    k = min(200, len(xs))
    bn_model.eval()
    one_by_one = np.concatenate([predict(bn_model, xs[i : i + 1]) for i in range(k)])
    all_at_once = predict(bn_model, xs[:k], batch_size=k)
    bn_model.train()
    out["train_mode"] = {
        "batch_size": list(cfg["train_mode_batches"]),
        "accuracy": train_mode,
        "eval_mode_accuracy": eval_acc,
        "batch_of_one": batch_of_one,
        "running_mean_moved_by_train_mode_inference": moved,
        "eval_mode_max_diff_batch1_vs_batch": float(np.abs(one_by_one - all_at_once).max()),
    }

    # (c) one image, many batch-mates: p(true class) in train mode, batches of 4
    img, label = x_test[0], int(y_test[0])
    m = clone(bn_model)
    m.train()
    probs = []
    for _ in range(cfg["batch_mates_trials"]):
        mates = x_test[rng.choice(np.arange(1, len(x_test)), size=3, replace=False)]
        scores = predict(m, np.concatenate([img[None], mates]))
        probs.append(float(softmax(scores[0])[label]))
    bn_model.eval()
    p_eval = float(softmax(predict(bn_model, img[None])[0])[label])
    bn_model.train()
    out["batch_mates"] = {"label": label, "batch_size": 4, "p_true_train_mode": probs, "p_true_eval_mode": p_eval}

    # (d) folding each BatchNorm into the Linear before it
    bn_model.eval()
    mods = list(bn_model)
    fused_layers, i = [], 0
    while i < len(mods):
        if isinstance(mods[i], nn.Linear) and i + 1 < len(mods) and isinstance(mods[i + 1], nn.BatchNorm1d):
            fused_layers.append(fuse_batchnorm(mods[i], mods[i + 1]))
            i += 2
        else:
            fused_layers.append(mods[i])
            i += 1
    fused = nn.Sequential(*fused_layers)
    fused.eval()
    z_bn, z_fused = predict(bn_model, x_test), predict(fused, x_test)
    timing = {}
    for name, m in (("with_bn", bn_model), ("fused", fused)):
        ts = []
        for _ in range(5):
            t0 = time.perf_counter()
            predict(m, x_test)
            ts.append(time.perf_counter() - t0)
        timing[name] = float(np.median(ts))
    bn_model.train()
    pick = rng.choice(z_bn.size, size=min(3000, z_bn.size), replace=False)
    out["fusion"] = {
        "layers_before": len(mods),
        "layers_after": len(fused_layers),
        "max_abs_diff": float(np.abs(z_bn - z_fused).max()),
        "max_abs_logit": float(np.abs(z_bn).max()),
        "accuracy_bn": float((z_bn.argmax(1) == y_test).mean()),
        "accuracy_fused": float((z_fused.argmax(1) == y_test).mean()),
        "same_predictions": float((z_bn.argmax(1) == z_fused.argmax(1)).mean()),
        "inference_s_test_set": timing,
        "sample_logits_bn": z_bn.ravel()[pick].tolist(),
        "sample_logits_fused": z_fused.ravel()[pick].tolist(),
    }
    return out


def plot_train_vs_eval(rec, out):
    plt = pyplot()
    fig, axes = plt.subplots(2, 2, figsize=(13, 9.5))

    ax = axes[0, 0]
    rs = rec["running_stats"]
    steps = np.arange(1, len(rs["batch_mean"]) + 1)
    ax.plot(steps, rs["batch_mean"], ".", color="tab:gray", ms=4, label="mean of this batch (60 images)")
    ax.plot(steps, rs["running_mean"], color="tab:red", lw=2, label=f"running_mean (momentum {rs['momentum']})")
    ax.axhline(
        rs["population_mean_at_last_step_shown"],
        color="k",
        ls="--",
        lw=1,
        label=f"mean over all training images, weights of step {len(steps)}",
    )
    ax.set_xlabel("training step")
    ax.set_ylabel(f"BN input of unit {rs['unit']}, last hidden layer")
    ax.set_title("(a) Training: running statistics follow the batch statistics")
    ax.text(
        0.98,
        0.04,
        f"end of training: running_mean {rs['final_running_mean']:.3f}, "
        f"population {rs['population_mean']:.3f}\nrunning_var {rs['final_running_var']:.3f}, "
        f"population {rs['population_var']:.3f}",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=9,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
    )
    ax.legend(loc="center right", fontsize=9)
    ax.grid(alpha=0.3)

    ax = axes[0, 1]
    tm = rec["train_mode"]
    ax.semilogx(
        tm["batch_size"],
        [100 * a for a in tm["accuracy"]],
        "o-",
        color="tab:red",
        lw=2,
        base=2,
        label="left in train(): batch statistics",
    )
    ax.axhline(100 * tm["eval_mode_accuracy"], color="tab:green", lw=2, label="eval(): running statistics, any batch")
    ax.set_xticks(tm["batch_size"])
    ax.set_xticklabels([str(b) for b in tm["batch_size"]])
    ax.set_xlabel("test batch size")
    ax.set_ylabel("test accuracy (%)")
    ax.set_title("(b) Inference: forgetting model.eval()")
    msg = tm["batch_of_one"].split(", got")[0]
    ax.text(
        0.98,
        0.04,
        f'a batch of 1 in train() raises ValueError:\n"{msg}"',
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=8.5,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
    )
    ax.legend(loc="center right", fontsize=9)
    ax.grid(alpha=0.3)

    ax = axes[1, 0]
    bm = rec["batch_mates"]
    ax.hist(
        bm["p_true_train_mode"],
        bins=20,
        range=(0, 1),
        color="tab:red",
        alpha=0.7,
        label=f"train(): {len(bm['p_true_train_mode'])} batches of {bm['batch_size']}, random batch-mates",
    )
    ax.axvline(bm["p_true_eval_mode"], color="tab:green", lw=2.5, label="eval(): the same in every batch")
    ax.set_xlabel("predicted probability of the true class")
    ax.set_ylabel("number of batches")
    ax.set_title("(c) One test image: its prediction depends on its batch-mates in train()")
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3)

    ax = axes[1, 1]
    fu = rec["fusion"]
    a, b = np.array(fu["sample_logits_bn"]), np.array(fu["sample_logits_fused"])
    lim = [min(a.min(), b.min()), max(a.max(), b.max())]
    ax.plot(lim, lim, color="0.6", lw=0.8, label="y = x", zorder=1)
    ax.plot(a, b, "o", ms=3, alpha=0.5, color="tab:purple", label="one test image, one class", zorder=2)
    ax.set_xlabel("class score, Linear -> BatchNorm1d (eval)")
    ax.set_ylabel("class score, fused Linear (no BatchNorm)")
    ax.set_title("(d) Folding BN into the previous layer (fuse_batchnorm)")
    t = fu["inference_s_test_set"]
    ax.text(
        0.98,
        0.04,
        f"{fu['layers_before']} layers -> {fu['layers_after']}\n"
        f"max |difference| = {fu['max_abs_diff']:.1e}\n"
        f"test accuracy {100 * fu['accuracy_bn']:.2f}% -> {100 * fu['accuracy_fused']:.2f}%\n"
        f"test set forward: {1e3 * t['with_bn']:.0f} ms -> {1e3 * t['fused']:.0f} ms",
        transform=ax.transAxes,
        ha="right",
        va="bottom",
        fontsize=9,
        bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
    )
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.3)
    fig.suptitle(
        "BatchNorm behaves differently in training and in evaluation (the sigmoid network with BN from figure 1)",
        fontsize=12,
    )
    fig.tight_layout()
    return save_figure(fig, out, "train_vs_eval.png")


# --------------------------------------------------------------------------------------------------
# Experiment 3: a bad initialisation, with and without BN
# --------------------------------------------------------------------------------------------------


def bad_init(data, cfg, seed, depth, init_std, lr, show_progress):
    x_train, y_train, _, _ = data
    # this experiment zero-centres and scales the pixels (lecture section 2): the failure without BN
    # comes from the initialisation, not from the data
    mean, std = float(x_train.mean()), float(x_train.std())
    xs = ((x_train - mean) / std).astype(np.float32)
    probe_batch = mg.from_numpy(xs[:500])
    out = {"depth": depth, "width": 100, "init": f"N(0, {init_std}$^2$)", "lr": lr, "momentum": 0.9}
    for use_bn in (False, True):
        key = "bn" if use_bn else "plain"
        model = mlp((100,) * depth, nn.Tanh, batchnorm=use_bn)
        init.apply_(model, f"normal({init_std})", bias=0.0, generator=seed)
        stds = []
        hooks = [
            m.register_forward_hook(lambda m, i, o, stds=stds: stds.append(float(o.detach().numpy().std())))
            for m in model.modules()
            if isinstance(m, nn.Tanh)
        ]
        with mg.no_grad():
            model(probe_batch)  # training mode: BN uses this batch's statistics, as in the first step
        for h in hooks:
            h.remove()
        opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        loader = DataLoader(TensorDataset(xs, y_train), batch_size=64, shuffle=True, seed=seed)
        losses = []
        steps = cfg["bad_steps"]
        bar = progress(
            batches(loader, steps),
            total=steps,
            desc=f"bad init, {'with' if use_bn else 'without'} BN",
            disable=None if show_progress else True,
        )
        for xb, yb in bar:
            loss = F.cross_entropy(model(xb), yb)
            opt.zero_grad()
            loss.backward()
            opt.step()
            losses.append(loss.item())
        out[key] = {"activation_std_at_init": stds, "loss": losses}
    return out


def moving_average(values, window):
    values = np.asarray(values, dtype=np.float64)
    c = np.concatenate([[0.0], np.cumsum(values)])
    idx = np.arange(1, len(values) + 1)
    lo = np.maximum(0, idx - window)
    return (c[idx] - c[lo]) / (idx - lo)


def plot_bad_init(rec, out):
    plt = pyplot()
    fig, (ax_l, ax_s) = plt.subplots(1, 2, figsize=(13, 4.6))
    window = max(1, len(rec["plain"]["loss"]) // 30)
    for key, label, color in (("plain", "without BN", "tab:blue"), ("bn", "with BN", "tab:red")):
        loss = rec[key]["loss"]
        steps = np.arange(1, len(loss) + 1)
        ax_l.plot(steps, loss, color=color, alpha=0.2, lw=0.8)
        ax_l.plot(steps, moving_average(loss, window), color=color, lw=2, label=f"{label} ({window}-step average)")
        stds = rec[key]["activation_std_at_init"]
        ax_s.semilogy(np.arange(1, len(stds) + 1), stds, "o-", color=color, lw=2, label=label)
    ax_l.axhline(np.log(10), color="k", ls=":", lw=1, label="ln 10: guessing uniformly")
    ax_l.set_xlabel("training step (batch of 64)")
    ax_l.set_ylabel("training loss (cross-entropy)")
    ax_l.set_title("Training loss")
    ax_l.set_ylim(0, max(3.0, ax_l.get_ylim()[1]))
    ax_l.legend(loc="center right")
    ax_l.grid(alpha=0.3)
    ax_s.set_xlabel("hidden layer")
    ax_s.set_ylabel("std of the tanh outputs (log scale)")
    ax_s.set_title("Activations at initialisation (500 training images)")
    ax_s.set_xticks(np.arange(1, rec["depth"] + 1))
    ax_s.legend()
    ax_s.grid(alpha=0.3, which="both")
    fig.suptitle(
        f"{rec['depth']} tanh layers of {rec['width']}, weights {rec['init']}, biases 0, "
        f"SGD lr {rec['lr']} momentum {rec['momentum']}: the same initial weights with and without "
        "BatchNorm1d after every Linear",
        fontsize=11,
    )
    fig.tight_layout()
    return save_figure(fig, out, "bad_init.png")


# --------------------------------------------------------------------------------------------------


def main(argv=None):
    p = parser(NAME, __doc__.split("\n\n")[0])
    p.add_argument("--unit", type=int, default=0, help="the last-hidden-layer unit whose sigmoid input is tracked")
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate of the figure 1 networks")
    p.add_argument("--init-std", type=float, default=0.1, help="std of the Gaussian initial weights (figure 1)")
    p.add_argument("--steps", type=int, default=None, help="figure 1 training steps (default 8000; --quick 300)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    args = p.parse_args(argv)
    cfg = dict(SETTINGS["quick" if args.quick else "full"])
    if args.steps:
        cfg["is_steps"] = args.steps
    t_start = time.perf_counter()
    mg.manual_seed(args.seed)

    x_train, y_train = load_fashion_mnist(split="train", flatten=True)
    x_test, y_test = load_fashion_mnist(split="test", flatten=True)
    if cfg["train_size"]:
        x_train, y_train = x_train[: cfg["train_size"]], y_train[: cfg["train_size"]]
        x_test, y_test = x_test[: cfg["test_size"]], y_test[: cfg["test_size"]]
    data = (x_train, y_train, x_test, y_test)
    show = not args.no_progress
    timing = {"load_data": time.perf_counter() - t_start}

    with single_threaded():
        t0 = time.perf_counter()
        fig1, bn_model, stat_probe = ioffe_szegedy(data, cfg, args.seed, args.unit, args.lr, args.init_std, show)
        timing["ioffe_szegedy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tve = train_vs_eval(bn_model, stat_probe, data, cfg, args.seed, args.unit)
        timing["train_vs_eval"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        bad = bad_init(data, cfg, args.seed, depth=10, init_std=0.01, lr=0.01, show_progress=show)
        timing["bad_init"] = time.perf_counter() - t0

    is_text = (
        f"784-100-100-100-10 sigmoid, weights N(0, {args.init_std}$^2$), SGD lr {args.lr}, batch 60, "
        f"{cfg['is_steps']} steps ({cfg['is_steps'] * 60 / len(x_train):.3g} epochs of "
        f"{len(x_train)} images), tested on {len(x_test)}"
    )
    plot_ioffe_szegedy(fig1, is_text, args.out)
    plot_train_vs_eval(tve, args.out)
    plot_bad_init(bad, args.out)
    timing["total"] = time.perf_counter() - t_start

    record = {
        "ioffe_szegedy": {
            "percentiles": list(PERCENTILES),
            "unit": args.unit,
            "description": is_text,
            **{k: {kk: vv for kk, vv in v.items()} for k, v in fig1.items()},
        },
        "train_vs_eval": tve,
        "bad_init": bad,
        "config": {
            "seed": args.seed,
            "quick": args.quick,
            "lr": args.lr,
            "init_std": args.init_std,
            **cfg,
            "train_size": len(x_train),
            "test_size": len(x_test),
        },
        "timing_s": {k: round(v, 2) for k, v in timing.items()},
    }
    save_json(record, args.out, f"{NAME}.json")

    pl, bn = fig1["plain"], fig1["bn"]
    print(
        f"Figure 1 ({cfg['is_steps']} steps): test accuracy without BN {100 * pl['test_accuracy'][-1]:.2f}%, "
        f"with BN {100 * bn['test_accuracy'][-1]:.2f}%"
    )
    for key, r in (("without BN", pl), ("with BN", bn)):
        first, last = r["percentiles"][0], r["percentiles"][-1]
        print(
            f"  sigmoid input of unit {args.unit}, {key}: 15/50/85th percentiles "
            f"{first[0]:+.2f}/{first[1]:+.2f}/{first[2]:+.2f} at step {r['step'][0]}, "
            f"{last[0]:+.2f}/{last[1]:+.2f}/{last[2]:+.2f} at step {r['step'][-1]} "
            f"(the median moved by {r['median_drift']:.2f})"
        )
    tm = tve["train_mode"]
    print(
        f"Train vs eval: eval() accuracy {100 * tm['eval_mode_accuracy']:.2f}% at any batch size; left in train(): "
        + ", ".join(f"{100 * a:.1f}% (batch {b})" for b, a in zip(tm["batch_size"], tm["accuracy"]))
    )
    print(f"  batch of one in train(): {tm['batch_of_one'].split('. ')[0]}")
    fu = tve["fusion"]
    print(
        f"  fuse_batchnorm: {fu['layers_before']} -> {fu['layers_after']} layers, max |score difference| "
        f"{fu['max_abs_diff']:.1e}, accuracy {100 * fu['accuracy_bn']:.2f}% -> {100 * fu['accuracy_fused']:.2f}%"
    )
    print(
        f"Bad init ({bad['depth']} tanh layers, N(0, {0.01}^2)): final loss without BN "
        f"{np.mean(bad['plain']['loss'][-20:]):.3f}, with BN {np.mean(bad['bn']['loss'][-20:]):.3f}; "
        f"last-layer activation std at init {bad['plain']['activation_std_at_init'][-1]:.1e} vs "
        f"{bad['bn']['activation_std_at_init'][-1]:.2f}"
    )
    print(f"time: {timing['total']:.1f} s")
    return record


if __name__ == "__main__":
    main()
