"""``minigrad.utils.data``: PyTorch's ``torch.utils.data`` at the same import path.

    from minigrad.utils.data import DataLoader, TensorDataset, random_split
    train, val = random_split(TensorDataset(X, y), [0.9, 0.1], generator=mg.Generator(0))
    loader = DataLoader(train, batch_size=64, shuffle=True, num_workers=2)

Datasets (``dataset.py``), samplers (``sampler.py``), the DataLoader and its collate functions
(``dataloader.py``) and the worker processes (``_worker.py``). The offline loaders of real data sets
(Fashion-MNIST, digits) are in ``minigrad.data``.
"""

from minigrad.utils.data.dataloader import DataLoader, default_collate, default_convert, get_worker_info
from minigrad.utils.data.dataset import ConcatDataset, Dataset, IterableDataset, Subset, TensorDataset, random_split
from minigrad.utils.data.sampler import (
    BatchSampler,
    RandomSampler,
    Sampler,
    SequentialSampler,
    SubsetRandomSampler,
    WeightedRandomSampler,
)

__all__ = [
    "BatchSampler",
    "ConcatDataset",
    "DataLoader",
    "Dataset",
    "IterableDataset",
    "RandomSampler",
    "Sampler",
    "SequentialSampler",
    "Subset",
    "SubsetRandomSampler",
    "TensorDataset",
    "WeightedRandomSampler",
    "default_collate",
    "default_convert",
    "get_worker_info",
    "random_split",
]
