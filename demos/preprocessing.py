"""Data preprocessing: zero-centre, normalise, decorrelate (PCA), whiten; and the image conventions.

Lecture 4, slides 19-22. X is an N x D matrix, one sample per row. Every statistic below is fitted on
training data with ``minigrad.preprocessing`` (StandardScaler, PCA, ZCA, ImageNormalizer) and then
applied with ``transform``. Writes into --out:

    point_cloud.png          slide 20-21: a 2-D point cloud, original / zero-centred / normalised /
                             decorrelated (PCA) / whitened, with the covariance matrix of each
    pca_fashion.png          PCA of Fashion-MNIST: explained variance, the top principal components as
                             images, reconstructions from 16, 64 and 144 components
    whitening_eps.png        whitening divides component j by sqrt(lambda_j + eps): with a small eps
                             the low-variance (noise) directions are blown up; ZCA-whitened images
                             and the noise-to-signal ratio for several eps
    image_normalization.png  slide 22: mean image (AlexNet) vs per-channel mean (VGG) vs per-channel
                             mean and std (ResNet), on Fashion-MNIST and on 32x32 crops of
                             scikit-learn's two sample photos (a stand-in for CIFAR-10), with the
                             shapes of the stored statistics
    preprocessing.json       the numbers plotted

    python demos/preprocessing.py            # about 15 s on a 2-core laptop
    python demos/preprocessing.py --quick    # a few seconds (what the tests run)
"""

import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

import numpy as np  # noqa: E402
from common import parser, pyplot, save_figure, save_json, single_threaded  # noqa: E402  (also puts the checkout on sys.path)

from minigrad import preprocessing  # noqa: E402
from minigrad.data import load_fashion_mnist  # noqa: E402
from minigrad.utils.progress import progress  # noqa: E402

EPS_GRID = (1e-1, 1e-2, 1e-3, 1e-4, 1e-5)
N_SHOWN = 14  # held-out images shown with their PCA reconstructions


def cov_of(x):
    """Population covariance (divide by N), as the preprocessors use."""
    x = np.asarray(x, dtype=np.float64)
    d = x - x.mean(axis=0)
    return d.T @ d / len(x)


# ----------------------------------------------------------------------------------------------
# 1. A 2-D point cloud
# ----------------------------------------------------------------------------------------------


def point_cloud(seed, n=600):
    """Correlated 2-D Gaussian data, away from the origin, through the five transforms."""
    rng = np.random.default_rng(seed)
    mean = np.array([4.0, 2.5])
    angle = np.deg2rad(30)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    cov = rot @ np.diag([2.0**2, 0.5**2]) @ rot.T
    x = rng.multivariate_normal(mean, cov, size=n)

    stages = {
        "original": x,
        "zero-centred": preprocessing.StandardScaler(with_std=False).fit_transform(x),
        "normalised": preprocessing.StandardScaler().fit_transform(x),
        "decorrelated (PCA)": preprocessing.PCA().fit_transform(x),
        "whitened (PCA, whiten=True)": preprocessing.PCA(whiten=True, eps=0.0).fit_transform(x),
    }
    pca = preprocessing.PCA().fit(x)
    return {
        "stages": {
            name: {"points": v.tolist(), "mean": v.mean(axis=0).tolist(), "cov": cov_of(v).tolist()}
            for name, v in stages.items()
        },
        "pca_components": pca.components_.tolist(),
        "pca_explained_variance": pca.explained_variance_.tolist(),
        "pca_mean": pca.mean_.tolist(),
    }


def plot_point_cloud(res, out, dpi=120):
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
    return save_figure(fig, out, "point_cloud.png", dpi=dpi)


# ----------------------------------------------------------------------------------------------
# 2. PCA of Fashion-MNIST, and whitening's eps
# ----------------------------------------------------------------------------------------------


def pca_fashion(train, test, ks=(16, 64, 144)):
    pca = preprocessing.PCA().fit(train)
    ratio = pca.explained_variance_ratio_
    cumulative = np.cumsum(ratio)
    recon, errors = {}, {}
    x = test[:N_SHOWN]
    for k in ks:
        p = preprocessing.PCA(n_components=k).fit(train)
        back = p.inverse_transform(p.transform(test))
        errors[k] = float(np.mean((back - test) ** 2) / np.mean((test - pca.mean_) ** 2))
        recon[k] = back[:N_SHOWN]
    return {
        "n_train": int(len(train)),
        "explained_variance": pca.explained_variance_.tolist(),
        "explained_variance_ratio_cumulative": cumulative.tolist(),
        "components_for_90_95_99_percent": {str(q): int(np.searchsorted(cumulative, q) + 1) for q in (0.9, 0.95, 0.99)},
        "variance_explained_by": {str(k): float(cumulative[k - 1]) for k in ks},
        "relative_reconstruction_error_heldout": {str(k): errors[k] for k in ks},
        "top_components": pca.components_[:16].tolist(),
        "mean_image": pca.mean_.tolist(),
        "originals": x.tolist(),
        "reconstructions": {str(k): v.tolist() for k, v in recon.items()},
    }


