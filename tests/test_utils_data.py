"""minigrad.utils.data at PyTorch's path: worker processes that load in parallel and give the same batches
as num_workers=0, samplers, random_split, Subset, ConcatDataset, IterableDataset (issue 13 item 3)."""

import multiprocessing
import os

import numpy as np
import pytest
import torch
import torch.utils.data as tud

import minigrad as mg
from minigrad.utils.data import (
    BatchSampler,
    ConcatDataset,
    DataLoader,
    Dataset,
    IterableDataset,
    RandomSampler,
    SequentialSampler,
    Subset,
    SubsetRandomSampler,
    TensorDataset,
    WeightedRandomSampler,
    default_convert,
    get_worker_info,
    random_split,
)


def _as_lists(batches):
    out = []
    for batch in batches:
        items = batch if isinstance(batch, (tuple, list)) else [batch]
        out.append([x.tolist() if hasattr(x, "tolist") else x for x in items])
    return out


class Squares(Dataset):
    """A Python-level data set (the generic path): sample i is (a vector of i, i * i)."""

    def __init__(self, n=23):
        self.n = n

    def __len__(self):
        return self.n

    def __getitem__(self, i):
        return np.full(3, i, dtype=np.float32), i * i


def test_pytorch_import_path_and_reachability():
    import minigrad.data

    assert mg.utils.data.DataLoader is DataLoader is minigrad.data.DataLoader
    assert minigrad.data.TensorDataset is TensorDataset


@pytest.mark.parametrize("workers", [1, 3])
@pytest.mark.parametrize(
    "kwargs",
    [
        dict(batch_size=4, shuffle=True, seed=3),
        dict(batch_size=5, drop_last=True),
        dict(batch_size=4, shuffle=True, generator=mg.Generator(1)),
        dict(batch_sampler=[[0, 5], [22, 1, 2], [7]]),
        dict(batch_size=3, sampler=[9, 8, 7, 6, 5, 4, 3]),
        dict(batch_size=None),
        dict(batch_size=4, collate_fn=lambda items: [y for _, y in items]),
    ],
)
def test_workers_give_the_same_batches_as_the_main_process(workers, kwargs):
    for dataset in (Squares(), TensorDataset(mg.arange(46.0).reshape(23, 2), mg.arange(23))):
        if "generator" in kwargs:
            kwargs = dict(kwargs, generator=mg.Generator(1))
        plain = _as_lists(DataLoader(dataset, num_workers=0, **kwargs))
        if "generator" in kwargs:
            kwargs = dict(kwargs, generator=mg.Generator(1))
        parallel = _as_lists(DataLoader(dataset, num_workers=workers, **kwargs))
        assert parallel == plain
        assert len(DataLoader(dataset, num_workers=workers, **kwargs)) == len(plain)


def test_shuffled_epochs_match_without_a_seed_too():
    def epochs(workers):
        mg.manual_seed(5)
        loader = DataLoader(Squares(), batch_size=6, shuffle=True, num_workers=workers)
        return [_as_lists(loader) for _ in range(3)] + [mg.rand(2).tolist()]  # and the global stream after

    plain = epochs(0)
    assert plain[0] != plain[1] != plain[2]
    assert epochs(2) == plain


class Rendezvous(Dataset):
    """Samples 0 and 1 wait for each other: they can only be loaded at the same time, by two workers."""

    def __init__(self, barrier):
        self.barrier = barrier

    def __len__(self):
        return 6

    def __getitem__(self, i):
        if i < 2:
            self.barrier.wait(timeout=60)  # a BrokenBarrierError if the other sample is not loading
        return np.array([i, os.getpid()])


def test_workers_really_load_in_parallel():
    ctx = multiprocessing.get_context("fork")
    loader = DataLoader(Rendezvous(ctx.Barrier(2)), batch_size=1, num_workers=2, multiprocessing_context=ctx)
    batches = [b.numpy()[0] for b in loader]
    assert [int(b[0]) for b in batches] == list(range(6))
    pids = {int(b[1]) for b in batches}
    assert len(pids) == 2 and os.getpid() not in pids


class Crashing(Dataset):
    def __len__(self):
        return 8

    def __getitem__(self, i):
        if i == 5:
            raise KeyError(f"no sample {i}")
        if i == 7:
            os._exit(3)  # a hard crash: the process dies without a word
        return i


