"""Normalisation layers with PyTorch's names, arguments, defaults, parameters and buffers.

    layer                reduces over (N,C,H,W)   weight/bias   running stats   eval mode
    BatchNorm1d/2d/3d    N, H, W                  per channel   yes (default)   running stats
    InstanceNorm1d/2d/3d H, W                     off (affine)  no (default)    instance stats
    GroupNorm            C/G, H, W                per channel   no              same as training
    LayerNorm            last dims (C, H, W)      per element   no              same as training
    RMSNorm              last dims, no mean       per element   no              same as training

BatchNorm is the one that behaves differently in training and evaluation (lecture 4: "a common
source of bugs"): ``model.train()`` normalises with the batch's statistics and updates the running
ones; ``model.eval()`` normalises with the running statistics, so the output of a sample no longer
depends on the rest of the batch. All the maths is in minigrad/ops/normalization.py.
"""

import numbers
import warnings

from minigrad import dtypes
from minigrad.autograd import no_grad
from minigrad.nn.module import Module, Parameter
from minigrad.ops.normalization import batch_norm, group_norm, instance_norm, layer_norm, rms_norm
from minigrad.tensor import empty, tensor

__all__ = [
    "BatchNorm1d",
    "BatchNorm2d",
    "BatchNorm3d",
    "InstanceNorm1d",
    "InstanceNorm2d",
    "InstanceNorm3d",
    "LayerNorm",
    "GroupNorm",
    "RMSNorm",
]


def _ones_zeros(weight, bias):
    """PyTorch's initialisation of every normalisation layer: weight 1, bias 0 (the identity map)."""
    with no_grad():
        if weight is not None:
            weight.fill_(1)
        if bias is not None:
            bias.zero_()


def _affine(module, affine, bias, shape, dtype, device):
    """Register ``weight`` (and ``bias`` unless bias=False) of ``shape`` on ``module`` when affine,
    else register them as None: the learned scale and shift every normalisation layer may have.
    bias=None: the layer has no bias at all (RMSNorm)."""

    def parameter():
        return Parameter(empty(*shape, dtype=dtype, device=device))

    module.register_parameter("weight", parameter() if affine else None)
    if bias is not None:
        module.register_parameter("bias", parameter() if affine and bias else None)


