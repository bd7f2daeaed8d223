"""``mg.save`` / ``mg.load``: state dicts as ``.npz`` files, never pickle.

A ``.npz`` file is a zip of plain arrays: loading one cannot run code (``allow_pickle=False``), and
PyTorch's ``state_dict`` keys (``0.weight``, ``bn.running_mean``...) are valid member names. The file
is written to a temporary name and renamed, so an interrupted save never leaves half a file in the
place of a good one.
"""

import os
import tempfile

import numpy as np


def save(obj, path):
    """Save a dict of name -> Tensor (or array, or number), e.g. ``model.state_dict()``, to ``path``."""
    from minigrad.tensor import Tensor

    if not isinstance(obj, dict):
        raise TypeError(f"save: expected a dict of tensors such as model.state_dict(), got {type(obj).__name__}")
    arrays = {}
    for key, value in obj.items():
        if not isinstance(key, str):
            raise TypeError(f"save: keys must be strings, got {key!r}")
        if isinstance(value, Tensor):
            value = value.detach()._host_array()
        value = np.asarray(value)
        if value.dtype == object:
            raise TypeError(f"save: entry {key!r} is not a tensor, an array or a number")
        arrays[key] = value
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=".minigrad-save-", suffix=".npz")
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def load(path, map_location=None):
    """Load what ``save`` wrote: a dict of name -> Tensor, in the saved order, bit for bit."""
    from minigrad.tensor import Tensor

    with np.load(os.fspath(path), allow_pickle=False) as data:
        out = {key: Tensor._wrap(np.array(data[key])) for key in data.files}
    if map_location not in (None, "cpu"):
        out = {k: v.to(map_location) for k, v in out.items()}
    return out
