"""The figure of demos/reproductions/he_deep_relu.py: training loss and activation std per layer."""

import numpy as np
from common import moving_average, pyplot

COLORS = {"Xavier, var 1/n": "tab:blue", "He, var 2/n": "tab:red"}


def he_deep_relu(record):
    plt = pyplot()
    cfg, runs = record["config"], record["runs"]
    fig, (ax_loss, ax_err, ax_std) = plt.subplots(1, 3, figsize=(17, 4.8))
    window = max(1, cfg["steps"] // 40)
    for name, r in runs.items():
        color = COLORS[name]
        steps = np.arange(1, len(r["loss"]) + 1)
        ax_loss.plot(steps, r["loss"], color=color, alpha=0.2, lw=0.8)
        ax_loss.plot(steps, moving_average(r["loss"], window), color=color, lw=2, label=f"{name} ({window}-step mean)")
        ax_err.plot(r["step"], 100 * np.asarray(r["error"]), "o-", ms=3, color=color, lw=2, label=name)
        stds = r["relu_output_std_at_init"]
        ax_std.semilogy(np.arange(1, len(stds) + 1), stds, "o-", ms=4, color=color, lw=2, label=name)
    ax_loss.axhline(np.log(10), color="k", ls=":", lw=1, label="ln 10: chance")
    ax_loss.set_ylim(0, 3)
    ax_loss.set_xlabel(f"SGD step (batch of {cfg['batch']})")
    ax_loss.set_ylabel("training loss (cross-entropy)")
    ax_loss.set_title("Training loss")
    ax_loss.legend()
    ax_err.axhline(90, color="k", ls=":", lw=1, label="chance: 90%")
    ax_err.set_ylim(0, 100)
    ax_err.set_xlabel(f"SGD step (batch of {cfg['batch']})")
    ax_err.set_ylabel(f"test error (%, {cfg['test']} images)")
    ax_err.set_title("Test error")
    ax_err.legend()
    ax_std.set_xlabel("hidden layer")
    ax_std.set_ylabel("std of the ReLU output (log scale)")
    ax_std.set_title("At initialisation, on 500 training images:\nXavier halves the variance at every layer")
    ax_std.legend()
    for ax in (ax_loss, ax_err, ax_std):
        ax.grid(alpha=0.3, which="both")
    fig.suptitle(
        f"He et al. (2015), figure 3, on Fashion-MNIST: a {cfg['layers']}-weight-layer ReLU MLP (hidden width "
        f"{cfg['width']}, biases 0), SGD lr {cfg['lr']} momentum 0.9, the same batches for both initialisations",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
