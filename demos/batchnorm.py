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
from common import accuracy, bar, fashion, mlp, parser, predict, save_outputs, shuffled_batches, single_threaded, train
from figures import batchnorm as figures

import minigrad as mg
from minigrad import nn, optim
from minigrad.nn import init
from minigrad.nn.utils import fuse_batchnorm

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


def sigmoid_mlp(batchnorm, device):
    """784-100-100-100-10 with sigmoid hidden units [and a BatchNorm1d before every sigmoid]."""
    return mlp([784, 100, 100, 100, 10], nn.Sigmoid, norm=nn.BatchNorm1d if batchnorm else None, device=device)


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
            self.values.append(inputs[0].detach().cpu().numpy()[:, self.unit].copy())

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
            self.batch_mean.append(float(inputs[0].detach().cpu().numpy()[:, self.unit].mean()))
            self.running_mean.append(float(module.running_mean.cpu().numpy()[self.unit]))


def ioffe_szegedy(data, cfg, seed, unit, lr, init_std, args):
    """Train the sigmoid network with and without BN; return the records and the trained BN model."""
    x_train, y_train, x_test, y_test = data
    results, bn_model, stat_probe = {}, None, None
    for use_bn in (False, True):
        key = "bn" if use_bn else "plain"
        model = sigmoid_mlp(batchnorm=use_bn, device=args.device)
        # the same generator seed: both networks start from the same Linear weights
        init.apply_(model, f"normal({init_std})", bias=0.0, generator=seed)
        opt = optim.SGD(model.parameters(), lr=lr)
        sigmoids = [m for m in model.modules() if isinstance(m, nn.Sigmoid)]
        probe = SigmoidInputProbe(sigmoids[-1], unit)
        if use_bn:
            bn_last = [m for m in model.modules() if isinstance(m, nn.BatchNorm1d)][-1]
            stat_probe = BatchStatsProbe(bn_last, unit, cfg["stat_steps"])
        rec = {"step": [], "test_accuracy": [], "percentiles": []}

        def evaluate(step, model=model, probe=probe, rec=rec, use_bn=use_bn, stat_probe=stat_probe):
            if use_bn and step == cfg["stat_steps"]:  # where the running-statistics panel ends
                stat_probe.population = population_stats(model, stat_probe.bn, x_train, unit)
            if step % cfg["is_eval_every"]:
                return None
            # no evaluation at step 0: the BN network's running statistics are not estimated yet
            probe.armed = True
            rec["test_accuracy"].append(accuracy(model, x_test, y_test))
            probe.armed = False
            rec["percentiles"].append(probe.percentiles())
            rec["step"].append(step)
            return {"test_acc": rec["test_accuracy"][-1]}

        steps = cfg["is_steps"]
        progress = bar(steps, f"fig. 1, {'with' if use_bn else 'without'} BN", args)
        t0 = time.perf_counter()
        batches = shuffled_batches(x_train, y_train, 60, seed, device=args.device)
        rec["loss"], _ = train(model, opt, batches, steps, bar=progress, every=1, evaluate=evaluate)
        progress.close()
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


# --------------------------------------------------------------------------------------------------
# Experiment 2: training versus evaluation
# --------------------------------------------------------------------------------------------------


def population_stats(model, bn, images, unit):
    """Mean and unbiased variance of ``bn``'s input (one unit) over ``images`` with the final weights."""
    seen = []

    def keep(m, inputs, out):
        seen.append(inputs[0].detach().cpu().numpy()[:, unit].copy())

    handle = bn.register_forward_hook(keep)
    model.eval()
    predict(model, images)
    model.train()
    handle.remove()
    v = np.concatenate(seen)
    return float(v.mean()), float(v.var(ddof=1))


def train_vs_eval(bn_model, stat_probe, data, cfg, seed, unit, device):
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
        "final_running_mean": float(bn_last.running_mean.cpu().numpy()[unit]),
        "final_running_var": float(bn_last.running_var.cpu().numpy()[unit]),
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
    before = m.state_dict()["1.running_mean"].cpu().numpy().copy()
    m.train()
    try:
        with mg.no_grad():
            m(mg.tensor(xs[:1], device=device))
        batch_of_one = "no error"
    except ValueError as err:  # BatchNorm cannot normalise one value per channel
        batch_of_one = str(err)
    m = clone(bn_model)
    m.train()
    predict(m, xs, batch_size=100)  # "inference" forgetting model.eval(): the running stats move too
    moved = float(np.abs(m.state_dict()["1.running_mean"].cpu().numpy() - before).max())
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


