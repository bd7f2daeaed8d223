"""``DataLoader``: batches of a data set, in order or shuffled, loaded in the main process or by worker
processes; ``default_collate`` / ``default_convert`` merge samples; ``get_worker_info`` tells a data
set which worker it runs in.
"""

import math
import numbers

import numpy as np

from minigrad.utils.data import _worker
from minigrad.utils.data.dataset import IterableDataset, TensorDataset, _is_tensor, _tensor_type
from minigrad.utils.data.sampler import BatchSampler, Sampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


def get_worker_info():
    """In a DataLoader worker process: ``WorkerInfo(id, num_workers, seed, dataset)``; in the main process: None.
    An IterableDataset uses it to give each worker its own share of the stream."""
    return _worker._info


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
    collated field by field; strings stay a list.
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
    if isinstance(first, (bool, np.bool_, int, float)):
        import minigrad as mg

        dtype = bool if isinstance(first, (bool, np.bool_)) else np.int64 if isinstance(first, int) else np.float64
        return mg.tensor(np.array(batch, dtype=dtype))
    if isinstance(first, (str, bytes)):
        return list(batch)
    if isinstance(first, dict):
        return {key: default_collate([sample[key] for sample in batch]) for key in first}
    if isinstance(first, (tuple, list)):
        lengths = {len(sample) for sample in batch}
        if len(lengths) != 1:
            raise ValueError(f"default_collate(): samples have different numbers of fields: {sorted(lengths)}")
        fields = [default_collate(list(column)) for column in zip(*batch)]
        if hasattr(first, "_fields"):  # a namedtuple keeps its type
            return type(first)(*fields)
        return tuple(fields) if isinstance(first, tuple) else fields
    raise TypeError(
        f"default_collate(): do not know how to batch {type(first).__name__}; pass collate_fn= to the DataLoader"
    )


