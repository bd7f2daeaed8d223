"""The figure of demos/reproductions/he_prelu.py: PReLU slopes per layer, with and without weight decay on them."""

import numpy as np
from common import pyplot

COLORS = ["tab:red", "tab:orange", "tab:blue", "tab:purple"]


def he_prelu(record):
    plt = pyplot()
    cfg, runs = record["config"], record["runs"]
    fig, (ax_final, ax_time) = plt.subplots(1, 2, figsize=(15, 5.2))
    layers = np.arange(1, cfg["depth"] + 1)
    for (name, r), color in zip(runs.items(), COLORS):
        label = f"{name} (test error {100 * r['final_error']:.1f}%)"
        ax_final.plot(layers, r["final_slope"], "o-", color=color, lw=2, ms=7, label=label)
        if r["per_layer"] > 1:  # one slope per unit: their spread in each layer
            mean, spread = np.asarray(r["final_slope"]), np.asarray(r["final_slope_spread"])
            ax_final.fill_between(layers, mean - spread, mean + spread, color=color, alpha=0.15)
        history = np.asarray(r["curve"]["measured"])
        for layer, style in ((0, "-"), (cfg["depth"] - 1, "--")):
            ax_time.plot(r["curve"]["step"], history[:, layer], style, color=color, lw=2)
    ax_final.axhline(0.25, color="k", ls=":", lw=1, label="the initial slope, 0.25")
    ax_final.axhline(0, color="k", lw=0.8)
    ax_final.set_xlabel("hidden layer")
    ax_final.set_ylabel("learned slope a (channel-wise: mean +- std over the layer's units)")
    ax_final.set_title(f"Slopes after {cfg['steps']} steps (their table 1)")
    ax_final.legend(fontsize=8.5)
    ax_time.plot([], [], "k-", label="layer 1")
    ax_time.plot([], [], "k--", label=f"layer {cfg['depth']}")
    ax_time.axhline(0, color="k", lw=0.8)
    ax_time.set_xlabel("SGD step (batch of 128)")
    ax_time.set_ylabel("slope a (mean over the layer)")
    ax_time.set_title("During training, the first and the last PReLU layer (colours as on the left)")
    ax_time.legend()
    for ax in (ax_final, ax_time):
        ax.grid(alpha=0.3)
    fig.suptitle(
        f"He et al. (2015), PReLU on Fashion-MNIST: MLP with {cfg['depth']} hidden layers of 128, He init, SGD lr "
        f"{cfg['lr']} momentum 0.9, weight decay 5e-4 on the weights; slopes start at 0.25",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
