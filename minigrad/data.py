"""Offline loaders for two real data sets, and (re-exported from ``minigrad.utils.data``, PyTorch's
``torch.utils.data``) the datasets and the DataLoader::

    from minigrad.data import TensorDataset, DataLoader, load_fashion_mnist

    X, y = load_fashion_mnist(split="train", as_tensor=True)      # (60000, 1, 28, 28) float32, (60000,) int64
    loader = DataLoader(TensorDataset(X, y), batch_size=128, shuffle=True, seed=0)
    for xb, yb in loader:                                          # the last batch may be smaller
        ...

The loaders never download anything: Fashion-MNIST is read from files already on disk (the Debian
package ``dataset-fashion-mnist`` puts them in /usr/share/datasets/fashion-mnist/), and the digits come
bundled with scikit-learn. Both return NumPy arrays by default (``as_tensor=True`` for minigrad
Tensors): images as float32 scaled to [0, 1], shaped (N, 1, H, W) or (N, H*W) with ``flatten=True``,
and labels as int64.
"""

import gzip
import os
import struct
from pathlib import Path

import numpy as np

from minigrad.utils.data import DataLoader, Dataset, TensorDataset, default_collate  # noqa: F401

__all__ = [
    "FASHION_MNIST_CLASSES",
    "FASHION_MNIST_DEFAULT_DIR",
    "FASHION_MNIST_ENV",
    "DataLoader",
    "Dataset",
    "TensorDataset",
    "default_collate",
    "load_digits",
    "load_fashion_mnist",
    "read_idx",
]


# ------------------------------------------------------------------------------------------------------
# IDX files (the MNIST / Fashion-MNIST format)
# ------------------------------------------------------------------------------------------------------
# The magic number is 0x00 0x00 <type> <number of dimensions>; then one big-endian uint32 per dimension,
# then the data, big-endian, in C order.
_IDX_TYPES = {
    0x08: np.dtype(np.uint8),
    0x09: np.dtype(np.int8),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


def _read_bytes(path):
    """The file's bytes, gunzipped when it is a gzip file (detected by its magic bytes, not its name)."""
    with open(path, "rb") as f:
        raw = f.read()
    if raw[:2] == b"\x1f\x8b":
        try:
            raw = gzip.decompress(raw)
        except (OSError, EOFError) as exc:
            raise ValueError(f"{path}: corrupt gzip file ({exc}); delete it and reinstall the data") from exc
    return raw


def read_idx(path):
    """Read an IDX file (gzipped or not) into a NumPy array of its shape and native-endian dtype.

    Raises ValueError naming the file when the magic number, the type code or the size is wrong.
    """
    path = Path(path)
    raw = _read_bytes(path)
    if len(raw) < 4:
        raise ValueError(f"{path}: not an IDX file: only {len(raw)} bytes")
    zero0, zero1, type_code, ndim = raw[0], raw[1], raw[2], raw[3]
    if zero0 != 0 or zero1 != 0:
        raise ValueError(
            f"{path}: not an IDX file: the magic number starts with {raw[:4].hex()} instead of 0000 "
            f"(expected e.g. 00000803 for images or 00000801 for labels)"
        )
    if type_code not in _IDX_TYPES:
        raise ValueError(f"{path}: unknown IDX data type code 0x{type_code:02x} (magic {raw[:4].hex()})")
    if ndim == 0:
        raise ValueError(f"{path}: IDX file with 0 dimensions (magic {raw[:4].hex()})")
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"{path}: truncated IDX header: {ndim} dimensions need {header} bytes, file has {len(raw)}")
    shape = struct.unpack(f">{ndim}I", raw[4:header])
    dtype = _IDX_TYPES[type_code]
    expected = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    got = len(raw) - header
    if got != expected:
        raise ValueError(
            f"{path}: IDX size mismatch: the header says shape {shape} ({expected} bytes of data), "
            f"but the file holds {got} bytes (truncated or corrupt download?)"
        )
    data = np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape)
    return data.astype(dtype.newbyteorder("="), copy=True) if dtype.byteorder == ">" else data.copy()


# ------------------------------------------------------------------------------------------------------
# Fashion-MNIST
# ------------------------------------------------------------------------------------------------------
FASHION_MNIST_ENV = "MINIGRAD_FASHION_MNIST"
FASHION_MNIST_DEFAULT_DIR = "/usr/share/datasets/fashion-mnist"
FASHION_MNIST_CLASSES = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)
_FASHION_FILES = {
    "train": ("train-images-idx3-ubyte", "train-labels-idx1-ubyte"),
    "test": ("t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"),
}
_FASHION_SIZES = {"train": 60000, "test": 10000}

# Decoded uint8 arrays per (image path, label path, their sizes and mtimes): decoding the 26 MB gzip
# file takes about half a second, so do it once per process.
_cache = {}


def fashion_mnist_dirs(root=None):
    """The directories searched, in order: ``root`` if given (only it), else $MINIGRAD_FASHION_MNIST
    if set, then /usr/share/datasets/fashion-mnist."""
    if root is not None:
        return [Path(root).expanduser()]
    dirs = []
    env = os.environ.get(FASHION_MNIST_ENV)
    if env:
        dirs.append(Path(env).expanduser())
    dirs.append(Path(FASHION_MNIST_DEFAULT_DIR))
    return dirs


def _find_file(directory, stem):
    for name in (stem + ".gz", stem):
        path = directory / name
        if path.is_file():
            return path
    return None


