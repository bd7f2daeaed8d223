"""The figures of demos/preprocessing.py: the point cloud, PCA of Fashion-MNIST, whitening, image conventions."""

import numpy as np
from common import pyplot


def point_cloud(res):
    plt = pyplot()
    stages = res["stages"]
    fig, axes = plt.subplots(1, len(stages), figsize=(4 * len(stages), 4.9))
    colors = ["tab:grey", "tab:blue", "tab:green", "tab:orange", "tab:red"]
    for ax, (name, st), color in zip(axes, stages.items(), colors):
        p = np.asarray(st["points"])
        ax.scatter(p[:, 0], p[:, 1], s=6, color=color, alpha=0.5)
        ax.axhline(0, color="k", lw=0.6)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_xlim(-5.5, 10)
        ax.set_ylim(-5.5, 9)
        ax.set_aspect("equal")
        c = np.asarray(st["cov"]).round(2) + 0.0  # + 0.0: no "-0.00"
        m = np.asarray(st["mean"]).round(2) + 0.0
        ax.set_title(
            f"{name}\nmean ({m[0]:+.2f}, {m[1]:+.2f})\n"
            f"cov [[{c[0, 0]:.2f}, {c[0, 1]:+.2f}], [{c[1, 0]:+.2f}, {c[1, 1]:.2f}]]",
            fontsize=10,
        )
        ax.set_xlabel("feature 1" if name in ("original", "zero-centred", "normalised") else "principal component 1")
        ax.set_ylabel("feature 2" if name in ("original", "zero-centred", "normalised") else "principal component 2")
        ax.grid(alpha=0.25)
        if name == "original":
            mu = np.asarray(res["pca_mean"])
            for vec, lam in zip(np.asarray(res["pca_components"]), res["pca_explained_variance"]):
                tip = mu + 2 * np.sqrt(lam) * vec
                ax.annotate("", xy=tip, xytext=mu, arrowprops={"arrowstyle": "->", "color": "k", "lw": 1.8})
            ax.plot([], [], "k-", label="principal axes (2 std)")
            ax.legend(fontsize=8, loc="upper left")
    axes[0].text(0.02, 0.02, "same axis limits in every panel", transform=axes[0].transAxes, fontsize=8, color="0.3")
    fig.suptitle(
        "Slides 20-21: zero-centre (x - mean), normalise ((x - mean) / std), decorrelate (rotate onto the "
        "covariance's eigenvectors), whiten (and divide by sqrt(eigenvalue): covariance = I)",
        fontsize=14,
    )
    fig.tight_layout()
    return fig  # "point_cloud.png"


