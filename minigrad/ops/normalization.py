"""Normalisation: BatchNorm, LayerNorm, InstanceNorm, GroupNorm (and RMSNorm) as one operation.

Lecture 4, slides 32-43; Wu & He 2018 ("Group Normalization"), figure 2. Every one of them

    y = (x - mean) / sqrt(var + eps) * weight + bias

with mean and (biased) var computed over a *set of axes* of an (N, C, H, W) input:

    BatchNorm     over (N, H, W)   one mean per channel                 weight, bias per channel
    LayerNorm     over (C, H, W)   one mean per sample                  weight, bias per element
    InstanceNorm  over (H, W)      one mean per (sample, channel)       weight, bias per channel
    GroupNorm     over (C/G, H, W) one mean per (sample, channel group) weight, bias per channel

`norm_layout` turns each into the same 4-D view (P, Q, K, S) of the input (no copy): group q holds
x4[:, q, :, :]; the kernels (minigrad/backends/cpu/norm_kernels.py) compute per group the statistics
and the normalisation in one call, and the closed-form gradient in another. `group_index` and
`reduced_axes` describe the same layouts for drawing (the Wu & He cubes).

Backward (derived in docs/normalization.md), per group of n values, xhat = (x - mean) * rstd and
dxhat = w * g (g = dL/dy):
    dx = rstd * (dxhat - mean(dxhat) - xhat * mean(dxhat * xhat))
    dweight = sum g * xhat,  dbias = sum g          (summed over everything the parameter is shared by)
With fixed statistics (BatchNorm in eval mode) the mean and var are constants: dx = rstd * w * g.
"""

import functools
import math
import numbers
from dataclasses import dataclass

import numpy as np

from minigrad import dtypes
from minigrad.autograd import Op, no_grad
from minigrad.tensor import Tensor

# nn.functional star-imports these; the layout helpers (norm_layout, group_index, shares_statistics,
# reduced_axes) are imported from this module by name
__all__ = ["batch_norm", "layer_norm", "instance_norm", "group_norm", "rms_norm"]


# --------------------------------------------------------------------------------------------------
# Layouts: which values share one mean and variance, and how the affine parameters index them
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class NormLayout:
    """How a normalisation sees an input of ``shape``.

    view:   (P, Q, K, S), a reshape of the contiguous input; group q = x4[:, q, :, :]
    affine: (Qw, K, Sw), the shape the weight and bias are reshaped to; value x4[p, q, k, s] is
            scaled by weight[q % Qw, k, s if Sw > 1 else 0]
    channels_first: the view is of the input with axes 0 and 1 swapped (a copy): BatchNorm of
            inputs with few values per (sample, channel), see _build_layout
    """

    kind: str
    shape: tuple
    view: tuple
    affine: tuple
    channels_first: bool = False

    def group(self, xp, a):
        """``a`` (shaped like the input) as the contiguous (P, Q, K, S) array the kernels take."""
        if self.channels_first:
            a = xp.swapaxes(a, 0, 1)
        return xp.ascontiguousarray(a).reshape(self.view)

    def ungroup(self, xp, a4):
        """The inverse of ``group``: a kernel's (P, Q, K, S) result back in the input's shape."""
        if not self.channels_first:
            return a4.reshape(self.shape)
        n, c, *rest = self.shape
        return xp.ascontiguousarray(xp.swapaxes(a4.reshape(c, n, *rest), 0, 1))

    @property
    def groups(self):
        return self.view[1]

    @property
    def group_size(self):
        P, _, K, S = self.view
        return P * K * S


def _prod(dims):
    return int(math.prod(dims))


def norm_layout(kind, shape, num_groups=None, normalized_ndim=None):
    """The NormLayout of ``kind`` ('batch', 'layer', 'instance', 'group', 'rms') for ``shape``.

    'batch', 'instance', 'group': shape is (N, C, *spatial); 'layer', 'rms': the statistics run over
    the last ``normalized_ndim`` dims (by default all but the first: (C, H, W) of an (N, C, H, W) input).
    """
    return _build_layout(kind, tuple(int(d) for d in shape), num_groups, normalized_ndim)