def _locate_fashion(root, split):
    image_stem, label_stem = _FASHION_FILES[split]
    searched = fashion_mnist_dirs(root)
    for directory in searched:
        images = _find_file(directory, image_stem)
        labels = _find_file(directory, label_stem)
        if images is not None and labels is not None:
            return images, labels
    where = "\n".join(f"  {d}{'' if d.is_dir() else '  (does not exist)'}" for d in searched)
    raise FileNotFoundError(
        f"Fashion-MNIST {split!r} split not found: looked for {image_stem}[.gz] and {label_stem}[.gz] in\n"
        f"{where}\n"
        f"minigrad never downloads data. To get it: `apt-get install dataset-fashion-mnist` (Debian/Ubuntu, "
        f"installs into {FASHION_MNIST_DEFAULT_DIR}), or put the four files from "
        f"https://github.com/zalandoresearch/fashion-mnist (data/fashion/*.gz) in a directory and set "
        f"{FASHION_MNIST_ENV}=/that/directory or pass root='/that/directory'."
    )


def _decode_fashion(images_path, labels_path, split):
    key = tuple((str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in (images_path, labels_path))
    if key in _cache:
        return _cache[key]
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.dtype != np.uint8 or images.ndim != 3 or images.shape[1:] != (28, 28):
        raise ValueError(f"{images_path}: expected uint8 images shaped (N, 28, 28), got {images.dtype} {images.shape}")
    if labels.dtype != np.uint8 or labels.ndim != 1:
        raise ValueError(f"{labels_path}: expected uint8 labels shaped (N,), got {labels.dtype} {labels.shape}")
    if images.shape[0] != labels.shape[0]:
        raise ValueError(
            f"Fashion-MNIST {split!r}: {images.shape[0]} images in {images_path} but "
            f"{labels.shape[0]} labels in {labels_path}"
        )
    if labels.size and labels.max() > 9:
        raise ValueError(f"{labels_path}: labels must be 0..9, found {int(labels.max())}")
    images.flags.writeable = False
    labels.flags.writeable = False
    _cache[key] = (images, labels)
    return images, labels


def _finish(images_u8, labels_u8, scale, flatten, as_tensor, dtype, device):
    # One pass, into a fresh array (the cached one stays intact): the same values as astype, then divide.
    images = np.true_divide(images_u8, dtype.type(scale), dtype=dtype)
    n = images.shape[0]
    images = images.reshape(n, -1) if flatten else images.reshape(n, 1, *images_u8.shape[1:])
    labels = labels_u8.astype(np.int64)
    if as_tensor:
        import minigrad as mg

        images, labels = mg.from_numpy(images), mg.from_numpy(labels)
        if device != "cpu":
            images, labels = images.to(device), labels.to(device)
    return images, labels


def load_fashion_mnist(root=None, split="train", flatten=False, as_tensor=False, dtype="float32", device="cpu"):
    """Fashion-MNIST (Xiao et al. 2017): 28x28 grey images of 10 kinds of clothing, read from disk.

    root: the directory with the four IDX files (``train-images-idx3-ubyte.gz``,
        ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz``, ``t10k-labels-idx1-ubyte.gz``;
        un-gzipped files work too). Default: $MINIGRAD_FASHION_MNIST, then
        /usr/share/datasets/fashion-mnist (Debian package ``dataset-fashion-mnist``).
    split: "train" (60000 images) or "test" (10000).
    flatten: images shaped (N, 784) instead of (N, 1, 28, 28).
    as_tensor: return minigrad Tensors (on ``device``) instead of NumPy arrays.
    dtype: the images' floating dtype ("float32" or "float64").

    Returns ``(images, labels)``: images scaled to [0, 1], labels int64 in 0..9 (names in
    ``FASHION_MNIST_CLASSES``). Files are decoded once per process and cached.
    """
    if split not in _FASHION_FILES:
        raise ValueError(f"load_fashion_mnist(): split must be 'train' or 'test', got {split!r}")
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"load_fashion_mnist(): dtype must be a floating dtype, got {dtype}")
    images_path, labels_path = _locate_fashion(root, split)
    images, labels = _decode_fashion(images_path, labels_path, split)
    return _finish(images, labels, 255.0, flatten, as_tensor, dtype, device)


# ------------------------------------------------------------------------------------------------------
# scikit-learn's digits
# ------------------------------------------------------------------------------------------------------
def load_digits(flatten=False, as_tensor=False, dtype="float32", device="cpu"):
    """The 1797 8x8 handwritten digits bundled with scikit-learn (no download; needs scikit-learn).

    Returns ``(images, labels)``: images scaled from 0..16 to [0, 1], shaped (1797, 1, 8, 8) or
    (1797, 64) with ``flatten=True``; labels int64 in 0..9. NumPy arrays, or minigrad Tensors with
    ``as_tensor=True``.
    """
    try:
        from sklearn.datasets import load_digits as _sk_load_digits
    except ImportError as exc:
        raise ImportError(
            "load_digits() needs scikit-learn, which ships the digits data: "
            "`pip install minigrad[demos]` or `pip install scikit-learn`"
        ) from exc
    dtype = np.dtype(dtype)
    if dtype.kind != "f":
        raise ValueError(f"load_digits(): dtype must be a floating dtype, got {dtype}")
    key = ("digits",)
    if key not in _cache:
        bunch = _sk_load_digits()
        images = np.asarray(bunch.images, dtype=np.float64)  # (1797, 8, 8), values 0..16
        labels = np.asarray(bunch.target)
        images.flags.writeable = False
        labels.flags.writeable = False
        _cache[key] = (images, labels)
    images, labels = _cache[key]
    return _finish(images, labels, 16.0, flatten, as_tensor, dtype, device)
