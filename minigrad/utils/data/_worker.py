"""DataLoader worker processes: each loads whole batches in its own process, in parallel with the
others and with training, as PyTorch's workers do.

The main process decides every batch's indices (so the batches are the same as with
``num_workers=0``), hands batch k to worker k mod W through that worker's index queue, keeps
``prefetch_factor`` batches per worker in flight, and puts the results, which arrive through one
result queue in any order, back in order. Tensors travel as plain NumPy arrays (``_pack``).
A worker that raises sends its traceback, which is raised again in the main process; a worker
that dies is noticed within a second; a worker whose parent died exits.
"""

import multiprocessing
import queue
import random
import time
import traceback
from collections import namedtuple

import numpy as np

WorkerInfo = namedtuple("WorkerInfo", ["id", "num_workers", "seed", "dataset"])
_info = None  # this process's WorkerInfo (None in the main process)

_POLL = 1.0  # seconds between liveness checks while waiting


class _Error:
    """An exception raised in a worker, carried to the main process as text."""

    def __init__(self, worker_id, exc):
        self.worker_id = worker_id
        self.type = type(exc)
        self.text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))

    def reraise(self):
        message = f"Caught {self.type.__name__} in DataLoader worker process {self.worker_id}.\nOriginal {self.text}"
        try:
            error = self.type(message)
        except Exception:  # an exception class that needs other arguments
            error = RuntimeError(message)
        raise error


_EXHAUSTED = "exhausted"  # an iterable data set's worker has no more batches


class _PackedTensor:
    """A Tensor on its way between processes: its array and whether it requires grad."""

    def __init__(self, array, requires_grad):
        self.array, self.requires_grad = array, requires_grad


def _map(fn, data):
    """``fn`` applied to every leaf of nested dicts, lists and tuples (namedtuples keep their type)."""
    if isinstance(data, dict):
        return {k: _map(fn, v) for k, v in data.items()}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return type(data)(*(_map(fn, v) for v in data))
    if isinstance(data, (list, tuple)):
        return type(data)(_map(fn, v) for v in data)
    return fn(data)


def _pack(data):
    """Tensors become (array, requires_grad) pairs for the trip between processes."""
    from minigrad.tensor import Tensor

    def pack(x):
        return _PackedTensor(x.detach()._host_array(), x.requires_grad) if isinstance(x, Tensor) else x

    return _map(pack, data)


def _unpack(data):
    from minigrad.tensor import Tensor

    def unpack(x):
        if not isinstance(x, _PackedTensor):
            return x
        t = Tensor._wrap(x.array)
        return t.requires_grad_(True) if x.requires_grad else t

    return _map(unpack, data)


def _seed_everything(seed):
    import minigrad

    minigrad.manual_seed(seed)
    np.random.seed(seed % 2**32)
    random.seed(seed)


def worker_loop(dataset, fetch, index_queue, result_queue, worker_id, num_workers, seed, worker_init_fn):
    """The body of a worker process: take (epoch, batch number, indices) from ``index_queue``, put
    (epoch, batch number, batch) on ``result_queue``, until it receives None or its parent dies."""
    global _info
    _info = WorkerInfo(worker_id, num_workers, seed, dataset)
    iterator = None
    try:
        _seed_everything(seed)
        if worker_init_fn is not None:
            worker_init_fn(worker_id)
    except Exception as e:
        result_queue.put((None, None, _Error(worker_id, e)))
        return
    parent = multiprocessing.parent_process()
    while True:
        try:
            task = index_queue.get(timeout=_POLL)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                return
            continue
        if task is None:
            return
        epoch, number, indices = task
        if isinstance(indices, str) and indices == "reset":  # a new epoch of an iterable data set: a fresh iterator
            iterator = None
            continue
        try:
            if indices is None:  # an iterable data set: the next batch of this worker's own stream
                iterator = iter(dataset) if iterator is None else iterator
                data = fetch(iterator)
            else:
                data = fetch(indices)
        except StopIteration:
            data = _EXHAUSTED
        except Exception as e:
            data = _Error(worker_id, e)
        else:
            data = _pack(data)
        result_queue.put((epoch, number, data))