def plot_pca(res, out, dpi=120):
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
    return save_figure(fig, out, "pca_fashion.png", dpi=dpi)


def whitening_eps(train, test, seed, sigma=0.02):
    """ZCA whitening with several eps: gains per component and the noise-to-signal ratio.

    A held-out image x gets barely visible Gaussian noise n (std ``sigma``). Before whitening the noise
    is |n| / |x - mean| of the signal; after, |W n| / |W (x - mean)|. Directions of small variance
    lambda_j (mostly noise) are multiplied by 1 / sqrt(lambda_j + eps): the smaller eps, the more
    the noise is amplified relative to the image.
    """
    rng = np.random.default_rng(seed)
    x = test[:200].astype(np.float64)
    noise = rng.normal(0.0, sigma, x.shape)
    result = {"eps": list(EPS_GRID), "noise_std": sigma, "per_eps": {}}
    before = None
    for eps in progress(EPS_GRID, desc="ZCA fits"):
        zca = preprocessing.ZCA(eps=eps).fit(train)
        lam = zca.explained_variance_
        signal = zca.transform(x) - zca.transform(zca.mean_[None])
        noisy = zca.transform(x + noise) - zca.transform(x)
        centred = x - zca.mean_
        before = float(np.median(np.linalg.norm(noise, axis=1) / np.linalg.norm(centred, axis=1)))
        ratio = float(np.median(np.linalg.norm(noisy, axis=1) / np.linalg.norm(signal, axis=1)))
        whitened = zca.transform(x[:4] + noise[:4])
        gains = 1.0 / np.sqrt(lam + eps)
        result["per_eps"][str(eps)] = {
            "noise_to_signal_after": ratio,
            "largest_gain": float(gains.max()),
            "smallest_gain": float(gains.min()),
            "gains": gains.tolist(),
            "whitened_examples": whitened.tolist(),
        }
        result["eigenvalues"] = lam.tolist()
    result["noise_to_signal_before"] = before
    result["examples"] = (x[:4] + noise[:4]).tolist()
    return result


def plot_whitening(res, out, dpi=120):
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
    return save_figure(fig, out, "whitening_eps.png", dpi=dpi)


# ----------------------------------------------------------------------------------------------
# 3. Image conventions: mean image, per-channel mean, per-channel mean and std
# ----------------------------------------------------------------------------------------------


