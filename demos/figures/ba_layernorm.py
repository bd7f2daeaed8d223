"""The figure of demos/reproductions/ba_layernorm.py: test error against batch size, and during training."""

import numpy as np
from common import moving_average, pyplot

COLORS = {"LayerNorm": "tab:orange", "BatchNorm": "tab:blue", "none": "tab:gray"}


def ba_layernorm(record):
    cfg = record["config"]
    title = (
        f"Ba et al. (2016), figure 6, on Fashion-MNIST: MLP 784-{cfg['hidden']}-{cfg['hidden']}-10, norm + ReLU after "
        "each hidden Linear, Adam lr 1e-3,\nthe same images in the same order at every batch size "
        "(BatchNorm tested in eval mode, with its running averages)"
    )
    return error_against_batch_size(record, COLORS, title)


def error_against_batch_size(record, colors, title):
    """Final test error against batch size, and test error and training loss during training at the
    smallest and largest batch: record["runs"][norm][batch size] = a training curve."""
    plt = pyplot()
    cfg, runs = record["config"], record["runs"]
    sizes = cfg["batch_sizes"]
    fig, axes = plt.subplots(1, 3, figsize=(18, 5), gridspec_kw={"width_ratios": [1, 1.2, 1.2]})
    ax = axes[0]
    xs = np.arange(len(sizes))
    for name, r in runs.items():
        errors = [100 * r[str(b)]["final_error"] for b in sizes]
        ax.plot(
            xs,
            errors,
            "o-",
            color=colors[name],
            lw=2.5,
            ms=8,
            label=f"{name}: " + " / ".join(f"{e:.1f}%" for e in errors),
        )
    ax.set_xticks(xs, [str(b) for b in sizes])
    ax.set_xlabel("batch size")
    ax.set_ylabel("test error (%)")
    ax.set_title(f"After the same {cfg['examples']} training images")
    ax.legend(title="test error at batch " + " / ".join(map(str, sizes)), fontsize=9)
    ax.grid(alpha=0.3)
    ax_err, ax_loss = axes[1:]
    for b, style in ((sizes[-1], "-"), (sizes[0], "--")):
        for name, r in runs.items():
            c = r[str(b)]
            label = f"{name}, batch {b}"
            ax_err.plot(c["examples_seen"], 100 * np.asarray(c["error"]), style, color=colors[name], lw=2, label=label)
            seen = b * np.arange(1, len(c["loss"]) + 1)
            ax_loss.plot(
                seen,
                moving_average(c["loss"], max(1, len(c["loss"]) // 20)),
                style,
                color=colors[name],
                lw=2,
                label=label,
            )
    ax_err.set_ylim(0, 100)
    ax_err.set_ylabel("test error (%)")
    ax_err.set_title(f"Test error during training: batch {sizes[-1]} (solid), {sizes[0]} (dashed)")
    ax_loss.axhline(np.log(10), color="k", ls=":", lw=1, label="ln 10: chance")
    ax_loss.set_ylim(0, 2.6)
    ax_loss.set_ylabel("training loss (moving average)")
    ax_loss.set_title("Training loss, on the training batches (BatchNorm in train mode)")
    for ax in (ax_err, ax_loss):
        ax.set_xlabel("training images seen")
        ax.legend(fontsize=8, ncol=2)
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return fig
