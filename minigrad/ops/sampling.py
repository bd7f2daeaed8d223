"""Random sampling from tensors of parameters: ``multinomial`` and ``normal``.

Both draw from minigrad's random stream (``mg.manual_seed``, or a ``generator=``) through the
backend's ``rand``/``randn``, so they run on any device. Neither is differentiable: the samples
are data (PyTorch's gradient of ``normal`` with respect to its mean and std is zero too).
"""

import numbers

import numpy as np

from minigrad import dtypes
from minigrad.backends import backend_for
from minigrad.random import rng
from minigrad.shapes import broadcast_shapes
from minigrad.tensor import Tensor

__all__ = ["multinomial", "normal"]


def multinomial(input, num_samples, replacement=False, generator=None):  # noqa: A002
    """Draw ``num_samples`` category indices (int64) from the weights ``input`` (1-d: one distribution;
    2-d: one per row), the weights need not sum to 1.

    With replacement: inverse-CDF sampling, index = the first k with u * total < cumsum(w)[k].
    Without: each category gets the key log(u) / w_k and the largest keys win (Efraimidis and Spirakis
    2006), which is the same as drawing one by one and removing what was drawn; zero weights come last.
    """
    if not isinstance(input, Tensor) or input.dtype.kind != "f":
        what = dtypes.name(input.dtype) if isinstance(input, Tensor) else type(input).__name__
        raise TypeError(f"multinomial(): expected a floating point tensor of weights, got {what}")
    if input.ndim not in (1, 2):
        raise RuntimeError(f"multinomial(): expected a 1-d or 2-d tensor of weights, got shape {input.shape}")
    backend = backend_for(input.device)
    xp = backend.xp
    w = input.detach().array
    rows = w.reshape(-1, w.shape[-1])
    n = rows.shape[1]
    if not isinstance(num_samples, numbers.Integral) or num_samples <= 0:
        raise RuntimeError(f"multinomial(): num_samples must be a positive integer, got {num_samples!r}")
    if not replacement and num_samples > n:
        raise RuntimeError(f"multinomial(): cannot draw {num_samples} samples without replacement from {n} categories")
    if rows.size == 0 or bool((~xp.isfinite(rows) | (rows < 0)).any()):
        raise RuntimeError("multinomial(): the weights must be finite and >= 0 (found inf, nan or a negative value)")
    total = rows.sum(axis=1, keepdims=True)
    if bool((total <= 0).any()):
        raise RuntimeError("multinomial(): invalid distribution: the weights of a row sum to 0")
    gen = rng(generator)
    if replacement:
        # All rows in one search: row r's CDF, scaled to (0, 1], is shifted to (r, r + 1].
        cdf = xp.cumsum(rows.astype(np.float64), axis=1)
        row = xp.arange(rows.shape[0], dtype=np.float64)[:, None]
        u = backend.rand(gen, (rows.shape[0], int(num_samples)), np.float64)
        pos = xp.searchsorted((cdf / cdf[:, -1:] + row).reshape(-1), (u + row).reshape(-1), side="right")
        out = xp.clip(pos.reshape(u.shape) - row.astype(np.int64) * n, 0, n - 1)
    else:
        u = backend.rand(gen, rows.shape, np.float64)
        with backend.quiet():
            keys = xp.log(u) / rows.astype(np.float64)  # in (-inf, 0]; weight 0 gives -inf: drawn last
        out = xp.argsort(-keys, axis=1, kind="stable")[:, : int(num_samples)]
    out = out.astype(np.int64).reshape(w.shape[:-1] + (int(num_samples),))
    return Tensor._wrap(out, input.device)


def normal(mean, std=1.0, size=None, *, generator=None, dtype=None, device=None):
    """Samples of N(mean, std^2): ``mean`` and ``std`` are tensors (broadcast together) or numbers; with two
    numbers, ``size`` gives the shape. Computed as mean + std * z with z ~ N(0, 1)."""
    tensors = [t for t in (mean, std) if isinstance(t, Tensor)]
    if tensors:
        if size is not None:
            raise RuntimeError("normal(): size= is only for a number mean and std; the tensors give the shape")
        shape = broadcast_shapes(*(t.shape for t in tensors), op="normal")
        dtype = dtypes.result_type(*(t.dtype for t in tensors)) if len(tensors) == 2 else tensors[0].dtype
        device = tensors[0].device
    else:
        if size is None:
            raise TypeError("normal(): with a number mean and std, pass size= (the shape of the samples)")
        shape = tuple(size) if isinstance(size, (tuple, list)) else (int(size),)
        dtype = dtypes.as_dtype(dtype) or dtypes.default_float
        device = device or "cpu"
    if dtype.kind != "f":
        raise TypeError(f"normal(): mean and std must be floating point, got {dtypes.name(dtype)}")
    std_values = std.detach() if isinstance(std, Tensor) else std
    if bool((std_values < 0).any()) if isinstance(std, Tensor) else std < 0:
        raise RuntimeError("normal(): std must be >= 0")
    backend = backend_for(str(device).split(":")[0])
    z = Tensor._wrap(backend.randn(rng(generator), shape, dtype), str(device).split(":")[0])
    mean_values = mean.detach() if isinstance(mean, Tensor) else mean
    return (mean_values + std_values * z).to(dtype)