def pca_fashion(res):
    plt = pyplot()
    fig = plt.figure(figsize=(16, 9))
    outer = fig.add_gridspec(2, 2, width_ratios=[1, 1.35], height_ratios=[1, 1], hspace=0.35, wspace=0.15)

    ax = fig.add_subplot(outer[0, 0])
    cum = np.asarray(res["explained_variance_ratio_cumulative"])
    k = np.arange(1, len(cum) + 1)
    ax.plot(k, 100 * cum, color="tab:blue", lw=2, label="cumulative explained variance")
    ax2 = ax.twinx()
    ax2.semilogy(
        k, np.asarray(res["explained_variance"]) + 1e-12, color="tab:orange", lw=1.2, label="eigenvalue lambda_k"
    )
    ax2.set_ylabel("eigenvalue lambda_k (variance of component k)", color="tab:orange")
    ax2.set_ylim(1e-7, 100)
    ax2.annotate(
        "last directions: ~0 variance\n(corner pixels always black)",
        (len(cum), 1e-6),
        xytext=(-150, 0),
        textcoords="offset points",
        fontsize=8,
        color="tab:orange",
        va="center",
        arrowprops={"arrowstyle": "->", "color": "tab:orange"},
    )
    for kk, frac in res["variance_explained_by"].items():
        ax.plot(int(kk), 100 * frac, "o", color="tab:blue")
        ax.annotate(
            f"{kk}: {100 * frac:.1f}%", (int(kk), 100 * frac), textcoords="offset points", xytext=(6, -14), fontsize=9
        )
    ax.set_xscale("log")
    ax.set_xlabel("number of principal components k (log scale)")
    ax.set_ylabel("% of the pixel variance explained", color="tab:blue")
    ax.set_title(f"Explained variance (PCA of {res['n_train']} training images, 784 pixels)", fontsize=10)
    ax.grid(alpha=0.3)
    lines = ax.get_legend_handles_labels()[0] + ax2.get_legend_handles_labels()[0]
    ax.legend(lines, [h.get_label() for h in lines], fontsize=8, loc="upper left")

    inner = outer[0, 1].subgridspec(2, 8, wspace=0.05, hspace=0.25)
    comps = np.asarray(res["top_components"])
    for i in range(16):
        a = fig.add_subplot(inner[i // 8, i % 8])
        c = comps[i].reshape(28, 28)
        lim = np.abs(c).max()
        a.imshow(c, cmap="RdBu_r", vmin=-lim, vmax=lim)
        a.set_xticks([])
        a.set_yticks([])
        a.set_title(f"PC {i + 1}", fontsize=8)
        if i == 3:
            a.text(
                1.0,
                1.45,
                "The top 16 principal components (eigenvectors of the pixel covariance), red + / blue -",
                transform=a.transAxes,
                ha="center",
                fontsize=10,
            )

    rows = ["originals"] + [f"{k} components" for k in res["reconstructions"]]
    images = [np.asarray(res["originals"])] + [np.asarray(v) for v in res["reconstructions"].values()]
    n_shown = len(images[0])
    inner = outer[1, :].subgridspec(len(rows), n_shown, wspace=0.05, hspace=0.12)
    errors = res["relative_reconstruction_error_heldout"]
    for r, (label, imgs) in enumerate(zip(rows, images)):
        for j in range(n_shown):
            a = fig.add_subplot(inner[r, j])
            a.imshow(imgs[j].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
            a.set_xticks([])
            a.set_yticks([])
            if j == 0:
                k = label.split()[0]
                text = label if r == 0 else f"{label}\n(error {100 * errors[k]:.1f}%)"
                a.set_ylabel(text, fontsize=8.5, rotation=0, ha="right", va="center")
            if r == 0 and j == n_shown // 2:
                a.set_title(
                    "Held-out images (not used to fit the PCA) and their reconstructions mean + sum_k z_k PC_k from "
                    "the top k components (error: % of their variance left out)",
                    fontsize=10,
                    loc="center",
                    x=0.0,
                )
    fig.suptitle("PCA of Fashion-MNIST (slide 21): a few components hold most of the variance", fontsize=12)
    return fig  # "pca_fashion.png"


def whitening_eps(res):
    plt = pyplot()
    fig = plt.figure(figsize=(16, 7.5))
    outer = fig.add_gridspec(1, 2, width_ratios=[1, 1.4], wspace=0.18)
    left = outer[0].subgridspec(2, 1, hspace=0.45)
    eps_list = res["eps"]
    cmap = plt.get_cmap("viridis")
    colors = [cmap(i / max(1, len(eps_list) - 1)) for i in range(len(eps_list))]

    ax = fig.add_subplot(left[0])
    lam = np.asarray(res["eigenvalues"])
    k = np.arange(1, len(lam) + 1)
    for eps, c in zip(eps_list, colors):
        ax.loglog(k, res["per_eps"][str(eps)]["gains"], color=c, lw=1.8, label=f"eps = {eps:g}")
    ax.set_xlabel("principal component k (sorted by variance)")
    ax.set_ylabel("whitening gain 1 / sqrt(lambda_k + eps)")
    ax.set_title("How much whitening multiplies each component", fontsize=10)
    ax.legend(fontsize=8, ncol=2)
    ax.grid(alpha=0.3, which="both")

    ax = fig.add_subplot(left[1])
    ratios = [res["per_eps"][str(e)]["noise_to_signal_after"] for e in eps_list]
    ax.loglog(eps_list, ratios, "o-", color="tab:red", lw=2, label="after ZCA whitening")
    ax.axhline(res["noise_to_signal_before"], color="k", ls="--", lw=1.2, label="before whitening")
    ax.invert_xaxis()
    ax.set_xlabel("eps (smaller to the right)")
    ax.set_ylabel("|noise| / |image - mean| (median)")
    ax.set_title(f"Noise of std {res['noise_std']} added to held-out images: whitening amplifies it", fontsize=10)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, which="both")

    examples = np.asarray(res["examples"])
    inner = outer[1].subgridspec(len(examples), len(eps_list) + 1, wspace=0.06, hspace=0.08)
    for r in range(len(examples)):
        a = fig.add_subplot(inner[r, 0])
        a.imshow(examples[r].reshape(28, 28), cmap="gray", vmin=0, vmax=1)
        a.set_xticks([])
        a.set_yticks([])
        if r == 0:
            a.set_title(f"image +\nnoise std {res['noise_std']:g}", fontsize=9)
        for j, eps in enumerate(eps_list):
            a = fig.add_subplot(inner[r, j + 1])
            w = np.asarray(res["per_eps"][str(eps)]["whitened_examples"][r]).reshape(28, 28)
            lim = np.percentile(np.abs(w), 99.5) or 1.0
            a.imshow(w, cmap="gray", vmin=-lim, vmax=lim)
            a.set_xticks([])
            a.set_yticks([])
            if r == 0:
                a.set_title(f"whitened,\neps = {eps:g}", fontsize=9)
    fig.suptitle(
        "Whitening divides principal component k by sqrt(lambda_k + eps): eps decides how much noise is amplified\n"
        "Right: noisy held-out images after ZCA whitening (each shown on its own range). A large eps keeps the edges; "
        "a small eps makes the low-variance directions (pixel noise) the loudest part",
        fontsize=11,
        y=1.0,
    )
    return fig  # "whitening_eps.png"


def _show(ax, img, signed):
    """Show a (C, H, W) image: [0, 1] data as is; normalised data mapped so that 0 is mid-grey."""
    img = np.asarray(img)
    if signed:
        img = 0.5 + img / (2 * max(3.0 * img.std(), 1e-8))  # +-3 std -> [0, 1]
    img = np.clip(img, 0, 1)
    if img.shape[0] == 1:
        ax.imshow(img[0], cmap="gray", vmin=0, vmax=1)
    else:
        ax.imshow(img.transpose(1, 2, 0))
    ax.set_xticks([])
    ax.set_yticks([])


def image_normalization(results):
    plt = pyplot()
    fig, axes = plt.subplots(
        len(results),
        6,
        figsize=(21, 5 * len(results)),
        gridspec_kw={"width_ratios": [1, 1, 1, 1, 1, 1.5]},
        layout="constrained",
    )
    names = {
        "mean_image": "minus the mean image\n(AlexNet)",
        "channel_mean": "minus the per-channel mean\n(VGG)",
        "channel_mean_std": "(x - channel mean) / channel std\n(ResNet)",
    }
    for row, res in zip(axes, results):
        c = res["images_shape"][1]
        _show(row[0], res["example"], signed=False)
        row[0].set_title(f"{res['dataset']}\none image, as stored in [0, 1]", fontsize=9.5)
        mi = res["modes"]["mean_image"]
        _show(row[1], mi["mean_image"], signed=False)
        row[1].set_title(
            f"the mean image, mean_ {tuple(mi['stored_shapes']['mean_'])}\n"
            f"varies over pixels by {mi['mean_image_spread']:.3f} (std)",
            fontsize=9.5,
        )
        for ax, mode in zip(row[2:5], names):
            m = res["modes"][mode]
            _show(ax, m["example"], signed=True)
            shapes = " + ".join(f"{k} {tuple(v)}" for k, v in m["stored_shapes"].items())
            count = m["stored_numbers"]
            ax.set_title(f"{names[mode]}\nstores {shapes}: {count} number{'s' if count > 1 else ''}", fontsize=9.5)
        ax = row[5]
        x = np.arange(c)
        width = 0.2
        series = [
            ("before", res["before_channel_mean"], res["before_channel_std"], "tab:grey"),
            ("mean image", *_after(res, "mean_image"), "tab:blue"),
            ("channel mean", *_after(res, "channel_mean"), "tab:orange"),
            ("channel mean+std", *_after(res, "channel_mean_std"), "tab:green"),
        ]
        for i, (label, mean, std, color) in enumerate(series):
            ax.errorbar(x + (i - 1.5) * width, mean, yerr=std, fmt="o", color=color, ms=7, capsize=4, lw=2, label=label)
        ax.axhline(0, color="k", lw=0.6)
        ax.set_xticks(x)
        ax.set_xticklabels(["gray"] if c == 1 else ["R", "G", "B"])
        ax.set_xlabel("channel")
        ax.set_ylabel("pixel values: mean (dot) +- std (bar)")
        ax.set_xlim(-0.6, c - 0.4)
        ax.set_ylim(-1.3, 1.6)
        ax.set_title("Per channel, over all images and pixels:\nbefore, and after each convention", fontsize=9.5)
        ax.legend(fontsize=7.5, loc="upper center", ncol=2)
        ax.grid(alpha=0.3, axis="y")
    fig.suptitle(
        "Slide 22, the three conventions for images (normalised images shown with 0 = mid-grey, +-3 std = black/white)",
        fontsize=12,
    )
    return fig  # "image_normalization.png"


def _after(res, mode):
    m = res["modes"][mode]
    return m["after_channel_mean"], m["after_channel_std"]
