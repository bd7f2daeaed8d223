"""The figure of demos/reproductions/ioffe_szegedy_rates.py: test error against the learning rate."""

import numpy as np
from common import pyplot

COLORS = {"plain": "tab:blue", "bn": "tab:red"}
LABELS = {"plain": "without BN", "bn": "with BatchNorm1d"}


def ioffe_szegedy_rates(record):
    plt = pyplot()
    cfg, runs = record["config"], record["runs"]
    fig, (ax, ax_curve) = plt.subplots(1, 2, figsize=(14, 5))
    for key, r in runs.items():
        rates = [float(lr) for lr in r]
        errors = [100 * c["final_error"] if not c["diverged"] else np.nan for c in r.values()]
        ax.semilogx(rates, errors, "o-", color=COLORS[key], lw=2, ms=7, label=LABELS[key])
        blown = [lr for lr, c in zip(rates, r.values()) if c["diverged"]]
        ax.plot(blown, [100] * len(blown), "x", color=COLORS[key], ms=12, mew=3)
    ax.plot([], [], "kx", ms=10, mew=3, label="diverged (the loss blew up)")
    ax.axhline(90, color="k", ls=":", lw=1, label="chance: 90%")
    ax.set_ylim(0, 104)
    ax.set_xlabel("learning rate (plain SGD, log scale)")
    ax.set_ylabel(f"test error after {cfg['steps']} steps (%)")
    ax.set_title("Test error at each learning rate")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    # the training curves at the plain network's best rate and at the largest rate BN still learns at
    learns = [float(lr) for lr, c in runs["bn"].items() if not c["diverged"] and c["final_error"] < 0.5]
    rates = (record["best_lr_plain"], max(learns))
    for key, r in runs.items():
        for lr, style in zip(rates, ("-", "--")):
            c = r[str(lr)]
            label = f"{LABELS[key]}, lr {lr:g}" + (f" (diverged at step {len(c['loss'])})" if c["diverged"] else "")
            ax_curve.plot(c["step"], 100 * np.asarray(c["error"]), style, color=COLORS[key], lw=2, label=label)
            if c["diverged"]:
                ax_curve.plot([len(c["loss"])], [100], "x", color=COLORS[key], ms=12, mew=3)
    ax_curve.axhline(90, color="k", ls=":", lw=1)
    ax_curve.set_ylim(0, 104)
    ax_curve.set_xlabel("SGD step (batch of 60)")
    ax_curve.set_ylabel("test error (%)")
    ax_curve.set_title(f"During training, at lr {rates[0]:g} (solid) and lr {rates[1]:g} (dashed)")
    ax_curve.legend(fontsize=9)
    ax_curve.grid(alpha=0.3)
    fig.suptitle(
        "Ioffe & Szegedy (2015): BatchNorm tolerates learning rates that make the same network diverge without it\n"
        "ReLU MLP 784-100-100-100-10, He init, Fashion-MNIST (standardised), plain SGD, the same batches in every run",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
