"""Datasets, PyTorch's ``torch.utils.data`` classes: ``Dataset``, ``IterableDataset``, ``TensorDataset``,
``Subset``, ``ConcatDataset`` and ``random_split``.

A map-style dataset has ``__len__`` and ``__getitem__(i)``; an iterable one has ``__iter__``. Their
samples are whatever ``__getitem__`` returns (tensors, arrays, numbers, tuples or dicts of them);
the DataLoader batches them.
"""

import bisect
import math
import numbers

import numpy as np

__all__ = ["Dataset", "IterableDataset", "TensorDataset", "Subset", "ConcatDataset", "random_split"]


def _tensor_type():
    from minigrad.tensor import Tensor

    return Tensor


def _is_tensor(x):
    try:
        return isinstance(x, _tensor_type())
    except ImportError:  # the core is not importable: nothing can be a Tensor
        return False


class Dataset:
    """A map-style data set: subclasses define ``__len__`` and ``__getitem__(i)`` (PyTorch's protocol).
    ``a + b`` concatenates two data sets."""

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def __len__(self):  # a TypeError, as len() of an object without a length (list() then ignores it)
        raise TypeError(f"{type(self).__name__} has no len(): define __len__")

    def __add__(self, other):
        return ConcatDataset([self, other])


class IterableDataset(Dataset):
    """A stream of samples: subclasses define ``__iter__``. With ``num_workers > 0`` every worker runs its
    own copy of the iterator; split the work with ``get_worker_info()`` (as in PyTorch), or each
    sample comes once per worker."""

    def __iter__(self):
        raise NotImplementedError(f"{type(self).__name__} must define __iter__")


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


class Subset(Dataset):
    """The samples of ``dataset`` at ``indices``, in that order: ``Subset(ds, [3, 1])[0] is ds[3]``."""

    def __init__(self, dataset, indices):
        self.dataset = dataset
        self.indices = [int(i) for i in indices]

    def __getitem__(self, idx):
        if isinstance(idx, list):
            return self.dataset[[self.indices[i] for i in idx]]
        return self.dataset[self.indices[idx]]

    def __len__(self):
        return len(self.indices)


class ConcatDataset(Dataset):
    """The samples of several data sets one after the other."""

    def __init__(self, datasets):
        self.datasets = list(datasets)
        if not self.datasets:
            raise ValueError("ConcatDataset(): datasets should not be an empty iterable")
        for d in self.datasets:
            if isinstance(d, IterableDataset):
                raise TypeError("ConcatDataset() does not support IterableDataset")
        self.cumulative_sizes = list(np.cumsum([len(d) for d in self.datasets]).tolist())

    def __len__(self):
        return self.cumulative_sizes[-1]

    def __getitem__(self, idx):
        if idx < 0:
            if -idx > len(self):
                raise IndexError(f"ConcatDataset: index {idx} out of range for {len(self)} samples")
            idx += len(self)
        which = bisect.bisect_right(self.cumulative_sizes, idx)
        if which == len(self.datasets):
            raise IndexError(f"ConcatDataset: index {idx} out of range for {len(self)} samples")
        start = self.cumulative_sizes[which - 1] if which else 0
        return self.datasets[which][idx - start]


def random_split(dataset, lengths, generator=None):
    """Split ``dataset`` into non-overlapping random ``Subset``s of the given ``lengths`` (counts that add up
    to ``len(dataset)``, or fractions that add up to 1; leftovers of the rounding go one each to the
    first subsets, round-robin, as in PyTorch). The permutation is drawn from ``generator`` (a
    ``mg.Generator`` or an int seed) or minigrad's global stream: reproducible, but not PyTorch's draw."""
    from minigrad.random import rng

    n = len(dataset)
    lengths = list(lengths)
    if lengths and all(isinstance(x, float) for x in lengths) and math.isclose(sum(lengths), 1) and sum(lengths) <= 1:
        counts = [int(math.floor(n * frac)) for frac in lengths]
        for i in range(n - sum(counts)):
            counts[i % len(counts)] += 1
        lengths = counts
    if any(not isinstance(x, numbers.Integral) or x < 0 for x in lengths) or sum(lengths) != n:
        raise ValueError(
            f"random_split(): lengths {lengths} must be non-negative counts adding up to the dataset's size {n}, "
            "or fractions adding up to 1"
        )
    order = rng(generator).permutation(n).tolist()
    bounds = np.cumsum([0] + lengths).tolist()
    return [Subset(dataset, order[a:b]) for a, b in zip(bounds[:-1], bounds[1:])]
