"""Utilities on modules and their parameters.

``clip_grad_norm_`` / ``clip_grad_value_``: bound the gradients before ``optimizer.step()`` (against
exploding gradients); ``parameters_to_vector`` / ``vector_to_parameters``: all parameters as one vector.

``fuse_batchnorm(layer, bn)``: at inference a BatchNorm is a fixed per-channel linear map
(lecture 4: "BN becomes a linear operator, it can be fused with the previous FC or conv layer"):

    bn(z) = (z - running_mean) / sqrt(running_var + eps) * gamma + beta = s * z + (beta - s * running_mean)
    with s = gamma / sqrt(running_var + eps), one number per channel.

Following a layer z = W x + b, the two are one layer with W' = s W (row c of W, or filter c of a
convolution, scaled by s_c) and b' = s (b - running_mean) + beta.
"""

from minigrad import dtypes
from minigrad.autograd import no_grad
from minigrad.tensor import full

__all__ = ["fuse_batchnorm", "clip_grad_norm_", "clip_grad_value_", "parameters_to_vector", "vector_to_parameters"]


def _grads(parameters):
    if hasattr(parameters, "shape"):  # a single tensor
        parameters = [parameters]
    return [p.grad for p in parameters if p.grad is not None]


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Scale all gradients by min(1, max_norm / (total_norm + 1e-6)) in place, where total_norm is the
    ``norm_type``-norm of all gradients together (as if concatenated into one vector; ``inf``: the largest
    absolute value). Returns total_norm as a 0-d tensor, as PyTorch does."""
    from minigrad.tensor import tensor

    grads = _grads(parameters)
    norm_type = float(norm_type)
    if not grads:
        return tensor(0.0)
    with no_grad():
        if norm_type == float("inf"):
            norms = [g.abs().max() for g in grads]
            total = _stack(norms).max()
        elif norm_type == 2.0:  # the usual case: sqrt of the sum of squares, per gradient and then of those
            norms = [(g * g).sum().sqrt() for g in grads]
            stacked = _stack(norms)
            total = (stacked * stacked).sum().sqrt()
        else:
            norms = [(g.abs() ** norm_type).sum() ** (1.0 / norm_type) for g in grads]
            total = (_stack(norms) ** norm_type).sum() ** (1.0 / norm_type)
        if error_if_nonfinite and not bool(total.isfinite()):
            raise RuntimeError(
                f"clip_grad_norm_: the total norm of order {norm_type} of the gradients is non-finite ({total.item()}),"
                " so they cannot be clipped; pass error_if_nonfinite=False to skip this check"
            )
        coef = (max_norm / (total + 1e-6)).clamp(max=1.0)
        for g in grads:
            g.mul_(coef.to(g.dtype))
    return total


def _stack(values):
    from minigrad.ops.shape import stack

    return stack([v.to(values[0].dtype) for v in values])


def clip_grad_value_(parameters, clip_value, foreach=None):
    """Clamp every gradient element to [-clip_value, clip_value], in place."""
    with no_grad():
        for g in _grads(parameters):
            g.clamp_(-clip_value, clip_value)


def parameters_to_vector(parameters):
    """All parameters flattened and concatenated into one 1-d tensor (a copy, in the graph)."""
    from minigrad.ops.shape import cat

    return cat([p.reshape(-1) for p in parameters])


def vector_to_parameters(vec, parameters):
    """Copy consecutive pieces of the 1-d ``vec`` into the parameters (the inverse of ``parameters_to_vector``)."""
    if vec.ndim != 1:
        raise TypeError(f"vector_to_parameters: expected a 1-d tensor, got shape {vec.shape}")
    params = list(parameters)
    total = sum(p.numel() for p in params)
    if vec.numel() != total:
        raise ValueError(f"vector_to_parameters: the vector has {vec.numel()} values, the parameters {total}")
    start = 0
    with no_grad():
        for p in params:
            n = p.numel()
            p.copy_(vec[start : start + n].reshape(p.shape))
            start += n


def fuse_batchnorm(layer, bn):
    """A new Linear or Conv2d whose output equals ``bn(layer(x))`` with ``bn`` in eval mode.

    ``layer``: an nn.Linear or nn.Conv2d; ``bn``: an nn.BatchNorm1d/2d over its output channels,
    with running statistics (track_running_stats=True). Neither argument is changed. The folded
    weights are computed in float64 and stored in the layer's dtype.
    """
    from minigrad.nn.modules.conv import Conv2d
    from minigrad.nn.modules.linear import Linear
    from minigrad.nn.modules.normalization import _BatchNorm

    if not isinstance(bn, _BatchNorm):
        raise TypeError(f"fuse_batchnorm: expected a BatchNorm module, got {type(bn).__name__}")
    if bn.running_mean is None or bn.running_var is None:
        raise ValueError(
            "fuse_batchnorm: the BatchNorm has no running statistics (track_running_stats=False), so in eval mode "
            "it normalises with each batch's statistics and is not a fixed linear map"
        )
    if isinstance(layer, Linear):
        out = layer.out_features
        fused = Linear(layer.in_features, out, bias=True, dtype=layer.weight.dtype, device=layer.weight.device)
    elif isinstance(layer, Conv2d):
        out = layer.out_channels
        fused = Conv2d(
            layer.in_channels, out, layer.kernel_size, stride=layer.stride, padding=layer.padding,
            dilation=layer.dilation, bias=True, dtype=layer.weight.dtype, device=layer.weight.device,
        )  # fmt: skip
    else:
        raise TypeError(f"fuse_batchnorm: expected an nn.Linear or nn.Conv2d layer, got {type(layer).__name__}")
    if bn.num_features != out:
        raise ValueError(
            f"fuse_batchnorm: the layer has {out} output channels but the BatchNorm normalises {bn.num_features}"
        )

    with no_grad():  # the folding is done in float64, on the layer's device

        def f64(t, default=0.0):
            if t is None:
                return full((out,), default, dtype=dtypes.float64, device=layer.weight.device)
            return t.detach().double()

        s = f64(bn.weight, 1.0) / (f64(bn.running_var) + bn.eps).sqrt()
        w = f64(layer.weight) * s.reshape((out,) + (1,) * (layer.weight.ndim - 1))
        b = (f64(layer.bias) - f64(bn.running_mean)) * s + f64(bn.bias)
        fused.weight.copy_(w)
        fused.bias.copy_(b)
    return fused