def default_convert(data):
    """What a DataLoader with ``batch_size=None`` does to each sample (PyTorch's ``default_convert``): NumPy
    arrays become Tensors, containers are converted field by field (tuples become lists, as in PyTorch),
    everything else is left alone."""
    if isinstance(data, np.ndarray) and data.dtype.kind in "biuf":
        import minigrad as mg

        return mg.tensor(data)
    if isinstance(data, dict):
        return {k: default_convert(v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(default_convert(d) for d in data))
    if isinstance(data, (list, tuple)) and not isinstance(data, str):
        return [default_convert(d) for d in data]
    return data


class _Fetch:
    """Loads one batch: from a list of indices (map-style) or from the data set's iterator (iterable).
    A module-level class (not a closure) so that spawned worker processes can unpickle it."""

    def __init__(self, dataset, collate_fn, batch_size, drop_last, auto_batch):
        self.dataset, self.collate_fn = dataset, collate_fn
        self.batch_size, self.drop_last, self.auto_batch = batch_size, drop_last, auto_batch
        self.fast = isinstance(dataset, TensorDataset) and collate_fn is default_collate

    def __call__(self, source):
        if isinstance(source, list) or isinstance(source, np.ndarray):  # indices of a map-style batch
            if self.fast:
                index = np.asarray(source, dtype=np.int64)
                return tuple(_take_rows(t, index) for t in self.dataset.tensors)
            return self.collate_fn([self.dataset[int(i)] for i in source])
        if isinstance(source, numbers.Integral):  # one sample, no batching
            return self.collate_fn(self.dataset[int(source)])
        if not self.auto_batch:  # an iterator, one sample at a time
            return self.collate_fn(next(source))
        batch = []
        for sample in source:
            batch.append(sample)
            if len(batch) == self.batch_size:
                break
        if not batch or (self.drop_last and len(batch) < self.batch_size):
            raise StopIteration
        return self.collate_fn(batch)


class DataLoader:
    """Iterate over a data set in batches, like ``torch.utils.data.DataLoader`` (the same arguments).

    dataset: a map-style data set (``__len__`` and ``__getitem__``; a :class:`TensorDataset` takes a fast
        path: one fancy-indexing of its tensors per batch) or an :class:`IterableDataset`.
    batch_size: samples per batch (None: no batching, each sample is converted with ``default_convert``);
        the last batch is smaller unless ``drop_last=True``.
    shuffle / sampler / batch_sampler: the order. ``shuffle=True`` draws a new permutation every epoch;
        ``sampler`` gives the indices (e.g. ``WeightedRandomSampler``); ``batch_sampler`` gives whole batches.
    num_workers: 0 loads in the main process; N > 0 starts N worker processes that load batches in
        parallel (the batches and their order are the same as with 0). ``prefetch_factor`` batches per
        worker are loaded ahead; ``persistent_workers`` keeps the processes between epochs;
        ``worker_init_fn(worker_id)`` runs first in each; ``multiprocessing_context`` ("fork", "spawn",
        "forkserver" or a context) chooses how they start; ``timeout`` (seconds) bounds each wait.
        Each worker's random streams (minigrad's, NumPy's global and ``random``) are seeded with a base
        seed + its id, as in PyTorch; ``get_worker_info()`` tells the code which worker it is in.
    collate_fn: merges a list of samples into a batch (default :func:`default_collate`).
    pin_memory: accepted and ignored: minigrad's CPU arrays need no pinning.
    seed: minigrad's addition: the shuffled order of epoch k depends only on (seed, k), whatever else
        drew random numbers; ``set_epoch(k)`` picks the epoch. Without a seed the order is drawn from
        ``generator`` (a ``mg.Generator``) or minigrad's global stream (``mg.manual_seed``), like PyTorch
        (but not PyTorch's numbers).
    """

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None, num_workers=0,
                 collate_fn=None, pin_memory=False, drop_last=False, timeout=0, worker_init_fn=None,
                 multiprocessing_context=None, generator=None, *, prefetch_factor=None, persistent_workers=False,
                 pin_memory_device="", in_order=True, seed=None):  # fmt: skip
        if batch_size is not None and (int(batch_size) != batch_size or batch_size < 1 or isinstance(batch_size, bool)):
            raise ValueError(f"DataLoader(): batch_size must be a positive integer or None, got {batch_size!r}")
        if seed is not None and generator is not None:
            raise ValueError("DataLoader(): pass either seed= or generator=, not both")
        if not isinstance(num_workers, numbers.Integral) or num_workers < 0:
            raise ValueError(f"DataLoader(): num_workers must be a non-negative integer, got {num_workers!r}")
        if num_workers == 0 and (prefetch_factor is not None or persistent_workers):
            raise ValueError("DataLoader(): prefetch_factor and persistent_workers need num_workers > 0")
        if timeout < 0:
            raise ValueError(f"DataLoader(): timeout must be >= 0, got {timeout}")
        if not in_order:
            raise NotImplementedError("DataLoader(): in_order=False is not supported; batches always come in order")
        iterable = isinstance(dataset, IterableDataset)
        if iterable and (shuffle or sampler is not None or batch_sampler is not None):
            raise ValueError("DataLoader(): an IterableDataset has its own order: no shuffle, sampler or batch_sampler")
        if sampler is not None and shuffle:
            raise ValueError("DataLoader(): sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None and (batch_size != 1 or shuffle or sampler is not None or drop_last):
            raise ValueError(
                "DataLoader(): batch_sampler option is mutually exclusive with batch_size, shuffle, sampler, "
                "and drop_last"
            )
        self.dataset = dataset
        self.batch_size = None if batch_sampler is not None else (None if batch_size is None else int(batch_size))
        self.shuffle = bool(shuffle)
        self.sampler, self.batch_sampler = sampler, batch_sampler
        self.drop_last = bool(drop_last)
        self.seed, self.generator = seed, generator
        batched = self.batch_size is not None or batch_sampler is not None
        self.collate_fn = collate_fn or (default_collate if batched else default_convert)
        self.num_workers, self.timeout, self.worker_init_fn = int(num_workers), timeout, worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.prefetch_factor = 2 if prefetch_factor is None else int(prefetch_factor)
        self.persistent_workers = bool(persistent_workers)
        self.pin_memory, self.pin_memory_device = pin_memory, pin_memory_device
        self.epoch = 0
        self._pool = None

    # ---- the order ----------------------------------------------------------------------------------
    def __len__(self):
        """The number of batches of an epoch (a TypeError for an IterableDataset without ``__len__``)."""
        if self.batch_sampler is not None:
            return len(self.batch_sampler)
        n = len(self.sampler) if self.sampler is not None else len(self.dataset)
        if self.batch_size is None:
            return n
        return n // self.batch_size if self.drop_last else math.ceil(n / self.batch_size)

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

    def _batches(self):
        """The index lists (or single indices, without batching) of one epoch, in order."""
        if self.batch_sampler is not None:
            return (list(b) for b in self.batch_sampler)
        if self.sampler is not None:
            indices = iter(self.sampler)
            if self.batch_size is None:
                return indices
            return iter(BatchSampler(_Once(indices, len(self.sampler)), self.batch_size, self.drop_last))
        order = self._order()
        if self.batch_size is None:
            return iter(order.tolist())
        size, count = self.batch_size, len(self)
        return (order[b * size : (b + 1) * size] for b in range(count))

    def _worker_seed(self):
        if self.seed is not None:
            return int(np.random.default_rng([int(self.seed), self.epoch, 1]).integers(2**62))
        from minigrad.random import rng

        return int(rng(self.generator).integers(2**62))

    # ---- iterating ----------------------------------------------------------------------------------------
    def __iter__(self):
        iterable = isinstance(self.dataset, IterableDataset)
        fetch = _Fetch(self.dataset, self.collate_fn, self.batch_size, self.drop_last, self.batch_size is not None)
        batches = None if iterable else self._batches()
        seed = self._worker_seed()  # drawn with or without workers (as PyTorch does): the same stream either way
        self.epoch += 1
        if self.num_workers == 0:
            return _single_process(fetch, self.dataset if iterable else None, batches)
        if self._pool is None or not self.persistent_workers:
            self._drop_pool()
            self._pool = _worker.WorkerPool(self, fetch, seed)
        return _worker.MultiProcessIterator(self, self._pool, batches, iterable)

    def _drop_pool(self):
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.shutdown()

    def __del__(self):
        try:
            self._drop_pool()
        except Exception:
            pass

    def __repr__(self):
        return (
            f"DataLoader({self.dataset!r}, batch_size={self.batch_size}, shuffle={self.shuffle}, "
            f"drop_last={self.drop_last}, num_workers={self.num_workers}, seed={self.seed})"
        )


class _Once(Sampler):
    """An iterator of indices with a known length, for BatchSampler."""

    def __init__(self, indices, n):
        self.indices, self.n = indices, n

    def __iter__(self):
        return self.indices

    def __len__(self):
        return self.n


def _single_process(fetch, dataset, batches):
    if dataset is not None:  # iterable
        stream = iter(dataset)
        while True:
            try:
                yield fetch(stream)
            except StopIteration:
                return
    for source in batches:
        yield fetch(source)
