"""The figure of demos/train_mlp.py: the training loss and the test accuracy."""

from common import pyplot


def loss_curve(record):
    plt = pyplot()
    fig, (ax_loss, ax_acc) = plt.subplots(1, 2, figsize=(11, 4))
    ax_loss.plot(record["step"], record["loss"], color="tab:blue", alpha=0.25, lw=0.8, label="per batch")
    ax_loss.plot(
        record["step"],
        record["loss_smoothed"],
        color="tab:blue",
        lw=2,
        label=f"moving average ({record['smoothing_window']} steps)",
    )
    for boundary in record["epoch_end_steps"][:-1]:
        ax_loss.axvline(boundary, color="grey", ls=":", lw=1)
    ax_loss.set_xlabel("step (batch)")
    ax_loss.set_ylabel("cross-entropy loss")
    ax_loss.set_title("Training loss")
    ax_loss.legend()
    ax_loss.grid(alpha=0.3)

    ax_acc.plot(record["eval_step"], [100 * a for a in record["test_accuracy"]], "o-", color="tab:green")
    ax_acc.set_xlabel("step (batch)")
    ax_acc.set_ylabel("test accuracy (%)")
    ax_acc.set_title(f"Test accuracy (final {100 * record['final_test_accuracy']:.2f}%)")
    ax_acc.grid(alpha=0.3)
    cfg = record["config"]
    fig.suptitle(
        f"MLP {'-'.join(str(w) for w in [784, *cfg['hidden'], 10])} on Fashion-MNIST, "
        f"{cfg['optimizer']} lr={cfg['lr']:g}, batch {cfg['batch_size']}"
    )
    fig.tight_layout()
    return fig