def test_a_worker_error_is_raised_in_the_main_process():
    # samples 0-5 only: with sample 7 in the set, the worker that dies on it could be seen dead before
    # the other worker's KeyError arrives (a race on a busy machine), as it could in PyTorch
    loader = DataLoader(Subset(Crashing(), range(6)), batch_size=2, num_workers=2)
    with pytest.raises(KeyError, match="Caught KeyError in DataLoader worker process 0.*no sample 5"):
        list(loader)
    with pytest.raises(RuntimeError, match=r"DataLoader worker \(pid \d+\) exited unexpectedly with exit code 3"):
        list(DataLoader(Subset(Crashing(), [6, 7]), batch_size=1, num_workers=1))


class Stalling(Dataset):
    def __len__(self):
        return 2

    def __getitem__(self, i):
        multiprocessing.Event().wait(60)  # never set: this sample never arrives
        return i


def test_timeout_stops_waiting():
    with pytest.raises(RuntimeError, match="timed out after 0.5 seconds"):
        next(iter(DataLoader(Stalling(), num_workers=1, timeout=0.5)))


class Noisy(Dataset):
    """Each sample draws from minigrad's, NumPy's and Python's random streams in the worker."""

    def __len__(self):
        return 8

    def __getitem__(self, i):
        import random

        info = get_worker_info()
        return np.array([info.id, info.num_workers, mg.rand(1).item(), np.random.rand(), random.random()])


def test_worker_seeds_info_and_init_fn():
    calls = multiprocessing.get_context("fork").Array("i", [0, 0])

    def init(worker_id):
        calls[worker_id] += 1

    def run():
        loader = DataLoader(Noisy(), batch_size=2, num_workers=2, seed=0, worker_init_fn=init)
        return np.concatenate([b.numpy() for b in loader])

    a, b = run(), run()
    np.testing.assert_array_equal(a, b)  # a seeded loader's workers draw the same numbers again
    assert a[:, 0].tolist() == [0, 0, 1, 1, 0, 0, 1, 1] and set(a[:, 1]) == {2.0}
    w0, w1 = a[a[:, 0] == 0], a[a[:, 0] == 1]
    assert not np.isin(w0[:, 2:], w1[:, 2:]).any()  # the workers' streams differ
    assert list(calls) == [2, 2]
    assert get_worker_info() is None


class Shards(IterableDataset):
    """0..n-1, each worker taking every num_workers-th value (PyTorch's recipe)."""

    def __init__(self, n):
        self.n = n

    def __iter__(self):
        info = get_worker_info()
        start, step = (0, 1) if info is None else (info.id, info.num_workers)
        return iter(range(start, self.n, step))


@pytest.mark.parametrize("workers", [0, 1, 3])
def test_iterable_datasets_with_and_without_workers(workers):
    batches = [b.tolist() for b in DataLoader(Shards(10), batch_size=2, num_workers=workers)]
    assert sorted(sum(batches, [])) == list(range(10))
    single = list(DataLoader(Shards(5), batch_size=None, num_workers=workers))
    assert sorted(single) == list(range(5))
    assert [b.tolist() for b in DataLoader(Shards(5), batch_size=2, drop_last=True)] == [[0, 1], [2, 3]]


class Pids(Dataset):
    def __len__(self):
        return 6

    def __getitem__(self, i):
        return np.array([i, os.getpid()])


def test_persistent_workers_are_reused_and_survive_an_early_break():
    loader = DataLoader(Pids(), batch_size=2, num_workers=2, persistent_workers=True, prefetch_factor=1)
    first = [b.numpy() for b in loader]
    for _ in loader:  # leave the second epoch early: its unread batches must not leak into the next
        break
    third = [b.numpy() for b in loader]
    assert [b[:, 0].tolist() for b in third] == [[0, 1], [2, 3], [4, 5]]
    assert {int(p) for b in first for p in b[:, 1]} == {int(p) for b in third for p in b[:, 1]}
    loader._drop_pool()


def test_workers_stop_when_the_loop_is_left():
    loader = DataLoader(Pids(), batch_size=1, num_workers=2)
    it = iter(loader)
    next(it)
    workers = list(loader._pool.workers)
    del it
    assert loader._pool is None and not any(p.is_alive() for p in workers)


def test_spawned_workers():
    from tests.spawn_helpers import Doubles

    loader = DataLoader(Doubles(), batch_size=3, num_workers=1, multiprocessing_context="spawn")
    assert [b.tolist() for b in loader] == [[0.0, 2.0, 4.0], [6.0]]


