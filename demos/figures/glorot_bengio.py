"""The figures of demos/reproductions/glorot_bengio.py: activations during training, histograms at init."""

import numpy as np
from common import pyplot

LAYER_COLORS = ["tab:blue", "tab:orange", "tab:green", "tab:red", "tab:purple"]


def activations_during_training(record):
    plt = pyplot()
    rec, cfg = record["sigmoid_training"], record["config"]
    fig, (ax, ax_err) = plt.subplots(1, 2, figsize=(14, 4.8), gridspec_kw={"width_ratios": [1.6, 1]})
    steps = np.array(rec["step"])
    mean, std = np.array(rec["mean"]), np.array(rec["std"])
    for layer in range(mean.shape[1]):
        color = LAYER_COLORS[layer]
        top = " (top)" if layer == mean.shape[1] - 1 else ""
        ax.plot(steps, mean[:, layer], color=color, lw=2, label=f"hidden layer {layer + 1}{top}")
        ax.fill_between(steps, mean[:, layer] - std[:, layer], mean[:, layer] + std[:, layer], color=color, alpha=0.12)
    ax.set_ylim(0, 1)
    ax.set_xlabel("SGD step (batch of 10)")
    ax.set_ylabel("sigmoid output on 300 test images")
    ax.set_title("Mean (line) and mean +- std (band) of each hidden layer's outputs")
    ax.legend(loc="center right", bbox_to_anchor=(1.0, 0.27))
    ax.grid(alpha=0.3)
    ax_err.plot(steps, 100 * np.array(rec["test_error"]), color="k", lw=2)
    ax_err.set_xlabel("SGD step (batch of 10)")
    ax_err.set_ylabel("test error (%)")
    ax_err.set_title("Test error")
    ax_err.set_ylim(0, 100)
    ax_err.grid(alpha=0.3)
    fig.suptitle(
        f"Glorot & Bengio (2010), figure 2, on Fashion-MNIST: sigmoid MLP 784-{'-'.join([str(cfg['width'])] * 4)}-10, "
        f"W ~ U[-1/sqrt(n), 1/sqrt(n)], plain SGD lr {cfg['lr']}",
        fontsize=11,
    )
    fig.tight_layout()
    return fig


def init_histograms(record):
    plt = pyplot()
    res, cfg = record["tanh_at_init"], record["config"]
    columns = (
        ("act_hist", "act", "act_std", "activation value (tanh output)", "Activations (their figure 6)"),
        (
            "grad_hist",
            "grad",
            "grad_std",
            "dL/dz, back-propagated to layer's pre-activation",
            "Back-propagated gradients (figure 7)",
        ),
        ("weight_grad_hist", "wgrad", "weight_grad_std", "dL/dW", "Weight gradients (figure 8)"),
    )
    fig, axes = plt.subplots(2, 3, figsize=(17, 8.5))
    labels = {"standard": "standard init U[-1/sqrt(n), 1/sqrt(n)]", "normalised": "normalised (Xavier) init"}
    for row, (name, s) in zip(axes, res.items()):
        for ax, (hist, edge, std_key, xlabel, title) in zip(row, columns):
            edges = np.asarray(s["edges"][edge])
            centres = (edges[:-1] + edges[1:]) / 2
            for layer, h in enumerate(s[hist]):
                std = s[std_key][layer]
                ax.plot(
                    centres,
                    100 * np.asarray(h),
                    color=LAYER_COLORS[layer],
                    lw=1.8,
                    label=f"layer {layer + 1}: std {std:.2g}",
                )
            ax.set_xlabel(xlabel)
            ax.set_ylabel("% of values")
            ax.set_title(f"{title}\n{labels[name]}", fontsize=10)
            ax.legend(fontsize=8)
            ax.grid(alpha=0.3)
        row[1].text(
            0.02,
            0.97,
            f"std layer 1 / layer 5: {s['grad_std_first_over_last']:.2f}",
            transform=row[1].transAxes,
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
        )
        row[2].text(
            0.02,
            0.97,
            f"largest / smallest std: {s['weight_grad_std_max_over_min']:.2f}",
            transform=row[2].transAxes,
            va="top",
            fontsize=9,
            bbox={"facecolor": "white", "alpha": 0.85, "edgecolor": "0.8"},
        )
    fig.suptitle(
        f"Glorot & Bengio (2010), figures 6-8: tanh MLP with 5 hidden layers of {cfg['deep_width']} at initialisation, "
        "one batch of 1000 standardised Fashion-MNIST training images, cross-entropy loss",
        fontsize=11,
    )
    fig.tight_layout()
    return fig
