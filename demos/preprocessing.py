"""Data preprocessing: zero-centre, normalise, decorrelate (PCA), whiten; and the image conventions.

Lecture 4, slides 19-22. X is an N x D matrix, one sample per row. Every statistic below is fitted on
training data with ``minigrad.preprocessing`` (StandardScaler, PCA, ZCA, ImageNormalizer) and then
applied with ``transform``, on NumPy arrays: this demo makes no tensors, so it computes on the CPU
whatever --device says (every demo takes the option). Writes into --out:

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

import time
from pathlib import Path

import numpy as np
from common import bar, parser, save_outputs, single_threaded
from figures import preprocessing as figures

from minigrad import preprocessing
from minigrad.data import load_fashion_mnist

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


def whitening_eps(train, test, seed, args, sigma=0.02):
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
    progress = bar(len(EPS_GRID), "ZCA fits", args, unit="fit")
    for eps in EPS_GRID:
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
        progress.update()
    progress.close()
    result["noise_to_signal_before"] = before
    result["examples"] = (x[:4] + noise[:4]).tolist()
    return result


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


# ----------------------------------------------------------------------------------------------


def main(argv=None):
    args = parser(__file__, __doc__).parse_args(argv)
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
        whitening = whitening_eps(train[:n_zca], test, args.seed, args)
        fashion_images = train.reshape(-1, 1, 28, 28)
        crops = photo_crops(500 if args.quick else 3000, args.seed)
        conventions = [
            image_conventions(fashion_images, "Fashion-MNIST (N, 1, 28, 28)"),
            image_conventions(crops, "photo crops (N, 3, 32, 32)"),
        ]

    record = {
        "config": {"seed": args.seed, "quick": args.quick, "pca_train_images": n_train, "zca_train_images": n_zca},
        "point_cloud": cloud,
        "pca": pca,
        "whitening": whitening,
        "image_conventions": conventions,
        "seconds": round(time.perf_counter() - start, 2),
    }

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
    figs = {
        "point_cloud.png": figures.point_cloud(cloud),
        "pca_fashion.png": figures.pca_fashion(pca),
        "whitening_eps.png": figures.whitening_eps(whitening),
        "image_normalization.png": figures.image_normalization(conventions),
    }
    return save_outputs(args, record, figs, dpi=60 if args.quick else 120)  # the quick run's figures are for the tests


if __name__ == "__main__":
    main()
