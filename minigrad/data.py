"""Datasets, a DataLoader, and offline loaders for two real data sets.

PyTorch's names (``torch.utils.data``)::

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
import math
import os
import struct
from pathlib import Path

import numpy as np

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


def _tensor_type():
    from minigrad.tensor import Tensor

    return Tensor


def _is_tensor(x):
    try:
        return isinstance(x, _tensor_type())
    except ImportError:  # the core is not importable: nothing can be a Tensor
        return False


# ------------------------------------------------------------------------------------------------------
# Datasets
# ------------------------------------------------------------------------------------------------------
class Dataset:
    """A map-style data set: subclasses define ``__len__`` and ``__getitem__(i)`` (PyTorch's protocol)."""

    def __getitem__(self, index):
        raise NotImplementedError

    def __len__(self):
        raise NotImplementedError


class TensorDataset(Dataset):
    """Samples are the i-th rows of the given tensors: ``ds[i] == (t0[i], t1[i], ...)``.

    The tensors may be minigrad Tensors or NumPy arrays; they must agree on their first dimension.
    ``DataLoader`` batches a TensorDataset by indexing every tensor with the batch's indices at once,
    which is much faster than fetching and stacking samples one by one.
    """

    def __init__(self, *tensors):
        if not tensors:
            raise ValueError("TensorDataset() needs at least one tensor")
        sizes = []
        for i, t in enumerate(tensors):
            shape = getattr(t, "shape", None)
            if shape is None or len(shape) == 0:
                raise ValueError(
                    f"TensorDataset(): tensor {i} must have at least one dimension (the samples), "
                    f"got {type(t).__name__} with shape {shape}"
                )
            sizes.append(int(shape[0]))
        if any(s != sizes[0] for s in sizes):
            shapes = ", ".join(str(tuple(t.shape)) for t in tensors)
            raise ValueError(
                f"TensorDataset(): size mismatch between tensors: first dimensions are {sizes} "
                f"(shapes {shapes}); every tensor needs one row per sample"
            )
        self.tensors = tuple(tensors)

    def __getitem__(self, index):
        return tuple(t[index] for t in self.tensors)

    def __len__(self):
        return int(self.tensors[0].shape[0])

    def __repr__(self):
        shapes = ", ".join(str(tuple(t.shape)) for t in self.tensors)
        return f"TensorDataset({len(self)} samples: {shapes})"


def _take_rows(t, index):
    """``t[index]`` for an int64 index array: NumPy fancy indexing, or a Tensor without autograd cost."""
    if isinstance(t, np.ndarray):
        return t[index]
    if _is_tensor(t):
        array = t.array
        if not t.requires_grad and isinstance(array, np.ndarray):
            return _tensor_type()._wrap(array[index], device=t.device)
        import minigrad as mg

        return t[mg.tensor(index, device=t.device)]
    return t[index]


def default_collate(batch):
    """Merge a list of samples into a batch, like PyTorch's ``default_collate``.

    Tensors are stacked along a new first dimension (``mg.stack``); NumPy arrays and Python numbers
    become Tensors (ints as int64, floats as float64, bools as bool); tuples, lists and dicts are
    collated field by field.
    """
    if not batch:
        raise ValueError("default_collate(): empty batch")
    first = batch[0]
    if _is_tensor(first):
        import minigrad as mg

        return mg.stack(list(batch))
    if isinstance(first, (np.ndarray, np.generic)):
        import minigrad as mg

        return mg.from_numpy(np.ascontiguousarray(np.stack(batch)))
    if isinstance(first, (bool, np.bool_)):
        import minigrad as mg

        return mg.tensor(np.array(batch, dtype=bool))
    if isinstance(first, int):
        import minigrad as mg

        return mg.tensor(np.array(batch, dtype=np.int64))
    if isinstance(first, float):
        import minigrad as mg

        return mg.tensor(np.array(batch, dtype=np.float64))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        lengths = {len(sample) for sample in batch}
        if len(lengths) != 1:
            raise ValueError(f"default_collate(): samples have different numbers of fields: {sorted(lengths)}")
        fields = [default_collate(list(column)) for column in zip(*batch)]
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        f"default_collate(): do not know how to batch {type(first).__name__}; pass collate_fn= to the DataLoader"
    )


class DataLoader:
    """Iterate over a data set in (optionally shuffled) batches, like ``torch.utils.data.DataLoader``.

    dataset: a :class:`TensorDataset` (fast path: each batch is one fancy-indexing of its tensors) or any
        object with ``__len__`` and ``__getitem__`` (samples are merged with ``collate_fn``,
        default :func:`default_collate`).
    batch_size: samples per batch; the last batch is smaller unless ``drop_last=True`` drops it.
    shuffle: a new random order each epoch (each ``iter(loader)``).
    seed: makes the shuffling reproducible: epoch k's order depends only on (seed, k), whatever else
        drew random numbers; ``set_epoch(k)`` chooses the epoch. Without a seed, the order is drawn
        from ``generator`` (a ``mg.Generator``) or else minigrad's global generator
        (``mg.manual_seed``), like PyTorch.
    """

    def __init__(
        self,
        dataset,
        batch_size=1,
        shuffle=False,
        drop_last=False,
        seed=None,
        generator=None,
        collate_fn=None,
    ):
        if batch_size is None or int(batch_size) != batch_size or batch_size < 1:
            raise ValueError(f"DataLoader(): batch_size must be a positive integer, got {batch_size!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader(): pass either seed= or generator=, not both")
        self.dataset = dataset
        self.batch_size = int(batch_size)
        self.shuffle = bool(shuffle)
        self.drop_last = bool(drop_last)
        self.seed = seed
        self.generator = generator
        self.collate_fn = collate_fn
        self.epoch = 0

    def __len__(self):
        n = len(self.dataset)
        if self.drop_last:
            return n // self.batch_size
        return math.ceil(n / self.batch_size)

    def set_epoch(self, epoch):
        """Make the next ``iter(loader)`` produce epoch ``epoch``'s order (only meaningful with ``seed=``)."""
        self.epoch = int(epoch)

    def _order(self):
        n = len(self.dataset)
        if not self.shuffle:
            return np.arange(n, dtype=np.int64)
        if self.seed is not None:
            rng = np.random.default_rng([int(self.seed), self.epoch])
        else:
            from minigrad.random import rng as _rng

            rng = _rng(self.generator)
        return rng.permutation(n).astype(np.int64, copy=False)

    def __iter__(self):
        order = self._order()
        self.epoch += 1
        n_batches = len(self)
        fast = isinstance(self.dataset, TensorDataset) and self.collate_fn is None
        for b in range(n_batches):
            index = order[b * self.batch_size : (b + 1) * self.batch_size]
            if fast:
                yield tuple(_take_rows(t, index) for t in self.dataset.tensors)
            else:
                collate = self.collate_fn or default_collate
                yield collate([self.dataset[int(i)] for i in index])

    def __repr__(self):
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, seed={self.seed})"
        )


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