def test_batch_size_none_and_default_convert_follow_pytorch():
    assert list(DataLoader(range(5), batch_size=None)) == list(tud.DataLoader(range(5), batch_size=None))
    pairs = [(1, 2.0), (3, 4.0)]
    assert list(DataLoader(pairs, batch_size=None)) == list(tud.DataLoader(pairs, batch_size=None))
    converted = default_convert({"x": np.ones(2), "y": [np.zeros(1)], "n": 3})
    assert isinstance(converted["x"], mg.Tensor) and isinstance(converted["y"][0], mg.Tensor) and converted["n"] == 3
    assert [b.tolist() for b in DataLoader(range(5), batch_size=2, sampler=[4, 3, 2, 1, 0])] == [[4, 3], [2, 1], [0]]


def test_loader_argument_errors_and_accepted_options():
    with pytest.raises(ValueError, match="mutually exclusive with shuffle"):
        DataLoader(range(5), sampler=[1], shuffle=True)
    with pytest.raises(ValueError, match="batch_sampler option is mutually exclusive"):
        DataLoader(range(5), batch_size=2, batch_sampler=[[1]])
    with pytest.raises(ValueError, match="IterableDataset has its own order"):
        DataLoader(Shards(3), shuffle=True)
    with pytest.raises(ValueError, match="num_workers"):
        DataLoader(range(5), num_workers=-1)
    with pytest.raises(ValueError, match="need num_workers > 0"):
        DataLoader(range(5), prefetch_factor=2)
    with pytest.raises(NotImplementedError, match="in_order=False"):
        DataLoader(range(5), in_order=False)
    loader = DataLoader(range(4), batch_size=2, pin_memory=True, timeout=5)
    assert [b.tolist() for b in loader] == [[0, 1], [2, 3]]


# ---- data sets and samplers ------------------------------------------------------------------------
def test_random_split_lengths_follow_pytorch_and_cover_the_data():
    for lengths in ([0.7, 0.3], [0.34, 0.33, 0.33], [3, 7], [0.5, 0.5, 0.0]):
        parts = random_split(range(10), lengths, generator=mg.Generator(0))
        tparts = tud.random_split(range(10), lengths)
        assert [len(p) for p in parts] == [len(p) for p in tparts]
        assert sorted(i for p in parts for i in p) == list(range(10))
    again = random_split(range(10), [0.5, 0.5], generator=mg.Generator(0))
    assert [list(p) for p in again] == [list(p) for p in random_split(range(10), [0.5, 0.5], generator=mg.Generator(0))]
    assert isinstance(again[0], Subset)
    with pytest.raises(ValueError, match="adding up to the dataset's size 10"):
        random_split(range(10), [3, 3])


def test_subset_and_concat_follow_pytorch():
    ds = TensorDataset(mg.arange(10))
    sub = Subset(ds, [3, 1, 4])
    assert len(sub) == 3 and sub[0][0].item() == 3
    both, tboth = ConcatDataset([ds, sub]), tud.ConcatDataset([tud.TensorDataset(torch.arange(10)), [3, 1, 4]])
    assert len(both) == len(tboth) == 13 and both.cumulative_sizes == tboth.cumulative_sizes
    assert both[11][0].item() == 1 and both[-1][0].item() == 4
    assert len(ds + ds) == 20
    with pytest.raises(IndexError):
        both[13]


def test_samplers():
    assert list(BatchSampler(SequentialSampler(range(7)), 3, drop_last=False)) == list(
        tud.BatchSampler(tud.SequentialSampler(range(7)), 3, drop_last=False)
    )
    assert len(BatchSampler(range(7), 3, drop_last=True)) == 2
    r = list(RandomSampler(range(6), generator=mg.Generator(2)))
    assert sorted(r) == list(range(6)) and r == list(RandomSampler(range(6), generator=mg.Generator(2)))
    many = list(RandomSampler(range(3), num_samples=7, generator=1))
    assert len(many) == 7 and sorted(many[:3]) == [0, 1, 2]  # without replacement: whole permutations first
    assert len(list(RandomSampler(range(3), replacement=True, num_samples=8))) == 8
    assert sorted(SubsetRandomSampler([5, 9, 2])) == [2, 5, 9]
    mg.manual_seed(0)
    draws = list(WeightedRandomSampler([0.0, 1.0, 3.0], 4000))
    freq = np.bincount(draws, minlength=3) / 4000
    np.testing.assert_allclose(freq, [0, 0.25, 0.75], atol=0.03)  # > 4 standard errors
    assert sorted(WeightedRandomSampler([1.0, 1.0, 1.0], 3, replacement=False)) == [0, 1, 2]
    with pytest.raises(ValueError, match="num_samples"):
        WeightedRandomSampler([1.0], 0)
    with pytest.raises(ValueError, match="batch_size"):
        BatchSampler(range(3), 0, False)