class WorkerPool:
    """The worker processes of one DataLoader, with their queues (kept between epochs when the loader
    has ``persistent_workers=True``)."""

    def __init__(self, loader, fetch, seed):
        ctx = loader.multiprocessing_context
        if ctx is None or isinstance(ctx, str):
            ctx = multiprocessing.get_context(ctx)
        self.timeout, self.epoch = loader.timeout, 0
        self.result_queue = ctx.Queue()
        self.index_queues, self.workers = [], []
        for w in range(loader.num_workers):
            q = ctx.Queue()
            args = (loader.dataset, fetch, q, self.result_queue, w, loader.num_workers, seed + w, loader.worker_init_fn)
            p = ctx.Process(target=worker_loop, args=args, daemon=True, name=f"minigrad DataLoader worker {w}")
            p.start()
            self.index_queues.append(q)
            self.workers.append(p)

    def get(self):
        """The next (epoch, number, data) from any worker; raises if a worker died or the timeout passed."""
        start = time.monotonic()
        while True:
            wait = _POLL if not self.timeout else min(_POLL, self.timeout - (time.monotonic() - start))
            try:
                return self.result_queue.get(timeout=max(wait, 0.001))
            except queue.Empty:
                pass
            dead = [p for p in self.workers if not p.is_alive()]
            if dead:
                self.shutdown()
                p = dead[0]
                raise RuntimeError(
                    f"DataLoader worker (pid {p.pid}) exited unexpectedly with exit code {p.exitcode}; "
                    "run with num_workers=0 to see the error in the main process"
                )
            if self.timeout and time.monotonic() - start >= self.timeout:
                raise RuntimeError(f"DataLoader timed out after {self.timeout} seconds waiting for a batch")

    def shutdown(self):
        for q in self.index_queues:
            try:
                q.put(None)
            except (ValueError, OSError):
                pass
        for p in self.workers:
            p.join(timeout=2)
            if p.is_alive():
                p.terminate()
                p.join(timeout=1)
        for q in (*self.index_queues, self.result_queue):
            q.cancel_join_thread()
            q.close()
        self.workers, self.index_queues = [], []


class MultiProcessIterator:
    """One epoch of batches from a WorkerPool, in order."""

    def __init__(self, loader, pool, batches, iterable):
        self.loader, self.pool, self.iterable = loader, pool, iterable
        pool.epoch += 1
        self.epoch = pool.epoch
        self.batches = batches  # iterator over index lists (map-style); unused for iterable data sets
        self.active = list(range(len(pool.workers)))  # workers that may still have batches
        self.owner = {}  # batch number -> the worker that loads it
        self.next_worker = 0
        self.sent = self.received = 0
        self.waiting = {}  # batch number -> data that arrived early
        if iterable:
            for q in pool.index_queues:
                q.put((self.epoch, None, "reset"))
        for _ in range(loader.prefetch_factor * len(pool.workers)):
            self._dispatch()

    def _dispatch(self):
        if not self.active:
            return
        if self.iterable:
            indices = None
        else:
            indices = next(self.batches, None)
            if indices is None:
                self.active = []
                return
        worker = self.active[self.next_worker % len(self.active)]
        self.next_worker += 1
        self.owner[self.sent] = worker
        self.pool.index_queues[worker].put((self.epoch, self.sent, indices))
        self.sent += 1

    def __iter__(self):
        return self

    def __next__(self):
        while True:
            if self.received in self.waiting:
                data = self.waiting.pop(self.received)
                worker = self.owner.pop(self.received)
                self.received += 1
                if isinstance(data, str) and data == _EXHAUSTED:  # that worker's stream has ended
                    self.active = [w for w in self.active if w != worker]
                    continue
                self._dispatch()
                return _unpack(data)
            if self.received == self.sent:
                self._finish()
                raise StopIteration
            epoch, number, data = self.pool.get()
            if isinstance(data, _Error):
                if self.loader._pool is self.pool:
                    self.loader._drop_pool()
                data.reraise()
            if epoch != self.epoch:
                continue  # left over from an epoch that was stopped early
            self.waiting[number] = data

    def _finish(self):
        if not self.loader.persistent_workers and self.loader._pool is self.pool:
            self.loader._drop_pool()

    def __del__(self):  # a loop left early (break): stop this epoch's workers
        loader = getattr(self, "loader", None)
        if loader is not None and not loader.persistent_workers and loader._pool is self.pool:
            loader._drop_pool()