def sample_photos():
    """scikit-learn's two bundled sample photos (china.jpg, flower.jpg; 427 x 640 x 3, uint8).

    Read straight from scikit-learn's package folder with Pillow (matplotlib's own dependency):
    the same arrays as ``sklearn.datasets.load_sample_images().images``, without the seconds it
    takes to import ``sklearn.datasets``.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")  # locates the package without importing it
    folder = Path(next(iter(spec.submodule_search_locations))) / "datasets" / "images" if spec else None
    files = sorted(folder.glob("*.jpg")) if folder and folder.is_dir() else []
    if len(files) >= 2:
        from PIL import Image

        return [np.asarray(Image.open(f).convert("RGB")) for f in files]
    from sklearn.datasets import load_sample_images

    return list(load_sample_images().images)


def photo_crops(n, seed, size=32, shrink=4):
    """``n`` random size x size crops of scikit-learn's two sample photos, shrunk ``shrink`` times
    first (so a crop holds a whole object part, as in CIFAR-10), as (n, 3, size, size) in [0, 1]."""
    rng = np.random.default_rng(seed)
    photos = []
    for img in sample_photos():
        h, w = (s // shrink * shrink for s in img.shape[:2])
        small = img[:h, :w].astype(np.float32).reshape(h // shrink, shrink, w // shrink, shrink, 3).mean(axis=(1, 3))
        photos.append(small / 255.0)
    crops = np.empty((n, 3, size, size), dtype=np.float32)
    for i in range(n):
        p = photos[i % len(photos)]
        y = rng.integers(0, p.shape[0] - size + 1)
        x = rng.integers(0, p.shape[1] - size + 1)
        crops[i] = p[y : y + size, x : x + size].transpose(2, 0, 1)
    return crops


def image_conventions(images, name):
    """Fit the three ImageNormalizer modes; the statistics' shapes and the normalised data's moments."""
    result = {"dataset": name, "images_shape": list(images.shape), "modes": {}}
    for mode in preprocessing.ImageNormalizer.MODES:
        norm = preprocessing.ImageNormalizer(mode).fit(images)
        z = norm.transform(images)
        stats = {"mean_": list(norm.mean_.shape)}
        if norm.std_ is not None:
            stats["std_"] = list(norm.std_.shape)
        result["modes"][mode] = {
            "stored_shapes": stats,
            "stored_numbers": int(norm.mean_.size + (0 if norm.std_ is None else norm.std_.size)),
            "mean": norm.mean_.mean(axis=(1, 2)).tolist() if mode == "mean_image" else norm.mean_.tolist(),
            "std": None if norm.std_ is None else norm.std_.tolist(),
            "after_channel_mean": z.mean(axis=(0, 2, 3)).tolist(),
            "after_channel_std": z.std(axis=(0, 2, 3)).tolist(),
            "after_max_abs_pixel_mean": float(np.abs(z.mean(axis=0)).max()),
            "example": z[0].tolist(),
            "mean_image": norm.mean_.tolist() if mode == "mean_image" else None,
        }
        if mode == "mean_image":
            # how far the mean image is from constant: the std over pixels, averaged over channels
            result["modes"][mode]["mean_image_spread"] = float(norm.mean_.std(axis=(1, 2)).mean())
    result["example"] = images[0].tolist()
    result["before_channel_mean"] = images.mean(axis=(0, 2, 3)).tolist()
    result["before_channel_std"] = images.std(axis=(0, 2, 3)).tolist()
    return result


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


def plot_conventions(results, out, dpi=120):
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
    return save_figure(fig, out, "image_normalization.png", dpi=dpi)


def _after(res, mode):
    m = res["modes"][mode]
    return m["after_channel_mean"], m["after_channel_std"]


# ----------------------------------------------------------------------------------------------


def main(argv=None):
    args = parser("preprocessing", __doc__.split("\n\n")[0]).parse_args(argv)
    start = time.perf_counter()
    n_train = 3000 if args.quick else 59500  # the full run fits on every training image but 500
    n_zca = 2000 if args.quick else 20000

    with single_threaded():
        cloud = point_cloud(args.seed)
        images, _ = load_fashion_mnist(split="train", flatten=True)
        # Fit on n_train images; 500 others, never fitted on, play the test images.
        order = np.random.default_rng(args.seed).permutation(len(images))
        train, test = images[order[:n_train]], images[order[n_train : n_train + 500]]

        pca = pca_fashion(train, test)
        whitening = whitening_eps(train[:n_zca], test, args.seed)
        fashion_images = train.reshape(-1, 1, 28, 28)
        crops = photo_crops(500 if args.quick else 3000, args.seed)
        conventions = [
            image_conventions(fashion_images, "Fashion-MNIST (N, 1, 28, 28)"),
            image_conventions(crops, "photo crops (N, 3, 32, 32)"),
        ]

    dpi = 60 if args.quick else 120  # the quick run's figures are for the tests: draw them small
    plot_point_cloud(cloud, args.out, dpi)
    plot_pca(pca, args.out, dpi)
    plot_whitening(whitening, args.out, dpi)
    plot_conventions(conventions, args.out, dpi)
    record = {
        "config": {"seed": args.seed, "quick": args.quick, "pca_train_images": n_train, "zca_train_images": n_zca},
        "point_cloud": cloud,
        "pca": pca,
        "whitening": whitening,
        "image_conventions": conventions,
        "seconds": round(time.perf_counter() - start, 2),
    }
    save_json(record, args.out, "preprocessing.json")

    print("2-D point cloud, covariance after each step:")
    for name, st in cloud["stages"].items():
        c, m = np.asarray(st["cov"]).round(2) + 0.0, np.asarray(st["mean"]).round(2) + 0.0
        print(
            f"  {name:28s} mean ({m[0]:+.2f}, {m[1]:+.2f})  "
            f"cov [[{c[0, 0]:.2f} {c[0, 1]:+.2f}] [{c[1, 0]:+.2f} {c[1, 1]:.2f}]]"
        )
    print(
        "Fashion-MNIST PCA: variance explained by "
        + ", ".join(f"{k} components {100 * v:.1f}%" for k, v in pca["variance_explained_by"].items())
    )
    print(f"  components for 90/95/99%: {pca['components_for_90_95_99_percent']}")
    print(f"Whitening, noise/signal {whitening['noise_to_signal_before']:.3f} before; after ZCA with eps:")
    for eps, v in whitening["per_eps"].items():
        print(
            f"  eps {float(eps):g}: noise/signal {v['noise_to_signal_after']:.3f}, largest gain {v['largest_gain']:.0f}"
        )
    for res in conventions:
        print(
            res["dataset"]
            + ": stored statistics "
            + "; ".join(f"{mode} {m['stored_shapes']}" for mode, m in res["modes"].items())
        )
    print(f"time: {record['seconds']:.1f} s")
    return record


if __name__ == "__main__":
    main()