# --------------------------------------------------------------------------------------------------
# Experiment 3: a bad initialisation, with and without BN
# --------------------------------------------------------------------------------------------------


def bad_init(data, cfg, seed, depth, init_std, lr, args):
    x_train, y_train, _, _ = data
    # this experiment zero-centres and scales the pixels (lecture section 2): the failure without BN
    # comes from the initialisation, not from the data
    mean, std = float(x_train.mean()), float(x_train.std())
    xs = ((x_train - mean) / std).astype(np.float32)
    probe_batch = mg.tensor(xs[:500], device=args.device)
    out = {"depth": depth, "width": 100, "init": f"N(0, {init_std}$^2$)", "lr": lr, "momentum": 0.9}
    for use_bn in (False, True):
        key = "bn" if use_bn else "plain"
        model = mlp([784] + [100] * depth + [10], nn.Tanh, norm=nn.BatchNorm1d if use_bn else None, device=args.device)
        init.apply_(model, f"normal({init_std})", bias=0.0, generator=seed)
        stds = []
        hooks = [
            m.register_forward_hook(lambda m, i, o, stds=stds: stds.append(float(o.detach().cpu().numpy().std())))
            for m in model.modules()
            if isinstance(m, nn.Tanh)
        ]
        with mg.no_grad():
            model(probe_batch)  # training mode: BN uses this batch's statistics, as in the first step
        for h in hooks:
            h.remove()
        opt = optim.SGD(model.parameters(), lr=lr, momentum=0.9)
        progress = bar(cfg["bad_steps"], f"bad init, {'with' if use_bn else 'without'} BN", args)
        batches = shuffled_batches(xs, y_train, 64, seed, device=args.device)
        losses, _ = train(model, opt, batches, cfg["bad_steps"], bar=progress)
        progress.close()
        out[key] = {"activation_std_at_init": stds, "loss": losses}
    return out


# --------------------------------------------------------------------------------------------------


def main(argv=None):
    p = parser(__file__, __doc__)
    p.add_argument("--unit", type=int, default=0, help="the last-hidden-layer unit whose sigmoid input is tracked")
    p.add_argument("--lr", type=float, default=0.1, help="SGD learning rate of the figure 1 networks")
    p.add_argument("--init-std", type=float, default=0.1, help="std of the Gaussian initial weights (figure 1)")
    p.add_argument("--steps", type=int, default=None, help="figure 1 training steps (default 8000; --quick 300)")
    args = p.parse_args(argv)
    cfg = dict(SETTINGS["quick" if args.quick else "full"])
    if args.steps:
        cfg["is_steps"] = args.steps
    t_start = time.perf_counter()
    mg.manual_seed(args.seed)

    data = x_train, y_train, x_test, y_test = fashion(cfg["train_size"], cfg["test_size"])
    timing = {"load_data": time.perf_counter() - t_start}

    with single_threaded():
        t0 = time.perf_counter()
        fig1, bn_model, stat_probe = ioffe_szegedy(data, cfg, args.seed, args.unit, args.lr, args.init_std, args)
        timing["ioffe_szegedy"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        tve = train_vs_eval(bn_model, stat_probe, data, cfg, args.seed, args.unit, args.device)
        timing["train_vs_eval"] = time.perf_counter() - t0
        t0 = time.perf_counter()
        bad = bad_init(data, cfg, args.seed, depth=10, init_std=0.01, lr=0.01, args=args)
        timing["bad_init"] = time.perf_counter() - t0

    is_text = (
        f"784-100-100-100-10 sigmoid, weights N(0, {args.init_std}$^2$), SGD lr {args.lr}, batch 60, "
        f"{cfg['is_steps']} steps ({cfg['is_steps'] * 60 / len(x_train):.3g} epochs of "
        f"{len(x_train)} images), tested on {len(x_test)}"
    )
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
    figs = {
        "ioffe_szegedy_fig1.png": figures.ioffe_szegedy_fig1(fig1, PERCENTILES, is_text),
        "train_vs_eval.png": figures.train_vs_eval(tve),
        "bad_init.png": figures.bad_init(bad),
    }
    return save_outputs(args, record, figs)


if __name__ == "__main__":
    main()