@functools.lru_cache(maxsize=256)  # a training loop asks for the same few layouts every step
def _build_layout(kind, shape, num_groups, normalized_ndim):
    if kind in ("layer", "rms"):
        d = len(shape) - 1 if normalized_ndim is None else normalized_ndim
        D = _prod(shape[len(shape) - d :])
        return NormLayout(kind, shape, (1, _prod(shape[: len(shape) - d]), 1, D), (1, 1, D))
    N, C, S = shape[0], shape[1], _prod(shape[2:])
    if kind == "batch":
        if S < 16 and N > 1:
            # A channel's values are N runs of S, C * S apart: with short runs the kernels would
            # read them a few values at a time. One transposing copy makes each channel one run.
            return NormLayout(kind, shape, (1, C, 1, N * S), (C, 1, 1), channels_first=True)
        return NormLayout(kind, shape, (N, C, 1, S), (C, 1, 1))
    if kind == "instance":
        return NormLayout(kind, shape, (1, N * C, 1, S), (C, 1, 1))
    if kind == "group":
        G = num_groups
        return NormLayout(kind, shape, (1, N * G, C // G, S), (G, C // G, 1))
    raise ValueError(f"unknown normalisation {kind!r}")


def group_index(kind, shape, num_groups=None, normalized_ndim=None):
    """An int NumPy array of ``shape``: the group (the set sharing one mean and variance) of each value.

    Two values are normalised together exactly when their indices are equal. Built from the same
    layout the kernels use, so a figure drawn from it shows what the code computes. (A host-side
    picture of a layout, for figures and tests: it never touches tensor data.)
    """
    lay = norm_layout(kind, shape, num_groups, normalized_ndim)
    q = np.arange(lay.groups).reshape(1, -1, 1, 1)
    return lay.ungroup(np, np.broadcast_to(q, lay.view))


def shares_statistics(kind, shape, index, num_groups=None, normalized_ndim=None):
    """A bool array of ``shape``: the values normalised with the same mean and variance as the value
    at ``index`` (the shaded cells of one of Wu & He's cubes).

        shares_statistics("batch", (4, 6, 3, 3), (0, 0, 0, 0))   # channel 0 of every sample
    """
    gid = group_index(kind, shape, num_groups, normalized_ndim)
    return gid == gid[tuple(index)]


def reduced_axes(kind, ndim=4, num_groups=None):
    """The axes of an (N, C, H, W)-like input that the statistics of ``kind`` are computed over.

    'group' reduces over channels within a group (a subset of axis 1) and H, W: it returns
    (1, 2, 3) with the group restriction told by ``group_index``.
    """
    spatial = tuple(range(2, ndim))
    return {
        "batch": (0, *spatial),
        "layer": (1, *spatial),
        "rms": (1, *spatial),
        "instance": spatial,
        "group": (1, *spatial),
    }[kind]


# --------------------------------------------------------------------------------------------------
# The op
# --------------------------------------------------------------------------------------------------


class Normalize(Op):
    """y = (x - mean) * rstd * weight + bias over the groups of a NormLayout.

    stats: None to compute mean and var from x (and back-propagate through them), or a pair of
    float64 arrays (mean, rstd), one per group, held fixed (eval-mode BatchNorm). ``stats_out``, a
    list, receives (mean, biased var) of the groups, for the running statistics.
    center=False: RMSNorm (no mean subtracted, var is the mean square).
    """

    @staticmethod
    def forward(ctx, x, weight, bias, layout, eps, center, stats, stats_out):  # always called with all 8
        b = ctx.backend
        x4 = layout.group(ctx.xp, x)  # a view, unless x is not contiguous or the layout moves channels first
        w3, b3 = _affine_arrays(ctx.xp, weight, bias, layout, x.dtype)
        if stats is None:
            y, mean, var, rstd = b.norm_forward(x4, w3, b3, eps, center)
            if stats_out is not None:
                stats_out.append((mean, var))
        else:
            mean, rstd = stats
            y = b.norm_apply(x4, w3, b3, mean, rstd)
        ctx.layout = layout
        ctx.center = center
        ctx.batch_stats = stats is None
        ctx.shapes = (None if weight is None else weight.shape, None if bias is None else bias.shape)
        # the arrays themselves (not reshaped views), so that an in-place change before backward is caught
        ctx.save_for_backward(x, weight, mean, rstd)
        return layout.ungroup(ctx.xp, y)

    @staticmethod
    def backward(ctx, grad):
        x, weight, mean, rstd = ctx.saved_tensors
        x4 = ctx.layout.group(ctx.xp, x)
        if weight is not None:
            w3 = weight.reshape(ctx.layout.affine)
        else:  # the same stand-in as in forward: per element when there is a bias, else one scale
            w3 = ctx.xp.ones(ctx.layout.affine if ctx.shapes[1] is not None else (1, ctx.layout.affine[1], 1), x.dtype)
        need_dx = ctx.needs_input_grad[0]
        need_w = ctx.needs_input_grad[1] or ctx.needs_input_grad[2]
        dx, dw, db = ctx.backend.norm_backward(
            ctx.layout.group(ctx.xp, grad), x4, w3, mean, rstd, ctx.center, ctx.batch_stats, need_dx, need_w
        )
        wshape, bshape = ctx.shapes
        gx = ctx.layout.ungroup(ctx.xp, dx) if need_dx else None
        gw = dw.reshape(wshape).astype(x4.dtype) if ctx.needs_input_grad[1] else None
        gb = db.reshape(bshape).astype(x4.dtype) if ctx.needs_input_grad[2] else None
        return gx, gw, gb, None, None, None, None, None


def _affine_arrays(xp, weight, bias, layout, dtype):
    """weight and bias reshaped to the layout's (Qw, K, Sw); ones and zeros stand in for None.

    Without either, (1, K, 1) ones and zeros: one scale for every group (the fastest layout).
    """
    Qw, K, Sw = layout.affine
    if weight is None and bias is None:
        return xp.ones((1, K, 1), dtype), xp.zeros((1, K, 1), dtype)
    w3 = xp.ones(layout.affine, dtype) if weight is None else weight.reshape(layout.affine)
    b3 = xp.zeros(layout.affine, dtype) if bias is None else bias.reshape(layout.affine)
    return w3, b3


# --------------------------------------------------------------------------------------------------
# Checks shared by the public functions
# --------------------------------------------------------------------------------------------------


def _check_input(name, input, min_ndim):
    if not isinstance(input, Tensor):
        raise TypeError(f"{name}(): input must be a Tensor, got {type(input).__name__}")
    if input.dtype.kind != "f":
        raise TypeError(f"{name}(): input must be a floating-point tensor, got {input.dtype}")
    if input.ndim < min_ndim:
        raise ValueError(f"{name}(): expected an input with at least {min_ndim} dims, got shape {tuple(input.shape)}")


def _check_param(name, what, t, shape, input):
    if t is None:
        return
    if tuple(t.shape) != tuple(shape):
        raise ValueError(
            f"{name}(): {what} has shape {tuple(t.shape)}, expected {tuple(shape)} for an input of shape "
            f"{tuple(input.shape)}"
        )
    if t.dtype != input.dtype:
        raise TypeError(
            f"{name}(): input is {input.dtype} but {what} is {t.dtype}; convert one of them with .to(dtype)"
        )


def _check_running(name, what, t, C, input):
    if t is None:
        return
    if t.device != input.device:  # they are updated in place from the batch's statistics: no silent copy
        raise RuntimeError(
            f"{name}(): {what} is on {t.device} but the input is on {input.device}; move it with .to(device) "
            "(module.to(device) moves a module's running statistics)"
        )
    if tuple(t.shape) != (C,):
        raise ValueError(
            f"{name}(): {what} has {_prod(t.shape)} elements, but the input of shape {tuple(input.shape)} has "
            f"{C} channels (dim 1)"
        )


def _update_running(running_mean, running_var, mean, var, n, momentum):
    """running = (1 - momentum) * running + momentum * batch; the variance is the unbiased one.

    (PyTorch's convention: momentum 0.1 here is Keras' momentum 0.9.)
    """
    unbiased = var * (n / (n - 1)) if n > 1 else var * math.nan
    with no_grad():  # the statistics are float64 arrays on the device: the sums run in float64
        if running_mean is not None:
            new = (1.0 - momentum) * running_mean.array.astype(dtypes.float64) + momentum * mean
            running_mean.copy_(Tensor._wrap(new.astype(running_mean.dtype), running_mean.device))
        if running_var is not None:
            new = (1.0 - momentum) * running_var.array.astype(dtypes.float64) + momentum * unbiased
            running_var.copy_(Tensor._wrap(new.astype(running_var.dtype), running_var.device))


def _fixed_stats(running_mean, running_var, eps):
    """(mean, rstd) of the running statistics, float64, as the kernels take them."""
    xp = running_mean._backend().xp
    mean = running_mean.array.astype(dtypes.float64)
    rstd = 1.0 / xp.sqrt(running_var.array.astype(dtypes.float64) + eps)
    return mean, rstd


# --------------------------------------------------------------------------------------------------
# Public functions (PyTorch's signatures)
# --------------------------------------------------------------------------------------------------


def batch_norm(input, running_mean, running_var, weight=None, bias=None, training=False, momentum=0.1, eps=1e-5):
    """Batch normalisation over every axis but the channels (dim 1) of an (N, C, *) input.

    training=True: normalise with the batch's mean and biased variance; update running_mean and
    running_var in place (if given) with momentum m:
        running_mean = (1 - m) * running_mean + m * mean
        running_var  = (1 - m) * running_var  + m * var * n / (n - 1)      (unbiased, n = N * H * W)
    training=False: normalise with running_mean and running_var, a fixed per-channel linear map.
    eps must be positive in training (a constant channel would divide 0 by 0) and non-negative in
    evaluation, as in PyTorch.
    Reference: ``minigrad/backends/numpy/normalization.py`` (norm_forward, norm_apply, norm_backward).
    """
    _check_input("batch_norm", input, 2)
    C = input.shape[1]
    _check_running("batch_norm", "running_mean", running_mean, C, input)
    _check_running("batch_norm", "running_var", running_var, C, input)
    _check_param("batch_norm", "weight", weight, (C,), input)
    _check_param("batch_norm", "bias", bias, (C,), input)
    if training and not eps > 0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if not eps >= 0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    layout = norm_layout("batch", input.shape)
    n = layout.group_size
    if training:
        if n <= 1:
            raise ValueError(
                f"Expected more than 1 value per channel when training, got input size {tuple(input.shape)}. "
                "BatchNorm computes each channel's mean and variance over the batch (and spatial positions); "
                "with one value per channel there is nothing to normalise. Use a batch of 2 or more "
                "(drop_last=True drops a final batch of 1), call .eval() to use the running statistics, or use "
                "GroupNorm/LayerNorm, which do not depend on the batch."
            )
        stats_out = [] if (running_mean is not None or running_var is not None) else None
        out = Normalize.apply(input, weight, bias, layout, eps, True, None, stats_out)
        if stats_out:
            mean, var = stats_out[0]
            _update_running(running_mean, running_var, mean, var, n, momentum)
        return out
    if running_mean is None or running_var is None:
        raise ValueError("batch_norm(): running_mean and running_var must be given when training=False")
    return Normalize.apply(input, weight, bias, layout, eps, True, _fixed_stats(running_mean, running_var, eps), None)


def instance_norm(
    input, running_mean=None, running_var=None, weight=None, bias=None, use_input_stats=True, momentum=0.1, eps=1e-5
):
    """Instance normalisation: each (sample, channel) of an (N, C, *spatial) input on its own.

    use_input_stats=True (the default, in training and in eval): statistics of each instance; the
    running statistics, if given, move towards the batch average of the instances' statistics.
    use_input_stats=False: normalise with running_mean and running_var (per channel).
    Reference: ``minigrad/backends/numpy/normalization.py`` (norm_forward, norm_apply, norm_backward).
    """
    _check_input("instance_norm", input, 3)
    N, C = input.shape[0], input.shape[1]
    _check_running("instance_norm", "running_mean", running_mean, C, input)
    _check_running("instance_norm", "running_var", running_var, C, input)
    _check_param("instance_norm", "weight", weight, (C,), input)
    _check_param("instance_norm", "bias", bias, (C,), input)
    layout = norm_layout("instance", input.shape)
    n = layout.group_size
    if use_input_stats:
        if n <= 1:
            raise ValueError(f"Expected more than 1 spatial element when training, got input size {tuple(input.shape)}")
        stats_out = [] if (running_mean is not None or running_var is not None) else None
        out = Normalize.apply(input, weight, bias, layout, eps, True, None, stats_out)
        if stats_out:
            mean, var = stats_out[0]
            # PyTorch: the instance statistics, averaged over the batch, update the running ones
            _update_running(
                running_mean, running_var, mean.reshape(N, C).mean(0), var.reshape(N, C).mean(0), n, momentum
            )
        return out
    if running_mean is None or running_var is None:
        raise ValueError("instance_norm(): running_mean and running_var must be given when use_input_stats=False")
    mean, rstd = _fixed_stats(running_mean, running_var, eps)
    xp = input._backend().xp
    return Normalize.apply(input, weight, bias, layout, eps, True, (xp.tile(mean, N), xp.tile(rstd, N)), None)


def _normalized_shape(name, input, normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        normalized_shape = (int(normalized_shape),)
    normalized_shape = tuple(int(d) for d in normalized_shape)
    k = len(normalized_shape)
    if k == 0 or input.ndim < k or tuple(input.shape[input.ndim - k :]) != normalized_shape:
        raise ValueError(
            f"{name}(): given normalized_shape={list(normalized_shape)}, expected input with shape "
            f"[*, {', '.join(map(str, normalized_shape))}], but got input of size {list(input.shape)}: "
            "normalized_shape names the last dims of the input"
        )
    return normalized_shape


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):
    """Layer normalisation over the last len(normalized_shape) dims; weight and bias per element.
    Reference: ``minigrad/backends/numpy/normalization.py`` (norm_forward, norm_backward)."""
    _check_input("layer_norm", input, 1)
    normalized_shape = _normalized_shape("layer_norm", input, normalized_shape)
    _check_param("layer_norm", "weight", weight, normalized_shape, input)
    _check_param("layer_norm", "bias", bias, normalized_shape, input)
    layout = norm_layout("layer", input.shape, normalized_ndim=len(normalized_shape))
    return Normalize.apply(input, weight, bias, layout, eps, True, None, None)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):
    """Group normalisation: each sample's channels in num_groups groups (with their spatial positions).
    Reference: ``minigrad/backends/numpy/normalization.py`` (norm_forward, norm_backward)."""
    _check_input("group_norm", input, 2)
    C = input.shape[1]
    if not isinstance(num_groups, numbers.Integral) or num_groups <= 0:
        raise ValueError(f"group_norm(): num_groups must be a positive integer, got {num_groups!r}")
    if C % num_groups != 0:
        raise ValueError(
            f"Expected number of channels in input to be divisible by num_groups, but got input of shape "
            f"{tuple(input.shape)} ({C} channels) and num_groups={num_groups}"
        )
    _check_param("group_norm", "weight", weight, (C,), input)
    _check_param("group_norm", "bias", bias, (C,), input)
    layout = norm_layout("group", input.shape, num_groups=int(num_groups))
    return Normalize.apply(input, weight, bias, layout, eps, True, None, None)


def rms_norm(input, normalized_shape, weight=None, eps=None):
    """RMS normalisation (Zhang & Sennrich 2019): y = x / sqrt(mean(x^2) + eps) * weight, over the last
    len(normalized_shape) dims. eps=None means the machine epsilon of the input's dtype (PyTorch's).
    Reference: ``minigrad/backends/numpy/normalization.py`` (norm_forward, norm_backward)."""
    _check_input("rms_norm", input, 1)
    normalized_shape = _normalized_shape("rms_norm", input, normalized_shape)
    _check_param("rms_norm", "weight", weight, normalized_shape, input)
    if eps is None:
        eps = float(dtypes.finfo(input.dtype).eps)
    layout = norm_layout("rms", input.shape, normalized_ndim=len(normalized_shape))
    return Normalize.apply(input, weight, None, layout, eps, False, None, None)