class _NormBase(Module):
    """Parameters and buffers shared by BatchNorm and InstanceNorm (PyTorch's ``_NormBase``).

    weight (ones) and bias (zeros) of shape (num_features,) when affine; buffers running_mean
    (zeros), running_var (ones) and num_batches_tracked (a 0-d int64) when track_running_stats.
    """

    _ndims = ()  # the input ranks accepted: batched first
    _default_affine = True
    _default_track = True

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True,
                 device=None, dtype=None, *, bias=True):  # fmt: skip
        super().__init__()
        if not isinstance(num_features, numbers.Integral) or num_features <= 0:
            raise ValueError(f"{type(self).__name__}: num_features must be a positive integer, got {num_features!r}")
        self.num_features = int(num_features)
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        _affine(self, affine, bias, (self.num_features,), dtype, device)
        if track_running_stats:
            self.register_buffer("running_mean", empty(self.num_features, dtype=dtype, device=device))
            self.register_buffer("running_var", empty(self.num_features, dtype=dtype, device=device))
            self.register_buffer("num_batches_tracked", tensor(0, dtype=dtypes.int64, device=device))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        if self.track_running_stats:
            with no_grad():
                self.running_mean.zero_()
                self.running_var.fill_(1)
                self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Weight 1 and bias 0 (and fresh running statistics where there are any)."""
        self.reset_running_stats()
        _ones_zeros(self.weight, self.bias)

    def _check_input(self, input):
        if input.ndim not in self._ndims:
            want = " or ".join(f"{d}D" for d in self._ndims)
            raise ValueError(f"{type(self).__name__}: expected {want} input (got {input.ndim}D input)")

    def _channel_mismatch(self, input, dim):
        return (
            f"{type(self).__name__}({self.num_features}): input of shape {tuple(input.shape)} has "
            f"{input.shape[dim]} channels (dim {dim}), expected {self.num_features}"
        )

    def extra_repr(self):
        return (
            f"{self.num_features}, eps={self.eps}, momentum={self.momentum}, affine={self.affine}, "
            f"bias={self.bias is not None}, track_running_stats={self.track_running_stats}"
        )


class _BatchNorm(_NormBase):
    def forward(self, input):
        self._check_input(input)
        if input.shape[1] != self.num_features:
            raise ValueError(self._channel_mismatch(input, 1))
        # PyTorch's module logic: momentum=None means a cumulative moving average, 1 / batches seen
        factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats:
            self.num_batches_tracked.add_(1)
            factor = 1.0 / int(self.num_batches_tracked.item()) if self.momentum is None else self.momentum
        # batch statistics in training, and in eval when there are no running statistics
        use_batch = self.training or (self.running_mean is None and self.running_var is None)
        track = not self.training or self.track_running_stats
        return batch_norm(
            input,
            self.running_mean if track else None,
            self.running_var if track else None,
            self.weight,
            self.bias,
            use_batch,
            factor,
            self.eps,
        )


class BatchNorm1d(_BatchNorm):
    """Batch normalisation of (N, C) or (N, C, L) inputs, per channel C.

    BatchNorm1d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)
    """

    _ndims = (2, 3)


class BatchNorm2d(_BatchNorm):
    """Batch normalisation of (N, C, H, W) inputs, per channel C (statistics over N, H, W).

    BatchNorm2d(num_features, eps=1e-5, momentum=0.1, affine=True, track_running_stats=True)

    train(): y = (x - batch mean) / sqrt(batch var + eps) * weight + bias, and the buffers move:
    running_mean += momentum * (mean - running_mean), running_var likewise with the unbiased
    variance; num_batches_tracked += 1 (momentum=None: the cumulative average 1 / num_batches_tracked).
    eval(): the same formula with running_mean and running_var: a fixed per-channel linear map.
    """

    _ndims = (4,)


class BatchNorm3d(_BatchNorm):
    """Batch normalisation of (N, C, D, H, W) inputs, per channel C."""

    _ndims = (5,)


class _InstanceNorm(_NormBase):
    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False,
                 device=None, dtype=None, *, bias=True):  # fmt: skip
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device, dtype, bias=bias)

    def forward(self, input):
        self._check_input(input)
        unbatched = input.ndim == self._ndims[1]
        dim = 0 if unbatched else 1
        if input.shape[dim] != self.num_features:
            if self.affine or self.track_running_stats:
                raise ValueError(self._channel_mismatch(input, dim))
            # PyTorch only warns here: without affine or running statistics the module holds
            # nothing per channel, and each instance is normalised on its own anyway
            warnings.warn(self._channel_mismatch(input, dim) + "; normalising anyway", stacklevel=2)
        x = input.unsqueeze(0) if unbatched else input
        out = instance_norm(
            x,
            self.running_mean,
            self.running_var,
            self.weight,
            self.bias,
            self.training or not self.track_running_stats,
            self.momentum if self.momentum is not None else 0.0,
            self.eps,
        )
        return out.squeeze(0) if unbatched else out


class InstanceNorm1d(_InstanceNorm):
    """Instance normalisation of (N, C, L) or (C, L) inputs: each (sample, channel) over L.

    InstanceNorm1d(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)
    """

    _ndims = (3, 2)


class InstanceNorm2d(_InstanceNorm):
    """Instance normalisation of (N, C, H, W) or (C, H, W) inputs: each (sample, channel) over H, W.

    InstanceNorm2d(num_features, eps=1e-5, momentum=0.1, affine=False, track_running_stats=False)
    """

    _ndims = (4, 3)


class InstanceNorm3d(_InstanceNorm):
    """Instance normalisation of (N, C, D, H, W) or (C, D, H, W) inputs."""

    _ndims = (5, 4)


def _as_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        return (int(normalized_shape),)
    return tuple(int(d) for d in normalized_shape)


class LayerNorm(Module):
    """Layer normalisation over the last dims of the input, given by ``normalized_shape``.

    LayerNorm(normalized_shape, eps=1e-5, elementwise_affine=True, bias=True): weight (ones) and
    bias (zeros) have the shape normalized_shape (one per element, not per channel).
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, elementwise_affine, bias, self.normalized_shape, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight 1 and bias 0 (and fresh running statistics where there are any)."""
        _ones_zeros(self.weight, self.bias)

    def forward(self, input):
        return layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}, "
            f"bias={self.bias is not None}"
        )


class GroupNorm(Module):
    """Group normalisation: the channels of each sample in num_groups groups.

    GroupNorm(num_groups, num_channels, eps=1e-5, affine=True, *, bias=True): weight (ones) and bias (zeros) of
    shape (num_channels,). GroupNorm(1, C) normalises like LayerNorm over (C, H, W) (but its affine is
    per channel); GroupNorm(C, C) is InstanceNorm.
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        if not isinstance(num_groups, numbers.Integral) or num_groups <= 0:
            raise ValueError(f"GroupNorm: num_groups must be a positive integer, got {num_groups!r}")
        if num_channels % num_groups != 0:
            raise ValueError(
                f"GroupNorm: num_channels must be divisible by num_groups, got num_channels={num_channels} and "
                f"num_groups={num_groups}"
            )
        self.num_groups = int(num_groups)
        self.num_channels = int(num_channels)
        self.eps = eps
        self.affine = affine
        _affine(self, affine, bias, (self.num_channels,), dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight 1 and bias 0 (and fresh running statistics where there are any)."""
        _ones_zeros(self.weight, self.bias)

    def forward(self, input):
        if input.ndim < 2 or input.shape[1] != self.num_channels:
            got = f"{input.shape[1]} channels (dim 1)" if input.ndim >= 2 else f"{input.ndim} dims"
            raise ValueError(
                f"GroupNorm({self.num_groups}, {self.num_channels}): input of shape {tuple(input.shape)} has "
                f"{got}, expected (N, {self.num_channels}, *)"
            )
        return group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return (
            f"{self.num_groups}, {self.num_channels}, eps={self.eps}, affine={self.affine}, "
            f"bias={self.bias is not None}"
        )


class RMSNorm(Module):
    """RMS normalisation over the last dims: y = x / sqrt(mean(x^2) + eps) * weight.

    RMSNorm(normalized_shape, eps=None, elementwise_affine=True); eps=None is the machine epsilon of
    the input's dtype, as in PyTorch.
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None, dtype=None):
        super().__init__()
        self.normalized_shape = _as_shape(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        _affine(self, elementwise_affine, None, self.normalized_shape, dtype, device)
        self.reset_parameters()

    def reset_parameters(self):
        """Weight 1 and bias 0 (and fresh running statistics where there are any)."""
        _ones_zeros(self.weight, None)

    def forward(self, input):
        return rms_norm(input, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return f"{self.normalized_shape}, eps={self.eps}, elementwise_affine={self.elementwise_affine}"
