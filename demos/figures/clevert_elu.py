"""The figure of demos/reproductions/clevert_elu.py: the median unit's mean activation, and the training loss."""

import numpy as np
from common import moving_average, pyplot

COLORS = {"ELU": "tab:red", "ReLU": "tab:blue", "LeakyReLU": "tab:green"}


def clevert_elu(record):
    plt = pyplot()
    cfg, runs = record["config"], record["runs"]
    fig, (ax_mean, ax_layers, ax_loss) = plt.subplots(1, 3, figsize=(18, 5))
    for name, r in runs.items():
        color = COLORS[name]
        ax_mean.plot(r["epoch"], r["median_unit_mean"], "o-", ms=4, color=color, lw=2, label=name)
        per_layer = np.asarray(r["median_unit_mean_per_layer"])[-1]
        ax_layers.plot(np.arange(1, len(per_layer) + 1), per_layer, "o-", color=color, lw=2, label=name)
        steps = len(r["loss"])
        epochs = np.arange(1, steps + 1) / (steps / cfg["epochs"])
        ax_loss.plot(epochs, moving_average(r["loss"], max(1, steps // 30)), color=color, lw=2, label=name)
    ax_mean.axhline(0, color="k", lw=0.8)
    ax_mean.set_xlabel("epoch")
    ax_mean.set_ylabel("median over all 1024 hidden units of the unit's mean output")
    ax_mean.set_title("(a) Median unit's mean activation (their figure 1a)")
    ax_layers.axhline(0, color="k", lw=0.8)
    ax_layers.set_xlabel("hidden layer")
    ax_layers.set_ylabel("median of the layer's unit means")
    ax_layers.set_title(f"The same per layer, after {cfg['epochs']} epochs")
    ax_loss.set_xlabel("epoch")
    ax_loss.set_ylabel("training loss (moving average)")
    ax_loss.set_title("(b) Training loss (their figure 1b)")
    for ax in (ax_mean, ax_layers, ax_loss):
        ax.legend()
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"Clevert et al. (2015), figure 1, on Fashion-MNIST: MLP with 8 hidden layers of 128, He init, plain SGD lr "
        f"{cfg['lr']}, batch {cfg['batch']}, {cfg['train']} standardised images; unit means over {cfg['probe']} images",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
