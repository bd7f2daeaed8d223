"""Channel dropout (Tompson et al. 2015): in training, zero whole channels (feature maps) with probability p
and scale the others by 1 / (1 - p). Neighbouring pixels of a feature map are strongly correlated, so
dropping single pixels (``dropout``) regularises convolutional layers little; dropping the whole map
does. The gradient is masked the same way (the op is ``input * mask``).
"""

from minigrad.backends import backend_for
from minigrad.random import rng
from minigrad.tensor import Tensor

__all__ = ["dropout1d", "dropout2d"]


def _channel_dropout(input, p, training, op, ndims):  # noqa: A002
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")
    if input.ndim not in ndims:
        raise RuntimeError(f"{op}: expected a {' or '.join(f'{n}-d' for n in ndims)} input, got shape {input.shape}")
    if not training or p == 0.0:
        return input
    channels = input.shape[:2] if input.ndim == ndims[1] else input.shape[:1]  # (N, C), or (C,) unbatched
    shape = channels + (1,) * (input.ndim - len(channels))  # one draw per channel, broadcast over the rest
    keep = backend_for(input.device).rand(rng(None), shape, input.dtype) >= p
    mask = keep.astype(input.dtype) / input.dtype.type(1.0 - p) if p < 1 else keep.astype(input.dtype)
    return input * Tensor._wrap(mask, input.device)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of (N, C, H, W) (or (C, H, W)) inputs with probability p in training."""
    return _channel_dropout(input, p, training, "dropout2d", (3, 4))


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels of (N, C, L) (or (C, L)) inputs with probability p in training."""
    return _channel_dropout(input, p, training, "dropout1d", (2, 3))
