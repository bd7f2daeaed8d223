"""The figures of demos/batchnorm.py: Ioffe & Szegedy's figure 1, training versus evaluation, a bad init."""

import numpy as np
from common import moving_average, pyplot


def ioffe_szegedy_fig1(rec, percentiles, cfg_text):
    """rec: {"plain": ..., "bn": ...}, each with the steps, test accuracies and sigmoid-input percentiles."""
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
        for i, (q, style) in enumerate(zip(percentiles, ("--", "-", ":"))):
            ax.plot(r["step"], p[:, i], "k", ls=style, lw=1.8 if q == 50 else 1.2, label=f"{q}th percentile")
        ax.set_ylim(lo - pad, hi + pad)
        ax.set_xlabel("training step (batch of 60)")
        ax.set_ylabel("input to the sigmoid")
        ax.set_title(f"{title}: one last-layer unit's sigmoid input")
        ax.grid(alpha=0.3)
        ax.legend(loc="best", fontsize=9)
    fig.suptitle(f"Ioffe & Szegedy (2015), figure 1, on Fashion-MNIST: {cfg_text}", fontsize=11)
    fig.tight_layout()
    return fig  # "ioffe_szegedy_fig1.png"


def train_vs_eval(rec):
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
    return fig  # "train_vs_eval.png"


def bad_init(rec):
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
    return fig  # "bad_init.png"
